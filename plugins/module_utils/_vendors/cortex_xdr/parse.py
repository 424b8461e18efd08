# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cortex XDR's parse side: a ``get_action_status`` answer -> ActionStatus (docs/dev/vendors/cortex_xdr.md).

Pure: any JSON value goes in; a status, None (an id the tenant does not know) or the collection's
malformed-answer ``ApiError`` comes out, never another exception. It sends nothing and imports
nothing from ``_http``: the session side (``session.py``) scrubs the run's secrets from its errors.

The reply maps each endpoint of a group action to its own status word and has no action-level
status, so the action's state is aggregated here. Words are matched without regard to case, and
``CANCELED`` is read as ``CANCELLED`` (the reference spells it with two Ls; Cortex's own
script-execution counters say ``endpoints_canceled``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import describe as shape_describe
from ansible_collections.actiongate.agents.plugins.module_utils._shape import enum, text
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus, error_entry, targets_dict,
)

NAME = "cortex_xdr"
STATUS_PATH = "/public_api/v1/actions/get_action_status/"

# Each endpoint's status word -> normalised state (the ten words of the current Get Action Status
# docs, docs/dev/vendors/cortex_xdr.md "Status words"). XSOAR keeps polling on PENDING,
# IN_PROGRESS and PENDING_ABORT, so those three are still going. COMPLETED_PARTIAL follows the
# ``completed_partial`` option.
ENDPOINT_STATES = {
    "PENDING": PENDING,
    "IN_PROGRESS": RUNNING,
    "PENDING_ABORT": RUNNING,
    "COMPLETED_SUCCESSFULLY": SUCCEEDED,
    "FAILED": FAILED,
    "TIMEOUT": FAILED,
    "CANCELLED": CANCELLED,
    "ABORTED": CANCELLED,
    "EXPIRED": EXPIRED,
}
# Other spellings of the same word (matched after upper-casing; spaces and hyphens become "_").
ALIASES = {"CANCELED": "CANCELLED"}
COMPLETED_PARTIAL = {"failure": PARTIAL, "success": SUCCEEDED}
GOING = frozenset((PENDING, RUNNING))
BAD = frozenset((FAILED, PARTIAL, CANCELLED, EXPIRED))
# Lifecycle order, for the derived action-level vendor_status.
ORDER = ("PENDING", "IN_PROGRESS", "PENDING_ABORT", "COMPLETED_SUCCESSFULLY", "COMPLETED_PARTIAL", "FAILED",
         "TIMEOUT", "CANCELLED", "ABORTED", "EXPIRED")
# ``_shape.enum`` folds words to lower case: the same table, its keys folded.
_STATE_TABLE = dict((word.lower(), state) for word, state in ENDPOINT_STATES.items())


def describe(value):
    """``_shape.describe``, except that a JSON array is called a list, the word these messages use."""
    if isinstance(value, list):
        return "a list of %d item%s" % (len(value), "" if len(value) == 1 else "s")
    return shape_describe(value)


def shape_error(action_id, what, body):
    """The collection's malformed-answer error for one group action (status 200)."""
    return ApiError(
        "Cortex XDR answered POST %s for group action %s with an unexpected shape: %s. The collection cannot "
        "judge the action from it; if the tenant is healthy, report this with the answer."
        % (STATUS_PATH, action_id, what), 200, body)


def parse_answer(action_id, answer, completed_partial="failure"):
    """A get_action_status answer -> ActionStatus, or None for an id the tenant does not know
    (``data`` empty or null, as XSOAR reads it: ``reply.get('data') or {}``). Any JSON value
    gives a status, None, or the ApiError of ``shape_error`` naming what was unexpected."""
    reply = answer.get("reply") if isinstance(answer, dict) else None
    if not isinstance(reply, dict):
        raise shape_error(action_id, "the answer has no reply object (got %s)" % describe(answer), answer)
    data = reply.get("data")
    if data is None or data == {}:
        return None
    if not isinstance(data, dict):
        raise shape_error(action_id, "reply.data is %s, not an object of endpoint statuses" % describe(data), answer)
    bad = next((k for k, v in data.items() if v is not None and not isinstance(v, str)), None)
    if bad is not None:
        raise shape_error(action_id, "reply.data[%.60r] is %s, not a status word" % (bad, describe(data[bad])), answer)
    return parse_reply(action_id, reply, completed_partial)


