"""max_concurrent_requests through ansible-playbook: the modules and lookups of the per-id vendors read
a poll's ids with a bounded pool, in the order asked (docs/dev/options.md, max_concurrent_requests). One playbook; between tasks a
``uri`` task reads (and restarts) the simulator's gauge of requests in flight."""

from __future__ import annotations

from tests.integration.helpers import run_playbook
from tests.simulator.puppet import STATIC_TOKEN

XDR_FAST = {"pending_seconds": 0.1, "run_seconds": 0.2, "stagger_seconds": 0.05, "timeout_seconds": 0.3,
            "abort_seconds": 0.2, "expire_seconds": 3600}
RAX_PATH = "/v2/123456/backups/"
XDR_PATH = "/public_api/v1/actions/get_action_status/"


def gauge_task(simulator, name):
    return {"name": name, "ansible.builtin.uri": {"url": simulator.http_url + "/_sim/concurrency?restart=1",
                                                  "return_content": True}}


def test_modules_and_lookups_read_ids_with_at_most_max_concurrent_requests(simulator, tmp_path):
    backups = [simulator.control("POST", "/rackspace/backups", {"age": 30})["id"] for _index in range(12)]
    actions = [str(simulator.control("POST", "/cortex_xdr/actions", dict(XDR_FAST, count=1))["action_id"])
               for _index in range(6)]
    simulator.control("POST", "/latency", {"seconds": 0.15, "path": "/"})
    xdr = {"url": simulator.http_url, "api_key_id": "1", "api_key": "sim-standard-key"}
    lookup = "query('actiongate.agents.cortex_xdr_action_status', *ids, url=%r, api_key_id='1', " \
             "api_key='sim-standard-key', max_concurrent_requests=2)" % simulator.http_url
    tasks = [
        gauge_task(simulator, "start"),
        {"name": "rackspace", "actiongate.agents.rackspace_backup_status": {
            "url": simulator.http_url, "token": "sim-token", "project_id": "123456", "action_ids": backups,
            "max_concurrent_requests": 3, "include_raw": False}},
        gauge_task(simulator, "after rackspace"),
        {"name": "cortex lookup", "ansible.builtin.set_fact": {"found": "{{ %s }}" % lookup},
         "vars": {"ids": actions}},
        gauge_task(simulator, "after lookup"),
        {"name": "cortex module sequential", "actiongate.agents.cortex_xdr_action_status": dict(
            xdr, action_ids=actions, max_concurrent_requests=1, include_raw=False)},
        gauge_task(simulator, "after sequential"),
        {"name": "out of range", "ignore_errors": True, "actiongate.agents.puppet_job_status": {
            "url": simulator.http_url, "token": STATIC_TOKEN, "action_ids": ["1"], "max_concurrent_requests": 65}},
    ]
    run = run_playbook(tmp_path, tasks)
    rackspace = run.task("rackspace")
    assert not rackspace.get("failed"), rackspace
    assert [a["action_id"] for a in rackspace["actions"]] == backups
    assert 2 <= run.task("after rackspace")["json"]["most"] <= 3
    assert [a["action_id"] for a in run.task("cortex lookup")["ansible_facts"]["found"]] == actions
    assert run.task("after lookup")["json"]["most"] == 2
    assert [a["action_id"] for a in run.task("cortex module sequential")["actions"]] == actions
    assert run.task("after sequential")["json"]["most"] == 1
    refused = run.task("out of range")
    assert refused.get("failed") and "max_concurrent_requests must be between 1 and 64" in refused["msg"], refused
    log = simulator.requests_log("/")
    assert sorted(r["path"] for r in log if r["path"].startswith(RAX_PATH)) == sorted(RAX_PATH + b for b in backups)
    assert len([r for r in log if r["path"] == XDR_PATH]) == 2 * len(actions)  # lookup and module: one each per id
    assert not [r for r in log if r["path"].startswith("/orchestrator/")]  # refused before any request
