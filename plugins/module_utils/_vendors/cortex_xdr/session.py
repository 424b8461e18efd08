# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Palo Alto Cortex XDR: ``POST /public_api/v1/actions/get_action_status/``.

Facts (research §2): the reply maps each endpoint of a group action to its own status and
has no action-level status, so the action's state is aggregated here; newer tenants add
``errorReasons`` keyed by endpoint id; an unknown ``group_action_id`` answers an empty
``data`` object rather than an error. Standard API keys are sent as they are; advanced keys
are hashed with a fresh nonce and timestamp on every request, and each hash and nonce is
registered as a secret of the run, so an error page that echoes the request cannot show them.

Status words are matched without regard to case, and ``CANCELED`` is read as ``CANCELLED``:
the reference spells it with two Ls, while Cortex's own script-execution counters say
``endpoints_canceled`` (demisto/content CoreIRApiModule test_data/get_script_execution_status.json).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import random
import re
import string
import time

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._options import describe
from ansible_collections.actiongate.agents.plugins.module_utils._pool import PER_ID_OPTIONS, PER_ID_RANGES, naming, read_each
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

STATUS_PATH = "/public_api/v1/actions/get_action_status/"

# Each endpoint's status word -> normalised state (current "Get Action Status" docs list these
# ten). XSOAR keeps polling on PENDING, IN_PROGRESS and PENDING_ABORT (CortexXDRIR.py), so those
# three are still going. COMPLETED_PARTIAL depends on the ``completed_partial`` option.
ENDPOINT_STATES = {
    "PENDING": PENDING,
    "IN_PROGRESS": RUNNING,
    "PENDING_ABORT": RUNNING,
    "COMPLETED_SUCCESSFULLY": SUCCEEDED,
    "FAILED": FAILED,
    "TIMEOUT": FAILED,
    "CANCELLED": CANCELLED,
    "ABORTED": CANCELLED,
    "EXPIRED": EXPIRED,
}
# Other spellings of the same word (matched after upper-casing; spaces and hyphens become "_").
ALIASES = {"CANCELED": "CANCELLED"}
COMPLETED_PARTIAL = {"failure": PARTIAL, "success": SUCCEEDED}
GOING = frozenset((PENDING, RUNNING))
BAD = frozenset((FAILED, PARTIAL, CANCELLED, EXPIRED))
# Lifecycle order, for the derived action-level vendor_status.
ORDER = ("PENDING", "IN_PROGRESS", "PENDING_ABORT", "COMPLETED_SUCCESSFULLY", "COMPLETED_PARTIAL", "FAILED",
         "TIMEOUT", "CANCELLED", "ABORTED", "EXPIRED")

NONCE_CHARS = string.ascii_letters + string.digits
_RANDOM = random.SystemRandom()


def advanced_headers(api_key, nonce, timestamp):
    """The advanced key recipe ("Advanced Key Python 3 Example", Cortex API docs):
    ``Authorization = sha256_hex(api_key + nonce + timestamp)``, plus the nonce and timestamp."""
    digest = hashlib.sha256((api_key + nonce + timestamp).encode("utf-8")).hexdigest()
    return {"x-xdr-timestamp": timestamp, "x-xdr-nonce": nonce, "Authorization": digest}


class AdvancedKeyAuth:
    """requests calls this for every request it prepares, so each attempt, retries included,
    gets a fresh 64-character nonce and a current millisecond timestamp (a reused nonce or a
    stale timestamp is refused with 401)."""

    def __init__(self, api_key, clock=time.time, register=None):
        self._api_key = api_key
        self._clock = clock
        # The run's secret registry (ApiClient.add_secret): the hash and nonce are made here.
        self._register = register

    def __call__(self, prepared):
        nonce = "".join(_RANDOM.choice(NONCE_CHARS) for _index in range(64))
        timestamp = str(int(self._clock() * 1000))
        headers = advanced_headers(self._api_key, nonce, timestamp)
        if self._register is not None:
            self._register(headers["Authorization"])
            self._register(nonce)
        prepared.headers.update(headers)
        return prepared


