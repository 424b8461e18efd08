"""The wait_for_action and fleet_rollout roles against the simulator over real HTTP."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.integration.helpers import clock_starts_on_first_poll, fact, failure, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
PYTHON = {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}


def role_play(tmp_path, role, variables, *, env=None, extra_args=None, json_results=True):
    tasks = [{"name": "role", "ansible.builtin.include_role": {"name": "actiongate.agents.%s" % role}}]
    return run_playbook(tmp_path, tasks, play={"vars": dict(PYTHON, **variables)}, env=env, extra_args=extra_args,
                        json_results=json_results)


def fleet_wait(simulator, **extra):
    variables = {"wait_for_action_vendor": "fleet", "wait_for_action_interval": 0.5, "wait_for_action_max_interval": 0.5,
                 "wait_for_action_connection": {"url": simulator.http_url, "api_key": API_KEY}}
    variables.update(extra)
    return variables


def create(simulator, **spec):
    return simulator.control("POST", "/fleet/actions", spec)["actionId"]


# --- wait_for_action ---------------------------------------------------------------------------

def test_wait_for_action_registers_the_result(simulator, tmp_path):
    first, second = create(simulator, count=2, ack_seconds=0.3), create(simulator, count=3, ack_seconds=0.2)
    with clock_starts_on_first_poll(simulator, "/api/fleet/agents/action_status"):
        run = role_play(tmp_path, "wait_for_action", fleet_wait(simulator, wait_for_action_ids=[first, second]))
    assert run.rc == 0, run.output[-3000:]
    result = fact(run, "wait_for_action_result")
    assert result["succeeded"] is True and result["terminal"] is True and result["vendor"] == "fleet"
    assert [a["action_id"] for a in result["actions"]] == [first, second]
    assert result["polls"] >= 2 and result["elapsed"] > 0 and result["history"]
    assert len(simulator.requests_log("/api/fleet/agents/action_status")) >= result["polls"]


def test_wait_for_action_fails_with_one_line_reason(simulator, tmp_path):
    action = create(simulator, count=4, ack_seconds=0.1, fail_count=2, fail_message="disk full")
    run = role_play(tmp_path, "wait_for_action", fleet_wait(simulator, wait_for_action_ids=[action],
                                                            wait_for_action_allowed_failures="1"))
    assert run.rc != 0
    name, result = failure(run)
    assert name.endswith("Fail unless every action succeeded")
    assert "\n" not in result["msg"] and action in result["msg"] and "allowed_failures=1" in result["msg"]
    assert "disk full" in result["msg"]
    assert fact(run, "wait_for_action_result")["actions"][0]["targets"]["failed"] == 2


def test_wait_for_action_timeout_and_no_fail(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=0.1, offline=["agent-002"])
    run = role_play(tmp_path, "wait_for_action", fleet_wait(simulator, wait_for_action_ids=[action],
                                                            wait_for_action_timeout=1.5, wait_for_action_fail=False))
    assert run.rc == 0, run.output[-3000:]
    result = fact(run, "wait_for_action_result")
    assert result["succeeded"] is False and "Timed out" in result["msg"]
    assert result["actions"][0]["targets"]["pending"] == 1


def test_wait_for_action_credentials_from_environment(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.1)
    variables = fleet_wait(simulator, wait_for_action_ids=[action])
    del variables["wait_for_action_connection"]
    run = role_play(tmp_path, "wait_for_action", variables,
                    env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert run.rc == 0, run.output[-3000:]
    assert fact(run, "wait_for_action_result")["succeeded"] is True


def test_wait_for_action_leaves_raw_out_unless_asked_and_prints_the_bytes(simulator, tmp_path, capsys):
    action = create(simulator, count=40, ack_seconds=0.01, fail_count=5, fail_message="disk full")
    sizes = {}
    for include_raw in (True, False):
        run = role_play(tmp_path, "wait_for_action", fleet_wait(simulator, wait_for_action_ids=[action],
                                                                wait_for_action_include_raw=include_raw,
                                                                wait_for_action_allowed_failures="10",
                                                                wait_for_action_options={"error_size": 10}))
        assert run.rc == 0, run.output[-3000:]
        result = fact(run, "wait_for_action_result")
        assert result["actions"][0]["targets"]["total"] == 40
        assert ("raw" in result["actions"][0]) is include_raw
        sizes[include_raw] = len(json.dumps(result, sort_keys=True))
    with capsys.disabled():
        print("\none 40-agent wait_for_action_result: %d bytes with raw, %d bytes without (%.0f%% less)"
              % (sizes[True], sizes[False], 100.0 * (sizes[True] - sizes[False]) / sizes[True]))
    assert sizes[False] < sizes[True]


def test_wait_for_action_without_ids_fails_at_once_naming_the_variable(simulator, tmp_path):
    for ids in ([], ["", "  "]):
        run = role_play(tmp_path, "wait_for_action", fleet_wait(simulator, wait_for_action_ids=ids))
        assert run.rc != 0
        name, result = failure(run)
        assert name.endswith("Check that there is at least one action id")
        assert result["msg"].startswith("wait_for_action_ids is empty (or only blanks)")
    assert simulator.requests_log("/api") == []


def test_wait_for_action_argument_spec_is_the_validation(simulator, tmp_path):
    run = role_play(tmp_path, "wait_for_action", {"wait_for_action_vendor": "nagios", "wait_for_action_ids": ["a"],
                                                  "wait_for_action_connection": {"url": "x", "bogus": 1}})
    assert run.rc != 0
    name, result = failure(run)
    assert "Validating arguments" in name
    assert "nagios" in result["msg"] and "bogus" in result["msg"]
    assert simulator.requests_log("/api") == []


# --- fleet_rollout -----------------------------------------------------------------------------

def rollout_vars(simulator, **extra):
    variables = {"fleet_rollout_agents": ["agent-%02d" % i for i in range(1, 16)], "fleet_rollout_batch_size": 5,
                 "fleet_rollout_version": "8.15.0", "fleet_rollout_interval": 0.5, "fleet_rollout_max_interval": 0.5,
                 "fleet_rollout_connection": {"url": simulator.http_url, "api_key": API_KEY}}
    variables.update(extra)
    return variables


def upgrades(simulator):
    return [json.loads(r["body"]) for r in simulator.requests_log("/api/fleet/agents/bulk_upgrade")]


def test_rollout_stops_at_the_breaching_batch_naming_failed_agents(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.2})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-07", "fails": "download failed", "ack_delay": 0.1},
                                                {"id": "agent-09", "fails": "disk full", "ack_delay": 0.1}])
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator))
    assert run.rc != 0
    _name, result = failure(run)
    assert result["msg"].startswith("Rollout stopped at batch 2 of 3:")
    assert "Failed agents: agent-07, agent-09." in result["msg"] or "Failed agents: agent-09, agent-07." in result["msg"]
    assert "Batch 3 was not started." in result["msg"] and "\n" not in result["msg"]
    summary = fact(run, "fleet_rollout_result")
    assert summary["succeeded"] is False and summary["stopped_at"] == 2
    assert [b["status"] for b in summary["batches"]] == ["succeeded", "breached", "not_started"]
    assert summary["batches"][1]["targets"]["failed"] == 2
    assert summary["batches"][2]["agents"] == ["agent-11", "agent-12", "agent-13", "agent-14", "agent-15"]
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-%02d" % i for i in range(1, 6)],
                                                          ["agent-%02d" % i for i in range(6, 11)]]


def test_rollout_within_allowed_failures_finishes_every_batch(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-03", "fails": "boom"}])
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_allowed_failures="20%",
                                                            fleet_rollout_agents=["agent-%02d" % i for i in range(1, 11)]))
    assert run.rc == 0, run.output[-3000:]
    summary = fact(run, "fleet_rollout_result")
    assert summary["succeeded"] is True and summary["stopped_at"] is None
    assert [b["status"] for b in summary["batches"]] == ["succeeded", "succeeded"]
    assert summary["batches"][0]["state"] == "partial" and summary["batches"][0]["failed_agents"] == ["agent-03"]


def test_rollout_of_given_batches_unenroll_with_pause(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(
        simulator, fleet_rollout_action="unenroll", fleet_rollout_revoke=True, fleet_rollout_pause_seconds=1,
        fleet_rollout_batches=[["agent-01"], ["agent-02", "agent-03"]]), json_results=False)
    assert run.rc == 0, run.output[-3000:]
    sent = [json.loads(r["body"]) for r in simulator.requests_log("/api/fleet/agents/bulk_unenroll")]
    assert sent == [{"agents": ["agent-01"], "force": False, "revoke": True},
                    {"agents": ["agent-02", "agent-03"], "force": False, "revoke": True}]
    assert "batch 2/2: 2 agents" in run.output and "Pausing for 1 seconds" in run.output


def upgrade_directly(simulator, agents):
    """A bulk upgrade sent to the simulator as Kibana's API, outside the role (an earlier run)."""
    response = requests.post(simulator.http_url + "/api/fleet/agents/bulk_upgrade", timeout=10,
                             json={"agents": agents, "version": "8.15.0"},
                             headers={"Authorization": "ApiKey " + API_KEY, "kbn-xsrf": "true"})
    response.raise_for_status()
    return response.json()["actionId"]


