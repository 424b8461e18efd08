"""Where a status task runs, and what of the task's ``environment`` reaches its requests.

On the controller (connection ``local``, or ``delegate_to: localhost``) the action plugin runs the
wait in-process, with progress lines; the task's ``environment`` (proxies, CA bundle, fallbacks)
applies to every request, as it would to a module. On any other connection the module itself is
shipped to the host and runs there. A loopback forward proxy (tests/integration/forward_proxy.py)
shows which requests went through it; a test connection plugin that is not ``local``
(connection_plugins/actiongate_target.py) plays a jump host with its own environment.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import certifi
import pytest
import yaml

from tests.integration.forward_proxy import ForwardProxy
from tests.integration.helpers import BIN, ansible_env, run_playbook
from tests.integration.sshd import SSHD, LoopbackSshd

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS = "actiongate.agents.fleet_action_status"
ACTION = "actiongate.agents.fleet_agent_action"
STATUS_PATH = "/api/fleet/agents/action_status"
CONNECTION_PLUGINS = Path(__file__).parent / "connection_plugins"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Nothing from the machine running the tests may decide whether a request is proxied (an empty
    lowercase variable would even cancel the uppercase one: urllib.request.getproxies_environment),
    nor hand the controller Fleet credentials."""
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name in ("FLEET_URL", "FLEET_API_KEY", "FLEET_USERNAME", "FLEET_PASSWORD", "FLEET_CA_PATH"):
        monkeypatch.delenv(name, raising=False)


def create(simulator, **spec):
    spec.setdefault("count", 1)
    spec.setdefault("ack_seconds", 0.01)
    return simulator.control("POST", "/fleet/actions", spec)["actionId"]


def status_task(url, action, environment, **args):
    params = {"url": url, "api_key": API_KEY, "action_ids": [action]}
    params.update(args)
    return {"name": "status", STATUS: params, "environment": environment}


def proxied(proxy, method, prefix):
    return [target for verb, target in proxy.log if verb == method and target.startswith(prefix)]


def test_status_module_sends_every_request_through_the_tasks_http_proxy(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=0.4)
    with ForwardProxy() as proxy:
        run = run_playbook(tmp_path, [status_task(
            simulator.http_url, action, {"HTTP_PROXY": proxy.url}, wait=True, wait_interval=0.5,
            wait_max_interval=0.5)])
    result = run.task("status")
    assert result["actions"][0]["state"] == "succeeded", result
    # every poll of the wait went through the proxy, not just the first request
    polls = proxied(proxy, "GET", simulator.http_url + STATUS_PATH)
    assert len(polls) == result["polls"] == len(simulator.requests_log(STATUS_PATH)), proxy.log


def test_https_goes_through_a_connect_tunnel_and_is_still_verified(simulator, tmp_path):
    action = create(simulator)
    with ForwardProxy() as proxy:
        run = run_playbook(tmp_path, [status_task(
            simulator.https_url, action, {"HTTPS_PROXY": proxy.url}, ca_path=simulator.ca_path)])
    assert run.task("status")["actions"][0]["state"] == "succeeded"
    assert proxy.log == [("CONNECT", simulator.https_url[len("https://"):])]


