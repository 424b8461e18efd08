"""The rollout role against the simulator over real HTTP, for each of the five vendors: three batches
that pass; a breaching batch 2 that stops the rollout before batch 3 starts (the simulator's request
log shows no start for it), with the one-line failure, rollout_result and set_stats; check mode, which
starts nothing; a canary [1, "50%", "100%"]; and, for Elastic Fleet, the version Kibana offers."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.integration.helpers import fact, failure, run_playbook

ROOT = Path(__file__).resolve().parents[2]
PYTHON = {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}
FLEET_KEY = "c2ltLWtleTpzZWNyZXQ="
SENSORS = ["PYLUMCLIENT_SIM_HOST-%02d_08002700AA%02X" % (i, i) for i in range(1, 21)]
RACKSPACE_CONFIGURATIONS = ["148325"] + [str(148400 + i) for i in range(1, 9)]


# --- each vendor: its targets, how one is made to fail, its start requests -----------------------

class Vendor:
    """What a test needs of one vendor: the role's variables, nine targets, how to make a target
    fail, and the targets each start request named (from the simulator's request log)."""

    name = ""
    action = ""
    options: dict = {}
    start_path = ""

    def __init__(self, simulator):
        self.simulator = simulator

    def connection(self):
        raise NotImplementedError

    def targets(self):
        raise NotImplementedError

    def fail(self, target):
        raise NotImplementedError

    def started(self):
        """The targets of each start request, in order."""
        return [self.named(json.loads(r["body"])) for r in self.simulator.requests_log(self.start_path)
                if r["method"] == "POST"]

    def named(self, body):
        raise NotImplementedError

    def variables(self, **extra):
        found = {"rollout_vendor": self.name, "rollout_action": self.action, "rollout_action_options": dict(self.options),
                 "rollout_targets": self.targets(), "rollout_batch_size": 3, "rollout_interval": 0.5,
                 "rollout_max_interval": 0.5, "rollout_progress_interval": 0, "rollout_connection": self.connection()}
        found.update(extra)
        return found


class Fleet(Vendor):
    name, action, options, start_path = "fleet", "upgrade", {"version": "8.15.0"}, "/api/fleet/agents/bulk_upgrade"

    def __init__(self, simulator):
        super().__init__(simulator)
        simulator.control("POST", "/fleet/config", {"ack_seconds": 0.1})

    def connection(self):
        return {"url": self.simulator.http_url, "api_key": FLEET_KEY}

    def targets(self):
        return ["agent-%02d" % i for i in range(1, 10)]

    def fail(self, target):
        self.simulator.control("POST", "/fleet/agents", [{"id": target, "fails": "disk full", "ack_delay": 0.1}])

    def named(self, body):
        return body["agents"]

    def variables(self, **extra):
        # The version check (fleet_agent_info's available_versions) has its own tests at the end, which
        # turn it on; the others do not depend on it.
        return super().variables(**dict({"rollout_check_version": False}, **extra))


class CortexXdr(Vendor):
    name, action, start_path = "cortex_xdr", "scan", "/public_api/v1/endpoints/scan"

    def __init__(self, simulator):
        super().__init__(simulator)
        simulator.control("POST", "/cortex_xdr/config", {"pending_seconds": 0.1, "run_seconds": 0.2,
                                                         "stagger_seconds": 0.05, "expire_seconds": 60})
        self.endpoints = [e["id"] for e in simulator.control("GET", "/cortex_xdr/endpoints")][:9]

    def connection(self):
        return {"url": self.simulator.http_url, "api_key_id": "1", "api_key": "sim-standard-key"}

    def targets(self):
        return list(self.endpoints)

    def fail(self, target):
        self.simulator.control("POST", "/cortex_xdr/endpoints", [{"id": target, "outcome": "FAILED", "reason": "scan error"}])

    def named(self, body):
        return body["request_data"]["filters"][0]["value"]


class Cybereason(Vendor):
    name, action, start_path = "cybereason", "upgrade", "/rest/sensors/action/upgrade"

    def __init__(self, simulator):
        super().__init__(simulator)
        simulator.control("POST", "/cybereason/config", {"sensor_seconds": 0.1})

    def connection(self):
        return {"url": self.simulator.http_url, "username": "admin@sim.local", "password": "changeme"}

    def targets(self):
        return SENSORS[:9]

    def fail(self, target):
        self.simulator.control("POST", "/cybereason/sensors", [{"pylumId": target, "outcome": "MsiFileCorrupted"}])

    def named(self, body):
        return body["sensorsIds"]


class Puppet(Vendor):
    name, action, start_path = "puppet", "deploy", "/orchestrator/v1/command/deploy"

    def __init__(self, simulator):
        super().__init__(simulator)
        simulator.control("POST", "/puppet/config", {"new_seconds": 0.1, "ready_seconds": 0.1, "node_seconds": 0.2})
        self.failing = {}

    def connection(self):
        return {"url": self.simulator.http_url, "token": "sim-puppet-token"}

    def targets(self):
        return ["node%02d.example.com" % i for i in range(1, 10)]

    def fail(self, target):
        self.failing[target] = "Could not retrieve catalog from remote server"
        self.simulator.control("POST", "/puppet/config", {"fail_nodes": self.failing})

    def named(self, body):
        return body["scope"]["nodes"]


class Rackspace(Vendor):
    name, action, start_path = "rackspace", "backup", "/v1.0/123456/backup/action-requested"
    options = {"wake_agents": False}

    def __init__(self, simulator):
        super().__init__(simulator)
        simulator.control("POST", "/rackspace/config", {"step_seconds": 0.1})
        for configuration in RACKSPACE_CONFIGURATIONS[1:]:
            simulator.control("POST", "/rackspace/configurations", {"id": configuration})
        self.failing = []

    def connection(self):
        return {"url": self.simulator.http_url + "/v1.0/123456", "token": "sim-token"}

    def targets(self):
        return list(RACKSPACE_CONFIGURATIONS)

    def fail(self, target):
        self.failing.append(target)
        self.simulator.control("POST", "/rackspace/config", {"fail_configurations": self.failing})

    def started(self):
        # one request per configuration: regroup them by the role's batches of three
        ids = [str(json.loads(r["body"])["Id"]) for r in self.simulator.requests_log(self.start_path) if r["method"] == "POST"]
        return [ids[i:i + 3] for i in range(0, len(ids), 3)]


VENDORS = {"fleet": Fleet, "cortex_xdr": CortexXdr, "cybereason": Cybereason, "puppet": Puppet, "rackspace": Rackspace}
NOUNS = {"fleet": "agents", "cortex_xdr": "endpoints", "cybereason": "sensors", "puppet": "nodes",
         "rackspace": "configurations"}


# --- running the role ------------------------------------------------------------------------------

def role_play(tmp_path, variables, *, extra_args=None, json_results=True, env=None):
    tasks = [{"name": "role", "ansible.builtin.include_role": {"name": "actiongate.agents.rollout"}}]
    return run_playbook(tmp_path, tasks, play={"vars": dict(PYTHON, **variables)}, extra_args=extra_args,
                        json_results=json_results, env=env)


def task(run, name):
    """The result of the role's task called ``name`` (the last one if it ran twice)."""
    return run.task("actiongate.agents.rollout : " + name)


def published(run):
    """What the role's set_stats task published (the data AWX hands the next workflow node)."""
    stats = task(run, "Publish the rollout result for the next AWX workflow node (set_stats)")["ansible_stats"]
    assert stats["per_host"] is False and stats["aggregate"] is False
    return stats["data"]["rollout_result"]


def chunks(items, size=3):
    return [items[i:i + size] for i in range(0, len(items), size)]


# --- every vendor ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(VENDORS))
def test_three_batches_pass(simulator, tmp_path, name):
    vendor = VENDORS[name](simulator)
    run = role_play(tmp_path, vendor.variables())
    assert run.rc == 0, run.output[-3000:]
    result = fact(run, "rollout_result")
    assert result["passed"] is True and result["breached_batch"] is None and result["msg"] == ""
    assert result["vendor"] == name and result["action"] == vendor.action and result["refused"] == []
    assert [b["status"] for b in result["batches"]] == ["succeeded"] * 3
    assert [b["targets"] for b in result["batches"]] == chunks(vendor.targets())
    for batch in result["batches"]:
        assert batch["state"] == "succeeded" and batch["passed"] is True and batch["failed_targets"] == []
        assert batch["counts"]["failed"] == 0 and batch["counts"]["succeeded"] == batch["counts"]["total"] > 0
        assert batch["action_ids"] and all(isinstance(i, str) for i in batch["action_ids"])
        assert batch["seconds"] >= 0 and "raw" not in json.dumps(batch)
    assert len(result["batches"][2]["action_ids"]) == (3 if name == "rackspace" else 1)
    assert vendor.started() == chunks(vendor.targets())
    assert published(run) == result
    lines = task(run, "Show one line per batch")["msg"]
    assert len(lines) == 3 and lines[0].startswith("batch 1/3: 3 %s, action" % NOUNS[name]) and "passed" in lines[0]


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_a_breaching_second_batch_stops_the_rollout_before_the_third(simulator, tmp_path, name):
    vendor = VENDORS[name](simulator)
    bad = vendor.targets()[4]
    vendor.fail(bad)
    run = role_play(tmp_path, vendor.variables())
    assert run.rc != 0
    name_of_task, result = failure(run)
    assert name_of_task.endswith("Stop the play when a batch breached or targets were left out")
    message = result["msg"]
    summary = fact(run, "rollout_result")
    second = summary["batches"][1]
    assert "\n" not in message and message.startswith("Rollout stopped at batch 2 of 3 (action")
    assert all(action_id in message for action_id in second["action_ids"])
    assert message.endswith("Batch 3 was not started.")
    if name == "cybereason":  # Cybereason counts the failed sensors but does not name them
        assert second["failed_targets"] == [] and "Cybereason does not name the failed sensors" in message
        assert "MsiFileCorrupted" in message
    else:
        assert second["failed_targets"] == [bad] and "Failed %s: %s." % (NOUNS[name], bad) in message
    assert summary["passed"] is False and summary["breached_batch"] == 2 and summary["msg"] == message
    assert [b["status"] for b in summary["batches"]] == ["succeeded", "breached", "not_started"]
    assert second["passed"] is False and second["counts"]["failed"] >= 1
    assert summary["batches"][2]["action_ids"] == [] and summary["batches"][2]["targets"] == vendor.targets()[6:]
    # batch 3 never reached the vendor: two starts, neither naming its targets
    assert vendor.started() == chunks(vendor.targets())[:2]
    assert published(run) == summary


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_check_mode_prints_the_plan_and_starts_nothing(simulator, tmp_path, name):
    vendor = VENDORS[name](simulator)
    run = role_play(tmp_path, vendor.variables(), extra_args=["--check"])
    assert run.rc == 0, run.output[-3000:]
    result = fact(run, "rollout_result")
    assert result["check_mode"] is True and result["passed"] is False and result["msg"] == ""
    assert [b["status"] for b in result["batches"]] == ["planned"] * 3
    assert all(b["action_ids"] == [] for b in result["batches"])
    assert task(run, "Show one line per batch")["msg"][0] == "batch 1/3: 3 %s, check mode, would %s 3" % (
        NOUNS[name], vendor.action)
    assert vendor.started() == []
    assert [r for r in simulator.requests_log("/") if r["method"] in ("POST", "PATCH", "PUT")
            and r["path"] not in ("/login.html", "/v2.0/tokens", "/rbac-api/v1/auth/token")] == []


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_a_canary_then_half_then_the_rest(simulator, tmp_path, name):
    vendor = VENDORS[name](simulator)
    run = role_play(tmp_path, vendor.variables(rollout_batch_size=[1, "50%", "100%"]))
    assert run.rc == 0, run.output[-3000:]
    targets = vendor.targets()
    # serial's rule: 50% of 9 is int(4.5) = 4, then 100% takes the 4 left
    expected = [targets[:1], targets[1:5], targets[5:]]
    assert [b["targets"] for b in fact(run, "rollout_result")["batches"]] == expected
    if name != "rackspace":
        assert vendor.started() == expected


# --- Elastic Fleet and Cortex XDR in more detail -----------------------------------------------

def test_a_breaching_canary_stops_everything_after_it(simulator, tmp_path):
    vendor = CortexXdr(simulator)
    vendor.fail(vendor.targets()[0])
    run = role_play(tmp_path, vendor.variables(rollout_batch_size=[1, "50%", "100%"]))
    message = failure(run)[1]["msg"]
    assert message.startswith("Rollout stopped at batch 1 of 3 (action ")
    assert message.endswith("Failed endpoints: %s. Batches 2 to 3 were not started." % vendor.targets()[0])
    assert vendor.started() == [vendor.targets()[:1]]


def test_failures_within_the_allowance_pass_and_the_rollout_goes_on(simulator, tmp_path):
    vendor = Fleet(simulator)
    vendor.fail("agent-05")
    run = role_play(tmp_path, vendor.variables(rollout_allowed_failures="34%"))
    assert run.rc == 0, run.output[-3000:]
    result = fact(run, "rollout_result")
    assert result["passed"] is True and [b["status"] for b in result["batches"]] == ["succeeded"] * 3
    second = result["batches"][1]
    assert second["state"] == "failed" or second["counts"]["failed"] == 1
    assert second["failed_targets"] == ["agent-05"]


def test_start_batch_and_given_batches_with_a_pause(simulator, tmp_path):
    vendor = CortexXdr(simulator)
    ids = vendor.targets()
    run = role_play(tmp_path, vendor.variables(rollout_batches=[ids[:2], ids[2:3], ids[3:5]], rollout_start_batch=2,
                                               rollout_pause=1), json_results=False)
    assert run.rc == 0, run.output[-3000:]
    assert "Pausing for 1 seconds" in run.output
    assert "batch 1/3: 2 endpoints, skipped (before rollout_start_batch)" in run.output
    assert vendor.started() == [ids[2:3], ids[3:5]]


def test_a_start_that_fails_breaches_naming_why_and_starts_nothing_after(simulator, tmp_path):
    vendor = CortexXdr(simulator)
    simulator.control("POST", "/cortex_xdr/errors", {"api": "endpoints/scan", "status": 500})
    run = role_play(tmp_path, vendor.variables())
    message = failure(run)[1]["msg"]
    assert message.startswith("Rollout stopped at batch 1 of 3: could not start the scan: ")
    assert "MAY HAVE STARTED" in message and message.endswith("Batches 2 to 3 were not started.")
    assert len(vendor.started()) == 1
    assert fact(run, "rollout_result")["batches"][0]["status"] == "breached"


def test_endpoints_cortex_xdr_left_out_are_reported_not_failed_and_fail_the_play_at_the_end(simulator, tmp_path):
    vendor = CortexXdr(simulator)
    unknown = "0" * 32
    run = role_play(tmp_path, vendor.variables(rollout_targets=vendor.targets()[:2] + [unknown], rollout_batch_size=3))
    assert run.rc != 0
    message = failure(run)[1]["msg"]
    assert message.startswith("Rollout finished, but the scan did not reach 1 endpoints") and unknown in message
    result = fact(run, "rollout_result")
    assert result["passed"] is False and result["breached_batch"] is None
    assert result["batches"][0]["status"] == "succeeded"
    assert [r["target"] for r in result["refused"]] == [unknown] and result["refused"][0]["batch"] == 1


def test_timeout_breaches(simulator, tmp_path):
    vendor = Fleet(simulator)
    simulator.control("POST", "/fleet/agents", [{"id": "agent-01", "offline": True}])
    run = role_play(tmp_path, vendor.variables(rollout_timeout=2))
    message = failure(run)[1]["msg"]
    assert message.startswith("Rollout stopped at batch 1 of 3 (action ") and "Timed out after" in message
    assert fact(run, "rollout_result")["batches"][0]["state"] == "running"
    assert len(vendor.started()) == 1


@pytest.mark.parametrize("variables, expected", [
    ({"rollout_targets": ["", " "]}, "rollout_targets (or rollout_batches) is empty"),
    ({"rollout_batch_size": "2.5"}, "rollout_batch_size: '2.5' is not a number of targets"),
    ({"rollout_batches": [["agent-01"], ["agent-01"]]}, "agent-01 is in batch 1 and again in batch 2"),
    ({"rollout_start_batch": 4}, "rollout_start_batch must be between 1 and 3 (the number of batches), got 4"),
    ({"rollout_action": "isolate"}, "fleet takes rollout_action upgrade, unenroll (got isolate)"),
    ({"rollout_action_options": {"version": "8.15.0", "scan_type": "FULL"}}, "(got version, scan_type)"),
    ({"rollout_vendor": "nagios"}, "rollout_vendor"),
])
def test_input_errors_fail_before_any_request(simulator, tmp_path, variables, expected):
    vendor = Fleet(simulator)
    run = role_play(tmp_path, vendor.variables(**variables))
    assert run.rc != 0
    assert expected in failure(run)[1]["msg"], failure(run)[1]["msg"]
    assert simulator.requests_log("/api") == []


def test_survey_text_targets_and_batch_sizes(simulator, tmp_path):
    vendor = Puppet(simulator)
    text = "\n".join(vendor.targets()[:4]) + "\n"
    run = role_play(tmp_path, vendor.variables(rollout_targets=text, rollout_batch_size="1, 100%"))
    assert run.rc == 0, run.output[-3000:]
    assert vendor.started() == [vendor.targets()[:1], vendor.targets()[1:4]]


def test_secrets_stay_out_of_the_output(simulator, tmp_path):
    vendor = Cybereason(simulator)
    vendor.fail(SENSORS[1])
    run = role_play(tmp_path, vendor.variables(), json_results=False)
    assert run.rc != 0
    assert "changeme" not in run.output


# --- the Fleet version check (fleet_agent_info's available_versions) -----------------------------

def offered(simulator, versions):
    simulator.control("POST", "/fleet/config", {"available_versions": versions})


def test_fleet_upgrade_to_a_version_kibana_offers_goes_on(simulator, tmp_path):
    vendor = Fleet(simulator)
    offered(simulator, ["8.16.0", "8.15.0", "8.14.3"])
    run = role_play(tmp_path, vendor.variables(rollout_check_version=True))
    assert run.rc == 0, run.output[-3000:]
    assert len(simulator.requests_log("/api/fleet/agents/available_versions")) == 1
    assert len(vendor.started()) == 3


def test_fleet_upgrade_to_a_version_kibana_does_not_offer_starts_nothing(simulator, tmp_path):
    vendor = Fleet(simulator)
    offered(simulator, ["8.16.0", "8.14.3"])
    run = role_play(tmp_path, vendor.variables(rollout_check_version=True, rollout_action_options={"version": "8.15.9"}))
    assert run.rc != 0
    message = failure(run)[1]["msg"]
    assert message.startswith("Kibana does not offer Elastic Agent 8.15.9 (it offers 8.16.0, 8.14.3)")
    assert "rollout_check_version" in message and "Nothing was started" in message
    assert vendor.started() == []


def test_fleet_version_check_against_a_kibana_without_the_api_warns_and_goes_on(simulator, tmp_path):
    vendor = Fleet(simulator)
    simulator.fault(path="/api/fleet/agents/available_versions", status=404, count=5)
    run = role_play(tmp_path, vendor.variables(rollout_check_version=True))
    assert run.rc == 0, run.output[-3000:]
    assert task(run, "Read the Elastic Agent versions Kibana offers")["warnings"]
    assert len(vendor.started()) == 3


def test_fleet_version_check_off_reads_no_versions(simulator, tmp_path):
    vendor = Fleet(simulator)
    run = role_play(tmp_path, vendor.variables(rollout_check_version=False, rollout_batch_size="100%"))
    assert run.rc == 0, run.output[-3000:]
    assert simulator.requests_log("/api/fleet/agents/available_versions") == []


# --- playbooks/rollout.yml through ansible-runner (AWX's engine) -------------------------------------

def survey_answers(**answers):
    """Extra vars as AWX sends them from the survey: every question's default, then the answers."""
    survey = json.loads((ROOT / "extensions" / "awx" / "surveys" / "rollout.json").read_text())
    values = {q["variable"]: q["default"] for q in survey["spec"] if "default" in q}
    values.update(answers)
    return values


def test_the_playbook_from_its_survey_publishes_the_result_when_a_batch_breaches(simulator, tmp_path):
    import ansible_runner

    from tests.conftest import COLLECTIONS_PATH
    from tests.integration.helpers import BIN

    vendor = Puppet(simulator)
    nodes = vendor.targets()[:5]
    vendor.fail(nodes[2])
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "playbooks" / "rollout.yml", project / "rollout.yml")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % (BIN / "python"))
    extravars = survey_answers(rollout_vendor="puppet", rollout_action="deploy", rollout_targets="\n".join(nodes) + "\n",
                               rollout_options="environment: production\nnoop: false\n", rollout_batch_size="1, 50%",
                               rollout_report_path=str(tmp_path / "report.json"))
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path), playbook="rollout.yml", quiet=True, extravars=dict(extravars, rollout_interval=0.5),
        envvars={"PUPPET_ORCHESTRATOR_URL": simulator.http_url, "PUPPET_TOKEN": "sim-puppet-token",
                 "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_LOCALHOST_WARNING": "false",
                 "PATH": "%s:%s" % (BIN, os.environ.get("PATH", ""))})
    stdout = runner.stdout.read()
    assert runner.status == "failed" and runner.rc == 2, stdout[-3000:]
    events = list(runner.events)
    failed = [e for e in events if e["event"] == "runner_on_failed"]
    assert len(failed) == 1
    message = failed[0]["event_data"]["res"]["msg"]
    # 50% of 5 is int(2.5) = 2: batches [1], [2, 3], [4, 5]; node 3 fails in batch 2
    assert message.startswith("Rollout stopped at batch 2 of 3 (action ")
    assert message.endswith("Failed nodes: %s. Batch 3 was not started." % nodes[2])
    assert "sim-puppet-token" not in stdout
    stats = [e for e in events if e["event"] == "playbook_on_stats"]
    result = stats[0]["event_data"]["artifact_data"]["rollout_result"]
    assert result["breached_batch"] == 2 and result["passed"] is False and result["msg"] == message
    assert [b["targets"] for b in result["batches"]] == [nodes[:1], nodes[1:3], nodes[3:]]
    assert json.loads((tmp_path / "report.json").read_text()) == result
    assert vendor.started() == [nodes[:1], nodes[1:3]]
    assert [json.loads(r["body"])["environment"] for r in simulator.requests_log(vendor.start_path)] == ["production"] * 2