class CortexXdr(Vendor):
    NAME = "cortex_xdr"
    LABEL = "Cortex XDR"
    NOUN = "group action"
    NOT_FOUND_HINT = ("Cortex XDR answered an empty data object, which is what it does for an id it does not know. "
                      "Use the action_id that isolate, unisolate, scan or run_script returned.")
    SECRET_OPTIONS = ("api_key",)
    OPTIONS = dict(PER_ID_OPTIONS, **{
        "url": {"type": "str", "required": True, "env": ["CORTEX_XDR_URL"]},
        "api_key_id": {"type": "str", "required": True, "env": ["CORTEX_XDR_API_KEY_ID"]},
        "api_key": {"type": "str", "required": True, "no_log": True, "env": ["CORTEX_XDR_API_KEY"]},
        "auth_type": {"type": "str", "default": "standard", "choices": ["standard", "advanced"],
                      "env": ["CORTEX_XDR_AUTH_TYPE"]},
        "action_ids": {"type": "list", "elements": "str", "required": True},
        "completed_partial": {"type": "str", "default": "failure", "choices": ["failure", "success"]},
    })
    # get_action_status takes one group action id per request: the ids of a poll are read by a bounded pool.
    OPTION_RANGES = PER_ID_RANGES

    def __init__(self, options, client=None):
        super(CortexXdr, self).__init__(options, client)
        # Accept the URL with or without the API prefix the docs show (https://api-{fqdn}/public_api/v1/...).
        self.client.base_url = re.sub(r"/public_api/v1/*$", "", self.client.base_url)
        for action_id in options.get("action_ids") or []:
            if str(action_id).strip():
                group_action_id(action_id)  # refuse a malformed id before any request
        self.authenticate(options)

    def authenticate(self, options):
        key_id, api_key = options.get("api_key_id"), options.get("api_key")
        if not key_id or not api_key:
            raise ConfigError("Cortex XDR needs api_key_id and api_key (or CORTEX_XDR_API_KEY_ID and "
                              "CORTEX_XDR_API_KEY), from Settings > Configurations > API Keys.")
        self.client.session.headers["x-xdr-auth-id"] = str(key_id)
        if (options.get("auth_type") or "standard") == "advanced":
            self.client.session.auth = AdvancedKeyAuth(api_key, register=self.client.add_secret)
        else:
            self.client.session.headers["Authorization"] = api_key

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return ("Check api_key_id, api_key and auth_type (it must match the key's security level, standard or "
                    "advanced). An advanced key also fails when this host's clock is off, since the timestamp is signed.")
        return "The API key's role lacks the RBAC permission for this API; give the key a role that can view response actions."

    def fetch(self, action_ids):
        statuses = read_each(self.read_one, action_ids, self.options, self.client, "group action")
        return dict((i, s) for i, s in zip(action_ids, statuses) if s is not None)

    def read_one(self, action_id):
        """One group action's status (None when the tenant does not know it). The request body
        holds the id, not the path, so a failure names it here."""
        try:
            return self.parse_answer(action_id, self.answer(action_id))
        except ActionGateError as error:
            raise naming(error, "Cortex XDR group action %s: " % action_id)

    def list_actions(self):
        raise ConfigError("Cortex XDR has no API that lists actions: give action_ids (the action_id that "
                          "isolate, unisolate, scan or run_script returned).")

    def answer(self, action_id):
        """One get_action_status call (read-only, so transport retries are safe): the parsed body."""
        body = {"request_data": {"group_action_id": group_action_id(action_id)}}
        try:
            return self.client.post_json(STATUS_PATH, body, idempotent=True)
        except ApiError as error:
            if error.status == 402:
                raise ApiError(error.message + ". The tenant lacks the license this API needs (Cortex XDR "
                               "Prevent or Pro per Endpoint).", error.status, error.body)
            raise

    def parse_answer(self, action_id, answer):
        """A get_action_status answer -> ActionStatus, or None for an id the tenant does not know
        (``data`` empty or null, as XSOAR reads it: ``reply.get('data') or {}``). Any JSON value
        gives a status, None, or a clear ApiError naming what was unexpected."""
        reply = answer.get("reply") if isinstance(answer, dict) else None
        if not isinstance(reply, dict):
            raise self.shape_error(action_id, "the answer has no reply object (got %s)" % describe(answer), answer)
        data = reply.get("data")
        if data is None or data == {}:
            return None
        if not isinstance(data, dict):
            raise self.shape_error(action_id, "reply.data is %s, not an object of endpoint statuses"
                                   % describe(data), answer)
        bad = next((k for k, v in data.items() if v is not None and not isinstance(v, str)), None)
        if bad is not None:
            raise self.shape_error(action_id, "reply.data[%.60r] is %s, not a status word" % (bad, describe(data[bad])),
                                   answer)
        return self.parse_reply(action_id, reply)

    def shape_error(self, action_id, what, body):
        return ApiError(self.client.message(
            "Cortex XDR answered POST %s for group action %s with an unexpected shape: %s. The collection cannot "
            "judge the action from it; if the tenant is healthy, report this with the answer."
            % (STATUS_PATH, action_id, what)), 200, body)

    def parse_reply(self, action_id, reply):
        """One ``reply`` (``data`` plus optional ``errorReasons``) -> ActionStatus. A null status
        is an unknown word (never success); words are matched without regard to case."""
        data = dict((str(k), "null" if v is None else v.strip()) for k, v in reply["data"].items())
        states = dict((endpoint, self.endpoint_state(word)) for endpoint, word in data.items())
        reasons = reply.get("errorReasons") if isinstance(reply.get("errorReasons"), dict) else {}
        failed = [endpoint for endpoint, state in states.items() if state in BAD]
        return ActionStatus(
            action_id=action_id, vendor=self.NAME, state=aggregate(list(states.values())),
            vendor_status=summary_word(data.values()),
            targets=targets_dict(total=len(data), failed=len(failed),
                                 succeeded=sum(1 for s in states.values() if s == SUCCEEDED)),
            errors=[error_entry(e, failure_message(data[e], reasons.get(e))) for e in failed],
            raw=reply, extra={"endpoints": data})

    def endpoint_state(self, word):
        word = canonical(word)
        if word == "COMPLETED_PARTIAL":
            return COMPLETED_PARTIAL[self.options.get("completed_partial") or "failure"]
        return ENDPOINT_STATES.get(word, UNKNOWN)


