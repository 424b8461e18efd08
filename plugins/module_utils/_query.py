# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Read or wait on actions and judge the outcome: the part the module and lookup shells share.

``options`` is anything with ``get(name)`` (module params, or the lookup's option reader).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import time
from contextlib import contextmanager

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline, number
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionFailed,
    ActionGateError,
    ActionTimeout,
    ConfigError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._options import summarise
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._waiter import wait

MAX_ERRORS_IN_MESSAGE = 3


class ActionQuery:
    """One module or lookup run against one vendor: one secret registry, one client, one login,
    one deadline. ``secrets`` is the run's SecretRegistry (made from the options when None); the
    client registers what it obtains during the run (tokens, cookies) in the same one.

    ``deadline`` is the run's one Deadline: ``wait_timeout`` seconds on ``clock`` when the run waits,
    None otherwise (each request then has request_timeout). It is made here, once, and handed down:
    to the client (``make_client(deadline=...)``: every request, page, retry and login), through
    it to the pool, and to the waiter.

    ``on_poll(statuses, polls, elapsed)`` is called after each poll of a wait, and
    ``on_trouble(text, seconds, attempts)`` before each retry of a call that meets an outage
    during a wait (the client's ``on_retry``): the progress lines of the action plugins and lookups."""

    def __init__(self, vendor_cls, options, check_mode=False, clock=time.monotonic, sleep=time.sleep,
                 on_poll=None, secrets=None, on_trouble=None):
        self.secrets = vendor_cls.secret_registry(options) if secrets is None else secrets
        self.options = options
        self.check_mode = check_mode
        self.sleep, self.on_poll = sleep, on_poll
        self.warnings = []
        self.vendor = None
        self.require_ids(vendor_cls)
        vendor_cls.check_options(options)  # every option checked before the deadline starts
        self.deadline = Deadline(float(options.get("wait_timeout")), clock) if self.waiting else None
        client = vendor_cls.make_client(options, secrets=self.secrets, deadline=self.deadline)
        if self.waiting and on_trouble is not None:
            client.on_retry = on_trouble
        self.vendor = vendor_cls(options, client=client)
        self.policy = FailurePolicy(options.get("allowed_failures"))

    @property
    def waiting(self):
        return bool(self.options.get("wait")) and not self.check_mode

    def action_ids(self):
        return [str(i).strip() for i in self.options.get("action_ids") or [] if str(i).strip()]

    def require_ids(self, vendor_cls):
        """``wait=true`` with no ids would judge whatever recent actions the vendor lists."""
        if self.options.get("wait") and not self.action_ids():
            noun = vendor_cls.NOUN
            raise ConfigError(
                "wait=true needs at least one %s id (action_ids, or the lookup's terms, is empty or blank): "
                "without ids the gate would judge unrelated recent %ss. Give the ids to wait for, or set "
                "wait=false to list recent %ss." % (noun, noun, noun))

    def run(self, action_ids=None):
        """The module result. Raises ActionFailed or ActionTimeout (carrying the result); an error
        that ends a wait carries what the wait knew too (``error.result``: the last statuses,
        ``polls``, ``elapsed`` and ``history``)."""
        ids = self.action_ids() if action_ids is None else action_ids
        if not ids or not self.waiting:
            with collector_paused():
                return self.result(self.read(ids))
        try:
            outcome = self.wait_for(ids)
        except ActionGateError as error:
            if error.outcome is not None and error.result is None:
                with collector_paused():
                    error.result = self.result(error.outcome.statuses, error.outcome)
            raise
        with collector_paused():
            result = self.result(outcome.statuses, outcome)
        self.judge(outcome, result)
        return result

    def read(self, ids):
        """One poll: the actions asked for (every recent one when ``ids`` is empty), policy applied."""
        with collector_paused():
            if not ids:
                return [self.policy.apply(s) for s in self.vendor.list_actions()]
            return self.vendor.statuses(ids, self.policy)

    def wait_for(self, ids):
        return wait(
            lambda: self.read(ids),
            deadline=self.deadline,
            interval=float(self.options.get("wait_interval")),
            max_interval=max(float(self.options.get("wait_max_interval")), float(self.options.get("wait_interval"))),
            stop_early=lambda statuses: any(self.policy.exceeded(s) for s in statuses),
            not_found_grace=float(self.options.get("wait_not_found_timeout") or 0),
            sleep=self.sleep, on_poll=self.on_poll)

    def action_dict(self, status):
        """One action as returned; without ``raw`` when ``include_raw`` is false."""
        action = status.as_dict()
        if self.options.get("include_raw") is False:
            action.pop("raw", None)
        return action

    def result(self, statuses, outcome=None):
        result = {
            "actions": [self.action_dict(s) for s in statuses],
            # A wait the deadline cut before any answer is not terminal (all() of nothing says it is).
            "terminal": all(s.terminal for s in statuses) and (bool(statuses) or outcome is None),
            "succeeded": bool(statuses) and all(s.succeeded for s in statuses),
        }
        result.update(self.vendor.result_extras())
        if outcome is not None:
            result.update(polls=outcome.polls, elapsed=round(outcome.elapsed, 3), history=outcome.history,
                          history_total=outcome.history_total, history_dropped=outcome.history_dropped)
        return result

    def judge(self, outcome, result):
        """Turn an unhappy wait into ActionTimeout or ActionFailed, with every action's last state."""
        states = "; ".join(s.summary() for s in outcome.statuses[:20]) or "nothing read yet"
        if outcome.reason == "timeout":
            # The run's figures: the whole seconds since the deadline started (login and the first
            # read included, as wait_timeout counts them; the grace of the last poll not rounded
            # up into a second that did not pass), and wait_timeout written as the deadline writes
            # it in the cut call's message (8, 12.5).
            doing = " The deadline passed during this call: %s" % outcome.interrupted if outcome.interrupted else ""
            elapsed = self.deadline.elapsed() if self.deadline is not None else outcome.elapsed
            raise ActionTimeout("Timed out after %ds waiting for %s (wait_timeout=%s). Last state: %s.%s" % (
                int(elapsed + 1e-6), self.noun(outcome.statuses, self.action_ids()),
                number(float(self.options.get("wait_timeout"))), states, doing), result)
        if result["succeeded"] or not self.options.get("fail_on_failure", True):
            return
        bad = [s for s in outcome.statuses if not s.succeeded]
        if outcome.reason == "stopped_early":
            why = "failures exceed allowed_failures=%s, stopped waiting early" % self.policy.text
        else:
            why = "finished unsuccessfully (allowed_failures=%s)" % self.policy.text
        raise ActionFailed("%s %s: %s.%s" % (
            self.noun(bad), why, "; ".join(s.summary() for s in bad[:20]), _errors_text(bad)), result)

    def noun(self, statuses, fallback=()):
        ids = [s.action_id for s in statuses] or list(fallback)
        return "%s %s%s %s" % (self.vendor.LABEL, self.vendor.NOUN, "s" if len(ids) != 1 else "",
                               summarise(ids, render=str))

    def close(self):
        """End the vendor session (once, success or failure); trouble becomes a warning."""
        vendor, self.vendor = self.vendor, None
        if vendor is None:
            return
        try:
            vendor.close()
        except ActionGateError as error:
            self.warnings.append("Could not end the %s session: %s" % (vendor.LABEL, error))
        except Exception as error:  # never let logout turn a result into a crash
            self.warnings.append("Could not end the %s session (unexpected %s: %s); please report this." % (
                vendor.LABEL, type(error).__name__, error))


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while one answer is decoded and normalised.

    A 10,000-item answer builds some 100,000 acyclic dicts and lists, and each few hundred
    allocations would start a collection that walks them again: 10 to 20% of the time in the
    worst case (``tests/benchmarks/fleet_parse``). Never held across a sleep between polls;
    restores the collector as it found it, even on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _errors_text(statuses):
    errors = [e for s in statuses for e in s.errors][:MAX_ERRORS_IN_MESSAGE]
    if not errors:
        return ""
    return " Errors: " + "; ".join("%s: %s" % (e.get("target"), e.get("message")) for e in errors)
