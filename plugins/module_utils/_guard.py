# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""What the client refuses (docs/dev/architecture.md, "Secrets and the origin rule").

The origin rule (``OriginRule``): a request goes only to an origin (scheme, host, port) the user
configured for the service (``ApiClient.allow_origin``, ``rebase``); redirects are followed by the
client, not by requests, only within those origins and never from https down to http. An origin is
read as requests sends the URL (``origin``), not as ``urlsplit`` reads it.

The size cap (``read_body``): an answer larger than ``MAX_BODY_BYTES`` ends the call with a clear
error, and its body is read in chunks with a wall-clock check between reads.

TLS advice (``tls_problem``, ``TLS_ADVICE``): which TLS failure OpenSSL's reason describes, and
which option fixes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

try:
    import requests
except ImportError:  # pragma: no cover - reported by the shells with missing_required_lib
    requests = None

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, OriginRefused
from ansible_collections.actiongate.agents.plugins.module_utils._shape import digits

REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
# Answers larger than this end the call with a clear error.
MAX_BODY_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


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


def public(url, path=True):
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


class OriginRule:
    """The origins that may receive a run's credentials, each with the option that names it (for
    hints). ``message`` scrubs the errors' text (the client's ``message``)."""

    def __init__(self, label, message=None):
        self.label = label
        self.message = message or (lambda text: text)
        self.origins = set()
        self._options = {}

    def allow(self, url, option="url"):
        key = origin(url)
        self.origins.add(key)
        self._options.setdefault(key, option)

    def check(self, url, where):
        """Refuse, before anything is sent, a URL whose origin was not configured for the service."""
        if origin(url) not in self.origins:
            raise OriginRefused(self.message(
                "%s was not sent: %s is not an origin configured for %s (%s). Credentials go only to the "
                "URLs you configured." % (where, public(url, path=False), self.label,
                                          ", ".join(sorted(_origin_text(o) for o in self.origins)))))

    def check_redirect(self, where, first, current, target):
        """Refuse a redirect from ``current`` to ``target`` (the call began at ``first``) that leaves
        the configured origins or goes from https down to http."""
        option = self._options.get(origin(first), "url")
        shown = public(target)
        if origin(current)[0] == "https" and origin(target)[0] != "https":
            raise OriginRefused(self.message(
                "%s was redirected from https to plain http (%s); credentials are never sent there. Set %s to it "
                "if you trust it." % (where, shown, option)))
        if origin(target) not in self.origins:
            raise OriginRefused(self.message("%s was redirected to %s; set %s to it if you trust it." % (
                where, shown, option)))


def redirected(status, method, json_body, data, headers):
    """Method and body for the next hop, as browsers and requests do it (RFC 9110 §15.4): 303
    becomes GET, and so do 301 and 302 after a POST; 307 and 308 keep method and body."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        kept = dict((k, v) for k, v in (headers or {}).items()
                    if k.lower() not in ("content-type", "content-length", "transfer-encoding"))
        return "GET", None, None, kept
    return method, json_body, data, headers


def read_body(budget, response, max_body):
    """Read the whole answer in chunks with a wall-clock check between reads (``budget.check``), so
    a body that trickles a byte a second still ends at the attempt's end; cap it at ``max_body``
    bytes (ApiError). Leaves the body where ``requests.Response.content`` would have it."""
    declared = digits(response.headers.get("Content-Length"))  # ASCII digits: "²" is no length
    if declared is not None and declared > max_body:
        raise _too_big(budget, response, max_body)
    raw, chunks, size = response.raw, [], 0
    read = getattr(raw, "read1", None) or raw.read
    while True:
        budget.check("reading the answer of")
        _set_socket_timeout(raw, budget.socket_timeout())
        chunk = read(CHUNK_BYTES, decode_content=True)
        if not chunk:
            break
        size += len(chunk)
        if size > max_body:
            response.close()
            raise _too_big(budget, response, max_body)
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.close()


def _set_socket_timeout(raw, seconds):
    """Bound the next socket read of a response body by the time left (best effort: urllib3 keeps
    the socket on its connection; http.client's reader on ``_fp``)."""
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


def _too_big(budget, response, max_body):
    return ApiError(budget.message(
        "%s answered with more than %d MiB (HTTP %d); narrow the query (fewer ids, a smaller page size) or check "
        "that url points at the API." % (budget.where, max_body // (1024 * 1024), response.status_code)),
        response.status_code)


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


def reason(exc):
    """The innermost reason of a requests exception, without its URL noise."""
    found = exc
    while getattr(found, "args", None) and isinstance(found.args[0], Exception):
        found = found.args[0]
    inner = getattr(found, "reason", None)
    return str(inner or found)


def silence_insecure_warning():
    """validate_certs=false was asked for: urllib3 need not warn about it on every request."""
    try:
        from urllib3.exceptions import InsecureRequestWarning
        import warnings
        warnings.simplefilter("ignore", InsecureRequestWarning)
    except ImportError:  # pragma: no cover
        pass