def canonical(word):
    """The reference spelling of a status word: upper case, ``_`` for spaces and hyphens, aliases."""
    text = re.sub(r"[\s-]+", "_", str(word).strip().upper())
    return ALIASES.get(text, text)


def group_action_id(action_id):
    """The id as the number the current docs ask for (the legacy docs said String; XSOAR sends int).
    ASCII digits only: ``int()`` would also take ``1_000`` or other scripts' digits."""
    text = str(action_id).strip()
    if not re.match(r"^[0-9]{1,19}$", text):
        raise ConfigError("Cortex XDR group action ids are whole numbers (the action_id that isolate, scan and the "
                          "other response actions return), not %.60r." % (action_id,))
    return int(text)


def aggregate(states):
    """The action's state from its endpoints': going while any endpoint is, then unknown if any
    word was unknown, then cancelled if a person cancelled or aborted any endpoint (a cancel
    never succeeds), then the common state, else partial (some succeeded) or failed."""
    if any(s in GOING for s in states):
        return PENDING if all(s == PENDING for s in states) else RUNNING
    distinct = set(states)
    if UNKNOWN in distinct:
        return UNKNOWN
    if CANCELLED in distinct:
        return CANCELLED
    if len(distinct) == 1:
        return states[0]
    return PARTIAL if SUCCEEDED in distinct else FAILED


def summary_word(words):
    """XDR has no action-level status: the endpoints' one word, or counts when they differ."""
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    ranked = sorted(counts, key=lambda w: ORDER.index(canonical(w)) if canonical(w) in ORDER else len(ORDER))
    return ", ".join("%s=%d" % (w, counts[w]) for w in ranked)


def failure_message(word, reason):
    """``FAILED: <reason>``; the reason as XSOAR reads ``errorReasons`` (errorDescription, then
    the first missing file's description), else the errorText inside errorData."""
    text = reason_text(reason) if isinstance(reason, dict) else None
    return "%s: %s" % (word, text) if text else word


def reason_text(reason):
    if isinstance(reason.get("errorDescription"), str) and reason["errorDescription"].strip():
        return reason["errorDescription"].strip()
    missing = reason.get("missing_files")
    if isinstance(missing, list) and missing and isinstance(missing[0], dict) and missing[0].get("description"):
        return str(missing[0]["description"]).strip()
    try:
        data = json.loads(reason.get("errorData") or "{}")
    except (TypeError, ValueError, RecursionError):
        return None
    text = data.get("errorText") if isinstance(data, dict) else None
    return text.strip() or None if isinstance(text, str) else None
