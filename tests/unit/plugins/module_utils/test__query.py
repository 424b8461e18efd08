"""ActionQuery's garbage-collector pause: on while an answer is read, never across a sleep."""

from __future__ import annotations

import gc

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._query import ActionQuery, collector_paused
from ansible_collections.actiongate.agents.plugins.module_utils._status import RUNNING, SUCCEEDED, ActionStatus


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_collector_paused_restores_the_collector_even_on_error():
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()


class Client:
    deadline = None


class RecordingVendor:
    """Two polls: running, then succeeded; records whether the collector ran during each read."""

    LABEL, NOUN = "Test", "action"

    def __init__(self, options):
        self.client = Client()
        self.reads = []
        self.states = [RUNNING, SUCCEEDED]

    def statuses(self, action_ids, policy):
        self.reads.append(gc.isenabled())
        state = self.states.pop(0)
        return [policy.apply(ActionStatus(action_ids[0], "test", state, state.upper(),
                                          targets={"total": 1, "succeeded": int(state == SUCCEEDED)}))]

    def list_actions(self):
        self.reads.append(gc.isenabled())
        return [ActionStatus("listed", "test", SUCCEEDED, "DONE", targets={"total": 1, "succeeded": 1})]

    def result_extras(self):
        return {}


def test_reads_pause_the_collector_and_sleeps_do_not():
    sleeps = []
    now = [0.0]

    def sleep(seconds):
        sleeps.append(gc.isenabled())
        now[0] += seconds

    options = {"action_ids": ["a1"], "wait": True, "wait_timeout": 60, "wait_interval": 1, "wait_max_interval": 1}
    query = ActionQuery(RecordingVendor, options, clock=lambda: now[0], sleep=sleep)
    result = query.run()
    assert result["actions"][0]["state"] == SUCCEEDED and result["polls"] == 2
    assert query.vendor.reads == [False, False]
    assert sleeps and all(sleeps)
    assert gc.isenabled()


def test_listing_pauses_the_collector_too():
    query = ActionQuery(RecordingVendor, {"action_ids": []})
    assert [a["action_id"] for a in query.run()["actions"]] == ["listed"]
    assert query.vendor.reads == [False] and gc.isenabled()
