"""The rollout filters (plugins/filter/rollout.py): names, what they hand to _rollout, their errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.actiongate.agents.plugins.filter.rollout import (
    FilterModule, fleet_rollout_batch, rollout_allowance, rollout_batch, rollout_batch_record, rollout_plan, rollout_result,
)
from ansible_collections.actiongate.agents.plugins.module_utils import _rollout

SKIPPED = {"changed": False, "skipped": True}
OK = {"actions": [{"action_id": "a1", "state": "succeeded", "succeeded": True, "vendor_status": "COMPLETE",
                   "targets": {"total": 2, "succeeded": 2, "failed": 0, "pending": 0}, "errors": []}],
      "succeeded": True, "terminal": True, "polls": 1, "elapsed": 1.5}


def test_filter_names():
    assert FilterModule().filters() == {"rollout_allowance": rollout_allowance,
                                        "rollout_batch_record": rollout_batch_record,
                                        "fleet_rollout_batch": fleet_rollout_batch,
                                        "rollout_plan": rollout_plan,
                                        "rollout_batch": rollout_batch,
                                        "rollout_result": rollout_result}


def test_every_filter_has_its_documentation_file():
    import sys
    from pathlib import Path
    here = Path(sys.modules[FilterModule.__module__].__file__).resolve().parent
    for name in FilterModule().filters():
        text = (here / ("%s.yml" % name)).read_text()
        assert "name: %s" % name in text and "EXAMPLES:" in text and "RETURN:" in text


def test_rollout_allowance():
    assert rollout_allowance("10%", 25, 2) == "4"
    assert rollout_allowance("1", "5", [{"agent": "a"}, {"agent": "b"}]) == "3"  # a list of refused counts its length
    assert rollout_allowance("20%", 5) == "20%"
    with pytest.raises(AnsibleFilterError, match="rollout_allowance"):
        rollout_allowance("1", "five", 1)


def test_rollout_batch_record_is_batch_record():
    record = rollout_batch_record(OK, 1, ["n1", "n2"], action_ids="a1")
    assert record == _rollout.batch_record(1, ["n1", "n2"], ["a1"], OK, "0")
    assert record["passed"] is True and record["action_ids"] == ["a1"]
    assert rollout_batch_record(None, 2, ["n1"])["msg"] == "Batch 2: could not start: no action id returned"
    with pytest.raises(AnsibleFilterError, match="targets must be a list"):
        rollout_batch_record(OK, 1, "n1")
    with pytest.raises(AnsibleFilterError, match="the wait result must be a dict"):
        rollout_batch_record(["not", "a", "result"], 1, ["n1"])


def test_fleet_rollout_batch_is_fleet_batch():
    started = {"action": "upgrade", "action_id": "a1", "refused": None}
    made = fleet_rollout_batch(OK, index=0, plan_length=1, agents=["a", "b"], todo=["a", "b"], info=SKIPPED,
                               started=started, version="8.15.0")
    assert made == _rollout.fleet_batch(0, 1, ["a", "b"], ["a", "b"], False, SKIPPED, started, OK, False, "upgrade",
                                        "8.15.0", "0")
    assert made["entry"]["status"] == "succeeded" and made["breach"] == ""
    # a skipped wait (the start failed) and text read back from ansible-core before 2.19
    made = fleet_rollout_batch(SKIPPED, "1", "2", ["a"], ["a"], read_failed="False", info=SKIPPED,
                               started={"failed": True, "msg": "HTTP 400"}, check_mode="False")
    assert made["entry"]["status"] == "breached" and made["breach"].startswith("Rollout stopped at batch 2 of 2:")
    with pytest.raises(AnsibleFilterError, match="fleet_rollout_batch could not read"):
        fleet_rollout_batch(OK, index="first", plan_length=1, agents=["a"], todo=["a"])


def test_rollout_allowance_each():
    assert rollout_allowance("1", 3, each=True) == "100%" and rollout_allowance("10%", "3", each=True) == "0"


def test_rollout_plan_is_plan():
    assert rollout_plan(["a", "b", "c"], [1, "100%"]) == _rollout.plan(["a", "b", "c"], [1, "100%"]) == [["a"], ["b", "c"]]
    assert rollout_plan([], batches=[["x"], ["y"]]) == [["x"], ["y"]]
    with pytest.raises(AnsibleFilterError, match="rollout_targets .or rollout_batches. is empty"):
        rollout_plan([], 3)
    with pytest.raises(AnsibleFilterError, match="rollout_batch_size: 'lots'"):
        rollout_plan(["a"], "lots")


def test_rollout_batch_is_vendor_batch():
    started = {"changed": True, "action_id": "a1", "action_ids": ["a1"]}
    made = rollout_batch(OK, "cortex_xdr", "0", "2", ["n1", "n2"], started=started, action="scan")
    assert made == _rollout.vendor_batch("cortex_xdr", 0, 2, ["n1", "n2"], started, OK, "0", False, "scan")
    assert made["record"]["status"] == "succeeded" and made["breach"] == ""
    # a skipped wait and a skipped start (the play never got that far)
    assert rollout_batch(SKIPPED, "puppet", 0, 1, ["n1"], started=SKIPPED)["record"]["status"] == "breached"
    with pytest.raises(AnsibleFilterError, match="rollout_batch: rollout_vendor must be one of"):
        rollout_batch(OK, "nagios", 0, 1, ["n1"], started=started)
    with pytest.raises(AnsibleFilterError, match="rollout_batch could not read"):
        rollout_batch(OK, "fleet", "first", 1, ["n1"], started=started)
    with pytest.raises(AnsibleFilterError, match="targets must be a list"):
        rollout_batch(OK, "fleet", 0, 1, "n1", started=started)


def test_rollout_result_is_rollout_summary():
    record = {"batch": 1, "status": "succeeded", "passed": True, "refused": []}
    made = rollout_result([record], "rackspace", "backup", [["c1"]], start_batch="1", check_mode=False, breach=None)
    assert made == _rollout.rollout_summary("rackspace", "backup", [["c1"]], [record], 1, False, "")
    assert made["passed"] is True
    with pytest.raises(AnsibleFilterError, match="rollout_result could not read"):
        rollout_result([record], "rackspace", "backup", [["c1"]], start_batch="first")
