"""puppet_job_run: start Puppet runs and tasks against the simulator over real HTTP, then wait on the
job with puppet_job_status; every fault of the start counted at one request."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from tests.integration.helpers import run_adhoc, run_playbook
from tests.simulator.puppet import STATIC_TOKEN, TOKEN_PATH

MODULE = "actiongate.agents.puppet_job_run"
STATUS = "actiongate.agents.puppet_job_status"
DEPLOY = "/orchestrator/v1/command/deploy"
TASK = "/orchestrator/v1/command/task"
JOBS = "/orchestrator/v1/jobs"
FAST = {"new_seconds": 0.1, "ready_seconds": 0.1, "node_seconds": 0.2}
PASSWORD = "puppetlabs"


@pytest.fixture(autouse=True)
def fast_jobs(simulator, monkeypatch):
    simulator.control("POST", "/puppet/config", FAST)
    for name in ("PUPPET_ORCHESTRATOR_URL", "PUPPET_TOKEN", "PUPPET_USERNAME", "PUPPET_PASSWORD", "PUPPET_RBAC_URL"):
        monkeypatch.delenv(name, raising=False)


def start_task(simulator, name="start", register="started", **args):
    params = {"url": simulator.http_url, "token": STATIC_TOKEN}
    params.update(args)
    return {"name": name, MODULE: params, "register": register, "ignore_errors": True}


def wait_task(simulator, name="wait", started="started", **args):
    params = {"url": simulator.http_url, "token": STATIC_TOKEN, "action_ids": ["{{ %s.action_id }}" % started],
              "wait": True, "wait_timeout": 60, "wait_interval": 0.5, "wait_max_interval": 0.5, "fail_on_failure": False}
    params.update(args)
    return {"name": name, STATUS: params, "register": "waited"}


def login(simulator):
    return {"token": None, "username": "deployer", "password": PASSWORD, "rbac_url": simulator.http_url}


def posts(simulator, path):
    return [r for r in simulator.requests_log(path) if r["method"] == "POST" and r["path"] == path]


def test_deploy_returns_the_job_name_puppet_job_status_waits_on(simulator, tmp_path):
    simulator.control("POST", "/puppet/config", {"fail_nodes": {"bad.example.com": "Could not retrieve catalog"}})
    run = run_playbook(tmp_path, [
        start_task(simulator, command="deploy", nodes=["web01.example.com", "web02.example.com"],
                   description="batch 1", noop=False, concurrency=2),
        wait_task(simulator),
        start_task(simulator, name="start failing", register="failing", command="deploy",
                   nodes=["good.example.com", "bad.example.com"]),
        wait_task(simulator, name="wait failing", started="failing")])
    started = run.task("start")
    assert not started.get("failed"), started
    assert started["changed"] is True and started["action_id"].isdigit()
    assert started["action_ids"] == [started["action_id"]] and started["command"] == "deploy"
    assert (started["node_count"], started["skipped_nodes"]) == (2, [])
    assert started["raw"]["job"]["name"] == started["action_id"] and "warnings" not in started
    assert "skipped" not in started
    sent = posts(simulator, DEPLOY)
    assert len(sent) == 2
    assert json.loads(sent[0]["body"]) == {"environment": "production", "noop": False, "concurrency": 2,
                                           "scope": {"nodes": ["web01.example.com", "web02.example.com"]},
                                           "description": "batch 1"}
    assert sent[0]["headers"]["x-authentication"] == STATIC_TOKEN
    waited = run.task("wait")["actions"][0]
    assert (waited["action_id"], waited["state"], waited["command"]) == (started["action_id"], "succeeded", "deploy")
    assert waited["targets"] == {"total": 2, "succeeded": 2, "failed": 0, "pending": 0}
    failing = run.task("wait failing")["actions"][0]
    assert failing["action_id"] == run.task("start failing")["action_id"]
    assert (failing["state"], failing["targets"]["failed"]) == ("failed", 1)
    assert failing["errors"][0]["target"] == "bad.example.com"
    assert "Could not retrieve catalog" in failing["errors"][0]["message"]


def test_task_with_a_login_and_nodes_pe_left_out(simulator, tmp_path):
    """PE leaves out of a task's job, without an error, the nodes the user may not run tasks on:
    they come back in skipped_nodes with a warning, and the wait counts the job's nodes only."""
    simulator.control("POST", "/puppet/config", {"forbidden_nodes": ["db02.example.com"]})
    nodes = ["db01.example.com", "db02.example.com", "db03.example.com"]
    run = run_playbook(tmp_path, [
        start_task(simulator, command="task", task="puppet_agent::install", params={"version": "8.10.0"},
                   timeout=900, nodes=nodes, **login(simulator)),
        wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed"), started
    assert (started["node_count"], started["skipped_nodes"]) == (2, ["db02.example.com"])
    assert any("left 1 of the 3 nodes asked out of job %s (db02.example.com)" % started["action_id"] in w
               for w in started["warnings"])
    assert len(posts(simulator, TOKEN_PATH)) == 1
    (sent,) = posts(simulator, TASK)
    assert json.loads(sent["body"]) == {"environment": "production", "scope": {"nodes": nodes},
                                        "task": "puppet_agent::install", "params": {"version": "8.10.0"},
                                        "timeout": 900}
    assert sent["headers"]["x-authentication"] != STATIC_TOKEN
    # the nodes were read once, because node_count was lower than the nodes asked
    assert len(simulator.requests_log("%s/%s/nodes" % (JOBS, started["action_id"]))) >= 1
    waited = run.task("wait")["actions"][0]
    assert (waited["state"], waited["targets"]["total"]) == ("succeeded", 2)


def test_check_mode_sends_no_start(simulator, tmp_path):
    run = run_playbook(tmp_path, [
        start_task(simulator, name="token", command="deploy", nodes=["a.example.com"]),
        start_task(simulator, name="login", command="task", task="facts", nodes=["a.example.com"], **login(simulator))],
        extra_args=["--check"])
    token, logged_in = run.task("token"), run.task("login")
    for result in (token, logged_in):
        assert not result.get("failed"), result
        assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert token["requests"] == [{"method": "POST", "path": DEPLOY, "body": {
        "environment": "production", "scope": {"nodes": ["a.example.com"]}}}]
    assert logged_in["requests"][0]["body"]["params"] == {}
    # the login is the only request: no start, no read of a job
    assert [(r["method"], r["path"]) for r in simulator.requests_log("/")] == [("POST", TOKEN_PATH)]


def test_every_fault_of_the_start_is_one_request_and_says_whether_it_may_have_started(simulator, tmp_path):
    expired = simulator.control("POST", "/puppet/tokens", {"lifetime": "1m"})["token"]
    simulator.control("POST", "/puppet/tokens/expire", {"token": expired})
    simulator.control("POST", "/puppet/config", {"forbidden_tasks": ["forbidden::task"]})
    simulator.control("POST", "/faults", [
        {"path": DEPLOY, "method": "POST", "status": 503, "retry_after": 1},
        {"path": DEPLOY, "method": "POST", "status": 500},
        {"path": DEPLOY, "method": "POST", "kind": "reset"},
        {"path": DEPLOY, "method": "POST", "kind": "slow", "delay": 3},
        {"path": DEPLOY, "method": "POST", "status": 202, "body": {"job": {"id": "https://x/orchestrator/v1/jobs/77"}}},
    ])
    deploy = {"command": "deploy", "nodes": ["a.example.com"]}
    tasks = [start_task(simulator, name="fault %s" % kind, request_timeout=1.5, **deploy)
             for kind in ("503", "500", "reset", "timeout", "no name")]
    tasks += [
        start_task(simulator, name="expired", token=expired, **deploy),
        start_task(simulator, name="not permitted", command="task", task="forbidden::task", nodes=["a.example.com"]),
        start_task(simulator, name="unknown environment", environment="nowhere", **deploy),
        start_task(simulator, name="empty target", command="task", task="facts", nodes=["x.example.com"]),
    ]
    simulator.control("POST", "/puppet/config", {"forbidden_nodes": ["x.example.com"]})
    run = run_playbook(tmp_path, tasks)
    may = {"fault 503": "HTTP 503", "fault 500": "HTTP 500", "fault reset": "", "fault timeout": "",
           "fault no name": "no job.name that is a job number"}
    for name, words in may.items():
        result = run.task(name)
        assert result["failed"] is True and "MAY HAVE STARTED" in result["msg"], (name, result["msg"])
        assert words in result["msg"] and "puppet_job_status" in result["msg"], (name, result["msg"])
    assert "its job.id names job 77" in run.task("fault no name")["msg"]
    refused = {"expired": ("HTTP 401", "token-expired", "sent once, never again"),
               "not permitted": ("HTTP 403", "not-permitted", "Tasks: Run tasks"),
               "unknown environment": ("HTTP 404", "unknown-environment", "check environment"),
               "empty target": ("HTTP 400", "empty-target", "resolved to no node")}
    for name, words in refused.items():
        result = run.task(name)
        assert result["failed"] is True and "Nothing started" in result["msg"], (name, result["msg"])
        assert "MAY HAVE STARTED" not in result["msg"]
        assert all(w in result["msg"] for w in words), (name, result["msg"])
    # one request per start, whatever the fault (503 with Retry-After, reset and timeout included)
    assert len(posts(simulator, DEPLOY)) == 7 and len(posts(simulator, TASK)) == 2
    assert expired not in run.output
    # the slow start created its job after the client gave up (it did start): wait for it, so that
    # its request ends within this test
    assert started_late(simulator, "1")["state"]


def started_late(simulator, name, seconds=15.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return simulator.control("GET", "/puppet/jobs/" + name)
        except requests.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_bad_input_is_refused_before_any_request(simulator, tmp_path):
    cases = {
        "no nodes": {"command": "deploy", "nodes": []},
        "blank node": {"command": "deploy", "nodes": ["a.example.com", " "]},
        "twice": {"command": "deploy", "nodes": ["a.example.com", "a.example.com"]},
        "blank inside": {"command": "deploy", "nodes": ["a example.com"]},
        "task without name": {"command": "task", "nodes": ["a.example.com"]},
        "concurrency on a task": {"command": "task", "task": "facts", "concurrency": 2, "nodes": ["a.example.com"]},
        "timeout on deploy": {"command": "deploy", "timeout": 60, "nodes": ["a.example.com"]},
        "zero concurrency": {"command": "deploy", "concurrency": 0, "nodes": ["a.example.com"]},
        "blank environment": {"command": "deploy", "environment": "", "nodes": ["a.example.com"]},
    }
    run = run_playbook(tmp_path, [start_task(simulator, name=name, **args) for name, args in cases.items()])
    words = {"no nodes": "nodes must list at least one target", "blank node": "nodes has a blank item (position 2)",
             "twice": "nodes lists 'a.example.com' more than once", "blank inside": "is not a certname",
             "task without name": "task", "concurrency on a task": "concurrency cannot be used with command=task",
             "timeout on deploy": "timeout cannot be used with command=deploy",
             "zero concurrency": "concurrency must be between 1 and 2147483647",
             "blank environment": "environment is blank"}
    for name, text in words.items():
        result = run.task(name)
        assert result["failed"] is True and text in result["msg"], (name, result["msg"])
    assert "Traceback" not in run.output
    assert simulator.requests_log("/") == []


def test_adhoc_with_env_login_and_a_wrong_password_secret_free(simulator):
    env = {"PUPPET_ORCHESTRATOR_URL": simulator.http_url, "PUPPET_RBAC_URL": simulator.http_url,
           "PUPPET_USERNAME": "deployer", "PUPPET_PASSWORD": PASSWORD}
    args = json.dumps({"command": "deploy", "nodes": ["web09.example.com"]})
    run = run_adhoc(MODULE, args, env=env)
    assert run.rc == 0, run.output[-2000:]
    assert run.adhoc()["action_id"].isdigit() and run.adhoc()["changed"] is True
    wrong = "Wr0ng&%pa55+/="
    bad = run_adhoc(MODULE, args, env=dict(env, PUPPET_PASSWORD=wrong), json_results=False, extra_args=["-vvvv"])
    assert bad.rc != 0 and "refused the login of user 'deployer'" in bad.output
    assert "failed before its request was sent" in bad.output and "Nothing started" in bad.output
    assert wrong not in bad.output and "Wr0ng" not in bad.output
    assert len(posts(simulator, DEPLOY)) == 1


def test_a_stale_token_with_credentials_is_renewed_by_a_read_before_the_one_start(simulator, tmp_path):
    expired = simulator.control("POST", "/puppet/tokens", {"lifetime": "1m"})["token"]
    simulator.control("POST", "/puppet/tokens/expire", {"token": expired})
    args = login(simulator)
    args["token"] = expired
    run = run_playbook(tmp_path, [start_task(simulator, command="deploy", nodes=["a.example.com"], **args)])
    started = run.task("start")
    assert not started.get("failed"), started
    calls = [(r["method"], r["path"]) for r in simulator.requests_log("/") if r["path"] != JOBS + "/" + started["action_id"]]
    assert calls == [("GET", JOBS), ("POST", TOKEN_PATH), ("GET", JOBS), ("POST", DEPLOY)]
    (sent,) = posts(simulator, DEPLOY)
    assert sent["headers"]["x-authentication"] != expired
    assert expired not in run.output


def test_a_failed_read_after_the_start_keeps_the_job_and_warns(simulator, tmp_path):
    simulator.fault(path=JOBS + "/", method="GET", status=500)
    run = run_playbook(tmp_path, [start_task(simulator, command="deploy", nodes=["a.example.com"]),
                                  wait_task(simulator)])
    started = run.task("start")
    assert not started.get("failed") and started["action_id"].isdigit() and started["changed"] is True
    assert started["node_count"] is None and started["skipped_nodes"] is None
    assert any("reading it back failed" in w and "HTTP 500" in w for w in started["warnings"])
    assert len(posts(simulator, DEPLOY)) == 1
    assert run.task("wait")["actions"][0]["state"] == "succeeded"


def test_missing_requests_names_the_target_hosts_python(simulator, tmp_path):
    """puppet_job_run runs on the target like any module: the message names that host's Python."""
    task = start_task(simulator, command="deploy", nodes=["a.example.com"])
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = str(bare / "bin" / "python")
    assert subprocess.run([python, "-c", "import requests"], capture_output=True, check=False).returncode != 0
    task["vars"] = {"ansible_python_interpreter": python}
    result = run_playbook(tmp_path, [task]).task("start")
    assert result["failed"] is True
    assert "requests" in result["msg"] and python in result["msg"] and "target host" in result["msg"]
    assert simulator.requests_log("/") == []
