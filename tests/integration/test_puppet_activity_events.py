"""Puppet Enterprise activity service: module, lookup and ad-hoc runs against the simulator."""

from __future__ import annotations

import json
import urllib.parse

import requests

from tests.integration.helpers import run_adhoc, run_playbook
from tests.simulator.puppet import STATIC_TOKEN, TOKEN_PATH

MODULE = "actiongate.agents.puppet_activity_events"
EVENTS = "/activity-api/v2/events"
INSTANT = {"new_seconds": 0, "ready_seconds": 0, "node_seconds": 0}


def create(simulator, **spec):
    return simulator.control("POST", "/puppet/jobs", dict(INSTANT, **spec))["job"]["name"]


def events_task(simulator, name="events", ignore_errors=True, **args):
    params = {"url": simulator.http_url, "token": STATIC_TOKEN, "wait_interval": 0.5, "wait_max_interval": 0.5}
    params.update(args)
    return {"name": name, MODULE: params, "register": "out", "ignore_errors": ignore_errors}


def sent_params(entry):
    return dict(urllib.parse.parse_qsl(entry["query"]))


def test_all_pages_follows_offset_to_the_string_total(simulator, tmp_path):
    job = create(simulator, count=3)  # 4 commits per node (new, ready, running, finished) + 2 seeded
    run = run_playbook(tmp_path, [events_task(simulator, limit=5, all_pages=True),
                                  events_task(simulator, "one", limit=5, offset=5, order="asc")])
    result = run.task("events")
    assert not result.get("failed"), result.get("msg")
    assert len(result["commits"]) == 14
    assert result["pagination"] == {"total": 14, "limit": 5, "offset": 0, "pages": 3}
    assert len(result["events"]) == 15  # the seeded classifier commit holds two events
    assert {"timestamp", "subject", "objects", "ip_address"} <= set(result["events"][0])
    assert [(a["action_id"], a["state"]) for a in result["actions"]] == [(job, "succeeded")]
    assert result["actions"][0]["targets"] == {"total": 3, "succeeded": 3, "failed": 0, "pending": 0}
    one = run.task("one")
    assert len(one["commits"]) == 5 and one["pagination"] == {"total": 14, "limit": 5, "offset": 5, "pages": 1}
    offsets = [sent_params(r)["offset"] for r in simulator.requests_log(EVENTS)]
    assert offsets == ["0", "5", "10", "5"]


