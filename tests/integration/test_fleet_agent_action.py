"""fleet_agent_action: start and cancel Fleet actions against the simulator over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.integration.helpers import run_adhoc, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
MODULE = "actiongate.agents.fleet_agent_action"
STATUS = "actiongate.agents.fleet_action_status"


def action_task(simulator, name="start", **args):
    params = {"url": simulator.http_url, "api_key": API_KEY}
    params.update(args)
    return {"name": name, MODULE: params, "register": "started", "ignore_errors": True}


def wait_task(simulator, **args):
    params = {"url": simulator.http_url, "api_key": API_KEY, "action_ids": ["{{ started.action_id }}"],
              "wait": True, "wait_interval": 0.5, "wait_max_interval": 0.5, "fail_on_failure": False}
    params.update(args)
    return {"name": "wait", STATUS: params, "register": "waited"}


def posts(simulator, path):
    return [r for r in simulator.requests_log(path) if r["method"] == "POST"]


def test_upgrade_returns_action_id_that_can_be_waited_on(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    run = run_playbook(tmp_path, [
        action_task(simulator, action="upgrade", agents=["agent-01", "agent-02", "agent-03"], version="8.15.0"),
        wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["changed"] is True and started["action"] == "upgrade"
    assert started["agents"] == ["agent-01", "agent-02", "agent-03"]
    sent = posts(simulator, "/api/fleet/agents/bulk_upgrade")
    assert len(sent) == 1
    assert sent[0]["headers"]["kbn-xsrf"] == "true"
    assert json.loads(sent[0]["body"]) == {"agents": ["agent-01", "agent-02", "agent-03"], "version": "8.15.0",
                                           "force": False}
    waited = run.task("wait")
    assert waited["actions"][0]["action_id"] == started["action_id"]
    assert waited["actions"][0]["type"] == "UPGRADE"
    assert waited["actions"][0]["state"] == "succeeded"
    assert waited["actions"][0]["targets"]["total"] == 3
    assert started["refused"] == [] and "warnings" not in started


def test_upgrade_options_are_sent(simulator, tmp_path):
    run = run_playbook(tmp_path, [action_task(
        simulator, action="upgrade", agents=["agent-04"], version="8.15.1", source_uri="https://artifacts.example/",
        rollout_duration_seconds=600, start_time="2030-01-01T00:00:00Z", force=True)])
    assert run.task("start")["action_id"]
    body = json.loads(posts(simulator, "/api/fleet/agents/bulk_upgrade")[0]["body"])
    assert body == {"agents": ["agent-04"], "version": "8.15.1", "force": True, "source_uri": "https://artifacts.example/",
                    "rollout_duration_seconds": 600, "start_time": "2030-01-01T00:00:00Z"}


def test_unenroll_by_kql_query_with_revoke_in_a_space(simulator, tmp_path):
    run = run_playbook(tmp_path, [action_task(simulator, action="unenroll", agents="local_metadata.host.hostname:host-agent-05",
                                              revoke=True, space_id="ops")])
    started = run.task("start")
    assert not started.get("failed"), started
    sent = posts(simulator, "/s/ops/api/fleet/agents/bulk_unenroll")
    assert len(sent) == 1
    assert json.loads(sent[0]["body"]) == {"agents": "local_metadata.host.hostname:host-agent-05", "force": False,
                                           "revoke": True}
    shown = simulator.control("GET", "/fleet/actions/%s" % started["action_id"])
    # revoke: Kibana writes a FORCE_UNENROLL action, complete at once (unenroll_action_runner.ts)
    assert shown["status"]["type"] == "FORCE_UNENROLL" and shown["status"]["nbAgentsActioned"] == 1
    assert shown["status"]["status"] == "COMPLETE"
    assert any("invalidates their API keys" in w for w in started["warnings"])


def test_cancel_marks_the_action_cancelled(simulator, tmp_path):
    action = simulator.control("POST", "/fleet/actions", {"count": 3, "ack_seconds": 100})["actionId"]
    run = run_playbook(tmp_path, [action_task(simulator, action="cancel", action_id=action),
                                  wait_task(simulator)])
    started = run.task("start")
    assert started["action_id"] == action and started["cancel_action_id"] and started["changed"] is True
    assert posts(simulator, "/api/fleet/agents/actions/%s/cancel" % action)
    only = run.task("wait")["actions"][0]
    assert (only["state"], only["vendor_status"]) == ("cancelled", "CANCELLED")


def test_cancel_unknown_action_fails_clearly(simulator, tmp_path):
    result = run_playbook(tmp_path, [action_task(simulator, action="cancel", action_id="nope")]).task("start")
    assert result["failed"] is True and "HTTP 404" in result["msg"] and "Action not found" in result["msg"]


def test_check_mode_sends_nothing_and_reports_changed(simulator, tmp_path):
    run = run_playbook(tmp_path, [action_task(simulator, action="upgrade", agents=["agent-01"], version="8.15.0")],
                       extra_args=["--check"])
    result = run.task("start")
    assert result["changed"] is True and result["action_id"] is None and not result.get("failed")
    assert simulator.requests_log("/api/fleet") == []


def test_upgrade_cool_down_refusals_are_reported_as_refused_not_as_http_errors(simulator, tmp_path):
    """Kibana's bulk_upgrade never answers 429 for the cool-down: it writes the agents as errors of
    the action (upgradeBatch, upgrade_action_runner.ts). They come back as ``refused``."""
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05})
    upgrade = {"action": "upgrade", "agents": ["agent-06", "agent-07"], "version": "8.15.0"}
    run = run_playbook(tmp_path, [action_task(simulator, name="first", **upgrade),
                                  action_task(simulator, name="again", **upgrade),
                                  wait_task(simulator)])
    assert run.task("first")["action_id"] and run.task("first")["refused"] == []
    again = run.task("again")
    assert not again.get("failed"), again
    assert [r["agent"] for r in again["refused"]] == ["agent-06", "agent-07"]
    assert all("upgraded less than 10 minutes ago" in r["reason"] for r in again["refused"])
    assert "retry_after" not in again and "retry_at" not in again
    assert len(posts(simulator, "/api/fleet/agents/bulk_upgrade")) == 2  # no retry of either POST
    waited = run.task("wait")["actions"][0]  # the refused agents are failed targets of the action
    assert (waited["state"], waited["succeeded"], waited["targets"]["failed"]) == ("failed", False, 2)
    assert [r["agent"] for r in waited["refused"]] == ["agent-06", "agent-07"]


def test_force_does_not_skip_the_cool_down_but_skip_rate_limit_check_does(simulator, tmp_path):
    upgrade = {"action": "upgrade", "agents": ["agent-08"], "version": "8.15.0"}
    run = run_playbook(tmp_path, [action_task(simulator, name="first", **upgrade),
                                  action_task(simulator, name="forced", force=True, **upgrade),
                                  action_task(simulator, name="skipped", skip_rate_limit_check=True, **upgrade)])
    forced = run.task("forced")
    assert [r["agent"] for r in forced["refused"]] == ["agent-08"]
    assert any("does not skip the 10-minute upgrade cool-down" in w for w in forced["warnings"])
    skipped = run.task("skipped")
    assert skipped["refused"] == [] and skipped["action_id"]
    assert any("skip_rate_limit_check=true" in w for w in skipped["warnings"])
    body = json.loads(posts(simulator, "/api/fleet/agents/bulk_upgrade")[-1]["body"])
    assert body == {"agents": ["agent-08"], "version": "8.15.0", "force": False, "skipRateLimitCheck": True}


def test_hosted_agents_need_force_and_the_result_warns_when_it_is_set(simulator, tmp_path):
    simulator.control("POST", "/fleet/agents", [{"id": "fleet-server-1", "hosted": True}])
    common = {"action": "unenroll", "agents": ["fleet-server-1", "agent-10"]}
    run = run_playbook(tmp_path, [action_task(simulator, name="plain", **common),
                                  action_task(simulator, name="forced", force=True, **common)])
    plain = run.task("plain")
    assert plain["refused"] == [{"agent": "fleet-server-1",
                                 "reason": "Cannot unenroll fleet-server-1 from a hosted agent policy fleet-server-policy"}]
    forced = run.task("forced")
    assert forced["refused"] == [] and any("Fleet Server" in w for w in forced["warnings"])
    assert simulator.control("GET", "/fleet/actions/%s" % forced["action_id"])["status"]["type"] == "UNENROLL"


def test_cancel_id_cannot_reach_another_kibana_path(simulator, tmp_path):
    run = run_playbook(tmp_path, [action_task(simulator, action="cancel", action_id="../../../internal/fleet/setup")])
    result = run.task("start")
    assert result["failed"] is True and "HTTP 404" in result["msg"] and "Action not found" in result["msg"]
    log = simulator.requests_log("/")
    assert len(log) == 1 and log[0]["method"] == "POST"
    # the id stayed one segment of the cancel route (the server decodes %2F before logging the path)
    assert log[0]["path"] == "/api/fleet/agents/actions/../../../internal/fleet/setup/cancel"
    assert not simulator.requests_log("/internal") and not simulator.requests_log("/api/fleet/setup")


def test_space_id_cannot_reach_another_kibana_path(simulator, tmp_path):
    run = run_playbook(tmp_path, [action_task(simulator, action="upgrade", agents=["agent-11"], version="8.15.0",
                                              space_id="../internal?x=")])
    assert run.task("start")["failed"] is True
    assert [r["path"] for r in simulator.requests_log("/")] == ["/s/../internal?x=/api/fleet/agents/bulk_upgrade"]


def test_missing_requests_names_the_target_hosts_python(simulator, tmp_path):
    """fleet_agent_action runs on the target like any module: the message names that host's Python."""
    task = action_task(simulator, action="upgrade", agents=["agent-01"], version="8.15.0")
    # a Python without requests, whatever this machine's own interpreters have installed
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = str(bare / "bin" / "python")
    assert subprocess.run([python, "-c", "import requests"], capture_output=True, check=False).returncode != 0
    task["vars"] = {"ansible_python_interpreter": python}
    result = run_playbook(tmp_path, [task]).task("start")
    assert result["failed"] is True
    assert "requests" in result["msg"] and python in result["msg"]
    assert "target host" in result["msg"] and "delegate_to" in result["msg"]
    assert simulator.requests_log("/api/fleet") == []


