"""playbooks/fleet_rollout.yml through ansible-runner, the engine AWX runs jobs with: a private
data dir with the project, extra vars and credentials injected as environment variables (as an
AWX credential type does), events streamed back, against the simulator."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import ansible_runner

from tests.conftest import COLLECTIONS_PATH
from tests.integration.helpers import BIN

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "c2ltLWtleTpzZWNyZXQ="


def test_fleet_rollout_through_ansible_runner(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-04", "fails": "disk full", "ack_delay": 0.1}])
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "playbooks" / "fleet_rollout.yml", project / "fleet_rollout.yml")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % (BIN / "python"))
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path), playbook="fleet_rollout.yml", quiet=True,
        extravars={"rollout_agents": "agent-01 agent-02 agent-03\nagent-04 agent-05 agent-06\nagent-07",
                   "rollout_version": "8.15.0", "rollout_batch_size": 3, "rollout_interval": 0.5,
                   "rollout_progress_interval": 1},
        envvars={"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY,
                 "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_LOCALHOST_WARNING": "false",
                 "PATH": "%s:%s" % (BIN, os.environ.get("PATH", ""))})
    stdout = runner.stdout.read()
    assert runner.status == "failed" and runner.rc == 2, stdout[-3000:]
    events = list(runner.events)
    failed = [e for e in events if e["event"] == "runner_on_failed"]
    assert len(failed) == 1
    message = failed[0]["event_data"]["res"]["msg"]
    assert message.startswith("Rollout stopped at batch 2 of 3") and "Failed agents: agent-04." in message
    # one task event per wait, and the progress lines streamed in between, as AWX shows them
    waits = [e["event_data"]["task"] for e in events if e["event"] == "runner_on_ok"
             and e["event_data"].get("task", "").startswith("Wait for batch")]
    assert waits == ["Wait for batch 1", "Wait for batch 2"]
    assert any("Elastic Fleet: waiting" in e.get("stdout", "") for e in events if e["event"] == "verbose")
    assert "batch 1/3: 3 agents" in stdout and "batch 2/3: 3 agents" in stdout
    assert "Record batch 3/3: 1 agents, not started" in stdout and "could not start" not in stdout
    assert API_KEY not in stdout
    bodies = [r["body"] for r in simulator.requests_log("/api/fleet/agents/bulk_upgrade")]
    assert len(bodies) == 2 and "agent-07" not in "".join(bodies)
    # set_stats: the next workflow node gets the per-batch summary as fleet_rollout_result
    published = artifact_data(events)["fleet_rollout_result"]
    assert published["stopped_at"] == 2 and published["succeeded"] is False
    assert [b["status"] for b in published["batches"]] == ["succeeded", "breached", "not_started"]
    assert published["batches"][1]["failed_agents"] == ["agent-04"]
    assert published["batches"][0]["agents"] == ["agent-01", "agent-02", "agent-03"]


def artifact_data(events):
    """What set_stats published: the artifact_data of the playbook_on_stats event (what AWX hands a
    workflow's next node as extra variables)."""
    stats = [e for e in events if e["event"] == "playbook_on_stats"]
    assert len(stats) == 1
    return stats[0]["event_data"].get("artifact_data") or {}


def run_project_playbook(tmp_path, name, extravars, envvars):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "playbooks" / name, project / name)
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % (BIN / "python"))
    env = dict(envvars, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_LOCALHOST_WARNING="false",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    return ansible_runner.run(private_data_dir=str(tmp_path), playbook=name, quiet=True, extravars=extravars,
                              envvars=env)


def test_wait_for_action_publishes_its_result_without_raw(simulator, tmp_path):
    action = simulator.control("POST", "/fleet/actions", {"count": 40, "ack_seconds": 0.01})["actionId"]
    runner = run_project_playbook(tmp_path, "wait_for_action.yml",
                                  {"wait_vendor": "fleet", "wait_action_ids": action, "wait_interval": 0.5},
                                  {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert runner.status == "successful", runner.stdout.read()[-3000:]
    published = artifact_data(list(runner.events))["wait_for_action_result"]
    assert published["succeeded"] is True and published["action_ids"] == [action]
    assert published["actions"][0]["targets"]["succeeded"] == 40 and "raw" not in published["actions"][0]


def test_action_report_publishes_its_rows(simulator, tmp_path):
    action = simulator.control("POST", "/fleet/actions", {"type": "UPGRADE", "count": 2, "ack_seconds": 0.01})["actionId"]
    runner = run_project_playbook(tmp_path, "action_report.yml", {"report_limit": 5},
                                  {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY})
    assert runner.status == "successful", runner.stdout.read()[-3000:]
    published = artifact_data(list(runner.events))["action_report_result"]
    assert published["fleet"]["configured"] is True and published["fleet"]["error"] is None
    assert [a["action_id"] for a in published["fleet"]["actions"]] == [action]
    assert "raw" not in published["fleet"]["actions"][0]
    assert published["cybereason"] == {"configured": False, "error": None, "actions": []}
