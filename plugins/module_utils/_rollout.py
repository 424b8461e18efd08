# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The verdict on one batch of a rollout, whatever the vendor (docs/dev/rollouts.md).

A batch is a list of targets (Fleet agents, Cortex XDR endpoints, Cybereason sensors, Puppet nodes,
Rackspace backup configurations) started with one or more actions, then waited on with the vendor's
status module. What decides whether the rollout goes on lives here, in plain functions of plain
data, so a role only passes its registered results in (through the filters of
``plugins/filter/rollout.py``) and every vendor's rollout judges a batch the same way:

- ``wait_allowance``: the ``allowed_failures`` the batch's wait is given. Targets the vendor refused
  when it wrote the action (Kibana's upgrade cool-down, a hosted policy) are errors of the action,
  counted failed by the status module, but not failures of the batch: the allowance grows by them,
  and a percentage applies to the other targets.
- ``batch_record``: the batch's record and verdict: ``passed`` when every action of the batch
  succeeded under that allowance (``FailurePolicy``, as the status module judges), with the failed
  targets named and a one-line message for the play's failure.
- ``fleet_batch``: the entry and breach message of the ``fleet_rollout`` role, made from
  ``batch_record`` (its keys are the role's documented result and do not change).

Pure: no I/O, no Ansible import; the inputs are never changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy

_TRUE = frozenset(("y", "yes", "on", "1", "true", "t"))
_LINES = re.compile(r"\s*\n\s*")
# A state's rank when a batch has several actions: the batch's state is its least advanced action's.
_RANK = dict((state, rank) for rank, state in enumerate(
    ("unknown", "cancelled", "failed", "expired", "pending", "running", "partial", "succeeded")))
MAX_NAMED = 20  # failed targets named in a message; the record lists them all


def truth(value):
    """What Ansible's ``bool`` filter makes of a registered value: ``True`` or the words for it
    (a result read back as text on ansible-core before 2.19)."""
    if value is True or value is False or value is None:
        return bool(value)
    if isinstance(value, (int, float)):
        return value == 1
    return str(value).strip().lower() in _TRUE


def one_line(text):
    """``text`` on one line (a status module's message can hold several), trimmed."""
    return _LINES.sub(" ", "" if text is None else str(text)).strip()


def _text(value):
    # Jinja's ``~``: None reads "None", like the role's messages always did
    return value if isinstance(value, str) else str(value)


def wait_allowance(allowed_failures, total, refused=0):
    """The ``allowed_failures`` to give the wait of a batch of ``total`` targets of which the vendor
    refused ``refused`` when it wrote the action.

    Nothing refused: ``allowed_failures`` as given. Otherwise the refused targets are added to it:
    a count grows by them (``"1"`` and 2 refused: ``"3"``), and a percentage applies to the targets
    not refused, rounded down as ``FailurePolicy.limit`` rounds (``"10%"`` of 25 targets, 2 refused:
    ``int(23 * 10 / 100) + 2 = "4"``). A value ``FailurePolicy`` refuses is returned unchanged, so
    the status module refuses it with its own message (and the batch fails) instead of a count
    made up from it."""
    refused = int(refused or 0)
    if refused <= 0:
        return allowed_failures
    try:
        policy = FailurePolicy(allowed_failures)
    except ConfigError:
        return allowed_failures
    others = max(int(total or 0) - refused, 0)
    return str((policy.count if policy.count is not None else policy.limit(others)) + refused)


class _Judged:
    """The ``status`` ``FailurePolicy.apply`` reads and writes: ``data``, a copy of one action."""

    __slots__ = ("data",)

    def __init__(self, action):
        self.data = dict(action)


def judge(actions, allowed_failures):
    """True when there is at least one action and every one succeeds under ``allowed_failures``
    (``FailurePolicy.apply``: a terminal state, not cancelled, failures within the allowance).
    A value ``FailurePolicy`` refuses, or an action without a state or its target counts, is False
    (fail safe)."""
    if not actions:
        return False
    try:
        policy = FailurePolicy(allowed_failures)
        for action in actions:
            targets = action.get("targets") or {}
            if action.get("state") is None or any(not isinstance(targets.get(k), int) for k in ("total", "succeeded", "failed")):
                return False
            if not policy.apply(_Judged(action)).data["succeeded"]:
                return False
    except (ConfigError, AttributeError, TypeError):
        return False
    return True


def _counts(actions, targets):
    """The target counts of the batch: those of its actions added up, or, before any action was
    read, every target pending."""
    counted = [a.get("targets") for a in actions if isinstance(a.get("targets"), dict)]
    if not counted:
        return {"total": len(targets), "succeeded": 0, "failed": 0, "pending": len(targets)}
    if len(counted) == 1:
        return dict(counted[0])
    return dict((key, sum(int(c.get(key) or 0) for c in counted)) for key in ("total", "succeeded", "failed", "pending"))


def _state(actions):
    """The batch's state: its one action's, or the least advanced of several; ``not_started``
    before any action was read."""
    states = [a.get("state") for a in actions if a.get("state") is not None]
    if not states:
        return "not_started"
    return min(states, key=lambda s: _RANK.get(s, -1))


def _unique(entries, key):
    """``entries`` (dicts) without the later ones naming the same ``key`` value (Jinja's
    ``unique(attribute=key)``), in order."""
    seen, kept = set(), []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name = entry.get(key)
        if name not in seen:
            seen.add(name)
            kept.append(entry)
    return kept


def _named(items):
    shown = [_text(i) for i in items[:MAX_NAMED]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (" and %d more" % more if more > 0 else "")


def _ids(action_ids):
    if action_ids is None:
        return []
    if isinstance(action_ids, (str, int)):
        action_ids = [action_ids]
    return [_text(i) for i in action_ids if i is not None and _text(i) != ""]


def batch_record(batch, targets, action_ids=(), wait=None, allowed_failures="0", refused=(), start_error=None,
                 target_key="target"):
    """The record and verdict of one batch, for any vendor.

    - ``batch``: the batch's number (1 is the first);
    - ``targets``: the ids the batch started (agents, endpoints, sensors, nodes, backup configurations);
    - ``action_ids``: what the start returned (one id, or a list); none means the start failed;
    - ``wait``: the status module's result for those ids (``actions``, ``succeeded``, ``terminal``,
      ``polls``, ``elapsed``, ``msg``; each action its ``state``, ``targets`` counts and ``errors``),
      or None when no wait ran;
    - ``allowed_failures``: the batch's allowance as given (a count, or a percentage of the batch);
    - ``refused``: the targets the vendor refused when it wrote the action, as the start reported
      them (dicts naming the target under ``target_key``, with a ``reason``); a Fleet action's own
      ``refused`` is added to them;
    - ``start_error``: the start's message when it returned no id.

    The batch ``passed`` when it was started, the wait says it succeeded, and every action succeeds
    under ``wait_allowance(allowed_failures, len(targets), len(refused))``: a timed-out wait (its
    actions not terminal), a wait with no action, or failures over the allowance do not pass.

    Returns ``batch``, ``targets``, ``action_ids``, ``state`` (the normalised state; ``not_started``
    before any action was read), ``counts`` (``total``, ``succeeded``, ``failed``, ``pending``),
    ``failed_targets`` (the targets the actions' errors name, less the refused ones), ``refused``,
    ``seconds`` (the wait's), ``passed`` and ``msg``, one line naming the batch, its action ids and
    its failed targets."""
    targets = list(targets or ())
    ids = _ids(action_ids)
    wait = wait if isinstance(wait, dict) else {}
    actions = [a for a in (wait.get("actions") or ()) if isinstance(a, dict)]
    started_refused = [r for r in (refused or ()) if isinstance(r, dict)]
    every_refused = _unique(started_refused + [r for a in actions for r in (a.get("refused") or ())], target_key)
    refused_ids = set(r.get(target_key) for r in every_refused)
    failed = []
    for action in actions:
        for error in action.get("errors") or ():
            target = error.get("target") if isinstance(error, dict) else None
            if target not in failed:
                failed.append(target)
    failed = [t for t in failed if t not in refused_ids]
    allowance = wait_allowance(allowed_failures, len(targets), len(started_refused))
    passed = bool(ids) and truth(wait.get("succeeded")) and judge(actions, allowance)
    counts = _counts(actions, targets)
    record = {
        "batch": batch,
        "targets": targets,
        "action_ids": ids,
        "state": _state(actions),
        "counts": counts,
        "failed_targets": failed,
        "refused": every_refused,
        "seconds": wait.get("elapsed", 0),
        "passed": passed,
    }
    record["msg"] = _message(record, wait, start_error, allowed_failures)
    return record


def _message(record, wait, start_error, allowed_failures):
    ids = record["action_ids"]
    head = "Batch %s" % record["batch"]
    if not ids:
        return "%s: could not start: %s" % (head, one_line(start_error) or "no action id returned")
    head += " (action%s %s)" % ("" if len(ids) == 1 else "s", _named(ids))
    counts = record["counts"]
    tally = "%s/%s succeeded, %s failed, %s pending" % (
        counts.get("succeeded"), counts.get("total"), counts.get("failed"), counts.get("pending", 0))
    if record["passed"]:
        return "%s: passed, %s." % (head, tally)
    reason = one_line(wait.get("msg")) or "did not pass (allowed_failures=%s): %s" % (allowed_failures, tally)
    if reason.endswith("."):
        reason = reason[:-1]
    tail = " Failed targets: %s." % _named(record["failed_targets"]) if record["failed_targets"] else ""
    return "%s: %s.%s" % (head, reason, tail)


def fleet_batch(index, plan_length, agents, todo, read_failed=False, info=None, started=None, waited=None,
                check_mode=False, action="upgrade", version="", allowed_failures="0"):
    """The ``fleet_rollout`` role's record of batch ``index`` (0 is the first) of ``plan_length``:
    ``{"entry": ..., "breach": ...}``, the entry the role appends to its summary (``batch``,
    ``agents``, ``skipped_agents``, ``started_agents``, ``refused``, ``action_id``, ``status``,
    ``state``, ``vendor_status``, ``targets``, ``failed_agents``, ``elapsed``, ``msg``, ``line``)
    and the one-line message the play fails with when the batch breached ("" otherwise).

    ``agents`` is the batch, ``todo`` the agents it started (those not already on ``version``);
    ``info``, ``started`` and ``waited`` are what the role's read (``fleet_agent_info``), start
    (``fleet_agent_action``) and wait (``fleet_action_status``) tasks registered, skipped or not.

    What happened, in this order: a read that failed breaches; nothing to start is ``skipped``;
    check mode only plans (``planned``); a start without an action id breaches; otherwise the
    batch ``succeeded`` when ``batch_record`` says it passed, and breached when not."""
    info = info if isinstance(info, dict) else {}
    started = started if isinstance(started, dict) else {}
    waited = waited if isinstance(waited, dict) else {}
    number = int(index) + 1
    agents, todo = list(agents or ()), list(todo or ())
    read_failed = truth(read_failed)
    action_id = started.get("action_id")
    started_ok = action_id is not None
    checked = truth(check_mode) and "action" in started
    record = batch_record(number, todo, [action_id] if started_ok else [], waited if started_ok else None,
                          allowed_failures, started.get("refused") or (), started.get("msg"), target_key="agent")
    actions = waited.get("actions") or []
    first = actions[0] if actions and isinstance(actions[0], dict) else {}
    at_version = info.get("at_version", [])

    if read_failed:
        status = "breached"
    elif not todo:
        status = "skipped"
    elif checked:
        status = "planned"
    elif not started_ok:
        status = "breached"
    else:
        status = "succeeded" if record["passed"] else "breached"

    if read_failed:
        reason = "could not read the agents' versions: " + _text(info.get("msg", ""))
    elif not todo:
        reason = "every agent is already on " + _text(version)
    elif started_ok:
        reason = _text(waited.get("msg", ""))
    elif checked:
        reason = ""
    else:
        reason = "could not start the %s: %s" % (_text(action), _text(started.get("msg", "no action id returned")))

    if "targets" in first:
        targets = first["targets"]
    else:
        targets = {"total": len(todo), "succeeded": 0, "failed": 0, "pending": len(todo)}
    head = "batch %d/%d: %d agents, " % (number, int(plan_length), len(agents))
    if status == "planned":
        what = "check mode, would %s %d" % (action, len(todo))
    elif status == "skipped":
        what = "nothing to start"
    elif read_failed:
        what = "could not read the versions: BREACHED"
    elif not started_ok:
        what = "could not start: BREACHED"
    else:
        what = "action %s: %s, %d/%d succeeded, %d failed, %d pending, %ss" % (
            action_id, "passed" if status == "succeeded" else "BREACHED", targets["succeeded"], targets["total"],
            targets["failed"], targets.get("pending", 0), waited.get("elapsed", 0))
    if at_version:
        what += ", %d skipped (already on %s)" % (len(at_version), version)
    if record["refused"]:
        what += ", %d refused by Kibana" % len(record["refused"])

    entry = {
        "batch": number,
        "agents": agents,
        "skipped_agents": at_version,
        "started_agents": todo if started_ok else [],
        "refused": record["refused"],
        "action_id": action_id,
        "status": status,
        "state": first["state"] if "state" in first else (status if status in ("skipped", "planned") else "not_started"),
        "vendor_status": first.get("vendor_status"),
        "targets": targets,
        "failed_agents": record["failed_targets"],
        "elapsed": waited.get("elapsed", 0),
        "msg": one_line(reason),
        "line": head + what,
    }
    return {"entry": entry, "breach": _breach(entry, index, plan_length) if status == "breached" else ""}


def _breach(entry, index, plan_length):
    """The play's failure for a breached batch: where the rollout stopped, why, the failed agents
    and the batches not started."""
    index, plan_length = int(index), int(plan_length)
    left = plan_length - index - 1
    if left <= 0:
        not_started = ""
    elif left == 1:
        not_started = " Batch %d was not started." % (index + 2)
    else:
        not_started = " Batches %d to %d were not started." % (index + 2, plan_length)
    msg = entry["msg"][:-1] if entry["msg"].endswith(".") else entry["msg"]
    failed = " Failed agents: %s." % ", ".join(_text(a) for a in entry["failed_agents"]) if entry["failed_agents"] else ""
    return "Rollout stopped at batch %d of %d: %s.%s%s" % (index + 1, plan_length, msg, failed, not_started)
