# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The normalised action status and the ``allowed_failures`` policy (docs/dev/architecture.md,
"Target accounting")."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Exact type checks (``type(x) is int``), not isinstance, on purpose: a JSON true must not pass as a
# count (bool is an int subclass), and they sit on the per-item fast path of a 10,000-item answer
# (tests/benchmarks/fleet_parse.py).
# pylint: disable=unidiomatic-typecheck

import re
from fractions import Fraction

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

    The status is kept as the very dict ``as_dict()`` copies (``data``), built once, and the
    attributes read it: a poll can normalise 10,000 actions (benchmarks/fleet_parse), and an
    object with its own fields, then a dict made of them, was one build too many per action.
    ``extra`` is the vendor's own keys, merged into that dict; they cannot replace a normalised key.
    """

    __slots__ = ("data",)

    def __init__(self, action_id, vendor, state, vendor_status, targets=None, errors=None,
                 started_at=None, finished_at=None, raw=None, extra=None):
        if state not in _STATE_SET:
            raise ValueError("unknown normalised state %r" % (state,))
        targets = _targets(targets)
        terminal = state in TERMINAL_STATES
        if terminal:
            settle(targets)
        # The status owns what it is given: vendors pass fresh lists and dicts, so no copies.
        self.data = data = {
            "action_id": action_id if type(action_id) is str else str(action_id),
            "vendor": vendor,
            "state": state,
            "terminal": terminal,
            "succeeded": state == SUCCEEDED,
            "vendor_status": vendor_status,
            "targets": targets,
            "errors": errors if type(errors) is list else list(errors or ()),
            "started_at": started_at,
            "finished_at": finished_at,
            "raw": raw if raw is not None else {},
        }
        if extra:
            if not BASE_KEYS.isdisjoint(extra):
                raise ValueError("extra keys %s would replace normalised ones" % sorted(BASE_KEYS.intersection(extra)))
            data.update(extra)

    @classmethod
    def counted(cls, action_id, vendor, state, vendor_status, total, succeeded, failed, errors, started_at,
                finished_at, raw, extra):
        """What the constructor makes, for a vendor that has checked its values already (a string
        id; whole, non-negative counts; a fresh errors list; raw not None; extra a fresh dict of its
        own keys): one dict built, the same accounting rule as ``settle``. For the hot path of a
        poll (10,000 Fleet actions, benchmarks/fleet_parse); a test holds it to the constructor."""
        if state in TERMINAL_STATES:
            left = total - succeeded
            targets = {"total": total, "succeeded": succeeded, "failed": failed if failed >= left else left, "pending": 0}
            terminal = True
        elif state in _STATE_SET:
            left = total - succeeded - failed
            targets = {"total": total, "succeeded": succeeded, "failed": failed, "pending": left if left > 0 else 0}
            terminal = False
        else:
            raise ValueError("unknown normalised state %r" % (state,))
        status = _new(cls)
        status.data = data = {
            "action_id": action_id, "vendor": vendor, "state": state, "terminal": terminal, "succeeded": state == SUCCEEDED,
            "vendor_status": vendor_status, "targets": targets, "errors": errors, "started_at": started_at,
            "finished_at": finished_at, "raw": raw}
        data.update(extra)
        if len(data) != _BASE_COUNT + len(extra):  # cheaper than a set test first, and as sure
            raise ValueError("extra keys %s would replace normalised ones" % sorted(BASE_KEYS.intersection(extra)))
        return status

    action_id = property(lambda self: self.data["action_id"])
    vendor = property(lambda self: self.data["vendor"])
    state = property(lambda self: self.data["state"])
    terminal = property(lambda self: self.data["terminal"])
    vendor_status = property(lambda self: self.data["vendor_status"])
    targets = property(lambda self: self.data["targets"])
    errors = property(lambda self: self.data["errors"])
    started_at = property(lambda self: self.data["started_at"])
    finished_at = property(lambda self: self.data["finished_at"])
    raw = property(lambda self: self.data["raw"])

    @property
    def succeeded(self):
        return self.data["succeeded"]

    @succeeded.setter
    def succeeded(self, value):
        self.data["succeeded"] = value

    @property
    def extra(self):
        """The vendor's own keys, as a new dict (read-only: change the status through its vendor)."""
        return dict((k, v) for k, v in self.data.items() if k not in BASE_KEYS)

    def as_dict(self):
        """A new dict each time (a caller may drop ``raw`` from it); the values are shared."""
        return self.data.copy()

    def summary(self):
        """One line for messages: ``a1: running (IN_PROGRESS), 12/40 succeeded, 1 failed, 27 pending``."""
        targets = self.data["targets"]
        return "%s: %s (%s), %d/%d succeeded, %d failed, %d pending" % (
            self.action_id, self.state, self.vendor_status, targets["succeeded"], targets["total"],
            targets["failed"], targets["pending"])


BASE_KEYS = frozenset(("action_id", "vendor", "state", "terminal", "succeeded", "vendor_status", "targets", "errors",
                       "started_at", "finished_at", "raw"))
_BASE_COUNT = len(BASE_KEYS)
_new = object.__new__


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

    # ASCII digits only: str.isdigit() and \d also take other scripts' digits, and int() refuses some
    # of those ("\u00b2"), which would be a Python error instead of this ConfigError.
    _PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")
    _COUNT = re.compile(r"^[0-9]+$")

    def __init__(self, allowed):
        self.text = "0" if allowed in (None, "") else str(allowed).strip()
        match = self._PERCENT.match(self.text)
        if match:
            self.percent, self.count = float(match.group(1)), None
            # The percentage as an exact fraction: limit() is integer arithmetic, so a vendor's huge
            # total (10**400 sensors) cannot overflow a float, and 7% of 100 is 7, never 6.99...
            exact = Fraction(match.group(1))
            self._numerator, self._denominator = exact.numerator, exact.denominator * 100
        elif self._COUNT.match(self.text):
            self.percent, self.count = None, int(self.text)
        else:
            raise ConfigError("allowed_failures must be a whole number of targets (such as 3) or a "
                              "percentage (such as '5%%'), not %r" % (allowed,))
        if self.percent is not None and self.percent > 100:
            raise ConfigError("allowed_failures cannot exceed 100%%, got %r" % (allowed,))

    def limit(self, total):
        if self.count is not None:
            return self.count
        return (total * self._numerator) // self._denominator

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
        data = status.data
        state = data["state"]
        if state not in TERMINAL_STATES or state == CANCELLED:
            data["succeeded"] = False
        else:
            targets = data["targets"]
            failed = targets["failed"]
            within = failed <= (self.count if self.count is not None else self.limit(targets["total"]))
            data["succeeded"] = within if state == SUCCEEDED else (within and failed > 0 and targets["succeeded"] > 0)
        return status
