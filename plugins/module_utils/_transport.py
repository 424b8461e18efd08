# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The wire under the client (docs/dev/architecture.md, "The deadline"): the requests Session,
and one send of one request with its whole answer, within the attempt's time.

A socket timeout bounds one read, not a server that sends its status line and headers a byte a
second. ``Watchdog`` ends that too: the connection pools of the session's ``Adapter`` record which
connection each thread's request took, and the watchdog shuts that socket down once the
attempt's time is up. The body has its own wall-clock check between reads, each read bounded
by a socket timeout (``_guard.read_body``). ``SafeJar`` is the session's cookie jar, safe
to iterate while pool workers share the session.

The name lookup is bounded too: ``getaddrinfo`` does not take a timeout, and a stalled resolver
would hold a run far past its deadline before the first socket exists (nothing for the watchdog
to shut). The session's connections (``resolving``) look the host up in a worker thread
(``resolve``) and wait for it at most the attempt's connect timeout (what is left of the
attempt); a lookup still running when another connection needs the same name is shared, not
started again.

``send_once`` says what went wrong as a ``Failure``; the client turns it into words (and into a
retry, or not).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading

try:
    import requests
    import urllib3
except ImportError:  # pragma: no cover - reported by the shells with missing_required_lib
    requests = urllib3 = None

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import OutOfTime
from ansible_collections.actiongate.agents.plugins.module_utils._guard import read_body, silence_insecure_warning

# The watchdog fires this long after an attempt's end: socket timeouts normally end it first; the
# watchdog ends what they cannot, a status line and headers trickled a byte at a time.
WATCHDOG_SLACK = 0.1

# thread ident -> the urllib3 connection that thread's request is using, for its watchdog.
_ACTIVE = {}

# (host, port, family) -> the Lookup running for it; each removes itself when it ends.
_LOOKUPS = {}
_LOOKUPS_LOCK = threading.Lock()


class ResolveTimeout(Exception):
    """The name lookup did not end within the time the attempt had left."""


class Lookup:
    """One ``getaddrinfo`` in a daemon thread: a stalled resolver holds that thread, not the run."""

    def __init__(self, key):
        self.key = key
        self.done = threading.Event()
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, name="actiongate-resolve")
        self.thread.daemon = True

    def _run(self):
        host, port, family = self.key
        try:
            self.result = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except Exception as exc:  # handed to every waiter (gaierror, UnicodeError, ...)
            self.error = exc
        finally:
            with _LOOKUPS_LOCK:
                if _LOOKUPS.get(self.key) is self:
                    del _LOOKUPS[self.key]
            self.done.set()


def numeric(host):
    """Whether ``host`` is an IPv4 or IPv6 address (no lookup needed)."""
    for family in (socket.AF_INET, getattr(socket, "AF_INET6", None)):
        if family is None:
            continue
        try:
            socket.inet_pton(family, host)
            return True
        except (OSError, ValueError, TypeError):
            continue
    return False


def resolve(host, port, family=socket.AF_UNSPEC, seconds=None):
    """``socket.getaddrinfo(host, port, family, SOCK_STREAM)``, waited for at most ``seconds`` (None:
    no bound): raises ``ResolveTimeout`` when the resolver has not answered by then (its thread
    goes on, and a later call for the same name waits for that same lookup)."""
    if numeric(host):
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    key = (host, port, family)
    with _LOOKUPS_LOCK:
        lookup = _LOOKUPS.get(key)
        if lookup is None:
            lookup = _LOOKUPS[key] = Lookup(key)
            lookup.thread.start()
    if not lookup.done.wait(None if seconds is None else max(float(seconds), 0.0)):
        raise ResolveTimeout(host)
    if lookup.error is not None:
        error = lookup.error
        raise type(error)(*error.args) if isinstance(error, socket.gaierror) else error
    return lookup.result


def _seconds(timeout):
    """A connection's ``timeout`` as seconds, or None (urllib3's default-timeout sentinel, or none)."""
    return float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None


