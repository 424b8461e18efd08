"""The simulator's generic faults that a slow, endless or unreachable server plays: trickle, endless, and
outages (503 or dropped connections for some seconds)."""

from __future__ import annotations

import time

import requests

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS = "/api/fleet/agents/action_status"
AUTH = {"Authorization": "ApiKey " + API_KEY}


def test_trickle_sends_the_real_answer_slowly(simulator):
    simulator.control("POST", "/fleet/actions", {"count": 1, "ack_seconds": 0.1})
    fast = requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10)
    simulator.fault(kind="trickle", path=STATUS, rate=max(len(fast.content) / 2.0, 1))
    started = time.monotonic()
    slow = requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10)
    elapsed = time.monotonic() - started
    assert slow.status_code == 200 and slow.json()["items"][0]["actionId"] == fast.json()["items"][0]["actionId"]
    assert slow.headers["Content-Length"] == str(len(slow.content))
    assert 1.5 <= elapsed <= 4
    again = time.monotonic()
    requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10)  # used up (count 1)
    assert time.monotonic() - again < 1


def test_trickle_a_byte_a_second_defeats_a_per_read_timeout(simulator):
    simulator.fault(kind="trickle", path=STATUS, rate=1)
    started = time.monotonic()
    with requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=1.5, stream=True) as answer:
        for _byte in range(3):
            assert len(answer.raw.read(1)) == 1  # each byte within the 1.5 s read timeout
    assert time.monotonic() - started >= 2.5


def test_endless_answers_a_full_page_of_the_size_asked_forever(simulator):
    item = {"actionId": "other", "status": "COMPLETE"}
    simulator.fault(kind="endless", path=STATUS, body={"items": [item]})
    for page in range(5):
        answer = requests.get(simulator.http_url + STATUS, params={"page": page, "perPage": 7}, headers=AUTH, timeout=10)
        assert answer.json() == {"items": [item] * 7}
    other = requests.get(simulator.http_url + STATUS, params={"limit": 3}, headers=AUTH, timeout=10).json()
    assert len(other["items"]) == 1  # no perPage: the body as given
    simulator.fault(kind="endless", path="/v2/", body={"events": [{"id": "1"}]}, list_key="events", size_param="limit")
    assert len(requests.get(simulator.http_url + "/v2/agents/a/events", params={"limit": 4}, timeout=10)
               .json()["events"]) == 4


def test_unknown_fault_kind_is_refused(simulator):
    answer = requests.post(simulator.http_url + "/_sim/faults", json={"kind": "teleport"}, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"] == "unknown fault kind 'teleport'"
    answer = requests.post(simulator.http_url + "/_sim/faults", json={"kind": "trickle", "rate": 0}, timeout=10)
    assert answer.status_code == 400 and "bytes per second" in answer.json()["error"]


def test_an_outage_answers_503_to_every_matching_request_for_its_seconds_then_ends(simulator):
    simulator.fault(kind="status", status=503, path=STATUS, seconds=1.5, retry_after=1)
    started = time.monotonic()
    during = [requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10) for _attempt in range(5)]
    assert [a.status_code for a in during] == [503] * 5 and during[0].headers["Retry-After"] == "1"
    assert requests.get(simulator.http_url + "/api/fleet/agents", headers=AUTH, timeout=10).status_code != 503
    time.sleep(max(1.6 - (time.monotonic() - started), 0))
    assert requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10).status_code == 200
    assert simulator.state.faults == []  # an outage that is over is gone


def test_an_outage_of_dropped_connections(simulator):
    simulator.fault(kind="reset", path=STATUS, seconds=1.0)
    started = time.monotonic()
    for _attempt in range(3):
        try:
            requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10)
        except requests.exceptions.ConnectionError:
            continue
        raise AssertionError("the connection was not dropped")
    time.sleep(max(1.1 - (time.monotonic() - started), 0))
    assert requests.get(simulator.http_url + STATUS, headers=AUTH, timeout=10).status_code == 200


def test_an_outage_length_out_of_range_is_refused(simulator):
    for seconds in (0, -1, 3601, "soon"):
        answer = requests.post(simulator.http_url + "/_sim/faults", json={"kind": "status", "seconds": seconds}, timeout=10)
        assert answer.status_code == 400, seconds
