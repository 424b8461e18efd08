"""The simulator's latency setting and its gauge of requests in flight (benchmarks, concurrency tests)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS = "/api/fleet/agents/action_status"


def timed_get(simulator, path: str) -> float:
    started = time.monotonic()
    requests.get(simulator.http_url + path, headers={"Authorization": "ApiKey " + API_KEY}, timeout=10)
    return time.monotonic() - started


def test_latency_delays_only_the_paths_under_its_prefix_and_reset_clears_it(simulator):
    simulator.control("POST", "/latency", {"seconds": 0.3, "path": STATUS})
    assert timed_get(simulator, STATUS) >= 0.3
    assert timed_get(simulator, "/api/fleet/agents") < 0.3
    simulator.state.reset()
    assert timed_get(simulator, STATUS) < 0.3


@pytest.mark.parametrize("seconds", [-1, 61, "soon"])
def test_latency_out_of_range_is_refused(simulator, seconds):
    response = requests.post(simulator.http_url + "/_sim/latency", json={"seconds": seconds}, timeout=10)
    assert response.status_code == 400


def test_gauge_counts_requests_in_flight_at_once(simulator):
    simulator.control("POST", "/latency", {"seconds": 0.4, "path": STATUS})
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _i: timed_get(simulator, STATUS), range(4)))
    gauge = simulator.control("GET", "/concurrency?restart=1")
    assert gauge == {"now": 0, "most": 4}
    timed_get(simulator, STATUS)
    assert simulator.control("GET", "/concurrency") == {"now": 0, "most": 1}
