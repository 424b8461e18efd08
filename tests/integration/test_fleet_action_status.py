"""Elastic Fleet: module, lookup and ad-hoc runs against the simulator over real HTTP(S)."""

from __future__ import annotations

import time

import pytest

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS_PATH = "/api/fleet/agents/action_status"
MODULE = "actiongate.agents.fleet_action_status"


def create(simulator, **spec):
    return simulator.control("POST", "/fleet/actions", spec)["actionId"]


def status_task(simulator, name="status", ignore_errors=True, **args):
    params = {"url": simulator.http_url, "api_key": API_KEY, "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(args)
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def test_wait_completes_after_several_polls(simulator, tmp_path):
    action = create(simulator, count=4, ack_seconds=0.4)
    with clock_starts_on_first_poll(simulator, STATUS_PATH):
        run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True)])
    result = run.task("status")
    assert not result.get("failed"), result
    assert result["succeeded"] is True and result["terminal"] is True
    assert result["polls"] >= 3
    only = result["actions"][0]
    assert only["state"] == "succeeded" and only["vendor_status"] == "COMPLETE"
    assert only["targets"] == {"total": 4, "succeeded": 4, "failed": 0, "pending": 0}
    assert [h["state"] for h in result["history"]][-1] == "succeeded"
    assert len(simulator.requests_log("/api/fleet/agents/action_status")) == result["polls"]


def test_failed_surfaces_errors_and_fails(simulator, tmp_path):
    action = create(simulator, count=3, ack_seconds=0.1, fail_count=3, fail_message="download timed out")
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True)])
    result = run.task("status")
    assert result["failed"] is True
    assert result["actions"][0]["state"] == "failed"
    assert "download timed out" in result["msg"] and action in result["msg"]
    assert {e["message"] for e in result["actions"][0]["errors"]} == {"download timed out"}


def test_partial_within_allowed_failures_succeeds(simulator, tmp_path):
    action = create(simulator, count=10, ack_seconds=0.02, fail_count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True, allowed_failures="10%")])
    result = run.task("status")
    assert not result.get("failed"), result["msg"] if "msg" in result else result
    assert result["actions"][0]["state"] == "partial" and result["succeeded"] is True


def test_failures_beyond_allowed_stop_the_wait_early(simulator, tmp_path):
    agents = ["agent-%02d" % i for i in range(1, 11)]
    # two agents fail at once; the other eight would take 100 s
    spec = {"agents": agents, "ack_seconds": 100, "fail": {"agent-01": "boom", "agent-02": "boom"}}
    simulator.control("POST", "/fleet/agents", [{"id": "agent-01", "ack_delay": 0.1, "fails": "boom"},
                                                {"id": "agent-02", "ack_delay": 0.1, "fails": "boom"}])
    action = create(simulator, type="UPGRADE", **spec)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True, wait_timeout=60,
                                              allowed_failures=1)])
    result = run.task("status")
    assert result["failed"] is True
    assert "allowed_failures=1" in result["msg"] and "stopped waiting early" in result["msg"]
    assert result["elapsed"] < 30
    assert result["actions"][0]["targets"]["failed"] == 2


def test_expired_and_cancelled(simulator, tmp_path):
    expired = create(simulator, type="UNENROLL", count=2, ack_seconds=100, expire_seconds=0)
    cancelled = create(simulator, count=2, ack_seconds=100)
    simulator_post = simulator.control  # cancel through the vendor API, as a user would
    assert simulator_post
    import requests

    response = requests.post(simulator.http_url + "/api/fleet/agents/actions/%s/cancel" % cancelled,
                             headers={"Authorization": "ApiKey " + API_KEY, "kbn-xsrf": "true"}, timeout=10)
    assert response.status_code == 200
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[expired, cancelled], wait=True,
                                              fail_on_failure=False)])
    result = run.task("status")
    assert not result.get("failed")
    states = [(a["state"], a["vendor_status"], a["terminal"], a["succeeded"]) for a in result["actions"]]
    assert states == [("expired", "EXPIRED", True, False), ("cancelled", "CANCELLED", True, False)]
    assert result["succeeded"] is False


@pytest.mark.parametrize("policy, state, terminal, targets", [
    ("wait", "running", False, {"total": 2, "succeeded": 1, "failed": 0, "pending": 1}),
    # terminal: the agent that never upgraded counts as failed, so allowed_failures decides
    ("failure", "failed", True, {"total": 2, "succeeded": 1, "failed": 1, "pending": 0}),
    ("success", "partial", True, {"total": 2, "succeeded": 1, "failed": 1, "pending": 0})])
