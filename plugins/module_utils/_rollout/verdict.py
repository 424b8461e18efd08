# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The verdict on one batch, whatever the vendor: the allowance its wait gets (``wait_allowance``),
its record and verdict (``batch_record``, reusing ``FailurePolicy``), and the words of its messages
(docs/dev/rollouts.md). Pure: no I/O, no Ansible import; the inputs are never changed."""

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


def _unstarted_batches(number, plan_length):
    """The sentence naming the batches after batch ``number`` (1-based) of ``plan_length`` that a
    breach left unstarted ("" when it was the last)."""
    left = plan_length - number
    if left <= 0:
        return ""
    if left == 1:
        return " Batch %d was not started." % (number + 1)
    return " Batches %d to %d were not started." % (number + 1, plan_length)