def _resolving(connection_class):
    """``connection_class`` (urllib3's) whose connect looks its host up with ``resolve``, within the
    connect timeout (the attempt's time left), then connects to each address in turn as urllib3
    would. TLS still checks the host name, and the request still names it: only the address the
    socket connects to changes."""

    class ResolvingConnection(connection_class):
        def _new_conn(self):
            host = self._dns_host
            try:
                found = resolve(host, self.port, allowed_gai_family(), _seconds(self.timeout))
            except ResolveTimeout:
                raise ResolveTimeoutError(self, "Resolving %s took longer than %s s (connect timeout)" % (
                    host, self.timeout))
            except socket.gaierror as exc:
                raise _name_error(self, host, exc)
            addresses = []
            for info in found:
                if info[4][0] not in addresses:
                    addresses.append(info[4][0])
            error = urllib3.exceptions.NewConnectionError(self, "Failed to establish a new connection: no address for %s" % host)
            for address in addresses:
                self._dns_host = address
                try:
                    return super(ResolvingConnection, self)._new_conn()
                except urllib3.exceptions.NewConnectionError as exc:  # refused: the next address
                    error = exc
                finally:
                    self._dns_host = host
            raise error

    ResolvingConnection.__name__ = "Resolving" + connection_class.__name__
    return ResolvingConnection


def _name_error(conn, host, exc):
    """urllib3's error for a failed lookup (NameResolutionError in urllib3 2, a NewConnectionError before)."""
    name_resolution_error = getattr(urllib3.exceptions, "NameResolutionError", None)
    if name_resolution_error is not None:
        return name_resolution_error(host, conn, exc)
    return urllib3.exceptions.NewConnectionError(conn, "Failed to resolve %r (%s)" % (host, exc))


def _watched(pool_class):
    """``pool_class`` recording, per thread, the connection each request takes from the pool, and
    connecting with a bounded name lookup (``_resolving``)."""

    class WatchedPool(pool_class):
        ConnectionCls = _resolving(pool_class.ConnectionCls)

        def _get_conn(self, timeout=None):
            conn = super(WatchedPool, self)._get_conn(timeout)
            _ACTIVE[threading.current_thread().ident] = conn
            return conn

    WatchedPool.__name__ = "Watched" + pool_class.__name__
    return WatchedPool


