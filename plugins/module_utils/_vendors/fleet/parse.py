# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet: reading an ``action_status`` answer. Pure: any JSON in, a list of ActionStatus or
the collection's malformed-answer ``ApiError`` out; no request, no session, nothing from ``_http``.

Values are read with the rules of ``_shape`` (the one shape reader): counts are whole numbers of
JSON's number type (Kibana's schema types them as numbers, so text is not a count), ids are
``ident``, words ``text``, times ``timestamp``, and messages name a value's ``kind``, never its
content. The Kibana facts relied on (fields, the state table, each fail-safe reading, refusals)
are in docs/dev/vendors/fleet.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Exact type checks (``type(x) is int``), not isinstance, on purpose: a JSON true must not pass as a
# count (bool is an int subclass), and they are the per-item fast path of a 10,000-item answer
# (tests/benchmarks/fleet_parse.py).
# pylint: disable=unidiomatic-typecheck

import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import Shape, enum, ident, kind, text, timestamp
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, TERMINAL_STATES, UNKNOWN,
    ActionStatus,
)

# Kibana's status word -> normalised state, matched exactly (the schema's enum is upper case);
# any other word is UNKNOWN, which never passes. ROLLOUT_PASSED depends on ``rollout_passed``.
STATES = {
    "COMPLETE": SUCCEEDED,
    "FAILED": FAILED,
    "CANCELLED": CANCELLED,
    "EXPIRED": EXPIRED,
    "IN_PROGRESS": RUNNING,
}
# Agents Kibana refused when it wrote a bulk action: it records them as errors of the action, not as
# HTTP errors (docs/dev/vendors/fleet.md, "Refused agents"): "Agent <id> is not upgradeable: ..."
# (cool-down, version), "Cannot upgrade agent in hosted agent policy <p>", "Cannot unenroll <id> from
# a hosted agent policy <p>", "Agent <id> already unenrolled".
REFUSAL = re.compile(r"is not upgradeable|hosted agent policy|already unenrolled", re.IGNORECASE)
# REFUSAL's phrases in lower case: is_refusal tests an ASCII message with them (what REFUSAL finds,
# without its case-insensitive scan, slow on a long message); any other message with REFUSAL itself.
REFUSAL_PHRASES = ("is not upgradeable", "hosted agent policy", "already unenrolled")
# A case-insensitive match is as long as its phrase (one character for one): a shorter message is no refusal.
SHORTEST_REFUSAL = min(len(phrase) for phrase in REFUSAL_PHRASES)
COUNTERS = ("nbAgentsActioned", "nbAgentsActionCreated", "nbAgentsAck", "nbAgentsFailed")
WHERE = "Kibana's action_status"
VENDOR = "fleet"


def shape_error(what, body=None):
    """The collection's own error for an answer of an unexpected shape (never a Python exception)."""
    return ApiError("Elastic Fleet: %s %s. Kibana answered something this collection does not know how to "
                    "read; report it with the Kibana version." % (WHERE, what), 200, body)


def is_refusal(message):
    """Whether ``message`` says Kibana refused the agent: ``REFUSAL.search``, faster."""
    if message.isascii():
        lower = message.lower()
        return "is not upgradeable" in lower or "hosted agent policy" in lower or "already unenrolled" in lower
    return REFUSAL.search(message) is not None


class _Answer(Shape):
    """``Shape``'s readers with Fleet's message ("Elastic Fleet: Kibana's action_status item 3 ...")."""

    def fail(self, path, what):
        raise shape_error("%s %s" % (path, what), self.body)


def parse(body, rollout_passed="wait"):
    """Every item of an action_status answer as an ActionStatus, newest first; the collection's
    ApiError for anything of another shape."""
    read = StatusReader(rollout_passed).item
    return [read(item, index) for index, item in enumerate(items_of(body))]


def items_of(body):
    """The ``items`` list of an action_status answer, or the collection's error saying what is wrong."""
    if not isinstance(body, dict):
        raise shape_error("answer is %s, not an object with an items list" % kind(body))
    items = body.get("items")
    if not isinstance(items, list):
        what = "has no items list" if items is None else "has items that is %s, not an array" % kind(items)
        raise shape_error("answer " + what, body)
    return items


