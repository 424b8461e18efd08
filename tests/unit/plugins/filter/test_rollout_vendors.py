"""The rollout role's Python (_rollout): the plan, split as ansible-core's serial splits hosts (checked
against ansible-core's own code), each vendor's batch record and verdict, and the whole result."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from ansible.executor.playbook_executor import PlaybookExecutor
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._rollout import (
    ACTIONS, TARGETS, batch_sizes, each_allowance, plan, rollout_summary, serial_size, vendor_batch,
)

IDS = ["t%02d" % i for i in range(1, 10)]


def serialized(hosts, serial):
    """ansible-core's own split: PlaybookExecutor._get_serialized_batches on a stand-in play and
    inventory (the method reads only ``play.hosts``, ``play.order``, ``play.serial`` and
    ``self._inventory.get_hosts``)."""
    inventory = SimpleNamespace(get_hosts=lambda pattern, order=None: list(hosts))
    executor = SimpleNamespace(_inventory=inventory)
    play = SimpleNamespace(hosts="all", order=None, serial=list(serial))
    return PlaybookExecutor._get_serialized_batches(executor, play)


# --- plan: serial's split ----------------------------------------------------------------------

@pytest.mark.parametrize("serial", [
    [1, "10%", "100%"], [3], ["50%"], ["29%"], ["0%"], [0], [-1], [2.7], ["3"], [" 4 "], ["10 %"], [1, 2, 3],
    [100], ["200%"], [], [1, 0], [2, "-5%"],
])
def test_plan_is_what_serial_makes(serial):
    for count in (1, 2, 9, 10, 37, 100):
        hosts = ["h%03d" % i for i in range(count)]
        assert plan(hosts, serial) == serialized(hosts, serial), (serial, count)


@settings(max_examples=300, deadline=None)
@given(count=st.integers(min_value=1, max_value=300),
       serial=st.lists(st.one_of(st.integers(min_value=-3, max_value=400),
                                 st.integers(min_value=-10, max_value=250).map(lambda n: "%d%%" % n)),
                       min_size=0, max_size=5))
def test_plan_matches_ansible_core_for_any_serial(count, serial):
    hosts = ["h%03d" % i for i in range(count)]
    assert plan(hosts, serial) == serialized(hosts, serial)


def test_canary_then_percentages_of_the_whole_list():
    forty = ["a%02d" % i for i in range(40)]
    assert [len(b) for b in plan(forty, [1, "10%", "100%"])] == [1, 4, 35]
    assert [len(b) for b in plan(forty, [1, "10%"])] == [1] + [4] * 9 + [3]  # the last value repeats
    assert [len(b) for b in plan(IDS, ["29%"])] == [2, 2, 2, 2, 1]  # int(0.29 * 9) = 2
    hundred = ["a%03d" % i for i in range(100)]
    assert len(plan(hundred, ["29%"])[0]) == 28  # the float arithmetic of pct_to_int: int(28.999999999999996)


def test_batch_size_forms():
    assert batch_sizes(None) == [] and batch_sizes(5) == [5] and batch_sizes("10%") == ["10%"]
    assert batch_sizes("1, 10%,100% ,") == ["1", "10%", "100%"]
    assert batch_sizes([1, "10%"]) == [1, "10%"] and batch_sizes((2,)) == [2]
    assert plan(IDS, "1, 50%") == [IDS[:1], IDS[1:5], IDS[5:9]]
    assert plan(IDS, None) == [IDS] and plan(IDS, []) == [IDS]


@pytest.mark.parametrize("value, total, expected", [
    ("10%", 9, 1), ("0%", 9, 1), ("50%", 9, 4), ("100%", 9, 9), ("29%", 100, 28), (2.9, 9, 2), ("7", 9, 7), (0, 9, 0),
])
def test_serial_size(value, total, expected):
    assert serial_size(value, total) == expected


@pytest.mark.parametrize("value", ["2.5", "2.5%", "ten", "", "%", True, None, [1], float("inf"), float("nan")])
def test_serial_size_refuses_what_int_refuses(value):
    with pytest.raises(ConfigError, match="rollout_batch_size"):
        serial_size(value, 9)


def test_plan_checks_every_value_first():
    with pytest.raises(ConfigError, match="rollout_batch_size: 'x'"):
        plan(IDS, [100, "x"])  # the split would never reach "x"


def test_targets_are_trimmed_deduplicated_and_may_be_text():
    assert plan([" a ", "b", "", None, "a", 148325], 10) == [["a", "b", "148325"]]
    assert plan("a\nb, c  d\n\n", 2) == [["a", "b"], ["c", "d"]]


@pytest.mark.parametrize("targets, batches, message", [
    ([], None, "rollout_targets (or rollout_batches) is empty"),
    (["", "  "], [], "rollout_targets (or rollout_batches) is empty"),
    ({"a": 1}, None, "rollout_targets must be a list"),
    ([["a"]], None, "rollout_targets holds list"),
    ([], [["a"], []], "rollout_batches: batch 2 is empty"),
    ([], [["a", "b"], ["c", "a"]], "a is in batch 1 and again in batch 2"),
    ([], [["a", "a"]], "a is in batch 1 and again in batch 1"),
    ([], "a,b", "rollout_batches must be a list of lists"),
    ([], ["a"], "rollout_batches[0] must be a list"),
])
def test_plan_refusals_name_the_variable(targets, batches, message):
    with pytest.raises(ConfigError) as raised:
        plan(targets, 3, batches)
    assert message in str(raised.value)


def test_given_batches_are_the_plan():
    assert plan(["ignored"], 1, [[" a ", "b"], ["c", ""]]) == [["a", "b"], ["c"]]


# --- each_allowance --------------------------------------------------------------------------------

@pytest.mark.parametrize("allowed, total, expected", [
    ("0", 5, "0"), ("1", 5, "100%"), ("10%", 5, "0"), ("20%", 5, "100%"), ("", 3, "0"), ("bad", 3, "bad"),
])
def test_each_allowance(allowed, total, expected):
    assert each_allowance(allowed, total) == expected


# --- vendor_batch ------------------------------------------------------------------------------------

def action(action_id="1001", state="succeeded", total=3, succeeded=3, failed=0, pending=0, errors=(), **extra):
    found = {"action_id": action_id, "state": state, "terminal": state not in ("running", "pending"),
             "succeeded": state == "succeeded" and failed == 0, "vendor_status": state.upper(),
             "targets": {"total": total, "succeeded": succeeded, "failed": failed, "pending": pending},
             "errors": [{"target": t, "message": m, "time": None} for t, m in errors]}
    found.update(extra)
    return found


def waited(*actions, succeeded=None, msg=None, elapsed=2.5):
    result = {"changed": False, "actions": list(actions), "elapsed": elapsed, "polls": 2,
              "succeeded": all(a["succeeded"] for a in actions) if succeeded is None else succeeded}
    if msg:
        result["msg"] = msg
    return result


def started(*ids, **extra):
    return dict({"changed": True, "action_id": ids[0] if ids else None, "action_ids": list(ids)}, **extra)


def batch(vendor, wait, start, index=1, length=3, targets=("a", "b", "c"), allowed="0", check_mode=False, act="scan"):
    return vendor_batch(vendor, index, length, list(targets), start, wait, allowed, check_mode, act)


@pytest.mark.parametrize("vendor", sorted(TARGETS))
def test_a_batch_that_passed(vendor):
    ids = ["11", "12", "13"] if vendor == "rackspace" else ["11"]
    wait = waited(*[action(i, total=1 if vendor == "rackspace" else 3, succeeded=1 if vendor == "rackspace" else 3)
                    for i in ids])
    found = batch(vendor, wait, started(*ids))
    record = found["record"]
    assert found["breach"] == ""
    assert record["status"] == "succeeded" and record["passed"] is True and record["state"] == "succeeded"
    assert record["counts"] == {"total": 3, "succeeded": 3, "failed": 0, "pending": 0}
    assert record["batch"] == 2 and record["targets"] == ["a", "b", "c"] and record["action_ids"] == ids
    assert record["failed_targets"] == [] and record["refused"] == [] and record["seconds"] == 2.5
    noun = TARGETS[vendor][1]
    assert record["line"] == "batch 2/3: 3 %s, action%s %s: passed, 3/3 succeeded, 0 failed, 0 pending, 2.5s" % (
        noun, "s" if len(ids) > 1 else "", ", ".join(ids))
    assert set(record) == {"batch", "status", "targets", "action_ids", "state", "counts", "failed_targets", "refused",
                           "seconds", "passed", "msg", "line"}


@pytest.mark.parametrize("vendor", ["fleet", "cortex_xdr", "puppet"])
def test_a_breach_names_the_batch_the_action_and_the_failed_targets(vendor):
    wait = waited(action(state="partial", succeeded=2, failed=1, errors=[("b", "disk full")]))
    found = batch(vendor, wait, started("1001"))
    record = found["record"]
    assert record["status"] == "breached" and record["passed"] is False and record["failed_targets"] == ["b"]
    noun = TARGETS[vendor][1]
    assert found["breach"] == ("Rollout stopped at batch 2 of 3 (action 1001): did not pass (allowed_failures=0): "
                               "2/3 succeeded, 1 failed, 0 pending. Failed %s: b. Batch 3 was not started." % noun)
    assert "BREACHED" in record["line"]


def test_the_status_module_s_reason_is_the_breach_s_reason_on_one_line():
    wait = waited(action(state="running", succeeded=1, pending=2), msg="Timed out after 30s waiting for ...\nLast state: x.")
    found = batch("cortex_xdr", wait, started("1001"), index=0, length=5)
    assert found["breach"] == ("Rollout stopped at batch 1 of 5 (action 1001): Timed out after 30s waiting for ... Last "
                               "state: x. Batches 2 to 5 were not started.")


def test_the_last_batch_breaching_has_no_batches_after_it():
    found = batch("puppet", waited(action(state="failed", succeeded=0, failed=3)), started("9"), index=2, length=3)
    assert found["breach"].endswith("0/3 succeeded, 3 failed, 0 pending.")


def test_within_the_allowance_passes():
    # the status module, given the same allowance, said the action succeeded
    wait = waited(action(state="partial", succeeded=2, failed=1, errors=[("b", "x")]), succeeded=True)
    record = batch("puppet", wait, started("9"), allowed="1")["record"]
    assert record["passed"] is True and record["failed_targets"] == ["b"] and record["status"] == "succeeded"


def test_the_status_module_saying_no_stands():
    record = batch("fleet", waited(action(), succeeded=False), started("a1"))["record"]
    assert record["passed"] is False and record["status"] == "breached"


def test_cybereason_names_outcomes_not_sensors():
    wait = waited(action("-5", state="partial", succeeded=2, failed=1,
                         errors=[("MsiFileCorrupted", "1 sensor (the installer file is corrupted)")]))
    found = batch("cybereason", wait, started("-5", unmatched_count=0, unmatched_sensors=[]), act="upgrade")
    assert found["record"]["failed_targets"] == []
    assert ("Cybereason does not name the failed sensors: MsiFileCorrupted: 1 sensor (the installer file is "
            "corrupted). Batch 3 was not started.") in found["breach"]


def test_fleet_refused_agents_widen_the_allowance_and_are_listed():
    reason = "Agent b is not upgradeable: agent was upgraded less than 10 minutes ago"
    wait = waited(action("a1", state="partial", succeeded=2, failed=1, errors=[("b", reason)]), succeeded=True)
    found = batch("fleet", wait, started("a1", refused=[{"agent": "b", "reason": reason}]), act="upgrade")
    record = found["record"]
    assert record["passed"] is True and record["failed_targets"] == []
    assert record["refused"] == [{"target": "b", "reason": reason}] and found["breach"] == ""
    assert record["line"].endswith(", 1 left out by the vendor")


def test_cortex_endpoints_not_in_the_action_are_left_out():
    wait = waited(action(total=2, succeeded=2, endpoints={"A": "COMPLETED_SUCCESSFULLY", "b": "COMPLETED_SUCCESSFULLY"}))
    record = batch("cortex_xdr", wait, started("1001", endpoints_count=2), targets=["a", "b", "c"])["record"]
    assert record["passed"] is True and [r["target"] for r in record["refused"]] == ["c"]  # ids compared without case
    assert "Cortex XDR left the endpoint out" in record["refused"][0]["reason"]


def test_puppet_nodes_left_out_of_the_job():
    record = batch("puppet", waited(action(total=2, succeeded=2)), started("7", skipped_nodes=["c"]))["record"]
    reason = "Puppet Enterprise left the node out of the job (the user may not run on it)"
    assert record["refused"] == [{"target": "c", "reason": reason}]


@pytest.mark.parametrize("count, words", [(1, "took 2 of the 3 sensors"), (None, "does not say how many of the 3")])
def test_cybereason_sensors_it_may_have_left_out(count, words):
    start = started("-5", unmatched_count=count, unmatched_sensors=["a", "b", "c"])
    record = batch("cybereason", waited(action("-5", total=2, succeeded=2)), start)["record"]
    assert [r["target"] for r in record["refused"]] == ["a", "b", "c"] and words in record["refused"][0]["reason"]


def test_rackspace_maps_failed_backups_to_their_configurations():
    backups = [{"configuration_id": c, "backup_id": b} for c, b in (("c1", "11"), ("c2", "12"), ("c3", "13"))]
    wait = waited(action("13", state="failed", total=1, succeeded=0, failed=1, errors=[("agent-1", "boom")]),
                  action("11", total=40, succeeded=40), action("12", state="partial", total=10, succeeded=9, failed=1))
    found = batch("rackspace", wait, started("11", "12", "13", backups=backups), targets=["c1", "c2", "c3"], act="backup")
    record = found["record"]
    assert record["failed_targets"] == ["c2", "c3"] and record["passed"] is False
    assert record["counts"] == {"total": 3, "succeeded": 1, "failed": 2, "pending": 0}
    assert found["breach"] == ("Rollout stopped at batch 2 of 3 (actions 11, 12, 13): the backups of 2 of 3 "
                               "configurations failed (allowed_failures=0). Failed configurations: c2, c3. Batch 3 was "
                               "not started.")
    # within the allowance: one configuration may fail of three
    wait = waited(action("11", total=1, succeeded=1), action("12", total=1, succeeded=1),
                  action("13", state="failed", total=1, succeeded=0, failed=1))
    record = batch("rackspace", wait, started("11", "12", "13"), targets=["c1", "c2", "c3"], allowed="1")["record"]
    assert record["passed"] is True and record["failed_targets"] == ["c3"]  # backups in configuration order


def test_rackspace_with_backups_still_running_breaches_with_the_wait_s_reason():
    wait = waited(action("11", total=1, succeeded=1), action("12", state="running", total=0, succeeded=0),
                  msg="Timed out after 60s waiting for Rackspace Cloud Backup backups 11, 12 (wait_timeout=60).")
    found = batch("rackspace", wait, started("11", "12"), targets=["c1", "c2"], allowed="100%")
    assert found["record"]["counts"]["pending"] == 1 and found["record"]["passed"] is False
    assert "Timed out after 60s" in found["breach"]


def test_rackspace_start_that_did_not_start_every_configuration():
    start = started("11", msg="Start of backup configuration c2 (2 of 3) failed: HTTP 404 ...")
    start["changed"] = True
    found = batch("rackspace", None, start, targets=["c1", "c2", "c3"], act="backup")
    assert found["record"]["status"] == "breached" and found["record"]["action_ids"] == ["11"]
    assert found["breach"].startswith("Rollout stopped at batch 2 of 3 (action 11): could not start the backup: Start of "
                                      "backup configuration c2 (2 of 3) failed")
    assert found["record"]["line"] == "batch 2/3: 3 configurations, could not start: BREACHED (started 11)"
    assert "backups started" in batch("rackspace", None, started("11"), targets=["c1", "c2"])["breach"]


def test_a_start_without_an_id():
    found = batch("puppet", None, {"changed": False, "msg": "HTTP 400:\n validation-error."}, act="deploy")
    assert found["breach"] == ("Rollout stopped at batch 2 of 3: could not start the deploy: HTTP 400: validation-error. "
                               "Batch 3 was not started.")
    assert found["record"]["counts"] == {"total": 3, "succeeded": 0, "failed": 0, "pending": 3}
    assert batch("fleet", None, None)["record"]["msg"] == "could not start the scan: no action id returned"


def test_check_mode_plans_and_a_check_mode_failure_breaches():
    planned = batch("cortex_xdr", None, {"changed": True, "action_id": None, "action_ids": [], "msg": "Check mode: ..."},
                    check_mode=True, act="isolate")
    assert planned["breach"] == "" and planned["record"]["status"] == "planned" and planned["record"]["state"] == "planned"
    assert planned["record"]["line"] == "batch 2/3: 3 endpoints, check mode, would isolate 3"
    failed = batch("cortex_xdr", None, {"changed": False, "msg": "script_uid is required"}, check_mode=True)
    assert failed["record"]["status"] == "breached" and "script_uid is required" in failed["breach"]


def test_vendor_batch_leaves_its_inputs_unchanged_and_refuses_an_unknown_vendor():
    wait = waited(action(state="partial", succeeded=2, failed=1, errors=[("b", "x")]))
    start = started("1")
    before = copy.deepcopy((wait, start))
    batch("fleet", wait, start)
    assert (wait, start) == before
    with pytest.raises(ConfigError, match="rollout_vendor"):
        batch("nagios", wait, start)


def test_every_vendor_has_actions_and_target_words():
    assert sorted(ACTIONS) == sorted(TARGETS) == ["cortex_xdr", "cybereason", "fleet", "puppet", "rackspace"]


# --- rollout_summary ------------------------------------------------------------------------------

def record(number, status="succeeded", refused=()):
    return {"batch": number, "status": status, "targets": ["x"], "action_ids": ["1"], "passed": status == "succeeded",
            "refused": list(refused), "line": "batch %d" % number}


def test_summary_of_a_rollout_that_passed():
    found = rollout_summary("puppet", "deploy", [["a"], ["b"]], [record(1), record(2)])
    assert found["passed"] is True and found["breached_batch"] is None and found["msg"] == ""
    assert found["vendor"] == "puppet" and found["action"] == "deploy" and found["check_mode"] is False
    assert [b["status"] for b in found["batches"]] == ["succeeded", "succeeded"]


def test_summary_after_a_breach_and_after_a_later_start():
    breach = "Rollout stopped at batch 3 of 4 (action 1): ... Batch 4 was not started."
    found = rollout_summary("fleet", "upgrade", [["a"], ["b", "c"], ["d"], ["e"]],
                            [record(2), record(3, "breached")], start_batch=2, breach=breach)
    assert found["passed"] is False and found["breached_batch"] == 3 and found["msg"] == breach
    assert [b["status"] for b in found["batches"]] == ["skipped", "succeeded", "breached", "not_started"]
    assert found["batches"][0]["msg"] == "not run: before rollout_start_batch=2"
    assert found["batches"][0]["line"] == "batch 1/4: 1 agent, skipped (before rollout_start_batch)"
    assert found["batches"][3]["line"] == "batch 4/4: 1 agent, not started"
    assert found["batches"][3]["counts"] == {"total": 1, "succeeded": 0, "failed": 0, "pending": 1}


def test_summary_with_targets_left_out_fails_naming_them():
    left = {"target": "e1", "reason": "Cortex XDR left the endpoint out"}
    found = rollout_summary("cortex_xdr", "isolate", [["a"], ["e1"]], [record(1), record(2, refused=[left])])
    assert found["passed"] is False and found["refused"] == [dict(left, batch=2)]
    assert found["msg"] == ("Rollout finished, but the isolate did not reach 1 endpoints, left out of the vendor's "
                            "actions: e1. Roll them out again once the reason (in rollout_result.refused) is fixed.")


def test_summary_in_check_mode_never_passes_or_fails():
    planned = dict(record(1), status="planned", passed=False)
    found = rollout_summary("cybereason", "scan", [["a"]], [planned], check_mode=True)
    assert found["passed"] is False and found["check_mode"] is True and found["msg"] == ""