def parse_reply(action_id, reply, completed_partial="failure"):
    """One checked ``reply`` (``data``, an object of strings or nulls, plus optional
    ``errorReasons``) -> ActionStatus. A null status is an unknown word (never success)."""
    data = dict((str(k), "null" if v is None else v.strip()) for k, v in reply["data"].items())
    states = dict((endpoint, endpoint_state(word, completed_partial)) for endpoint, word in data.items())
    reasons = reply.get("errorReasons") if isinstance(reply.get("errorReasons"), dict) else {}
    failed = [endpoint for endpoint, state in states.items() if state in BAD]
    return ActionStatus(
        action_id=action_id, vendor=NAME, state=aggregate(list(states.values())),
        vendor_status=summary_word(data.values()),
        targets=targets_dict(total=len(data), failed=len(failed),
                             succeeded=sum(1 for s in states.values() if s == SUCCEEDED)),
        errors=[error_entry(e, failure_message(data[e], reasons.get(e))) for e in failed],
        raw=reply, extra={"endpoints": data})


def endpoint_state(word, completed_partial="failure"):
    """One endpoint's state: a word the table lacks is UNKNOWN, never a success."""
    word = canonical(word)
    if word == "COMPLETED_PARTIAL":
        # The option's choices are checked before any request; anything else fails safe.
        return COMPLETED_PARTIAL.get(completed_partial or "failure", PARTIAL)
    return enum(word, _STATE_TABLE, default=UNKNOWN)


def canonical(word):
    """The reference spelling of a status word: upper case, ``_`` for spaces and hyphens, aliases."""
    spelled = re.sub(r"[\s-]+", "_", str(word).strip().upper())
    return ALIASES.get(spelled, spelled)


def aggregate(states):
    """The action's state from its endpoints': going while any endpoint is, then unknown if any
    word was unknown, then cancelled if a person cancelled or aborted any endpoint (a cancel
    never succeeds), then the common state, else partial (some succeeded) or failed."""
    if any(s in GOING for s in states):
        return PENDING if all(s == PENDING for s in states) else RUNNING
    distinct = set(states)
    if UNKNOWN in distinct:
        return UNKNOWN
    if CANCELLED in distinct:
        return CANCELLED
    if len(distinct) == 1:
        return states[0]
    return PARTIAL if SUCCEEDED in distinct else FAILED


def summary_word(words):
    """XDR has no action-level status: the endpoints' one word, or counts when they differ."""
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    ranked = sorted(counts, key=lambda w: ORDER.index(canonical(w)) if canonical(w) in ORDER else len(ORDER))
    return ", ".join("%s=%d" % (w, counts[w]) for w in ranked)


def failure_message(word, reason):
    """``FAILED: <reason>``; the reason as XSOAR reads ``errorReasons`` (errorDescription, then
    the first missing file's description), else the errorText inside errorData."""
    found = reason_text(reason) if isinstance(reason, dict) else None
    return "%s: %s" % (word, found) if found else word


def reason_text(reason):
    """The text of one ``errorReasons`` entry, or None. Only strings are read: a number or an
    object where a description belongs gives no reason rather than its repr."""
    found = text(reason.get("errorDescription"))
    if found and found.strip():
        return found.strip()
    missing = reason.get("missing_files")
    if isinstance(missing, list) and missing and isinstance(missing[0], dict):
        found = text(missing[0].get("description"))
        if found and found.strip():
            return found.strip()
    try:
        data = json.loads(text(reason.get("errorData")) or "{}")
    except (TypeError, ValueError, RecursionError):
        return None
    found = text(data.get("errorText")) if isinstance(data, dict) else None
    return found.strip() or None if found else None
