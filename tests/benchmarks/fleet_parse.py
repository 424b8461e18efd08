"""Benchmark: parse and normalise a 10,000-item action_status response (the endpoint's maximum).

Measures json decoding plus ``Fleet.parse_item``, the policy and ``as_dict`` for every item, best of
several interleaved runs, as the module runs it (inside ``collector_paused``, the cyclic garbage
collector paused for the poll), and prints its ratio to plain ``json.loads`` of the same bytes
(target 2.0 or less, issue 15) and to the same work with the collector running.
Run: ``.venv/bin/python -m tests.benchmarks.fleet_parse``.
"""

from __future__ import annotations

import json
import sys
import time

from tests.conftest import COLLECTIONS_PATH  # makes ansible_collections.actiongate.agents importable
from ansible_collections.actiongate.agents.plugins.module_utils._query import collector_paused
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet import Fleet

# Issue 15: 10,000 Fleet items decoded, parsed and normalised within 2x json.loads alone on the same bytes.
TARGET_RATIO = 2.0


ERROR = {"agentId": "agent-7", "error": "download failed", "timestamp": "2024-01-01T00:08:00.000Z", "hostname": "web-7"}
COMPLETE = {"creationTime": "2024-01-01T00:00:00.000Z", "nbAgentsAck": 10, "nbAgentsActioned": 10,
            "nbAgentsActionCreated": 10, "nbAgentsFailed": 0, "status": "COMPLETE", "type": "UPGRADE",
            "completionTime": "2024-01-01T00:09:00.000Z", "version": "8.15.0", "latestErrors": []}
FAILED = dict(COMPLETE, nbAgentsAck=5, nbAgentsFailed=5, status="FAILED", latestErrors=[ERROR] * 5)


def payload(count: int = 10000, failed_every: int = 10) -> str:
    """``failed_every``: one item in so many carries 5 errors (the default errorSize); 1 = all."""
    return json.dumps({"items": [dict(FAILED if i % failed_every == 0 else COMPLETE, actionId="action-%05d" % i)
                                 for i in range(count)]})


def interleaved_best_ms(functions, runs: int = 15) -> list[float]:
    """Best-of milliseconds of each function, run in turn round after round, so that a busy moment
    of a shared machine weighs on every function alike and the ratios stay fair."""
    timings: list[list[float]] = [[] for _function in functions]
    for _index in range(runs):
        for function, times in zip(functions, timings):
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
    return [min(times) for times in timings]


def measure(body: str) -> tuple[float, float, float]:
    """(json.loads alone, decode + parse + normalise with the collector running, the same as the
    module runs it: collector paused), best-of milliseconds."""
    vendor = Fleet({"url": "http://127.0.0.1:9", "api_key": "x" * 20, "rollout_passed": "wait"})
    policy = FailurePolicy("0")

    def normalise():
        return [policy.apply(vendor.parse_item(i, n)).as_dict() for n, i in enumerate(json.loads(body)["items"])]

    def as_the_module_does():
        with collector_paused():
            return normalise()

    assert len(normalise()) == len(as_the_module_does()) == 10000
    baseline, collecting, ours = interleaved_best_ms([lambda: json.loads(body), normalise, as_the_module_does])
    return baseline, collecting, ours


def main() -> int:
    print("collection from %s" % COLLECTIONS_PATH)
    results = {}
    for name, failed_every in (("typical (1 in 10 failed, 5 errors each)", 10), ("worst (every item 5 errors)", 1)):
        baseline, collecting, ours = measure(payload(failed_every=failed_every))
        results[name] = ours / baseline
        print("%s: decode + parse + normalise 10,000 items %.1f ms; json.loads alone %.1f ms; ratio to json.loads "
              "%.2f (target <= %.1f: %s); with the collector running %.1f ms (paused/running %.2f)" % (
                  name, ours, baseline, ours / baseline, TARGET_RATIO,
                  "met" if ours / baseline <= TARGET_RATIO else "MISSED", collecting, ours / collecting))
    return 0 if max(results.values()) <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
