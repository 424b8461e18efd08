"""Progress lines: at the first poll, then at least every interval, also from inside long sleeps."""

from __future__ import annotations

from ansible_collections.actiongate.agents.plugins.module_utils._secrets import SecretRegistry
from ansible_collections.actiongate.agents.plugins.module_utils._status import ActionStatus
from ansible_collections.actiongate.agents.plugins.module_utils._waiter import wait
from ansible_collections.actiongate.agents.plugins.plugin_utils._progress import Progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def statuses(state: str, done: int) -> list[ActionStatus]:
    return [ActionStatus("a1", "fleet", state, "IN_PROGRESS" if state == "running" else "COMPLETE",
                         targets={"total": 4, "succeeded": done})]


def run_wait(progress_interval: float, interval: float, max_interval: float, finish_at: float):
    clock = FakeClock()
    lines: list[tuple[float, str]] = []
    progress = Progress("Elastic Fleet", progress_interval, say=lambda text: lines.append((clock.now, text)),
                        clock=clock, sleep=clock.sleep)

    def fetch():
        elapsed = clock.now - 100.0
        return statuses("succeeded", 4) if elapsed >= finish_at else statuses("running", min(int(elapsed), 3))

    outcome = wait(fetch, timeout=600, interval=interval, max_interval=max_interval, clock=clock,
                   sleep=progress.sleep, jitter=lambda low, high: 0.0, on_poll=progress.on_poll)
    return outcome, lines


def test_lines_at_least_every_interval_even_when_polls_are_rarer():
    outcome, lines = run_wait(progress_interval=10, interval=30, max_interval=30, finish_at=95)
    assert outcome.reason == "done" and outcome.polls == 5  # polls at 0, 30, 60, 90, 120
    times = [at - 100.0 for at, _text in lines]
    assert times[0] == 0
    assert all(later - earlier <= 10 for earlier, later in zip(times, times[1:]))
    assert times[-1] >= 110
    assert lines[0][1] == "Elastic Fleet: waiting 0s, 1 poll: a1: running (IN_PROGRESS), 0/4 succeeded, 0 failed, 4 pending"
    assert "waiting 30s, 2 polls" in lines[3][1]


def test_frequent_polls_print_only_when_due():
    outcome, lines = run_wait(progress_interval=60, interval=5, max_interval=5, finish_at=200)
    assert outcome.polls == 41
    assert [round(at - 100.0) for at, _text in lines] == [0, 60, 120, 180]


def test_zero_interval_prints_nothing_and_sleeps_the_same():
    outcome, lines = run_wait(progress_interval=0, interval=30, max_interval=30, finish_at=95)
    assert lines == [] and outcome.polls == 5 and round(outcome.elapsed) == 120


def test_lines_are_scrubbed_and_long_lists_summarised():
    secrets = SecretRegistry(["tok&en/=1"])
    lines: list[str] = []
    progress = Progress("Elastic Fleet", 1, say=lines.append, scrub=secrets.scrub)
    many = [ActionStatus("id-tok%26en%2F%3D1-" + str(i), "fleet", "running", "IN_PROGRESS", targets={"total": 1})
            for i in range(25)]
    progress.on_poll(many, 1, 0.0)
    assert len(lines) == 1 and "tok" not in lines[0]
    assert lines[0].count("id-********-") == 20 and lines[0].endswith(" ... and 5 more")


def test_an_unreachable_vendor_is_noticed_at_once_then_at_most_every_interval_then_answering_again():
    clock = FakeClock()
    lines: list[tuple[float, str]] = []
    progress = Progress("Elastic Fleet", 10, say=lambda text: lines.append((clock.now, text)), clock=clock, sleep=clock.sleep)
    progress.on_poll(statuses("running", 1), 1, 0.0)
    clock.now += 4  # the next poll meets the outage
    for attempt in range(1, 9):  # the client retries every 3 s
        progress.on_trouble("Elastic Fleet GET /api/fleet/agents/action_status answered HTTP 503",
                            (attempt - 1) * 3.0, attempt)
        clock.now += 3
    progress.on_poll(statuses("running", 2), 2, clock.now - 100.0)
    notices = [(round(at - 100.0), text) for at, text in lines[1:]]
    assert [at for at, _text in notices] == [4, 16, 28, 28]
    assert notices[0][1] == ("Elastic Fleet: unreachable since 4s into the wait (for 0s, 1 attempt of this call), "
                             "retrying until the deadline: Elastic Fleet GET /api/fleet/agents/action_status answered HTTP 503")
    assert "unreachable since 4s into the wait (for 12s, 5 attempts of this call)" in notices[1][1]
    assert notices[-2][1].startswith("Elastic Fleet: answering again after 24s unreachable")
    assert "waiting 28s, 2 polls" in notices[-1][1]


def test_unreachable_notices_are_scrubbed_and_silent_with_interval_zero():
    secrets = SecretRegistry(["tok&en/=1"])
    lines: list[str] = []
    Progress("Elastic Fleet", 1, say=lines.append, scrub=secrets.scrub).on_trouble("refused for tok&en/=1", 0.0, 1)
    assert len(lines) == 1 and "tok&en" not in lines[0]
    quiet: list[str] = []
    progress = Progress("Elastic Fleet", 0, say=quiet.append)
    progress.on_trouble("refused", 0.0, 1)
    progress.on_poll(statuses("running", 1), 1, 0.0)
    assert quiet == []
