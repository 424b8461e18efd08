"""Benchmark: Ansible's CPU per batch of the ``fleet_rollout`` role and of the ``rollout`` role for each vendor.

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

The ``rollout`` role (``roles/rollout``: start, wait, record, pause per batch) is measured the same
way for each vendor (``--vendors``, default all five) over ``--rollout-batches`` batches (default
50) of ``--batch-size`` targets, every answer instant (Fleet ``ack_seconds: 0``, Cortex XDR, Puppet
and Rackspace paces of 0, Cybereason ``sensor_seconds: 0``), and printed beside ``fleet_rollout``'s;
the target is at most ``ROLLOUT_TARGET`` (0.4) CPU second per batch. A Rackspace batch is one start
request and one status read per configuration, so its cost grows with ``--batch-size``; the others
send one start and one wait per batch. ``--roles`` picks which roles run (``fleet_rollout``,
``rollout``); a collection without ``roles/rollout`` (an older ``--current-ref``) measures only
``fleet_rollout``.

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


# The rollout role's target, CPU seconds of Ansible per batch.
ROLLOUT_TARGET = 0.4
VENDORS = ("fleet", "cortex_xdr", "cybereason", "puppet", "rackspace")
# Path prefixes of each vendor's API requests in the simulator's log.
API_PATHS = {"fleet": ("/api/",), "cortex_xdr": ("/public_api/",), "cybereason": ("/rest/", "/login.html", "/logout"),
             "puppet": ("/orchestrator/", "/rbac-api/"), "rackspace": ("/v1.0/", "/v2/", "/v2.0/")}


def vendor_setup(url: str, vendor: str, count: int) -> dict:
    """Make ``count`` targets of ``vendor`` whose actions end at once; the rollout role's variables."""
    def post(path, body):
        requests.post(url + "/_sim/" + path, json=body, timeout=60).raise_for_status()

    if vendor == "fleet":
        targets = ["bench-%05d" % i for i in range(count)]
        post("fleet/config", {"ack_seconds": 0})
        post("fleet/agents", [{"id": a} for a in targets])
        return {"rollout_targets": targets, "rollout_action": "upgrade", "rollout_action_options": {"version": "8.15.0"},
                "rollout_connection": {"url": url, "api_key": KEY}}
    if vendor == "cortex_xdr":
        targets = ["%032x" % (0xbe0c4 * 10 ** 6 + i) for i in range(count)]
        post("cortex_xdr/config", {"pending_seconds": 0, "run_seconds": 0, "stagger_seconds": 0})
        post("cortex_xdr/endpoints", [{"id": e, "hostname": "bench-%05d" % i} for i, e in enumerate(targets)])
        return {"rollout_targets": targets, "rollout_action": "scan",
                "rollout_connection": {"url": url, "api_key_id": "1", "api_key": "sim-standard-key"}}
    if vendor == "cybereason":
        targets = ["PYLUMCLIENT_BENCH-%05d" % i for i in range(count)]
        post("cybereason/config", {"sensor_seconds": 0})
        post("cybereason/sensors", [{"pylumId": s} for s in targets])
        return {"rollout_targets": targets, "rollout_action": "restart",
                "rollout_connection": {"url": url, "username": "admin@sim.local", "password": "changeme"}}
    if vendor == "puppet":
        targets = ["bench-%05d.example.com" % i for i in range(count)]
        post("puppet/config", {"new_seconds": 0, "ready_seconds": 0, "node_seconds": 0})
        return {"rollout_targets": targets, "rollout_action": "deploy",
                "rollout_connection": {"url": url, "token": "sim-puppet-token"}}
    targets = [str(500000 + i) for i in range(count)]
    post("rackspace/config", {"step_seconds": 0})
    for configuration in targets:
        post("rackspace/configurations", {"id": configuration})
    return {"rollout_targets": targets, "rollout_action": "backup", "rollout_action_options": {"wake_agents": False},
            "rollout_connection": {"url": url + "/v1.0/123456", "token": "sim-token"}}


def run_vendor_rollout(sim: Simulator, collections: Path, vendor: str, batches: int, size: int, workdir: Path) -> dict:
    sim.state.reset()
    url = sim.http_url
    variables = vendor_setup(url, vendor, batches * size)
    variables.update({"rollout_vendor": vendor, "rollout_batch_size": size, "rollout_interval": 0.5,
                      "rollout_max_interval": 0.5, "rollout_progress_interval": 0})
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "tasks": [{"name": "rollout", "ansible.builtin.include_role": {"name": "actiongate.agents.rollout"},
                        "vars": variables}]}]
    cpu, wall = run_measured(play, workdir / ("rollout-%s.yml" % vendor), collections)
    served = requests.get(url + "/_sim/requests", timeout=30).json()
    return {"batches": batches, "cpu": cpu, "wall": wall,
            "requests": sum(1 for r in served if r["path"].startswith(API_PATHS[vendor]))}