def test_rollout_passed_policies(simulator, tmp_path, policy, state, terminal, targets):
    action = create(simulator, count=2, ack_seconds=0.01, offline=["agent-002"], rollout_duration_seconds=600,
                    start_time="2020-01-01T00:00:00Z")
    run = run_playbook(tmp_path, [status_task(simulator, name="strict", action_ids=[action], rollout_passed=policy),
                                  status_task(simulator, name="lenient", action_ids=[action], rollout_passed=policy,
                                              allowed_failures=1)])
    only = run.task("strict")["actions"][0]
    assert only["vendor_status"] == "ROLLOUT_PASSED"
    assert (only["state"], only["terminal"], only["targets"], only["succeeded"]) == (state, terminal, targets, False)
    assert run.task("lenient")["actions"][0]["succeeded"] is terminal


def test_expired_with_one_agent_missing_is_decided_by_allowed_failures(simulator, tmp_path):
    agents = ["agent-%02d" % i for i in range(1, 11)]
    action = create(simulator, type="UNENROLL", agents=agents, ack_seconds=0.01, offline=["agent-10"], expire_seconds=1)
    time.sleep(1.5)
    run = run_playbook(tmp_path, [status_task(simulator, name="strict", action_ids=[action]),
                                  status_task(simulator, name="lenient", action_ids=[action], allowed_failures=1)])
    strict, lenient = run.task("strict")["actions"][0], run.task("lenient")["actions"][0]
    assert (strict["state"], strict["succeeded"]) == ("expired", False)
    assert strict["targets"] == {"total": 10, "succeeded": 9, "failed": 1, "pending": 0}
    assert (lenient["state"], lenient["succeeded"]) == ("expired", True)


def test_error_size_refused_as_unknown_key_is_dropped_once_for_the_run(simulator, tmp_path):
    """Kibana versions whose query schema lacks errorSize refuse it (400, unknown key)."""
    simulator.control("POST", "/fleet/config", {"reject_error_size": True, "ack_seconds": 0.1})
    action = create(simulator, count=3, ack_seconds=0.4, fail_count=1)
    with clock_starts_on_first_poll(simulator, STATUS_PATH):
        run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True, allowed_failures=1)])
    result = run.task("status")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "partial" and result["succeeded"] is True
    queries = [r["query"] for r in simulator.requests_log(STATUS_PATH)]
    assert len(queries) >= 3 and "errorSize=" in queries[0]
    assert all("errorSize" not in q for q in queries[1:])  # retried once without it, then remembered


def test_errors_keep_the_host_and_finished_at_waits_for_the_end(simulator, tmp_path):
    simulator.control("POST", "/fleet/agents", [{"id": "agent-01", "hostname": "web-01", "ack_delay": 0.01,
                                                 "fails": "download failed"}])
    action = create(simulator, type="UPGRADE", agents=["agent-01", "agent-02"], ack_seconds=100)
    running = run_playbook(tmp_path, [status_task(simulator, action_ids=[action])]).task("status")["actions"][0]
    assert running["state"] == "running" and running["finished_at"] is None
    assert running["raw"]["completionTime"]  # Kibana's newest ack, set while the action still runs
    assert running["errors"][0]["target"] == "agent-01" and running["errors"][0]["host"] == "web-01"


def test_paging_stops_before_the_result_window(simulator, tmp_path):
    """Kibana reads (page + 1) * perPage documents: past 10,000 the call fails, so the module stops."""
    simulator.control("POST", "/fleet/actions", {"count": 1, "copies": 10001})
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["not-there"], per_page=2500)]).task("status")
    assert result["failed"] is True
    assert "not among the newest 10000 actions" in result["msg"] and "narrow" in result["msg"].lower()
    queries = [r["query"] for r in simulator.requests_log(STATUS_PATH)]
    assert len(queries) == 4 and "page=3" in queries[-1]
    assert "Result window is too large" not in result["msg"]


def test_unknown_id_fails_naming_it_after_paging(simulator, tmp_path):
    for _index in range(5):
        create(simulator, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=["no-such-action"], per_page=2)])
    result = run.task("status")
    assert result["failed"] is True and "'no-such-action'" in result["msg"]
    pages = [r["query"] for r in simulator.requests_log("/api/fleet/agents/action_status")]
    assert len(pages) == 3 and "page=2" in pages[-1]


def test_found_on_a_later_page_and_missing_counter(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"omit_created_counter": True})
    old = create(simulator, count=1, ack_seconds=0.01, age=60)
    for _index in range(4):
        create(simulator, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[old], per_page=2)])
    result = run.task("status")
    assert not result.get("failed"), result
    assert "nbAgentsActionCreated" not in result["actions"][0]["raw"]
    assert result["actions"][0]["state"] == "succeeded"


