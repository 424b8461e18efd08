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
- ``plan``: the batches of a rollout, split as Ansible's ``serial`` splits a play's hosts.
- ``vendor_batch`` and ``rollout_summary``: the ``rollout`` role's record of one batch of any of the
  five vendors (from ``batch_record``, with what each vendor's start and status results say about
  its targets) and its whole result.

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
    not_started = _unstarted_batches(index + 1, plan_length)
    msg = entry["msg"][:-1] if entry["msg"].endswith(".") else entry["msg"]
    failed = " Failed agents: %s." % ", ".join(_text(a) for a in entry["failed_agents"]) if entry["failed_agents"] else ""
    return "Rollout stopped at batch %d of %d: %s.%s%s" % (index + 1, plan_length, msg, failed, not_started)


def _unstarted_batches(number, plan_length):
    """The sentence naming the batches after batch ``number`` (1-based) of ``plan_length`` that a
    breach left unstarted ("" when it was the last)."""
    left = plan_length - number
    if left <= 0:
        return ""
    if left == 1:
        return " Batch %d was not started." % (number + 1)
    return " Batches %d to %d were not started." % (number + 1, plan_length)


# --- the rollout role (any vendor) -------------------------------------------------------------

# The start actions of each vendor's start module (the role's rollout_action).
ACTIONS = {
    "fleet": ("upgrade", "unenroll"),
    "cortex_xdr": ("isolate", "unisolate", "scan", "run_script", "upgrade"),
    "cybereason": ("upgrade", "restart", "scan"),
    "puppet": ("deploy", "task"),
    "rackspace": ("backup",),
}
# What one target of each vendor is: (singular, plural).
TARGETS = {
    "fleet": ("agent", "agents"),
    "cortex_xdr": ("endpoint", "endpoints"),
    "cybereason": ("sensor", "sensors"),
    "puppet": ("node", "nodes"),
    "rackspace": ("configuration", "configurations"),
}
# What separates the ids of text given as rollout_targets (a survey's answer).
_WORDS = re.compile(r"[\s,]+")
# Why a target the start named is not in the vendor's action (the batch's ``refused``).
LEFT_OUT = {
    "cortex_xdr": "Cortex XDR left the endpoint out of the action (an id it does not know, or an endpoint that "
                  "cannot take the action)",
    "puppet": "Puppet Enterprise left the node out of the job (the user may not run on it)",
}


def serial_size(value, total):
    """One value of Ansible's ``serial`` as a number of targets out of ``total`` targets, exactly as
    ansible-core reads it: ``pct_to_int(value, total)`` (``lib/ansible/utils/helpers.py``), called
    by ``PlaybookExecutor._get_serialized_batches`` (``lib/ansible/executor/playbook_executor.py``).

    - a string ending in ``%`` is a whole-number percentage of the whole list, computed with the
      same float arithmetic, ``int(int("10") / 100.0 * total)``, so rounded down (``"29%"`` of 100
      is 28, as ``serial`` makes it), and at least 1 (``"0%"`` is 1);
    - anything else is ``int(value)``: ``2.7`` is 2, ``"2.5"`` is refused;
    - 0 or less means every target left, in one batch.

    A value ``int`` refuses is a ``ConfigError`` naming ``rollout_batch_size``."""
    if value is None or isinstance(value, bool):
        raise ConfigError("rollout_batch_size: %r is not a number of targets (such as 10) or a percentage of them "
                          "(such as '10%%')" % (value,))
    try:
        if isinstance(value, str) and value.endswith("%"):
            return int((int(value.replace("%", "")) / 100.0) * total) or 1
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError("rollout_batch_size: %r is not a number of targets (such as 10) or a percentage of them "
                          "(such as '10%%')" % (value,))


def batch_sizes(batch_size):
    """``rollout_batch_size`` as the list of ``serial`` values: a list as given, one number or
    percentage, or text listing several separated by commas (``"1, 10%, 100%"``, as a survey
    answer gives them; each part trimmed, blank parts dropped)."""
    if batch_size is None:
        return []
    if isinstance(batch_size, (list, tuple)):
        return list(batch_size)
    if isinstance(batch_size, str):
        return [part.strip() for part in batch_size.split(",") if part.strip()]
    return [batch_size]


