"""Rackspace Cloud Backup backups and restores: module, lookup and ad-hoc runs against the simulator."""

from __future__ import annotations

import pytest
import requests

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook

MODULE = "actiongate.agents.rackspace_backup_status"
AGENT = "8f135b4f-7a69-4b8a-947f-5e80d772fd97"


def backup(simulator, **spec):
    return simulator.control("POST", "/rackspace/backups", spec)["id"]


def token_args(simulator, **args):
    params = {"url": simulator.http_url, "token": "sim-token", "project_id": "123456",
              "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(args)
    return params


def identity_args(simulator, **args):
    params = {"identity_url": simulator.http_url + "/v2.0", "username": "sim-user", "api_key": "sim-api-key",
              "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(args)
    return params


def task(name, params, ignore_errors=True):
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def issued_tokens(simulator):
    return list(simulator.state.vendor("rackspace").tokens)


def test_each_backup_terminal_state(simulator, tmp_path):
    outcomes = ["completed", "completed_with_errors", "failed", "missed", "skipped"]
    ids = dict((o, backup(simulator, outcome=o, age=30)) for o in outcomes)
    stopped = backup(simulator, step_seconds=100)
    requests.patch(simulator.http_url + "/v2/123456/backups/" + stopped, headers={"X-Auth-Token": "sim-token"},
                   json=[{"op": "replace", "path": "/state", "value": "stop_requested"}], timeout=10)
    simulator.control("POST", "/clock", {"advance": 100})
    tasks = [task(o, token_args(simulator, action_ids=[ids[o]])) for o in outcomes]
    tasks.append(task("stopped", token_args(simulator, action_ids=[stopped])))
    tasks.append(task("tolerated", token_args(simulator, action_ids=[ids["completed_with_errors"]], allowed_failures=1)))
    tasks.append(task("accepted", token_args(simulator, action_ids=[ids["completed_with_errors"]],
                                             completed_with_errors="success")))
    run = run_playbook(tmp_path, tasks)
    expected = {"completed": ("succeeded", True), "completed_with_errors": ("partial", False),
                "failed": ("failed", False), "missed": ("failed", False), "skipped": ("failed", False),
                "stopped": ("cancelled", False), "tolerated": ("partial", True), "accepted": ("succeeded", True)}
    for name, (state, succeeded) in expected.items():
        result = run.task(name)
        assert not result.get("failed"), result.get("msg")
        only = result["actions"][0]
        assert (only["state"], only["terminal"], result["succeeded"]) == (state, True, succeeded), name
    partial = run.task("completed_with_errors")["actions"][0]
    # files with errors among the files searched (1222), not among files_backed_up (changed files only)
    assert partial["targets"] == {"total": 1222, "succeeded": 1221, "failed": 1, "pending": 0}
    assert partial["errors"][0]["reason"] == "unable_to_process_some_files" and partial["errors"][0]["count"] == 1


@pytest.mark.parametrize("outcome, state", [("completed", "succeeded"), ("failed", "failed"),
                                            ("completed_with_errors", "partial")])
def test_restore_states_and_wait(simulator, tmp_path, outcome, state):
    source = backup(simulator, age=30)
    restore = simulator.control("POST", "/rackspace/restores", {"backup_id": source, "outcome": outcome,
                                                                "step_seconds": 0.2})["id"]
    run = run_playbook(tmp_path, [task("status", token_args(simulator, action_ids=[restore], resource="restore",
                                                            wait=True))])
    result = run.task("status")
    only = result["actions"][0]
    assert (only["state"], only["resource"], only["vendor_status"]) == (state, "restore", outcome)
    assert result.get("failed", False) is (state != "succeeded")
    if state != "succeeded":
        assert restore in result["msg"]
    assert simulator.requests_log("/v2/123456/restores/" + restore)


def test_wait_for_backup_started_through_the_api(simulator, tmp_path):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 0.3})
    started = requests.post(simulator.http_url + "/v2/123456/backups", headers={"X-Auth-Token": "sim-token"},
                            json={"configuration_id": "7c8ee069-568f-4d5a-932f-fb2af86b5fd5", "state": "start_requested"},
                            timeout=10)
    backup_id = started.json()["id"]
    with clock_starts_on_first_poll(simulator, "/v2/123456/backups/" + backup_id):
        run = run_playbook(tmp_path, [task("wait", identity_args(simulator, action_ids=[backup_id], wait=True,
                                                                 api_version="v2"))])
    result = run.task("wait")
    assert not result.get("failed"), result.get("msg")
    assert result["polls"] >= 3 and result["actions"][0]["state"] == "succeeded"
    assert [h["state"] for h in result["history"]][-1] == "succeeded"
    assert result["endpoint"] == simulator.http_url + "/v2/123456"


