"""rackspace_backup_start against the simulator over real HTTP: plays, ad hoc, check mode, every
fault on a start with one request counted, input refused before any request, secrets kept out of
the output, and the backup ids waited on with rackspace_backup_status (docs/dev/vendors/rackspace.md,
"Starting actions")."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.helpers import run_adhoc, run_playbook

MODULE = "actiongate.agents.rackspace_backup_start"
STATUS = "actiongate.agents.rackspace_backup_status"
V1_CONFIG = "148325"  # the simulator's v1.0 configuration (the docs' example id)
V2_CONFIG = "7c8ee069-568f-4d5a-932f-fb2af86b5fd5"
START = "/v1.0/123456/backup/action-requested"
WAKE = "/v1.0/123456/user/wakeupagents"


def identity_args(simulator, **args):
    params = {"identity_url": simulator.http_url + "/v2.0", "username": "sim-user", "api_key": "sim-api-key",
              "wake_agents_delay": 0}
    params.update(args)
    return params


def token_args(simulator, **args):
    params = {"url": simulator.http_url + "/v1.0/123456", "token": "sim-token", "wake_agents_delay": 0}
    params.update(args)
    return params


def start_task(params, name="start"):
    return {"name": name, MODULE: params, "register": "started", "ignore_errors": True}


def wait_task(params, ids="{{ started.action_ids }}"):
    wanted = dict((k, v) for k, v in params.items() if not k.startswith("wake_agents") and k != "configuration_ids")
    wanted.update({"action_ids": ids, "wait": True, "wait_interval": 0.5, "wait_max_interval": 0.5,
                   "fail_on_failure": False})
    return {"name": "wait", STATUS: wanted, "register": "waited"}


def configurations(simulator, *ids):
    for configuration_id in ids:
        simulator.control("POST", "/rackspace/configurations", {"id": configuration_id})


def posts(simulator, prefix="/"):
    return [(r["path"], json.loads(r["body"]) if r["body"] else None)
            for r in simulator.requests_log(prefix) if r["method"] == "POST"]


def backups_of(simulator, configuration_id):
    rax = simulator.state.vendor("rackspace")
    return [t.record["id"] for k, t in rax.tracks.items()
            if k[0] == "backup" and t.record["configuration"]["id"] == configuration_id]


def test_v1_wakes_once_starts_each_configuration_and_the_status_module_waits_on_them(simulator, tmp_path):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 0.2, "fail_configurations": ["148327"]})
    configurations(simulator, "148326", "148327")
    params = identity_args(simulator, configuration_ids=[V1_CONFIG, "148326", "148327"])
    run = run_playbook(tmp_path, [start_task(params), wait_task(params)])
    started = run.task("start")
    assert not started.get("failed"), started.get("msg")
    assert started["changed"] is True and started["api_version"] == "v1.0" and started["wake_agents"] is True
    assert started["action_ids"] == ["368785", "368786", "368787"] and started["action_id"] == "368785"
    assert [b["configuration_id"] for b in started["backups"]] == [V1_CONFIG, "148326", "148327"]
    assert started["raw"] == ["368785", "368786", "368787"]
    assert started["endpoint"] == simulator.http_url + "/v1.0/123456"
    # one login, one wake-up, then one start per configuration, in order, each its Id as a number
    log = [r["path"] for r in simulator.requests_log("/") if r["method"] == "POST"]
    assert log[:5] == ["/v2.0/tokens", WAKE, START, START, START]
    assert [body["Id"] for path, body in posts(simulator, START)] == [148325, 148326, 148327]
    assert simulator.control("GET", "/rackspace/wakeups")["count"] == 1
    waited = run.task("wait")
    assert [a["action_id"] for a in waited["actions"]] == started["action_ids"]
    assert [a["state"] for a in waited["actions"]] == ["succeeded", "succeeded", "failed"]
    assert waited["actions"][2]["vendor_status"] == "Failed" and waited["succeeded"] is False


def test_a_refused_start_stops_the_run_and_the_play_waits_on_what_started(simulator, tmp_path):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 0.2})
    configurations(simulator, "148327")
    params = token_args(simulator, configuration_ids=[V1_CONFIG, "999999", "148327"])  # 999999: unknown, 404
    run = run_playbook(tmp_path, [start_task(params), wait_task(params)])
    started = run.task("start")
    assert started["failed"] is True and started["changed"] is True
    assert started["action_ids"] == ["368785"] and started["action_id"] == "368785"
    assert started["not_started"] == ["999999", "148327"] and started["may_have_started"] == []
    assert started["msg"].startswith("Start of backup configuration 999999 (2 of 3) failed: Rackspace Cloud Backup "
                                     "POST /backup/action-requested failed: HTTP 404 Backup configuration 999999 not found")
    assert "Already started by this task: 368785." in started["msg"]
    assert "re-run with configuration_ids set to these only is safe" in started["msg"]
    assert len(posts(simulator, START)) == 2  # the third was never sent
    assert backups_of(simulator, "148327") == []
    waited = run.task("wait")
    assert [(a["action_id"], a["state"]) for a in waited["actions"]] == [("368785", "succeeded")]


def test_v2_starts_without_a_wake_up_and_warns_about_it(simulator, tmp_path):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 0.2})
    params = token_args(simulator, url=simulator.http_url, project_id="123456", api_version="v2",
                        configuration_ids=[V2_CONFIG])
    run = run_playbook(tmp_path, [start_task(params), wait_task(params)])
    started = run.task("start")
    assert not started.get("failed"), started.get("msg")
    assert started["api_version"] == "v2" and started["wake_agents"] is False
    assert any("v1.0 API only" in w for w in started["warnings"])
    assert started["action_ids"] == backups_of(simulator, V2_CONFIG) and started["raw"][0]["id"] == started["action_id"]
    assert posts(simulator) == [("/v2/123456/backups", {"configuration_id": V2_CONFIG, "state": "start_requested"})]
    assert run.task("wait")["actions"][0]["state"] == "succeeded"


def test_check_mode_sends_no_wake_up_and_no_start(simulator, tmp_path):
    params = identity_args(simulator, configuration_ids=[V1_CONFIG])
    run = run_playbook(tmp_path, [start_task(params)], extra_args=["--check"])
    result = run.task("start")
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [{"method": "POST", "path": "/user/wakeupagents"},
                                  {"method": "POST", "path": "/backup/action-requested",
                                   "body": {"Action": "StartManual", "Id": 148325}}]
    assert result["endpoint"] == simulator.http_url + "/v1.0/123456" and result["wake_agents_delay"] == 0
    assert [r["path"] for r in simulator.requests_log("/")] == ["/v2.0/tokens"]  # the login only
    assert backups_of(simulator, V1_CONFIG) == []


def test_adhoc_with_env_credentials(simulator):
    env = {"RAX_IDENTITY_URL": simulator.http_url + "/v2.0", "RAX_USERNAME": "sim-user", "RAX_API_KEY": "sim-api-key"}
    run = run_adhoc(MODULE, "configuration_ids=%s wake_agents_delay=0" % V1_CONFIG, env=env)
    assert run.rc == 0, run.output[-2000:]
    assert run.adhoc()["action_ids"] == ["368785"] and run.adhoc()["changed"] is True
    assert "sim-api-key" not in run.output


@pytest.mark.parametrize("fault, started, refused", [
    ({"status": 500}, False, False),
    ({"status": 502}, False, False),
    ({"status": 503, "retry_after": 1}, False, False),
    ({"status": 429, "retry_after": 1}, False, True),
    ({"status": 401}, False, True),
    ({"status": 403}, False, True),
    ({"kind": "reset"}, False, False),
    ({"kind": "slow", "delay": 2.5}, True, False),  # the answer comes after request_timeout: the backup started
])
def test_each_fault_on_a_start_is_one_request_and_says_whether_it_may_have_started(simulator, tmp_path, fault, started,
                                                                                   refused):
    simulator.fault(path=START, method="POST", **fault)
    params = token_args(simulator, configuration_ids=[V1_CONFIG, "148326"], request_timeout=1)
    configurations(simulator, "148326")
    result = run_playbook(tmp_path, [start_task(params)]).task("start")
    assert result["failed"] is True and result["action_ids"] == []
    assert len(posts(simulator, START)) == 1  # never retried, and the second configuration never sent
    assert len(posts(simulator, WAKE)) == 1
    if refused:
        assert "Nothing started" in result["msg"] and "MAY HAVE STARTED" not in result["msg"]
        assert result["not_started"] == [V1_CONFIG, "148326"] and result["changed"] is False
    else:
        assert "MAY HAVE STARTED" in result["msg"] and "GET /v1.0/<tenant>/activity" in result["msg"]
        assert result["may_have_started"] == [V1_CONFIG] and result["not_started"] == ["148326"]
    if fault.get("status") == 403:
        assert "repeats a start refused with 403 up to 20 times" in result["msg"]
    assert "sim-token" not in json.dumps(result)
    if started:  # the simulator makes it after the client gave up: why the message says "may"
        deadline = time.monotonic() + 10
        while not backups_of(simulator, V1_CONFIG) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert backups_of(simulator, V1_CONFIG) != []


def test_a_failed_wake_up_fails_before_any_start(simulator, tmp_path):
    simulator.fault(path=WAKE, method="POST", status=403)
    result = run_playbook(tmp_path, [start_task(token_args(simulator, configuration_ids=[V1_CONFIG]))]).task("start")
    assert result["failed"] is True and "(the agents are woken first) failed before its request was sent" in result["msg"]
    assert "POST /user/wakeupagents failed: HTTP 403" in result["msg"] and "Nothing started" in result["msg"]
    assert result["not_started"] == [V1_CONFIG] and result["action_ids"] == []
    assert posts(simulator, START) == [] and len(posts(simulator, WAKE)) == 1


def test_a_wake_up_is_repeated_on_a_503_like_a_read(simulator, tmp_path):
    simulator.fault(path=WAKE, method="POST", status=503, count=1)
    result = run_playbook(tmp_path, [start_task(token_args(simulator, configuration_ids=[V1_CONFIG]))]).task("start")
    assert not result.get("failed"), result.get("msg")
    assert len(posts(simulator, WAKE)) == 2 and len(posts(simulator, START)) == 1


def test_v1_answers_in_other_forms_and_one_without_an_id(simulator, tmp_path):
    simulator.control("POST", "/rackspace/config", {"v1_start_answer": "text"})
    first = run_playbook(tmp_path, [start_task(token_args(simulator, configuration_ids=[V1_CONFIG],
                                                          wake_agents=False))]).task("start")
    assert first["action_ids"] == ["368785"] and posts(simulator, WAKE) == []
    simulator.control("POST", "/rackspace/config", {"v1_start_answer": "empty"})
    second = run_playbook(tmp_path, [start_task(token_args(simulator, configuration_ids=[V1_CONFIG],
                                                           wake_agents=False))]).task("start")
    assert second["failed"] is True and "the answer has no BackupId" in second["msg"]
    assert "MAY HAVE STARTED" in second["msg"] and second["may_have_started"] == [V1_CONFIG]
    assert len(backups_of(simulator, V1_CONFIG)) == 2  # it had started: the fail-safe reading was right


def test_bad_input_is_refused_before_any_request(simulator, tmp_path):
    run = run_playbook(tmp_path, [
        start_task(token_args(simulator, configuration_ids=[V2_CONFIG]), name="uuid_on_v1"),
        start_task(token_args(simulator, configuration_ids=[V1_CONFIG, V1_CONFIG]), name="twice"),
        start_task(token_args(simulator, configuration_ids=[]), name="none"),
        start_task(token_args(simulator, configuration_ids=[V1_CONFIG], wake_agents_delay=301), name="delay"),
        start_task(identity_args(simulator, configuration_ids=[V2_CONFIG]), name="uuid_from_catalog")])
    assert "is not a v1.0 BackupConfigurationId" in run.task("uuid_on_v1")["msg"]
    assert "set api_version=v2" in run.task("uuid_on_v1")["msg"]
    assert "lists '148325' more than once" in run.task("twice")["msg"]
    assert "configuration_ids must list at least one target" in run.task("none")["msg"]
    assert "wake_agents_delay must be at least 0 and at most 300 seconds" in run.task("delay")["msg"]
    assert "is not a v1.0 BackupConfigurationId" in run.task("uuid_from_catalog")["msg"]
    # nothing but the one login of the catalog case reached the simulator
    assert [r["path"] for r in simulator.requests_log("/")] == ["/v2.0/tokens"]


def test_an_expired_token_says_nothing_started_and_stays_out_of_the_output(simulator, tmp_path):
    token = simulator.control("POST", "/rackspace/tokens", {"id": "start-token-0123456789abcdef"})["token"]
    simulator.control("POST", "/rackspace/tokens/expire", {"token": token})
    run = run_playbook(tmp_path, [start_task(token_args(simulator, token=token, configuration_ids=[V1_CONFIG],
                                                        wake_agents=False))],
                       json_results=False, extra_args=["-vvvv"])
    assert "HTTP 401" in run.output and "Nothing started" in run.output
    assert token not in run.output
    assert len(posts(simulator, START)) == 1