def test_timeout_names_last_state_and_counts(simulator, tmp_path):
    action = create(simulator, count=3, ack_seconds=0.2, offline=["agent-003"])
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True, wait_timeout=2)])
    result = run.task("status")
    assert result["failed"] is True
    assert "Timed out" in result["msg"]
    assert "%s: running (IN_PROGRESS), 2/3 succeeded, 0 failed, 1 pending" % action in result["msg"]
    assert result["actions"][0]["state"] == "running"


def test_wrong_api_key_no_retry_and_no_secret_in_vvvv(simulator, tmp_path):
    secret = "d3Jvbmc6c3VwZXJzZWNyZXRrZXk="
    task = status_task(simulator, action_ids=["x"], api_key=secret, wait=True, ignore_errors=False)
    run = run_playbook(tmp_path, [task], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0
    assert "HTTP 401" in run.output and "Check api_key" in run.output
    assert secret not in run.output
    assert len(simulator.requests_log("/api/fleet")) == 1


def test_basic_auth_password_not_in_vvvv(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"users": {"ops": "hunter2-secret"}})
    action = create(simulator, count=1, ack_seconds=0.01)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], api_key=None, username="ops",
                                              password="hunter2-secret")], json_results=False, extra_args=["-vvvv"])
    assert run.rc == 0, run.output[-2000:]
    assert "hunter2-secret" not in run.output


def test_429_retry_after_honoured(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01)
    simulator.fault(path="/api/fleet/agents/action_status", status=429, retry_after=2, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action])])
    assert not run.task("status").get("failed")
    log = simulator.requests_log("/api/fleet/agents/action_status")
    assert len(log) == 2 and log[1]["time"] - log[0]["time"] >= 2.0


def test_503_twice_then_success(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01)
    simulator.fault(path="/api/fleet/agents/action_status", status=503, count=2)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action])])
    assert not run.task("status").get("failed")
    assert len(simulator.requests_log("/api/fleet/agents/action_status")) == 3


def test_connection_refused_is_a_clear_error(tmp_path):
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {
        "url": "http://127.0.0.1:9", "api_key": API_KEY, "action_ids": ["a"]}, "ignore_errors": True}])
    result = run.task("status")
    assert result["failed"] is True and "Could not reach Elastic Fleet" in result["msg"]
    assert "Traceback" not in run.output


def test_html_where_json_expected(simulator, tmp_path):
    simulator.fault(path="/api/fleet/agents/action_status", kind="html", count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=["a"])])
    result = run.task("status")
    assert result["failed"] is True and "text/html where JSON was expected" in result["msg"]


def test_truncated_json_body(simulator, tmp_path):
    simulator.fault(path="/api/fleet/agents/action_status", kind="truncated", count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["a"])]).task("status")
    assert result["failed"] is True and "where JSON was expected" in result["msg"]


def test_untrusted_certificate_rejected_then_accepted_with_ca_path(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01)
    bad = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], url=simulator.https_url)])
    assert "TLS verification failed" in bad.task("status")["msg"]
    good = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], url=simulator.https_url,
                                               ca_path=simulator.ca_path)])
    good_result = good.task("status")
    assert good_result.get("actions"), good_result.get("msg")
    assert good_result["actions"][0]["state"] == "succeeded"


def test_space_id_uses_space_path(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01, space="ops")
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], space_id="ops")]).task("status")
    assert result["actions"][0]["action_id"] == action
    assert simulator.requests_log("/s/ops/api/fleet/agents/action_status")


def test_list_recent_filtered_by_type(simulator, tmp_path):
    create(simulator, type="UNENROLL", count=1)
    upgrade = create(simulator, type="UPGRADE", count=1)
    result = run_playbook(tmp_path, [status_task(simulator, types=["UPGRADE"])]).task("status")
    assert [a["action_id"] for a in result["actions"]] == [upgrade]


def test_check_mode_reads_once(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=100)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], wait=True)], extra_args=["--check"])
    result = run.task("status")
    assert not result.get("failed") and result["terminal"] is False and "polls" not in result
    assert len(simulator.requests_log("/api/fleet/agents/action_status")) == 1


def test_module_defaults_group(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01)
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {"action_ids": [action]}}], play={
        "module_defaults": {"group/actiongate.agents.fleet": {"url": simulator.http_url, "api_key": API_KEY}}})
    assert run.task("status")["actions"][0]["state"] == "succeeded"