def test_bad_input_is_refused_before_any_call(simulator, tmp_path):
    run = run_playbook(tmp_path, [
        action_task(simulator, name="no_version", action="upgrade", agents=["agent-01"]),
        action_task(simulator, name="no_agents", action="unenroll", agents=[]),
        action_task(simulator, name="short_rollout", action="upgrade", agents=["a"], version="8.15.0",
                    rollout_duration_seconds=60)])
    assert "version" in run.task("no_version")["msg"]
    assert "agents must be a non-empty list" in run.task("no_agents")["msg"]
    assert "rollout_duration_seconds" in run.task("short_rollout")["msg"]  # Kibana's own 400, readable
    assert len(simulator.requests_log("/api/fleet")) == 1


def test_adhoc_with_env_credentials_and_wrong_key_secret_free(simulator):
    args = json.dumps({"action": "unenroll", "agents": ["agent-09"], "force": True})
    run = run_adhoc(MODULE, args, env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert run.rc == 0, run.output[-2000:]
    assert run.adhoc()["action_id"] and run.adhoc()["changed"] is True
    secret = "d3Jvbmc6YWN0aW9uc2VjcmV0"
    bad = run_adhoc(MODULE, args, env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": secret},
                    json_results=False, extra_args=["-vvvv"])
    assert bad.rc != 0 and "HTTP 401" in bad.output and "Check api_key" in bad.output
    assert secret not in bad.output


def test_a_failed_refusal_read_warns_but_the_started_action_is_reported(simulator, tmp_path):
    simulator.fault(path="/api/fleet/agents/action_status", status=500, count=1)
    result = run_playbook(tmp_path, [action_task(simulator, action="upgrade", agents=["agent-12"],
                                                 version="8.15.0")]).task("start")
    assert not result.get("failed") and result["action_id"] and result["changed"] is True
    assert result["refused"] is None
    assert any("reading which agents Kibana refused failed" in w and "HTTP 500" in w for w in result["warnings"])
    assert len(posts(simulator, "/api/fleet/agents/bulk_upgrade")) == 1


# --- rollouts: action_ids, batch_size, include_inactive, dry_run, old Kibanas, faults ---------------

def test_the_id_is_waited_on_with_a_failing_agent_and_the_result_has_action_ids(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-14", "fails": "checksum mismatch"}])
    run = run_playbook(tmp_path, [
        action_task(simulator, action="upgrade", agents=["agent-13", "agent-14"], version="8.15.0", batch_size=1),
        wait_task(simulator)])
    started = run.task("start")
    assert started["action_ids"] == [started["action_id"]] and started["raw"] == {"actionId": started["action_id"]}
    assert json.loads(posts(simulator, "/api/fleet/agents/bulk_upgrade")[0]["body"])["batchSize"] == 1
    assert simulator.control("GET", "/fleet/actions/%s" % started["action_id"])["batch_size"] == 1
    waited = run.task("wait")["actions"][0]
    assert (waited["state"], waited["targets"]["failed"]) == ("partial", 1)
    assert waited["errors"][0]["target"] == "agent-14"


def test_include_inactive_takes_inactive_agents_of_a_query(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05})
    query = "local_metadata.host.hostname:host-agent-15"
    run = run_playbook(tmp_path, [
        action_task(simulator, name="unenroll", action="unenroll", agents=["agent-15"], revoke=True),
        action_task(simulator, name="without", action="upgrade", agents=query, version="8.15.0"),
        action_task(simulator, name="with", action="upgrade", agents=query, version="8.15.0", include_inactive=True),
        action_task(simulator, name="ids", action="upgrade", agents=["agent-16"], version="8.15.0",
                    include_inactive=True)])
    shown = dict((name, simulator.control("GET", "/fleet/actions/%s" % run.task(name)["action_id"]))
                 for name in ("without", "with"))
    assert shown["without"]["status"]["nbAgentsActioned"] == 0 and shown["without"]["include_inactive"] is False
    assert shown["with"]["status"]["nbAgentsActioned"] == 1 and shown["with"]["include_inactive"] is True
    assert "warnings" not in run.task("with")
    assert any("no effect with a list of agent ids" in w for w in run.task("ids")["warnings"])
    assert json.loads(posts(simulator, "/api/fleet/agents/bulk_upgrade")[1]["body"])["includeInactive"] is True


def test_dry_run_counts_and_writes_nothing(simulator, tmp_path):
    run = run_playbook(tmp_path, [
        action_task(simulator, name="ids", action="upgrade", agents=["agent-01", "agent-02"], version="8.15.0",
                    dry_run=True),
        action_task(simulator, name="query", action="unenroll", agents="*", dry_run=True)])
    ids, query = run.task("ids"), run.task("query")
    assert (ids["changed"], ids["count"], ids["action_id"], ids["action_ids"]) == (False, 2, None, [])
    assert ids["dry_run"] is True and "refused" not in ids and not ids.get("failed")
    assert query["count"] == 20 and query["changed"] is False
    assert [json.loads(p["body"])["dryRun"] for p in posts(simulator, "/api/fleet")] == [True, True]
    # one POST each, no refusal read, nothing written
    assert simulator.requests_log("/api/fleet/agents/action_status") == []
    assert [d["count"] for d in simulator.control("GET", "/fleet/dry_runs")] == [2, 20]


def test_an_old_kibana_refusing_each_new_option_says_which_release_added_it_and_that_nothing_started(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"old_kibana": True})
    run = run_playbook(tmp_path, [
        action_task(simulator, name="batch_size", action="upgrade", agents=["agent-01"], version="8.15.0", batch_size=5),
        action_task(simulator, name="include_inactive", action="unenroll", agents="*", include_inactive=True),
        action_task(simulator, name="dry_run", action="upgrade", agents=["agent-01"], version="8.15.0", dry_run=True),
        action_task(simulator, name="plain", action="upgrade", agents=["agent-01"], version="8.15.0")])
    for name, since in (("batch_size", "Kibana 8.5.0"), ("include_inactive", "Kibana 8.11.1 for bulk_unenroll"),
                        ("dry_run", "elastic/kibana#276377")):
        result = run.task(name)
        assert result["failed"] is True, name
        assert "definition for this key is missing" in result["msg"] and since in result["msg"], result["msg"]
        assert "Leave %s out, or upgrade Kibana" % name in result["msg"]
        assert "Nothing started: the request was refused (HTTP 400)" in result["msg"]
    assert run.task("plain")["action_id"]
    assert len(posts(simulator, "/api/fleet/agents/bulk_upgrade")) == 3
    assert len(posts(simulator, "/api/fleet/agents/bulk_unenroll")) == 1
    assert len(simulator.requests_log("/api/fleet/agents/action_status")) == 1  # the plain start's refusal read


