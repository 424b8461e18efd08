"""One deadline for every request of a run, and the no-wait budget: against slow servers for real
(the adversarial server trickles and stalls), with an injected clock where time must jump. (The pure
parts, Deadline and Budget on a fake clock: tests/unit/plugins/module_utils/test__http_deadline.py.)"""

from __future__ import annotations

import socket
import time

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, DeadlineExceeded, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import DEADLINE_GRACE, ApiClient, Deadline
from tests.unit.plugins.module_utils.fake_clock import FakeClock


def client(adv, **kwargs):
    kwargs.setdefault("sleep", lambda s: None)
    return ApiClient(adv.url("a"), "Kibana", ca_path=adv.ca_path, **kwargs)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_body_trickling_a_byte_a_second_ends_at_the_deadline(adversary):
    adversary.route("a", "/api/fleet/agents/action_status", text="x" * 100, trickle=1)
    api = client(adversary, timeout=5)
    api.deadline = Deadline(2)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        api.get_json("/api/fleet/agents/action_status")
    elapsed = time.monotonic() - started
    assert str(caught.value) == ("Ran out of time (wait_timeout=2) while reading the answer of "
                                 "Kibana GET /api/fleet/agents/action_status.")
    assert 2 <= elapsed <= 2 + DEADLINE_GRACE + 0.5


def test_a_trickling_body_without_wait_ends_at_request_timeout(adversary):
    adversary.route("a", "/slow", text="x" * 100, trickle=1)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"^Kibana GET /slow did not answer within 1\.5 seconds \(request_timeout\) "
                                             r"\(1 attempt in 1\.[5-9] s\)\.$") as caught:
        client(adversary, timeout=1.5).get_json("/slow")
    assert not isinstance(caught.value, DeadlineExceeded)
    assert 1.5 <= time.monotonic() - started <= 2.5


def test_a_stalled_answer_ends_at_the_deadline(adversary):
    adversary.route("a", "/stall", json_body={"items": []}, delay=10)
    api = client(adversary, timeout=30)
    api.deadline = Deadline(1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"wait_timeout=1\.5\) while waiting for the answer of Kibana GET /stall"):
        api.get_json("/stall")
    assert time.monotonic() - started <= 1.5 + DEADLINE_GRACE + 0.5


@pytest.mark.parametrize("origin", ["a", "plain"])
def test_headers_trickling_a_byte_at_a_time_end_at_the_deadline(adversary, origin):
    """A socket timeout bounds one read, not a server that sends its status line a byte at a time:
    the watchdog shuts the socket at the deadline, over TLS and plain HTTP."""
    adversary.route(origin, "/slowhead", json_body={"items": []}, trickle_headers=2)
    api = ApiClient(adversary.url(origin), "Kibana", ca_path=adversary.ca_path, timeout=30, sleep=lambda s: None)
    api.deadline = Deadline(1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"wait_timeout=1\.5\) while waiting for the answer of Kibana GET /slowhead"):
        api.get_json("/slowhead")
    assert time.monotonic() - started <= 1.5 + DEADLINE_GRACE + 0.5


def test_trickling_headers_without_wait_end_at_request_timeout_and_the_client_recovers(adversary):
    adversary.route("a", "/slowhead", json_body={"items": []}, trickle_headers=2, count=3)
    api = client(adversary, timeout=1)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"did not answer within 1 seconds \(request_timeout\) \(1 attempt"):
        api.get_json("/slowhead")
    assert time.monotonic() - started <= 2
    adversary.reset()
    assert api.get_json("/next")["echo"]["path"] == "/next"  # the pool dropped the shut connection


def test_request_timeout_still_bounds_each_attempt_inside_a_long_wait(adversary):
    adversary.route("a", "/slow", text="x" * 100, trickle=1, count=1)
    api = client(adversary, timeout=1)
    api.deadline = Deadline(30)
    started = time.monotonic()
    assert api.get_json("/slow")["echo"]["path"] == "/slow"  # second attempt: the default echo
    assert api.requests_made == 2 and time.monotonic() - started < 3


def test_no_page_starts_past_the_deadline(adversary):
    clock = FakeClock()
    api = client(adversary, clock=clock, sleep=clock.sleep)
    api.deadline = Deadline(10, clock)
    clock.now += 10 + DEADLINE_GRACE / 2  # the poll that lands on the deadline may still run
    assert api.get_json("/page1")["echo"]["path"] == "/page1"
    clock.now += DEADLINE_GRACE
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=10\) before sending Kibana GET /page2\.$"):
        api.get_json("/page2?page=2")
    assert [e["path"] for e in adversary.log("a")] == ["/page1"]


def test_no_retry_starts_past_the_deadline(adversary):
    """Under a wait a busy server is retried until the deadline (the last try lands on it), not
    for a number of attempts, and the error keeps the last answer."""
    clock = FakeClock()
    adversary.route("a", "/busy", json_body={"message": "busy"}, status=503)
    api = client(adversary, clock=clock, sleep=clock.sleep, max_attempts=2)
    api.deadline = Deadline(6, clock)
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=6\) while retrying: Kibana GET /busy "
                                               r"failed: HTTP 503 busy \(\d+ attempts in 6\.0 s\)\.$"):
        api.get_json("/busy")
    assert sum(clock.sleeps) == pytest.approx(6) and len(clock.sleeps) >= 3
    assert len(adversary.log("a")) == len(clock.sleeps) + 1


def test_retry_after_beyond_the_no_wait_budget_is_not_waited_for(adversary):
    adversary.route("a", "/limited", json_body={"message": "slow down"}, status=429, headers={"Retry-After": "50"})
    clock = FakeClock()
    with pytest.raises(ApiError, match="HTTP 429 slow down"):
        client(adversary, clock=clock, sleep=clock.sleep, timeout=30).get_json("/limited")
    assert clock.sleeps == [] and len(adversary.log("a")) == 1


def test_a_retry_after_hold_past_the_no_wait_budget_is_not_waited_for(adversary):
    clock = FakeClock()
    api = client(adversary, clock=clock, sleep=clock.sleep, timeout=10)
    api._hold(60)  # another worker's 429 said: come back in a minute
    with pytest.raises(TransportError, match=r"^Kibana GET /x was not sent: the server asked to wait 60 s more "
                                             r"\(Retry-After\), past request_timeout=10\.$"):
        api.get_json("/x")
    assert clock.sleeps == [] and adversary.log("a") == []


def test_connection_refused_without_wait_tries_three_times_and_says_so():
    clock = FakeClock()
    api = ApiClient("http://127.0.0.1:%d" % closed_port(), "Kibana", clock=clock, sleep=clock.sleep)
    with pytest.raises(TransportError, match=r"Could not reach Kibana at http://127\.0\.0\.1:\d+: .*"
                                             r"\(3 attempts in \d+\.\d s\)\.$"):
        api.get_json("/api/status")
    assert api.requests_made == 3 and len(clock.sleeps) == 2


def test_connection_refused_without_wait_fails_fast_for_real():
    api = ApiClient("http://127.0.0.1:%d" % closed_port(), "Kibana")
    started = time.monotonic()
    with pytest.raises(TransportError, match="3 attempts"):
        api.get_json("/api/status")
    assert time.monotonic() - started < 5  # it took 20 to 25 s with six attempts
