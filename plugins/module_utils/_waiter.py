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
``DeadlineExceeded``: a slow read, a long page list, a retry, a login), the wait ends as a timeout
that carries the last statuses and says what the call was doing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionNotFound, DeadlineExceeded


class WaitOutcome:
    """The last statuses plus how the wait went. ``reason`` is done, stopped_early or timeout;
    ``interrupted`` is the message of the call the deadline cut short, if one was."""

    def __init__(self, statuses, polls, elapsed, history, reason, interrupted=None):
        self.statuses = statuses
        self.polls = polls
        self.elapsed = elapsed
        self.history = history
        self.reason = reason
        self.interrupted = interrupted


def wait(fetch, deadline=None, interval=5.0, max_interval=60.0, stop_early=None, not_found_grace=0.0,
         sleep=time.sleep, jitter=random.uniform, on_poll=None, timeout=None, clock=time.monotonic):
    """Poll ``fetch()`` (a list of ActionStatus) until all are terminal, failures exceed the
    allowance (``stop_early(statuses)``), or the ``deadline`` (the run's Deadline) passes. Without
    a Deadline, one of ``timeout`` seconds on ``clock`` is made here. Never raises on timeout: the
    outcome says why it ended and carries the last statuses."""
    if deadline is None:
        deadline = Deadline(timeout, clock)
    start = deadline.now()
    history, last_states, polls, delay = [], {}, 0, float(interval)
    statuses = missing = None
    while True:
        polls += 1
        try:
            statuses = fetch()
        except ActionNotFound as error:
            if deadline.now() - start >= not_found_grace or deadline.expired():
                raise
            missing = error
        except DeadlineExceeded as error:
            return WaitOutcome(statuses or [], polls, deadline.now() - start, history, "timeout", interrupted=str(error))
        else:
            _record(history, last_states, statuses, deadline.now() - start)
            if on_poll is not None:
                on_poll(statuses, polls, deadline.now() - start)
            reason = _finished(statuses, stop_early)
            if reason:
                return WaitOutcome(statuses, polls, deadline.now() - start, history, reason)
        remaining = deadline.remaining()
        if remaining <= 0:
            if statuses is None:  # only ever not-found: let the caller say which ids
                raise missing
            return WaitOutcome(statuses, polls, deadline.now() - start, history, "timeout")
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


def _record(history, last_states, statuses, elapsed):
    for status in statuses:
        key = (status.state, status.vendor_status, status.targets["succeeded"], status.targets["failed"])
        if last_states.get(status.action_id) != key:
            last_states[status.action_id] = key
            history.append({"action_id": status.action_id, "state": status.state,
                            "vendor_status": status.vendor_status, "targets": dict(status.targets),
                            "elapsed": round(elapsed, 3)})
