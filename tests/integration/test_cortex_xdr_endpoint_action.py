"""cortex_xdr_endpoint_action: start Cortex XDR response actions against the simulator over real HTTP,
then wait on the group action id with cortex_xdr_action_status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.helpers import run_adhoc, run_playbook

MODULE = "actiongate.agents.cortex_xdr_endpoint_action"
STATUS = "actiongate.agents.cortex_xdr_action_status"
KEYS = {"standard": ("1", "sim-standard-key"), "advanced": ("2", "sim-advanced-key")}
# Fast pace so waits take a fraction of a second.
FAST = {"pending_seconds": 0.1, "run_seconds": 0.2, "stagger_seconds": 0.05, "timeout_seconds": 0.3,
        "abort_seconds": 0.2, "expire_seconds": 30}
NO_ENDPOINT = "No endpoint was found for creating the requested action"


def credentials(simulator, auth_type="standard"):
    key_id, key = KEYS[auth_type]
    return {"url": simulator.http_url, "api_key_id": key_id, "api_key": key, "auth_type": auth_type}


def env_credentials(simulator):
    return {"CORTEX_XDR_URL": simulator.http_url, "CORTEX_XDR_API_KEY_ID": "1", "CORTEX_XDR_API_KEY": "sim-standard-key"}


def start_task(simulator, name="start", auth_type="standard", **args):
    params = credentials(simulator, auth_type)
    params.update(args)
    return {"name": name, MODULE: params, "register": "started", "ignore_errors": True}


def wait_task(simulator, **args):
    params = dict(credentials(simulator), action_ids=["{{ started.action_id }}"], wait=True, wait_interval=0.5,
                  wait_max_interval=0.5, fail_on_failure=False)
    params.update(args)
    return {"name": "wait", STATUS: params, "register": "waited"}


def endpoints(simulator, count=3):
    return [e["id"] for e in simulator.control("GET", "/cortex_xdr/endpoints")[:count]]


def posts(simulator, path):
    return [r for r in simulator.requests_log(path) if r["method"] == "POST"]


@pytest.fixture(autouse=True)
def fast(simulator):
    simulator.control("POST", "/cortex_xdr/config", FAST)


@pytest.mark.parametrize("auth_type", ["standard", "advanced"])
def test_isolate_returns_the_group_action_id_that_the_status_module_waits_on(simulator, tmp_path, auth_type):
    ids = endpoints(simulator)
    run = run_playbook(tmp_path, [start_task(simulator, auth_type=auth_type, action="isolate", endpoint_ids=ids,
                                             incident_id="413"),
                                  wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["changed"] is True and started["action"] == "isolate" and started["endpoint_ids"] == ids
    assert started["action_id"].isdigit() and started["action_ids"] == [started["action_id"]]
    assert started["endpoints_count"] == 3 and "warnings" not in started
    assert started["raw"] == {"action_id": int(started["action_id"]), "status": "1", "endpoints_count": "3"}
    sent = posts(simulator, "/public_api/v1/endpoints/isolate")
    assert len(sent) == 1
    assert json.loads(sent[0]["body"]) == {"request_data": {
        "filters": [{"field": "endpoint_id_list", "operator": "in", "value": ids}], "incident_id": "413"}}
    assert sent[0]["headers"]["x-xdr-auth-id"] == KEYS[auth_type][0]
    if auth_type == "advanced":
        assert sent[0]["headers"]["authorization"] != KEYS["advanced"][1] and len(sent[0]["headers"]["x-xdr-nonce"]) == 64
    assert simulator.control("GET", "/cortex_xdr/auth_failures") == []
    waited = run.task("wait")["actions"][0]
    assert (waited["action_id"], waited["state"], waited["succeeded"]) == (started["action_id"], "succeeded", True)
    assert sorted(waited["endpoints"]) == sorted(ids)


def test_run_script_with_a_failing_endpoint_is_waited_on_to_a_failure(simulator, tmp_path):
    ids = endpoints(simulator)
    simulator.control("POST", "/cortex_xdr/endpoints", [{"id": ids[1], "outcome": "FAILED", "reason": "exit code 2"}])
    run = run_playbook(tmp_path, [
        start_task(simulator, action="run_script", endpoint_ids=ids, script_uid="43973479d389f2ac7e99b6db88eaee40",
                   script_parameters={"path": "/var/log/app", "depth": 2}, script_timeout=300, include_raw=False),
        wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["endpoints_count"] == 3 and "raw" not in started
    sent = posts(simulator, "/public_api/v1/scripts/run_script/")
    assert len(sent) == 1 and json.loads(sent[0]["body"]) == {"request_data": {
        "script_uid": "43973479d389f2ac7e99b6db88eaee40", "parameters_values": {"path": "/var/log/app", "depth": 2},
        "filters": [{"field": "endpoint_id_list", "operator": "in", "value": ids}], "timeout": 300}}
    waited = run.task("wait")["actions"][0]
    assert (waited["state"], waited["succeeded"], waited["targets"]["failed"]) == ("partial", False, 1)
    assert waited["errors"][0]["target"] == ids[1] and "exit code 2" in waited["errors"][0]["message"]


def test_scan_adhoc_with_env_credentials(simulator):
    ids = endpoints(simulator, 2)
    run = run_adhoc(MODULE, json.dumps({"action": "scan", "endpoint_ids": ids}), env=env_credentials(simulator))
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["changed"] is True and result["action_id"] and result["endpoints_count"] == 2
    shown = simulator.control("GET", "/cortex_xdr/actions/%s" % result["action_id"])
    assert shown["type"] == "SCAN" and sorted(shown["reply"]["data"]) == sorted(ids)


def test_upgrade_and_unisolate_leave_out_unknown_endpoints_with_a_warning(simulator, tmp_path):
    ids = endpoints(simulator, 2)
    run = run_playbook(tmp_path, [
        start_task(simulator, name="upgrade", action="upgrade", endpoint_ids=ids + ["0123abcd"],
                   target_versions={"windows": "8.2.0.12345", "linux": "8.2.0.12345"}),
        start_task(simulator, name="unisolate", action="unisolate", endpoint_ids=["0123abcd", ids[0]]),
        wait_task(simulator)])
    upgrade = run.task("upgrade")
    assert not upgrade.get("failed"), upgrade
    assert upgrade["endpoints_count"] == 2
    assert json.loads(posts(simulator, "/public_api/v1/endpoints/upgrade")[0]["body"]) == {"request_data": {
        "endpoint_ids": ids + ["0123abcd"], "target_versions": {"windows": "8.2.0.12345", "linux": "8.2.0.12345"}}}
    assert any("took 2 of the 3 endpoints asked for into group action %s" % upgrade["action_id"] in w
               for w in upgrade["warnings"])
    assert simulator.control("GET", "/cortex_xdr/actions/%s" % upgrade["action_id"])["type"] == "UPGRADE"
    unisolate = run.task("unisolate")
    assert unisolate["endpoints_count"] == 1 and len(unisolate["warnings"]) == 1
    assert list(run.task("wait")["actions"][0]["endpoints"]) == [ids[0]]  # the wait counts what the action has


def test_check_mode_sends_nothing_and_shows_the_request(simulator, tmp_path):
    ids = endpoints(simulator, 1)
    run = run_playbook(tmp_path, [start_task(simulator, auth_type="advanced", action="isolate", endpoint_ids=ids)],
                       extra_args=["--check"])
    result = run.task("start")
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [{"method": "POST", "path": "/public_api/v1/endpoints/isolate", "body": {
        "request_data": {"filters": [{"field": "endpoint_id_list", "operator": "in", "value": ids}]}}}]
    assert "sim-advanced-key" not in run.output
    assert simulator.requests_log("/public_api") == []


def test_a_start_that_matches_no_endpoint_fails_with_cortex_xdrs_words(simulator, tmp_path):
    run = run_playbook(tmp_path, [start_task(simulator, action="isolate", endpoint_ids=["0badc0de"])])
    result = run.task("start")
    assert result["failed"] is True
    assert NO_ENDPOINT in result["msg"] and "can't create group action id for ISOLATE" in result["msg"]
    assert "Cortex XDR answers so when none of the endpoints could take the action" in result["msg"]
    assert "MAY HAVE STARTED" in result["msg"] and "Action Center" in result["msg"]
    assert len(posts(simulator, "/public_api/v1/endpoints/isolate")) == 1


def test_a_tenant_without_the_license_refuses_and_nothing_started(simulator, tmp_path):
    simulator.control("POST", "/cortex_xdr/config", {"licensed": False})
    result = run_playbook(tmp_path, [start_task(simulator, action="scan", endpoint_ids=endpoints(simulator, 1))]).task("start")
    assert result["failed"] is True and "HTTP 402" in result["msg"]
    assert "The tenant lacks the license this API needs. Nothing started" in result["msg"]
    assert len(posts(simulator, "/public_api/v1/endpoints/scan")) == 1


def test_every_fault_is_one_request_and_says_whether_the_action_may_have_started(simulator, tmp_path):
    """One fault per start path; each start sends exactly one request, never retried."""
    ids = endpoints(simulator, 2)
    simulator.control("POST", "/cortex_xdr/errors", {"api": "endpoints/isolate", "status": 500})
    simulator.fault(path="/public_api/v1/endpoints/unisolate", status=503, retry_after=0)
    simulator.fault(path="/public_api/v1/endpoints/scan", kind="reset")
    simulator.fault(path="/public_api/v1/scripts/run_script", kind="slow", delay=3)
    simulator.control("POST", "/cortex_xdr/config", {"keys": {
        "1": {"key": "sim-standard-key", "type": "standard"},
        "3": {"key": "sim-read-only-key", "type": "standard", "permissions": ["get_action_status"]}}})
    read_only = {"api_key_id": "3", "api_key": "sim-read-only-key"}
    run = run_playbook(tmp_path, [
        start_task(simulator, name="500", action="isolate", endpoint_ids=ids),
        start_task(simulator, name="503", action="unisolate", endpoint_ids=ids),
        start_task(simulator, name="reset", action="scan", endpoint_ids=ids),
        start_task(simulator, name="timeout", action="run_script", endpoint_ids=ids, script_uid="u", request_timeout=1),
        start_task(simulator, name="401", action="upgrade", endpoint_ids=ids, target_versions={"linux": "8.2.0"},
                   api_key="wrong-key-value"),
        start_task(simulator, name="403", action="upgrade", endpoint_ids=ids, target_versions={"linux": "8.2.0"},
                   **read_only)])
    for name in ("500", "503", "reset", "timeout"):
        result = run.task(name)
        assert result["failed"] is True and "MAY HAVE STARTED" in result["msg"], (name, result)
        assert "never retried" in result["msg"] and "Action Center" in result["msg"], name
        assert "action_id" not in result, name
    assert "HTTP 500" in run.task("500")["msg"] and "HTTP 503" in run.task("503")["msg"]
    for name, status in (("401", 401), ("403", 403)):
        result = run.task(name)
        assert result["failed"] is True and "HTTP %d" % status in result["msg"], (name, result)
        assert "Nothing started" in result["msg"] and "re-run is safe" in result["msg"], name
    assert "auth_type" in run.task("401")["msg"] and "can run it" in run.task("403")["msg"]
    for path in ("endpoints/isolate", "endpoints/unisolate", "endpoints/scan", "scripts/run_script"):
        assert len(posts(simulator, "/public_api/v1/" + path)) == 1, path
    assert len(posts(simulator, "/public_api/v1/endpoints/upgrade")) == 2  # one per task
    assert "wrong-key-value" not in run.output and "sim-read-only-key" not in run.output


def test_an_upgrade_answer_without_an_action_id_may_have_started(simulator, tmp_path):
    simulator.control("POST", "/cortex_xdr/config", {"omit_action_id": ["upgrade"]})
    run = run_playbook(tmp_path, [start_task(simulator, action="upgrade", endpoint_ids=endpoints(simulator, 1),
                                             target_versions={"macos": "8.2.0.12345"})])
    result = run.task("start")
    assert result["failed"] is True and "MAY HAVE STARTED" in result["msg"]
    assert "the reply's keys are endpoints_count, status" in result["msg"]
    assert "no public source shows the Upgrade Agents answer" in result["msg"]
    assert len(posts(simulator, "/public_api/v1/endpoints/upgrade")) == 1
    assert [a["type"] for a in simulator.state.vendor("cortex_xdr").actions.values()] == ["UPGRADE"]


def test_bad_input_is_refused_before_any_request(simulator, tmp_path):
    ids = endpoints(simulator, 1)
    run = run_playbook(tmp_path, [
        start_task(simulator, name="none", action="isolate", endpoint_ids=[]),
        start_task(simulator, name="blank", action="isolate", endpoint_ids=[ids[0], " "]),
        start_task(simulator, name="twice", action="scan", endpoint_ids=[ids[0], ids[0]]),
        start_task(simulator, name="too many", action="scan", endpoint_ids=["e%04d" % i for i in range(1001)]),
        start_task(simulator, name="no uid", action="run_script", endpoint_ids=ids),
        start_task(simulator, name="uid on isolate", action="isolate", endpoint_ids=ids, script_uid="u"),
        start_task(simulator, name="no versions", action="upgrade", endpoint_ids=ids),
        start_task(simulator, name="float version", action="upgrade", endpoint_ids=ids, target_versions={"linux": 8.1}),
        start_task(simulator, name="incident on upgrade", action="upgrade", endpoint_ids=ids,
                   target_versions={"linux": "8.2"}, incident_id="4"),
        start_task(simulator, name="bad action", action="delete", endpoint_ids=ids)])
    expected = {
        "none": "endpoint_ids must list at least one target",
        "blank": "endpoint_ids has a blank item (position 2)",
        "twice": "more than once",
        "too many": "endpoint_ids lists 1001 targets; Cortex XDR takes at most 1000 in one request",
        "no uid": "script_uid is required with action=run_script",
        "uid on isolate": "script_uid cannot be used with action=isolate",
        "no versions": "target_versions is required with action=upgrade",
        "float version": "target_versions[linux] must be a non-blank version string",
        "incident on upgrade": "incident_id cannot be used with action=upgrade",
        "bad action": "value of action must be one of",
    }
    for name, text in expected.items():
        result = run.task(name)
        assert result["failed"] is True and text in result["msg"], (name, result.get("msg"))
    assert simulator.requests_log("/public_api") == []


def test_secrets_never_reach_the_output_even_when_echoed(simulator, tmp_path):
    """A 401 page that echoes the request's headers (echo_auth_failures): the key, the advanced hash
    and its nonce are masked; -vvvv shows the invocation."""
    simulator.control("POST", "/cortex_xdr/config", {"echo_auth_failures": True})
    ids = endpoints(simulator, 1)
    secret = "Wr0ng-advanced-key-value"
    run = run_playbook(tmp_path, [
        start_task(simulator, name="advanced", auth_type="advanced", action="isolate", endpoint_ids=ids, api_key=secret),
        start_task(simulator, name="standard", action="scan", endpoint_ids=ids, api_key=secret)],
        extra_args=["-vvvv"])
    for name in ("advanced", "standard"):
        result = run.task(name)
        assert result["failed"] is True and "HTTP 401" in result["msg"] and "Nothing started" in result["msg"]
    sent = simulator.requests_log("/public_api")
    assert len(sent) == 2
    hashed = sent[0]["headers"]["authorization"]
    nonce = sent[0]["headers"]["x-xdr-nonce"]
    assert secret == sent[1]["headers"]["authorization"]
    for value in (secret, hashed, nonce):
        assert value not in run.output
    assert "********" in run.output


def test_the_module_runs_as_a_module_on_a_host_that_is_not_local(simulator, tmp_path):
    ids = endpoints(simulator, 2)
    run = run_playbook(tmp_path, [start_task(simulator, action="isolate", endpoint_ids=ids), wait_task(simulator)],
                       extra_args=["-vvvv"],
                       play={"vars": {"ansible_connection": "actiongate_target",
                                      "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
                       env={"ANSIBLE_CONNECTION_PLUGINS": str(Path(__file__).parent / "connection_plugins")})
    assert "AnsiballZ_cortex_xdr_endpoint_action.py" in run.output
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["action_id"] and started["endpoints_count"] == 2
    assert run.task("wait")["actions"][0]["state"] == "succeeded"
    assert len(posts(simulator, "/public_api/v1/endpoints/isolate")) == 1
