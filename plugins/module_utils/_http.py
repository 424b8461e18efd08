# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one HTTP client: a ``requests.Session`` with bounded transport retries and error mapping.

Retries only transport trouble (connection errors, timeouts, 429, 502, 503, 504) and only on
idempotent calls, honouring ``Retry-After`` (seconds or an HTTP date), capped, jittered, and
never past the caller's deadline. 401 and 403 are never retried. Every message that leaves
this file has the client's secrets scrubbed out.

The origin rule: a request goes only to an origin (scheme, host, port) the user configured for
the service (``allow_origin``, ``rebase``); redirects are followed here, not by requests, and
only within those origins and never from https down to http.

One deadline: with ``deadline`` set (the wait), every connect, every body read (streamed, with a
wall-clock check between reads), every page and every retry ends at the deadline (plus
``DEADLINE_GRACE`` for the poll that lands on it) with ``DeadlineExceeded``. Without one, each
call has ``request_timeout`` for its whole retry series and at most ``NO_WAIT_ATTEMPTS``
attempts. Answers are capped at ``MAX_BODY_BYTES``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import random
import socket
import threading
import time

try:
    from urllib.parse import urljoin, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urljoin, urlsplit  # type: ignore

try:
    import requests
    import urllib3
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the shells with missing_required_lib
    requests = urllib3 = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    DeadlineExceeded,
    OriginRefused,
    TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import registry

