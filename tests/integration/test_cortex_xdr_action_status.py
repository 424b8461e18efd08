"""Cortex XDR: module, lookup and ad-hoc runs against the simulator over real HTTP(S)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook

MODULE = "actiongate.agents.cortex_xdr_action_status"
STATUS_PATH = "/public_api/v1/actions/get_action_status/"
KEYS = {"standard": ("1", "sim-standard-key"), "advanced": ("2", "sim-advanced-key")}
# Fast per-action pace so waits take a fraction of a second.
FAST = {"pending_seconds": 0.1, "run_seconds": 0.2, "stagger_seconds": 0.05, "timeout_seconds": 0.3,
        "abort_seconds": 0.2, "expire_seconds": 30}


def create(simulator, **spec) -> str:
    return str(simulator.control("POST", "/cortex_xdr/actions", dict(FAST, **spec))["action_id"])


def credentials(simulator, auth_type="standard", url=None) -> dict:
    key_id, key = KEYS[auth_type]
    return {"url": url or simulator.http_url, "api_key_id": key_id, "api_key": key, "auth_type": auth_type}


def env_credentials(simulator, auth_type="standard") -> dict:
    creds = credentials(simulator, auth_type)
    return {"CORTEX_XDR_URL": creds["url"], "CORTEX_XDR_API_KEY_ID": creds["api_key_id"],
            "CORTEX_XDR_API_KEY": creds["api_key"], "CORTEX_XDR_AUTH_TYPE": auth_type}


def status_task(simulator, name="status", auth_type="standard", ignore_errors=True, **args) -> dict:
    params = dict(credentials(simulator, auth_type), wait_interval=0.5, wait_max_interval=0.5)
    params.update(args)
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def status_log(simulator) -> list:
    return simulator.requests_log("/public_api/v1/actions/get_action_status")


def auth_failures(simulator) -> list:
    return simulator.control("GET", "/cortex_xdr/auth_failures")


@pytest.mark.parametrize("auth_type", ["standard", "advanced"])
def test_wait_completes_after_several_polls(simulator, tmp_path, auth_type):
    action = create(simulator, count=4, pending_seconds=2, run_seconds=1)
    with clock_starts_on_first_poll(simulator, STATUS_PATH):
        task = status_task(simulator, auth_type=auth_type, action_ids=[int(action)], wait=True)
        result = run_playbook(tmp_path, [task]).task("status")
    assert not result.get("failed"), result
    assert result["succeeded"] is True and result["terminal"] is True and result["polls"] >= 3
    only = result["actions"][0]
    assert (only["action_id"], only["state"], only["vendor_status"]) == (action, "succeeded", "COMPLETED_SUCCESSFULLY")
    assert only["targets"] == {"total": 4, "succeeded": 4, "failed": 0, "pending": 0}
    assert set(only["endpoints"].values()) == {"COMPLETED_SUCCESSFULLY"} and len(only["endpoints"]) == 4
    assert [h["state"] for h in result["history"]][-1] == "succeeded"
    log = status_log(simulator)
    assert len(log) == result["polls"] and {r["path"] for r in log} == {STATUS_PATH}
    assert auth_failures(simulator) == []


def test_advanced_requests_are_signed_fresh_each_time(simulator, tmp_path):
    action = create(simulator, count=2, pending_seconds=2, run_seconds=0.5)
    simulator.fault(path=STATUS_PATH, status=503, count=1)  # the retry must carry a new nonce too
    with clock_starts_on_first_poll(simulator, STATUS_PATH):
        task = status_task(simulator, auth_type="advanced", action_ids=[action], wait=True)
        result = run_playbook(tmp_path, [task]).task("status")
    assert result["succeeded"] is True, result
    headers = [r["headers"] for r in status_log(simulator)]
    assert len(headers) == result["polls"] + 1
    nonces = [h["x-xdr-nonce"] for h in headers]
    assert len(set(nonces)) == len(nonces) and all(re.match(r"^[A-Za-z0-9]{64}$", n) for n in nonces)
    assert all(h["authorization"] != KEYS["advanced"][1] and len(h["authorization"]) == 64 for h in headers)
    assert all(h["x-xdr-auth-id"] == "2" and h["x-xdr-timestamp"].isdigit() for h in headers)
    assert auth_failures(simulator) == []


def test_each_terminal_status(simulator, tmp_path):
    cases = {
        "FAILED": ("failed", "FAILED: disk full"), "TIMEOUT": ("failed", "TIMEOUT"),
        "CANCELLED": ("cancelled", "CANCELLED"), "ABORTED": ("cancelled", "ABORTED"),
        "EXPIRED": ("expired", "EXPIRED"), "COMPLETED_PARTIAL": ("partial", "COMPLETED_PARTIAL"),
    }
    ids = {word: create(simulator, endpoints=["ep-" + word.lower()], outcomes={"ep-" + word.lower(): word},
                        reasons={"ep-failed": "disk full"}, expire_seconds=0.5) for word in cases}
    # allowed_failures 100%: wait for every action to end instead of stopping at the first failure
    task = status_task(simulator, action_ids=list(ids.values()), wait=True, fail_on_failure=False,
                       allowed_failures="100%")
    run = run_playbook(tmp_path, [task])
    result = run.task("status")
    assert not result.get("failed") and result["succeeded"] is False and result["terminal"] is True
    for (word, (state, message)), action in zip(cases.items(), result["actions"]):
        assert (action["action_id"], action["vendor_status"], action["state"]) == (ids[word], word, state)
        assert action["succeeded"] is False and action["targets"]["failed"] == 1
        assert [e["message"] for e in action["errors"]] == [message]


def test_failure_message_names_endpoints_and_reasons(simulator, tmp_path):
    action = create(simulator, count=3, stagger_seconds=0, mix={"COMPLETED_SUCCESSFULLY": 1, "FAILED": 2})
    endpoints = simulator.control("GET", "/cortex_xdr/actions/" + action)["outcomes"]
    failed = sorted(e for e, word in endpoints.items() if word == "FAILED")
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True)]).task("status")
    assert result["failed"] is True and action in result["msg"]
    assert "partial (COMPLETED_SUCCESSFULLY=1, FAILED=2), 1/3 succeeded, 2 failed" in result["msg"]
    assert all(e in result["msg"] for e in failed) and "Failed to isolate endpoint" in result["msg"]
    assert sorted(e["target"] for e in result["actions"][0]["errors"]) == failed


@pytest.mark.parametrize("policy, state, succeeded", [("failure", "partial", False), ("success", "succeeded", True)])
def test_completed_partial_policy(simulator, tmp_path, policy, state, succeeded):
    action = create(simulator, count=2, mix={"COMPLETED_SUCCESSFULLY": 1, "COMPLETED_PARTIAL": 1})
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True, fail_on_failure=False,
                                                 completed_partial=policy)]).task("status")
    assert (result["actions"][0]["state"], result["succeeded"]) == (state, succeeded)


def test_disconnected_endpoint_within_allowed_failures(simulator, tmp_path):
    action = create(simulator, count=4, mix={"COMPLETED_SUCCESSFULLY": 3, "EXPIRED": 1}, expire_seconds=0.5)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True,
                                                 allowed_failures="25%")]).task("status")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert only["state"] == "partial" and only["succeeded"] is True
    assert only["vendor_status"] == "COMPLETED_SUCCESSFULLY=3, EXPIRED=1"


def test_failures_beyond_allowed_stop_the_wait_early(simulator, tmp_path):
    # two endpoints fail at once; the other eight would run for 100 s before timing out
    outcomes = {"fast-1": "FAILED", "fast-2": "FAILED"}
    outcomes.update({"slow-%d" % i: "TIMEOUT" for i in range(8)})
    action = create(simulator, endpoints=list(outcomes), outcomes=outcomes, stagger_seconds=0, timeout_seconds=100)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True, wait_timeout=60,
                                                 allowed_failures=1)]).task("status")
    assert result["failed"] is True and result["elapsed"] < 30
    assert "allowed_failures=1" in result["msg"] and "stopped waiting early" in result["msg"]
    assert result["actions"][0]["targets"] == {"total": 10, "succeeded": 0, "failed": 2, "pending": 8}


def test_timeout_names_last_state_and_counts(simulator, tmp_path):
    action = create(simulator, count=3, mix={"COMPLETED_SUCCESSFULLY": 2, "EXPIRED": 1},
                    expire_seconds=600)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True,
                                                 wait_timeout=2)]).task("status")
    assert result["failed"] is True and "Timed out" in result["msg"]
    assert "%s: running (PENDING=1, COMPLETED_SUCCESSFULLY=2), 2/3 succeeded, 0 failed, 1 pending" % action \
        in result["msg"]
    assert result["actions"][0]["state"] == "running"


def test_unknown_id_fails_naming_it(simulator, tmp_path):
    known = create(simulator, count=1)
    run = run_playbook(tmp_path, [
        status_task(simulator, "read", action_ids=[known, "424242"]),
        status_task(simulator, "wait", action_ids=["424243"], wait=True, wait_not_found_timeout=2),
        status_task(simulator, "malformed", action_ids=["isolate-1"]),
    ])
    for name, missing in (("read", "'424242'"), ("wait", "'424243'")):
        result = run.task(name)
        assert result["failed"] is True and missing in result["msg"] and "empty data" in result["msg"]
    assert "are whole numbers" in run.task("malformed")["msg"]
    assert len(status_log(simulator)) >= 4


def test_malformed_id_is_refused_before_any_request(simulator, tmp_path):
    create(simulator, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, "bad", action_ids=["1001", "../../endpoints/isolate"])])
    assert run.task("bad")["failed"] is True and "are whole numbers" in run.task("bad")["msg"]
    assert status_log(simulator) == []


@pytest.mark.parametrize("config", [{"status_case": "lower"}, {"status_case": "title", "canceled_spelling": True}])
def test_statuses_in_any_case_and_the_canceled_spelling(simulator, tmp_path, config):
    simulator.control("POST", "/cortex_xdr/config", config)
    done = create(simulator, count=2)
    cancelled = create(simulator, endpoints=["c1", "c2"], outcomes={"c1": "COMPLETED_SUCCESSFULLY", "c2": "CANCELLED"})
    run = run_playbook(tmp_path, [
        status_task(simulator, "done", action_ids=[done], wait=True),
        status_task(simulator, "cancelled", action_ids=[cancelled], wait=True, allowed_failures="50%"),
    ])
    result = run.task("done")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "succeeded" and result["succeeded"] is True
    assert set(result["actions"][0]["endpoints"].values()) != {"COMPLETED_SUCCESSFULLY"}  # spelled otherwise
    # a cancel a person asked for never succeeds, whatever allowed_failures says
    other = run.task("cancelled")
    assert other["failed"] is True and other["actions"][0]["state"] == "cancelled"
    assert other["actions"][0]["targets"] == {"total": 2, "succeeded": 1, "failed": 1, "pending": 0}


@pytest.mark.parametrize("auth_type, hint", [("standard", "Check api_key_id, api_key and auth_type"),
                                             ("advanced", "clock is off")])
def test_wrong_key_no_retry_and_no_secret_in_vvvv(simulator, tmp_path, auth_type, hint):
    secret = "xdr-wrong-but-secret-key-0123456789"
    run = run_playbook(tmp_path, [status_task(simulator, auth_type=auth_type, action_ids=["1001"], api_key=secret,
                                              wait=True, ignore_errors=False)], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0
    assert "HTTP 401" in run.output and hint in run.output and "incorrect key" in run.output
    assert secret not in run.output
    assert len(status_log(simulator)) == 1


def test_advanced_hash_and_nonce_echoed_by_an_error_page_are_masked(simulator, tmp_path):
    simulator.control("POST", "/cortex_xdr/config", {"echo_auth_failures": True})
    secret = "xdr-wrong-advanced-key-0123456789"
    run = run_playbook(tmp_path, [status_task(simulator, auth_type="advanced", action_ids=["1001"], api_key=secret,
                                              ignore_errors=False)], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output
    sent = status_log(simulator)[0]["headers"]
    made = [sent["authorization"], sent["x-xdr-nonce"]]
    assert len(made[0]) == 64 and len(made[1]) == 64
    assert not [value for value in made + [secret] if value in run.output]
    assert sent["x-xdr-timestamp"] in run.output  # the echo reached the message; only the secrets were masked
    assert run.output.count("********") >= 2


def test_key_type_mismatch_is_refused_by_the_simulator(simulator, tmp_path):
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=["1001"], auth_type="standard",
                                              api_key_id="2", api_key=KEYS["advanced"][1])])
    assert "HTTP 401" in run.task("status")["msg"]
    assert [f["reason"] for f in auth_failures(simulator)] == ["x-xdr-nonce must be 64 characters [A-Za-z0-9]"]


def test_correct_secret_absent_from_vvvv(simulator, tmp_path):
    secret = "xdr-correct-standard-key-abcdefghijkl"
    simulator.control("POST", "/cortex_xdr/config", {"keys": {"5": {"key": secret, "type": "standard"}}})
    action = create(simulator, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], api_key_id=5, api_key=secret)],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc == 0, run.output[-2000:]
    assert secret not in run.output


def test_license_and_role_errors(simulator, tmp_path):
    run = run_playbook(tmp_path, [
        {"name": "unlicensed", "ansible.builtin.uri": {
            "url": simulator.http_url + "/_sim/cortex_xdr/config", "method": "POST", "body_format": "json",
            "body": {"licensed": False}}},
        status_task(simulator, "402", action_ids=["1001"]),
        {"name": "no role", "ansible.builtin.uri": {
            "url": simulator.http_url + "/_sim/cortex_xdr/config", "method": "POST", "body_format": "json",
            "body": {"licensed": True, "keys": {"1": {"key": KEYS["standard"][1], "type": "standard",
                                                      "permissions": ["isolate"]}}}}},
        status_task(simulator, "403", action_ids=["1001"]),
    ])
    assert "HTTP 402" in run.task("402")["msg"] and "lacks the license" in run.task("402")["msg"]
    assert "HTTP 403" in run.task("403")["msg"] and "RBAC permission" in run.task("403")["msg"]


def test_vendor_500_envelope_is_readable(simulator, tmp_path):
    error = {"status": 500, "api": "actions/get_action_status", "err_extra": "backend unavailable"}
    simulator.control("POST", "/cortex_xdr/errors", error)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["1001"])]).task("status")
    assert result["failed"] is True
    assert "HTTP 500 Internal server error" in result["msg"] and "backend unavailable" in result["msg"]
    assert len(status_log(simulator)) == 1  # a 500 is not retried


def test_429_retry_after_and_503_then_success(simulator, tmp_path):
    action = create(simulator, count=1)
    simulator.fault(path=STATUS_PATH, status=429, retry_after=2, count=1)
    simulator.fault(path=STATUS_PATH, status=503, count=1)
    result = run_playbook(tmp_path, [status_task(simulator, auth_type="advanced",
                                                 action_ids=[action])]).task("status")
    assert not result.get("failed"), result.get("msg")
    log = status_log(simulator)
    assert len(log) == 3 and log[1]["time"] - log[0]["time"] >= 2.0


@pytest.mark.parametrize("kind, phrase", [("html", "text/html where JSON was expected"),
                                          ("truncated", "where JSON was expected")])
def test_bodies_that_are_not_json(simulator, tmp_path, kind, phrase):
    simulator.fault(path=STATUS_PATH, kind=kind, count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["1001"])]).task("status")
    assert result["failed"] is True and phrase in result["msg"]


def test_untrusted_certificate_rejected_then_accepted_with_ca_path(simulator, tmp_path):
    action = create(simulator, count=1)
    run = run_playbook(tmp_path, [
        status_task(simulator, "bad", action_ids=[action], url=simulator.https_url),
        status_task(simulator, "good", auth_type="advanced", action_ids=[action], url=simulator.https_url,
                    ca_path=simulator.ca_path, wait=True),
    ])
    assert "TLS verification failed" in run.task("bad")["msg"]
    assert run.task("good")["actions"][0]["state"] == "succeeded"
    assert {r["scheme"] for r in status_log(simulator)} == {"https"}


def test_check_mode_reads_once_and_module_defaults(simulator, tmp_path):
    action = create(simulator, count=2, run_seconds=100)
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {"action_ids": [action], "wait": True}}],
                       extra_args=["--check"],
                       play={"module_defaults": {"group/actiongate.agents.cortex_xdr": credentials(simulator)}})
    result = run.task("status")
    assert not result.get("failed") and result["terminal"] is False and "polls" not in result
    assert len(status_log(simulator)) == 1


def test_lookup_returns_one_dict_per_id_and_on_missing(simulator, tmp_path):
    first = create(simulator, count=1, pending_seconds=0, run_seconds=0)
    second = create(simulator, count=2, pending_seconds=100)
    creds = credentials(simulator, "advanced")
    lookup = ("query('%s', %s, '999999', '%s', url='%s', api_key_id='%s', api_key='%s', auth_type='advanced', "
              "on_missing='%%s')" % (MODULE, first, second, creds["url"], creds["api_key_id"], creds["api_key"]))
    run = run_playbook(tmp_path, [
        {"name": "skip", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % "skip")}},
        {"name": "warn", "ansible.builtin.set_fact": {"warned": "{{ %s }}" % (lookup % "warn")}},
        {"name": "error", "ansible.builtin.set_fact": {"x": "{{ %s }}" % (lookup % "error")}, "ignore_errors": True},
    ])
    found = run.task("skip")["ansible_facts"]["found"]
    assert [(a["action_id"], a["state"]) for a in found] == [(first, "succeeded"), (second, "pending")]
    assert len(found[1]["endpoints"]) == 2
    assert "'999999'" in " ".join(run.task("warn").get("warnings", [])) or "'999999'" in run.output
    assert run.task("error")["failed"] is True and "'999999'" in run.task("error")["msg"]
    assert auth_failures(simulator) == []


def test_lookup_env_credentials_and_wait(simulator, tmp_path):
    action = create(simulator, count=2, pending_seconds=2, run_seconds=0.5)
    with clock_starts_on_first_poll(simulator, STATUS_PATH):
        task = {"name": "wait", "ansible.builtin.set_fact": {
            "done": "{{ lookup('%s', '%s', wait=true, wait_interval=0.5) }}" % (MODULE, action)}}
        run = run_playbook(tmp_path, [task], env=env_credentials(simulator, "advanced"))
    done = run.task("wait")["ansible_facts"]["done"]
    assert done["state"] == "succeeded" and done["terminal"] is True
    assert len(status_log(simulator)) >= 2 and auth_failures(simulator) == []


def test_lookup_wrong_key_is_clear_and_secret_free(simulator, tmp_path):
    secret = "lookup-wrong-xdr-secret-key-98765"
    creds = credentials(simulator)
    run = run_playbook(tmp_path, [{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ lookup('%s', '1001', url='%s', api_key_id='1', api_key='%s') }}" % (MODULE, creds["url"], secret)}}],
        json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output
    assert secret not in run.output and "Traceback" not in run.output


def test_adhoc_run_with_env_credentials(simulator):
    action = create(simulator, count=2, run_seconds=0.4)
    run = run_adhoc(MODULE, "action_ids=%s wait=true wait_interval=0.5" % action,
                    env=env_credentials(simulator, "advanced"))
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["actions"][0]["state"] == "succeeded" and result["changed"] is False
    assert auth_failures(simulator) == []


def test_adhoc_secret_absent_from_vvvv(simulator):
    secret = "adhoc-wrong-xdr-secret-key-55555"
    run = run_adhoc(MODULE, "url=%s api_key_id=1 api_key=%s action_ids=1001" % (simulator.http_url, secret),
                    json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output
    assert secret not in run.output


def test_action_started_through_the_vendor_api(simulator, tmp_path):
    """Isolate as a user would (POST endpoints/isolate), then gate on the returned action_id."""
    endpoint = simulator.control("GET", "/cortex_xdr/endpoints")[0]["id"]
    simulator.control("POST", "/cortex_xdr/config", FAST)
    started = requests.post(simulator.http_url + "/public_api/v1/endpoints/isolate",
                            json={"request_data": {"endpoint_id": endpoint}},
                            headers={"x-xdr-auth-id": "1", "Authorization": KEYS["standard"][1]}, timeout=10).json()
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[started["reply"]["action_id"]], wait=True)])
    result = run.task("status")
    assert result["actions"][0]["endpoints"] == {endpoint: "COMPLETED_SUCCESSFULLY"}
