# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The normalised action status (DESIGN §3) and the ``allowed_failures`` policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError

PENDING, RUNNING, SUCCEEDED, PARTIAL = "pending", "running", "succeeded", "partial"
FAILED, CANCELLED, EXPIRED, UNKNOWN = "failed", "cancelled", "expired", "unknown"
STATES = (PENDING, RUNNING, SUCCEEDED, PARTIAL, FAILED, CANCELLED, EXPIRED, UNKNOWN)
TERMINAL_STATES = frozenset((SUCCEEDED, PARTIAL, FAILED, CANCELLED, EXPIRED))
_STATE_SET = frozenset(STATES)


class ActionStatus:
    """One action, whatever the vendor. ``as_dict()`` is what modules and lookups return.

    Targets follow the one accounting rule (``settle``): once the state is terminal, every
    target that did not succeed counts as failed, so nothing is left pending. ``succeeded`` is
    decided by ``FailurePolicy.apply`` once ``allowed_failures`` is known.
    """

    __slots__ = ("action_id", "vendor", "state", "vendor_status", "targets", "errors", "started_at",
                 "finished_at", "raw", "extra", "succeeded")

    def __init__(self, action_id, vendor, state, vendor_status, targets=None, errors=None,
                 started_at=None, finished_at=None, raw=None, extra=None):
        if state not in _STATE_SET:
            raise ValueError("unknown normalised state %r" % (state,))
        self.action_id = action_id if type(action_id) is str else str(action_id)
        self.vendor = vendor
        self.state = state
        self.vendor_status = vendor_status
        self.targets = _targets(targets)
        if state in TERMINAL_STATES:
            settle(self.targets)
        # The status owns what it is given: vendors pass fresh lists and dicts, so no copies
        # (10,000 items a poll, benchmarks/fleet_parse).
        self.errors = errors if type(errors) is list else list(errors or ())
        self.started_at = started_at
        self.finished_at = finished_at
        self.raw = raw if raw is not None else {}
        self.extra = extra or {}
        self.succeeded = state == SUCCEEDED

    @property
    def terminal(self):
        return self.state in TERMINAL_STATES

    def as_dict(self):
        result = {
            "action_id": self.action_id,
            "vendor": self.vendor,
            "state": self.state,
            "terminal": self.state in TERMINAL_STATES,
            "succeeded": self.succeeded,
            "vendor_status": self.vendor_status,
            "targets": self.targets,
            "errors": self.errors,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "raw": self.raw,
        }
        if self.extra:
            result.update(self.extra)
        return result

    def summary(self):
        """One line for messages: ``a1: running (IN_PROGRESS), 12/40 succeeded, 1 failed, 27 pending``."""
        targets = self.targets
        return "%s: %s (%s), %d/%d succeeded, %d failed, %d pending" % (
            self.action_id, self.state, self.vendor_status, targets["succeeded"], targets["total"],
            targets["failed"], targets["pending"])


def targets_dict(total=0, succeeded=0, failed=0, pending=None):
    """Target counts; ``pending`` defaults to whatever is neither succeeded nor failed."""
    total, succeeded, failed = int(total or 0), int(succeeded or 0), int(failed or 0)
    if pending is None:
        pending = max(total - succeeded - failed, 0)
    return {"total": total, "succeeded": succeeded, "failed": failed, "pending": int(pending)}


def _targets(given):
    """``targets_dict`` of what a vendor passed, without the keyword round trip when it passed
    whole numbers (10,000 items a poll, benchmarks/fleet_parse)."""
    if not given:
        return targets_dict()
    total, succeeded, failed = given.get("total"), given.get("succeeded"), given.get("failed")
    if type(total) is int and type(succeeded) is int and type(failed) is int and len(given) == 3:
        # The status owns what it is given (vendors pass a fresh dict): completed in place.
        pending = total - succeeded - failed
        given["pending"] = pending if pending > 0 else 0
        return given
    return targets_dict(**given)


def settle(targets):
    """The one target-accounting rule, for every vendor (docs/docsite/rst/waiting.rst): once an
    action is terminal, a target that did not succeed will not (expired, timed out, aborted by a
    timeout, never acknowledged, or left out of the vendor's counters), so it counts as failed
    and none stays pending. ``total`` is kept as the vendor reported it."""
    targets["failed"] = max(targets["failed"], targets["total"] - targets["succeeded"], 0)
    targets["pending"] = 0
    return targets


def error_entry(target, message, time=None):
    return {"target": None if target is None else str(target), "message": message, "time": time}


class FailurePolicy:
    """``allowed_failures``: a count of failed targets (``3``) or a percentage (``"5%"``)."""

    _PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")

    def __init__(self, allowed):
        self.text = "0" if allowed in (None, "") else str(allowed).strip()
        match = self._PERCENT.match(self.text)
        if match:
            self.percent, self.count = float(match.group(1)), None
        elif self.text.isdigit():
            self.percent, self.count = None, int(self.text)
        else:
            raise ConfigError("allowed_failures must be a whole number of targets (such as 3) or a "
                              "percentage (such as '5%%'), not %r" % (allowed,))
        if self.percent is not None and self.percent > 100:
            raise ConfigError("allowed_failures cannot exceed 100%%, got %r" % (allowed,))

    def limit(self, total):
        if self.count is not None:
            return self.count
        return int(total * self.percent / 100.0)

    def exceeded(self, status):
        """True once failed targets are more than allowed (the wait can stop early)."""
        return status.targets["failed"] > self.limit(status.targets["total"])

    def apply(self, status):
        """Decide ``succeeded`` the same way for every vendor. Only a terminal status can succeed;
        its targets are already settled (every target that did not succeed failed).

        - succeeded: when the failed targets are within the allowance;
        - partial, failed, expired: when at least one target succeeded, at least one failed target
          is counted, and the failed ones are within the allowance (an expired action with 99 of
          100 agents done and ``allowed_failures=1`` passes; its ``state`` still says
          ``expired``). A vendor word saying something went wrong with no failed target counted
          means the counts cannot be trusted, so it never passes (fail safe);
        - cancelled (a cancel a person asked for): never.
        """
        targets, state = status.targets, status.state
        if state not in TERMINAL_STATES or state == CANCELLED:
            status.succeeded = False
        else:
            failed = targets["failed"]
            within = failed <= (self.count if self.count is not None else self.limit(targets["total"]))
            status.succeeded = within if state == SUCCEEDED else (within and failed > 0 and targets["succeeded"] > 0)
        return status
