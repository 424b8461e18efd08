"""Cybereason: module, lookup and ad-hoc runs against the simulator over real HTTP(S)."""

from __future__ import annotations

import pytest
import requests

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook

USER, PASSWORD = "admin@sim.local", "changeme"
MODULE = "actiongate.agents.cybereason_action_status"
ACTIONS = "/rest/sensors/allActions"


def create(simulator, **spec):
    return simulator.control("POST", "/cybereason/batches", spec)["batchId"]


def logins(simulator):
    return simulator.control("GET", "/cybereason/sessions")


def status_task(simulator, name="status", ignore_errors=True, **args):
    params = {"url": simulator.http_url, "username": USER, "password": PASSWORD, "wait_interval": 0.5,
              "wait_max_interval": 0.5}
    params.update(args)
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def env_credentials(simulator):
    return {"CYBEREASON_URL": simulator.http_url, "CYBEREASON_USERNAME": USER, "CYBEREASON_PASSWORD": PASSWORD}


def session_ids(simulator):
    return list(simulator.state.vendor("cybereason").sessions)


def test_wait_completes_after_several_polls_with_one_login(simulator, tmp_path):
    batch = create(simulator, actionType="Upgrade", count=4, sensor_seconds=0.5, batchId=-2012506538)
    with clock_starts_on_first_poll(simulator, ACTIONS):
        run = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)])
    result = run.task("status")
    assert not result.get("failed"), result
    assert result["succeeded"] is True and result["terminal"] is True and result["polls"] >= 3
    only = result["actions"][0]
    assert only["action_id"] == "-2012506538" and only["state"] == "succeeded"
    assert only["targets"] == {"total": 4, "succeeded": 4, "failed": 0, "pending": 0}
    assert only["stats"]["Succeeded"] == 4 and len(only["stats"]) == 32 and only["action_type"] == "Upgrade"
    assert len(simulator.requests_log(ACTIONS)) == result["polls"]
    assert logins(simulator)["logins"] == 1
    login = simulator.requests_log("/login.html")[0]
    assert login["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert all(r["headers"].get("content-type") == "application/json" for r in simulator.requests_log(ACTIONS))


def test_batch_started_through_the_vendor_api(simulator, tmp_path):
    session = requests.Session()
    session.post(simulator.http_url + "/login.html", data={"username": USER, "password": PASSWORD}, timeout=10)
    body = session.post(simulator.http_url + "/rest/sensors/action/upgrade", timeout=10, json={
        "filters": [{"fieldName": "machineName", "operator": "Equals", "values": ["host-01", "host-02"]}]}).json()
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[body["batchId"]], wait=True)]).task("status")
    assert not result.get("failed"), result
    assert result["actions"][0]["targets"]["total"] == 2 and result["actions"][0]["state"] == "succeeded"


def test_failed_batch_fails_naming_the_keys(simulator, tmp_path):
    batch = create(simulator, count=3, sensor_seconds=0.1, outcomes={"MsiFileCorrupted": 2, "Failed": 1})
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)]).task("status")
    assert result["failed"] is True and result["actions"][0]["state"] == "failed"
    assert str(batch) in result["msg"] and "MsiFileCorrupted: 2 sensors" in result["msg"]


def test_partial_within_allowed_failures_succeeds(simulator, tmp_path):
    batch = create(simulator, count=10, sensor_seconds=0.05, outcomes={"Succeeded": 9, "EndedWithUnknownError": 1})
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True,
                                                 allowed_failures="10%")]).task("status")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "partial" and result["succeeded"] is True


def test_failures_beyond_allowed_stop_the_wait_early(simulator, tmp_path):
    # two sensors fail at once; the other eight would take 400 s
    batch = create(simulator, sensors=["s%d" % i for i in range(10)], duration=500,
                   outcomes={"Failed": 2, "Succeeded": 8})
    simulator.control("POST", "/clock", {"advance": 101})  # the first two sensors have ended
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True, wait_timeout=60,
                                                 allowed_failures=1)]).task("status")
    assert result["failed"] is True
    assert "allowed_failures=1" in result["msg"] and "stopped waiting early" in result["msg"]
    assert result["elapsed"] < 30 and result["actions"][0]["targets"]["failed"] == 2


