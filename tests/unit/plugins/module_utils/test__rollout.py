"""The verdict on one rollout batch (_rollout): allowance, record, the fleet_rollout role's entry."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._rollout import (
    batch_record, fleet_batch, judge, one_line, truth, wait_allowance,
)
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy

AGENTS = ["agent-%02d" % i for i in range(1, 11)]


def action(action_id="a1", state="succeeded", total=10, succeeded=10, failed=0, pending=0, errors=(), refused=None,
           vendor_status="COMPLETE"):
    found = {"action_id": action_id, "vendor": "fleet", "state": state, "terminal": state != "running",
             "succeeded": state == "succeeded", "vendor_status": vendor_status,
             "targets": {"total": total, "succeeded": succeeded, "failed": failed, "pending": pending},
             "errors": [{"target": t, "message": m, "host": None, "time": None} for t, m in errors]}
    if refused is not None:
        found["refused"] = refused
    return found


class _Status:
    def __init__(self, data):
        self.data = data


def waited(*actions, succeeded=None, msg=None, elapsed=12.5, allowed=None):
    """The status module's result; with ``allowed``, each action judged as the module judges it."""
    if allowed is not None:
        for found in actions:
            FailurePolicy(allowed).apply(_Status(found))
    result = {"changed": False, "actions": list(actions), "terminal": all(a["terminal"] for a in actions),
              "succeeded": all(a["succeeded"] for a in actions) and bool(actions) if succeeded is None else succeeded,
              "polls": 3, "elapsed": elapsed, "history": []}
    if msg is not None:
        result.update(failed=True, msg=msg)
    return result


def refusal(agent):
    return {"agent": agent, "reason": "Agent %s is not upgradeable: agent was upgraded less than 10 minutes ago" % agent}


# --- wait_allowance ------------------------------------------------------------------------------

@pytest.mark.parametrize("allowed", ["0", "3", "10%", "2.5%", "", None, 4])
def test_allowance_without_refused_targets_is_what_was_given(allowed):
    assert wait_allowance(allowed, 10, 0) is allowed
    assert wait_allowance(allowed, 10, None) is allowed


@pytest.mark.parametrize("allowed, total, refused, expected", [
    ("0", 5, 1, "1"), ("1", 5, 2, "3"), (" 2 ", 5, 1, "3"), ("", 4, 1, "1"), (None, 4, 2, "2"), (3, 9, 1, "4"),
    # a percentage applies to the targets not refused, rounded down as FailurePolicy.limit rounds
    ("10%", 25, 2, "4"),      # int(23 * 10 / 100) = 2, + 2
    ("10%", 12, 3, "3"),      # int(0.9) = 0, + 3
    ("33.3%", 10, 1, "3"),    # int(2.997) = 2, + 1
    ("50 %", 11, 1, "6"),     # int(5.0) = 5, + 1
    ("100%", 4, 1, "4"),
    ("10%", 2, 5, "5"),       # more refused than targets: none left to fail
])
def test_allowance_grows_by_the_refused_targets(allowed, total, refused, expected):
    assert wait_allowance(allowed, total, refused) == expected
    policy = FailurePolicy(allowed)
    if policy.percent is not None:
        assert int(expected) - refused == policy.limit(max(total - refused, 0))


@pytest.mark.parametrize("allowed", ["lots", "-1", "150%", "²"])
def test_allowance_the_policy_refuses_is_left_to_the_status_module(allowed):
    assert wait_allowance(allowed, 10, 2) == allowed


# --- judge -----------------------------------------------------------------------------------------

def test_judge_applies_failure_policy_to_every_action_and_no_action_never_passes():
    assert judge([action()], "0") is True
    assert judge([], "0") is False and judge(None, "100%") is False
    partial = action(state="partial", succeeded=9, failed=1)
    assert judge([partial], "0") is False and judge([partial], "1") is True and judge([partial], "10%") is True
    assert judge([partial], "9%") is False  # int(10 * 9 / 100) = 0
    assert judge([action(), partial], "1") is True and judge([action(), partial], "0") is False
    assert judge([action(state="running", succeeded=5, pending=5)], "100%") is False
    assert judge([action(state="cancelled", succeeded=10)], "100%") is False
    assert judge([action()], "not a number") is False
    assert judge([{"action_id": "a1", "state": "succeeded"}], "0") is False  # no counts: fail safe


