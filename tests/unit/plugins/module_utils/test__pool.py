"""map_bounded and read_each without a socket: order, the first error, the one deadline, the
worker count. (A shared ApiClient under concurrency, against the adversarial server:
tests/integration/module_utils/test_pool_sockets.py.)"""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import DEADLINE_GRACE, Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError, DeadlineExceeded
from ansible_collections.actiongate.agents.plugins.module_utils._pool import map_bounded, read_each


def test_one_worker_runs_in_order_in_the_calling_thread():
    threads = []
    assert map_bounded(lambda i: threads.append(threading.current_thread()) or i * 2, [3, 1, 2], max_workers=1) == [6, 2, 4]
    assert set(threads) == {threading.current_thread()}
    assert map_bounded(lambda i: i, [], max_workers=8) == []


def test_results_keep_the_order_asked_and_run_at_most_max_workers():
    lock, running, most = threading.Lock(), [0], [0]

    def fn(item):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01 * (12 - item))  # later items end sooner
        with lock:
            running[0] -= 1
        return item

    assert map_bounded(fn, range(12), max_workers=4) == list(range(12))
    assert 2 <= most[0] <= 4


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
    deadline = Deadline(10, lambda: clock[0])
    clock[0] += 10 + DEADLINE_GRACE
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=10\) before requests 1 of 3 could start\.$"):
        map_bounded(calls.append, [1, 2, 3], max_workers=2, deadline=deadline)
    assert calls == []
    clock[0] -= DEADLINE_GRACE / 2  # the poll that lands on the deadline may still run
    assert map_bounded(lambda i: i, [1, 2], max_workers=2, deadline=deadline) == [1, 2]


def test_read_each_takes_the_runs_deadline():
    clock = [0.0]
    deadline = Deadline(5, lambda: clock[0])
    clock[0] = 6
    with pytest.raises(DeadlineExceeded, match="before the read of job 1 of 2 could start"):
        read_each(lambda i: i, ["j1", "j2"], {"max_concurrent_requests": 2}, deadline, "job")
    assert read_each(str.upper, ["j1", "j2"], {}, None, "job") == ["J1", "J2"]


@pytest.mark.parametrize("workers", [0, 65, "eight", None])
def test_max_workers_out_of_range_is_refused(workers):
    with pytest.raises(ConfigError, match="max_concurrent_requests must be a whole number from 1 to 64"):
        map_bounded(lambda i: i, [1, 2], max_workers=workers)
