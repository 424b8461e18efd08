"""Fleet's fast parse holds to the checked path and to ActionStatus's constructor.

``StatusReader.item`` reads the common shape with exact type checks and builds the status with
``ActionStatus.counted``; anything else goes through ``StatusReader.checked`` and the generic constructor.
These tests feed both paths the same items, recorded and generated, and require the same result
(or the same error), so the speed cannot change what a user is told.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    STATES, TERMINAL_STATES, ActionStatus, FailurePolicy,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet

FIXTURES = Path(__file__).parents[3] / "fixtures"
RECORDED_ITEMS = [item for path in sorted((FIXTURES / "recorded" / "fleet").glob("*.json"))
                  for item in json.loads(path.read_text())["items"]]
RECORDED_ITEMS += json.loads((FIXTURES / "fleet" / "action_status.json").read_text())["items"]
MUTABLE_KEYS = ["actionId", "status", "type", "creationTime", "nbAgentsActioned", "nbAgentsActionCreated", "nbAgentsAck",
                "nbAgentsFailed", "latestErrors", "startTime", "completionTime", "cancellationTime"]
EXAMPLES = {"fast": 0, "checked": 0, "error": 0, "counted": 0}

REFUSED = "Agent a1 is not upgradeable: agent was upgraded less than 10 minutes ago."
SCALAR = st.none() | st.booleans() | st.integers(-3, 12) | st.floats(-2, 12) | st.sampled_from([float("nan"), float("inf"), 2.0]) | st.text(max_size=6)
ENTRY = st.fixed_dictionaries({}, optional={
    "agentId": SCALAR | st.sampled_from(["a1", "a2"]), "hostname": SCALAR | st.just("web-1"),
    "error": SCALAR | st.sampled_from([REFUSED, "download failed", "Cannot unenroll a2 from a hosted agent policy p"]),
    "timestamp": SCALAR})
COUNT = st.integers(0, 12)
# A well-formed item (every status word, errors or none), then up to two fields removed, nulled or
# given any scalar or list: the fast path's shape and every way out of it.
ITEM = st.fixed_dictionaries({
    "actionId": st.sampled_from(["a", "b"]),
    "status": st.sampled_from(["COMPLETE", "FAILED", "CANCELLED", "EXPIRED", "IN_PROGRESS", "ROLLOUT_PASSED", "NEW"]),
    "type": st.sampled_from(["UPGRADE", "UNENROLL"]),
    "creationTime": st.just("2024-01-01T00:00:00.000Z"),
    "nbAgentsActioned": COUNT, "nbAgentsAck": COUNT, "nbAgentsFailed": COUNT,
}, optional={
    "nbAgentsActionCreated": COUNT, "latestErrors": st.lists(ENTRY, max_size=4),
    "startTime": st.just("s"), "completionTime": st.just("c"), "cancellationTime": st.just("x"),
})
CHANGES = st.lists(st.tuples(st.sampled_from(MUTABLE_KEYS), st.sampled_from(["remove", "null", "retype"]),
                             SCALAR | st.lists(ENTRY | SCALAR, max_size=3)), max_size=2)


def mutated(item, changes):
    for key, change, value in changes:
        if change == "remove":
            item.pop(key, None)
        else:
            item[key] = None if change == "null" else value
    return item


@pytest.fixture(scope="module", autouse=True)
def print_examples_run():
    yield
    print("\nfleet fast parse: %(fast)d items on the fast path, %(checked)d on the checked path, %(error)d refused "
          "as malformed; %(counted)d counted statuses compared with the constructor" % EXAMPLES)


def fleet(policy="wait"):
    return Fleet({"url": "http://127.0.0.1:9", "api_key": "k" * 20, "rollout_passed": policy})


def outcome(parse, item):
    """(as_dict, None) or (None, the collection's error text); anything else fails the test."""
    try:
        return parse(item, 3).as_dict(), None
    except ApiError as error:
        return None, str(error)


def took_fast_path(vendor, item):
    """Whether StatusReader.item answered without the checked path."""
    calls = []
    reader = vendor.reader
    checked = reader.checked

    def spy(*args):
        calls.append(args)
        return checked(*args)
    reader.checked = spy
    try:
        outcome(reader.item, item)
    finally:
        del reader.checked
    return not calls


def assert_same(vendor, item):
    fast, checked = outcome(vendor.reader.item, item), outcome(vendor.reader.checked, item)
    assert fast == checked, item
    if fast[0] is not None:
        assert list(fast[0]) == list(checked[0])  # the same keys in the same order (the play output)
        assert fast[0]["raw"] is item  # the original object, never a copy
    return fast


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=ITEM, changes=CHANGES, policy=st.sampled_from(["wait", "failure", "success"]))
def test_fast_path_and_checked_path_agree_on_any_item(item, changes, policy):
    vendor = fleet(policy)
    item = mutated(item, changes)
    _result, error = assert_same(vendor, item)
    EXAMPLES["error" if error else "fast" if took_fast_path(vendor, item) else "checked"] += 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(RECORDED_ITEMS) - 1), changes=CHANGES)
