"""The shells (module through its action plugin, lookup, ad-hoc) against the simulator: options
refused before any request, wait without ids, lookups in check mode, include_raw and its size."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS_PATH = "/api/fleet/agents/action_status"
MODULE = "actiongate.agents.fleet_action_status"
URL_PASSWORD = "pa55&w%rd/="


def create(simulator, **spec):
    return simulator.control("POST", "/fleet/actions", spec)["actionId"]


def task(simulator, name, **args):
    params = {"url": simulator.http_url, "api_key": API_KEY, "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(args)
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": True}


def lookup_task(name, expression):
    return {"name": name, "ansible.builtin.set_fact": {"found": "{{ %s }}" % expression}, "ignore_errors": True}


@pytest.mark.parametrize("args, words", [
    ({"wait_interval": 0}, "wait_interval must be at least 0.5 and at most 86400 seconds, got 0."),
    ({"wait_timeout": "nan"}, "wait_timeout must be a finite number, got nan."),
    ({"wait_interval": 10, "wait_max_interval": 2}, "wait_max_interval must be at least wait_interval"),
    ({"request_timeout": -1}, "request_timeout must be more than 0"),
    ({"allowed_failures": "150%"}, "allowed_failures must be a whole number of targets from 0 to 1000000"),
    ({"url": "ftp://127.0.0.1/"}, "url must start with https://"),
    ({"url": "http://127.0.0.1:1/?x=1"}, "url must not have a query string"),
    ({"action_ids": [" ", ""], "wait": True}, "wait=true needs at least one action id"),
])
def test_options_are_refused_before_any_request(simulator, tmp_path, args, words):
    run = run_playbook(tmp_path, [task(simulator, "status", **args)])
    result = run.task("status")
    assert result["failed"] is True and words in result["msg"], result["msg"]
    assert "Traceback" not in run.output
    assert simulator.requests_log("/api/") == []


def test_url_user_info_is_refused_and_never_shown(simulator, tmp_path):
    url = simulator.http_url.replace("://", "://admin:%s@" % URL_PASSWORD)
    tasks = [task(simulator, "module", url=url),
             lookup_task("lookup", "lookup('%s', 'a1', url='%s', api_key='%s')" % (MODULE, url, API_KEY)),
             {"name": "start", "actiongate.agents.fleet_agent_action": {
                 "url": url, "api_key": API_KEY, "action": "cancel", "action_id": "a1"}, "ignore_errors": True}]
    run = run_playbook(tmp_path, tasks, extra_args=["-vvvv"])
    for name in ("module", "lookup", "start"):
        result = run.task(name)
        assert result["failed"] is True and "url must not hold a user name or password" in result["msg"]
    adhoc = run_adhoc(MODULE, "url=%s api_key=%s" % (url, API_KEY), extra_args=["-vvvv"])
    assert adhoc.rc != 0 and "url must not hold a user name or password" in adhoc.adhoc()["msg"]
    for output in (run.output, adhoc.output):
        assert URL_PASSWORD not in output and "pa55" not in output
    assert simulator.requests_log("/api/") == []


def test_wait_without_ids_fails_at_once_in_the_lookup_and_listing_still_works(simulator, tmp_path):
    create(simulator, count=1, ack_seconds=0.01)
    common = "url='%s', api_key='%s'" % (simulator.http_url, API_KEY)
    run = run_playbook(tmp_path, [
        lookup_task("waits", "query('%s', '', wait=true, %s)" % (MODULE, common)),
        lookup_task("lists", "query('%s', %s)" % (MODULE, common)),
        {"name": "show", "ansible.builtin.debug": {"var": "found"}},
    ])
    assert run.task("waits")["failed"] is True
    assert "wait=true needs at least one action id" in run.task("waits")["msg"]
    assert len(run.task("show")["found"]) == 1
    assert len(simulator.requests_log(STATUS_PATH)) == 1


def test_lookup_in_check_mode_reads_once_and_does_not_wait(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=600)
    expression = "lookup('%s', '%s', wait=true, wait_timeout=30, wait_interval=0.5, url='%s', api_key='%s')" % (
        MODULE, action, simulator.http_url, API_KEY)
    run = run_playbook(tmp_path, [lookup_task("read", expression),
                                  {"name": "show", "ansible.builtin.debug": {"var": "found"}}],
                       extra_args=["--check"])
    found = run.task("show")["found"]
    assert found["state"] in ("pending", "running") and found["terminal"] is False
    assert len(simulator.requests_log(STATUS_PATH)) == 1


def _bytes(result):
    kept = dict((k, v) for k, v in result.items() if k not in ("invocation", "_ansible_no_log", "changed"))
    return len(json.dumps(kept, sort_keys=True).encode("utf-8"))


def test_include_raw_false_drops_raw_everywhere_and_measures_the_gain(simulator, tmp_path, capsys):
    agents = ["agent-%02d" % i for i in range(1, 41)]
    sizes = {}
    for include_raw in (True, False):
        simulator.state.reset()
        action = create(simulator, agents=agents, ack_seconds=0.6, fail_count=3, fail_message="disk full")
        with clock_starts_on_first_poll(simulator, STATUS_PATH):
            run = run_playbook(tmp_path, [
                task(simulator, "wait", action_ids=[action], wait=True, include_raw=include_raw, allowed_failures=5),
                lookup_task("lookup", "lookup('%s', '%s', include_raw=%s, url='%s', api_key='%s')" % (
                    MODULE, action, include_raw, simulator.http_url, API_KEY)),
                {"name": "show", "ansible.builtin.debug": {"var": "found"}},
            ])
        result = run.task("wait")
        assert not result.get("failed"), result.get("msg")
        assert result["actions"][0]["targets"]["total"] == 40 and result["polls"] >= 2
        assert ("raw" in result["actions"][0]) is include_raw
        assert ("raw" in run.task("show")["found"]) is include_raw
        sizes[include_raw] = _bytes(result)
    with capsys.disabled():
        print("\n40-agent Fleet wait result: %d bytes with raw, %d bytes with include_raw=false (%.0f%% smaller)" % (
            sizes[True], sizes[False], 100.0 * (sizes[True] - sizes[False]) / sizes[True]))
    assert sizes[False] < sizes[True]


def test_a_trickling_answer_ends_the_wait_at_the_deadline_with_the_last_state(adversary, tmp_path):  # noqa: F811
    running = {"items": [{"actionId": "slow-1", "type": "UPGRADE", "status": "IN_PROGRESS", "nbAgentsActioned": 4,
                          "nbAgentsAck": 1, "nbAgentsFailed": 0}]}
    adversary.route("a", STATUS_PATH, json_body=running, count=1)
    adversary.route("a", STATUS_PATH, text=json.dumps(running), content_type="application/json", trickle=1)
    started = time.monotonic()
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {
        "url": adversary.url("a"), "ca_path": adversary.ca_path, "api_key": API_KEY, "action_ids": ["slow-1"],
        "wait": True, "wait_timeout": 4, "wait_interval": 0.5, "wait_max_interval": 0.5, "request_timeout": 30},
        "ignore_errors": True}])
    took = time.monotonic() - started
    result = run.task("status")
    assert result["failed"] is True
    assert re.match(r"Timed out after [45]s waiting for Elastic Fleet action slow-1 \(wait_timeout=4\)", result["msg"])
    assert "Last state: slow-1: running (IN_PROGRESS), 1/4 succeeded" in result["msg"]
    # ... and says what the cut call was doing (the client's DeadlineExceeded message)
    doing = result["msg"].split("The deadline passed during this call: ", 1)
    assert len(doing) == 2 and STATUS_PATH in doing[1] and "wait_timeout" in doing[1], result["msg"]
    assert result["actions"][0]["state"] == "running" and result["polls"] >= 2
    assert result["elapsed"] <= 4 + 2, result["elapsed"]
    assert took < 4 + 15  # ansible's own start-up included


def test_the_module_run_on_another_host_refuses_and_masks_the_same(simulator, tmp_path):
    """Through a connection that is not local the status module itself runs (AnsiballZ): the same
    refusals, and a URL's user info masked in its result and invocation."""
    url = simulator.http_url.replace("://", "://admin:%s@" % URL_PASSWORD)
    run = run_playbook(tmp_path, [task(simulator, "user info", url=url),
                                  task(simulator, "no ids", action_ids=[" "], wait=True),
                                  task(simulator, "nan", wait_timeout="nan")],
                       extra_args=["-vvvv"], play={"vars": {"ansible_connection": "actiongate_target",
                                                            "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
                       env={"ANSIBLE_CONNECTION_PLUGINS": str(Path(__file__).parent / "connection_plugins")})
    assert "AnsiballZ_fleet_action_status.py" in run.output  # the module ran as a module
    assert "url must not hold a user name or password" in run.task("user info")["msg"]
    assert "wait=true needs at least one action id" in run.task("no ids")["msg"]
    assert run.task("nan")["msg"] == "wait_timeout must be a finite number, got nan."
    assert URL_PASSWORD not in run.output and "pa55" not in run.output
    assert simulator.requests_log("/api/") == []