def test_rollout_reports_agents_refused_for_the_cool_down_not_as_failures(simulator, tmp_path):
    # agent-05's upgrade failed a moment ago: it is not on 8.15.0, and Kibana's 10-minute cool-down
    # refuses it (an error of the new action); agent-06 upgrades. allowed_failures stays 0.
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-05", "fails": "disk full", "ack_delay": 0.05}])
    upgrade_directly(simulator, ["agent-05"])
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(
        simulator, fleet_rollout_batches=[["agent-05", "agent-06"], ["agent-07"]]))
    assert run.rc != 0
    summary = fact(run, "fleet_rollout_result")
    assert [b["status"] for b in summary["batches"]] == ["succeeded", "succeeded"]
    first = summary["batches"][0]
    assert [r["agent"] for r in first["refused"]] == ["agent-05"] and "not upgradeable" in first["refused"][0]["reason"]
    assert first["failed_agents"] == [] and first["started_agents"] == ["agent-05", "agent-06"]
    assert summary["succeeded"] is False and summary["stopped_at"] is None
    assert [r["agent"] for r in summary["refused"]] == ["agent-05"]
    _name, result = failure(run)
    assert result["msg"].startswith("Rollout finished, but Kibana refused 1 agents (agent-05)")
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-05"], ["agent-05", "agent-06"], ["agent-07"]]


