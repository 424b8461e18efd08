"""Normalised status and the allowed_failures policy."""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN, ActionStatus, FailurePolicy, settle,
    targets_dict,
)


def status(state, total=100, succeeded=0, failed=0, pending=None):
    return ActionStatus(7, "test", state, "X", targets={"total": total, "succeeded": succeeded, "failed": failed,
                                                        "pending": pending})


@pytest.mark.parametrize("allowed, total, limit", [("0", 100, 0), ("3", 100, 3), ("5%", 100, 5), ("5%", 39, 1),
                                                   ("2.5%", 400, 10), (None, 10, 0), (4, 10, 4)])
def test_limit(allowed, total, limit):
    assert FailurePolicy(allowed).limit(total) == limit


@pytest.mark.parametrize("bad", ["-1", "five", "5 percent", "101%", "1.5", "\u00b2", "\u00b2%", "\u0663"])
def test_bad_allowed_failures_is_a_clear_error(bad):
    with pytest.raises(ConfigError, match="allowed_failures"):
        FailurePolicy(bad)


@pytest.mark.parametrize("state, succeeded, failed, pending, allowed, expected", [
    (SUCCEEDED, 100, 0, 0, "0", True),
    (PARTIAL, 95, 5, 0, "5", True),
    (PARTIAL, 94, 6, 0, "5", False),
    (FAILED, 99, 1, 0, "1%", True),
    (FAILED, 0, 100, 0, "100%", False),  # nothing succeeded at all
    (PARTIAL, 90, 5, 5, "5", False),  # the 5 left pending count as failed: 10 > 5
    (PARTIAL, 90, 5, 5, "10", True),
    (CANCELLED, 100, 0, 0, "100%", False),  # a cancel a person asked for never succeeds
    (CANCELLED, 99, 0, 1, "100%", False),
    (EXPIRED, 99, 0, 1, "1", True),  # the case: 99 of 100 acked, the last one counts as failed
    (EXPIRED, 99, 0, 1, "0", False),
    (EXPIRED, 0, 0, 100, "100%", False),  # nothing succeeded at all
    (RUNNING, 10, 0, 90, "0", False),  # not terminal
    (RUNNING, 100, 0, 0, "0", False),
    (PENDING, 0, 0, 100, "100%", False),
    (UNKNOWN, 100, 0, 0, "100%", False),  # a word the collection does not know never succeeds
    (FAILED, 100, 0, 0, "100%", False),  # a failure word with no failed target counted: counts not trusted
    (PARTIAL, 100, 0, 0, "100%", False),
    (EXPIRED, 100, 0, 0, "100%", False),
])
def test_apply(state, succeeded, failed, pending, allowed, expected):
    result = FailurePolicy(allowed).apply(status(state, succeeded=succeeded, failed=failed, pending=pending))
    assert result.succeeded is expected


@pytest.mark.parametrize("state", [SUCCEEDED, PARTIAL, FAILED, CANCELLED, EXPIRED])
def test_terminal_targets_that_did_not_succeed_count_as_failed(state):
    settled = status(state, total=100, succeeded=90, failed=3, pending=5).targets
    assert settled == {"total": 100, "succeeded": 90, "failed": 10, "pending": 0}


@pytest.mark.parametrize("state", [PENDING, RUNNING, UNKNOWN])
def test_targets_of_an_unfinished_action_stay_as_reported(state):
    assert status(state, total=100, succeeded=90, failed=3, pending=5).targets == {
        "total": 100, "succeeded": 90, "failed": 3, "pending": 5}


def test_settle_keeps_failures_beyond_the_total_and_the_total():
    # Counters with a vendor bug (elastic/kibana#141744): never fewer failures than reported.
    assert settle(targets_dict(total=3, succeeded=2, failed=4)) == {"total": 3, "succeeded": 2, "failed": 4, "pending": 0}
    assert settle(targets_dict(total=0)) == {"total": 0, "succeeded": 0, "failed": 0, "pending": 0}


def test_the_same_situation_decides_the_same_whatever_the_vendor_calls_it():
    """99 of 100 targets done, one never did: expired (Fleet), partial (Cortex XDR), failed."""
    for state in (EXPIRED, PARTIAL, FAILED):
        for allowed, expected in (("0", False), ("1", True), ("1%", True)):
            decided = FailurePolicy(allowed).apply(status(state, succeeded=99, pending=1))
            assert (decided.state, decided.succeeded, decided.targets["failed"]) == (state, expected, 1)


def test_as_dict_shape_and_string_id():
    data = status(RUNNING, succeeded=12, failed=1).as_dict()
    assert data["action_id"] == "7" and data["terminal"] is False
    assert data["targets"] == {"total": 100, "succeeded": 12, "failed": 1, "pending": 87}
    assert set(data) == {"action_id", "vendor", "state", "terminal", "succeeded", "vendor_status", "targets",
                         "errors", "started_at", "finished_at", "raw"}


def test_unknown_state_rejected():
    with pytest.raises(ValueError):
        ActionStatus("a", "t", "done", "DONE")


def test_a_percentage_of_a_huge_total_is_integer_arithmetic():
    """A vendor's total of 10**400 targets overflowed the float product (OverflowError)."""
    from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy

    assert FailurePolicy("5%").limit(10 ** 400) == 5 * 10 ** 398
    assert FailurePolicy("7%").limit(100) == 7  # exact: never 6.999...
    assert FailurePolicy("33.3%").limit(3) == 0
