# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Progress lines for waits that run on the controller (action plugins and lookups).

They go through Display, so they appear in the play output that AWX streams, in order with the
task events, even from a worker process.

Two kinds: each action's state and counts (``on_poll``, and from inside the waiter's sleeps), and,
while the vendor does not answer, a notice that it is unreachable and since when (``on_trouble``,
the client's ``on_retry``: a read is retried until the deadline, docs/dev/architecture.md
"Retries"), then one line when it answers again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

from ansible.utils.display import Display

display = Display()
# A progress line names at most this many actions.
MAX_ACTIONS = 20


class Progress:
    """Prints each action's state and counts at the first poll and then at least every
    ``interval`` seconds: on a poll when one is due, else from inside the wait's sleep. While the
    vendor is unreachable, a notice at the first retry and then at most every ``interval``
    seconds. Every line goes through ``scrub`` (the run's SecretRegistry.scrub) before it is
    printed."""

    def __init__(self, label, interval, say=display.display, clock=time.monotonic, sleep=time.sleep, scrub=None):
        self.label, self.interval = label, float(interval or 0)
        self.say, self.clock, self._sleep = say, clock, sleep
        self.scrub = scrub or (lambda text: text)
        self.start = clock()
        self.printed = None
        self.statuses, self.polls = None, 0
        # Retries come from the pool's worker threads too.
        self._lock = threading.Lock()
        self.unreachable_since = None  # on self.clock: when the failing calls began (None: answering)
        self.noticed = None  # when the last unreachable notice was printed

    def on_trouble(self, text, seconds, attempts):
        """A call of the wait is about to be retried (``ApiClient.on_retry``): ``text`` says what
        failed, ``seconds`` how long the call has been failing, ``attempts`` how many it made."""
        if self.interval <= 0:
            return
        now = self.clock()
        with self._lock:
            began = now - max(float(seconds), 0.0)
            if self.unreachable_since is None or began < self.unreachable_since:
                self.unreachable_since = began
            if self.noticed is not None and now - self.noticed < self.interval:
                return
            self.noticed, began = now, self.unreachable_since
        self.say(self.scrub("%s: unreachable since %ds into the wait (for %ds, %d attempt%s of this call), "
                            "retrying until the deadline: %s" % (
                                self.label, int(max(began - self.start, 0)), int(now - began), attempts,
                                "" if attempts == 1 else "s", text)))

    def on_poll(self, statuses, polls, elapsed):
        with self._lock:
            began, noticed = self.unreachable_since, self.noticed
            self.unreachable_since = self.noticed = None
        if noticed is not None:
            self.say(self.scrub("%s: answering again after %ds unreachable" % (self.label, int(self.clock() - began))))
        self.statuses, self.polls = statuses, polls
        if self.interval > 0 and (self.printed is None or self.clock() - self.printed >= self.interval):
            self.report()

    def sleep(self, seconds):
        """The waiter's sleep, cut where a progress line falls due."""
        end = self.clock() + seconds
        while True:
            remaining = end - self.clock()
            if remaining <= 0:
                return
            due = None if self.printed is None or self.interval <= 0 else self.printed + self.interval - self.clock()
            if due is None or due >= remaining:
                self._sleep(remaining)
                return
            self._sleep(max(due, 0.0))
            self.report()

    def report(self):
        self.printed = self.clock()
        self.say(self.scrub("%s: waiting %ds, %d poll%s: %s" % (
            self.label, int(self.printed - self.start), self.polls, "" if self.polls == 1 else "s",
            "; ".join(s.summary() for s in self.statuses[:MAX_ACTIONS]) + _more(self.statuses))))


def _more(statuses):
    return " ... and %d more" % (len(statuses) - MAX_ACTIONS) if len(statuses) > MAX_ACTIONS else ""