def test_abort_through_the_vendor_api_is_cancelled(simulator, tmp_path):
    batch = create(simulator, count=3, sensor_seconds=100)
    session = requests.Session()
    session.post(simulator.http_url + "/login.html", data={"username": USER, "password": PASSWORD}, timeout=10)
    assert session.get(simulator.http_url + "/rest/sensors/abort/%d" % batch, timeout=10).status_code == 200
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True,
                                                 fail_on_failure=False)]).task("status")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert (only["state"], only["terminal"], only["succeeded"]) == ("cancelled", True, False)
    assert only["raw"]["aborterUser"] == USER and only["stats"]["Aborted"] == 3


def test_unknown_batch_fails_naming_it(simulator, tmp_path):
    create(simulator, count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["12345"])]).task("status")
    assert result["failed"] is True and "'12345'" in result["msg"] and "drop off" in result["msg"]
    waited = run_playbook(tmp_path, [status_task(simulator, action_ids=[-1], wait=True,
                                                 wait_not_found_timeout=3)]).task("status")
    assert waited["failed"] is True and "'-1'" in waited["msg"]
    assert len(simulator.requests_log(ACTIONS)) >= 3  # tolerated for the grace period, then failed


def test_batch_dropping_off_mid_wait_is_explained(simulator, tmp_path):
    simulator.control("POST", "/cybereason/config", {"retention_seconds": 0.3})
    short = create(simulator, count=1, duration=6)
    long = create(simulator, count=1, duration=60)
    with clock_starts_on_first_poll(simulator, ACTIONS):
        result = run_playbook(tmp_path, [status_task(simulator, action_ids=[short, long], wait=True, wait_timeout=30,
                                                     wait_not_found_timeout=0)]).task("status")
    assert result["failed"] is True
    assert "Listed earlier in this run, then gone: %s" % short in result["msg"]


def test_timeout_names_last_state_and_counts(simulator, tmp_path):
    batch = create(simulator, count=3, duration=0.3, outcomes={"Succeeded": 2, "Disconnected": 1})
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True,
                                                 wait_timeout=2)]).task("status")
    assert result["failed"] is True and "Timed out" in result["msg"]
    assert "%s: running (in progress: Disconnected=1, Succeeded=2), 2/3 succeeded, 0 failed, 1 pending" % batch \
        in result["msg"]
    assert logins(simulator)["logouts"] == 1  # the logout has its own budget after the deadline passed
    assert not [w for w in result.get("warnings", []) if "session" in w]


def test_wrong_password_is_clear_and_secret_free(simulator, tmp_path):
    secret = "not-the-password-42"
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=["1"], password=secret, wait=True,
                                              ignore_errors=False)], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0
    assert "Cybereason login as 'admin@sim.local'" in run.output and "Check username and password" in run.output
    assert secret not in run.output
    assert not simulator.requests_log(ACTIONS)
    # the refused login still handed out a (useless) session cookie: masked all the same
    refused = session_ids(simulator)
    assert refused and not any(cookie in run.output for cookie in refused)


def test_session_and_password_absent_from_vvvv(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    simulator.control("POST", "/cybereason/config", {"users": {USER: "s3cret-pass-word"}})
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], password="s3cret-pass-word")],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc == 0, run.output[-2000:]
    cookies = session_ids(simulator)
    assert cookies and not any(cookie in run.output for cookie in cookies)
    assert "s3cret-pass-word" not in run.output


def test_session_expiring_mid_wait_logs_in_again(simulator, tmp_path):
    simulator.control("POST", "/cybereason/config", {"session_lifetime": 4.0})
    batch = create(simulator, count=3, sensor_seconds=3)  # 9 s: runs past the first 4 s session
    with clock_starts_on_first_poll(simulator, ACTIONS):
        result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)]).task("status")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "succeeded"
    assert 2 <= logins(simulator)["logins"] < result["polls"] + 1


def test_expired_session_served_as_html_page(simulator, tmp_path):
    simulator.control("POST", "/cybereason/config", {"session_lifetime": 4.0, "unauthenticated": "html"})
    batch = create(simulator, count=3, sensor_seconds=3)
    with clock_starts_on_first_poll(simulator, ACTIONS):
        result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)]).task("status")
    assert not result.get("failed"), result.get("msg")
    assert logins(simulator)["logins"] >= 2


