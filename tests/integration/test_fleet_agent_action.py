"""fleet_agent_action: start and cancel Fleet actions against the simulator over real HTTP."""

from __future__ import annotations

import json

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
    assert shown["status"]["type"] == "UNENROLL" and shown["status"]["nbAgentsActioned"] == 1


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


def test_upgrade_cool_down_says_when_to_try_again_and_is_not_retried(simulator, tmp_path):
    upgrade = {"action": "upgrade", "agents": ["agent-06", "agent-07"], "version": "8.15.0"}
    run = run_playbook(tmp_path, [action_task(simulator, name="first", **upgrade),
                                  action_task(simulator, name="again", **upgrade)])
    assert run.task("first")["action_id"]
    again = run.task("again")
    assert again["failed"] is True
    assert "HTTP 429" in again["msg"] and "was upgraded less than 10 minutes ago" in again["msg"]
    assert "can be upgraded again in 10m00s" in again["msg"] or "can be upgraded again in 9m" in again["msg"]
    assert "force=true" in again["msg"]
    assert 590 <= again["retry_after"] <= 601 and again["retry_at"].endswith("Z")
    assert len(posts(simulator, "/api/fleet/agents/bulk_upgrade")) == 2  # no retry of the refused POST


def test_force_skips_the_cool_down(simulator, tmp_path):
    upgrade = {"action": "upgrade", "agents": ["agent-08"], "version": "8.15.0"}
    run = run_playbook(tmp_path, [action_task(simulator, name="first", **upgrade),
                                  action_task(simulator, name="forced", force=True, **upgrade)])
    assert run.task("forced")["action_id"] and not run.task("forced").get("failed")


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