def test_judge_leaves_the_actions_as_they_were():
    actions = [action(state="partial", succeeded=9, failed=1)]
    before = copy.deepcopy(actions)
    judge(actions, "1")
    assert actions == before


# --- batch_record ----------------------------------------------------------------------------------

def test_record_of_a_batch_that_passed():
    record = batch_record(1, AGENTS, ["a1"], waited(action()), "0")
    assert record == {
        "batch": 1, "targets": AGENTS, "action_ids": ["a1"], "state": "succeeded",
        "counts": {"total": 10, "succeeded": 10, "failed": 0, "pending": 0}, "failed_targets": [], "refused": [],
        "seconds": 12.5, "passed": True, "msg": "Batch 1 (action a1): passed, 10/10 succeeded, 0 failed, 0 pending."}


def test_breach_names_the_batch_the_action_and_the_failed_targets():
    found = action(state="partial", succeeded=7, failed=3,
                   errors=[("agent-07", "download failed"), ("agent-09", "disk full"), ("agent-07", "again"),
                           ("agent-10", "disk full")])
    reason = "Elastic Fleet action a1 finished unsuccessfully (allowed_failures=1): a1: partial (COMPLETE).\nErrors: ..."
    record = batch_record(2, AGENTS, "a1", waited(found, msg=reason), "1")
    assert record["passed"] is False and record["state"] == "partial"
    assert record["failed_targets"] == ["agent-07", "agent-09", "agent-10"]
    assert record["counts"] == {"total": 10, "succeeded": 7, "failed": 3, "pending": 0}
    assert record["msg"] == ("Batch 2 (action a1): Elastic Fleet action a1 finished unsuccessfully (allowed_failures=1): "
                             "a1: partial (COMPLETE). Errors: ... Failed targets: agent-07, agent-09, agent-10.")
    assert "\n" not in record["msg"]


def test_breach_without_a_reason_from_the_wait_says_the_counts():
    found = action(state="failed", succeeded=0, failed=10, errors=[(a, "boom") for a in AGENTS])
    record = batch_record(3, AGENTS, ["a1"], waited(found), "10%")
    assert record["msg"].startswith("Batch 3 (action a1): did not pass (allowed_failures=10%): 0/10 succeeded, 10 failed")
    assert record["msg"].endswith("Failed targets: %s." % ", ".join(AGENTS))


def test_a_long_list_of_failed_targets_is_cut_in_the_message_not_in_the_record():
    many = ["node-%03d" % i for i in range(30)]
    found = action(state="failed", total=30, succeeded=0, failed=30, errors=[(t, "x") for t in many])
    record = batch_record(1, many, ["j1"], waited(found), "0")
    assert record["failed_targets"] == many
    assert record["msg"].endswith("node-019 and 10 more.")


def test_timed_out_wait_does_not_pass_and_keeps_the_pending_counts():
    found = action(state="running", succeeded=6, failed=0, pending=4, vendor_status="IN_PROGRESS")
    msg = "Timed out after 30s waiting for Elastic Fleet action a1 (wait_timeout=30). Last state: a1: running."
    record = batch_record(1, AGENTS, ["a1"], waited(found, msg=msg, elapsed=30.2), "100%")
    assert record["passed"] is False and record["state"] == "running" and record["seconds"] == 30.2
    assert record["counts"]["pending"] == 4 and record["failed_targets"] == []
    assert record["msg"] == "Batch 1 (action a1): " + msg  # no doubled period


def test_wait_without_actions_or_without_its_verdict_does_not_pass():
    for wait in ({"actions": [], "succeeded": True, "elapsed": 1}, waited(msg="Could not reach Kibana"), None, {}):
        record = batch_record(1, AGENTS, ["a1"], wait, "100%")
        assert record["passed"] is False and record["state"] == "not_started"
        assert record["counts"] == {"total": 10, "succeeded": 0, "failed": 0, "pending": 10}
    # the status module said no (it stopped early, or judged otherwise): that stands
    assert batch_record(1, AGENTS, ["a1"], waited(action(), succeeded=False), "0")["passed"] is False