def test_html_body_logs_in_again_once_then_fails_clearly(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    simulator.fault(path=ACTIONS, kind="html", count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch])]).task("status")
    assert not result.get("failed"), result.get("msg")
    assert logins(simulator)["logins"] == 2
    simulator.fault(path=ACTIONS, kind="html", count=2)
    failed = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch])]).task("status")
    assert failed["failed"] is True and "login page again right after a fresh login" in failed["msg"]


def test_truncated_json_is_not_mistaken_for_a_login_page(simulator, tmp_path):
    simulator.fault(path=ACTIONS, kind="truncated", count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["1"])]).task("status")
    assert result["failed"] is True and "where JSON was expected" in result["msg"]
    assert logins(simulator)["logins"] == 1


def test_429_retry_after_honoured(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    simulator.fault(path=ACTIONS, status=429, retry_after=2, count=1)
    assert not run_playbook(tmp_path, [status_task(simulator, action_ids=[batch])]).task("status").get("failed")
    log = simulator.requests_log(ACTIONS)
    assert len(log) == 2 and log[1]["time"] - log[0]["time"] >= 2.0


def test_503_twice_then_success_also_at_login(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    simulator.fault(path=ACTIONS, status=503, count=2)
    simulator.fault(path="/login.html", method="POST", status=502, count=1)
    assert not run_playbook(tmp_path, [status_task(simulator, action_ids=[batch])]).task("status").get("failed")
    assert len(simulator.requests_log(ACTIONS)) == 3
    assert logins(simulator)["logins"] == 1


def test_untrusted_certificate_rejected_then_accepted_with_ca_path(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    bad = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], url=simulator.https_url)])
    assert "TLS verification failed" in bad.task("status")["msg"]
    good = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], url=simulator.https_url,
                                               ca_path=simulator.ca_path)]).task("status")
    assert good.get("actions"), good.get("msg")
    assert good["actions"][0]["state"] == "succeeded"


def test_list_current_batches_filtered_by_type(simulator, tmp_path):
    create(simulator, actionType="Restart", count=1)
    upgrade = create(simulator, actionType="Upgrade", count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_types=["upgrade"])]).task("status")
    assert [a["action_id"] for a in result["actions"]] == [str(upgrade)]


def test_check_mode_reads_once(simulator, tmp_path):
    batch = create(simulator, count=2, sensor_seconds=100)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)], extra_args=["--check"])
    result = run.task("status")
    assert not result.get("failed") and result["terminal"] is False and "polls" not in result
    assert result["actions"][0]["state"] == "pending"
    assert len(simulator.requests_log(ACTIONS)) == 1


def test_module_defaults_group(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {"action_ids": [batch]}}], play={
        "module_defaults": {"group/actiongate.agents.cybereason": {
            "url": simulator.http_url, "username": USER, "password": PASSWORD}}})
    assert run.task("status")["actions"][0]["state"] == "succeeded"


def test_lookup_one_dict_per_id_and_on_missing(simulator, tmp_path):
    done = create(simulator, count=1, duration=0.1, batchId=-7)
    running = create(simulator, count=2, sensor_seconds=100)
    lookup = ("query('actiongate.agents.cybereason_action_status', -7, %%s, %d, url='%s', username='%s', "
              "password='%s', on_missing='%%s')" % (running, simulator.http_url, USER, PASSWORD))
    run = run_playbook(tmp_path, [
        {"name": "skip", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % ("404", "skip"))}},
        {"name": "warn", "ansible.builtin.set_fact": {"warned": "{{ %s }}" % (lookup % ("405", "warn"))}},
        {"name": "error", "ansible.builtin.set_fact": {"x": "{{ %s }}" % (lookup % ("406", "error"))},
         "ignore_errors": True},
        {"name": "not a number", "ansible.builtin.set_fact": {"x": "{{ %s }}" % (lookup % ("'gone'", "skip"))},
         "ignore_errors": True},
    ])
    found = run.task("skip")["ansible_facts"]["found"]
    assert [(a["action_id"], a["state"]) for a in found] == [(str(done), "succeeded"), (str(running), "pending")]
    assert "'405'" in run.output
    assert run.task("error")["failed"] is True and "'406'" in run.task("error")["msg"]
    assert run.task("not a number")["failed"] is True and "whole numbers" in run.task("not a number")["msg"]


