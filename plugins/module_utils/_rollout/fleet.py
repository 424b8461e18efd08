# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The ``fleet_rollout`` role's batch entry and breach message, made from ``batch_record`` (its keys
are the role's documented result and do not change; docs/dev/rollouts.md). Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._rollout.verdict import (
    _text, _unstarted_batches, batch_record, one_line, truth,
)


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
