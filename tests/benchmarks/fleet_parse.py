"""Benchmark: parse and normalise a 10,000-item action_status response (the endpoint's maximum).

Measures json decoding plus ``StatusReader.item`` (what ``Fleet.fetch`` calls for each item), the policy
and ``as_dict`` for every item, as the module runs it (inside ``collector_paused``, the cyclic garbage collector paused for the poll), and
prints its ratio to plain ``json.loads`` of the same bytes (target 2.0 or less): the
median of several interleaved rounds, each round timing every function once, so that a busy moment
of a shared machine weighs on all of them alike.

Three answers: typical (1 item in 10 failed, 5 errors each), worst (every item 5 errors) and no
errors at all (the hardest one relative to ``json.loads``: little text to decode per item, the same
normalised record to build). For each it also prints a ``floor``: the same normalised records
(checked equal) built by one loop of the least Python that can make them, no shape checks, no
status objects, no function per item. It is what pure Python cannot go below for this output, so
the distance between the two is what is left to gain.
Run: ``.venv/bin/python tests/benchmarks/fleet_parse.py [rounds]`` (or ``-m tests.benchmarks.fleet_parse``).
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the repository root is what ``tests`` is imported from
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import COLLECTIONS_PATH  # makes ansible_collections.actiongate.agents importable
from ansible_collections.actiongate.agents.plugins.module_utils._query import collector_paused
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.parse import REFUSAL
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet

# The target: 10,000 Fleet items decoded, parsed and normalised within 2x json.loads alone on the same bytes.
TARGET_RATIO = 2.0
ROUNDS = 21

ERROR = {"agentId": "agent-7", "error": "download failed", "timestamp": "2024-01-01T00:08:00.000Z", "hostname": "web-7"}
COMPLETE = {"creationTime": "2024-01-01T00:00:00.000Z", "nbAgentsAck": 10, "nbAgentsActioned": 10,
            "nbAgentsActionCreated": 10, "nbAgentsFailed": 0, "status": "COMPLETE", "type": "UPGRADE",
            "completionTime": "2024-01-01T00:09:00.000Z", "version": "8.15.0", "latestErrors": []}
FAILED = dict(COMPLETE, nbAgentsAck=5, nbAgentsFailed=5, status="FAILED", latestErrors=[ERROR] * 5)
CASES = (("typical (1 in 10 failed, 5 errors each)", 10), ("worst (every item 5 errors)", 1),
         ("no errors at all", 0))


def payload(count: int = 10000, failed_every: int = 10) -> str:
    """``failed_every``: one item in so many carries 5 errors (the default errorSize); 1 = all, 0 = none."""
    return json.dumps({"items": [dict(FAILED if failed_every and i % failed_every == 0 else COMPLETE,
                                      actionId="action-%05d" % i) for i in range(count)]})


def floor(body: str) -> list[dict]:
    """The normalised records of these answers (COMPLETE and FAILED items, allowed_failures 0) with
    the least Python: one loop, one dict literal each, nothing checked. Not the collection's code."""
    records = []
    for item in json.loads(body)["items"]:
        acked, failed = item["nbAgentsAck"], item["nbAgentsFailed"]
        partial = item["status"] == "FAILED"
        record = {"action_id": item["actionId"], "vendor": "fleet", "state": "partial" if partial else "succeeded",
                  "terminal": True, "succeeded": not partial and not failed, "vendor_status": item["status"],
                  "targets": {"total": item["nbAgentsActioned"], "succeeded": acked, "failed": failed, "pending": 0},
                  "errors": [{"target": e["agentId"], "host": e["hostname"], "message": e["error"],
                              "time": e["timestamp"]} for e in item["latestErrors"]],
                  "started_at": item["creationTime"], "finished_at": item["completionTime"], "raw": item,
                  "type": item["type"]}
        if record["errors"]:
            record["refused"] = [{"agent": e["target"], "reason": e["message"]} for e in record["errors"]
                                 if REFUSAL.search(e["message"])]
        records.append(record)
    return records


def interleaved_ms(functions, rounds: int = ROUNDS) -> list[list[float]]:
    """Milliseconds of each function in every round; the functions run in turn, round after round.
    Each starts from a collected heap (untimed), so no function pays for a collection the garbage
    of the one before it started."""
    timings: list[list[float]] = [[] for _function in functions]
    for _index in range(rounds):
        for function, times in zip(functions, timings):
            gc.collect()
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
    return timings


def measure(body: str, rounds: int = ROUNDS) -> dict[str, float]:
    """Median milliseconds of: json.loads alone; decode + parse + normalise as the module runs it
    (collector paused); the same with the collector running; the floor (collector paused); and the
    median of the per-round ratios to json.loads."""
    vendor = Fleet({"url": "http://127.0.0.1:9", "api_key": "x" * 20, "rollout_passed": "wait"})
    policy = FailurePolicy("0")

    def normalise():
        read = vendor.reader.item
        return [policy.apply(read(i, n)).as_dict() for n, i in enumerate(json.loads(body)["items"])]

    def as_the_module_does():
        with collector_paused():
            return normalise()

    def the_floor():
        with collector_paused():
            return floor(body)

    def decode():
        # As in the module's poll: the answer is decoded inside collector_paused too.
        with collector_paused():
            return json.loads(body)

    ours = normalise()
    assert len(ours) == 10000 and ours == the_floor(), "the floor must build the very records the module returns"
    del ours
    loads, collecting, paused, least = interleaved_ms([decode, normalise, as_the_module_does, the_floor], rounds)
    median = statistics.median
    return {"loads": median(loads), "collecting": median(collecting), "ours": median(paused), "floor": median(least),
            "ratio": median([o / b for o, b in zip(paused, loads)]),
            "floor_ratio": median([f / b for f, b in zip(least, loads)]),
            "spread": max(o / b for o, b in zip(paused, loads)) - min(o / b for o, b in zip(paused, loads))}


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else ROUNDS
    print("collection from %s; %d interleaved rounds, medians; gc %s" % (
        COLLECTIONS_PATH, rounds, "enabled" if gc.isenabled() else "disabled"))
    ratios = {}
    for name, failed_every in CASES:
        figures = measure(payload(failed_every=failed_every), rounds)
        ratios[name] = figures["ratio"]
        print("%s: decode + parse + normalise 10,000 items %.1f ms; json.loads alone %.1f ms; ratio to json.loads "
              "%.2f (target <= %.1f: %s; rounds spread %.2f); floor %.1f ms, ratio %.2f; with the collector running "
              "%.1f ms" % (name, figures["ours"], figures["loads"], figures["ratio"], TARGET_RATIO,
                           "met" if figures["ratio"] <= TARGET_RATIO else "MISSED", figures["spread"],
                           figures["floor"], figures["floor_ratio"], figures["collecting"]))
    return 0 if max(ratios.values()) <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