def test_token_expiring_during_wait_is_renewed_once_with_identity(simulator, tmp_path):
    simulator.control("POST", "/rackspace/config", {"token_lifetime": 0.5})
    backup_id = backup(simulator, step_seconds=0.5)
    with clock_starts_on_first_poll(simulator, "/v2/123456/backups/" + backup_id):  # log in, then 2 s of backup
        run = run_playbook(tmp_path, [task("wait", identity_args(simulator, action_ids=[backup_id], wait=True,
                                                                 api_version="v2"))])
    result = run.task("wait")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["state"] == "succeeded"
    assert len(simulator.requests_log("/v2.0/tokens")) >= 2


def test_expired_token_without_identity_fails_clearly_and_secret_free(simulator, tmp_path):
    token = simulator.control("POST", "/rackspace/tokens", {"id": "direct-token-0123456789"})["token"]
    simulator.control("POST", "/rackspace/tokens/expire", {"token": token})
    run = run_playbook(tmp_path, [task("status", token_args(simulator, action_ids=["x"], token=token), False)],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0
    assert "HTTP 401" in run.output and "invalid or expired" in run.output
    assert token not in run.output
    assert len(simulator.requests_log("/v2/123456/backups")) == 1


def test_wrong_api_key_and_issued_tokens_absent_from_vvvv(simulator, tmp_path):
    backup_id = backup(simulator, age=30, id="1001")
    good = run_playbook(tmp_path, [task("good", identity_args(simulator, action_ids=[backup_id]), False)],
                        json_results=False, extra_args=["-vvvv"])
    assert good.rc == 0, good.output[-2000:]
    assert "sim-api-key" not in good.output
    assert all(t not in good.output for t in issued_tokens(simulator))
    bad = run_playbook(tmp_path, [task("bad", identity_args(simulator, action_ids=[backup_id],
                                                            api_key="wrong-key-987654"), False)],
                       json_results=False, extra_args=["-vvvv"])
    assert bad.rc != 0 and "Username or api key is invalid" in bad.output
    assert "wrong-key-987654" not in bad.output


def test_wrong_project_is_forbidden(simulator, tmp_path):
    result = run_playbook(tmp_path, [task("status", token_args(simulator, action_ids=["x"], project_id="999"))]).task("status")
    assert result["failed"] is True and "HTTP 403" in result["msg"] and "project_id" in result["msg"]


def test_unknown_id_names_it(simulator, tmp_path):
    result = run_playbook(tmp_path, [task("status", token_args(simulator, action_ids=["no-such-backup"]))]).task("status")
    assert result["failed"] is True and "'no-such-backup'" in result["msg"] and "HTTP 404" not in result["msg"]


def test_429_and_503_are_retried(simulator, tmp_path):
    backup_id = backup(simulator, age=30)
    path = "/v2/123456/backups/" + backup_id
    simulator.fault(path=path, status=429, retry_after=1, count=1)
    simulator.fault(path=path, status=503, count=1)
    result = run_playbook(tmp_path, [task("status", token_args(simulator, action_ids=[backup_id]))]).task("status")
    assert not result.get("failed"), result.get("msg")
    log = simulator.requests_log(path)
    assert len(log) == 3 and log[1]["time"] - log[0]["time"] >= 1.0


def test_500_with_vendor_envelope_and_html_body(simulator, tmp_path):
    path = "/v2/123456/backups/b1"
    simulator.fault(path=path, status=500, body={"message": "Validation failed.", "errors": ["boom"]}, count=1)
    simulator.fault(path=path, kind="html", count=1)
    run = run_playbook(tmp_path, [task("envelope", token_args(simulator, action_ids=["b1"])),
                                  task("html", token_args(simulator, action_ids=["b1"]))])
    assert "HTTP 500 Validation failed. (boom)" in run.task("envelope")["msg"]
    assert "text/html where JSON was expected" in run.task("html")["msg"]


def test_tls_identity_and_catalog_with_ca_path(simulator, tmp_path):
    backup_id = backup(simulator, age=30, id="1002")
    https = {"identity_url": simulator.https_url + "/v2.0"}
    run = run_playbook(tmp_path, [
        task("untrusted", identity_args(simulator, action_ids=[backup_id], **https)),
        task("trusted", identity_args(simulator, action_ids=[backup_id], ca_path=simulator.ca_path, **https)),
    ])
    assert "TLS verification failed" in run.task("untrusted")["msg"]
    trusted = run.task("trusted")
    assert trusted["actions"][0]["state"] == "succeeded"
    assert trusted["endpoint"] == simulator.https_url + "/v1.0/123456"


def test_region_from_catalog(simulator, tmp_path):
    backup_id = backup(simulator, age=30, id="1003")
    run = run_playbook(tmp_path, [task("ord", identity_args(simulator, action_ids=[backup_id], region="ORD")),
                                  task("syd", identity_args(simulator, action_ids=[backup_id], region="SYD"))])
    assert run.task("ord")["endpoint"] == simulator.http_url + "/rax/ord/v1.0/123456"
    assert "no Cloud Backup (rax:backup) endpoint in region SYD" in run.task("syd")["msg"]


def test_module_defaults_group_and_check_mode(simulator, tmp_path):
    backup_id = backup(simulator, step_seconds=100)
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {"action_ids": [backup_id], "wait": True}}],
                       play={"module_defaults": {"group/actiongate.agents.rackspace": token_args(simulator)}},
                       extra_args=["--check"])
    result = run.task("status")
    assert result["actions"][0]["state"] == "pending" and "polls" not in result


