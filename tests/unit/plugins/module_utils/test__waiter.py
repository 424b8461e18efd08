"""The waiter on a fake clock that drives the run's Deadline: no real sleeping."""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionNotFound, ApiError, DeadlineExceeded
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    FAILED, RUNNING, SUCCEEDED, ActionStatus, FailurePolicy,
)
from ansible_collections.actiongate.agents.plugins.module_utils._waiter import HISTORY_MAX, History, wait


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def status(state, failed=0, total=10, succeeded=0):
    targets = {"total": total, "failed": failed, "succeeded": succeeded}
    return ActionStatus("a1", "test", state, state.upper(), targets=targets)


def scripted(*states):
    """fetch() returning each given list in turn, then the last forever."""
    calls = {"n": 0}

    def fetch():
        index = min(calls["n"], len(states) - 1)
        calls["n"] += 1
        item = states[index]
        if isinstance(item, Exception):
            raise item
        return item
    return fetch, calls


def no_jitter(low, high):
    return 0.0


def run(fetch, fake, timeout=100, **kwargs):
    settings = dict(interval=2, max_interval=10, sleep=fake.sleep, jitter=no_jitter)
    settings.update(kwargs)
    return wait(fetch, deadline=Deadline(timeout, fake.clock), **settings)


def test_completes_after_several_polls_with_growing_capped_delays():
    fake = FakeClock()
    fetch, calls = scripted(*([[status(RUNNING)]] * 6 + [[status(SUCCEEDED, succeeded=10)]]))
    outcome = run(fetch, fake)
    assert outcome.reason == "done" and outcome.polls == 7 == calls["n"]
    assert fake.sleeps == [2, 3, 4.5, 6.75, 10, 10]
    assert outcome.elapsed == pytest.approx(sum(fake.sleeps))
    assert [h["state"] for h in outcome.history] == [RUNNING, SUCCEEDED]


def test_timeout_returns_last_statuses_and_last_poll_lands_on_deadline():
    fake = FakeClock()
    fetch, calls = scripted([status(RUNNING, succeeded=3)])
    outcome = run(fetch, fake, timeout=30, interval=4, max_interval=4)
    assert outcome.reason == "timeout"
    assert fake.now == pytest.approx(1030.0)  # never past the deadline
    assert outcome.statuses[0].targets["succeeded"] == 3
    assert sum(fake.sleeps) == pytest.approx(30.0)
    assert calls["n"] == outcome.polls == len(fake.sleeps) + 1


def test_stops_early_when_failures_exceed_allowance():
    fake = FakeClock()
    policy = FailurePolicy("1")
    fetch, calls = scripted([status(RUNNING)], [status(RUNNING, failed=1)], [status(RUNNING, failed=2)],
                            [status(SUCCEEDED)])
    outcome = run(fetch, fake, stop_early=lambda ss: any(policy.exceeded(s) for s in ss))
    assert outcome.reason == "stopped_early" and calls["n"] == 3


def test_not_found_tolerated_for_grace_then_raised():
    fake = FakeClock()
    missing = ActionNotFound("no such", ["a1"])
    fetch, calls = scripted(missing, missing, [status(SUCCEEDED)])
    assert run(fetch, fake, not_found_grace=10).reason == "done"
    fake = FakeClock()
    fetch, calls = scripted(missing)
    with pytest.raises(ActionNotFound):
        run(fetch, fake, not_found_grace=5)
    assert fake.now - 1000.0 >= 5 and fake.now - 1000.0 < 10


def test_terminal_failure_ends_wait_at_once():
    fake = FakeClock()
    fetch, calls = scripted([status(FAILED, failed=10)])
    outcome = run(fetch, fake)
    assert outcome.reason == "done" and outcome.polls == 1 and fake.sleeps == []


def test_jitter_keeps_delay_within_bounds():
    fake = FakeClock()
    fetch, calls = scripted(*([[status(RUNNING)]] * 5 + [[status(SUCCEEDED)]]))
    run(fetch, fake, jitter=lambda low, high: high)
    assert fake.sleeps[0] == 2 and all(1.6 <= s <= 10 for s in fake.sleeps)


def test_on_poll_sees_every_poll():
    fake = FakeClock()
    seen = []
    fetch, calls = scripted([status(RUNNING)], [status(SUCCEEDED)])
    run(fetch, fake, on_poll=lambda statuses, polls, elapsed: seen.append((polls, statuses[0].state)))
    assert seen == [(1, RUNNING), (2, SUCCEEDED)]


def test_a_deadline_cut_inside_a_poll_ends_as_a_timeout_with_the_last_statuses():
    fake = FakeClock()
    answers = [[status(RUNNING)], DeadlineExceeded("GET /status: the answer was still arriving at the deadline")]

    def fetch():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            fake.now += 3
            raise answer
        return answer

    outcome = wait(fetch, deadline=Deadline(60, fake.clock), interval=5, max_interval=5, sleep=fake.sleep)
    assert outcome.reason == "timeout" and outcome.polls == 2
    assert [s.state for s in outcome.statuses] == [RUNNING]
    assert outcome.interrupted == "GET /status: the answer was still arriving at the deadline"