def action_id_of(item, index):
    """``actionId`` as an id (``_shape.ident``), or the collection's error ("... item 3 has no actionId")."""
    if not isinstance(item, dict):
        raise shape_error("item %d is %s, not an object" % (index, kind(item)))
    value = item.get("actionId")
    action_id = ident(value)
    if action_id is not None:
        return action_id
    blank = value is None or (isinstance(value, str) and not value.strip())
    raise shape_error("item %d has %s" % (index, "no actionId" if blank else "an actionId that is %s, not an id" % kind(value)))


class StatusReader:
    """Reads action_status items; ``rollout_passed`` (wait, failure, success) says what ROLLOUT_PASSED is."""

    def __init__(self, rollout_passed="wait"):
        self.rollout_policy = rollout_passed or "wait"

    def item(self, item, index=0):
        """One Kibana ``items[]`` record -> ActionStatus; ``index`` names it in errors. A record
        of an unexpected shape raises ApiError naming the item and what was wrong.

        The common shape (string id and times, a status word in STATES, whole non-negative int
        counters, latestErrors absent or a list) takes a fast path: exact type checks that give
        what the ``_shape`` readers give for those types, one dict lookup per field and one dict
        built (``ActionStatus.counted``). Anything else goes through ``checked``, which reads with
        ``_shape`` and names what is wrong. Tests hold the two to the same result. 10,000 items a
        poll (tests/benchmarks/fleet_parse.py)."""
        # The try reads the common shape; a value of another type fails a lookup or has no .strip():
        # KeyError (a key missing, a word not in STATES), TypeError (not an object, a status that
        # is not a word) or AttributeError (an id or time that is not text) sends the item to
        # ``checked``. STATES holds neither ROLLOUT_PASSED (its option) nor unknown words, and a
        # COMPLETE here always has an agent count: so the same states as state_of().
        try:  # the keys Kibana always sends (ActionStatus in action_status.ts)
            vendor_status, action_id, kind_ = item["status"], item["actionId"].strip(), item["type"]
            state, created = STATES[vendor_status], item["creationTime"].strip()
            actioned, acked, failed = item["nbAgentsActioned"], item["nbAgentsAck"], item["nbAgentsFailed"]
            created_count, started = item.get("nbAgentsActionCreated"), item.get("startTime")
            started = (started.strip() if started is not None else "") or created or None
            if state in TERMINAL_STATES:  # completionTime is set while the action still runs
                cancelled_at, completed_at = item.get("cancellationTime"), item.get("completionTime")
                finished = (cancelled_at.strip() if cancelled_at is not None else "") \
                    or (completed_at.strip() if completed_at is not None else "") or None
            else:
                finished = None
        except (KeyError, TypeError, AttributeError):
            return self.checked(item, index)
        # (a | b | c) < 0: one of the ints is negative (whole_number refuses it).
        if type(actioned) is not int or type(acked) is not int or type(failed) is not int \
                or (actioned | acked | failed) < 0 or not action_id or type(kind_) is not str \
                or not (created_count is None or (type(created_count) is int and created_count >= 0)):
            return self.checked(item, index)
        if not actioned and created_count:
            actioned = created_count
        latest = item.get("latestErrors")
        if not latest and (latest is None or type(latest) is list):
            errors, extra = [], {"type": kind_ or None}
        elif type(latest) is list:
            errors, refused = self.errors(latest, index, action_id)
            extra = {"type": kind_ or None, "refused": refused}
        else:
            return self.checked(item, index)  # names what latestErrors is
        if state == FAILED and acked > 0:  # both terminal, as RUNNING and PENDING are both not
            state = PARTIAL
        elif state == RUNNING and acked == 0 and failed == 0:
            state = PENDING
        total = acked + failed
        return ActionStatus.counted(
            action_id, VENDOR, state, vendor_status, actioned if actioned >= total else total, acked, failed,
            errors, started, finished, item, extra)

    def checked(self, item, index=0):
        """The same reading as ``item`` by the ``_shape`` readers, for any shape."""
        action_id = action_id_of(item, index)
        where = "item %d (actionId %s)" % (index, action_id)
        answer = _Answer(WHERE)
        vendor_status = answer.text(item.get("status"), where + " status", required=True)
        counts = dict((key, answer.count(item.get(key), "%s %s" % (where, key), allow_text=False, missing=0))
                      for key in COUNTERS)
        # A missing or null counter counts 0: only safe readings follow (state_of's ``counted``).
        counted = item.get("nbAgentsActioned") is not None or item.get("nbAgentsActionCreated") is not None
        actioned = counts["nbAgentsActioned"] or counts["nbAgentsActionCreated"]
        acked, failed = counts["nbAgentsAck"], counts["nbAgentsFailed"]
        total = actioned if actioned >= acked + failed else acked + failed
        state = self.state_of(vendor_status, acked, failed, counted)
        extra = {"type": text(item.get("type"))}
        latest = item.get("latestErrors")
        if latest is None or (type(latest) is list and not latest):
            errors = []
        else:
            errors, extra["refused"] = self.errors(answer.check(latest, list, where + " latestErrors"), index, action_id)
        # completionTime is the newest ack, set while the action still runs: a finish time only when terminal.
        finished = None
        if state in TERMINAL_STATES:
            finished = timestamp(item.get("cancellationTime")) or timestamp(item.get("completionTime"))
        return ActionStatus(
            action_id, VENDOR, state, vendor_status, {"total": total, "succeeded": acked, "failed": failed},
            errors, timestamp(item.get("startTime")) or timestamp(item.get("creationTime")), finished, item, extra)

    def errors(self, latest, index, action_id):
        """``(errors, refused)`` of a latestErrors list, in one pass: each entry as an error entry
        (Kibana's ``hostname`` kept as ``host``), and the agents Kibana refused when it wrote the
        action as ``{agent, reason}``. Fields of another type read as None (``ident``, ``text``,
        ``timestamp``); an entry that is not an object is the collection's error."""
        errors, refused = [], []
        for entry in latest:
            if type(entry) is not dict and not isinstance(entry, dict):
                raise _bad_entry(latest, index, action_id)
            try:  # the keys Kibana always sends, the id and time as text: ident() and timestamp() inline
                agent, message, time = entry["agentId"].strip() or None, entry["error"], entry["timestamp"].strip() or None
            except (KeyError, AttributeError):  # one missing, or not text: the _shape readers
                agent, message, time = ident(entry.get("agentId")), entry.get("error"), timestamp(entry.get("timestamp"))
            host = entry.get("hostname")  # not sent by every Kibana version
            if type(host) is not str or not host:
                host = text(host)
            if type(message) is not str or not message:
                message = text(message)
            errors.append({"target": agent, "host": host, "message": message, "time": time})
            if message and len(message) >= SHORTEST_REFUSAL and is_refusal(message):
                refused.append({"agent": agent, "reason": message})
        return errors, refused

    def state_of(self, vendor_status, acked, failed, counted=True):
        """Kibana's word -> normalised state. With no agent count at all (``counted`` false), a
        COMPLETE, or a terminal item some agents acked, is unknown: nothing says how many agents
        the action had, so allowed_failures cannot judge it (fail safe)."""
        if vendor_status == "ROLLOUT_PASSED":
            state = self.rollout_passed(acked)
        else:
            state = enum(vendor_status, STATES, UNKNOWN, fold=False)
            if state == FAILED and acked > 0:
                state = PARTIAL  # every agent acked, some with errors: allowed_failures decides
            elif state == RUNNING and acked == 0 and failed == 0:
                state = PENDING
        if not counted and (state == SUCCEEDED or (acked > 0 and state in (PARTIAL, FAILED, EXPIRED))):
            return UNKNOWN
        return state

    def rollout_passed(self, acked):
        """ROLLOUT_PASSED: the rollout window passed with agents (usually offline) that have not
        upgraded yet, and may still upgrade later (https://github.com/elastic/kibana/pull/148240).
        ``wait``: still running. ``failure`` and ``success`` end the wait; the agents that have not
        upgraded count as failed (one accounting rule), so allowed_failures decides; ``failure``
        reports it as failed, ``success`` as partial."""
        if self.rollout_policy == "wait":
            return RUNNING
        if self.rollout_policy == "success" and acked > 0:
            return PARTIAL
        return FAILED


def _bad_entry(latest, index, action_id):
    """The error for the first latestErrors entry that is not an object."""
    position, entry = next((n, e) for n, e in enumerate(latest) if not isinstance(e, dict))
    return shape_error("item %d (actionId %s) latestErrors[%d] is %s, not an object" % (
        index, action_id, position, kind(entry)))
