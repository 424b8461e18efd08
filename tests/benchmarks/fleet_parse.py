"""Benchmark: parse and normalise a 10,000-item action_status response (the endpoint's maximum).

Measures json decoding plus ``Fleet.parse_item``, the policy and ``as_dict`` for every item, best of
several runs, and prints milliseconds against the 100 ms target: as the module runs it (inside
``collector_paused``, the cyclic garbage collector paused for the poll), and, as baselines in the
same process, with the collector running and plain ``json.loads`` of the same body.
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

TARGET_MS = 100.0


ERROR = {"agentId": "agent-7", "error": "download failed", "timestamp": "2024-01-01T00:08:00.000Z", "hostname": "web-7"}
COMPLETE = {"creationTime": "2024-01-01T00:00:00.000Z", "nbAgentsAck": 10, "nbAgentsActioned": 10,
            "nbAgentsActionCreated": 10, "nbAgentsFailed": 0, "status": "COMPLETE", "type": "UPGRADE",
            "completionTime": "2024-01-01T00:09:00.000Z", "version": "8.15.0", "latestErrors": []}
FAILED = dict(COMPLETE, nbAgentsAck=5, nbAgentsFailed=5, status="FAILED", latestErrors=[ERROR] * 5)


def payload(count: int = 10000, failed_every: int = 10) -> str:
    """``failed_every``: one item in so many carries 5 errors (the default errorSize); 1 = all."""
    return json.dumps({"items": [dict(FAILED if i % failed_every == 0 else COMPLETE, actionId="action-%05d" % i)
                                 for i in range(count)]})


def best_ms(function, runs: int = 7) -> float:
    timings = []
    for _index in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def measure(body: str) -> tuple[float, float, float]:
    """(json.loads alone, decode + parse + normalise with the collector running, the same as the
    module runs it: collector paused), best-of milliseconds."""
    vendor = Fleet({"url": "http://127.0.0.1:9", "api_key": "x" * 20, "rollout_passed": "wait"})
    policy = FailurePolicy("0")

    def normalise():
        return [policy.apply(vendor.parse_item(i)).as_dict() for i in json.loads(body)["items"]]

    def as_the_module_does():
        with collector_paused():
            return normalise()

    assert len(normalise()) == len(as_the_module_does()) == 10000
    return best_ms(lambda: json.loads(body)), best_ms(normalise), best_ms(as_the_module_does)


def main() -> int:
    print("collection from %s" % COLLECTIONS_PATH)
    results = {}
    for name, failed_every in (("typical (1 in 10 failed, 5 errors each)", 10), ("worst (every item 5 errors)", 1)):
        baseline, collecting, ours = measure(payload(failed_every=failed_every))
        results[name] = ours
        print("%s: decode + parse + normalise 10,000 items %.1f ms (target < %.0f ms: %s); "
              "with the collector running %.1f ms (ratio %.2f); json.loads alone %.1f ms (ratio %.2f)" % (
                  name, ours, TARGET_MS, "met" if ours < TARGET_MS else "MISSED",
                  collecting, ours / collecting, baseline, ours / baseline))
    return 0 if max(results.values()) < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
