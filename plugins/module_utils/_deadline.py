# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The run's one deadline, and the time one HTTP call may take (docs/dev/architecture.md, "The deadline").

``Deadline`` is a value: ``ActionQuery`` makes it once per run (from ``wait_timeout`` when the run
waits) on the run's monotonic clock, and hands it down: to the waiter (``_waiter.wait``), to the
client (``ApiClient.deadline``: every request, page, retry and login), and to the pool
(``_pool.read_each``). Whoever needs the time asks the Deadline (``remaining()``, ``expired()``);
nobody reads another object's clock. Without a wait there is no Deadline: each call of the client
then has ``request_timeout`` for its whole retry series (``Budget``).

``Budget`` is the time of one call of the client under that deadline (or without one): under a
wait, a call that meets an outage retries until the deadline, however many attempts that takes;
without one, at most ``NO_WAIT_ATTEMPTS`` attempts within request_timeout.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.actiongate.agents.plugins.module_utils._errors import DeadlineExceeded, TransportError

# A request may still run this long past the deadline: the waiter's last poll lands on the
# deadline itself and must be able to finish. The pool starts no item past it either.
DEADLINE_GRACE = 0.5
# Without a wait, a call tries at most this many times (connection refused fails in seconds).
NO_WAIT_ATTEMPTS = 3
# Under a wait, the longest backoff between two attempts of one call when the server sends no
# Retry-After: an outage is retried until the deadline, and a vendor that is back is seen within
# this many seconds.
WAIT_RETRY_CAP = 10.0
MIN_SOCKET_TIMEOUT = 0.05


def number(value):
    """``value`` as the user wrote it: ``1800``, ``12.5``."""
    return ("%.3f" % value).rstrip("0").rstrip(".")


class Deadline:
    """A moment on a monotonic ``clock``, ``seconds`` after the Deadline is made. ``label`` names the
    option it came from, for messages (``str(deadline)`` is ``wait_timeout=1800``)."""

    def __init__(self, seconds, clock=time.monotonic, label="wait_timeout"):
        self._now = clock
        self.seconds = max(float(seconds), 0.0)
        self.started = clock()
        self.at = self.started + self.seconds
        self.label = label

    def now(self):
        """The time on this deadline's clock (to measure an elapsed time against it)."""
        return self._now()

    def remaining(self, grace=0.0):
        """Seconds left until the deadline (plus ``grace``), never below 0."""
        return max(self.at + grace - self._now(), 0.0)

    def expired(self, grace=0.0):
        """Whether the deadline (plus ``grace``) has passed."""
        return self._now() >= self.at + grace

    def elapsed(self):
        """Seconds since the deadline was made."""
        return self._now() - self.started

    def __str__(self):
        return "%s=%s" % (self.label, number(self.seconds))

    def __repr__(self):
        return "Deadline(%s, %.3f s left)" % (self, self.remaining())


class OutOfTime(Exception):
    """Internal to the client: the attempt's time ran out while ``doing`` (it becomes a user error)."""

    def __init__(self, doing):
        super(OutOfTime, self).__init__(doing)
        self.doing = doing


class Budget:
    """The time one call of the client may take. Under the run's ``deadline`` (a wait): until the
    deadline plus ``DEADLINE_GRACE`` for requests, until the deadline itself for starting a retry,
    and as many attempts as fit (``max_attempts`` is None: an outage is ridden out, not counted).
    Without one: ``timeout`` (request_timeout) for the whole retry series and at most
    ``NO_WAIT_ATTEMPTS`` attempts (fewer when ``max_attempts`` says so). Each attempt also ends
    ``timeout`` after it starts, timed on ``clock`` (the client's); the deadline keeps its own
    clock. ``message`` scrubs the text of the errors it makes (the client's ``message``)."""

    def __init__(self, where, timeout, max_attempts, deadline=None, clock=time.monotonic, message=None):
        self.where, self.timeout, self.deadline, self.clock = where, float(timeout), deadline, clock
        self.message = message or (lambda text: text)
        self.started = self._attempt_started = clock()
        self.max_attempts = None if deadline is not None else min(max_attempts, NO_WAIT_ATTEMPTS)
        # When the first attempt that failed started (None while none has): how long the vendor
        # has been unreachable for this call.
        self.troubled_since = None
        self._attempt_seconds = max(self.call_left(), 0.0)
        self._cut_by_call = True

    @property
    def waiting(self):
        return self.deadline is not None

    def call_left(self):
        """Seconds this call may still send and read: to the deadline plus its grace, or what is
        left of request_timeout without one (0 or below once it has passed)."""
        if self.deadline is not None:
            return self.deadline.remaining(DEADLINE_GRACE)
        return self.started + self.timeout - self.clock()

    def retry_left(self):
        """Seconds left in which another attempt (or a Retry-After wait) may still start."""
        if self.deadline is not None:
            return self.deadline.remaining()
        return self.started + self.timeout - self.clock()

    def start_attempt(self):
        """Refuse to start once the call's time is up; else time this attempt."""
        left = self.call_left()
        if left <= 0:
            raise self.out_of_time("before sending")
        self._attempt_started = self.clock()
        self._attempt_seconds = min(self.timeout, left)
        self._cut_by_call = self.timeout >= left

    def failed(self):
        """The attempt just made failed (a retryable answer or transport trouble)."""
        if self.troubled_since is None:
            self.troubled_since = self._attempt_started

    def troubled_for(self):
        """Seconds since the first failed attempt of this call started (0 before any)."""
        return 0.0 if self.troubled_since is None else max(self.clock() - self.troubled_since, 0.0)

    def left(self):
        """Seconds left in this attempt."""
        return self._attempt_started + self._attempt_seconds - self.clock()

    def socket_timeout(self):
        """Seconds for one connect or one socket read: never past the attempt's end."""
        return max(self.left(), MIN_SOCKET_TIMEOUT)

    def check(self, doing):
        if self.left() <= 0:
            raise OutOfTime(doing)

    def ends_call(self):
        """Whether the attempt that just ran out of time was cut by the call's end (the deadline
        or the no-wait budget), not only by its own request_timeout."""
        return self._cut_by_call or self.call_left() <= 0

    def out_of_time(self, doing):
        """The error for a call whose time is up: DeadlineExceeded under a wait."""
        if self.waiting:
            return DeadlineExceeded(self.message("Ran out of time (%s) %s %s." % (
                self.deadline, doing if doing.startswith("before") else "while " + doing, self.where)))
        return self.timed_out(doing)

    def timed_out(self, doing=None):
        """The error for an attempt that request_timeout ended (``doing`` says when, if not waiting
        for the answer: ``resolving the host name of``)."""
        if doing and doing.startswith("resolving"):
            return TransportError(self.message("Could not resolve the host name of %s within %s seconds (request_timeout)." % (
                self.where, number(self.timeout))))
        return TransportError(self.message("%s did not answer within %s seconds (request_timeout)." % (
            self.where, number(self.timeout))))

    def gave_up(self, error_text):
        """DeadlineExceeded for a call that was still retrying when the deadline came: the last
        trouble (``error_text``, its attempts counted) is kept in the message."""
        return DeadlineExceeded(self.message("Ran out of time (%s) while retrying: %s" % (self.deadline, error_text)))

    def attempts(self, count):
        """``3 attempts in 2.1 s``: for the message of a call that gave up."""
        return "%d attempt%s in %.1f s" % (count, "" if count == 1 else "s", self.clock() - self.started)
