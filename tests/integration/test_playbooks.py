"""The playbooks in playbooks/ as an AWX job template runs them: credentials from environment
variables, survey-style variables (text where a list is expected), against the simulator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.integration.helpers import BIN, ansible_env

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "c2ltLWtleTpzZWNyZXQ="


def playbook(name, extra_vars, env, json_results=False):
    cmd = [str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / name), "-e", json.dumps(extra_vars)]
    return subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(env, json_results), timeout=300,
                          check=False)


def fleet_env(simulator):
    return {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY}


def test_fleet_rollout_playbook_stops_at_breaching_batch(simulator, tmp_path):
    simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})
    simulator.control("POST", "/fleet/agents", [{"id": "agent-05", "fails": "checksum mismatch", "ack_delay": 0.1}])
    report = tmp_path / "rollout.json"
    proc = playbook("fleet_rollout.yml", {
        "rollout_agents": "agent-01\nagent-02, agent-03 agent-04\nagent-05\nagent-06",
        "rollout_version": "8.15.0", "rollout_batch_size": 2, "rollout_interval": 0.5,
        "rollout_report_path": str(report)}, fleet_env(simulator))
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Rollout stopped at batch 3 of 3" in proc.stdout and "Failed agents: agent-05." in proc.stdout
    result = json.loads(report.read_text())
    assert result["stopped_at"] == 3 and [b["agents"] for b in result["batches"]] == [
        ["agent-01", "agent-02"], ["agent-03", "agent-04"], ["agent-05", "agent-06"]]


def test_wait_for_action_playbook_with_ids_as_text(simulator):
    first = simulator.control("POST", "/fleet/actions", {"count": 2, "ack_seconds": 0.2})["actionId"]
    second = simulator.control("POST", "/fleet/actions", {"count": 1, "ack_seconds": 0.2})["actionId"]
    proc = playbook("wait_for_action.yml", {"wait_vendor": "fleet", "wait_action_ids": "%s\n%s" % (first, second),
                                            "wait_interval": 0.5}, fleet_env(simulator))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "%s: succeeded" % first in proc.stdout and "%s: succeeded" % second in proc.stdout


def test_action_report_lists_every_configured_vendor(simulator):
    fleet = simulator.control("POST", "/fleet/actions", {"type": "UPGRADE", "count": 3, "ack_seconds": 0.01})["actionId"]
    batch = simulator.control("POST", "/cybereason/batches", {"actionType": "Upgrade", "count": 2})["batchId"]
    job = simulator.control("POST", "/puppet/jobs", {"count": 2})["job"]["name"]
    xdr = simulator.control("POST", "/cortex_xdr/actions", {"count": 2})["action_id"]
    backup = simulator.control("POST", "/rackspace/backups", {})["id"]
    env = dict(fleet_env(simulator), CYBEREASON_URL=simulator.http_url, CYBEREASON_USERNAME="admin@sim.local",
               CYBEREASON_PASSWORD="changeme", PUPPET_ORCHESTRATOR_URL=simulator.http_url, PUPPET_TOKEN="sim-puppet-token",
               CORTEX_XDR_URL=simulator.http_url, CORTEX_XDR_API_KEY_ID="1", CORTEX_XDR_API_KEY="sim-standard-key",
               RAX_BACKUP_URL=simulator.http_url, RAX_AUTH_TOKEN="sim-token", RAX_PROJECT_ID="123456")
    proc = playbook("action_report.yml", {"report_cortex_xdr_action_ids": str(xdr),
                                          "report_rackspace_backup_ids": [str(backup)]}, env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = [line.strip().strip('",') for line in proc.stdout.splitlines()]
    header = next(r for r in rows if r.startswith("VENDOR"))
    assert "STATE" in header and "SUCCEEDED" in header
    for vendor, action in (("fleet", fleet), ("cybereason", batch), ("puppet_job", job), ("cortex_xdr", xdr),
                           ("rackspace_backup", backup)):
        assert any(r.startswith(vendor) and str(action) in r for r in rows), (vendor, proc.stdout[-4000:])
    assert any(r.startswith("fleet") and "3/3" in r and "succeeded" in r for r in rows)
    assert "sim-puppet-token" not in proc.stdout and "changeme" not in proc.stdout


def test_action_report_without_credentials_and_with_errors(simulator):
    env = {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": "d3Jvbmc6a2V5a2V5a2V5", "CORTEX_XDR_URL": simulator.http_url}
    proc = playbook("action_report.yml", {}, env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "HTTP 401" in proc.stdout and "d3Jvbmc6a2V5a2V5a2V5" not in proc.stdout
    assert "cybereason       not configured" in proc.stdout
    assert "cortex_xdr       no ids given" in proc.stdout


# --- empty surveys fail at once -------------------------------------------------------------------

def test_wait_for_action_playbook_with_empty_survey_fails_at_once_naming_the_variable(simulator):
    for ids in ("", " \n ,", []):
        proc = playbook("wait_for_action.yml", {"wait_vendor": "cortex_xdr", "wait_action_ids": ids},
                        fleet_env(simulator))
        assert proc.returncode == 2, proc.stdout[-3000:]
        assert "wait_action_ids is empty" in proc.stdout and "cortex_xdr action ids" in proc.stdout
    assert simulator.requests_log("/api") == [] and simulator.requests_log("/public_api") == []


def test_fleet_rollout_playbook_with_empty_survey_fails_at_once_naming_the_variable(simulator):
    proc = playbook("fleet_rollout.yml", {"rollout_agents": "\n", "rollout_version": "8.15.0"}, fleet_env(simulator))
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "rollout_agents is empty" in proc.stdout
    assert simulator.requests_log("/api") == []


def test_no_playbook_reads_actiongate_ca_path():
    for path in (ROOT / "playbooks").glob("*.yml"):
        assert "ACTIONGATE_CA_PATH" not in path.read_text(), path


# --- AWX survey specs -----------------------------------------------------------------------------

SURVEYS = ROOT / "extensions" / "awx" / "surveys"
TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def play_vars(name):
    import yaml

    plays = yaml.safe_load((ROOT / "playbooks" / name).read_text())
    assert len(plays) == 1
    return plays[0]["vars"]


def role_options(role):
    import yaml

    spec = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return spec["argument_specs"]["main"]["options"]


def test_every_playbook_has_a_survey_and_every_question_is_a_playbook_variable():
    assert sorted(p.stem for p in SURVEYS.glob("*.json")) == sorted(p.stem for p in (ROOT / "playbooks").glob("*.yml"))
    for path in SURVEYS.glob("*.json"):
        survey = json.loads(path.read_text())
        assert survey["name"] and survey["description"] and survey["spec"], path
        variables = play_vars(path.stem + ".yml")
        seen = set()
        for question in survey["spec"]:
            where = "%s: %s" % (path.name, question.get("variable"))
            assert set(question) >= {"question_name", "question_description", "required", "type", "variable"}, where
            assert question["type"] in TYPES and isinstance(question["required"], bool), where
            assert question["variable"] in variables, where + " is not a variable of the playbook"
            assert question["variable"] not in seen, where + " asked twice"
            seen.add(question["variable"])
            default, play_default = question.get("default"), variables[question["variable"]]
            if question["type"] == "multiplechoice":
                choices = question["choices"].split("\n")
                assert str(default) in choices and str(play_default).lower() in choices, where
            elif question["type"] in ("integer", "float"):
                assert question["min"] <= default <= question["max"] and default == play_default, where
            elif play_default in ([], ""):
                assert default == "", where  # text for a list: the playbook splits it on lines, commas, spaces
            else:
                assert str(default) == str(play_default), where


def test_survey_choices_are_the_roles_choices():
    rollout = {q["variable"]: q for q in json.loads((SURVEYS / "fleet_rollout.json").read_text())["spec"]}
    wait = {q["variable"]: q for q in json.loads((SURVEYS / "wait_for_action.json").read_text())["spec"]}
    assert rollout["rollout_action"]["choices"].split("\n") == role_options("fleet_rollout")["fleet_rollout_action"]["choices"]
    assert wait["wait_vendor"]["choices"].split("\n") == role_options("wait_for_action")["wait_for_action_vendor"]["choices"]
    assert rollout["rollout_agents"]["required"] and wait["wait_action_ids"]["required"]


def survey_answers(name, **answers):
    """Extra vars as AWX sends them from a survey: every question's default, then the answers."""
    survey = json.loads((SURVEYS / ("%s.json" % name)).read_text())
    values = {q["variable"]: q["default"] for q in survey["spec"] if "default" in q}
    values.update(answers)
    return values


def test_wait_for_action_playbook_from_its_survey_defaults(simulator):
    action = simulator.control("POST", "/fleet/actions", {"count": 2, "ack_seconds": 0.2})["actionId"]
    proc = playbook("wait_for_action.yml", survey_answers("wait_for_action", wait_action_ids=action + "\n",
                                                          wait_interval=0.5), fleet_env(simulator))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "%s: succeeded" % action in proc.stdout


def test_action_report_playbook_from_its_survey_defaults(simulator):
    simulator.control("POST", "/fleet/actions", {"type": "UNENROLL", "count": 1, "ack_seconds": 0.01})
    upgrade = simulator.control("POST", "/fleet/actions", {"type": "UPGRADE", "count": 1, "ack_seconds": 0.01})["actionId"]
    proc = playbook("action_report.yml", survey_answers("action_report", report_fleet_types="UPGRADE\n"),
                    fleet_env(simulator))
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = [line.strip().strip('",') for line in proc.stdout.splitlines() if line.strip().startswith('"fleet')]
    assert len(rows) == 1 and upgrade in rows[0] and "UPGRADE" in rows[0]
