"""Benchmark: one poll of many ids on a vendor that answers one id per request (the max_concurrent_requests pool).

200 Rackspace Cloud Backup backups (v2, ``GET /v2/<project>/backups/<id>``) and 200 Cortex XDR
group actions (``POST .../get_action_status/``), against the simulator with a fixed latency per
status request (default 100 ms, a WAN round trip). For each vendor one read of every id is timed
twice, in one run: sequential (``max_concurrent_requests=1``) and pooled (the default, 8). Each
read goes through the same code as the module and the lookup (``ActionQuery.run``), without
Ansible's start-up. Printed: wall time of each poll, the ratio (target: at least 5x), the requests
each poll sent (must equal the ids) and the most the simulator saw in flight at once.

Run: ``.venv/bin/python -m tests.benchmarks.per_id_wait [--ids 200] [--latency 0.1] [--workers 8]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time

import requests

from tests.conftest import COLLECTIONS_PATH  # makes ansible_collections.actiongate.agents importable
from ansible_collections.actiongate.agents.plugins.module_utils._query import ActionQuery
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import STATUS_PATH, CortexXdr
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import RackspaceBackupStatus
from tests.simulator.server import Simulator
from tests.unit.plugins.module_utils._vendors.test_per_id_pool import XDR_FAST, options

RAX_PATH = "/v2/123456/backups/"

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class Control:
    def __init__(self, url: str) -> None:
        self.url = url + "/_sim"

    def __call__(self, method: str, path: str, body: object = None) -> object:
        response = requests.request(method, self.url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()


def vendors(url: str, control: Control, count: int):
    """``(label, class, options, ids, status path)`` per vendor, with ``count`` ids created."""
    backups = [control("POST", "/rackspace/backups", {"age": 30})["id"] for _index in range(count)]
    actions = [str(control("POST", "/cortex_xdr/actions", dict(XDR_FAST, count=1))["action_id"]) for _index in range(count)]
    return [
        ("Rackspace backups", RackspaceBackupStatus,
         options(RackspaceBackupStatus, url=url, token="sim-token", project_id="123456"), backups, RAX_PATH),
        ("Cortex XDR actions", CortexXdr,
         options(CortexXdr, url=url, api_key_id="1", api_key="sim-standard-key"), actions, STATUS_PATH),
    ]


def one_poll(control: Control, cls, settings: dict, ids: list, path: str, workers: int) -> dict:
    """One read of every id; wall time, requests sent for it and the most in flight."""
    control("DELETE", "/requests")
    control("GET", "/concurrency?restart=1")
    query = ActionQuery(cls, dict(settings, action_ids=ids, max_concurrent_requests=workers))
    try:
        started = time.monotonic()
        result = query.run()
        wall = time.monotonic() - started
    finally:
        query.close()
    asked = [a["action_id"] for a in result["actions"]]
    assert asked == ids, "results not in the order asked"
    sent = [r for r in control("GET", "/requests") if r["path"].startswith(path)]
    return {"wall": wall, "requests": len(sent), "most": control("GET", "/concurrency")["most"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--ids", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per status request")
    parser.add_argument("--workers", type=int, default=8, help="max_concurrent_requests of the pooled poll")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state_dir:
        sim = Simulator(state_dir=state_dir).start()
        try:
            control = Control(sim.http_url)
            figures = {}
            print("per_id_wait: %d ids per vendor, %.0f ms per status request, pooled = %d at once (collection: %s)"
                  % (args.ids, args.latency * 1000, args.workers, COLLECTIONS_PATH))
            for label, cls, settings, ids, path in vendors(sim.http_url, control, args.ids):
                control("POST", "/latency", {"seconds": args.latency, "path": path})
                sequential = one_poll(control, cls, settings, ids, path, 1)
                pooled = one_poll(control, cls, settings, ids, path, args.workers)
                ratio = sequential["wall"] / pooled["wall"]
                figures[label] = {"sequential": sequential, "pooled": pooled, "ratio": round(ratio, 2)}
                line = "%-19s sequential %6.2f s (%d requests, %d at once) | pooled %5.2f s (%d requests, %d at once)" % (
                    label, sequential["wall"], sequential["requests"], sequential["most"],
                    pooled["wall"], pooled["requests"], pooled["most"])
                print("%s | %.1fx faster%s" % (line, ratio, "" if ratio >= 5 else "  (below the 5x target)"))
                for name, poll in (("sequential", sequential), ("pooled", pooled)):
                    if poll["requests"] != len(ids):
                        print("  %s poll sent %d requests for %d ids" % (name, poll["requests"], len(ids)))
            if args.json:
                print(json.dumps(figures, indent=2))
        finally:
            sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
