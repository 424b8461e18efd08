"""Run real ansible-playbook and ansible ad-hoc commands against the simulator.

Every integration test goes through these: a playbook (or ad-hoc command) is written to a
temporary directory and run in a subprocess with the collection on ANSIBLE_COLLECTIONS_PATH,
exactly as a user's run would be.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

BIN = Path(sys.executable).parent
CALLBACK = "test_results"  # tests/integration/callback_plugins/test_results.py


class Run:
    """One ansible run: exit code, raw output, and the per-task results of the json callback."""

    def __init__(self, proc: subprocess.CompletedProcess, parse_json: bool) -> None:
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.output = proc.stdout + proc.stderr
        self.data = _parse(proc.stdout) if parse_json else None

    def task(self, name: str) -> dict[str, Any]:
        """The localhost result of the task called ``name`` (the last one if it ran twice)."""
        found = [t["hosts"]["localhost"] for play in self.data["plays"] for t in play["tasks"]
                 if t["task"]["name"] == name and "localhost" in t["hosts"]]
        assert found, "no task %r in run output:\n%s" % (name, self.output[-3000:])
        return found[-1]

    def adhoc(self) -> dict[str, Any]:
        return self.data["plays"][0]["tasks"][0]["hosts"]["localhost"]


def _parse(stdout: str) -> dict[str, Any] | None:
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        return json.loads(stdout[start:])
    except ValueError:
        return None


def ansible_env(extra: dict[str, str] | None = None, json_results: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "PYTHONWARNINGS": "ignore",
    })
    if json_results:
        env.update({"ANSIBLE_STDOUT_CALLBACK": CALLBACK, "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
                    "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).parent / "callback_plugins")})
    env.update(extra or {})
    return env


def run_playbook(tmp_path: Path, tasks: list[dict[str, Any]], *, env: dict[str, str] | None = None,
                 extra_args: list[str] | None = None, json_results: bool = True,
                 play: dict[str, Any] | None = None, timeout: float = 300) -> Run:
    """Run ``tasks`` in one play on localhost (connection local, facts off)."""
    body = {"name": "integration", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}, "tasks": tasks}
    body.update(play or {})
    path = tmp_path / "playbook.yml"
    path.write_text(yaml.safe_dump([body], sort_keys=False))
    cmd = [str(BIN / "ansible-playbook"), str(path)] + list(extra_args or [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(env, json_results), timeout=timeout,
                          cwd=str(tmp_path), check=False)
    return Run(proc, parse_json=json_results)


def run_adhoc(module: str, args: str, *, env: dict[str, str] | None = None, extra_args: list[str] | None = None,
              json_results: bool = True, timeout: float = 300) -> Run:
    """``ansible localhost -m <module> -a <args>``, as an operator would type it."""
    cmd = [str(BIN / "ansible"), "localhost", "-m", module, "-a", args] + list(extra_args or [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(env, json_results), timeout=timeout,
                          check=False)
    return Run(proc, parse_json=json_results)


@contextlib.contextmanager
def clock_starts_on_first_poll(simulator, path: str):
    """Hold simulated time until the module first polls ``path`` (the simulator restarts it on that
    request): ansible's start-up time (seconds, under load) must not let an action finish before the
    wait begins. Leaving the block always restarts the clock, so a run that never polls cannot leave
    it held for a later test."""
    simulator.control("POST", "/clock", {"resume_on": path})
    try:
        yield
    finally:
        simulator.control("POST", "/clock", {"speed": 1})


def fact(run, name: str) -> Any:
    """The last value the run set for the fact ``name`` (fails the test, with the output, if never)."""
    found = [t["hosts"]["localhost"]["ansible_facts"][name] for play in run.data["plays"] for t in play["tasks"]
             if name in t["hosts"].get("localhost", {}).get("ansible_facts", {})]
    assert found, "fact %s never set:\n%s" % (name, run.output[-3000:])
    return found[-1]


def failure(run) -> tuple[str, dict[str, Any]]:
    """(task name, host result) of the last task that failed on localhost."""
    failed = [(t["task"]["name"], t["hosts"]["localhost"]) for play in run.data["plays"] for t in play["tasks"]
              if t["hosts"].get("localhost", {}).get("failed")]
    assert failed, run.output[-3000:]
    return failed[-1]