def _id_list(value, name):
    """``value`` as a list of ids: each item as text, trimmed; blanks and nulls dropped."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ConfigError("%s must be a list, not %s" % (name, type(value).__name__))
    found = []
    for item in value:
        if item is None or isinstance(item, (dict, list, tuple)):
            if item is None:
                continue
            raise ConfigError("%s holds %s, not an id" % (name, type(item).__name__))
        text = _text(item).strip()
        if text:
            found.append(text)
    return found


def plan(targets=(), batch_size=None, batches=None):
    """The batches of a rollout: a list of lists of target ids.

    - ``batches`` (a list of lists), when not empty, is the plan as given: each id as text,
      trimmed, blanks dropped; an empty batch, or an id in two batches (or twice in one), is refused
      (a target would be acted on twice).
    - Otherwise ``targets`` (ids as text, trimmed, blanks dropped, each kept once, first place
      kept, as Ansible keeps each host of a play once; text, such as a survey's answer, is ids
      separated by new lines, commas or spaces) are split as ``serial`` splits a play's
      hosts (``batch_sizes`` of ``batch_size``): each batch takes the next value of the list
      (``serial_size``, a percentage being of the whole list), the last value repeating until every
      target is in a batch; a value of 0 or less puts every target left in one batch; no value
      (``None`` or ``[]``) is one batch of them all. Every value is checked first, even those the
      split does not reach.

    ``[1, "10%", "100%"]`` over 40 targets is a canary of 1, then 4, then the other 35. Refusals
    are ``ConfigError`` naming the variable (``rollout_targets``, ``rollout_batches``,
    ``rollout_batch_size``)."""
    if batches is not None and not isinstance(batches, (list, tuple)):
        raise ConfigError("rollout_batches must be a list of lists of ids, not %s" % type(batches).__name__)
    if batches:
        found, seen = [], {}
        for number, batch in enumerate(batches, 1):
            ids = _id_list(batch, "rollout_batches[%d]" % (number - 1))
            if not ids:
                raise ConfigError("rollout_batches: batch %d is empty: every batch needs at least one target" % number)
            for target in ids:
                if target in seen:
                    raise ConfigError("rollout_batches: %s is in batch %d and again in batch %d: a target may be in "
                                      "one batch only, once" % (target, seen[target], number))
                seen[target] = number
            found.append(ids)
        return found
    if isinstance(targets, str):
        targets = _WORDS.split(targets)
    ids = []
    for target in _id_list(targets, "rollout_targets"):
        if target not in ids:
            ids.append(target)
    if not ids:
        raise ConfigError("rollout_targets (or rollout_batches) is empty: give the ids of the targets to roll out")
    sizes = batch_sizes(batch_size) or [-1]
    for value in sizes:
        serial_size(value, len(ids))
    found, left, item = [], ids, 0
    while left:
        size = serial_size(sizes[item], len(ids))
        if size <= 0:
            found.append(left)
            break
        found.append(left[:size])
        left = left[size:]
        item = min(item + 1, len(sizes) - 1)
    return found


def each_allowance(allowed_failures, total):
    """The ``allowed_failures`` for the wait of a batch whose actions each act on one target of the
    batch (Rackspace: one backup per configuration), where the role judges the batch by counting
    the actions that failed. ``"0"`` when the batch's allowance over ``total`` targets is none, so
    the wait stops at the first failure (the batch has breached); otherwise ``"100%"``, so the wait
    goes on until every action has ended whatever one of them does. A value ``FailurePolicy``
    refuses is returned unchanged, for the status module to refuse."""
    try:
        policy = FailurePolicy(allowed_failures)
    except ConfigError:
        return allowed_failures
    return "0" if policy.limit(int(total or 0)) == 0 else "100%"


def _refusal(target, reason):
    return {"target": target, "reason": reason}


def _left_out(vendor, targets, started, actions):
    """The targets the start named that the vendor left out of its action, each with why."""
    if vendor == "fleet":
        return [_refusal(r.get("agent"), r.get("reason")) for r in (started.get("refused") or ()) if isinstance(r, dict)]
    if vendor == "puppet":
        return [_refusal(_text(node), LEFT_OUT["puppet"]) for node in (started.get("skipped_nodes") or ())]
    if vendor == "cortex_xdr":
        listed = [a.get("endpoints") for a in actions if isinstance(a.get("endpoints"), dict)]
        if not listed:
            return []
        known = set(_text(e).lower() for endpoints in listed for e in endpoints)
        return [_refusal(t, LEFT_OUT["cortex_xdr"]) for t in targets if t.lower() not in known]
    if vendor == "cybereason":
        missing = started.get("unmatched_count")
        sensors = [_text(s) for s in (started.get("unmatched_sensors") or ())]
        if missing == 0 or not sensors:
            return []
        if missing is None:
            reason = ("Cybereason's answer does not say how many of the %d sensors it took into the batch; this "
                      "sensor may have been left out" % len(targets))
        else:
            reason = ("Cybereason took %d of the %d sensors into the batch and does not say which it left out; "
                      "this sensor may be one" % (len(targets) - int(missing), len(targets)))
        return [_refusal(s, reason) for s in sensors]
    return []


def _rackspace_record(number, targets, ids, wait, allowed_failures, started):
    """The record of a Rackspace batch: one backup per configuration, a configuration failed when
    its backup did not succeed (any end but ``succeeded``: failed, missed, skipped, stopped, or
    completed with errors unless the status module counts that a success), and the batch judged by
    ``FailurePolicy`` over its configurations."""
    backups = [b for b in (started.get("backups") or ()) if isinstance(b, dict)]
    pairs = [(_text(b.get("configuration_id")), _text(b.get("backup_id"))) for b in backups] if backups \
        else list(zip(targets, ids))
    actions = dict((_text(a.get("action_id")), a) for a in (wait.get("actions") or ()) if isinstance(a, dict))
    succeeded, failed, pending = [], [], []
    for configuration, backup in pairs:
        action = actions.get(backup) or {}
        state = action.get("state")
        if state == "succeeded":
            succeeded.append(configuration)
        elif state in ("partial", "failed", "cancelled", "expired"):
            failed.append(configuration)
        else:
            pending.append(configuration)
    pending += [t for t in targets if t not in succeeded and t not in failed and t not in pending]
    counts = {"total": len(targets), "succeeded": len(succeeded), "failed": len(failed), "pending": len(pending)}
    if pending:
        state = "running"
    elif not failed:
        state = "succeeded"
    else:
        state = "partial" if succeeded else "failed"
    verdict = {"state": state, "targets": dict(counts)}
    passed = bool(ids) and not pending and judge([verdict], allowed_failures)
    return {
        "batch": number, "targets": targets, "action_ids": ids, "state": _state(list(actions.values())),
        "counts": counts, "failed_targets": failed, "refused": [], "seconds": wait.get("elapsed", 0), "passed": passed,
    }


def _not_started(count):
    return {"total": count, "succeeded": 0, "failed": 0, "pending": count}


def vendor_batch(vendor, index, plan_length, targets, started=None, waited=None, allowed_failures="0",
                 check_mode=False, action=""):
    """The ``rollout`` role's record of batch ``index`` (0 is the first) of ``plan_length``, for
    ``vendor``: ``{"record": ..., "breach": ...}``.

    ``started`` and ``waited`` are what the role's start task (the vendor's start module) and wait
    task (its status module, ``fail_on_failure: false``) registered. The record has
    ``batch_record``'s keys (``batch``, ``targets``, ``action_ids``, ``state``, ``counts``,
    ``failed_targets``, ``refused``, ``seconds``, ``passed``, ``msg``) with ``refused`` naming each
    target as ``target``, plus ``status`` (``succeeded``, ``breached`` or ``planned``) and ``line``,
    the batch's line in the play's output. ``breach`` is the play's one-line failure when the batch
    breached (``Rollout stopped at batch N of M (action X): why. Failed <targets>: ... Batch N+1 was
    not started.``), ``""`` otherwise.

    In this order: check mode only plans (``planned``: the start ran in check mode and said what it
    would do); a start that returned no action id (for Rackspace: not one per configuration)
    breaches; otherwise the batch passes when:

    - Elastic Fleet, Cortex XDR, Cybereason, Puppet: ``batch_record`` says so (its action succeeded
      within ``allowed_failures``, Fleet's allowance grown by the agents Kibana refused). Targets
      the vendor left out of the action (``_left_out``: Kibana's refusals, endpoints Cortex XDR did
      not take, nodes PE left out, sensors Cybereason did not take) are listed in ``refused``, not
      counted as failures. Cybereason counts the failed sensors but does not name them, so its
      ``failed_targets`` is empty and the message gives its outcome counts instead;
    - Rackspace: every configuration's backup ended and the failed configurations are within
      ``allowed_failures`` (``_rackspace_record``)."""
    if vendor not in TARGETS:
        raise ConfigError("rollout_vendor must be one of %s, not %r" % (", ".join(sorted(TARGETS)), vendor))
    singular, plural = TARGETS[vendor]
    number, plan_length = int(index) + 1, int(plan_length)
    targets = [_text(t) for t in (targets or ())]
    started = started if isinstance(started, dict) else {}
    waited = waited if isinstance(waited, dict) else {}
    ids = _ids(started.get("action_ids") or started.get("action_id"))
    actions = [a for a in (waited.get("actions") or ()) if isinstance(a, dict)]
    head = "batch %d/%d: %d %s" % (number, plan_length, len(targets), singular if len(targets) == 1 else plural)
    start_error = one_line(started.get("msg")) or "no action id returned"

    # a start module in check mode says what it would send, changed and without an id; one that
    # failed (bad input, a refused login) did not change anything
    if truth(check_mode) and not ids and truth(started.get("changed")):
        record = batch_record(number, targets, (), None, allowed_failures)
        record.update(state="planned", status="planned", msg="check mode: would %s %d %s" % (action, len(targets), plural),
                      line="%s, check mode, would %s %d" % (head, action, len(targets)))
        return {"record": record, "breach": ""}
    if not ids or (vendor == "rackspace" and len(ids) != len(targets)):
        if ids and not started.get("msg"):
            start_error = "%d of %d backups started" % (len(ids), len(targets))
        record = batch_record(number, targets, ids, None, allowed_failures)
        record.update(status="breached", msg="could not start the %s: %s" % (action, start_error),
                      line="%s, could not start: BREACHED" % head)
        if ids:
            record["line"] += " (started %s)" % _named(ids)
        return {"record": record, "breach": _rollout_breach(record, plan_length, plural)}

    if vendor == "rackspace":
        record = _rackspace_record(number, targets, ids, waited, allowed_failures, started)
    else:
        refused = started.get("refused") if vendor == "fleet" else ()
        record = batch_record(number, targets, ids, waited, allowed_failures, refused or (), None,
                              target_key="agent" if vendor == "fleet" else "target")
        record["refused"] = _left_out(vendor, targets, started, actions)
        if vendor == "cybereason":
            record["failed_targets"] = []
    record["status"] = "succeeded" if record["passed"] else "breached"
    counts = record["counts"]
    tally = "%s/%s succeeded, %s failed, %s pending" % (
        counts.get("succeeded"), counts.get("total"), counts.get("failed"), counts.get("pending", 0))
    if record["passed"]:
        record["msg"] = "passed, %s" % tally
    else:
        reason = one_line(waited.get("msg")) if vendor != "rackspace" or counts.get("pending") else ""
        if vendor == "rackspace" and not reason:
            reason = "the backups of %d of %d configurations failed (allowed_failures=%s)" % (
                counts.get("failed"), counts.get("total"), allowed_failures)
        reason = reason or "did not pass (allowed_failures=%s): %s" % (allowed_failures, tally)
        if vendor == "cybereason" and counts.get("failed"):
            outcomes = "; ".join("%s: %s" % (e.get("target"), one_line(e.get("message"))) for a in actions
                                 for e in (a.get("errors") or ()) if isinstance(e, dict))
            reason = reason.rstrip(".") + ". Cybereason does not name the failed sensors" + (
                ": %s" % outcomes if outcomes else "")
        record["msg"] = reason.rstrip(".")
    what = "action%s %s: %s, %s, %ss" % ("" if len(ids) == 1 else "s", _named(ids),
                                         "passed" if record["passed"] else "BREACHED", tally, record["seconds"])
    record["line"] = "%s, %s" % (head, what)
    if record["refused"]:
        record["line"] += ", %d left out by the vendor" % len(record["refused"])
    breach = "" if record["passed"] else _rollout_breach(record, plan_length, plural)
    return {"record": record, "breach": breach}


def _rollout_breach(record, plan_length, plural):
    """The play's one-line failure for a breached batch of the ``rollout`` role."""
    number = record["batch"]
    ids = record["action_ids"]
    where = " (action%s %s)" % ("" if len(ids) == 1 else "s", _named(ids)) if ids else ""
    not_started = _unstarted_batches(number, plan_length)
    failed = " Failed %s: %s." % (plural, _named(record["failed_targets"])) if record["failed_targets"] else ""
    return "Rollout stopped at batch %d of %d%s: %s.%s%s" % (number, plan_length, where, record["msg"].rstrip("."), failed,
                                                             not_started)


def rollout_summary(vendor, action, batches, records, start_batch=1, check_mode=False, breach=""):
    """The ``rollout`` role's result (``rollout_result``) from its plan (``batches``) and the records
    of the batches it ran (``vendor_batch``'s), in order: ``vendor``, ``action``, ``passed`` (every
    batch from ``start_batch`` on passed, none left a target out, not check mode),
    ``breached_batch`` (the number of the batch that breached, or None), ``check_mode``,
    ``start_batch``, ``refused`` (every target a vendor left out, with its ``batch``), ``msg`` (the
    breach message; or, when targets were left out, one line naming them; else ``""``) and
    ``batches``: a record for every batch of the plan, those before ``start_batch`` as ``skipped``
    and those after a breach as ``not_started``."""
    singular, plural = TARGETS.get(vendor, ("target", "targets"))
    start_batch = int(start_batch)
    recorded = dict((r.get("batch"), r) for r in (records or ()) if isinstance(r, dict))
    every = []
    for number, targets in enumerate(batches or (), 1):
        if number in recorded:
            every.append(recorded[number])
            continue
        before = number < start_batch
        status = "skipped" if before else "not_started"
        every.append({
            "batch": number, "status": status, "targets": list(targets), "action_ids": [], "state": "not_started",
            "counts": _not_started(len(targets)), "failed_targets": [], "refused": [], "seconds": 0, "passed": False,
            "msg": "not run: before rollout_start_batch=%d" % start_batch if before
            else "not started: the rollout stopped at an earlier batch",
            "line": "batch %d/%d: %d %s, %s" % (number, len(batches), len(targets),
                                                singular if len(targets) == 1 else plural,
                                                "skipped (before rollout_start_batch)" if before else "not started"),
        })
    breached = [r["batch"] for r in every if r.get("status") == "breached"]
    refused = [dict(r, batch=record["batch"]) for record in every for r in (record.get("refused") or ())]
    check_mode = truth(check_mode)
    if breach:
        msg = one_line(breach)
    elif refused and not check_mode:
        names = _named([r["target"] for r in refused])
        msg = ("Rollout finished, but the %s did not reach %d %s, left out of the vendor's actions: %s. Roll them out "
               "again once the reason (in rollout_result.refused) is fixed." % (action, len(refused), plural, names))
    else:
        msg = ""
    ran = [r for r in every if r["batch"] >= start_batch]
    return {
        "vendor": vendor,
        "action": action,
        "passed": bool(ran) and not check_mode and not breached and not refused and all(r.get("passed") for r in ran),
        "breached_batch": breached[0] if breached else None,
        "check_mode": check_mode,
        "start_batch": start_batch,
        "refused": refused,
        "msg": msg,
        "batches": every,
    }
