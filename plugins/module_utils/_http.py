# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one HTTP client: a ``requests.Session`` with bounded transport retries and error mapping
(docs/dev/architecture.md).

Retries only transport trouble (connection errors, timeouts, 429, 502, 503, 504, and under a
wait 500 on a read) and only on idempotent calls, honouring ``Retry-After`` (seconds or an HTTP
date), capped, jittered, and never past the run's deadline. This is the one place a read is
retried (docs/dev/architecture.md, "Retries"): under a wait, a call retries until the deadline,
however many attempts that takes, so a short outage of the vendor is ridden out inside one poll;
without one, at most three attempts within request_timeout. 401 and 403 are never retried;
neither is a POST unless its caller says it is safe to repeat. Every message that leaves this
file has the run's secrets scrubbed out.

Time: with the run's ``Deadline`` (``deadline``, a wait), every connect (its name lookup too), body
read, page and retry ends at it (plus ``DEADLINE_GRACE`` for the poll that lands on it) with
``DeadlineExceeded``; without one, each call has ``request_timeout`` for its whole retry series
(``_deadline.Budget``).
What the client refuses (other origins, redirects out of them, answers over the size cap) is in
``_guard``; the wire under it (the session, the watchdog that ends trickled headers, one send)
in ``_transport``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import random
import threading
import time
from contextlib import contextmanager

try:
    from urllib.parse import urljoin
except ImportError:  # pragma: no cover
    from urlparse import urljoin  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the shells with missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.actiongate.agents.plugins.module_utils._answer import (
    MAX_DETAIL, ApiResponse, envelope_message, read_answer, retry_after_seconds, snippet, status_error,
)
from ansible_collections.actiongate.agents.plugins.module_utils._deadline import (
    DEADLINE_GRACE, NO_WAIT_ATTEMPTS, WAIT_RETRY_CAP, Budget, Deadline, number,
)
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, TransportError
from ansible_collections.actiongate.agents.plugins.module_utils._guard import (
    MAX_BODY_BYTES, MAX_REDIRECTS, REDIRECT_STATUSES, TLS_ADVICE, OriginRule, origin, public, reason, redirected,
    tls_problem,
)
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import registry
from ansible_collections.actiongate.agents.plugins.module_utils._transport import new_session, prepare, send_once

# What other modules import from here: the client, and (re-exported) the names they used before
# the client was split into _answer, _deadline, _guard and _transport.
__all__ = (
    "HAS_REQUESTS", "REQUESTS_IMPORT_ERROR", "ApiClient", "ApiResponse", "Deadline", "DEADLINE_GRACE",
    "MAX_BODY_BYTES", "MAX_DETAIL", "NO_WAIT_ATTEMPTS", "TLS_ADVICE", "envelope_message", "origin",
    "retry_after_seconds", "scrub", "snippet", "tls_problem",
)

RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Under a wait a read is retried on a 500 too: a vendor's passing server error (one id of fifty
# in a per-id poll) must not end a gate that has time left. Never a write: a 500 can mean it ran.
WAIT_READ_RETRY_STATUSES = RETRY_STATUSES | frozenset((500,))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
# What a read is: these methods, or a POST its vendor marks ``idempotent=True`` (it only reads or
# logs in: the Cortex XDR status POST, a form login, an Identity token request).
READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# The exponent of the backoff stops growing here (2 ** n of a week of attempts is no float).
MAX_BACKOFF_EXPONENT = 20
# Connections kept per host: enough for a bounded pool of workers (_pool.map_bounded) sharing
# the client, so none has to open and drop its own.
POOL_CONNECTIONS = 32


def scrub(text, secrets):
    """Replace every secret, in every encoding (``_secrets.encodings``), in ``text`` with a mask.
    ``secrets`` is a SecretRegistry or an iterable of values."""
    return registry(secrets).scrub(text)