def test_lookup_env_credentials_and_wait(simulator, tmp_path):
    batch = create(simulator, count=2, sensor_seconds=0.4)
    run = run_playbook(tmp_path, [{"name": "wait", "ansible.builtin.set_fact": {
        "done": "{{ lookup('actiongate.agents.cybereason_action_status', %d, wait=true, wait_interval=0.5) }}" % batch}}],
        env=env_credentials(simulator))
    done = run.task("wait")["ansible_facts"]["done"]
    assert done["state"] == "succeeded" and done["terminal"] is True
    assert logins(simulator)["logins"] == 1


def test_lookup_wrong_password_is_clear_and_secret_free(simulator, tmp_path):
    secret = "lookup-wrong-secret"
    run = run_playbook(tmp_path, [{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ lookup('actiongate.agents.cybereason_action_status', 1, url='%s', username='%s', password='%s') }}"
               % (simulator.http_url, USER, secret)}}], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "Check username and password" in run.output
    assert secret not in run.output and "Traceback" not in run.output


def test_lookup_session_expiring_mid_wait(simulator, tmp_path):
    simulator.control("POST", "/cybereason/config", {"session_lifetime": 4.0})
    batch = create(simulator, count=3, sensor_seconds=3)
    with clock_starts_on_first_poll(simulator, ACTIONS):
        run = run_playbook(tmp_path, [{"name": "wait", "ansible.builtin.set_fact": {
            "done": "{{ lookup('actiongate.agents.cybereason_action_status', %d, wait=true, wait_interval=0.5, wait_max_interval=1) }}"
                    % batch}}], env=env_credentials(simulator))
    assert run.task("wait")["ansible_facts"]["done"]["state"] == "succeeded"
    assert logins(simulator)["logins"] >= 2


def test_adhoc_run_with_env_credentials(simulator):
    batch = create(simulator, count=2, sensor_seconds=0.3, batchId=-99)
    run = run_adhoc(MODULE, "action_ids=-99 wait=true wait_interval=0.5", env=env_credentials(simulator))
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["actions"][0]["action_id"] == str(batch) == "-99"
    assert result["actions"][0]["state"] == "succeeded" and result["changed"] is False


def test_adhoc_session_expiring_mid_wait(simulator):
    simulator.control("POST", "/cybereason/config", {"session_lifetime": 4.0})
    create(simulator, count=3, sensor_seconds=3, batchId=-98)
    with clock_starts_on_first_poll(simulator, ACTIONS):
        run = run_adhoc(MODULE, "action_ids=-98 wait=true wait_interval=0.5 wait_max_interval=1", env=env_credentials(simulator))
    assert run.rc == 0, run.output[-2000:]
    assert logins(simulator)["logins"] >= 2


def test_adhoc_wrong_password_secret_absent_from_vvvv(simulator):
    secret = "adhoc-very-secret"
    run = run_adhoc(MODULE, "url=%s username=%s password=%s action_ids=1" % (simulator.http_url, USER, secret),
                    json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "Check username and password" in run.output
    assert secret not in run.output


# ---- sensor timeouts, empty batches, 401/403 sessions, logout (docs/dev/vendors/cybereason.md) ----


def test_one_abort_timeout_sensor_among_999_is_one_failed_target(simulator, tmp_path):
    batch = create(simulator, count=1000, duration=0.5, outcomes={"AbortTimeout": 1})
    simulator.control("POST", "/clock", {"advance": 1})
    run = run_playbook(tmp_path, [
        status_task(simulator, "allowed", action_ids=[batch], wait=True, allowed_failures=1),
        status_task(simulator, "strict", action_ids=[batch], wait=True),
    ])
    allowed = run.task("allowed")
    assert not allowed.get("failed"), allowed.get("msg")
    only = allowed["actions"][0]
    assert (only["state"], only["succeeded"], allowed["succeeded"]) == ("partial", True, True)
    assert only["targets"] == {"total": 1000, "succeeded": 999, "failed": 1, "pending": 0}
    strict = run.task("strict")
    assert strict["failed"] is True and strict["actions"][0]["state"] == "partial"
    assert "AbortTimeout: 1 sensor" in strict["msg"]


def test_batch_aborted_by_sensor_timeout_is_not_a_cancel(simulator, tmp_path):
    batch = create(simulator, count=4, duration=4, outcomes={"Succeeded": 3, "Disconnected": 1})
    simulator.control("POST", "/clock", {"advance": 5})
    simulator.control("POST", "/cybereason/batches/%d/abort" % batch, {"timeout": True})
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], allowed_failures=1)]).task("status")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert (only["state"], only["succeeded"]) == ("partial", True)
    assert only["targets"] == {"total": 4, "succeeded": 3, "failed": 1, "pending": 0}
    assert only["raw"]["abortTimeout"] is True and only["raw"]["aborterUser"] is None
    assert "not by a person" in only["errors"][-1]["message"]


