"""Benchmark: waiting on a Fleet action with our module versus the ``uri`` + ``until`` loop.

For each duration (default 30 s and 120 s) a simulated Fleet upgrade becomes terminal after that
long, and three whole ``ansible-playbook`` runs are measured:

* ``module``: ``actiongate.agents.fleet_action_status`` with ``wait: true``, ``wait_interval: 1``,
  ``wait_max_interval: 1``;
* ``uri loop``: what users write today, ``ansible.builtin.uri`` with ``until``, ``retries`` and
  ``delay: 1``;
* ``floor``: a play whose only task is ``ansible.builtin.command: sleep <duration>`` (Ansible
  spends CPU while any task waits).

Printed per run: CPU seconds of the whole run (user + system of ansible-playbook and all its
children), wall time, requests the simulator served, and detection lag (from the moment the
action became terminal to the moment the play's next task reached the simulator). Then the CPU
ratios. Run: ``.venv/bin/python tests/benchmarks/fleet_wait.py [--durations 30 120]`` (or ``-m tests.benchmarks.fleet_wait``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import requests

if __package__ in (None, ""):  # run as a file: the repository root is what ``tests`` is imported from
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks._play import run_measured
from tests.simulator.server import Simulator

KEY = "c2ltLWtleTpzZWNyZXQ="
ROOT = Path(__file__).resolve().parents[2]
TERMINAL = ["COMPLETE", "FAILED", "CANCELLED", "EXPIRED"]


def module_task(url: str, action_id: str) -> dict:
    return {"name": "wait", "actiongate.agents.fleet_action_status": {
        "url": url, "api_key": KEY, "action_ids": [action_id], "wait": True, "wait_interval": 1,
        "wait_max_interval": 1, "wait_timeout": 900}}


def uri_task(url: str, action_id: str) -> dict:
    found = "(r.json['items'] | selectattr('actionId', 'equalto', '%s') | map(attribute='status') | list)" % action_id
    return {"name": "wait", "ansible.builtin.uri": {
        "url": url + "/api/fleet/agents/action_status?perPage=100", "headers": {"Authorization": "ApiKey " + KEY},
        "return_content": True}, "register": "r",
        "until": "%s | length > 0 and %s[0] in %s" % (found, found, TERMINAL), "retries": 900, "delay": 1}


def floor_task(duration: float) -> dict:
    return {"name": "wait", "ansible.builtin.command": "sleep %d" % duration, "changed_when": False}


def marker_task(url: str) -> dict:
    """The next task: a request the simulator logs, marking when the play moved on.

    A controller-side lookup, so neither run pays for building a module here (the uri loop
    would otherwise have its module cached and the module run would not)."""
    return {"name": "moved on", "ansible.builtin.debug": {
        "msg": "{{ lookup('ansible.builtin.url', '%s/bench/moved-on', errors='ignore') }}" % url}}


def run_play(tasks: list, workdir: Path) -> tuple[float, float]:
    """Run one playbook; return (CPU seconds of it and all its children, wall seconds)."""
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}, "tasks": tasks}]
    return run_measured(play, workdir / "bench.yml", ROOT / ".build" / "collections")


def measure(sim: Simulator, kind: str, duration: float, workdir: Path) -> dict:
    sim.state.reset()
    url = sim.http_url
    tasks = [floor_task(duration)]
    action_id = None
    if kind != "floor":
        response = requests.post(url + "/_sim/fleet/actions", json={"count": 1, "ack_seconds": duration}, timeout=10)
        action_id = response.json()["actionId"]
        tasks = [(module_task if kind == "module" else uri_task)(url, action_id)]
    terminal_at = time.time() + duration
    cpu, wall = run_play(tasks + [marker_task(url)], workdir)
    log = requests.get(url + "/_sim/requests", timeout=10).json()
    moved_on = next(r["time"] for r in log if r["path"] == "/bench/moved-on")
    polls = sum(1 for r in log if r["path"].endswith("/action_status"))
    return {"kind": kind, "duration": duration, "cpu": cpu, "wall": wall, "requests": polls,
            "lag": moved_on - terminal_at if kind != "floor" else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=float, nargs="+", default=[30, 120])
    parser.add_argument("--lag-samples", type=int, default=8,
                        help="extra short (8 s) runs of each kind: one run's lag is mostly polling-phase luck")
    args = parser.parse_args(argv)
    import tests.conftest  # noqa: F401  (puts the collection on ANSIBLE_COLLECTIONS_PATH)
    workdir = Path(tempfile.mkdtemp(prefix="actiongate-bench-"))
    sim = Simulator(state_dir=str(workdir)).start()
    try:
        rows = [measure(sim, kind, d, workdir) for d in args.durations for kind in ("floor", "module", "uri loop")]
        lags = {kind: [measure(sim, kind, 8, workdir)["lag"] for _index in range(args.lag_samples)]
                for kind in ("module", "uri loop")}
    finally:
        sim.stop()
    print("%-9s %8s %8s %8s %9s %8s" % ("run", "duration", "cpu_s", "wall_s", "requests", "lag_s"))
    for row in rows:
        lag = "-" if row["lag"] is None else "%.2f" % row["lag"]
        print("%-9s %8.0f %8.2f %8.2f %9d %8s" % (row["kind"], row["duration"], row["cpu"], row["wall"], row["requests"], lag))
    for duration in args.durations:
        by = {r["kind"]: r for r in rows if r["duration"] == duration}
        print("duration %3.0fs: module/floor CPU = %.2f, uri-loop/module CPU = %.2f, lag module %.2fs vs uri loop %.2fs"
              % (duration, by["module"]["cpu"] / by["floor"]["cpu"], by["uri loop"]["cpu"] / by["module"]["cpu"],
                 by["module"]["lag"], by["uri loop"]["lag"]))
    if args.lag_samples:
        for kind, values in lags.items():
            ordered = sorted(values)
            print("detection lag, %s, %d runs of 8 s: mean %.2fs, median %.2fs, max %.2fs" % (
                kind, len(values), sum(values) / len(values), ordered[len(ordered) // 2], ordered[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
