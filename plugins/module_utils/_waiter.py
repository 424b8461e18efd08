# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one polling loop (docs/dev/architecture.md, "The deadline"). Pure: the deadline's clock and
the sleep are injected, no I/O of its own.

The run's one ``Deadline`` bounds the wait; delays start at ``interval`` and grow to
``max_interval`` with jitter; the last poll lands at the deadline, not after it. Stops early when
``stop_early`` says failures already exceed what is allowed. Not-yet-visible actions are tolerated
for ``not_found_grace`` seconds. When the same deadline runs out inside a poll (the client's
``DeadlineExceeded``: a slow read, a long page list, a retry through an outage, a login), the
wait ends as a timeout that carries the last statuses and says what the call was doing.

A failed poll is not retried here: the client retries a read until the deadline
(docs/dev/architecture.md, "Retries"), so an error that reaches the waiter ends the wait. It
leaves with what the wait knew: the waiter hangs a ``WaitOutcome`` (reason ``error``: the last
statuses, polls, elapsed, history) on the error as ``error.outcome``.

``history`` is bounded (``History``): per action the first change and the last ones, with the
count of every change (``history_total``) and of those left out (``history_dropped``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
from collections import deque

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionGateError, ActionNotFound, DeadlineExceeded,
)

# The history keeps, per action, its first change and its last ones: HISTORY_PER_ACTION entries
# in all. Many actions share HISTORY_MAX entries (each keeps at least its first and its last):
# 100 actions changing on every one of 120 polls made 12,000 entries, 2.1 MB of result copied
# into facts, set_stats and every AWX job event.
HISTORY_PER_ACTION = 10
HISTORY_MAX = 500


class History:
    """Each change of an action's state or counts while waiting, with the seconds since the wait
    began, kept within bounds: per action the first change and the last ``keep() - 1`` ones.
    ``total`` counts every change seen; ``entries()`` are the kept ones in the order they came."""

    def __init__(self, per_action=HISTORY_PER_ACTION, most=HISTORY_MAX):
        self.per_action, self.most = max(int(per_action), 2), int(most)
        self.total = 0
        self._last = {}    # action id -> (state, vendor status, succeeded, failed) of its last change
        self._first = {}   # action id -> (sequence, entry): its first change
        self._recent = {}  # action id -> deque of (sequence, entry): its later changes, newest last

    def record(self, statuses, elapsed):
        for status in statuses:
            key = (status.state, status.vendor_status, status.targets["succeeded"], status.targets["failed"])
            if self._last.get(status.action_id) == key:
                continue
            self._last[status.action_id] = key
            self.total += 1
            entry = (self.total, {"action_id": status.action_id, "state": status.state,
                                  "vendor_status": status.vendor_status, "targets": dict(status.targets),
                                  "elapsed": round(elapsed, 3)})
            if status.action_id not in self._first:
                self._first[status.action_id] = entry
            else:
                later = self._recent.get(status.action_id)
                if later is None:
                    later = self._recent[status.action_id] = deque(maxlen=self.per_action - 1)
                later.append(entry)

    def keep(self):
        """Entries each action keeps, its first included: HISTORY_PER_ACTION, fewer when many
        actions share HISTORY_MAX, never fewer than 2 (the first and the last)."""
        actions = len(self._first)
        return max(2, min(self.per_action, self.most // actions)) if actions else self.per_action

    def entries(self):
        """The kept changes, oldest first."""
        later = self.keep() - 1
        kept = []
        for action_id, first in self._first.items():
            kept.append(first)
            recent = self._recent.get(action_id) or ()
            kept.extend(list(recent)[-later:])
        kept.sort(key=lambda pair: pair[0])
        return [entry for _sequence, entry in kept]

    def dropped(self):
        """Changes seen but not kept."""
        later = self.keep() - 1
        return self.total - sum(1 + min(len(self._recent.get(i) or ()), later) for i in self._first)


class WaitOutcome:
    """The last statuses plus how the wait went. ``reason`` is done, stopped_early, timeout, or
    error (an error ended the wait: it carries this outcome as ``error.outcome``);
    ``interrupted`` is the message of the call the deadline or the error cut short, if one was.
    ``history`` is the kept changes (a list, or a ``History``), ``history_total`` the number of
    changes seen and ``history_dropped`` those left out."""

    def __init__(self, statuses, polls, elapsed, history, reason, interrupted=None):
        self.statuses = statuses
        self.polls = polls
        self.elapsed = elapsed
        self.reason = reason
        self.interrupted = interrupted
        if isinstance(history, History):
            self.history, self.history_total, self.history_dropped = history.entries(), history.total, history.dropped()
        else:
            self.history, self.history_total, self.history_dropped = list(history), len(history), 0


def wait(fetch, deadline=None, interval=5.0, max_interval=60.0, stop_early=None, not_found_grace=0.0,
         sleep=time.sleep, jitter=random.uniform, on_poll=None, timeout=None, clock=time.monotonic):
    """Poll ``fetch()`` (a list of ActionStatus) until all are terminal, failures exceed the
    allowance (``stop_early(statuses)``), or the ``deadline`` (the run's Deadline) passes. Without
    a Deadline, one of ``timeout`` seconds on ``clock`` is made here. Never raises on timeout: the
    outcome says why it ended and carries the last statuses. Any other error of the collection
    (``ActionGateError``) ends the wait and is raised with ``error.outcome`` set."""
    if deadline is None:
        deadline = Deadline(timeout, clock)
    start = deadline.now()
    history, polls, delay = History(), 0, float(interval)
    statuses = missing = None

    def outcome(reason, interrupted=None):
        return WaitOutcome(statuses or [], polls, deadline.now() - start, history, reason, interrupted)

    while True:
        polls += 1
        try:
            statuses = fetch()
        except ActionNotFound as error:
            if deadline.now() - start >= not_found_grace or deadline.expired():
                error.outcome = outcome("error", str(error))
                raise
            missing = error
        except DeadlineExceeded as error:
            return outcome("timeout", str(error))
        except ActionGateError as error:
            error.outcome = outcome("error", str(error))
            raise
        else:
            history.record(statuses, deadline.now() - start)
            if on_poll is not None:
                on_poll(statuses, polls, deadline.now() - start)
            reason = _finished(statuses, stop_early)
            if reason:
                return outcome(reason)
        remaining = deadline.remaining()
        if remaining <= 0:
            if statuses is None:  # only ever not-found: let the caller say which ids
                missing.outcome = outcome("error", str(missing))
                raise missing
            return outcome("timeout")
        sleep(_next_sleep(delay, remaining, interval, jitter))
        delay = min(delay * 1.5, float(max_interval))


def _finished(statuses, stop_early):
    if all(s.terminal for s in statuses):
        return "done"
    if stop_early is not None and stop_early(statuses):
        return "stopped_early"
    return None


def _next_sleep(delay, remaining, interval, jitter):
    """Jitter within the top fifth of the delay; snap to the deadline when close to it."""
    step = delay - jitter(0, delay * 0.2) if delay > interval else delay
    if remaining - step < min(interval, remaining) * 0.5:
        return remaining  # the last poll lands at the deadline
    return min(step, remaining)