def test_lookup_with_env_identity_and_on_missing(simulator, tmp_path):
    done = backup(simulator, age=30, id="1004")
    running = backup(simulator, step_seconds=100, id="1005")
    lookup = "query('%s', '%s', '404404', '%s', on_missing='%%s')" % (MODULE, done, running)
    run = run_playbook(tmp_path, [
        {"name": "skip", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % "skip")}},
        {"name": "error", "ansible.builtin.set_fact": {"x": "{{ %s }}" % (lookup % "error")}, "ignore_errors": True},
    ], env={"RAX_IDENTITY_URL": simulator.http_url + "/v2.0", "RAX_USERNAME": "sim-user", "RAX_API_KEY": "sim-api-key"})
    found = run.task("skip")["ansible_facts"]["found"]
    assert [(a["action_id"], a["state"]) for a in found] == [(done, "succeeded"), (running, "pending")]
    assert run.task("error")["failed"] is True and "'404404'" in run.task("error")["msg"]


def test_lookup_wrong_token_is_clear_and_secret_free(simulator, tmp_path):
    secret = "lookup-token-abcdef0123"
    run = run_playbook(tmp_path, [{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ lookup('%s', 'b1', url='%s', token='%s') }}" % (MODULE, simulator.http_url, secret)}}],
        json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "HTTP 401" in run.output and "invalid or expired" in run.output
    assert secret not in run.output and "Traceback" not in run.output


def test_adhoc_with_env_credentials(simulator):
    backup_id = backup(simulator, step_seconds=0.2)
    run = run_adhoc(MODULE, "action_ids=%s wait=true wait_interval=0.5" % backup_id,
                    env={"RAX_BACKUP_URL": simulator.http_url, "RAX_AUTH_TOKEN": "sim-token"})
    assert run.rc == 0, run.output[-2000:]
    result = run.adhoc()
    assert result["actions"][0]["state"] == "succeeded" and result["changed"] is False


def test_adhoc_api_key_absent_from_vvvv(simulator):
    secret = "adhoc-api-key-13579"
    run = run_adhoc(MODULE, "identity_url=%s/v2.0 username=sim-user api_key=%s action_ids=b1" % (simulator.http_url, secret),
                    json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "Rackspace Identity" in run.output
    assert secret not in run.output


# ---- v1.0, the public API the real catalog names -------------------------------------------------

def test_v1_states_from_the_catalog_with_reports(simulator, tmp_path):
    outcomes = {"completed": ("succeeded", True), "failed": ("failed", False), "missed": ("failed", False),
                "skipped": ("failed", False)}
    ids = dict((o, backup(simulator, outcome=o, age=30, id=str(2000 + i))) for i, o in enumerate(outcomes))
    errors = backup(simulator, outcome="completed_with_errors", age=30, id="2100", errors={"count": 2})
    tasks = [task(o, identity_args(simulator, action_ids=[ids[o]])) for o in outcomes]
    tasks += [task("errors", identity_args(simulator, action_ids=[errors])),
              task("tolerated", identity_args(simulator, action_ids=[errors], allowed_failures=2)),
              task("share", identity_args(simulator, action_ids=[errors], allowed_failures="1%"))]
    run = run_playbook(tmp_path, tasks)
    for name, (state, succeeded) in outcomes.items():
        result = run.task(name)
        only = result["actions"][0]
        assert (only["state"], only["api_version"], result["succeeded"]) == (state, "v1.0", succeeded), name
        assert result["endpoint"] == simulator.http_url + "/v1.0/123456"
    partial = run.task("errors")["actions"][0]
    assert (partial["state"], partial["vendor_status"]) == ("partial", "CompletedWithErrors")
    # 2 files with errors among the 1222 searched, from GET /backup/report/{id}
    assert partial["targets"] == {"total": 1222, "succeeded": 1220, "failed": 2, "pending": 0}
    assert partial["errors"][0]["count"] == 2 and len(partial["errors"][0]["paths"]) == 2
    assert partial["finished_at"].endswith("Z") and partial["report"]["FilesSearched"] == "1222"
    assert run.task("errors")["succeeded"] is False
    assert run.task("tolerated")["succeeded"] is True and run.task("share")["succeeded"] is True
    assert simulator.requests_log("/v1.0/123456/backup/report/2100")
    assert not simulator.requests_log("/v2/")


def test_v1_wait_on_a_restore_with_a_catalog_url(simulator, tmp_path):
    source = backup(simulator, age=30, id="3000")
    restore = simulator.control("POST", "/rackspace/restores", {"backup_id": source, "id": "3001",
                                                                "outcome": "completed_with_errors", "step_seconds": 0.3})
    url = simulator.http_url + "/v1.0/123456"
    with clock_starts_on_first_poll(simulator, "/v1.0/123456/restore/3001"):
        run = run_playbook(tmp_path, [task("wait", token_args(simulator, url=url, project_id=None, action_ids=[restore["id"]],
                                                              resource="restore", wait=True, allowed_failures=1))])
    result = run.task("wait")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert (only["state"], only["vendor_status"], only["raw"]["RestoreStateId"]) == ("partial", "CompletedWithErrors", 8)
    assert only["targets"] == {"total": 3, "succeeded": 2, "failed": 1, "pending": 0}
    assert result["polls"] >= 2 and simulator.requests_log("/v1.0/123456/restore/3001")


def test_api_version_option_on_a_bare_url_and_v1_id_shape(simulator, tmp_path):
    numeric = backup(simulator, age=30, id="4000")
    uuid_id = backup(simulator, age=30)
    run = run_playbook(tmp_path, [
        task("v1", token_args(simulator, action_ids=[numeric], api_version="v1.0")),
        task("uuid", token_args(simulator, action_ids=[uuid_id], api_version="v1.0")),
        task("v2", token_args(simulator, url=simulator.http_url + "/v1.0/123456", project_id=None,
                              action_ids=[uuid_id], api_version="v2")),
    ])
    assert run.task("v1")["actions"][0]["vendor_status"] == "Completed"
    assert run.task("v1")["endpoint"] == simulator.http_url + "/v1.0/123456"
    refused = run.task("uuid")
    assert refused["failed"] is True and "v1.0 backup ids are numbers" in refused["msg"] and "api_version=v2" in refused["msg"]
    assert run.task("v2")["actions"][0]["vendor_status"] == "completed"
    assert run.task("v2")["endpoint"] == simulator.http_url + "/v2/123456"


def test_wait_for_action_role_passes_api_version(simulator, tmp_path):
    """Identity credentials (the catalog names v1.0) and a v2 backup id: the role passes api_version on."""
    backup_id = backup(simulator, age=30)
    variables = {"wait_for_action_vendor": "rackspace_backup", "wait_for_action_ids": [backup_id],
                 "wait_for_action_interval": 0.5, "wait_for_action_max_interval": 0.5,
                 "wait_for_action_options": {"api_version": "v2"},
                 "wait_for_action_connection": {"identity_url": simulator.http_url + "/v2.0", "username": "sim-user",
                                                "api_key": "sim-api-key"}}
    tasks = [{"name": "role", "ansible.builtin.include_role": {"name": "actiongate.agents.wait_for_action"}}]
    run = run_playbook(tmp_path, tasks, play={"vars": dict(variables, ansible_python_interpreter="{{ ansible_playbook_python }}")})
    assert run.rc == 0, run.output[-3000:]
    assert simulator.requests_log("/v2/123456/backups/" + backup_id)
