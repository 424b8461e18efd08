"""Benchmark: Ansible's CPU per batch of the ``fleet_rollout`` role.

Every agent acknowledges at once (simulator ``ack_seconds: 0``), so what is measured is the
role's own overhead: the tasks it runs per batch, not the waiting. Two runs of
``actiongate.agents.fleet_rollout`` on localhost, each a whole ``ansible-playbook``:

* ``--batches`` batches (default 100) of ``--batch-size`` agents (default 10);
* one batch of the same size: the fixed part (start-up, argument validation, plan, result).

Printed per run: CPU seconds (user + system of ansible-playbook and all its children), wall time,
and requests served; then the CPU per batch, ``(cpu(N) - cpu(1)) / (N - 1)``.

The ratio is against the old loop (0.1.0: start, include the wait_for_action role, record, show,
pause and not-started tasks per batch). With ``--baseline-ref <git ref>`` the collection at that
ref is extracted (``git archive``) and measured in the same run; without it, against the baseline
measured on this machine with ``--baseline-ref dbfb119`` (2 cores, shared; see BASELINE). With
``--current-ref <git ref>`` the "current" run measures that ref instead of the work tree (to compare
two commits while the work tree is being edited).

Run: ``.venv/bin/python tests/benchmarks/rollout_overhead.py [--batches 100] [--baseline-ref dbfb119]``
(or ``-m tests.benchmarks.rollout_overhead`` from the repository root).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import requests

if __package__ in (None, ""):  # run as a file: the repository root is what ``tests`` is imported from
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks._play import run_measured
from tests.simulator.server import Simulator

KEY = "c2ltLWtleTpzZWNyZXQ="
ROOT = Path(__file__).resolve().parents[2]
# The old loop (commit dbfb119: start, include the wait_for_action role, record, show, pause and
# not-started tasks per batch), measured with --baseline-ref dbfb119 --baseline-only --batches 100
# on the 2-core build machine (shared with other jobs) on 2026-11-30: CPU seconds per batch and of
# the one-batch run.
BASELINE = {"ref": "dbfb119", "per_batch": 0.750, "fixed": 1.49}


def old_collection(ref: str, workdir: Path) -> Path:
    """The collection at ``ref``, extracted under ``workdir``; returns its collections path."""
    base = workdir / ("collections-%s" % ref)
    target = base / "ansible_collections" / "actiongate" / "agents"
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target)  # our own repository's tree
    return base


def run_rollout(sim: Simulator, collections: Path, batches: int, size: int, workdir: Path) -> dict:
    sim.state.reset()
    url = sim.http_url
    agents = ["bench-%05d" % i for i in range(batches * size)]
    requests.post(url + "/_sim/fleet/config", json={"ack_seconds": 0}, timeout=10).raise_for_status()
    requests.post(url + "/_sim/fleet/agents", json=[{"id": a} for a in agents], timeout=30).raise_for_status()
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "tasks": [{"name": "rollout", "ansible.builtin.include_role": {"name": "actiongate.agents.fleet_rollout"},
                        "vars": {"fleet_rollout_agents": agents, "fleet_rollout_batch_size": size,
                                 "fleet_rollout_version": "8.15.0", "fleet_rollout_interval": 0.5,
                                 "fleet_rollout_max_interval": 0.5, "fleet_rollout_progress_interval": 0,
                                 "fleet_rollout_connection": {"url": url, "api_key": KEY}}}]}]
    cpu, wall = run_measured(play, workdir / "rollout.yml", collections)
    served = requests.get(url + "/_sim/requests", timeout=30).json()
    return {"batches": batches, "cpu": cpu, "wall": wall,
            "requests": sum(1 for r in served if r["path"].startswith("/api/"))}


def per_batch(many: dict, one: dict) -> float:
    return (many["cpu"] - one["cpu"]) / (many["batches"] - one["batches"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--baseline-ref", help="also measure the collection at this git ref (the old loop)")
    parser.add_argument("--baseline-only", action="store_true", help="measure only the --baseline-ref collection")
    parser.add_argument("--current-ref", help="measure the collection at this git ref as the current one, not the work tree")
    args = parser.parse_args(argv)
    import tests.conftest  # noqa: F401  (puts the work tree on .build/collections)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    workdir = Path(tempfile.mkdtemp(prefix="actiongate-bench-"))
    sim = Simulator(state_dir=str(workdir)).start()
    current = old_collection(args.current_ref, workdir) if args.current_ref else ROOT / ".build" / "collections"
    kinds = {} if args.baseline_only else {"current": current}
    if args.baseline_ref:
        kinds["old loop"] = old_collection(args.baseline_ref, workdir)
    try:
        rows = dict((kind, [run_rollout(sim, path, n, args.batch_size, workdir) for n in (1, args.batches)])
                    for kind, path in kinds.items())
    finally:
        sim.stop()
    print("%-9s %8s %8s %8s %9s" % ("run", "batches", "cpu_s", "wall_s", "requests"))
    for kind, runs in rows.items():
        for run in runs:
            print("%-9s %8d %8.2f %8.2f %9d" % (kind, run["batches"], run["cpu"], run["wall"], run["requests"]))
    for kind, (one, many) in rows.items():
        print("%s: CPU per batch %.3f s, fixed part (1 batch) %.2f s" % (kind, per_batch(many, one), one["cpu"]))
    if "current" not in rows:
        return 0
    current = per_batch(rows["current"][1], rows["current"][0])
    if "old loop" in rows:
        old, source = per_batch(rows["old loop"][1], rows["old loop"][0]), "measured in this run"
    else:
        old, source = BASELINE["per_batch"], "documented baseline of %s" % BASELINE["ref"]
    if old:
        print("CPU per batch, current / old loop = %.2f (old loop %.3f s, %s); target 0.6 s per batch: %s"
              % (current / old, old, source, "met" if current <= 0.6 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