RETRY_STATUSES = frozenset((429, 502, 503, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
# Answers larger than this end the call with a clear error (issue 10 item 4).
MAX_BODY_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Without a wait, a call tries at most this many times (connection refused fails in seconds).
NO_WAIT_ATTEMPTS = 3
# A request may still run this long past the deadline: the waiter's last poll lands on the
# deadline itself and must be able to finish.
DEADLINE_GRACE = 0.5
MIN_SOCKET_TIMEOUT = 0.05
MAX_DETAIL = 1000
# Connections kept per host: enough for a bounded pool of workers (_pool.map_bounded) sharing
# the client, so none has to open and drop its own.
POOL_CONNECTIONS = 32
# The watchdog (below) fires this long after an attempt's end: socket timeouts normally end it
# first; the watchdog ends what they cannot, a status line and headers trickled a byte at a time.
WATCHDOG_SLACK = 0.1

# thread ident -> the urllib3 connection that thread's request is using, for its watchdog.
_ACTIVE = {}


def _watched(pool_class):
    """``pool_class`` recording, per thread, the connection each request takes from the pool."""

    class WatchedPool(pool_class):
        def _get_conn(self, timeout=None):
            conn = super(WatchedPool, self)._get_conn(timeout)
            _ACTIVE[threading.current_thread().ident] = conn
            return conn

    WatchedPool.__name__ = "Watched" + pool_class.__name__
    return WatchedPool


if HAS_REQUESTS:
    _WATCHED_POOLS = {"http": _watched(urllib3.HTTPConnectionPool), "https": _watched(urllib3.HTTPSConnectionPool)}

    class _Adapter(requests.adapters.HTTPAdapter):
        """requests' adapter with watched connection pools (direct and through an HTTP proxy)."""

        def init_poolmanager(self, *args, **kwargs):
            super(_Adapter, self).init_poolmanager(*args, **kwargs)
            _watch(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            return _watch(super(_Adapter, self).proxy_manager_for(proxy, **proxy_kwargs))

    class _SafeJar(requests.cookies.RequestsCookieJar):
        """The session's cookie jar, iterated over a snapshot taken under its own lock: the jar
        locks its writes, but not its iteration, which ``merge_cookies`` does for every request."""

        def __iter__(self):
            with self._cookies_lock:
                return iter(list(super(_SafeJar, self).__iter__()))


def _watch(manager):
    # Only urllib3's own pool classes are swapped (a SOCKS manager keeps its own: no watchdog).
    if getattr(manager, "pool_classes_by_scheme", None) == urllib3.poolmanager.pool_classes_by_scheme:
        manager.pool_classes_by_scheme = _WATCHED_POOLS
    return manager


class _Watchdog:
    """Shuts the socket of this thread's request down once the attempt's time is up. A socket
    timeout bounds one read, not a server that sends its status line and headers a byte a second;
    this ends that too (the body has its own wall-clock check in ``_read_body``)."""

    def __init__(self, seconds):
        self.ident = threading.current_thread().ident
        self.fired = False
        self.timer = threading.Timer(max(seconds, 0.0) + WATCHDOG_SLACK, self._fire)
        self.timer.daemon = True

    def __enter__(self):
        _ACTIVE.pop(self.ident, None)
        self.timer.start()
        return self

    def __exit__(self, *exc_info):
        self.timer.cancel()
        _ACTIVE.pop(self.ident, None)
        return False

    def _fire(self):
        sock = getattr(_ACTIVE.get(self.ident), "sock", None)
        if sock is None:
            return
        self.fired = True
        try:
            # socket.socket's own shutdown, also for an SSLSocket: it wakes the blocked read
            # without tearing the TLS object out from under it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except (OSError, TypeError, ValueError):
            pass


def scrub(text, secrets):
    """Replace every secret, in every encoding (``_secrets.encodings``), in ``text`` with a mask.
    ``secrets`` is a SecretRegistry or an iterable of values."""
    return registry(secrets).scrub(text)


def snippet(text, size=200):
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[:size] + "..."


def envelope_message(body):
    """One readable message from any vendor's error envelope (DESIGN §2), or None.

    Kibana (Boom): {"statusCode", "error", "message"}; Cortex XDR: {"reply": {"err_code",
    "err_msg", "err_extra"}}; Puppet: {"kind", "msg", "details"}; Rackspace: {"message", "errors"}.
    """
    if not isinstance(body, dict):
        return None
    reply = body.get("reply")
    if isinstance(reply, dict) and ("err_msg" in reply or "err_code" in reply):
        parts = [str(reply.get("err_msg") or "error %s" % reply.get("err_code"))]
        if reply.get("err_extra"):
            parts.append(_flat(reply["err_extra"]))
        return ": ".join(parts)
    if "kind" in body and "msg" in body:
        return "%s: %s" % (body["msg"], body["kind"])
    if "message" in body:
        message = _flat(body["message"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            message += " (" + "; ".join(_flat(e) for e in errors) + ")"
        return message
    return None


def _flat(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def retry_after_seconds(value, now=None):
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


class ApiResponse:
    """What a call returns: status, headers (case-insensitive), parsed ``body`` and raw ``text``."""

    def __init__(self, status, headers, body, text, url):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = text
        self.url = url


class _OutOfTime(Exception):
    """Internal: the attempt's time ran out while ``doing`` (turned into a user error by _send)."""

    def __init__(self, doing):
        super(_OutOfTime, self).__init__(doing)
        self.doing = doing


class Budget:
    """The time one call may take. With the run's ``deadline`` (a wait): until the deadline plus
    ``DEADLINE_GRACE`` for requests, until the deadline for starting a retry. Without one:
    ``request_timeout`` for the whole retry series and at most ``NO_WAIT_ATTEMPTS`` attempts.
    Each attempt also ends ``request_timeout`` after it starts."""

    def __init__(self, client, where):
        self.client, self.where = client, where
        self.clock = client._clock
        now = self.started = self.clock()
        if client.deadline is not None:
            self.end = client.deadline + DEADLINE_GRACE
            self.retry_end = client.deadline
            self.max_attempts = client.max_attempts
        else:
            self.end = self.retry_end = now + client.timeout
            self.max_attempts = min(client.max_attempts, NO_WAIT_ATTEMPTS)
        self.attempt_end = self.end

    @property
    def waiting(self):
        return self.client.deadline is not None

    def start_attempt(self):
        """Refuse to start once the call's time is up; else this attempt's end."""
        now = self.clock()
        if now >= self.end:
            raise self.out_of_time("before sending")
        self.attempt_end = min(now + self.client.timeout, self.end)

    def left(self):
        return self.attempt_end - self.clock()

    def socket_timeout(self):
        """Seconds for one connect or one socket read: never past the attempt's end."""
        return max(self.left(), MIN_SOCKET_TIMEOUT)

    def check(self, doing):
        if self.left() <= 0:
            raise _OutOfTime(doing)

    def ends_call(self):
        """Whether the attempt that just ran out of time was cut by the call's end (the deadline
        or the no-wait budget), not only by its own request_timeout."""
        return self.attempt_end >= self.end or self.clock() >= self.end

    def out_of_time(self, doing):
        """The error for a call whose time is up: DeadlineExceeded under a wait."""
        client = self.client
        if self.waiting:
            return DeadlineExceeded(client.message("Ran out of time (%s) %s %s." % (
                client.deadline_label, _doing(doing), self.where)))
        return TransportError(client.message("%s did not answer within %s seconds (request_timeout)." % (
            self.where, _number(client.timeout))))


def _doing(doing):
    return doing if doing.startswith("before") else "while " + doing


def _number(value):
    return ("%.3f" % value).rstrip("0").rstrip(".")


class ApiClient:
    """HTTP for one vendor endpoint. ``deadline`` (monotonic seconds) bounds every request."""

    def __init__(self, base_url, vendor_label, validate_certs=True, ca_path=None, client_cert=None,
                 client_key=None, timeout=30, secrets=(), auth_hint=None, max_attempts=6, retry_cap=60.0,
                 clock=time.monotonic, sleep=time.sleep, jitter=random.uniform, url_option="url",
                 max_body=MAX_BODY_BYTES):
        self._clock, self._sleep, self._jitter = clock, sleep, jitter
        self.base_url = base_url.rstrip("/")
        # The origins (scheme, host, port) that may receive this run's credentials: the URL the
        # user configured, plus any the vendor adds with allow_origin (rbac_url, identity_url,
        # the catalog endpoint Identity returned); each with the option that names it, for hints.
        self.origins = set()
        self._origin_options = {}
        self.allow_origin(self.base_url, url_option)
        self.vendor_label = vendor_label
        self.timeout = float(timeout)
        # The run's one SecretRegistry (shared when the caller passes one in).
        self.secrets = registry(secrets)
        self.auth_hint = auth_hint
        self.max_attempts = max_attempts
        self.retry_cap = retry_cap
        self.max_body = max_body
        self.deadline = None
        self.requests_made = 0
        # Concurrent GETs from a small thread pool share this client: the counter and the
        # Retry-After hold (one 429 slows every worker) change under this lock.
        self._lock = threading.Lock()
        self._hold_until = self._hold_owner = None
        # One shared Session, not one per worker: requests does not promise a Session is
        # thread-safe (psf/requests#2766), but what it shares is: urllib3's pools lock themselves
        # and the cookie jar's writes take its lock. What is not: preparing a request iterates the
        # session's headers and cookie jar (merge_setting, merge_cookies) and calls its auth (the
        # Cortex XDR advanced-key nonce), so that is done under ``_session_lock`` (``_prepare``),
        # header changes mid-run (a token renewed by one worker) take it too (``set_header``), and
        # the jar iterates a snapshot taken under its own lock (``_SafeJar``: Python 3.11's
        # cookiejar copies each level as it goes, older ones read it lazily). Sessions per worker
        # would still have to share the jar and the renewed token, so this is the smaller change.
        self._session_lock = threading.Lock()
        self.session = requests.Session()
        self.session.cookies = _SafeJar()
        for prefix in ("https://", "http://"):
            self.session.mount(prefix, _Adapter(pool_maxsize=POOL_CONNECTIONS))
        # Passed on every request too: requests lets REQUESTS_CA_BUNDLE override session.verify.
        self.verify = (ca_path or True) if validate_certs else False
        self.session.verify = self.verify
        if client_cert:
            self.session.cert = (client_cert, client_key) if client_key else client_cert
        if not validate_certs:
            _silence_insecure_warning()

    @property
    def deadline(self):
        """Monotonic time at which the run's wait ends, or None (no wait: per-call budgets)."""
        return self._deadline

    @deadline.setter
    def deadline(self, value):
        self._deadline = value
        self._deadline_total = None if value is None else max(value - self._clock(), 0.0)

    @property
    def deadline_label(self):
        return "wait_timeout=%s" % _number(self._deadline_total or 0)

    def set_deadline(self, seconds):
        """Start the run's one deadline ``seconds`` from now (``wait_timeout``)."""
        self.deadline = self._clock() + float(seconds)

    def allow_origin(self, url, option="url"):
        """Let credentials go to ``url``'s origin too (another URL the user configured for this
        service, or the endpoint its identity service returned). ``option`` names it in hints."""
        key = origin(url)
        self.origins.add(key)
        self._origin_options.setdefault(key, option)

    def rebase(self, url, option="url"):
        """Point the client at another base URL (a catalog endpoint) and allow its origin."""
        self.base_url = url.rstrip("/")
        self.allow_origin(self.base_url, option)

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

    def get_json(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers).body

    def post_json(self, path, body=None, headers=None, idempotent=False):
        return self.request("POST", path, json_body=body, headers=headers, idempotent=idempotent).body

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, idempotent=None,
                expect_json=True, allow_redirects=True):
        """One logical call, retried on transport trouble when it is safe to repeat."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url(path)
        where = "%s %s %s" % (self.vendor_label, method, _public(path))
        self.check_origin(url, where)
        budget = Budget(self, where)
        attempt = 0
        while True:
            attempt += 1
            if attempt == 1:  # a retry's own delay already covers the hold (_retry_delay)
                self._wait_for_hold(budget)
            budget.start_attempt()
            trouble, response = self._exchange(budget, method, url, params, json_body, data, headers, allow_redirects)
            delay = self._retry_delay(trouble, response, attempt, budget) if idempotent else None
            if delay is None:
                break
            self._sleep(delay)
            self._release_hold()
        if trouble is not None and response is None:
            raise TransportError(self.message("%s (%s)." % (trouble.message.rstrip("."), _attempts(attempt, budget))))
        return self._check(method, path, response, expect_json, attempts=attempt)

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def message(self, text):
        return self.secrets.scrub(text)

    def check_origin(self, url, where):
        """Refuse, before anything is sent, a URL whose origin was not configured for the service."""
        if origin(url) not in self.origins:
            raise OriginRefused(self.message(
                "%s was not sent: %s is not an origin configured for %s (%s). Credentials go only to the "
                "URLs you configured." % (where, _public(url, path=False), self.vendor_label,
                                          ", ".join(sorted(_origin_text(o) for o in self.origins)))))

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
            self._check_redirect(budget.where, first, url, target)
            method, json_body, data, headers = _redirected(response.status_code, method, json_body, data, headers)
            url, params = target, None
        raise TransportError(self.message("%s was redirected more than %d times (last to %s)." % (
            budget.where, MAX_REDIRECTS, _public(url))))

    def _check_redirect(self, where, first, current, target):
        option = self._origin_options.get(origin(first), "url")
        shown = _public(target)
        if origin(current)[0] == "https" and origin(target)[0] != "https":
            raise OriginRefused(self.message(
                "%s was redirected from https to plain http (%s); credentials are never sent there. Set %s to it "
                "if you trust it." % (where, shown, option)))
        if origin(target) not in self.origins:
            raise OriginRefused(self.message("%s was redirected to %s; set %s to it if you trust it." % (
                where, shown, option)))

    def _send(self, budget, method, url, params, json_body, data, headers):
        """Returns ``(trouble, response)``: a TransportError or a response (body read) to look at."""
        with self._lock:
            self.requests_made += 1
        with _Watchdog(budget.left()) as watchdog:
            trouble, response = self._send_once(budget, watchdog, method, url, params, json_body, data, headers)
        if trouble is not None:
            return trouble, None
        if response.status_code in RETRY_STATUSES:
            return ApiError("retryable HTTP %d" % response.status_code, response.status_code), response
        return None, response

    def _send_once(self, budget, watchdog, method, url, params, json_body, data, headers):
        """The request and its whole body, under the watchdog: ``(trouble, response)``."""
        try:
            prepared, settings = self._prepare(method, url, params, json_body, data, headers)
            timeout = budget.socket_timeout()
            response = self.session.send(prepared, timeout=(timeout, timeout), allow_redirects=False, **settings)
        except requests.exceptions.SSLError as exc:
            if watchdog.fired:
                return self._trouble(budget, True, "waiting for the answer of", exc), None
            reason = _reason(exc)
            problem = tls_problem(reason)
            raise TransportError(self.message("TLS %s failed for %s %s: %s. %s" % (
                problem, self.vendor_label, self.base_url, reason, TLS_ADVICE[problem])))
        except requests.exceptions.RequestException as exc:
            timed_out = watchdog.fired or isinstance(exc, requests.exceptions.Timeout)
            doing = "connecting to" if isinstance(exc, requests.exceptions.ConnectTimeout) else "waiting for the answer of"
            return self._trouble(budget, timed_out, doing, exc), None
        if watchdog.fired:  # headers cut short by the watchdog: not an answer to read
            response.close()
            return self._trouble(budget, True, "waiting for the answer of", None), None
        try:
            self._read_body(budget, response)
        except _OutOfTime as exc:
            response.close()
            return self._trouble(budget, True, exc.doing, None), None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            response.close()
            timed_out = watchdog.fired or isinstance(exc, (socket.timeout, urllib3.exceptions.TimeoutError))
            return self._trouble(budget, timed_out, "reading the answer of", exc), None
        return None, response

    def _prepare(self, method, url, params, json_body, data, headers):
        """What ``Session.request`` does before it sends, under the session lock (see __init__)."""
        with self._session_lock:
            prepared = self.session.prepare_request(requests.Request(
                method=method, url=url, headers=headers, data=data or {}, json=json_body, params=params or {}))
            settings = self.session.merge_environment_settings(prepared.url, {}, True, self.verify, None)
        return prepared, settings

    def _trouble(self, budget, timed_out, doing, exc):
        """The TransportError for a failed attempt; DeadlineExceeded at once when the run's time is up."""
        if timed_out and budget.waiting and budget.ends_call():
            raise budget.out_of_time(doing)
        if timed_out:
            return TransportError(self.message("%s did not answer within %s seconds (request_timeout)." % (
                budget.where, _number(self.timeout))))
        if budget.waiting and budget.clock() >= budget.end:
            raise budget.out_of_time(doing)
        return TransportError(self.message("Could not reach %s at %s: %s." % (
            self.vendor_label, self.base_url, _reason(exc))))

    def _read_body(self, budget, response):
        """Read the whole answer in chunks with a wall-clock check between reads, so a body that
        trickles a byte a second still ends at the attempt's end; cap it at ``max_body``."""
        length = response.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > self.max_body:
            raise ApiError(self._too_big(budget, response), response.status_code)
        raw, chunks, size = response.raw, [], 0
        read = getattr(raw, "read1", None) or raw.read
        while True:
            budget.check("reading the answer of")
            _set_socket_timeout(raw, budget.socket_timeout())
            chunk = read(CHUNK_BYTES, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_body:
                response.close()
                raise ApiError(self._too_big(budget, response), response.status_code)
            chunks.append(chunk)
        # What requests.Response.content would hold had it read the body itself.
        response._content = b"".join(chunks)
        response._content_consumed = True
        response.close()

    def _too_big(self, budget, response):
        return self.message("%s answered with more than %d MiB (HTTP %d); narrow the query (fewer ids, a smaller "
                            "page size) or check that url points at the API." % (
                                budget.where, self.max_body // (1024 * 1024), response.status_code))

    def _retry_delay(self, trouble, response, attempt, budget):
        """Seconds to wait before the next attempt, or None to stop retrying."""
        if trouble is None or attempt >= budget.max_attempts:
            return None
        hinted = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if hinted is not None:
            delay = min(hinted, self.retry_cap) + self._jitter(0, min(1.0, hinted * 0.1 + 0.05))
            self._hold(delay)
        else:
            delay = max(self._jitter(0, min(self.retry_cap, 0.5 * 2 ** attempt)), self._hold_left())
        if self._clock() + delay > budget.retry_end:
            return None
        return delay

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
        if self._clock() + wait > budget.retry_end:
            if budget.waiting:
                raise budget.out_of_time("waiting out the server's Retry-After before sending")
            raise TransportError(self.message("%s was not sent: the server asked to wait %s s more (Retry-After), past "
                                              "request_timeout=%s." % (budget.where, _number(wait), _number(self.timeout))))
        self._sleep(wait)

    def _check(self, method, path, response, expect_json, attempts):
        status = response.status_code
        where = "%s %s %s" % (self.vendor_label, method.upper(), _public(path))
        text = response.text
        if status >= 400:
            self._raise_for_status(where, response, attempts)
        if not expect_json:
            return ApiResponse(status, response.headers, None, text, response.url)
        if not text.strip():
            return ApiResponse(status, response.headers, None, text, response.url)
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            kind = response.headers.get("Content-Type", "no content type")
            raise ApiError(self.message("%s returned %s where JSON was expected (HTTP %d): %s" % (
                where, kind.split(";")[0], status, snippet(text))), status, text)
        return ApiResponse(status, response.headers, body, text, response.url)

    def _raise_for_status(self, where, response, attempts):
        status = response.status_code
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        # An envelope can list thousands of errors: the message keeps the first MAX_DETAIL characters.
        detail = snippet(envelope_message(body) or "", MAX_DETAIL) or snippet(response.text) or response.reason
        message = "%s failed: HTTP %d %s" % (where, status, detail)
        if status in RETRY_STATUSES and attempts > 1:
            message += " (gave up after %d attempts)" % attempts
        if status in (401, 403):
            hint = self.auth_hint(status, body) if callable(self.auth_hint) else None
            raise AuthError(self.message(message + (". " + hint if hint else "")), status, body)
        raise ApiError(self.message(message), status, body,
                       retry_after=retry_after_seconds(response.headers.get("Retry-After")))


def _attempts(attempts, budget):
    return "%d attempt%s in %.1f s" % (attempts, "" if attempts == 1 else "s", budget.clock() - budget.started)


def _redirected(status, method, json_body, data, headers):
    """Method and body for the next hop, as browsers and requests do it (RFC 9110 §15.4): 303
    becomes GET, and so do 301 and 302 after a POST; 307 and 308 keep method and body."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        kept = dict((k, v) for k, v in (headers or {}).items()
                    if k.lower() not in ("content-type", "content-length", "transfer-encoding"))
        return "GET", None, None, kept
    return method, json_body, data, headers


def _public(url, path=True):
    """A URL fit for a message: no user info, no query, no fragment (``path=False``: origin only)."""
    if not (url.startswith("http://") or url.startswith("https://")):
        return url.split("?", 1)[0].split("#", 1)[0]
    parts = urlsplit(_as_sent(url))
    host = parts.hostname or ""
    if ":" in host:
        host = "[%s]" % host
    port = ":%d" % parts.port if _port(parts) else ""
    return "%s://%s%s%s" % (parts.scheme.lower(), host, port, parts.path if path else "")


def _port(parts):
    try:
        return parts.port
    except ValueError:
        return None


def _origin_text(key):
    scheme, host, port = key
    return "%s://%s:%s" % (scheme, host, port)


def _set_socket_timeout(raw, seconds):
    """Bound the next socket read by the time left (best effort: urllib3 keeps the socket on
    its connection; http.client's reader on ``_fp``)."""
    connection = getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.settimeout(seconds)
        except OSError:
            pass


def _as_sent(url):
    """``url`` as requests sends it. Its parser, not urlsplit, decides which host gets the request:
    for ``https://other:8443\\@host/`` (a Location a server sends) urlsplit reads ``host``, while
    requests connects to ``other:8443`` and sends ``/%5C@host/``. Unchanged if requests refuses it."""
    if requests is None:  # pragma: no cover - the shells refuse to run without requests
        return url
    prepared = requests.models.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except (requests.exceptions.RequestException, ValueError):  # InvalidURL: a bad port or host
        return url
    return prepared.url


def origin(url):
    """``(scheme, host, port)`` of a URL as requests will send it, the port made explicit (RFC 6454)."""
    parts = urlsplit(_as_sent(url))
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # not a port: an origin nothing configured can match
        port = "invalid"
    return scheme, (parts.hostname or "").lower(), port


TLS_ADVICE = {
    "verification": "Set ca_path to the CA that signed the server certificate (or validate_certs=false, not "
                    "recommended).",
    "client certificate": "The server refused the client certificate (or got none): set client_cert and "
                          "client_key to one it trusts.",
    # Under TLS 1.3 a server's "certificate required" alert can reach the client as a bare EOF.
    "handshake": "If the server requires a client certificate, set client_cert and client_key; otherwise check "
                 "its TLS settings and ca_path.",
}


def tls_problem(reason):
    """Which TLS problem OpenSSL's reason describes: a key of TLS_ADVICE."""
    text = reason.upper()
    if "CERTIFICATE_REQUIRED" in text or "BAD_CERTIFICATE" in text or "UNKNOWN_CA" in text:
        return "client certificate"
    if "VERIFY_FAILED" in text or "HOSTNAME" in text:
        return "verification"
    return "handshake"


def _reason(exc):
    """The innermost reason of a requests exception, without its URL noise."""
    reason = exc
    while getattr(reason, "args", None) and isinstance(reason.args[0], Exception):
        reason = reason.args[0]
    inner = getattr(reason, "reason", None)
    return str(inner or reason)


def _silence_insecure_warning():
    try:
        from urllib3.exceptions import InsecureRequestWarning
        import warnings
        warnings.simplefilter("ignore", InsecureRequestWarning)
    except ImportError:  # pragma: no cover
        pass
