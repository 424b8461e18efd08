"""cybereason_sensor_action: start sensor actions against the simulator over real HTTP, and wait on
the batch id with cybereason_action_status."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import run_adhoc, run_playbook

USER, PASSWORD = "admin@sim.local", "changeme"
MODULE = "actiongate.agents.cybereason_sensor_action"
STATUS = "actiongate.agents.cybereason_action_status"
ACTION = "/rest/sensors/action/"
SENSORS = ["PYLUMCLIENT_SIM_HOST-%02d_08002700AA%02X" % (i, i) for i in range(1, 21)]


def start_task(simulator, name="start", **args):
    params = {"url": simulator.http_url, "username": USER, "password": PASSWORD}
    params.update(args)
    return {"name": name, MODULE: params, "register": "started", "ignore_errors": True}


def wait_task(simulator, **args):
    params = {"url": simulator.http_url, "username": USER, "password": PASSWORD,
              "action_ids": ["{{ started.action_id }}"], "wait": True, "wait_interval": 0.5,
              "wait_max_interval": 0.5, "fail_on_failure": False}
    params.update(args)
    return {"name": "wait", STATUS: params, "register": "waited"}


def posts(simulator, path=ACTION):
    return [r for r in simulator.requests_log(path) if r["method"] == "POST"]


def sessions(simulator):
    return simulator.control("GET", "/cybereason/sessions")


def session_ids(simulator):
    return list(simulator.state.vendor("cybereason").sessions)


def fast(simulator):
    simulator.control("POST", "/cybereason/config", {"sensor_seconds": 0.1})


def test_upgrade_returns_a_batch_id_the_status_module_waits_on(simulator, tmp_path):
    fast(simulator)
    run = run_playbook(tmp_path, [start_task(simulator, action="upgrade", sensor_ids=SENSORS[:3]),
                                  wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["changed"] is True and started["action"] == "upgrade"
    assert isinstance(started["action_id"], str) and started["action_ids"] == [started["action_id"]]
    assert started["sensor_ids"] == SENSORS[:3] and started["sensors_count"] == 3
    assert started["unmatched_sensors"] == [] and started["unmatched_count"] == 0 and "warnings" not in started
    assert started["action_type"] == "Upgrade" and str(started["raw"]["batchId"]) == started["action_id"]
    sent = posts(simulator)
    assert [r["path"] for r in sent] == ["/rest/sensors/action/upgrade"]
    assert json.loads(sent[0]["body"]) == {"sensorsIds": SENSORS[:3]}
    assert sent[0]["headers"]["content-type"] == "application/json"
    waited = run.task("wait")["actions"][0]
    assert waited["action_id"] == started["action_id"] and waited["action_type"] == "Upgrade"
    assert waited["state"] == "succeeded" and waited["targets"]["total"] == 3
    # one login and one logout for the start; the status module's run has its own
    assert sessions(simulator)["logins"] == 2 and sessions(simulator)["logouts"] == 2


def test_a_sensor_that_fails_fails_the_batch_the_id_names(simulator, tmp_path):
    fast(simulator)
    simulator.control("POST", "/cybereason/sensors", [{"pylumId": SENSORS[4], "outcome": "MsiFileCorrupted"}])
    run = run_playbook(tmp_path, [start_task(simulator, action="upgrade", sensor_ids=SENSORS[3:6]),
                                  wait_task(simulator)])
    assert not run.task("start").get("failed"), run.task("start")
    waited = run.task("wait")["actions"][0]
    assert waited["state"] == "partial" and waited["succeeded"] is False
    assert waited["targets"] == {"total": 3, "succeeded": 2, "failed": 1, "pending": 0}
    assert any(e["target"] == "MsiFileCorrupted" for e in waited["errors"])


@pytest.mark.parametrize("action, path, extra, body", [
    ("restart", "restart", {}, {"sensorsIds": SENSORS[:2]}),
    ("scan", "schedulerScan", {"scan_type": "QUICK"}, {"sensorsIds": SENSORS[:2], "argument": "QUICK"}),
])
def test_restart_and_scan_send_their_bodies(simulator, tmp_path, action, path, extra, body):
    fast(simulator)
    run = run_playbook(tmp_path, [start_task(simulator, action=action, sensor_ids=SENSORS[:2], **extra),
                                  wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    sent = posts(simulator)
    assert [r["path"] for r in sent] == [ACTION + path] and json.loads(sent[0]["body"]) == body
    assert run.task("wait")["actions"][0]["state"] == "succeeded"


def test_check_mode_logs_in_and_out_and_starts_nothing(simulator, tmp_path):
    run = run_playbook(tmp_path, [start_task(simulator, action="scan", scan_type="FULL", sensor_ids=SENSORS[:1])],
                       extra_args=["--check"])
    result = run.task("start")
    assert not result.get("failed"), result
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [{"method": "POST", "path": "/rest/sensors/action/schedulerScan",
                                   "body": {"sensorsIds": SENSORS[:1], "argument": "FULL"}}]
    assert simulator.requests_log(ACTION) == [] and simulator.requests_log("/rest") == []
    assert sessions(simulator)["logins"] == 1 and sessions(simulator)["logouts"] == 1


def test_check_mode_with_a_wrong_password_fails_saying_nothing_started(simulator, tmp_path):
    run = run_playbook(tmp_path, [start_task(simulator, action="restart", sensor_ids=SENSORS[:1],
                                             password="wrong-pw-1")], extra_args=["--check"])
    result = run.task("start")
    assert result["failed"] is True and "before its request was sent" in result["msg"]
    assert "Nothing started" in result["msg"] and "Check username and password" in result["msg"]
    assert "wrong-pw-1" not in run.output and simulator.requests_log(ACTION) == []


def test_no_matching_sensor_is_a_204_and_nothing_started(simulator, tmp_path):
    run = run_playbook(tmp_path, [start_task(simulator, action="upgrade", sensor_ids=["no-such-sensor"])])
    result = run.task("start")
    assert result["failed"] is True and "HTTP 204" in result["msg"] and "none of the sensors matched" in result["msg"]
    assert "Nothing started" in result["msg"] and "MAY HAVE STARTED" not in result["msg"]
    assert len(posts(simulator)) == 1 and simulator.control("GET", "/cybereason/sessions")["logouts"] == 1


def test_fewer_sensors_than_asked_warns_and_lists_them(simulator, tmp_path):
    fast(simulator)
    asked = [SENSORS[6], "PYLUMCLIENT_UNKNOWN_0000", SENSORS[7]]
    run = run_playbook(tmp_path, [start_task(simulator, action="upgrade", sensor_ids=asked), wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["sensors_count"] == 2 and started["unmatched_count"] == 1
    assert started["unmatched_sensors"] == asked  # the answer does not say which: every one asked is listed
    assert any("took 2 of the 3 sensors asked" in w and "does not say which" in w for w in started["warnings"])
    assert run.task("wait")["actions"][0]["targets"]["total"] == 2


@pytest.mark.parametrize("fault, started_maybe, words", [
    ({"status": 500}, True, "HTTP 500"),
    ({"status": 502}, True, "HTTP 502"),
    ({"status": 503, "retry_after": 1}, True, "HTTP 503"),
    ({"status": 504}, True, "HTTP 504"),
    ({"status": 429, "retry_after": 1}, False, "HTTP 429"),
    ({"kind": "reset"}, True, "Could not reach"),
    ({"kind": "html", "body": "<html><body>maintenance</body></html>"}, True, "not JSON"),
    ({"kind": "truncated"}, True, "not JSON"),
    ({"status": 400, "body": {"status": "FAILURE", "message": "bad request"}}, False, "HTTP 400"),
    ({"status": 401, "body": {"message": "no"}}, False, "HTTP 401"),
    ({"status": 403, "body": {"message": "no"}}, False, "HTTP 403"),
])
def test_every_fault_on_the_start_sends_one_request(simulator, tmp_path, fault, started_maybe, words):
    simulator.fault(path="/rest/sensors/action/upgrade", method="POST", **fault)
    result = run_playbook(tmp_path, [start_task(simulator, action="upgrade", sensor_ids=SENSORS[:2])]).task("start")
    assert result["failed"] is True and words in result["msg"], result["msg"]
    assert len(posts(simulator)) == 1  # never retried
    if started_maybe:
        assert "MAY HAVE STARTED" in result["msg"] and "cybereason_action_status" in result["msg"]
    else:
        assert "Nothing started" in result["msg"] and "re-run is safe" in result["msg"]
    assert sessions(simulator)["logins"] == 1 and sessions(simulator)["logouts"] == 1


def test_a_timeout_may_have_started(simulator, tmp_path):
    simulator.fault(path="/rest/sensors/action/restart", method="POST", kind="slow", delay=3)
    run = run_playbook(tmp_path, [start_task(simulator, action="restart", sensor_ids=SENSORS[:1], request_timeout=1)])
    result = run.task("start")
    assert result["failed"] is True and "MAY HAVE STARTED" in result["msg"], result["msg"]
    assert "timed out" in result["msg"] or "time" in result["msg"]
    assert len(posts(simulator)) == 1 and sessions(simulator)["logouts"] == 1


@pytest.mark.parametrize("unauthenticated, words", [
    ("redirect", "HTTP 302 to its login page (/login.html)"),
    ("html", "with its login page (HTTP 200)"),
    ("401", "HTTP 401"),
    ("403", "HTTP 403"),
])
def test_a_session_not_accepted_is_a_refusal_and_the_start_is_not_repeated(simulator, tmp_path, unauthenticated, words):
    """The session this run opened is refused on the start POST (as by a proxy that drops the cookie):
    the server did not act, so nothing started; no second login, no second POST."""
    simulator.control("POST", "/cybereason/config", {"session_refused_on": ACTION, "unauthenticated": unauthenticated})
    result = run_playbook(tmp_path, [start_task(simulator, action="upgrade", sensor_ids=SENSORS[:2])]).task("start")
    assert result["failed"] is True and words in result["msg"], result["msg"]
    assert "Nothing started" in result["msg"] and "MAY HAVE STARTED" not in result["msg"]
    assert len(posts(simulator)) == 1 and sessions(simulator)["logins"] == 1
    assert simulator.state.vendor("cybereason").batches == []


def test_bad_input_is_refused_before_any_request(simulator, tmp_path):
    many = ["sensor-%04d" % i for i in range(1001)]
    run = run_playbook(tmp_path, [
        start_task(simulator, name="empty", action="upgrade", sensor_ids=[]),
        start_task(simulator, name="blank", action="upgrade", sensor_ids=[SENSORS[0], " "]),
        start_task(simulator, name="twice", action="restart", sensor_ids=[SENSORS[0], SENSORS[0]]),
        start_task(simulator, name="many", action="upgrade", sensor_ids=many),
        start_task(simulator, name="no_scan_type", action="scan", sensor_ids=SENSORS[:1]),
        start_task(simulator, name="stray_scan_type", action="upgrade", scan_type="FULL", sensor_ids=SENSORS[:1]),
        start_task(simulator, name="bad_scan_type", action="scan", scan_type="DEEP", sensor_ids=SENSORS[:1]),
        start_task(simulator, name="bad_action", action="uninstall", sensor_ids=SENSORS[:1]),
    ])
    assert "sensor_ids must list at least one target" in run.task("empty")["msg"]
    assert "sensor_ids has a blank item (position 2)" in run.task("blank")["msg"]
    assert "more than once" in run.task("twice")["msg"]
    assert "sensor_ids lists 1001 targets" in run.task("many")["msg"] and "at most 1000" in run.task("many")["msg"]
    assert "scan_type" in run.task("no_scan_type")["msg"]
    assert "scan_type cannot be used with action=upgrade" in run.task("stray_scan_type")["msg"]
    assert "scan_type" in run.task("bad_scan_type")["msg"] and "FULL" in run.task("bad_scan_type")["msg"]
    assert "action" in run.task("bad_action")["msg"]
    assert all(run.task(n)["failed"] is True for n in ("empty", "blank", "twice", "many", "no_scan_type",
                                                       "stray_scan_type", "bad_scan_type", "bad_action"))
    assert simulator.requests_log("/") == []  # not even a login


def test_adhoc_with_env_credentials_and_a_wrong_password_secret_free(simulator):
    fast(simulator)
    env = {"CYBEREASON_URL": simulator.http_url, "CYBEREASON_USERNAME": USER, "CYBEREASON_PASSWORD": PASSWORD}
    args = json.dumps({"action": "restart", "sensor_ids": SENSORS[8:10], "include_raw": False})
    run = run_adhoc(MODULE, args, env=env)
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["action_id"] and result["changed"] is True and "raw" not in result
    assert result["sensors_count"] == 2
    secret = 'Wr0ng&%"+/=pw'
    bad = run_adhoc(MODULE, args, env=dict(env, CYBEREASON_PASSWORD=secret), json_results=False, extra_args=["-vvvv"])
    assert bad.rc != 0 and "Check username and password" in bad.output and "Nothing started" in bad.output
    assert secret not in bad.output and "Wr0ng&amp;" not in bad.output and "Wr0ng%26" not in bad.output
    assert len(posts(simulator)) == 1


def test_the_session_cookie_and_password_never_reach_the_output(simulator, tmp_path):
    fast(simulator)
    simulator.fault(path="/rest/sensors/action/upgrade", method="POST", status=500,
                    body={"message": "failed for %s" % PASSWORD})
    run = run_playbook(tmp_path, [start_task(simulator, name="ok", action="restart", sensor_ids=SENSORS[:1]),
                                  start_task(simulator, name="fault", action="upgrade", sensor_ids=SENSORS[:1])],
                       extra_args=["-vvvv"])
    assert not run.task("ok").get("failed") and run.task("fault")["failed"] is True
    assert "********" in run.task("fault")["msg"]
    ids = session_ids(simulator)
    assert len(ids) == 2
    for secret in ids + [PASSWORD]:
        assert secret not in run.output


def test_the_module_runs_as_a_module_in_an_async_job(simulator, tmp_path):
    """``async`` runs the module itself (its ``main()``), not the action plugin's in-process run."""
    fast(simulator)
    task = start_task(simulator, name="job", action="upgrade", sensor_ids=SENSORS[10:12])
    task.update({"async": 60, "poll": 0, "register": "job"})
    collect = {"name": "collected", "ansible.builtin.async_status": {"jid": "{{ job.ansible_job_id }}"},
               "register": "started", "until": "started.finished", "retries": 60, "delay": 0.5}
    run = run_playbook(tmp_path, [task, collect, wait_task(simulator)])
    assert run.rc == 0, run.output[-3000:]
    collected = run.task("collected")
    assert collected["action_id"] and collected["sensors_count"] == 2 and collected["changed"] is True
    assert run.task("wait")["actions"][0]["state"] == "succeeded"
    assert len(posts(simulator)) == 1 and sessions(simulator)["logouts"] == 2


