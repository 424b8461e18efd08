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
