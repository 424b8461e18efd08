"""map_bounded and a shared ApiClient under concurrency, against the adversarial server."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError, DeadlineExceeded
from ansible_collections.actiongate.agents.plugins.module_utils._http import DEADLINE_GRACE, ApiClient
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


def test_one_worker_runs_in_order_in_the_calling_thread():
    threads = []
    assert map_bounded(lambda i: threads.append(threading.current_thread()) or i * 2, [3, 1, 2], max_workers=1) == [6, 2, 4]
    assert set(threads) == {threading.current_thread()}
    assert map_bounded(lambda i: i, [], max_workers=8) == []


def test_the_first_error_in_input_order_is_raised_and_no_more_items_start():
    started = []

    def fn(item):
        started.append(item)
        time.sleep(0.2 if item == 1 else 0.01)
        if item in (1, 2):
            raise ApiError("item %d failed" % item, 500)
        return item

    with pytest.raises(ApiError, match="item 1 failed"):
        map_bounded(fn, range(40), max_workers=3)
    assert len(started) < 40


def test_no_item_starts_past_the_deadline():
    clock = [100.0]
    calls = []
    with pytest.raises(DeadlineExceeded, match="before requests 1 of 3 could start"):
        map_bounded(calls.append, [1, 2, 3], max_workers=2, deadline=100.0 - DEADLINE_GRACE, clock=lambda: clock[0])
    assert calls == []
    assert map_bounded(lambda i: i, [1, 2], max_workers=2, deadline=100.0, clock=lambda: clock[0]) == [1, 2]


@pytest.mark.parametrize("workers", [0, 65, "eight", None])
def test_max_workers_out_of_range_is_refused(workers):
    with pytest.raises(ConfigError, match="max_concurrent_requests must be a whole number from 1 to 64"):
        map_bounded(lambda i: i, [1, 2], max_workers=workers)


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