@pytest.mark.parametrize("action_type, outcome, state", [
    ("Uninstall", "Uninstalled", "succeeded"),
    ("Upgrade", "Uninstalled", "failed"),
    ("Upgrade", "IncompatibleVersionInstalled", "failed"),
    ("Uninstall", "SelfProtectEnabled", "failed"),
])
def test_upgrade_and_uninstall_stats_keys_are_judged_by_the_status_module(simulator, tmp_path, action_type, outcome, state):
    """The status side's classification of the upgrade and uninstall keys, end to end: Uninstalled is a
    success only in an uninstall batch; a server with the recent key set lists every key."""
    simulator.control("POST", "/cybereason/config", {"full_stats_keys": True})
    spec = {"actionType": action_type, "count": 2, "sensor_seconds": 0.05, "outcomes": {outcome: 2}}
    batch = simulator.control("POST", "/cybereason/batches", spec)["batchId"]
    run = run_playbook(tmp_path, [{"name": "wait", STATUS: {
        "url": simulator.http_url, "username": USER, "password": PASSWORD, "action_ids": [batch], "wait": True,
        "wait_interval": 0.5, "wait_max_interval": 0.5, "fail_on_failure": False}, "register": "waited"}])
    only = run.task("wait")["actions"][0]
    assert only["state"] == state and only["unknown_stats"] == {} and len(only["stats"]) == 47