class ApiClient:
    """HTTP for one vendor endpoint. ``deadline`` (the run's Deadline, or None) bounds every request."""

    def __init__(self, base_url, vendor_label, validate_certs=True, ca_path=None, client_cert=None,
                 client_key=None, timeout=30, secrets=(), auth_hint=None, max_attempts=6, retry_cap=60.0,
                 clock=time.monotonic, sleep=time.sleep, jitter=random.uniform, url_option="url",
                 max_body=MAX_BODY_BYTES, deadline=None):
        # ``clock`` times each attempt against request_timeout and the Retry-After hold; the run's
        # deadline keeps its own clock.
        self._clock, self._sleep, self._jitter = clock, sleep, jitter
        self.vendor_label = vendor_label
        # The run's one SecretRegistry (shared when the caller passes one in).
        self.secrets = registry(secrets)
        # The origins (scheme, host, port) that may receive this run's credentials: the URL the
        # user configured, plus any the vendor adds with allow_origin (rbac_url, identity_url,
        # the catalog endpoint Identity returned); each with the option that names it, for hints.
        self._rule = OriginRule(vendor_label, self.message)
        self.base_url = base_url.rstrip("/")
        self.allow_origin(self.base_url, url_option)
        self.timeout = float(timeout)
        self.auth_hint = auth_hint
        self.max_attempts = max_attempts
        self.retry_cap = retry_cap
        self.max_body = max_body
        self.deadline = deadline
        # Called as on_retry(text, seconds, attempts) before each retry's sleep: what failed (scrubbed),
        # how long this call has been failing, and how many attempts it made (progress lines).
        self.on_retry = None
        self.requests_made = 0
        # Concurrent GETs from a small thread pool share this client: the counter and the
        # Retry-After hold (one 429 slows every worker) change under this lock.
        self._lock = threading.Lock()
        self._hold_until = self._hold_owner = None
        self._local = threading.local()  # short_budget: per thread
        # One shared Session, not one per worker (_transport.new_session says why that is safe).
        self._session_lock = threading.Lock()
        self.session, self.verify = new_session(validate_certs, ca_path, client_cert, client_key, POOL_CONNECTIONS)

    @property
    def deadline(self):
        """The run's ``Deadline`` (a wait), or None (no wait: each call has request_timeout)."""
        return self._deadline

    @deadline.setter
    def deadline(self, value):
        """The run's Deadline (``ActionQuery`` hands it over through ``make_client(deadline=...)``) or None."""
        if value is not None and not isinstance(value, Deadline):
            raise TypeError("ApiClient.deadline is the run's Deadline or None, not %r" % (value,))
        self._deadline = value

    def time_left(self):
        """Seconds the run may still use the credentials it gets now: what is left of the deadline,
        or one call's request_timeout without one (the lifetime of a token a vendor asks for)."""
        deadline, timeout = self._limits()
        return timeout if deadline is None else deadline.remaining()

    @contextmanager
    def short_budget(self, seconds):
        """Calls made inside (in this thread) run outside the run's deadline, each with at most
        ``seconds`` (request_timeout if shorter) and no retries past it: the logout at the end of a
        run, which must be tried also after a wait that used up wait_timeout."""
        saved = getattr(self._local, "limits", None)
        self._local.limits = (None, min(self.timeout, float(seconds)))
        try:
            yield self
        finally:
            self._local.limits = saved

    def _limits(self):
        """``(deadline, request_timeout)`` for a call from this thread."""
        limits = getattr(self._local, "limits", None)
        return limits if limits is not None else (self._deadline, self.timeout)

    @property
    def origins(self):
        """The origins ``(scheme, host, port)`` that may receive this run's credentials."""
        return self._rule.origins

    def allow_origin(self, url, option="url"):
        """Let credentials go to ``url``'s origin too (another URL the user configured for this
        service, or the endpoint its identity service returned). ``option`` names it in hints."""
        self._rule.allow(url, option)

    def rebase(self, url, option="url"):
        """Point the client at another base URL (a catalog endpoint) and allow its origin."""
        self.base_url = url.rstrip("/")
        self.allow_origin(self.base_url, option)

    def check_origin(self, url, where):
        """Refuse, before anything is sent, a URL whose origin was not configured for the service."""
        self._rule.check(url, where)

    def set_header(self, name, value):
        """Set (or with None remove) a header of every later request; safe while workers send."""
        with self._session_lock:
            if value is None:
                self.session.headers.pop(name, None)
            else:
                self.session.headers[name] = value

    def add_secret(self, value):
        """Register a secret made during the run (session cookie, obtained token, hash, nonce)."""
        return self.secrets.add(value)

    def message(self, text):
        return self.secrets.scrub(text)

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def get_json(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers).body

    def post_json(self, path, body=None, headers=None, idempotent=False):
        return self.request("POST", path, json_body=body, headers=headers, idempotent=idempotent).body

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, idempotent=None,
                expect_json=True, allow_redirects=True):
        """One logical call, retried on transport trouble when it is safe to repeat: under a wait
        until the run's deadline (then ``DeadlineExceeded`` keeping the last trouble), without one
        at most NO_WAIT_ATTEMPTS times within request_timeout."""
        method = method.upper()
        reads = method in READ_METHODS or (method == "POST" and idempotent is True)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url(path)
        where = "%s %s %s" % (self.vendor_label, method, public(path))
        self.check_origin(url, where)
        deadline, timeout = self._limits()
        budget = Budget(where, timeout, self.max_attempts, deadline, self._clock, self.message)
        retry_on = (WAIT_READ_RETRY_STATUSES if budget.waiting and reads else RETRY_STATUSES) if idempotent else ()
        attempt = 0
        while True:
            attempt += 1
            if attempt == 1:  # a retry's own delay already covers the hold (_retry_delay)
                self._wait_for_hold(budget)
            budget.start_attempt()
            trouble, response = self._exchange(budget, method, url, params, json_body, data, headers, allow_redirects)
            if trouble is None and response.status_code in retry_on:
                trouble = ApiError("retryable HTTP %d" % response.status_code, response.status_code)
            if trouble is None or not idempotent:
                break
            budget.failed()
            delay = self._retry_delay(trouble, response, attempt, budget)
            if delay is None:
                break
            self._retrying(budget, attempt, trouble, response)
            with collector_running():
                self._sleep(delay)
            self._release_hold()
        if trouble is not None and idempotent and budget.waiting:  # still failing when the deadline came
            raise budget.gave_up(self._gave_up_text(budget, trouble, response, attempt))
        if trouble is not None and response is None:
            raise TransportError(self.message("%s (%s)." % (trouble.message.rstrip("."), budget.attempts(attempt))))
        return self._check(method, path, response, expect_json, attempts=attempt)

    def _retrying(self, budget, attempt, trouble, response):
        """Tell ``on_retry`` (the progress lines) what failed and for how long, before the next try."""
        if self.on_retry is None:
            return
        text = trouble.message if response is None else "%s answered HTTP %d" % (budget.where, response.status_code)
        self.on_retry(self.message(text.rstrip(".")), budget.troubled_for(), attempt)

    def _gave_up_text(self, budget, trouble, response, attempt):
        """The last trouble of a call the deadline ended while it retried, with its attempts."""
        if response is None:
            return "%s (%s)." % (trouble.message.rstrip("."), budget.attempts(attempt))
        error = status_error(budget.where, response, self.message, self.auth_hint)
        hinted = retry_after_seconds(response.headers.get("Retry-After"))
        asked = "; the server asked to wait %s s more (Retry-After)" % number(hinted) \
            if hinted is not None and hinted > budget.retry_left() else ""
        return "%s (%s%s)." % (str(error).rstrip("."), budget.attempts(attempt), asked)

    def _exchange(self, budget, method, url, params, json_body, data, headers, allow_redirects):
        """One attempt: the request, then its redirects within the allowed origins (requests never
        follows them: ``allow_redirects=False`` on every send). Cookies: the session jar matches
        on host only, not port or scheme, so it would hand a cookie to another port of the same
        host; it is never asked to, because no request leaves for an origin not allowed."""
        first = url
        for _hop in range(MAX_REDIRECTS + 1):
            trouble, response = self._send(budget, method, url, params, json_body, data, headers)
            location = response.headers.get("Location") if response is not None else None
            if trouble is not None or not allow_redirects or response.status_code not in REDIRECT_STATUSES \
                    or not location:
                return trouble, response
            target = urljoin(url, location.strip())
            self._rule.check_redirect(budget.where, first, url, target)
            method, json_body, data, headers = redirected(response.status_code, method, json_body, data, headers)
            url, params = target, None
        raise TransportError(self.message("%s was redirected more than %d times (last to %s)." % (
            budget.where, MAX_REDIRECTS, public(url))))

    def _send(self, budget, method, url, params, json_body, data, headers):
        """Returns ``(trouble, response)``: a TransportError or a response (body read) to look at."""
        with self._lock:
            self.requests_made += 1
        request = _request(method, url, params, json_body, data, headers)
        failure, response = send_once(self.session, self._session_lock, self.verify, budget, request, self.max_body)
        if failure is not None:
            return self._trouble(budget, failure), None
        return None, response

    def _prepare(self, method, url, params, json_body, data, headers):
        """``(prepared, settings)`` for a request, as ``_send`` prepares it (under the session lock)."""
        return prepare(self.session, self._session_lock, self.verify, _request(method, url, params, json_body, data, headers))

    def _trouble(self, budget, failure):
        """The TransportError for a failed attempt; raised at once for TLS trouble (no retry mends
        it), and DeadlineExceeded at once when the run's time is up."""
        if failure.tls is not None:
            problem = tls_problem(reason(failure.tls))
            raise TransportError(self.message("TLS %s failed for %s %s: %s. %s" % (
                problem, self.vendor_label, self.base_url, reason(failure.tls), TLS_ADVICE[problem])))
        if failure.timed_out and budget.waiting and budget.ends_call():
            raise budget.out_of_time(failure.doing)
        if failure.timed_out:
            return budget.timed_out(failure.doing)
        if budget.waiting and budget.call_left() <= 0:
            raise budget.out_of_time(failure.doing)
        return TransportError(self.message("Could not reach %s at %s: %s." % (
            self.vendor_label, self.base_url, reason(failure.exc))))

    def _retry_delay(self, trouble, response, attempt, budget):
        """Seconds to wait before the next attempt, or None to stop retrying.

        The server's Retry-After when it sends one (capped at ``retry_cap``, a little jitter),
        held for every worker sharing the client. Otherwise a jittered backoff: under a wait
        between half and all of 0.5 s x 2^n, at most ``WAIT_RETRY_CAP``, and the last attempt
        lands on the deadline; without one, full jitter up to 0.5 s x 2^n within request_timeout
        and at most NO_WAIT_ATTEMPTS attempts. Never a retry that would start past the deadline."""
        if trouble is None or (budget.max_attempts is not None and attempt >= budget.max_attempts):
            return None
        hinted = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        backoff = 0.5 * 2 ** min(attempt, MAX_BACKOFF_EXPONENT)
        if hinted is not None:
            delay = min(hinted, self.retry_cap) + self._jitter(0, min(1.0, hinted * 0.1 + 0.05))
            self._hold(delay)
        elif budget.waiting:
            ceiling = min(backoff, WAIT_RETRY_CAP, self.retry_cap)
            left, held = budget.retry_left(), self._hold_left()
            if left <= 0 or held > left:
                return None
            return min(max(self._jitter(ceiling / 2, ceiling), held), left)
        else:
            delay = max(self._jitter(0, min(self.retry_cap, backoff)), self._hold_left())
        return None if delay > budget.retry_left() else delay

    def _hold(self, delay):
        """The server asked to wait (Retry-After): no request of this client starts before then."""
        with self._lock:
            until = self._clock() + delay
            if self._hold_until is None or until > self._hold_until:
                self._hold_until, self._hold_owner = until, threading.current_thread()

    def _release_hold(self):
        """The thread that set the hold has slept it out: it is over (also with an injected sleep)."""
        with self._lock:
            if self._hold_owner is threading.current_thread():
                self._hold_until = self._hold_owner = None

    def _hold_left(self):
        with self._lock:
            until = self._hold_until
        return 0.0 if until is None else max(until - self._clock(), 0.0)

    def _wait_for_hold(self, budget):
        """Sleep out another worker's Retry-After before sending; past the call's time, give up."""
        wait = self._hold_left()
        if wait <= 0:
            return
        if wait > budget.retry_left():
            if budget.waiting:
                raise budget.out_of_time("waiting out the server's Retry-After before sending")
            raise TransportError(self.message("%s was not sent: the server asked to wait %s s more (Retry-After), past "
                                              "request_timeout=%s." % (budget.where, number(wait), number(budget.timeout))))
        self._sleep(wait)

    def _check(self, method, path, response, expect_json, attempts):
        where = "%s %s %s" % (self.vendor_label, method.upper(), public(path))
        gave_up = attempts if response.status_code in RETRY_STATUSES and attempts > 1 else None
        return read_answer(where, response, expect_json, self.message, self.auth_hint, gave_up)


@contextmanager
def collector_running():
    """The cyclic garbage collector on while a retry sleeps (``_query`` pauses it around a read,
    and under a wait a read may now retry through a long outage), then as it was."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


def _request(method, url, params, json_body, data, headers):
    return requests.Request(method=method, url=url, headers=headers, data=data or {}, json=json_body, params=params or {})
