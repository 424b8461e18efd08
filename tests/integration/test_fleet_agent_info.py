"""fleet_agent_info: read Fleet agents and their versions against the simulator over real HTTP."""

from __future__ import annotations

import json
import sys

from tests.integration.helpers import run_adhoc, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
MODULE = "actiongate.agents.fleet_agent_info"


def info_task(simulator, **args):
    params = {"url": simulator.http_url, "api_key": API_KEY}
    params.update(args)
    return {"name": "info", MODULE: params, "register": "info", "ignore_errors": True}


def agent_queries(simulator):
    return [r for r in simulator.requests_log("/api/fleet/agents") if r["path"] == "/api/fleet/agents"]


def test_versions_by_id_in_the_order_asked_across_pages(simulator, tmp_path):
    simulator.control("POST", "/fleet/agents", [{"id": "agent-02", "version": "8.15.0"},
                                                {"id": 'we"ird\\id', "version": "8.15.0"}])
    run = run_playbook(tmp_path, [info_task(simulator, agents=["agent-03", "agent-02", "nope", 'we"ird\\id', "agent-02"],
                                            version="8.15.0", per_page=1)])
    result = run.task("info")
    assert not result.get("failed"), result
    assert [a["id"] for a in result["agents"]] == ["agent-03", "agent-02", 'we"ird\\id']
    assert result["agents"][1]["version"] == "8.15.0" and result["agents"][0]["versions"] == ["8.14.0"]
    assert result["missing"] == ["nope"] and result["total"] == 3
    assert result["at_version"] == ["agent-02", 'we"ird\\id'] and result["not_at_version"] == ["agent-03", "nope"]
    queries = agent_queries(simulator)
    assert len(queries) == 3  # one id per page, three agents found, the third page short
    assert all("agent.id" in q["query"] and "page=" in q["query"] for q in queries)


def test_an_upgrade_moves_an_agent_to_the_version(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05})
    run = run_playbook(tmp_path, [
        {"name": "start", "actiongate.agents.fleet_agent_action": {
            "url": simulator.http_url, "api_key": API_KEY, "action": "upgrade", "agents": ["agent-05"],
            "version": "8.15.0"}, "register": "started"},
        {"name": "wait", "actiongate.agents.fleet_action_status": {
            "url": simulator.http_url, "api_key": API_KEY, "action_ids": ["{{ started.action_id }}"], "wait": True,
            "wait_interval": 0.5}},
        info_task(simulator, agents=["agent-05", "agent-06"], version="8.15.0")])
    result = run.task("info")
    assert result["at_version"] == ["agent-05"] and result["not_at_version"] == ["agent-06"]


def test_check_mode_reads(simulator, tmp_path):
    run = run_playbook(tmp_path, [info_task(simulator, agents=["agent-01"])], extra_args=["--check"])
    assert run.task("info")["agents"][0]["id"] == "agent-01" and "at_version" not in run.task("info")
    assert len(agent_queries(simulator)) == 1


def test_bad_credentials_and_bad_input_fail_cleanly_without_the_secret(simulator, tmp_path):
    wrong = "d3Jvbmc6a2V5a2V5a2V5"
    run = run_adhoc(MODULE, json.dumps({"url": simulator.http_url, "api_key": wrong, "agents": ["agent-01"]}),
                    extra_args=["-vvvv"], json_results=False)
    assert run.rc != 0 and "HTTP 401" in run.output and wrong not in run.output and "Traceback" not in run.output
    both = run_adhoc(MODULE, json.dumps({"url": simulator.http_url, "api_key": API_KEY, "agents": ["a"], "kuery": "x"}))
    assert "mutually exclusive: agents|kuery" in both.adhoc()["msg"]


def test_an_answer_of_another_shape_is_a_clean_error(simulator, tmp_path):
    simulator.fault(path="/api/fleet/agents", kind="endless", body={"items": [{"name": "no id"}], "total": 5},
                    count=1)
    run = run_playbook(tmp_path, [info_task(simulator, agents=["agent-01"])])
    result = run.task("info")
    assert result["failed"] is True and "item 1 that has no id" in result["msg"] and "Traceback" not in result["msg"]


def test_the_module_runs_with_the_python_the_task_names(simulator, tmp_path):
    """Another ansible_python_interpreter: the module runs as a module, with that Python."""
    task = info_task(simulator, agents=["agent-01"])
    task["vars"] = {"ansible_python_interpreter": sys.executable + "-not-there"}
    result = run_playbook(tmp_path, [task]).task("info")
    assert result["failed"] is True and agent_queries(simulator) == []


# --- available_versions ---------------------------------------------------------------------------

def versions_reads(simulator, prefix="/api/fleet/agents/available_versions"):
    return [r for r in simulator.requests_log(prefix) if r["method"] == "GET"]


def test_available_versions_alone_reads_only_the_versions(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"available_versions": ["8.16.0", "8.15.2"]})
    run = run_playbook(tmp_path, [info_task(simulator, available_versions=True, space_id="ops")])
    result = run.task("info")
    assert not result.get("failed"), result
    assert result["available_versions"] == ["8.16.0", "8.15.2"] and result["changed"] is False
    assert "agents" not in result and "total" not in result and "warnings" not in result
    assert [r["path"] for r in simulator.requests_log("/")] == ["/s/ops/api/fleet/agents/available_versions"]


def test_available_versions_with_agents_and_in_check_mode(simulator, tmp_path):
    run = run_playbook(tmp_path, [info_task(simulator, available_versions=True, agents=["agent-01"], version="8.14.0")],
                       extra_args=["--check"])
    result = run.task("info")
    assert "8.15.0" in result["available_versions"] and result["at_version"] == ["agent-01"]
    assert len(versions_reads(simulator)) == 1 and len(agent_queries(simulator)) == 1


def test_a_kibana_without_available_versions_gives_null_and_a_warning(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"available_versions": None})
    run = run_playbook(tmp_path, [info_task(simulator, available_versions=True)], json_results=False)
    assert run.rc == 0, run.output[-2000:]
    assert "[WARNING]: Kibana has no GET /api/fleet/agents/available_versions (HTTP 404)" in run.output
    assert "older than 8.4.0" in run.output
    adhoc = run_adhoc(MODULE, json.dumps({"url": simulator.http_url, "api_key": API_KEY, "available_versions": True}))
    assert adhoc.adhoc()["available_versions"] is None
    assert len(versions_reads(simulator)) == 2


def test_a_versions_answer_of_another_shape_or_a_refusal_fails_cleanly(simulator, tmp_path):
    simulator.fault(path="/api/fleet/agents/available_versions", status=200, body={"versions": ["8.15.0"]}, count=1)
    simulator.fault(path="/s/ro/api/fleet/agents/available_versions", status=403, count=1)
    run = run_playbook(tmp_path, [info_task(simulator, available_versions=True),
                                  dict(info_task(simulator, available_versions=True, space_id="ro"), name="ro")])
    result = run.task("info")
    assert result["failed"] is True and "available_versions without an items list" in result["msg"]
    refused = run.task("ro")
    assert refused["failed"] is True and "HTTP 403" in refused["msg"] and "fleet-agents-read" in refused["msg"]
    assert "Traceback" not in run.output