def test_batch_that_could_not_start():
    record = batch_record(4, AGENTS, [], None, "0", start_error="HTTP 400:\n bad version")
    assert record["passed"] is False and record["action_ids"] == [] and record["seconds"] == 0
    assert record["msg"] == "Batch 4: could not start: HTTP 400: bad version"
    assert batch_record(4, AGENTS, None, None)["msg"] == "Batch 4: could not start: no action id returned"


def test_refused_targets_are_not_failures_and_widen_the_allowance():
    # agent-05 refused by the vendor when it wrote the action: an error of the action, failed in its counts
    refused = [refusal("agent-05")]
    found = action(state="partial", succeeded=9, failed=1, refused=[refusal("agent-05")],
                   errors=[("agent-05", refused[0]["reason"])])
    record = batch_record(1, AGENTS, ["a1"], waited(found, allowed=wait_allowance("0", 10, 1)), "0", refused=refused,
                          target_key="agent")
    assert record["passed"] is True and record["failed_targets"] == [] and record["refused"] == refused
    # one more failure than the refused one breaches with allowed_failures=0
    found = action(state="partial", succeeded=8, failed=2, refused=refused,
                   errors=[("agent-05", refused[0]["reason"]), ("agent-06", "disk full")])
    record = batch_record(1, AGENTS, ["a1"], waited(found, succeeded=False, msg="failed."), "0", refused=refused,
                          target_key="agent")
    assert record["passed"] is False and record["failed_targets"] == ["agent-06"]


def test_refused_of_the_start_and_of_the_action_are_listed_once_each():
    start = [refusal("agent-05"), refusal("agent-06")]
    found = action(state="partial", succeeded=7, failed=3, refused=[refusal("agent-06"), refusal("agent-07")],
                   errors=[("agent-06", "x"), ("agent-07", "y"), ("agent-08", "z")])
    record = batch_record(1, AGENTS, ["a1"], waited(found, allowed="3"), "1", refused=start, target_key="agent")
    assert [r["agent"] for r in record["refused"]] == ["agent-05", "agent-06", "agent-07"]
    assert record["failed_targets"] == ["agent-08"]
    # the start's two refusals raise the allowance to 3; agent-07, refused later, is a failure of the count
    assert record["passed"] is True


def test_several_actions_add_up_and_the_least_advanced_state_is_the_batch_state():
    first = action("x1", total=4, succeeded=4)
    second = action("x2", state="partial", total=6, succeeded=5, failed=1, errors=[("ep-9", "isolation failed")])
    record = batch_record(1, ["ep-%d" % i for i in range(10)], ["x1", "x2"], waited(first, second, allowed="1"), "1")
    assert record["counts"] == {"total": 10, "succeeded": 9, "failed": 1, "pending": 0}
    assert record["state"] == "partial" and record["passed"] is True
    assert record["msg"].startswith("Batch 1 (actions x1, x2): passed")
    record = batch_record(1, ["ep-%d" % i for i in range(10)], ["x1", "x2"], waited(first, second, allowed="0"), "0")
    assert record["passed"] is False and record["failed_targets"] == ["ep-9"]


def test_record_leaves_its_inputs_as_they_were():
    wait = waited(action(state="partial", succeeded=9, failed=1, refused=[refusal("agent-01")], errors=[("agent-01", "x")]))
    refused = [refusal("agent-01")]
    before = copy.deepcopy((wait, refused))
    batch_record(1, AGENTS, ["a1"], wait, "0", refused=refused, target_key="agent")
    assert (wait, refused) == before


def test_truth_and_one_line_read_results_as_ansible_does():
    assert [truth(v) for v in (True, "True", "yes", "1", 1, " on ")] == [True] * 6
    assert [truth(v) for v in (False, None, "False", "no", 0, "", "maybe", 2)] == [False] * 8
    assert one_line(" a\n  b \r\n c ") == "a b c" and one_line(None) == ""