def test_finished_batch_with_string_flags(simulator, tmp_path):
    simulator.control("POST", "/cybereason/config", {"flags_as_strings": True})
    batch = create(simulator, count=2, sensor_seconds=0.2)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)]).task("status")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "succeeded" and result["actions"][0]["raw"]["finalState"] == "true"


@pytest.mark.parametrize("code", ["401", "403"])
def test_session_expiring_with_401_or_403_logs_in_again(simulator, tmp_path, code):
    simulator.control("POST", "/cybereason/config", {"session_lifetime": 4.0, "unauthenticated": code})
    batch = create(simulator, count=3, sensor_seconds=3)  # 9 s: runs past the first 4 s session
    with clock_starts_on_first_poll(simulator, ACTIONS):
        result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], wait=True)]).task("status")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "succeeded"
    counts = logins(simulator)
    assert 2 <= counts["logins"] < result["polls"] + 1 and counts["refused"] >= 1


def test_403_right_after_a_fresh_login_fails_with_the_role_hint(simulator, tmp_path):
    batch = create(simulator, count=1, duration=0.1)
    simulator.fault(path=ACTIONS, status=403, count=2)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch])]).task("status")
    assert result["failed"] is True and "HTTP 403" in result["msg"] and "System Admin role" in result["msg"]
    assert logins(simulator)["logins"] == 2 and len(simulator.requests_log(ACTIONS)) == 2


def test_every_run_logs_out_at_the_end(simulator, tmp_path):
    batch = create(simulator, count=2, sensor_seconds=0.2)
    run = run_playbook(tmp_path, [
        status_task(simulator, "read", action_ids=[batch]),
        status_task(simulator, "wait", action_ids=[batch], wait=True),
        status_task(simulator, "missing", action_ids=[12345]),  # a failed run logs out too
        {"name": "lookup", "ansible.builtin.set_fact": {
            "found": "{{ lookup('%s', %d, url='%s', username='%s', password='%s') }}" % (
                MODULE, batch, simulator.http_url, USER, PASSWORD)}},
    ])
    assert run.task("missing")["failed"] is True and not run.task("wait").get("failed")
    assert run.task("lookup")["ansible_facts"]["found"]["action_id"] == str(batch)
    counts = logins(simulator)
    assert (counts["logins"], counts["logouts"], counts["active"]) == (4, 4, 0)
    assert len(simulator.requests_log("/logout")) == 4


def test_wrong_password_makes_no_logout(simulator, tmp_path):
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["1"], password="nope-nope")]).task("status")
    assert result["failed"] is True and not simulator.requests_log("/logout")


def test_final_batch_with_no_sensors_is_not_a_success(simulator, tmp_path):
    batch = create(simulator, count=0)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=[batch], allowed_failures="100%")]).task("status")
    only = result["actions"][0]
    assert only["raw"]["finalState"] is True and only["raw"]["totalNumberOfProbes"] == 0
    assert (only["state"], only["terminal"], only["succeeded"], result["succeeded"]) == ("failed", True, False, False)
    assert "no sensors and no stats" in only["errors"][-1]["message"]