if requests is not None:
    from urllib3.util.connection import allowed_gai_family

    class ResolveTimeoutError(urllib3.exceptions.ConnectTimeoutError):
        """The connect timeout passed while the host name was being looked up."""

    _WATCHED_POOLS = {"http": _watched(urllib3.HTTPConnectionPool), "https": _watched(urllib3.HTTPSConnectionPool)}

    class Adapter(requests.adapters.HTTPAdapter):
        """requests' adapter with watched connection pools (direct and through an HTTP proxy)."""

        def init_poolmanager(self, *args, **kwargs):
            super(Adapter, self).init_poolmanager(*args, **kwargs)
            _watch(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            return _watch(super(Adapter, self).proxy_manager_for(proxy, **proxy_kwargs))

    class SafeJar(requests.cookies.RequestsCookieJar):
        """The session's cookie jar, iterated over a snapshot taken under its own lock: the jar
        locks its writes, but not its iteration, which ``merge_cookies`` does for every request."""

        def __iter__(self):
            with self._cookies_lock:
                return iter(list(super(SafeJar, self).__iter__()))


def _watch(manager):
    # Only urllib3's own pool classes are swapped (a SOCKS manager keeps its own: no watchdog).
    if getattr(manager, "pool_classes_by_scheme", None) == urllib3.poolmanager.pool_classes_by_scheme:
        manager.pool_classes_by_scheme = _WATCHED_POOLS
    return manager


class Watchdog:
    """Shuts the socket of this thread's request down ``seconds`` (plus ``WATCHDOG_SLACK``) after
    it is entered. ``fired`` says whether it did: the attempt ran out of time."""

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


def new_session(validate_certs=True, ca_path=None, client_cert=None, client_key=None, pool_size=10):
    """``(session, verify)``: a Session with watched connection pools of ``pool_size`` connections
    per host and the SafeJar; ``verify`` is to be passed on every request too (requests lets
    REQUESTS_CA_BUNDLE override ``session.verify``).

    One Session per client, shared by the workers of a pool, not one per worker: requests does not
    promise a Session is thread-safe (psf/requests#2766), but what it shares is: urllib3's pools
    lock themselves and the cookie jar's writes take its lock. What is not: preparing a request
    iterates the session's headers and cookie jar (merge_setting, merge_cookies) and calls its auth
    (the Cortex XDR advanced-key nonce), so ``send_once`` does that under the client's session lock,
    header changes mid-run (a token renewed by one worker) take it too (``ApiClient.set_header``),
    and the jar iterates a snapshot taken under its own lock (``SafeJar``: Python 3.11's cookiejar
    copies each level as it goes, older ones read it lazily). Sessions per worker would still have
    to share the jar and the renewed token, so this is the smaller change."""
    session = requests.Session()
    session.cookies = SafeJar()
    for prefix in ("https://", "http://"):
        session.mount(prefix, Adapter(pool_maxsize=pool_size))
    verify = (ca_path or True) if validate_certs else False
    session.verify = verify
    if client_cert:
        session.cert = (client_cert, client_key) if client_key else client_cert
    if not validate_certs:
        silence_insecure_warning()
    return session, verify


class Failure:
    """What went wrong with one send: ``tls`` (the reason of a TLS failure), or ``exc`` (a connection
    refused or reset, ``timed_out`` False), or the attempt's time running out (``timed_out``)
    while ``doing`` ("connecting to", "waiting for the answer of", "reading the answer of")."""

    def __init__(self, doing, timed_out=False, exc=None, tls=None):
        self.doing, self.timed_out, self.exc, self.tls = doing, timed_out, exc, tls


def prepare(session, lock, verify, request):
    """``(prepared, settings)``: what ``Session.request`` does before it sends, under ``lock`` (the
    session's: see ``new_session``)."""
    with lock:
        prepared = session.prepare_request(request)
        settings = session.merge_environment_settings(prepared.url, {}, True, verify, None)
    return prepared, settings


def _resolve_timed_out(exc):
    """Whether requests' ``exc`` is the name lookup running out of time (ResolvingConnection)."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, ResolveTimeoutError)


def send_once(session, lock, verify, budget, request, max_body):
    """Send ``request`` (a prepared ``requests.Request``: prepared under ``lock``, the session's, as
    ``Session.request`` would) and read its whole answer, under a watchdog and within the attempt's
    time (``budget``). Returns ``(failure, response)``: one of them None. Answers over ``max_body``
    raise the ApiError of ``read_body``."""
    with Watchdog(budget.left()) as watchdog:
        try:
            prepared, settings = prepare(session, lock, verify, request)
            timeout = budget.socket_timeout()
            response = session.send(prepared, timeout=(timeout, timeout), allow_redirects=False, **settings)
        except requests.exceptions.SSLError as exc:
            if watchdog.fired:
                return Failure("waiting for the answer of", True, exc), None
            return Failure("connecting to", exc=exc, tls=exc), None
        except requests.exceptions.RequestException as exc:
            timed_out = watchdog.fired or isinstance(exc, requests.exceptions.Timeout)
            doing = "connecting to" if isinstance(exc, requests.exceptions.ConnectTimeout) else "waiting for the answer of"
            if _resolve_timed_out(exc):
                doing = "resolving the host name of"
            return Failure(doing, timed_out, exc), None
        if watchdog.fired:  # headers cut short by the watchdog: not an answer to read
            response.close()
            return Failure("waiting for the answer of", True), None
        try:
            read_body(budget, response, max_body)
        except OutOfTime as exc:
            response.close()
            return Failure(exc.doing, True), None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            response.close()
            timed_out = watchdog.fired or isinstance(exc, (socket.timeout, urllib3.exceptions.TimeoutError))
            return Failure("reading the answer of", timed_out, exc), None
    return None, response