def test_only_not_found_until_the_deadline_raises_not_found_without_another_request():
    fake = FakeClock()
    calls = []

    def fetch():
        calls.append(fake.now)
        raise ActionNotFound("no a1", ["a1"])

    with pytest.raises(ActionNotFound):
        wait(fetch, deadline=Deadline(10, fake.clock), interval=5, max_interval=5, not_found_grace=60, sleep=fake.sleep)
    assert calls[-1] <= 1000.0 + 10


def test_the_wait_ends_at_a_deadline_that_started_before_it():
    """The run's one Deadline starts when the run does: time spent before the wait counts."""
    fake = FakeClock()
    deadline = Deadline(30, fake.clock)
    fake.now += 20  # logging in, the first read
    fetch, calls = scripted([status(RUNNING)])
    outcome = wait(fetch, deadline=deadline, interval=4, max_interval=4, sleep=fake.sleep, jitter=no_jitter)
    assert outcome.reason == "timeout" and fake.now == pytest.approx(1030.0) and sum(fake.sleeps) == pytest.approx(10.0)
    assert outcome.elapsed == pytest.approx(10.0)  # the wait's own time


def test_without_a_deadline_one_of_timeout_seconds_on_clock_is_made():
    fake = FakeClock()
    fetch, calls = scripted([status(RUNNING)])
    outcome = wait(fetch, timeout=30, interval=4, max_interval=4, clock=fake.clock, sleep=fake.sleep, jitter=no_jitter)
    assert outcome.reason == "timeout" and fake.now == pytest.approx(1030.0)


# ---- an error ends the wait with what it knew; the history is bounded -------------------------------

def test_an_error_mid_wait_is_raised_carrying_the_last_statuses_polls_and_history():
    fake = FakeClock()
    error = ApiError("Test GET /status failed: HTTP 404 gone", 404)
    fetch, calls = scripted([status(RUNNING, succeeded=1)], [status(RUNNING, succeeded=2)], error)
    with pytest.raises(ApiError) as caught:
        run(fetch, fake)
    outcome = caught.value.outcome
    assert outcome.reason == "error" and outcome.polls == 3 and outcome.interrupted == str(error)
    assert [s.targets["succeeded"] for s in outcome.statuses] == [2]
    assert [h["targets"]["succeeded"] for h in outcome.history] == [1, 2] and outcome.history_total == 2
    assert outcome.elapsed == pytest.approx(5.0)


def test_not_found_past_its_grace_carries_the_outcome_too():
    fake = FakeClock()
    fetch, calls = scripted([status(RUNNING)], ActionNotFound("no a1", ["a1"]))
    with pytest.raises(ActionNotFound) as caught:
        run(fetch, fake, not_found_grace=0)
    assert caught.value.outcome.polls == 2 and caught.value.outcome.statuses[0].state == RUNNING


def many(polls_so_far, count=100):
    """``count`` actions whose succeeded count changes on every poll."""
    return [ActionStatus("action-%03d" % i, "test", RUNNING, "IN_PROGRESS",
                         targets={"total": 1000, "succeeded": polls_so_far})
            for i in range(count)]


def test_history_keeps_each_actions_first_and_last_changes_within_the_cap():
    history = History()
    for poll in range(120):
        history.record(many(poll), poll * 5.0)
    entries = history.entries()
    assert history.total == 12000 and history.keep() == HISTORY_MAX // 100 == 5
    assert len(entries) == HISTORY_MAX and history.dropped() == 12000 - HISTORY_MAX
    first = [e for e in entries if e["action_id"] == "action-007"]
    assert [e["targets"]["succeeded"] for e in first] == [0, 116, 117, 118, 119]  # the first, then the last four
    assert [e["elapsed"] for e in entries] == sorted(e["elapsed"] for e in entries)  # in the order they came


def test_history_of_one_action_keeps_its_first_and_its_last_nine():
    history = History()
    for poll in range(40):
        history.record(many(poll, count=1), float(poll))
    assert [e["targets"]["succeeded"] for e in history.entries()] == [0] + list(range(31, 40))
    assert (history.total, history.dropped()) == (40, 30)


def test_history_of_a_thousand_actions_keeps_at_least_the_first_and_the_last():
    history = History()
    for poll in range(3):
        history.record(many(poll, count=1000), float(poll))
    assert history.keep() == 2 and len(history.entries()) == 2000 and history.dropped() == 1000


def test_a_short_wait_keeps_every_change():
    fake = FakeClock()
    fetch, calls = scripted([status(RUNNING)], [status(RUNNING, succeeded=1)], [status(SUCCEEDED, succeeded=10)])
    outcome = run(fetch, fake)
    assert len(outcome.history) == outcome.history_total == 3 and outcome.history_dropped == 0
