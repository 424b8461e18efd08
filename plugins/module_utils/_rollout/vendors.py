# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The ``rollout`` role's record of one batch of any of the five vendors (``vendor_batch``, from
``batch_record`` with what each vendor's start and status results say about its targets) and its
whole result (``rollout_summary``; docs/dev/rollouts.md). Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._rollout.verdict import (
    _ids, _named, _state, _text, _unstarted_batches, batch_record, judge, one_line, truth,
)

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
# Why a target the start named is not in the vendor's action (the batch's ``refused``).
LEFT_OUT = {
    "cortex_xdr": "Cortex XDR left the endpoint out of the action (an id it does not know, or an endpoint that "
                  "cannot take the action)",
    "puppet": "Puppet Enterprise left the node out of the job (the user may not run on it)",
}


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