def test_every_fault_is_one_request_and_says_whether_the_action_may_have_started(simulator, tmp_path):
    """One fault per space (one path each); every start sends exactly one POST, never retried."""
    faults = {"500": {"status": 500}, "503": {"status": 503, "retry_after": 0}, "reset": {"kind": "reset"},
              "timeout": {"kind": "slow", "delay": 3}, "noid": {"status": 200, "body": {"ok": True}},
              "403": {"status": 403}, "404": {"status": 404}, "400": {"status": 400}}
    for name, spec in faults.items():
        simulator.fault(path="/s/%s/api/fleet/agents/bulk_upgrade" % name, **spec)
    tasks = [action_task(simulator, name=name, action="upgrade", agents=["agent-17"], version="8.15.0", space_id=name,
                         request_timeout=1) for name in faults]
    tasks.append(action_task(simulator, name="401", action="upgrade", agents=["agent-17"], version="8.15.0",
                             space_id="401", api_key="d3Jvbmc6YWN0aW9uc2VjcmV0"))
    run = run_playbook(tmp_path, tasks)
    for name in ("500", "503", "reset", "timeout", "noid"):
        result = run.task(name)
        assert result["failed"] is True and "MAY HAVE STARTED" in result["msg"], (name, result)
        assert "never retried" in result["msg"] and "fleet_action_status (without action_ids)" in result["msg"], name
        assert "Agent activity" in result["msg"] and "action_id" not in result, name
    assert "the answer has no actionId" in run.task("noid")["msg"]
    for name in ("401", "403", "404", "400"):
        result = run.task(name)
        assert result["failed"] is True and "HTTP %s" % name in result["msg"], (name, result)
        assert "Nothing started" in result["msg"] and "re-run is safe" in result["msg"], name
    for name in list(faults) + ["401"]:
        assert len(posts(simulator, "/s/%s/api/fleet/agents/bulk_upgrade" % name)) == 1, name
    assert "d3Jvbmc6YWN0aW9uc2VjcmV0" not in run.output