def test_no_proxy_sends_requests_direct(simulator, tmp_path):
    action = create(simulator)
    with ForwardProxy() as proxy:
        run = run_playbook(tmp_path, [status_task(
            simulator.http_url, action, {"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})])
    assert run.task("status")["actions"][0]["state"] == "succeeded"
    assert proxy.log == []
    assert len(simulator.requests_log(STATUS_PATH)) == 1


def test_a_proxy_that_cannot_be_reached_fails_the_task_naming_the_vendor(simulator, tmp_path):
    action = create(simulator)
    with ForwardProxy() as proxy:
        dead = proxy.url
    run = run_playbook(tmp_path, [dict(status_task(simulator.http_url, action, {"HTTP_PROXY": dead},
                                                   request_timeout=2), ignore_errors=True)])
    result = run.task("status")
    assert result["failed"] is True
    assert "Elastic Fleet" in result["msg"] and "Traceback" not in result["msg"]
    assert simulator.requests_log(STATUS_PATH) == []


def test_fleet_agent_action_goes_through_the_same_proxy(simulator, tmp_path):
    with ForwardProxy() as proxy:
        run = run_playbook(tmp_path, [{
            "name": "start", ACTION: {"url": simulator.http_url, "api_key": API_KEY, "action": "upgrade",
                                      "agents": ["agent-01"], "version": "8.15.0"},
            "environment": {"HTTP_PROXY": proxy.url}}])
    assert run.task("start")["action_id"]
    assert proxied(proxy, "POST", simulator.http_url + "/api/fleet/agents/bulk_upgrade")


def test_requests_ca_bundle_from_the_task_environment_is_trusted(simulator, tmp_path):
    action = create(simulator)
    trusted = run_playbook(tmp_path, [status_task(simulator.https_url, action,
                                                  {"REQUESTS_CA_BUNDLE": simulator.ca_path})])
    assert trusted.task("status")["actions"][0]["state"] == "succeeded"
    # the control: the same task without it does not trust the simulator's CA
    untrusted = run_playbook(tmp_path, [dict(status_task(simulator.https_url, action, {}), ignore_errors=True)])
    assert untrusted.task("status")["failed"] is True
    assert "TLS" in untrusted.task("status")["msg"]


def test_vendor_ca_path_from_the_task_environment_is_the_ca_path_fallback(simulator, tmp_path):
    action = create(simulator)
    run = run_playbook(tmp_path, [status_task(simulator.https_url, action, {"FLEET_CA_PATH": simulator.ca_path})])
    assert run.task("status")["actions"][0]["state"] == "succeeded"
    # an explicit ca_path still wins over the variable (certifi's bundle does not hold the simulator's CA)
    wrong = run_playbook(tmp_path, [dict(status_task(
        simulator.https_url, action, {"FLEET_CA_PATH": simulator.ca_path}, ca_path=certifi.where()),
        ignore_errors=True)])
    assert wrong.task("status")["failed"] is True
    assert "TLS" in wrong.task("status")["msg"]


# --- where the task runs -------------------------------------------------------------------------

def run_on_inventory(tmp_path: Path, inventory: dict[str, Any], plays: list[dict[str, Any]], *,
                     env: dict[str, str] | None = None, extra_args: list[str] | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "playbook.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    extra = dict(ANSIBLE_CONNECTION_PLUGINS=str(CONNECTION_PLUGINS), **(env or {}))
    cmd = [str(BIN / "ansible-playbook"), "-i", "inventory.yml", "playbook.yml"] + list(extra_args or [])
    return subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(extra, json_results=False), timeout=300,
                          cwd=str(tmp_path), check=False)


def jump_host(simulator, **target_env):
    """A host reached through a connection that is not ``local``, holding the vendor credentials in
    its own environment only (the controller's has none)."""
    env = {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY}
    env.update(target_env)
    return {"all": {"hosts": {"jump": {
        "ansible_connection": "actiongate_target", "ansible_python_interpreter": str(BIN / "python"),
        "actiongate_target_env": env}}}}


def saved_result(tmp_path: Path, proc: subprocess.CompletedProcess) -> dict[str, Any]:
    path = tmp_path / "result.json"
    assert path.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    return json.loads(path.read_text())


def save(register: str) -> dict[str, Any]:
    """A task writing the registered result to result.json on the controller, for the test to read."""
    return {"name": "save", "ansible.builtin.copy": {"content": "{{ %s | to_json }}" % register,
                                                     "dest": "{{ playbook_dir }}/result.json"},
            "delegate_to": "localhost"}


def test_a_host_whose_connection_is_not_local_runs_the_module_there(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=0.4)
    with ForwardProxy() as proxy:
        proc = run_on_inventory(tmp_path, jump_host(simulator), [{
            "hosts": "jump", "gather_facts": False, "tasks": [
                {"name": "status", STATUS: {"action_ids": [action], "wait": True, "wait_interval": 0.5,
                                            "wait_max_interval": 0.5, "progress_interval": 1},
                 "environment": {"HTTP_PROXY": proxy.url}, "register": "waited"},
                save("waited")]}], extra_args=["-vvv"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    result = saved_result(tmp_path, proc)
    assert result["succeeded"] is True and result["actions"][0]["state"] == "succeeded"
    # the task names no URL or key and the controller's environment has none (fixture): they came
    # from the jump host's own environment, so the module ran there, shipped as a module
    assert "AnsiballZ_fleet_action_status.py" in proc.stdout
    # the task's environment reached the module on that host: its polls went through the proxy
    assert len(proxied(proxy, "GET", simulator.http_url + STATUS_PATH)) == result["polls"] >= 1
    # documented: no live progress lines from a module on another host
    assert "Elastic Fleet: waiting" not in proc.stdout


def test_delegate_to_localhost_runs_on_the_controller_with_progress(simulator, tmp_path):
    action = create(simulator, count=2, ack_seconds=0.6)
    with ForwardProxy() as proxy:
        proc = run_on_inventory(tmp_path, jump_host(simulator), [{
            "hosts": "jump", "gather_facts": False, "tasks": [
                {"name": "status", STATUS: {"action_ids": [action], "wait": True, "wait_interval": 0.5,
                                            "wait_max_interval": 0.5, "progress_interval": 1,
                                            "url": simulator.http_url, "api_key": API_KEY},
                 "environment": {"HTTP_PROXY": proxy.url}, "delegate_to": "localhost", "register": "waited"},
                save("waited")]}], extra_args=["-vvv"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    result = saved_result(tmp_path, proc)
    assert result["succeeded"] is True
    assert "[jump] Elastic Fleet: waiting" in proc.stdout
    assert "AnsiballZ_fleet_action_status.py" not in proc.stdout
    assert len(proxied(proxy, "GET", simulator.http_url + STATUS_PATH)) == result["polls"] >= 1


def test_an_async_task_on_the_controller_runs_the_module_as_a_background_job(simulator, tmp_path):
    """``async`` works as for any module: the module runs as a module, in Ansible's background job
    (the action plugin used to refuse it), and async_status collects the wait's result."""
    action = create(simulator, count=2, ack_seconds=0.6)
    run = run_playbook(tmp_path, [
        dict(status_task(simulator.http_url, action, {}, wait=True, wait_interval=0.5, wait_max_interval=0.5),
             name="waited", register="job", **{"async": 60, "poll": 0}),
        {"name": "collected", "ansible.builtin.async_status": {"jid": "{{ job.ansible_job_id }}"},
         "register": "collected", "until": "collected.finished", "retries": 60, "delay": 0.5},
    ])
    assert run.rc == 0, run.output[-4000:]
    assert run.task("waited")["ansible_job_id"]
    result = run.task("collected")
    assert result["succeeded"] is True and result["actions"][0]["state"] == "succeeded" and result["polls"] >= 1
    assert API_KEY not in json.dumps(result)


def test_the_controller_environment_is_not_the_jump_hosts(simulator, tmp_path):
    """The reverse of the jump-host test: delegated to localhost, the jump host's environment is not
    there, so the fallbacks find nothing and the module's own message says what is missing."""
    action = create(simulator)
    proc = run_on_inventory(tmp_path, jump_host(simulator), [{
        "hosts": "jump", "gather_facts": False, "tasks": [
            {"name": "status", STATUS: {"action_ids": [action]}, "delegate_to": "localhost",
             "register": "read", "ignore_errors": True},
            save("read")]}])
    result = saved_result(tmp_path, proc)
    assert result["failed"] is True
    assert "url" in result["msg"] and "Traceback" not in result["msg"]


@pytest.mark.skipif(not Path(SSHD).exists(), reason="sshd is not installed here (%s): the ssh variant of the "
                    "jump-host test cannot run (apt-get install openssh-server); the actiongate_target connection "
                    "test covers the same path" % SSHD)
def test_a_jump_host_over_ssh_runs_the_module_there(simulator, tmp_path):
    action = create(simulator)
    with LoopbackSshd(tmp_path / "sshd") as sshd, ForwardProxy() as proxy:
        inventory = {"all": {"hosts": {"jump": dict(sshd.host_vars(), ansible_python_interpreter=str(BIN / "python"))}}}
        proc = run_on_inventory(tmp_path, inventory, [{
            "hosts": "jump", "gather_facts": False, "tasks": [
                {"name": "status", STATUS: {"action_ids": [action]}, "register": "read",
                 "environment": {"FLEET_URL": simulator.http_url, "FLEET_API_KEY": API_KEY, "HTTP_PROXY": proxy.url}},
                save("read")]}], extra_args=["-vvv"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert saved_result(tmp_path, proc)["actions"][0]["state"] == "succeeded"
    assert "SSH: EXEC" in proc.stdout and "AnsiballZ_fleet_action_status.py" in proc.stdout
    # the task's environment reached the module over ssh: credentials and proxy both
    assert proxied(proxy, "GET", simulator.http_url + STATUS_PATH)
