"""Rackspace Cloud Backup agent events: module, lookup and ad-hoc runs against the simulator."""

from __future__ import annotations

import requests

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook

MODULE = "actiongate.agents.rackspace_backup_agent_events"
AGENT = "8f135b4f-7a69-4b8a-947f-5e80d772fd97"
EVENTS_PATH = "/v2/123456/agents/%s/events" % AGENT
IDENTITY_ENV = {"RAX_USERNAME": "sim-user", "RAX_API_KEY": "sim-api-key"}


def agent_request(simulator, **spec):
    return simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT, spec)["request_id"]


def quiet(simulator, **config):
    """No heartbeats, so event counts are exact."""
    simulator.control("POST", "/rackspace/config", dict({"heartbeat_seconds": 0}, **config))


def args(simulator, **values):
    params = {"url": simulator.http_url, "token": "sim-token", "project_id": "123456", "agent_id": AGENT,
              "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(values)
    return params


def task(name, params, ignore_errors=True):
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def test_list_follows_next_links_until_an_empty_page(simulator, tmp_path):
    quiet(simulator)
    first = agent_request(simulator, event="vault_db_download", step_seconds=0)
    second = agent_request(simulator, event="logfile", step_seconds=0)
    run = run_playbook(tmp_path, [task("all", args(simulator, limit=2, all_pages=True)),
                                  task("one", args(simulator, limit=2))])
    result = run.task("all")
    assert not result.get("failed"), result.get("msg")
    assert len(result["events"]) == 5
    ids = [int(e["id"]) for e in result["events"]]
    assert ids == sorted(ids) and result["next_marker"] == str(ids[-1])
    assert [(a["action_id"], a["state"]) for a in result["actions"]] == [(first, "succeeded"), (second, "succeeded")]
    pages = [r["query"] for r in simulator.requests_log(EVENTS_PATH)]
    assert len(pages) == 4 + 1  # three pages (2+2+1) and an empty one for "all", one page for "one"
    assert "marker=%d" % ids[1] in pages[1] and "marker=%d" % ids[3] in pages[2] and "marker=%d" % ids[4] in pages[3]
    assert len(run.task("one")["events"]) == 2


def test_marker_resumes_and_event_types_filter(simulator, tmp_path):
    quiet(simulator)
    agent_request(simulator, event="configuration_changed")
    run = run_playbook(tmp_path, [task("first", args(simulator))])
    marker = run.task("first")["next_marker"]
    download = agent_request(simulator, event="vault_db_download", step_seconds=0)
    agent_request(simulator, event="host_browse")
    later = run_playbook(tmp_path, [task("later", args(simulator, marker=marker, event_types=["vault_db_*"]))]).task("later")
    assert [e["event"] for e in later["events"]] == ["vault_db_download_in_progress", "vault_db_download_completed"]
    assert [a["action_id"] for a in later["actions"]] == [download]
    assert int(later["next_marker"]) > int(marker)


def test_wait_loses_nothing_when_events_expire_between_polls(simulator, tmp_path):
    quiet(simulator, event_ttl=3.5)
    # starts once the module polls (not-yet-visible is tolerated); each event outlives the next by 0.2 s only
    request = agent_request(simulator, event="logfile", step_seconds=3.7, delay=3)
    with clock_starts_on_first_poll(simulator, EVENTS_PATH):
        run = run_playbook(tmp_path, [task("wait", args(simulator, request_ids=[request], wait=True, wait_timeout=30))])
    result = run.task("wait")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert only["state"] == "succeeded" and result["polls"] >= 3
    assert [e["event"] for e in only["events"]] == ["logfile_upload", "logfile_started", "logfile_completed"]
    assert [h["vendor_status"] for h in result["history"]] == ["logfile_upload", "logfile_started", "logfile_completed"]
    still_listed = requests.get(simulator.http_url + EVENTS_PATH, headers={"X-Auth-Token": "sim-token"}, timeout=10)
    assert "logfile_upload" not in [e["event"] for e in still_listed.json()["events"]]


def test_failed_request_fails_the_wait(simulator, tmp_path):
    quiet(simulator)
    request = agent_request(simulator, event="vault_db_download", outcome="failed", step_seconds=0.3)
    result = run_playbook(tmp_path, [task("wait", args(simulator, request_ids=[request], wait=True))]).task("wait")
    assert result["failed"] is True and request in result["msg"]
    assert "vault_db_download_failed" in result["msg"] and result["actions"][0]["state"] == "failed"


def test_request_expired_before_first_read_is_unknown(simulator, tmp_path):
    old = agent_request(simulator, event="logfile", age=600)
    run = run_playbook(tmp_path, [
        task("read", args(simulator, request_ids=[old])),
        task("wait", args(simulator, request_ids=[old], wait=True, wait_not_found_timeout=1)),
    ])
    read = run.task("read")
    assert not read.get("failed") and read["succeeded"] is False
    only = read["actions"][0]
    assert (only["state"], only["vendor_status"], only["terminal"]) == ("unknown", "no_events", False)
    assert "about a minute" in only["errors"][0]["message"]
    waited = run.task("wait")
    assert waited["failed"] is True and "state is unknown" in waited["msg"] and old in waited["msg"]


def test_identity_credentials_from_env_and_secrets_absent_from_vvvv(simulator, tmp_path):
    request = agent_request(simulator, event="configuration_changed")
    env = dict(IDENTITY_ENV, RAX_IDENTITY_URL=simulator.http_url + "/v2.0")
    run = run_playbook(tmp_path, [task("read", {"agent_id": AGENT, "request_ids": [request]}, False)],
                       env=env, json_results=False, extra_args=["-vvvv"])
    assert run.rc == 0, run.output[-2000:]
    assert "sim-api-key" not in run.output
    assert all(token not in run.output for token in simulator.state.vendor("rackspace").tokens)


def test_expired_token_renewed_with_identity_but_not_without(simulator, tmp_path):
    simulator.control("POST", "/rackspace/tokens/expire", {})
    identity = {"identity_url": simulator.http_url + "/v2.0", "username": "sim-user", "api_key": "sim-api-key"}
    run = run_playbook(tmp_path, [task("token_only", args(simulator)),
                                  task("token_and_identity", args(simulator, **identity))])
    assert "invalid or expired" in run.task("token_only")["msg"]
    renewed = run.task("token_and_identity")
    assert not renewed.get("failed"), renewed.get("msg")
    assert len([r for r in simulator.requests_log("/v2.0/tokens") if r["method"] == "POST"]) == 1  # one login


def test_faults_429_503_html_and_unknown_agent(simulator, tmp_path):
    simulator.fault(path=EVENTS_PATH, status=429, retry_after=1, count=1)
    simulator.fault(path=EVENTS_PATH, status=503, count=1)
    ok = run_playbook(tmp_path, [task("retried", args(simulator))]).task("retried")
    assert not ok.get("failed"), ok.get("msg")
    assert len(simulator.requests_log(EVENTS_PATH)) == 3
    simulator.fault(path=EVENTS_PATH, kind="html", count=1)
    run = run_playbook(tmp_path, [task("html", args(simulator)), task("nobody", args(simulator, agent_id="nobody"))])
    assert "text/html where JSON was expected" in run.task("html")["msg"]
    assert "HTTP 404 Agent nobody not found." in run.task("nobody")["msg"]


def test_tls_with_ca_path(simulator, tmp_path):
    request = agent_request(simulator, event="host_browse")
    run = run_playbook(tmp_path, [
        task("untrusted", args(simulator, url=simulator.https_url, request_ids=[request])),
        task("trusted", args(simulator, url=simulator.https_url, ca_path=simulator.ca_path, request_ids=[request])),
    ])
    assert "TLS verification failed" in run.task("untrusted")["msg"]
    assert run.task("trusted")["actions"][0]["vendor_status"] == "host_browse"


def test_lookup_statuses_and_wait(simulator, tmp_path):
    quiet(simulator)
    done = agent_request(simulator, event="vault_db_download", step_seconds=0)
    slow = agent_request(simulator, event="logfile", step_seconds=0.3)
    base = "url='%s', token='sim-token', agent_id='%s'" % (simulator.http_url, AGENT)
    run = run_playbook(tmp_path, [
        {"name": "read", "ansible.builtin.set_fact": {
            "found": "{{ query('%s', '%s', 'gone', %s) }}" % (MODULE, done, base)}},
        {"name": "wait", "ansible.builtin.set_fact": {
            "waited": "{{ lookup('%s', '%s', %s, wait=true, wait_interval=0.5) }}" % (MODULE, slow, base)}},
    ])
    found = run.task("read")["ansible_facts"]["found"]
    assert [(a["action_id"], a["state"]) for a in found] == [(done, "succeeded"), ("gone", "unknown")]
    waited = run.task("wait")["ansible_facts"]["waited"]
    assert waited["state"] == "succeeded" and waited["vendor_status"] == "logfile_completed"


def test_lookup_wrong_api_key_secret_free(simulator, tmp_path):
    secret = "lookup-api-key-24680"
    run = run_playbook(tmp_path, [{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ lookup('%s', 'r1', identity_url='%s/v2.0', username='sim-user', api_key='%s', agent_id='%s') }}" % (
            MODULE, simulator.http_url, secret, AGENT)}}], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "Username or api key is invalid" in run.output
    assert secret not in run.output and "Traceback" not in run.output


def test_adhoc_wait_with_env_identity(simulator):
    request = agent_request(simulator, event="vault_db_download", step_seconds=0.3)
    env = dict(IDENTITY_ENV, RAX_IDENTITY_URL=simulator.http_url + "/v2.0", RAX_REGION="ORD")
    run = run_adhoc(MODULE, "agent_id=%s request_ids=%s wait=true wait_interval=0.5" % (AGENT, request), env=env)
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["actions"][0]["state"] == "succeeded" and result["changed"] is False
    assert result["endpoint"] == simulator.http_url + "/rax/ord/v2/123456"


def test_adhoc_token_absent_from_vvvv(simulator):
    secret = "adhoc-token-97531"
    run = run_adhoc(MODULE, "url=%s token=%s agent_id=%s" % (simulator.http_url, secret, AGENT),
                    json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output
    assert secret not in run.output
