"""Benchmark: parse and normalise a 10,000-item action_status response (the endpoint's maximum).

Measures json decoding plus ``Fleet.parse_item`` for every item, best of several runs, and prints
milliseconds against the 100 ms target, with plain ``json.loads`` of the same body as a baseline
in the same process. Run: ``.venv/bin/python -m tests.benchmarks.fleet_parse``.
"""

from __future__ import annotations

import json
import sys
import time

from tests.conftest import COLLECTIONS_PATH  # makes ansible_collections.actiongate.agents importable
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


def measure(body: str) -> tuple[float, float]:
    """(json.loads alone, json.loads + parse + normalise), best-of milliseconds."""
    vendor = Fleet({"url": "http://127.0.0.1:9", "api_key": "x" * 20, "rollout_passed": "wait"})
    policy = FailurePolicy("0")

    def normalise():
        return [policy.apply(vendor.parse_item(i)).as_dict() for i in json.loads(body)["items"]]

    assert len(normalise()) == 10000
    return best_ms(lambda: json.loads(body)), best_ms(normalise)


def main() -> int:
    print("collection from %s" % COLLECTIONS_PATH)
    results = {}
    for name, failed_every in (("typical (1 in 10 failed, 5 errors each)", 10), ("worst (every item 5 errors)", 1)):
        baseline, ours = measure(payload(failed_every=failed_every))
        results[name] = ours
        print("%s: json.loads only %.1f ms; decode + parse + normalise 10,000 items %.1f ms "
              "(target < %.0f ms: %s); ratio to json.loads %.2f" % (
                  name, baseline, ours, TARGET_MS, "met" if ours < TARGET_MS else "MISSED", ours / baseline))
    return 0 if min(results.values()) < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
