"""Puppet Enterprise orchestrator jobs: module, lookup and ad-hoc runs against the simulator."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse

import requests

from tests.integration.helpers import clock_starts_on_first_poll, run_adhoc, run_playbook
from tests.simulator.puppet import STATIC_TOKEN, TOKEN_PATH

MODULE = "actiongate.agents.puppet_job_status"
JOBS = "/orchestrator/v1/jobs"
FAST = {"new_seconds": 0.1, "ready_seconds": 0.1, "node_seconds": 0.3}


def create(simulator, **spec):
    return simulator.control("POST", "/puppet/jobs", dict(FAST, **spec))["job"]["name"]


def status_task(simulator, name="status", ignore_errors=True, **args):
    params = {"url": simulator.http_url, "token": STATIC_TOKEN, "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(args)
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def login_args(simulator, password="puppetlabs", url=None):
    url = url or simulator.http_url
    return {"url": url, "rbac_url": url, "token": None, "username": "deployer", "password": password}


def test_wait_until_finished(simulator, tmp_path):
    job = create(simulator, count=3, concurrency=1)
    with clock_starts_on_first_poll(simulator, JOBS):
        run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True)])
    result = run.task("status")
    assert not result.get("failed"), result
    assert result["succeeded"] is True and result["polls"] >= 3
    only = result["actions"][0]
    assert (only["action_id"], only["state"], only["vendor_status"]) == (job, "succeeded", "finished")
    assert only["targets"] == {"total": 3, "succeeded": 3, "failed": 0, "pending": 0}
    assert only["node_states"] == {"finished": 3} and only["command"] == "deploy"
    assert [h["state"] for h in result["history"]][-1] == "succeeded"
    assert "running" in [h["state"] for h in result["history"]]
    # the job record has no node_states (jobs doc): each poll reads the record, then its nodes
    records = [r for r in simulator.requests_log(JOBS + "/" + job) if r["path"] == JOBS + "/" + job]
    nodes = simulator.requests_log(JOBS + "/" + job + "/nodes")
    assert len(records) == len(nodes) == result["polls"]
    expected = {"limit": "1000", "offset": "0", "order_by": "name", "order": "asc"}
    assert all(dict(urllib.parse.parse_qsl(r["query"])) == expected for r in nodes)


def test_failed_nodes_become_errors_and_fail_the_task(simulator, tmp_path):
    job = create(simulator, count=3, fail={"node02.example.com": "Could not retrieve catalog from remote server"})
    within = create(simulator, count=4, fail_count=1)
    run = run_playbook(tmp_path, [
        status_task(simulator, "strict", action_ids=[job], wait=True),
        status_task(simulator, "tolerant", action_ids=[within], wait=True, allowed_failures="25%")])
    strict = run.task("strict")
    assert strict["failed"] is True
    assert strict["actions"][0]["state"] == "failed"
    assert strict["actions"][0]["errors"][0]["target"] == "node02.example.com"
    assert "Could not retrieve catalog" in strict["msg"] and job in strict["msg"]
    tolerant = run.task("tolerant")
    assert not tolerant.get("failed"), tolerant.get("msg")
    assert tolerant["succeeded"] is True and tolerant["actions"][0]["vendor_status"] == "failed"
    assert tolerant["actions"][0]["targets"] == {"total": 4, "succeeded": 3, "failed": 1, "pending": 0}


def test_failures_beyond_allowed_end_the_wait_early(simulator, tmp_path):
    job = create(simulator, count=4, concurrency=1, node_seconds=1.5, fail={"node01.example.com": "boom"})
    with clock_starts_on_first_poll(simulator, JOBS):
        run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True, wait_timeout=60)])
    result = run.task("status")
    assert result["failed"] is True
    assert "stopped waiting early" in result["msg"] and "allowed_failures=0" in result["msg"]
    assert result["elapsed"] < 6  # the job itself needs 6 s; it is still running below
    assert result["actions"][0]["state"] == "running" and result["actions"][0]["targets"]["failed"] == 1


def test_nodes_are_read_page_by_page(simulator, tmp_path):
    # 2,500 nodes: three pages of at most 1000, and every failed node's message among the errors
    nodes = ["n%04d.example.com" % i for i in range(2500)]
    job = create(simulator, nodes=nodes, concurrency=2500, node_seconds=0.1,
                 fail={"n0007.example.com": "catalog 7", "n2400.example.com": "catalog 2400"})
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True, allowed_failures=2)])
    result = run.task("status")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert only["targets"] == {"total": 2500, "succeeded": 2498, "failed": 2, "pending": 0}
    assert [e["target"] for e in only["errors"]] == ["n0007.example.com", "n2400.example.com"]
    last = [dict(urllib.parse.parse_qsl(r["query"]))["offset"] for r in simulator.requests_log(JOBS + "/" + job + "/nodes")]
    assert last[-3:] == ["0", "1000", "2000"]
    assert all("state" not in r["query"] for r in simulator.requests_log(JOBS))  # no undocumented filter


def test_server_without_paging_is_read_once(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", {"nodes_ignore_paging": True})
    job = create(simulator, nodes=["n%04d.example.com" % i for i in range(1000)], concurrency=1000, node_seconds=0.1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True)])
    result = run.task("status")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"][0]["targets"]["succeeded"] == 1000
    # a full page, then one more that brings no new node: stop there, not at a page cap
    assert len(simulator.requests_log(JOBS + "/" + job + "/nodes")) == 2 * result["polls"]


def test_skipped_nodes_after_a_failure_fail_the_job(simulator, tmp_path):
    job = create(simulator, count=4, concurrency=1, fail={"node01.example.com": "boom"}, skip_after_failure=True)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True, allowed_failures=1)])
    result = run.task("status")
    assert result["failed"] is True
    only = result["actions"][0]
    assert (only["state"], only["vendor_status"], only["succeeded"]) == ("failed", "failed", False)
    assert only["targets"] == {"total": 4, "succeeded": 0, "failed": 4, "pending": 0}
    assert only["node_states"] == {"failed": 1, "skipped": 3}
    assert [e["target"] for e in only["errors"]][0] == "node01.example.com"


def test_job_record_with_node_states_reads_nodes_only_for_failures(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", {"job_node_states": True})
    good = create(simulator, count=2)
    bad = create(simulator, count=2, fail={"node02.example.com": "boom"})
    run = run_playbook(tmp_path, [status_task(simulator, "good", action_ids=[good], wait=True),
                                  status_task(simulator, "bad", action_ids=[bad], wait=True)])
    assert run.task("good")["succeeded"] is True
    assert not simulator.requests_log(JOBS + "/" + good + "/nodes")
    assert run.task("bad")["actions"][0]["errors"][0]["message"] == "boom"


def test_stopped_job_is_cancelled(simulator, tmp_path):
    job = create(simulator, count=3, concurrency=1, node_seconds=1.0, new_seconds=30)  # stopped before any node ran
    response = requests.post(simulator.http_url + "/orchestrator/v1/command/stop", json={"job": job},
                             headers={"X-Authentication": STATIC_TOKEN}, timeout=10)
    assert response.status_code == 202
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True, fail_on_failure=False)])
    result = run.task("status")
    assert not result.get("failed"), result.get("msg")
    only = result["actions"][0]
    assert (only["state"], only["vendor_status"], only["terminal"], only["succeeded"]) == (
        "cancelled", "stopped", True, False)
    assert result["succeeded"] is False
    assert only["node_states"] == {"stopped": 3}
    assert only["targets"] == {"total": 3, "succeeded": 0, "failed": 3, "pending": 0}


def test_deploy_through_the_api_then_gate_on_its_url(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", FAST)
    started = requests.post(simulator.http_url + "/orchestrator/v1/command/deploy", timeout=10,
                            headers={"X-Authentication": STATIC_TOKEN},
                            json={"environment": "production", "scope": {"nodes": ["web1.example.com"]}}).json()
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[started["job"]["id"]], wait=True)])
    result = run.task("status")
    assert result["actions"][0]["action_id"] == started["job"]["name"]
    assert result["succeeded"] is True


def test_unknown_and_malformed_job_ids(simulator, tmp_path):
    run = run_playbook(tmp_path, [status_task(simulator, "unknown", action_ids=["4242"]),
                                  status_task(simulator, "malformed", action_ids=["job-7"])])
    unknown = run.task("unknown")
    assert unknown["failed"] is True and "'4242'" in unknown["msg"] and "unknown-job" in unknown["msg"]
    malformed = run.task("malformed")
    assert malformed["failed"] is True and "such as 81" in malformed["msg"]
    assert len(simulator.requests_log(JOBS)) == 1  # the malformed id never reached the server


def test_ids_that_could_reach_another_path_never_leave(simulator, tmp_path):
    run = run_playbook(tmp_path, [status_task(simulator, "dots", action_ids=["1", "../../../rbac-api/v1/users"]),
                                  status_task(simulator, "slash", action_ids=["1/nodes"])])
    for name in ("dots", "slash"):
        assert run.task(name)["failed"] is True and "such as 81" in run.task(name)["msg"]
    assert not simulator.requests_log("/")  # checked before any request, even the valid "1"


def test_expired_token_is_explained_and_absent_from_vvvv(simulator, tmp_path):
    token = simulator.control("POST", "/puppet/tokens", {"token": "expiring-token-0123456789"})["token"]
    simulator.control("POST", "/puppet/tokens/expire", {"token": token})
    job = create(simulator, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], token=token, ignore_errors=False)],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0
    assert "HTTP 401" in run.output and "token-expired" in run.output and "one hour" in run.output
    assert token not in run.output


def test_token_echoed_by_server_is_scrubbed(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", {"echo_token_in_errors": True})
    secret = "not-a-valid-token-4242"
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=["1"], token=secret, ignore_errors=False)],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "invalid-token" in run.output
    assert secret not in run.output


def expire_tokens_after_first_poll(simulator, path):
    """Expire every token once the run has read ``path``: its next read gets token-expired."""
    def watch():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not simulator.requests_log(path):
            time.sleep(0.05)
        simulator.control("POST", "/puppet/tokens/expire", {})
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_password_login_renews_expired_token_during_wait(simulator, tmp_path):
    password = "renew-pass-5521"
    simulator.control("POST", "/puppet/config", {"users": {"deployer": password}})
    job = create(simulator, count=4, concurrency=1, node_seconds=0.6)
    with clock_starts_on_first_poll(simulator, JOBS):
        watcher = expire_tokens_after_first_poll(simulator, JOBS + "/" + job)
        run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True,
                                                  **login_args(simulator, password=password))],
                           json_results=False, extra_args=["-vvvv"])
        watcher.join(5)
    assert run.rc == 0, run.output[-2000:]
    assert password not in run.output
    logins = simulator.requests_log(TOKEN_PATH)
    assert len(logins) >= 2  # the first token expired during the 2.6 s job and was renewed
    assert all(json.loads(r["body"])["login"] == "deployer" for r in logins)


def test_a_login_answered_503_is_retried_within_the_wait(simulator, tmp_path):
    """The token request changes nothing: a console restarting (503) is ridden out like a read."""
    job = create(simulator, count=1)
    simulator.fault(path=TOKEN_PATH, kind="status", status=503, count=2)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], wait=True, wait_timeout=60,
                                              **login_args(simulator))])
    assert not run.task("status").get("failed"), run.task("status").get("msg")
    assert len(simulator.requests_log(TOKEN_PATH)) == 3  # two 503s, then the token


def test_requested_token_lives_the_wait_plus_a_margin(simulator, tmp_path):
    job = create(simulator, count=1)
    run = run_playbook(tmp_path, [
        status_task(simulator, "read", action_ids=[job], request_timeout=10, **login_args(simulator)),
        status_task(simulator, "wait", action_ids=[job], wait=True, wait_timeout=120, **login_args(simulator))])
    assert not run.task("read").get("failed") and not run.task("wait").get("failed"), run.task("wait").get("msg")
    lifetimes = [json.loads(r["body"])["lifetime"] for r in simulator.requests_log(TOKEN_PATH)]
    assert lifetimes == ["311s", "421s"]  # request_timeout or wait_timeout, plus 1 s and the 300 s margin


def test_rbac_url_on_another_origin_is_allowed_for_the_login(simulator, tmp_path):
    # rbac_url (HTTPS) and url (HTTP) are different origins: the login goes to rbac_url, reads to url
    job = create(simulator, count=1)
    args = {**login_args(simulator), "rbac_url": simulator.https_url, "ca_path": simulator.ca_path}
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job], **args)])
    assert not run.task("status").get("failed"), run.task("status").get("msg")
    assert [r["scheme"] for r in simulator.requests_log(TOKEN_PATH)] == ["https"]
    assert {r["scheme"] for r in simulator.requests_log(JOBS)} == {"http"}


def test_wrong_password_is_clear_and_secret_free(simulator, tmp_path):
    password = "wrong-password-8812"
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=["1"], ignore_errors=False,
                                              **login_args(simulator, password=password))],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0
    assert "refused the login of user 'deployer'" in run.output
    assert password not in run.output
    assert len(simulator.requests_log(TOKEN_PATH)) == 1 and not simulator.requests_log(JOBS)


def test_429_and_503_are_retried(simulator, tmp_path):
    job = create(simulator, count=1)
    simulator.fault(path=JOBS + "/" + job, status=429, retry_after=1, count=1)
    simulator.fault(path=JOBS + "/" + job, status=503, count=1)
    run = run_playbook(tmp_path, [status_task(simulator, action_ids=[job])])
    assert not run.task("status").get("failed"), run.task("status").get("msg")
    log = [r for r in simulator.requests_log(JOBS + "/" + job) if r["path"] == JOBS + "/" + job]
    assert len(log) == 3 and log[1]["time"] - log[0]["time"] >= 1.0  # a read without wait tries 3 times


def test_html_where_json_expected(simulator, tmp_path):
    simulator.fault(path=JOBS, kind="html", count=1)
    result = run_playbook(tmp_path, [status_task(simulator, action_ids=["1"])]).task("status")
    assert result["failed"] is True and "text/html where JSON was expected" in result["msg"]


def test_tls_needs_ca_path(simulator, tmp_path):
    job = create(simulator, count=1)
    https = login_args(simulator, url=simulator.https_url)
    run = run_playbook(tmp_path, [
        status_task(simulator, "untrusted", action_ids=[job], **https),
        status_task(simulator, "trusted", action_ids=[job], wait=True, ca_path=simulator.ca_path, **https)])
    assert "TLS verification failed" in run.task("untrusted")["msg"]
    trusted = run.task("trusted")
    assert trusted.get("actions"), trusted.get("msg")
    assert trusted["actions"][0]["state"] == "succeeded"
    assert all(r["scheme"] == "https" for r in simulator.requests_log("/"))


def test_list_recent_jobs_and_check_mode(simulator, tmp_path):
    first = create(simulator, count=1, new_seconds=0, ready_seconds=0, node_seconds=0)
    simulator.control("POST", "/clock", {"advance": 10})
    second = create(simulator, count=2, node_seconds=100)
    run = run_playbook(tmp_path, [status_task(simulator, "list", list_limit=5),
                                  status_task(simulator, "check", action_ids=[second], wait=True)],
                       extra_args=["--check"])
    listed = run.task("list")["actions"]
    assert [a["action_id"] for a in listed] == [second, first]
    check = run.task("check")
    assert not check.get("failed") and check["terminal"] is False and "polls" not in check
    job_path = JOBS + "/" + second
    assert [r["path"] for r in simulator.requests_log(job_path)] == [job_path, job_path + "/nodes"]


def test_module_defaults_group(simulator, tmp_path):
    job = create(simulator, count=1)
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {"action_ids": [job], "wait": True,
                                                              "wait_interval": 0.5}}], play={
        "module_defaults": {"group/actiongate.agents.puppet": {"url": simulator.http_url, "token": STATIC_TOKEN}}})
    assert run.task("status")["actions"][0]["state"] == "succeeded"


def test_lookup_ids_on_missing_and_env_wait(simulator, tmp_path):
    done = create(simulator, count=1, new_seconds=0, ready_seconds=0, node_seconds=0)
    slow = create(simulator, count=1, node_seconds=100)
    lookup = "query('%s', '%s', '999', '%s', on_missing='%%s')" % (MODULE, done, slow)
    waited = create(simulator, count=2)
    run = run_playbook(tmp_path, [
        {"name": "skip", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % "skip")}},
        {"name": "error", "ansible.builtin.set_fact": {"x": "{{ %s }}" % (lookup % "error")}, "ignore_errors": True},
        {"name": "wait", "ansible.builtin.set_fact": {
            "waited": "{{ lookup('%s', '%s', wait=true, wait_interval=0.5) }}" % (MODULE, waited)}},
    ], env={"PUPPET_ORCHESTRATOR_URL": simulator.http_url, "PUPPET_TOKEN": STATIC_TOKEN})
    found = run.task("skip")["ansible_facts"]["found"]
    assert [(a["action_id"], a["state"]) for a in found] == [(done, "succeeded"), (slow, "running")]
    assert run.task("error")["failed"] is True and "'999'" in run.task("error")["msg"]
    assert run.task("wait")["ansible_facts"]["waited"]["state"] == "succeeded"


def test_lookup_wrong_password_secret_free(simulator, tmp_path):
    password = "lookup-wrong-pass-77"
    run = run_playbook(tmp_path, [{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ lookup('%s', '1', url='%s', rbac_url='%s', username='deployer', password='%s') }}" % (
            MODULE, simulator.http_url, simulator.http_url, password)}}], json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "refused the login" in run.output
    assert password not in run.output and "Traceback" not in run.output


def test_adhoc_with_env_credentials_and_secret_free(simulator):
    job = create(simulator, count=2)
    env = {"PUPPET_ORCHESTRATOR_URL": simulator.http_url, "PUPPET_RBAC_URL": simulator.http_url,
           "PUPPET_USERNAME": "deployer", "PUPPET_PASSWORD": "puppetlabs"}
    run = run_adhoc(MODULE, "action_ids=%s wait=true wait_interval=0.5" % job, env=env)
    assert run.rc == 0, run.output[-2000:]
    assert run.adhoc()["actions"][0]["state"] == "succeeded" and run.adhoc()["changed"] is False
    secret = "adhoc-bad-token-31337"
    bad = run_adhoc(MODULE, "url=%s token=%s action_ids=%s" % (simulator.http_url, secret, job),
                    json_results=False, extra_args=["-vvvv"])
    assert bad.rc != 0 and "HTTP 401" in bad.output
    assert secret not in bad.output
