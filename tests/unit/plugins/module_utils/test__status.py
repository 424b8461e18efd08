"""Normalised status and the allowed_failures policy."""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, RUNNING, SUCCEEDED, ActionStatus, FailurePolicy,
)


def status(state, total=100, succeeded=0, failed=0, pending=None):
    return ActionStatus(7, "test", state, "X", targets={"total": total, "succeeded": succeeded, "failed": failed,
                                                        "pending": pending})


@pytest.mark.parametrize("allowed, total, limit", [("0", 100, 0), ("3", 100, 3), ("5%", 100, 5), ("5%", 39, 1),
                                                   ("2.5%", 400, 10), (None, 10, 0), (4, 10, 4)])
def test_limit(allowed, total, limit):
    assert FailurePolicy(allowed).limit(total) == limit


@pytest.mark.parametrize("bad", ["-1", "five", "5 percent", "101%", "1.5"])
def test_bad_allowed_failures_is_a_clear_error(bad):
    with pytest.raises(ConfigError, match="allowed_failures"):
        FailurePolicy(bad)


@pytest.mark.parametrize("state, succeeded, failed, pending, allowed, expected", [
    (SUCCEEDED, 100, 0, 0, "0", True),
    (PARTIAL, 95, 5, 0, "5", True),
    (PARTIAL, 94, 6, 0, "5", False),
    (FAILED, 99, 1, 0, "1%", True),
    (FAILED, 0, 100, 0, "100%", False),  # nothing succeeded at all
    (PARTIAL, 90, 5, 5, "5", False),  # not finished
    (CANCELLED, 100, 0, 0, "100%", False),
    (EXPIRED, 100, 0, 0, "100%", False),
    (RUNNING, 10, 0, 90, "0", False),
])
def test_apply(state, succeeded, failed, pending, allowed, expected):
    result = FailurePolicy(allowed).apply(status(state, succeeded=succeeded, failed=failed, pending=pending))
    assert result.succeeded is expected


def test_as_dict_shape_and_string_id():
    data = status(RUNNING, succeeded=12, failed=1).as_dict()
    assert data["action_id"] == "7" and data["terminal"] is False
    assert data["targets"] == {"total": 100, "succeeded": 12, "failed": 1, "pending": 87}
    assert set(data) == {"action_id", "vendor", "state", "terminal", "succeeded", "vendor_status", "targets",
                         "errors", "started_at", "finished_at", "raw"}


def test_unknown_state_rejected():
    with pytest.raises(ValueError):
        ActionStatus("a", "t", "done", "DONE")