def test_rollout_resumes_skipping_agents_already_on_the_version(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-09", "fails": "disk full", "ack_delay": 0.05}])
    first = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_fail=False))
    assert fact(first, "fleet_rollout_result")["stopped_at"] == 2
    # The operator frees agent-09's disk (a fresh agent record, so no cool-down) and runs it again.
    simulator.control("POST", "/fleet/agents", [{"id": "agent-09"}])
    simulator.control("DELETE", "/requests")
    time.sleep(1)  # every agent of batch 2 but agent-09 has acknowledged by now (0.1 s apart)
    again = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator))
    assert again.rc == 0, again.output[-3000:]
    summary = fact(again, "fleet_rollout_result")
    assert [b["status"] for b in summary["batches"]] == ["skipped", "succeeded", "succeeded"]
    assert summary["batches"][0]["skipped_agents"] == ["agent-%02d" % i for i in range(1, 6)]
    assert summary["batches"][0]["action_id"] is None and summary["batches"][0]["msg"] == "every agent is already on 8.15.0"
    assert summary["batches"][1]["skipped_agents"] == ["agent-06", "agent-07", "agent-08", "agent-10"]
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-09"], ["agent-%02d" % i for i in range(11, 16)]]
    assert summary["skipped_agents"] == summary["batches"][0]["skipped_agents"] + summary["batches"][1]["skipped_agents"]
    assert "batch 2/3: 5 agents, action %s: passed" % summary["batches"][1]["action_id"] in again.output
    assert "4 skipped (already on 8.15.0)" in again.output


def test_rollout_start_batch(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_start_batch=3))
    assert run.rc == 0, run.output[-3000:]
    summary = fact(run, "fleet_rollout_result")
    assert [b["status"] for b in summary["batches"]] == ["skipped", "skipped", "succeeded"]
    assert summary["batches"][0]["msg"] == "not run: before fleet_rollout_start_batch=3"
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-%02d" % i for i in range(11, 16)]]


def test_rollout_start_batch_out_of_range_fails_before_any_request(simulator, tmp_path):
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_start_batch=4))
    assert run.rc != 0
    _name, result = failure(run)
    assert "fleet_rollout_start_batch must be between 1 and 3" in result["msg"] and "got 4" in result["msg"]
    assert simulator.requests_log("/api") == []


