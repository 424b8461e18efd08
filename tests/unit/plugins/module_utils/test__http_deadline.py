"""The run's one Deadline and the Budget of one call, on a fake clock: no socket, no sleeping.
(Against slow servers for real: tests/integration/module_utils/test_http_deadline_sockets.py.)"""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import (
    DEADLINE_GRACE, NO_WAIT_ATTEMPTS, Budget, Deadline, OutOfTime,
)
from ansible_collections.actiongate.agents.plugins.module_utils._errors import DeadlineExceeded, TransportError
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient
from tests.unit.plugins.module_utils.fake_clock import FakeClock


def test_a_deadline_counts_down_on_its_own_clock():
    clock = FakeClock()
    deadline = Deadline(1800, clock)
    assert (deadline.at, deadline.remaining(), deadline.expired(), str(deadline)) == (2800.0, 1800.0, False, "wait_timeout=1800")
    clock.now += 1799.75
    assert deadline.remaining() == 0.25 and deadline.elapsed() == 1799.75 and deadline.now() == 2799.75
    clock.now += 0.5
    assert deadline.remaining() == 0.0 and deadline.expired()
    assert not deadline.expired(DEADLINE_GRACE) and deadline.remaining(DEADLINE_GRACE) == 0.25


def test_a_deadlines_label():
    clock = FakeClock()
    assert str(Deadline(12.5, clock)) == "wait_timeout=12.5" and Deadline(12.5, clock).at == 1012.5
    assert str(Deadline(-3, clock)) == "wait_timeout=0" and str(Deadline(2, clock, label="logout")) == "logout=2"


def test_the_client_takes_the_runs_deadline_and_nothing_else():
    clock = FakeClock()
    deadline = Deadline(60, clock)
    assert ApiClient("https://kibana.example", "Kibana", clock=clock, deadline=deadline).deadline is deadline
    api = ApiClient("https://kibana.example", "Kibana", clock=clock)
    assert api.deadline is None and not hasattr(api, "set_deadline")
    for number in (clock() + 12.5, 1800):  # a moment or a length: the run's Deadline only, made once
        with pytest.raises(TypeError, match="the run's Deadline or None"):
            api.deadline = number
    api.deadline = deadline
    assert api.deadline is deadline
    api.deadline = None
    assert api.deadline is None


def test_connection_refused_past_the_deadline_is_a_deadline_and_nothing_is_sent():
    clock = FakeClock()
    api = ApiClient("http://127.0.0.1:9", "Kibana", clock=clock, sleep=clock.sleep, deadline=Deadline(1, clock))
    clock.now += 1 + DEADLINE_GRACE
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=1\) before sending Kibana GET /api/status\.$"):
        api.get_json("/api/status")
    assert api.requests_made == 0


def test_a_budget_under_a_deadline_runs_to_it_plus_the_grace_and_retries_to_it():
    clock = FakeClock()
    budget = Budget("Kibana GET /x", 30, 6, Deadline(10, clock), clock)
    assert budget.waiting and budget.max_attempts is None  # an outage is ridden out to the deadline
    budget.start_attempt()
    assert budget.left() == 10 + DEADLINE_GRACE and budget.retry_left() == 10
    clock.now += 10
    assert budget.retry_left() == 0 and budget.call_left() == DEADLINE_GRACE
    clock.now += DEADLINE_GRACE
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=10\) before sending Kibana GET /x\.$"):
        budget.start_attempt()


def test_request_timeout_still_bounds_each_attempt_inside_a_long_deadline():
    clock = FakeClock()
    budget = Budget("Kibana GET /x", 1, 6, Deadline(30, clock), clock)
    budget.start_attempt()
    clock.now += 1
    with pytest.raises(OutOfTime):
        budget.check("reading the answer of")
    assert not budget.ends_call()  # request_timeout ended it, not the deadline: a retry may follow


def test_a_budget_without_a_deadline_is_request_timeout_for_the_whole_series():
    clock = FakeClock()
    budget = Budget("Kibana GET /x", 30, 6, None, clock)
    assert not budget.waiting and budget.max_attempts == NO_WAIT_ATTEMPTS
    budget.start_attempt()
    clock.now += 20
    budget.start_attempt()
    assert budget.left() == 10 and budget.ends_call()
    clock.now += 10
    error = budget.out_of_time("reading the answer of")
    assert isinstance(error, TransportError) and not isinstance(error, DeadlineExceeded)
    assert str(error) == "Kibana GET /x did not answer within 30 seconds (request_timeout)."
    assert budget.attempts(2) == "2 attempts in 30.0 s"


def test_budget_messages_are_scrubbed():
    clock = FakeClock()
    budget = Budget("Kibana GET /x?key=s3cr3t", 30, 6, Deadline(1, clock), clock, message=lambda t: t.replace("s3cr3t", "***"))
    assert "s3cr3t" not in str(budget.out_of_time("waiting for the answer of"))
