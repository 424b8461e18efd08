# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""An HTTP answer as the client returns it (docs/dev/architecture.md, "One run's life"): an
``ApiResponse`` with its JSON decoded, or the collection's error for a status of 400 and above,
its message read from any vendor's error envelope. Also ``Retry-After`` as seconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import time

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, AuthError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import digits

# An error message keeps this many characters of the envelope's text (an envelope can list
# thousands of errors; the whole body stays on the error for callers).
MAX_DETAIL = 1000


class ApiResponse:
    """What a call returns: status, headers (case-insensitive), parsed ``body`` and raw ``text``."""

    def __init__(self, status, headers, body, text, url):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = text
        self.url = url


def snippet(text, size=200):
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[:size] + "..."


def envelope_message(body):
    """One readable message from any vendor's error envelope, or None.

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
    """``Retry-After`` as seconds: delta-seconds (ASCII digits only: "²" is not a number of seconds)
    or an HTTP date (RFC 9110 §10.2.3); None for anything else."""
    if value is None:
        return None
    seconds = digits(str(value))
    if seconds is not None:
        return float(seconds)
    try:
        when = email.utils.parsedate_to_datetime(str(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


def read_answer(where, response, expect_json, message, auth_hint=None, attempts=None):
    """The ``ApiResponse`` of a ``requests`` response whose body was read, or the error it is.
    ``where`` names the call ("Elastic Fleet GET /api/..."), ``message`` scrubs the errors' text,
    ``auth_hint(status, body)`` adds a sentence to a 401 or 403, ``attempts`` (when the call was
    retried to the end on this status) says so."""
    status = response.status_code
    text = response.text
    if status >= 400:
        raise status_error(where, response, message, auth_hint, attempts)
    if not expect_json or not text.strip():
        return ApiResponse(status, response.headers, None, text, response.url)
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        kind = response.headers.get("Content-Type", "no content type")
        raise ApiError(message("%s returned %s where JSON was expected (HTTP %d): %s" % (
            where, kind.split(";")[0], status, snippet(text))), status, text)
    return ApiResponse(status, response.headers, body, text, response.url)


def status_error(where, response, message, auth_hint=None, attempts=None):
    """The AuthError (401, 403) or ApiError of an answer with a status of 400 and above."""
    status = response.status_code
    try:
        body = response.json()
    except (ValueError, RecursionError):
        body = None
    detail = snippet(envelope_message(body) or "", MAX_DETAIL) or snippet(response.text) or response.reason
    text = "%s failed: HTTP %d %s" % (where, status, detail)
    if attempts:
        text += " (gave up after %d attempts)" % attempts
    if status in (401, 403):
        hint = auth_hint(status, body) if callable(auth_hint) else None
        return AuthError(message(text + (". " + hint if hint else "")), status, body)
    return ApiError(message(text), status, body, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