def test_rollout_without_agents_fails_naming_the_variable(simulator, tmp_path):
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_agents=["", "  "]))
    assert run.rc != 0
    _name, result = failure(run)
    assert "fleet_rollout_agents" in result["msg"] and "is empty" in result["msg"]
    assert simulator.requests_log("/api") == []


def test_rollout_timeout_breaches_and_progress_is_printed(simulator, tmp_path):
    simulator.control("POST", "/fleet/agents", [{"id": "agent-02", "offline": True}])
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(
        simulator, fleet_rollout_batches=[["agent-01", "agent-02"]], fleet_rollout_timeout=4,
        fleet_rollout_progress_interval=1), json_results=False)
    assert run.rc != 0
    assert "Rollout stopped at batch 1 of 1: Timed out" in run.output
    assert run.output.count("Elastic Fleet: waiting") >= 3


def test_rollout_check_mode_prints_the_plan_and_starts_nothing(simulator, tmp_path):
    simulator.control("POST", "/fleet/agents", [{"id": "agent-02", "version": "8.15.0"}])
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator), extra_args=["--check"], json_results=False)
    assert run.rc == 0, run.output[-3000:]
    assert "batch 1/3: 5 agents, check mode, would upgrade 4, 1 skipped (already on 8.15.0)" in run.output
    assert "batch 3/3: 5 agents, check mode, would upgrade 5" in run.output
    sent = simulator.requests_log("/api")
    # reads only: the versions Kibana offers (before batch 1), then the agents' versions per batch
    assert sent and all(r["method"] == "GET" for r in sent)
    assert [r["path"] for r in sent][:2] == ["/api/fleet/agents/available_versions", "/api/fleet/agents"]
    assert {r["path"] for r in sent} == {"/api/fleet/agents/available_versions", "/api/fleet/agents"}
    checked = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator), extra_args=["--check"])
    summary = fact(checked, "fleet_rollout_result")
    assert [b["status"] for b in summary["batches"]] == ["planned"] * 3
    assert summary["batches"][0]["skipped_agents"] == ["agent-02"] and summary["succeeded"] is False
    assert summary["check_mode"] is True and summary["batches"][0]["action_id"] is None


def test_rollout_connection_lies_over_the_play_module_defaults_key_by_key(simulator, tmp_path):
    # fleet_rollout_connection reaches the three modules as module_defaults: the play's module_defaults for
    # the group still give what it leaves out (the URL), its keys win (the API key; the play's is refused).
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    tasks = [{"name": "role", "ansible.builtin.include_role": {"name": "actiongate.agents.fleet_rollout"}}]
    for agent, connection, play_key in (("agent-01", {"api_key": API_KEY}, "d3Jvbmc6a2V5a2V5a2V5"),
                                        ("agent-02", {}, API_KEY)):
        variables = rollout_vars(simulator, fleet_rollout_batches=[[agent]], fleet_rollout_connection=connection)
        run = run_playbook(tmp_path, tasks, play={"vars": dict(PYTHON, **variables), "module_defaults": {
            "group/actiongate.agents.fleet": {"url": simulator.http_url, "api_key": play_key}}})
        assert run.rc == 0, run.output[-3000:]
        assert [b["status"] for b in fact(run, "fleet_rollout_result")["batches"]] == ["succeeded"]
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-01"], ["agent-02"]]


def versions_read(simulator):
    return [r for r in simulator.requests_log("/api/fleet/agents/available_versions") if r["method"] == "GET"]


def test_rollout_of_a_version_kibana_does_not_offer_fails_starting_nothing(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"available_versions": ["8.15.1", "8.15.0", "8.14.3"]})
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_version="8.16.0"))
    assert run.rc != 0
    name, result = failure(run)
    assert name.endswith("Stop before any batch when Kibana does not offer the version")
    assert result["msg"].startswith("Kibana does not offer version 8.16.0 for an upgrade (it offers 8.15.1, 8.15.0, "
                                    "8.14.3). Nothing was started.")
    assert "fleet_rollout_check_version" in result["msg"] and "\n" not in result["msg"]
    assert len(versions_read(simulator)) == 1
    # nothing started, and no batch was even read
    assert upgrades(simulator) == [] and simulator.requests_log("/api/fleet/agents/bulk") == []
    assert [r["path"] for r in simulator.requests_log("/api")] == ["/api/fleet/agents/available_versions"]


