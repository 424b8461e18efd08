# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one HTTP client: a ``requests.Session`` with bounded transport retries and error mapping.

Retries only transport trouble (connection errors, timeouts, 429, 502, 503, 504) and only on
idempotent calls, honouring ``Retry-After`` (seconds or an HTTP date), capped, jittered, and
never past the caller's deadline. 401 and 403 are never retried. Every message that leaves
this file has the client's secrets scrubbed out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import random
import time

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the shells with missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import registry

RETRY_STATUSES = frozenset((429, 502, 503, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))


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


class ApiClient:
    """HTTP for one vendor endpoint. ``deadline`` (monotonic seconds) bounds every retry."""

    def __init__(self, base_url, vendor_label, validate_certs=True, ca_path=None, client_cert=None,
                 client_key=None, timeout=30, secrets=(), auth_hint=None, max_attempts=6, retry_cap=60.0,
                 clock=time.monotonic, sleep=time.sleep, jitter=random.uniform):
        self.base_url = base_url.rstrip("/")
        # The origins (scheme, host, port) that may receive this run's credentials: the URL the
        # user configured, plus any the vendor adds with allow_origin (rbac_url, identity_url,
        # the catalog endpoint Identity returned).
        self.origins = set([origin(self.base_url)])
        self.vendor_label = vendor_label
        self.timeout = float(timeout)
        # The run's one SecretRegistry (shared when the caller passes one in).
        self.secrets = registry(secrets)
        self.auth_hint = auth_hint
        self.max_attempts = max_attempts
        self.retry_cap = retry_cap
        self.deadline = None
        self.requests_made = 0
        self._clock, self._sleep, self._jitter = clock, sleep, jitter
        self.session = requests.Session()
        # Passed on every request too: requests lets REQUESTS_CA_BUNDLE override session.verify.
        self.verify = (ca_path or True) if validate_certs else False
        self.session.verify = self.verify
        if client_cert:
            self.session.cert = (client_cert, client_key) if client_key else client_cert
        if not validate_certs:
            _silence_insecure_warning()

    def allow_origin(self, url):
        """Let credentials go to ``url``'s origin too (another URL the user configured for this
        service, or the endpoint its identity service returned)."""
        self.origins.add(origin(url))

    def rebase(self, url):
        """Point the client at another base URL (a catalog endpoint) and allow its origin."""
        self.base_url = url.rstrip("/")
        self.allow_origin(self.base_url)

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
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        url = self.url(path)
        attempt = 0
        while True:
            attempt += 1
            trouble, response = self._send(method, url, params, json_body, data, headers, allow_redirects)
            delay = self._retry_delay(trouble, response, attempt) if idempotent else None
            if delay is None:
                break
            self._sleep(delay)
        if trouble is not None and response is None:
            raise trouble
        return self._check(method, path, response, expect_json, attempts=attempt)

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def message(self, text):
        return self.secrets.scrub(text)

    def _send(self, method, url, params, json_body, data, headers, allow_redirects):
        """Returns ``(trouble, response)``: a TransportError or a response to look at."""
        self.requests_made += 1
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, data=data, headers=headers,
                timeout=self._request_timeout(), allow_redirects=allow_redirects, verify=self.verify)
        except requests.exceptions.SSLError as exc:
            reason = _reason(exc)
            problem = tls_problem(reason)
            raise TransportError(self.message("TLS %s failed for %s %s: %s. %s" % (
                problem, self.vendor_label, self.base_url, reason, TLS_ADVICE[problem])))
        except requests.exceptions.Timeout:
            return TransportError(self.message("%s at %s did not answer within %s seconds (request_timeout)." % (
                self.vendor_label, self.base_url, self._request_timeout()))), None
        except requests.exceptions.RequestException as exc:
            return TransportError(self.message("Could not reach %s at %s: %s." % (
                self.vendor_label, self.base_url, _reason(exc)))), None
        if response.status_code in RETRY_STATUSES:
            return ApiError("retryable HTTP %d" % response.status_code, response.status_code), response
        return None, response

    def _request_timeout(self):
        if self.deadline is None:
            return self.timeout
        return max(min(self.timeout, self.deadline - self._clock()), 1.0)

    def _retry_delay(self, trouble, response, attempt):
        """Seconds to wait before the next attempt, or None to stop retrying."""
        if trouble is None or attempt >= self.max_attempts:
            return None
        hinted = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if hinted is not None:
            delay = min(hinted, self.retry_cap) + self._jitter(0, min(1.0, hinted * 0.1 + 0.05))
        else:
            delay = self._jitter(0, min(self.retry_cap, 0.5 * 2 ** attempt))
        if self.deadline is not None and self._clock() + delay > self.deadline:
            return None
        return delay

    def _check(self, method, path, response, expect_json, attempts):
        status = response.status_code
        where = "%s %s %s" % (self.vendor_label, method.upper(), path)
        text = response.text
        if status >= 400:
            self._raise_for_status(where, response, attempts)
        if not expect_json:
            return ApiResponse(status, response.headers, None, text, response.url)
        if not text.strip():
            return ApiResponse(status, response.headers, None, text, response.url)
        try:
            body = json.loads(text)
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            raise ApiError(self.message("%s returned %s where JSON was expected (HTTP %d): %s" % (
                where, kind.split(";")[0], status, snippet(text))), status, text)
        return ApiResponse(status, response.headers, body, text, response.url)

    def _raise_for_status(self, where, response, attempts):
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = envelope_message(body) or snippet(response.text) or response.reason
        message = "%s failed: HTTP %d %s" % (where, status, detail)
        if status in RETRY_STATUSES and attempts > 1:
            message += " (gave up after %d attempts)" % attempts
        if status in (401, 403):
            hint = self.auth_hint(status, body) if callable(self.auth_hint) else None
            raise AuthError(self.message(message + (". " + hint if hint else "")), status, body)
        raise ApiError(self.message(message), status, body,
                       retry_after=retry_after_seconds(response.headers.get("Retry-After")))


def origin(url):
    """``(scheme, host, port)`` of a URL, the port made explicit (RFC 6454)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
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