# --- fleet_batch (the fleet_rollout role's entry) ----------------------------------------------------

SKIPPED = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}


def started(action_id="a1", refused=()):
    return {"changed": True, "action": "upgrade", "action_id": action_id, "action_ids": [action_id],
            "refused": list(refused)}


def test_fleet_entry_of_a_batch_that_passed():
    info = {"changed": False, "at_version": ["agent-10"], "not_at_version": AGENTS[:9]}
    found = action(total=9, succeeded=9)
    made = fleet_batch(0, 2, AGENTS, AGENTS[:9], False, info, started(), waited(found), False, "upgrade", "8.15.0", "0")
    assert made == {"breach": "", "entry": {
        "batch": 1, "agents": AGENTS, "skipped_agents": ["agent-10"], "started_agents": AGENTS[:9], "refused": [],
        "action_id": "a1", "status": "succeeded", "state": "succeeded", "vendor_status": "COMPLETE",
        "targets": {"total": 9, "succeeded": 9, "failed": 0, "pending": 0}, "failed_agents": [], "elapsed": 12.5,
        "msg": "", "line": "batch 1/2: 10 agents, action a1: passed, 9/9 succeeded, 0 failed, 0 pending, 12.5s, "
                           "1 skipped (already on 8.15.0)"}}
    assert list(made["entry"]) == ["batch", "agents", "skipped_agents", "started_agents", "refused", "action_id", "status",
                                   "state", "vendor_status", "targets", "failed_agents", "elapsed", "msg", "line"]


def test_fleet_breach_names_the_failed_agents_and_the_batches_not_started():
    found = action(state="partial", succeeded=8, failed=2, errors=[("agent-07", "download failed"), ("agent-09", "disk full")])
    reason = "Elastic Fleet action a1 finished unsuccessfully (allowed_failures=0): a1: partial (COMPLETE)."
    made = fleet_batch(1, 4, AGENTS, AGENTS, False, SKIPPED, started(), waited(found, msg=reason), False, "upgrade",
                       "8.15.0", "0")
    entry = made["entry"]
    assert entry["status"] == "breached" and entry["failed_agents"] == ["agent-07", "agent-09"]
    assert entry["line"] == "batch 2/4: 10 agents, action a1: BREACHED, 8/10 succeeded, 2 failed, 0 pending, 12.5s"
    assert made["breach"] == ("Rollout stopped at batch 2 of 4: %s Failed agents: agent-07, agent-09. "
                              "Batches 3 to 4 were not started." % reason)
    last = fleet_batch(3, 4, AGENTS, AGENTS, False, SKIPPED, started(), waited(found, msg=reason), False, "upgrade",
                       "8.15.0", "0")
    assert last["breach"].endswith("Failed agents: agent-07, agent-09.")
    third = fleet_batch(2, 4, AGENTS, AGENTS, False, SKIPPED, started(), waited(found, msg=reason), False, "upgrade",
                        "8.15.0", "0")
    assert third["breach"].endswith(" Batch 4 was not started.")


def test_fleet_timeout_breaches_with_one_period():
    found = action(state="running", succeeded=1, pending=9, vendor_status="IN_PROGRESS")
    msg = "Timed out after 3s waiting for Elastic Fleet action a1 (wait_timeout=3). Last state: a1: running."
    made = fleet_batch(0, 1, AGENTS, AGENTS, False, SKIPPED, started(), waited(found, msg=msg), False, "upgrade",
                       "8.15.0", "0")
    assert made["entry"]["state"] == "running" and made["entry"]["status"] == "breached"
    assert made["breach"] == "Rollout stopped at batch 1 of 1: " + msg


def test_fleet_refused_agents_are_listed_not_failed():
    refused = [refusal("agent-05")]
    found = action(state="partial", total=2, succeeded=1, failed=1, refused=refused,
                   errors=[("agent-05", refused[0]["reason"])])
    made = fleet_batch(0, 2, ["agent-05", "agent-06"], ["agent-05", "agent-06"], False,
                       {"at_version": [], "not_at_version": ["agent-05", "agent-06"]}, started(refused=refused),
                       waited(found, allowed="1"), False, "upgrade", "8.15.0", "0")
    entry = made["entry"]
    assert entry["status"] == "succeeded" and entry["failed_agents"] == [] and entry["refused"] == refused
    assert entry["line"].endswith(", 1 refused by Kibana") and made["breach"] == ""