def test_rollout_on_a_kibana_without_the_versions_list_warns_and_goes_on(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05, "available_versions": None})
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_batches=[["agent-01"], ["agent-02"]]))
    assert run.rc == 0, run.output[-3000:]
    read = [t["hosts"]["localhost"] for play in run.data["plays"] for t in play["tasks"]
            if t["task"]["name"].endswith("Read the versions Kibana offers")][0]
    assert read["available_versions"] is None
    assert any("HTTP 404" in w and "older than 8.4.0" in w for w in read["warnings"]), read
    assert [b["status"] for b in fact(run, "fleet_rollout_result")["batches"]] == ["succeeded", "succeeded"]
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-01"], ["agent-02"]]


def test_rollout_version_check_off_starts_a_version_kibana_does_not_list(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05, "available_versions": ["8.14.0"]})
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_batches=[["agent-03"]],
                                                            fleet_rollout_check_version=False))
    assert run.rc == 0, run.output[-3000:]
    assert versions_read(simulator) == []
    assert [u["agents"] for u in upgrades(simulator)] == [["agent-03"]]


def test_rollout_stops_when_the_versions_cannot_be_read_and_unenroll_never_reads_them(simulator, tmp_path):
    simulator.fault(path="/api/fleet/agents/available_versions", status=403, count=1)
    run = role_play(tmp_path, "fleet_rollout", rollout_vars(simulator, fleet_rollout_batches=[["agent-04"]]))
    assert run.rc != 0
    _name, result = failure(run)
    assert result["msg"].startswith("Could not read the versions Kibana offers (") and "HTTP 403" in result["msg"]
    assert "Nothing was started. Set fleet_rollout_check_version to false" in result["msg"]
    assert upgrades(simulator) == []
    simulator.control("DELETE", "/requests")
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.05, "available_versions": []})
    unenroll = role_play(tmp_path, "fleet_rollout", rollout_vars(
        simulator, fleet_rollout_action="unenroll", fleet_rollout_version="", fleet_rollout_batches=[["agent-05"]]))
    assert unenroll.rc == 0, unenroll.output[-3000:]
    assert versions_read(simulator) == [] and len(simulator.requests_log("/api/fleet/agents/bulk_unenroll")) == 1


# --- wait_for_action with the other vendors -----------------------------------------------------

def other_vendor(simulator, vendor):
    """(action id, connection, options) of a quick action that succeeds, per vendor."""
    if vendor == "cortex_xdr":
        fast = {"pending_seconds": 0.1, "run_seconds": 0.2, "stagger_seconds": 0.05}
        action = simulator.control("POST", "/cortex_xdr/actions", dict(fast, count=2))["action_id"]
        return action, {"url": simulator.http_url, "api_key_id": "1", "api_key": "sim-standard-key"}, {}
    if vendor == "cybereason":
        action = simulator.control("POST", "/cybereason/batches", {"count": 2, "sensor_seconds": 0.2})["batchId"]
        return action, {"url": simulator.http_url, "username": "admin@sim.local", "password": "changeme"}, {}
    if vendor == "puppet_job":
        fast = {"new_seconds": 0.1, "ready_seconds": 0.1, "node_seconds": 0.3}
        action = simulator.control("POST", "/puppet/jobs", dict(fast, count=2))["job"]["name"]
        return action, {"url": simulator.http_url, "token": "sim-puppet-token"}, {}
    action = simulator.control("POST", "/rackspace/backups", {"step_seconds": 0.2})["id"]
    return action, {"url": simulator.http_url, "token": "sim-token", "project_id": "123456"}, {"resource": "backup"}


@pytest.mark.parametrize("vendor", ["cortex_xdr", "cybereason", "puppet_job", "rackspace_backup"])
def test_wait_for_action_other_vendors(simulator, tmp_path, vendor):
    action, connection, options = other_vendor(simulator, vendor)
    run = role_play(tmp_path, "wait_for_action", {
        "wait_for_action_vendor": vendor, "wait_for_action_ids": [str(action)], "wait_for_action_interval": 0.5,
        "wait_for_action_max_interval": 0.5, "wait_for_action_connection": connection,
        "wait_for_action_options": options})
    assert run.rc == 0, run.output[-3000:]
    result = fact(run, "wait_for_action_result")
    assert result["succeeded"] is True and result["vendor"] == vendor
    assert result["actions"][0]["action_id"] == str(action) and result["actions"][0]["state"] == "succeeded"
    assert result["polls"] >= 1
