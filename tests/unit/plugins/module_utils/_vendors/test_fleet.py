"""Fleet parsing and state table, from a recorded action_status payload."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet import Fleet

FIXTURE = Path(__file__).parents[3] / "fixtures" / "fleet" / "action_status.json"
ITEMS = {i["actionId"]: i for i in json.loads(FIXTURE.read_text())["items"]}


def fleet(**options):
    settings = {"url": "http://127.0.0.1:9", "api_key": "k" * 20, "rollout_passed": "wait", "per_page": 100}
    settings.update(options)
    return Fleet(settings)


@pytest.mark.parametrize("action_id, state, terminal, targets", [
    ("complete-1", "succeeded", True, (2, 2, 0, 0)),
    ("partial-1", "partial", True, (10, 9, 1, 0)),
    ("failed-1", "failed", True, (3, 0, 3, 0)),
    ("running-1", "running", False, (40, 4, 0, 36)),
    ("pending-1", "pending", False, (40, 0, 0, 40)),
    ("cancelled-1", "cancelled", True, (5, 1, 4, 0)),  # terminal: the 4 that did not ack count as failed
    ("expired-1", "expired", True, (5, 1, 4, 0)),
    ("rollout-1", "running", False, (10, 8, 0, 2)),
    ("novel-1", "unknown", False, (10, 10, 0, 0)),
])
def test_state_table(action_id, state, terminal, targets):
    status = fleet().parse_item(ITEMS[action_id])
    assert (status.state, status.terminal) == (state, terminal)
    assert tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending")) == targets
    assert status.raw is ITEMS[action_id] and status.vendor_status == ITEMS[action_id]["status"]


def test_unknown_word_never_succeeds():
    status = FailurePolicy("100%").apply(fleet().parse_item(ITEMS["novel-1"]))
    assert status.succeeded is False


@pytest.mark.parametrize("policy, state", [("wait", "running"), ("failure", "failed"), ("success", "succeeded")])
def test_rollout_passed_policy(policy, state):
    assert fleet(rollout_passed=policy).parse_item(ITEMS["rollout-1"]).state == state


def test_errors_and_times():
    status = fleet().parse_item(ITEMS["partial-1"])
    assert status.errors == [{"target": "agent-7", "message": "download failed", "time": "2024-01-01T00:08:00.000Z"}]
    assert status.finished_at == "2024-01-01T00:09:00.000Z"
    cancelled = fleet().parse_item(ITEMS["cancelled-1"])
    assert cancelled.finished_at == "2024-01-01T00:01:00.000Z"


def test_missing_counters_do_not_break():
    status = fleet().parse_item({"actionId": "x", "status": "IN_PROGRESS", "type": "UPGRADE",
                                 "creationTime": "2024-01-01T00:00:00Z"})
    assert status.targets == {"total": 0, "succeeded": 0, "failed": 0, "pending": 0}


def test_credentials_required_and_basic_auth_secret_known():
    with pytest.raises(ConfigError, match="FLEET_API_KEY"):
        Fleet({"url": "http://127.0.0.1:9"})
    basic = Fleet({"url": "http://127.0.0.1:9", "username": "ops", "password": "pw-secret"})
    header = basic.client.session.headers["Authorization"]
    assert header.startswith("Basic ") and header[6:] in basic.client.secrets


def test_space_path():
    assert fleet(space_id="ops").path("agents/action_status") == "/s/ops/api/fleet/agents/action_status"
    assert fleet().path("agents/action_status") == "/api/fleet/agents/action_status"


def test_parse_10000_items_quickly_enough_to_matter():
    """Correctness at the endpoint's maximum size (the speed figure is in tests/benchmarks)."""
    items = [dict(ITEMS["running-1"], actionId="a%d" % i) for i in range(10000)]
    started = time.perf_counter()
    vendor = fleet()
    parsed = [vendor.parse_item(i) for i in items]
    assert len(parsed) == 10000 and parsed[-1].action_id == "a9999"
    assert time.perf_counter() - started < 60