def test_lookup_returns_one_dict_per_id_and_on_missing(simulator, tmp_path):
    first = create(simulator, count=1, ack_seconds=0.01)
    second = create(simulator, count=2, ack_seconds=100)
    lookup = ("query('actiongate.agents.fleet_action_status', '%s', 'gone', '%s', url='%s', api_key='%s', "
              "on_missing='%%s')" % (first, second, simulator.http_url, API_KEY))
    run = run_playbook(tmp_path, [
        {"name": "skip", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % "skip")}},
        {"name": "warn", "ansible.builtin.set_fact": {"warned": "{{ %s }}" % (lookup % "warn")}},
        {"name": "error", "ansible.builtin.set_fact": {"x": "{{ %s }}" % (lookup % "error")}, "ignore_errors": True},
    ])
    found = run.task("skip")["ansible_facts"]["found"]
    assert [(a["action_id"], a["state"]) for a in found] == [(first, "succeeded"), (second, "pending")]
    assert "'gone'" in " ".join(run.task("warn").get("warnings", [])) or "'gone'" in run.output
    assert run.task("error")["failed"] is True and "'gone'" in run.task("error")["msg"]


def test_lookup_env_credentials_and_wait(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=0.3)
    with clock_starts_on_first_poll(simulator, STATUS_PATH):
        task = {"name": "wait", "ansible.builtin.set_fact": {
            "done": "{{ lookup('actiongate.agents.fleet_action_status', '%s', wait=true, wait_interval=0.5) }}" % action}}
        run = run_playbook(tmp_path, [task], env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    done = run.task("wait")["ansible_facts"]["done"]
    assert done["state"] == "succeeded" and done["terminal"] is True


def test_lookup_wrong_key_is_clear_and_secret_free(simulator, tmp_path):
    secret = "bG9va3VwOnNlY3JldGtleQ=="
    run = run_playbook(tmp_path, [{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ lookup('actiongate.agents.fleet_action_status', 'a', url='%s', api_key='%s') }}" % (
            simulator.http_url, secret)}}], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output
    assert secret not in run.output and "Traceback" not in run.output


def test_adhoc_run_with_env_credentials(simulator):
    action = create(simulator, count=2, ack_seconds=0.2)
    run = run_adhoc(MODULE, "action_ids=%s wait=true wait_interval=0.5" % action,
                    env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["actions"][0]["state"] == "succeeded" and result["changed"] is False


def test_adhoc_secret_absent_from_vvvv(simulator):
    secret = "YWRob2M6dmVyeXNlY3JldA=="
    run = run_adhoc(MODULE, "url=%s api_key=%s action_ids=a" % (simulator.http_url, secret), json_results=False,
                    extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output
    assert secret not in run.output


def test_latest_is_a_window_in_milliseconds(simulator, tmp_path):
    create(simulator, count=1, age=3600)
    recent = create(simulator, count=1)
    result = run_playbook(tmp_path, [status_task(simulator, latest=600000)]).task("status")
    assert [a["action_id"] for a in result["actions"]] == [recent]
    assert "latest=600000" in simulator.requests_log(STATUS_PATH)[-1]["query"]


def test_date_is_a_one_day_window(simulator, tmp_path):
    import datetime

    old = create(simulator, count=1, age=3 * 86400)
    create(simulator, count=1)
    day = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=3, hours=1)
    result = run_playbook(tmp_path, [status_task(simulator, date=day.strftime("%Y-%m-%dT%H:%M:%SZ"))]).task("status")
    assert [a["action_id"] for a in result["actions"]] == [old]


def test_error_size_limits_errors(simulator, tmp_path):
    action = create(simulator, count=4, ack_seconds=0.01, fail_count=4)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[action], error_size=2)]).task("status")
    assert len(result["actions"][0]["errors"]) == 2 and result["actions"][0]["targets"]["failed"] == 4
    assert "errorSize=2" in simulator.requests_log(STATUS_PATH)[-1]["query"]


def test_request_timeout_is_a_clear_error(simulator, tmp_path):
    simulator.fault(path=STATUS_PATH, kind="slow", delay=10, count=10)  # far past 0.5 s, even on a loaded machine
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["a"], request_timeout=0.5)]).task("status")
    assert result["failed"] is True and "did not answer within" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_client_certificate_for_mutual_tls(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01)
    common = {"action_ids": [action], "url": simulator.mtls_url, "ca_path": simulator.ca_path}
    refused = run_playbook(tmp_path, [status_task(simulator, **common)]).task("status")
    assert refused["failed"] is True and "Traceback" not in refused["msg"]
    assert "Elastic Fleet" in refused["msg"] and simulator.mtls_url in refused["msg"]
    assert "set client_cert and client_key" in refused["msg"]
    accepted = run_playbook(tmp_path, [status_task(simulator, client_cert=simulator.client_cert_path,
                                                   client_key=simulator.client_key_path, **common)]).task("status")
    assert accepted.get("actions"), accepted.get("msg")
    assert accepted["actions"][0]["state"] == "succeeded"
