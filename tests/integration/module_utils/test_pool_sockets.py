"""map_bounded and a shared ApiClient under concurrency, against the adversarial server. (The pure
parts: tests/unit/plugins/module_utils/test__pool.py.)"""

from __future__ import annotations

import threading
import time

from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient
from ansible_collections.actiongate.agents.plugins.module_utils._pool import map_bounded


class InFlight:
    """Counts calls running at once."""

    def __init__(self):
        self.lock, self.now, self.most, self.calls = threading.Lock(), 0, 0, []

    def wrap(self, fn):
        def call(item):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
                self.calls.append(item)
            try:
                return fn(item)
            finally:
                with self.lock:
                    self.now -= 1
        return call


def client(adv, **kwargs):
    return ApiClient(adv.url("a"), "Rackspace Cloud Backup", ca_path=adv.ca_path, **kwargs)


def test_results_keep_the_order_asked_and_run_at_most_max_workers(adversary):
    for index in range(12):  # later ids answer sooner: completion order differs from input order
        adversary.route("a", "/v2/backups/%02d" % index, json_body={"id": index}, delay=0.05 * (12 - index))
    api, flight = client(adversary), InFlight()
    started = time.monotonic()
    results = map_bounded(flight.wrap(lambda i: api.get_json("/v2/backups/%02d" % i)["id"]), range(12), max_workers=4)
    elapsed = time.monotonic() - started
    assert results == list(range(12))
    assert 2 <= flight.most <= 4 and api.requests_made == 12
    assert elapsed < sum(0.05 * (12 - i) for i in range(12)) / 2  # 3.9 s one by one


def test_a_429_from_one_worker_holds_back_every_worker(adversary):
    adversary.route("a", "/v2/backups/0", json_body={"message": "slow down"}, status=429,
                    headers={"Retry-After": "2"}, count=1)
    for index in range(8):
        adversary.route("a", "/v2/backups/%d" % index, json_body={"id": index}, delay=0.0 if index == 0 else 0.3)
    api = client(adversary, jitter=lambda low, high: 0.0)
    results = map_bounded(lambda i: api.get_json("/v2/backups/%d" % i)["id"], range(8), max_workers=4)
    assert results == list(range(8))
    log = adversary.log("a")
    refused = next(e["time"] for e in log if e["path"] == "/v2/backups/0")
    during_hold = [e["path"] for e in log if refused + 0.1 < e["time"] < refused + 1.9]
    assert during_hold == [], during_hold
    assert len(log) == 9 and max(e["time"] for e in log) >= refused + 2