def has_rollout_role(collections: Path) -> bool:
    return (collections / "ansible_collections" / "actiongate" / "agents" / "roles" / "rollout" / "tasks").is_dir()


def per_batch(many: dict, one: dict) -> float:
    return (many["cpu"] - one["cpu"]) / (many["batches"] - one["batches"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--baseline-ref", help="also measure the collection at this git ref (the old loop)")
    parser.add_argument("--baseline-only", action="store_true", help="measure only the --baseline-ref collection")
    parser.add_argument("--current-ref", help="measure the collection at this git ref as the current one, not the work tree")
    parser.add_argument("--roles", default="fleet_rollout,rollout", help="roles to measure, of fleet_rollout,rollout")
    parser.add_argument("--vendors", default=",".join(VENDORS), help="vendors of the rollout role to measure")
    parser.add_argument("--rollout-batches", type=int, default=50, help="batches of each rollout role run (default 50)")
    args = parser.parse_args(argv)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    vendors = [v.strip() for v in args.vendors.split(",") if v.strip()]
    unknown = sorted(set(roles) - {"fleet_rollout", "rollout"}) + sorted(set(vendors) - set(VENDORS))
    if unknown:
        parser.error("unknown role or vendor: %s" % ", ".join(unknown))
    import tests.conftest  # noqa: F401  (puts the work tree on .build/collections)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    workdir = Path(tempfile.mkdtemp(prefix="actiongate-bench-"))
    sim = Simulator(state_dir=str(workdir)).start()
    current = old_collection(args.current_ref, workdir) if args.current_ref else ROOT / ".build" / "collections"
    kinds = {} if args.baseline_only or "fleet_rollout" not in roles else {"current": current}
    if args.baseline_ref:
        kinds["old loop"] = old_collection(args.baseline_ref, workdir)
    measure_rollout = "rollout" in roles and not args.baseline_only and has_rollout_role(current)
    try:
        rows = dict((kind, [run_rollout(sim, path, n, args.batch_size, workdir) for n in (1, args.batches)])
                    for kind, path in kinds.items())
        vendor_rows = dict(("rollout/%s" % vendor, [run_vendor_rollout(sim, current, vendor, n, args.batch_size, workdir)
                                                    for n in (1, args.rollout_batches)])
                           for vendor in (vendors if measure_rollout else ()))
    finally:
        sim.stop()
    print("%-22s %8s %8s %8s %9s" % ("run", "batches", "cpu_s", "wall_s", "requests"))
    for kind, runs in list(rows.items()) + list(vendor_rows.items()):
        for run in runs:
            print("%-22s %8d %8.2f %8.2f %9d" % (kind, run["batches"], run["cpu"], run["wall"], run["requests"]))
    for kind, (one, many) in rows.items():
        print("%s: CPU per batch %.3f s, fixed part (1 batch) %.2f s" % (kind, per_batch(many, one), one["cpu"]))
    if "current" in rows:
        current_cpu = per_batch(rows["current"][1], rows["current"][0])
        if "old loop" in rows:
            old, source = per_batch(rows["old loop"][1], rows["old loop"][0]), "measured in this run"
        else:
            old, source = BASELINE["per_batch"], "documented baseline of %s" % BASELINE["ref"]
        if old:
            print("CPU per batch, current / old loop = %.2f (old loop %.3f s, %s); target 0.6 s per batch: %s"
                  % (current_cpu / old, old, source, "met" if current_cpu <= 0.6 else "NOT met"))
    if vendor_rows:
        beside = " (fleet_rollout %.3f s)" % per_batch(rows["current"][1], rows["current"][0]) if "current" in rows else ""
        print("rollout role, CPU per batch over %d batches of %d targets, target %.1f s%s:"
              % (args.rollout_batches, args.batch_size, ROLLOUT_TARGET, beside))
        for kind, (one, many) in vendor_rows.items():
            cost = per_batch(many, one)
            print("  %-12s %.3f s per batch, fixed part (1 batch) %.2f s: %s"
                  % (kind.split("/", 1)[1], cost, one["cpu"], "met" if cost <= ROLLOUT_TARGET else "NOT met"))
    elif "rollout" in roles and not args.baseline_only:
        print("rollout role: not in the measured collection, not measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