def test_query_is_checked_then_sent_as_url_encoded_json(simulator, tmp_path):
    query = [{"ip_address": "192.168.10"}, {"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}]
    run = run_playbook(tmp_path, [
        events_task(simulator, "bad", query=[{"subject_type": "users"}]),
        events_task(simulator, "range", query=[{"start": "2019-11-01T00:00:00Z"}]),
        events_task(simulator, "good", query=query, service_id="rbac")])
    assert "subject_type needs subject_id" in run.task("bad")["msg"]
    assert "start and end come together" in run.task("range")["msg"]
    good = run.task("good")
    assert [c["events"][0]["message"] for c in good["commits"]] == ["Assigned role Operators to deployer"]
    log = simulator.requests_log(EVENTS)
    assert len(log) == 1  # the bad queries never left the controller
    assert json.loads(sent_params(log[0])["query"]) == query and "query=%5B" in log[0]["query"]


def test_jobs_from_events_failed_nodes_and_wait(simulator, tmp_path):
    failed = create(simulator, count=2, fail={"node02.example.com": "x"})
    slow = create(simulator, count=2, node_seconds=0.8, new_seconds=0.2)
    run = run_playbook(tmp_path, [
        events_task(simulator, "failed", action_ids=[failed], service_id="orchestrator", allowed_failures=0),
        events_task(simulator, "wait", action_ids=[slow], wait=True, service_id="orchestrator"),
        events_task(simulator, "missing", action_ids=["999"])])
    first = run.task("failed")["actions"][0]
    assert (first["state"], first["vendor_status"], first["succeeded"]) == ("failed", "failed", False)
    assert [e["target"] for e in first["errors"]] == ["node02.example.com"]
    assert ('via orchestrator job "%s"' % failed) in first["errors"][0]["message"]
    waited = run.task("wait")
    assert not waited.get("failed"), waited.get("msg")
    assert waited["actions"][0]["state"] == "succeeded" and waited["actions"][0]["node_states"] == {"finished": 2}
    missing = run.task("missing")
    assert missing["failed"] is True and "'999'" in missing["msg"]


def test_skipped_after_a_failure_is_failed_and_a_stop_is_cancelled(simulator, tmp_path):
    skipped = create(simulator, count=3, concurrency=1, node_seconds=1, fail={"node01.example.com": "boom"},
                     skip_after_failure=True)
    stopped = create(simulator, count=2, new_seconds=30)
    requests.post(simulator.http_url + "/orchestrator/v1/command/stop", json={"job": stopped},
                  headers={"X-Authentication": STATIC_TOKEN}, timeout=10).raise_for_status()
    simulator.control("POST", "/clock", {"advance": 10})
    run = run_playbook(tmp_path, [events_task(simulator, action_ids=[skipped, stopped], service_id="orchestrator",
                                              allowed_failures="100%")])
    first, second = run.task("events")["actions"]
    assert (first["state"], first["vendor_status"], first["succeeded"]) == ("failed", "failed", False)
    assert first["node_states"] == {"failed": 1, "skipped": 2}
    assert first["targets"] == {"total": 3, "succeeded": 0, "failed": 3, "pending": 0}
    assert (second["state"], second["vendor_status"], second["succeeded"]) == ("cancelled", "stopped", False)


def test_numeric_pagination_also_accepted(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", {"pagination_strings": False})
    result = run_playbook(tmp_path, [events_task(simulator, limit=1, all_pages=True)]).task("events")
    assert result["pagination"] == {"total": 2, "limit": 1, "offset": 0, "pages": 2}


def test_faults_retried_and_html_reported(simulator, tmp_path):
    simulator.fault(path=EVENTS, status=503, count=1)
    simulator.fault(path=EVENTS, status=429, retry_after=1, count=1)
    run = run_playbook(tmp_path, [events_task(simulator, "retried")])
    assert len(run.task("retried")["commits"]) == 2
    assert len(simulator.requests_log(EVENTS)) == 3
    simulator.fault(path=EVENTS, kind="html", count=1)
    html = run_playbook(tmp_path, [events_task(simulator, "html")]).task("html")
    assert html["failed"] is True and "text/html where JSON was expected" in html["msg"]


def test_https_with_ca_path_and_password_login(simulator, tmp_path):
    password = "activity-pass-6620"
    simulator.control("POST", "/puppet/config", {"users": {"deployer": password}})
    login = {"url": simulator.https_url, "token": None, "username": "deployer", "password": password}
    run = run_playbook(tmp_path, [events_task(simulator, "untrusted", **login),
                                  events_task(simulator, "trusted", ca_path=simulator.ca_path, **login)],
                       json_results=False, extra_args=["-vvvv"])
    assert "TLS verification failed" in run.output
    assert "Assigned role Operators" in run.output  # the trusted task read the events
    assert password not in run.output
    assert len(simulator.requests_log(TOKEN_PATH)) == 1


def test_wrong_token_is_explained_and_absent_from_vvvv(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", {"echo_token_in_errors": True})
    secret = "activity-bad-token-1234"
    run = run_playbook(tmp_path, [events_task(simulator, token=secret, ignore_errors=False)],
                       json_results=False, extra_args=["-vvvv"])
    assert run.rc != 0 and "invalid-token" in run.output and "one hour" in run.output
    assert secret not in run.output


def test_lookup_and_adhoc(simulator, tmp_path):
    job = create(simulator, count=2)
    env = {"PUPPET_CONSOLE_URL": simulator.http_url, "PUPPET_TOKEN": STATIC_TOKEN}
    run = run_playbook(tmp_path, [
        {"name": "one", "ansible.builtin.set_fact": {"one": "{{ lookup('%s', '%s') }}" % (MODULE, job)}},
        {"name": "all", "ansible.builtin.set_fact": {
            "every": "{{ query('%s', service_id='orchestrator', order='asc') }}" % MODULE}},
    ], env=env)
    one = run.task("one")["ansible_facts"]["one"]
    assert one["action_id"] == job and one["state"] == "succeeded" and one["vendor"] == "puppet"
    assert [a["action_id"] for a in run.task("all")["ansible_facts"]["every"]] == [job]
    adhoc = run_adhoc(MODULE, "service_id=orchestrator limit=3", env=env)
    assert adhoc.rc == 0, adhoc.output[-2000:]
    assert len(adhoc.adhoc()["commits"]) == 3 and adhoc.adhoc()["pagination"]["total"] == 8
