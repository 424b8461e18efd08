"""Interrupted runs end what they opened: a SIGINT (Ctrl-C) or SIGTERM sent to a real
``ansible-playbook`` in the middle of a wait that cannot finish, and an ansible-runner cancel, log
out of Cybereason and revoke the Puppet or Rackspace token the run obtained within a few seconds, then the run
stops as Ansible stops it for that signal (docs/dev/architecture.md, "Interrupts").

Every case waits on the simulator: the signal is sent once the wait has polled (seen in the
simulator's request log, with a generous deadline for a loaded machine), and the end of the
session is read from the same log, timed from the signal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import ansible_runner
import pytest
import requests
import yaml

from tests.conftest import COLLECTIONS_PATH
from tests.integration.helpers import BIN, ansible_env

CYB_USER, CYB_PASSWORD = "admin@sim.local", "changeme"
ALL_ACTIONS = "/rest/sensors/allActions"
JOBS = "/orchestrator/v1/jobs"
REVOKE = "/rbac-api/v2/tokens"
CONNECTION_PLUGINS = Path(__file__).parent / "connection_plugins"
# From the signal to the logout seen by the server: a few seconds (the logout's own budget is 2 s),
# with room for a loaded 2-core machine.
WITHIN = 10.0
STARTUP = 180.0  # ansible-playbook's start-up and the first poll, under load
MARK = "ACTIONGATE_INTERRUPT_TEST"  # in the environment of every process a test starts (``ours``)


def wait_for(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, "%s did not happen within %d s" % (what, seconds)
        time.sleep(0.1)


def first_poll(simulator, path):
    return wait_for("the wait's first poll of %s" % path, lambda: simulator.requests_log(path), STARTUP)


def ended(simulator, path, sent, method="GET"):
    """The request to ``path`` the run sent to end its session, and how long after ``sent`` it came."""
    found = wait_for("%s %s" % (method, path), lambda: [r for r in simulator.requests_log(path) if r["method"] == method],
                     WITHIN * 6)
    return found[0], found[0]["time"] - sent


class Playbook:
    """``ansible-playbook`` in its own session (as a terminal's foreground job is its own group)."""

    def __init__(self, tmp_path, plays, env=None, inventory=None):
        self.tmp_path = tmp_path
        (tmp_path / "playbook.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
        cmd = [str(BIN / "ansible-playbook"), "playbook.yml"]
        if inventory is not None:
            (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
            cmd += ["-i", "inventory.yml"]
        self.out = open(tmp_path / "output.txt", "w")
        env = dict(env or {}, **{MARK: str(tmp_path)})
        self.proc = subprocess.Popen(cmd, cwd=str(tmp_path), env=ansible_env(env, json_results=False),
                                     stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)

    def signal(self, signum, group=True):
        sent = time.time()
        if group:
            os.killpg(self.proc.pid, signum)
        else:
            os.kill(self.proc.pid, signum)
        return sent

    def finish(self):
        rc = self.proc.wait(timeout=120)
        self.out.close()
        return rc, (self.tmp_path / "output.txt").read_text()

    def stop(self):
        """Whatever is left of this run (its process, and any worker it forked), by pid."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        for pid in ours(str(self.tmp_path)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if not self.out.closed:
            self.out.close()


def ours(marker):
    """Pids of live processes of this test's run: their environment holds ``MARK=marker`` (the
    playbook's, its worker's, a module's it started)."""
    wanted = ("%s=%s" % (MARK, marker)).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture
def playbook(tmp_path):
    started = []

    def start(plays, **kwargs):
        run = Playbook(tmp_path, plays, **kwargs)
        started.append(run)
        return run

    yield start
    for run in started:
        run.stop()


def play(tasks, **extra):
    body = {"name": "interrupted", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}, "tasks": tasks}
    body.update(extra)
    return [body]


def endless_batch(simulator):
    return simulator.control("POST", "/cybereason/batches", {"actionType": "Upgrade", "count": 2,
                                                             "sensor_seconds": 3600})["batchId"]


def cybereason_args(simulator, batch):
    return {"url": simulator.http_url, "username": CYB_USER, "password": CYB_PASSWORD, "action_ids": [batch],
            "wait": True, "wait_timeout": 600, "wait_interval": 0.5, "wait_max_interval": 0.5}


def cybereason_tasks(simulator, batch, how):
    args = cybereason_args(simulator, batch)
    if how == "module":
        return [{"name": "wait", "actiongate.agents.cybereason_action_status": args}]
    keywords = dict((k, v) for k, v in args.items() if k != "action_ids")
    return [{"name": "wait", "ansible.builtin.set_fact": {
        "found": "{{ lookup('actiongate.agents.cybereason_action_status', %d, **settings) }}" % batch},
        "vars": {"settings": keywords}}]


# Ansible's own exit for each signal sent to ansible-playbook: a SIGINT is "User interrupted
# execution", 99 (ExitCode.KEYBOARD_INTERRUPT); a SIGTERM ends the process with it.
EXIT = {signal.SIGINT: 99, signal.SIGTERM: -signal.SIGTERM}


def assert_logged_out(simulator, sent, rc, output, signum):
    logout, after = ended(simulator, "/logout", sent)
    assert after < WITHIN, "the logout came %.1f s after the signal" % after
    assert "JSESSIONID=" in logout["headers"].get("cookie", "")  # the run's own session
    sessions = simulator.control("GET", "/cybereason/sessions")
    assert sessions["active"] == 0 and sessions["logouts"] == 1 and sessions["logins"] == 1, sessions
    assert rc == EXIT[signum], output[-3000:]
    if signum == signal.SIGINT:
        assert "User interrupted execution" in output
    assert "Traceback" not in output and CYB_PASSWORD not in output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("how", ["module", "lookup"])
def test_a_cybereason_wait_interrupted_logs_out(simulator, playbook, how, signum):
    """The module's action plugin (in the worker, on the controller) and a lookup, signal to the group."""
    batch = endless_batch(simulator)
    run = playbook(play(cybereason_tasks(simulator, batch, how)))
    first_poll(simulator, ALL_ACTIONS)
    sent = run.signal(signum)
    rc, output = run.finish()
    assert_logged_out(simulator, sent, rc, output, signum)


def test_a_ctrl_c_to_ansible_playbook_alone_logs_out_from_a_role(simulator, playbook, tmp_path):
    """SIGINT to the ansible-playbook process only (its worker runs in a session of its own, and
    gets the SIGINT, then the SIGTERM of the cleanup, from ansible-core), the wait in a role."""
    batch = endless_batch(simulator)
    tasks = tmp_path / "roles" / "gate" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(yaml.safe_dump(cybereason_tasks(simulator, batch, "module")))
    run = playbook(play([], roles=["gate"]))
    first_poll(simulator, ALL_ACTIONS)
    sent = run.signal(signal.SIGINT, group=False)
    rc, output = run.finish()
    assert_logged_out(simulator, sent, rc, output, signal.SIGINT)


def test_a_module_run_as_a_module_logs_out_on_its_sigterm(simulator, playbook):
    """A module shipped to a host that is not ``local`` runs in a process of its own: Ansible's
    worker passes the SIGTERM on to its process group, the module's among them."""
    batch = endless_batch(simulator)
    inventory = {"all": {"hosts": {"jump": {"ansible_connection": "actiongate_target",
                                            "ansible_python_interpreter": str(BIN / "python")}}}}
    plays = play(cybereason_tasks(simulator, batch, "module"), hosts="jump")
    del plays[0]["connection"], plays[0]["vars"]
    run = playbook(plays, inventory=inventory, env={"ANSIBLE_CONNECTION_PLUGINS": str(CONNECTION_PLUGINS)})
    first_poll(simulator, ALL_ACTIONS)
    sent = run.signal(signal.SIGTERM)
    rc, output = run.finish()
    assert_logged_out(simulator, sent, rc, output, signal.SIGTERM)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_puppet_wait_interrupted_revokes_the_token_it_obtained(simulator, playbook, signum):
    job = simulator.control("POST", "/puppet/jobs", {"count": 1, "node_seconds": 3600})["job"]["name"]
    args = {"url": simulator.http_url, "rbac_url": simulator.http_url, "username": "deployer", "password": "puppetlabs",
            "action_ids": [job], "wait": True, "wait_timeout": 600, "wait_interval": 0.5, "wait_max_interval": 0.5}
    run = playbook(play([{"name": "wait", "actiongate.agents.puppet_job_status": args}]))
    first_poll(simulator, JOBS + "/" + job)
    sent = run.signal(signum)
    rc, output = run.finish()
    revoke, after = ended(simulator, REVOKE, sent, method="DELETE")
    assert after < WITHIN, "the revocation came %.1f s after the signal" % after
    token = json.loads(revoke["body"])["revoke_tokens"][0]
    assert revoke["headers"]["x-authentication"] == token  # the run's own token, the one it logged in for
    answer = requests.get(simulator.http_url + JOBS, headers={"X-Authentication": token}, timeout=10)
    assert answer.status_code == 401 and answer.json()["kind"] == "puppetlabs.rbac/token-revoked"
    assert simulator.control("GET", "/puppet/tokens")["revocations"] == 1
    assert rc == EXIT[signum], output[-3000:]
    assert token not in output and "puppetlabs" not in output.replace("puppetlabs.rbac", "")


def test_a_rackspace_wait_interrupted_revokes_the_token_identity_gave(simulator, playbook):
    backup = simulator.control("POST", "/rackspace/backups", {"step_seconds": 3600})["id"]
    args = {"identity_url": simulator.http_url + "/v2.0", "username": "sim-user", "api_key": "sim-api-key",
            "api_version": "v2", "action_ids": [backup], "wait": True, "wait_timeout": 600, "wait_interval": 0.5,
            "wait_max_interval": 0.5}
    run = playbook(play([{"name": "wait", "actiongate.agents.rackspace_backup_status": args}]))
    first_poll(simulator, "/v2/123456/backups/" + backup)
    sent = run.signal(signal.SIGTERM)
    rc, output = run.finish()
    revoke, after = ended(simulator, "/v2.0/tokens", sent, method="DELETE")
    assert after < WITHIN, "the revocation came %.1f s after the signal" % after
    token = revoke["headers"]["x-auth-token"]
    assert simulator.control("GET", "/rackspace/tokens")["revoked"] == [token]
    answer = requests.get(simulator.http_url + "/v2/123456/backups/" + backup, headers={"X-Auth-Token": token}, timeout=10)
    assert answer.status_code == 401
    assert rc == EXIT[signal.SIGTERM], output[-3000:]
    assert token not in output and "sim-api-key" not in output


def test_an_ansible_runner_cancel_logs_out(simulator, tmp_path):
    """ansible-runner (what AWX runs jobs with) cancels by SIGKILL to ansible-playbook's process
    group: the worker, in a session of its own, is left without its parent and ends the session."""
    batch = endless_batch(simulator)
    (tmp_path / "project").mkdir()
    (tmp_path / "inventory").mkdir()
    task = {"name": "wait", "actiongate.agents.cybereason_action_status": dict(
        (k, v) for k, v in cybereason_args(simulator, batch).items() if k not in ("url", "username", "password"))}
    (tmp_path / "project" / "wait.yml").write_text(yaml.safe_dump(
        [{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]))
    (tmp_path / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % (BIN / "python"))
    cancelled = {}

    def cancel():
        if not cancelled and simulator.requests_log(ALL_ACTIONS):
            cancelled["at"] = time.time()
        return bool(cancelled)

    try:
        runner = ansible_runner.run(
            private_data_dir=str(tmp_path), playbook="wait.yml", quiet=True, cancel_callback=cancel,
            settings={"pexpect_timeout": 0.5, "job_timeout": int(STARTUP) + 60},
            envvars={"CYBEREASON_URL": simulator.http_url, "CYBEREASON_USERNAME": CYB_USER,
                     "CYBEREASON_PASSWORD": CYB_PASSWORD, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
                     "ANSIBLE_LOCALHOST_WARNING": "false", "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "")),
                     MARK: str(tmp_path)})
        assert runner.status == "canceled", runner.status
        logout, after = ended(simulator, "/logout", cancelled["at"])
        assert after < WITHIN, "the logout came %.1f s after the cancel" % after
        sessions = simulator.control("GET", "/cybereason/sessions")
        assert sessions["active"] == 0 and sessions["logouts"] == 1, sessions
        assert CYB_PASSWORD not in runner.stdout.read()
        # and the orphaned worker is gone once it logged out
        wait_for("the worker's end", lambda: not ours(str(tmp_path)), 30)
    finally:
        for pid in ours(str(tmp_path)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