def test_fleet_read_failed_skipped_planned_and_not_started():
    read = fleet_batch(0, 3, AGENTS, AGENTS, True, {"failed": True, "msg": "HTTP 401:\n  check api_key"}, SKIPPED, SKIPPED,
                       False, "upgrade", "8.15.0", "0")
    assert read["entry"]["status"] == "breached" and read["entry"]["state"] == "not_started"
    assert read["entry"]["msg"] == "could not read the agents' versions: HTTP 401: check api_key"
    assert read["entry"]["line"] == "batch 1/3: 10 agents, could not read the versions: BREACHED"
    assert read["breach"] == ("Rollout stopped at batch 1 of 3: could not read the agents' versions: HTTP 401: check "
                              "api_key. Batches 2 to 3 were not started.")

    info = {"at_version": AGENTS, "not_at_version": []}
    skipped = fleet_batch(0, 1, AGENTS, [], False, info, SKIPPED, SKIPPED, False, "upgrade", "8.15.0", "0")["entry"]
    assert skipped["status"] == skipped["state"] == "skipped" and skipped["msg"] == "every agent is already on 8.15.0"
    assert skipped["line"] == "batch 1/1: 10 agents, nothing to start, 10 skipped (already on 8.15.0)"
    assert skipped["targets"] == {"total": 0, "succeeded": 0, "failed": 0, "pending": 0}

    checked = {"changed": True, "action": "upgrade", "action_id": None, "action_ids": [], "msg": "Check mode: ..."}
    planned = fleet_batch(0, 1, AGENTS, AGENTS[1:], False, {"at_version": AGENTS[:1], "not_at_version": AGENTS[1:]},
                          checked, SKIPPED, True, "upgrade", "8.15.0", "0")
    assert planned["entry"]["status"] == planned["entry"]["state"] == "planned" and planned["breach"] == ""
    assert planned["entry"]["line"] == "batch 1/1: 10 agents, check mode, would upgrade 9, 1 skipped (already on 8.15.0)"

    failed = {"failed": True, "action": "unenroll", "msg": "Elastic Fleet unenroll of 10 agents failed: HTTP 400."}
    made = fleet_batch(0, 2, AGENTS, AGENTS, False, SKIPPED, failed, SKIPPED, False, "unenroll", "", "0")
    assert made["entry"]["status"] == "breached" and made["entry"]["started_agents"] == []
    assert made["entry"]["msg"] == "could not start the unenroll: " + failed["msg"]
    assert made["entry"]["line"] == "batch 1/2: 10 agents, could not start: BREACHED"
    assert made["breach"].startswith("Rollout stopped at batch 1 of 2: could not start the unenroll: Elastic Fleet unenroll")
    assert made["breach"].endswith("HTTP 400. Batch 2 was not started.")
    bare = fleet_batch(0, 1, AGENTS, AGENTS, False, SKIPPED, {"failed": True}, SKIPPED, False, "upgrade", "8.15.0", "0")
    assert bare["entry"]["msg"] == "could not start the upgrade: no action id returned"


def test_fleet_status_is_the_verdict_of_batch_record():
    # the status module judged with the same allowance: its verdict and batch_record's agree
    for state, succeeded, failed, allowed in (("succeeded", 10, 0, "0"), ("partial", 9, 1, "10%"), ("partial", 9, 1, "0"),
                                              ("failed", 0, 10, "100%"), ("expired", 9, 1, "1")):
        found = action(state=state, succeeded=succeeded, failed=failed, errors=[("agent-01", "x")] if failed else ())
        policy_says = judge([found], allowed)
        made = fleet_batch(0, 1, AGENTS, AGENTS, False, SKIPPED, started(), waited(found, succeeded=policy_says), False,
                           "upgrade", "8.15.0", allowed)
        assert made["entry"]["status"] == ("succeeded" if policy_says else "breached"), (state, allowed)