def test_check_mode_shows_the_request_with_the_new_options_and_sends_nothing(simulator, tmp_path):
    run = run_playbook(tmp_path, [action_task(simulator, action="unenroll", agents="*", batch_size=100,
                                              include_inactive=True, dry_run=True)], extra_args=["--check"])
    result = run.task("start")
    assert result["changed"] is False and result["action_ids"] == [] and result["dry_run"] is True
    assert result["requests"] == [{"method": "POST", "path": "/api/fleet/agents/bulk_unenroll", "body": {
        "agents": "*", "force": False, "revoke": False, "batchSize": 100, "includeInactive": True, "dryRun": True}}]
    assert simulator.requests_log("/api") == []


def test_new_input_errors_are_refused_before_any_request(simulator, tmp_path):
    run = run_playbook(tmp_path, [
        action_task(simulator, name="twice", action="upgrade", agents=["agent-01", "agent-01"], version="8.15.0"),
        action_task(simulator, name="blank", action="unenroll", agents=["agent-01", ""]),
        action_task(simulator, name="too_many", action="unenroll", agents=["a%d" % i for i in range(10001)]),
        action_task(simulator, name="batch_zero", action="unenroll", agents=["agent-01"], batch_size=0),
        action_task(simulator, name="cancel_dry", action="cancel", action_id="x", dry_run=True)])
    assert "agents lists 'agent-01' more than once" in run.task("twice")["msg"]
    assert "agents has a blank item (position 2)" in run.task("blank")["msg"]
    assert "at most 10000 in one request" in run.task("too_many")["msg"]
    assert "batch_size must be between 1 and 10000" in run.task("batch_zero")["msg"]
    assert "dry_run cannot be used with action=cancel" in run.task("cancel_dry")["msg"]
    assert simulator.requests_log("/api") == [] and simulator.requests_log("/s") == []


def test_dry_run_adhoc(simulator):
    args = json.dumps({"action": "upgrade", "agents": ["agent-03"], "version": "8.15.0", "dry_run": True})
    run = run_adhoc(MODULE, args, env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert run.rc == 0, run.output[-2000:]
    assert run.adhoc()["count"] == 1 and run.adhoc()["changed"] is False
