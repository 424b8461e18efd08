"""Long waits run on the controller through the action plugin: progress in the play output,
one task run per wait, and the same results as the module (the Fleet module tests run through
the action plugin too)."""

from __future__ import annotations

import re

from tests.integration.helpers import clock_starts_on_first_poll, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
MODULE = "actiongate.agents.fleet_action_status"
LINE = re.compile(r"\[localhost\] Elastic Fleet: waiting (\d+)s, (\d+) polls?: (\S+): (\w+) \(")


def create(simulator, **spec):
    return simulator.control("POST", "/fleet/actions", spec)["actionId"]


def test_progress_lines_appear_between_rare_polls(simulator, tmp_path):
    action = create(simulator, count=3, ack_seconds=2)  # done about 6 s after the first poll
    with clock_starts_on_first_poll(simulator, "/api/fleet/agents/action_status"):
        run = run_playbook(tmp_path, [{"name": "wait", MODULE: {
            "url": simulator.http_url, "api_key": API_KEY, "action_ids": [action], "wait": True,
            "wait_interval": 3, "wait_max_interval": 3, "progress_interval": 1}}])
    result = run.task("wait")
    assert result["succeeded"] is True
    lines = LINE.findall(run.stdout)
    assert len(lines) >= 5, run.stdout[:3000]
    assert all(found[2] == action for found in lines)
    assert lines[0][:2] == ("0", "1") and lines[0][3] in ("pending", "running")
    assert len(lines) > result["polls"]  # printed from inside the waits between polls
    assert len(simulator.requests_log("/api/fleet/agents/action_status")) == result["polls"]


def test_progress_interval_zero_prints_nothing(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=0.5)
    run = run_playbook(tmp_path, [{"name": "wait", MODULE: {
        "url": simulator.http_url, "api_key": API_KEY, "action_ids": [action], "wait": True,
        "wait_interval": 0.5, "progress_interval": 0}}])
    assert run.task("wait")["succeeded"] is True
    assert "Elastic Fleet: waiting" not in run.stdout


def test_a_wait_is_one_task_run_on_the_controller(simulator, tmp_path):
    action = create(simulator, count=4, ack_seconds=0.5)
    with clock_starts_on_first_poll(simulator, "/api/fleet/agents/action_status"):
        run = run_playbook(tmp_path, [{"name": "wait", MODULE: {
            "url": simulator.http_url, "api_key": API_KEY, "action_ids": [action], "wait": True,
            "wait_interval": 0.5, "wait_max_interval": 0.5, "progress_interval": 1}}],
            json_results=False, extra_args=["-vvv"])
    assert run.rc == 0, run.output[-3000:]
    polls = len(simulator.requests_log("/api/fleet/agents/action_status"))
    assert polls >= 4
    assert run.output.count("TASK [wait]") == 1
    assert "FAILED - RETRYING" not in run.output
    # no module was shipped and started: the wait ran inside the controller's worker
    assert "AnsiballZ" not in run.output and "EXEC" not in run.output
    assert "Elastic Fleet: waiting" in run.output


def test_lookup_wait_prints_progress(simulator, tmp_path):
    action = create(simulator, count=3, ack_seconds=0.6)
    with clock_starts_on_first_poll(simulator, "/api/fleet/agents/action_status"):
        run = run_playbook(tmp_path, [{"name": "wait", "ansible.builtin.set_fact": {
            "done": "{{ lookup('%s', '%s', wait=true, wait_interval=0.5, progress_interval=1) }}" % (MODULE, action)}}],
            env={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert run.task("wait")["ansible_facts"]["done"]["state"] == "succeeded"
    assert "Elastic Fleet: waiting" in run.stdout


def test_task_environment_feeds_the_fallbacks(simulator, tmp_path):
    action = create(simulator, count=1, ack_seconds=0.01)
    run = run_playbook(tmp_path, [{"name": "status", MODULE: {"action_ids": [action]},
                                   "environment": {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY}}])
    assert run.task("status")["actions"][0]["state"] == "succeeded"
    assert run.task("status")["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