def test_recorded_items_mutated_agree(index, changes):
    assert_same(fleet(), mutated(copy.deepcopy(RECORDED_ITEMS[index]), changes))


def test_the_commonest_items_take_the_fast_path():
    """Every recorded item with a status word in STATES, with or without errors, skips the checked
    path; ROLLOUT_PASSED (its option) and an unknown word take it."""
    vendor = fleet()
    taken = dict((item["actionId"], took_fast_path(vendor, item)) for item in RECORDED_ITEMS)
    slow = sorted(action for action, fast in taken.items() if not fast)
    assert slow == ["novel-1", "rollout-1"], slow
    assert any(item.get("latestErrors") for item in RECORDED_ITEMS if taken[item["actionId"]])


def test_a_bad_action_created_count_is_an_error_on_either_path():
    """The fast path checks nbAgentsActionCreated even when nbAgentsActioned is enough."""
    item = dict(RECORDED_ITEMS[1], nbAgentsActionCreated="lots")
    _result, error = assert_same(fleet(), item)
    assert "nbAgentsActionCreated is a string, not a count" in error


def test_errors_refusals_and_a_mapping_entry():
    entries = [OrderedDict(agentId="a1", hostname="h1", error=REFUSED, timestamp="t"),
               {"agentId": 7, "error": None}, {"agentId": "a3", "hostname": "h3", "error": "download failed"}]
    item = {"actionId": "x", "status": "FAILED", "type": "UPGRADE", "creationTime": "c", "nbAgentsActioned": 3,
            "nbAgentsAck": 0, "nbAgentsFailed": 3, "latestErrors": entries}
    result, _error = assert_same(fleet(), item)
    assert result["errors"] == [{"target": "a1", "host": "h1", "message": REFUSED, "time": "t"},
                                {"target": "7", "host": None, "message": None, "time": None},
                                {"target": "a3", "host": "h3", "message": "download failed", "time": None}]
    assert result["refused"] == [{"agent": "a1", "reason": REFUSED}]
    assert (result["state"], result["targets"]) == ("failed", {"total": 3, "succeeded": 0, "failed": 3, "pending": 0})


@pytest.mark.parametrize("entries, where", [([{}, None], "latestErrors[1] is null"), ([3], "latestErrors[0] is a number")])
def test_a_bad_error_entry_is_named_by_its_position(entries, where):
    item = dict(RECORDED_ITEMS[1], latestErrors=entries)
    _result, error = assert_same(fleet(), item)
    assert where in error


def test_the_status_is_built_once_and_as_dict_is_a_copy():
    """as_dict() hands out a new dict: a caller dropping raw (include_raw: false) leaves the status whole."""
    status = FailurePolicy("0").apply(fleet().parse_item(RECORDED_ITEMS[0]))
    data = status.as_dict()
    data.pop("raw")
    assert status.raw is RECORDED_ITEMS[0] and "raw" in status.as_dict() and status.as_dict() is not status.as_dict()
    assert status.extra == {"type": RECORDED_ITEMS[0]["type"]}


@settings(max_examples=500, deadline=None)
@given(state=st.sampled_from(STATES), total=st.integers(0, 20), succeeded=st.integers(0, 20), failed=st.integers(0, 20),
       errors=st.lists(st.fixed_dictionaries({"target": st.text(max_size=3)}), max_size=2),
       extra=st.dictionaries(st.sampled_from(["type", "refused", "node_states"]), st.integers(), max_size=2),
       action_id=st.text(min_size=1, max_size=4), allowed=st.sampled_from(["0", "1", "50%", "100%"]))
def test_counted_is_the_constructor(state, total, succeeded, failed, errors, extra, action_id, allowed):
    """The hot-path builder gives what the constructor gives (the accounting rule included), and the
    policy decides the same on both."""
    EXAMPLES["counted"] += 1
    raw = {"id": action_id}
    made = ActionStatus(action_id, "fleet", state, "W", {"total": total, "succeeded": succeeded, "failed": failed},
                        list(errors), "s", "f", raw, dict(extra))
    fast = ActionStatus.counted(action_id, "fleet", state, "W", total, succeeded, failed, list(errors), "s", "f", raw,
                                dict(extra))
    assert fast.as_dict() == made.as_dict() and list(fast.as_dict()) == list(made.as_dict())
    terminal = state in TERMINAL_STATES
    assert (fast.terminal, fast.targets["pending"] == 0) == (terminal, terminal or made.targets["pending"] == 0)
    policy = FailurePolicy(allowed)
    assert policy.apply(fast).succeeded is policy.apply(made).succeeded


@pytest.mark.parametrize("build", [
    lambda: ActionStatus("a", "fleet", "running", "W", extra={"state": "succeeded"}),
    lambda: ActionStatus.counted("a", "fleet", "running", "W", 1, 0, 0, [], None, None, {}, {"succeeded": True}),
    lambda: ActionStatus.counted("a", "fleet", "done", "W", 1, 0, 0, [], None, None, {}, {}),
])
def test_a_vendor_key_cannot_replace_a_normalised_one_nor_a_state_be_invented(build):
    with pytest.raises(ValueError):
        build()
