# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cortex XDR's session side: the API key headers and one ``get_action_status`` request per group
action (docs/dev/vendors/cortex_xdr.md). What an answer means is ``parse.py``'s job.

Standard API keys are sent as they are; advanced keys are hashed with a fresh nonce and timestamp
on every request, and each hash and nonce is a secret while its request can still be echoed: it is
registered in the status read's ``request_secrets()`` block (masked in errors and echoing answers)
and forgotten when the read ends, so a long wait does not keep thousands of them
(``_secrets.RequestSecrets``). An unknown ``group_action_id`` answers an empty ``data`` object
rather than an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import random
import re
import string
import time

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._pool import naming, read_each
from ansible_collections.actiongate.agents.plugins.module_utils._shape import digits
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.argspec import OPTIONS, SECRET_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.parse import STATUS_PATH, parse_answer

NONCE_CHARS = string.ascii_letters + string.digits
# The longest group action id accepted (a 64-bit number has at most 19 digits).
ID_DIGITS = 19
_RANDOM = random.SystemRandom()


def advanced_headers(api_key, nonce, timestamp):
    """The advanced key recipe (the "Advanced Key Python 3 Example" of Palo Alto's "Make your first
    API call" page; docs/dev/vendors/cortex_xdr.md "Authentication"):
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
        # The run's secret registry (ApiClient.add_secret): the hash and nonce are made here. Inside
        # a request_secrets() block of this thread they are the block's, forgotten when it ends.
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


def group_action_id(action_id):
    """The id as the number the current docs ask for (the legacy docs said String; XSOAR sends int).
    ASCII digits only, at most 19: ``int()`` would also take ``1_000`` or other scripts' digits."""
    given = str(action_id).strip()
    number = digits(given) if len(given) <= ID_DIGITS else None
    if number is None:
        raise ConfigError("Cortex XDR group action ids are whole numbers (the action_id that isolate, scan and the "
                          "other response actions return), not %.60r." % (action_id,))
    return number


def scrubbed(error, message):
    """``error`` with ``message`` (the client's secret scrubber) applied to its text."""
    error.message = message(error.message)
    error.args = (error.message,) + tuple(error.args[1:])
    return error


class CortexXdr(Vendor):
    NAME = "cortex_xdr"
    LABEL = "Cortex XDR"
    NOUN = "group action"
    NOT_FOUND_HINT = ("Cortex XDR answered an empty data object, which is what it does for an id it does not know. "
                      "Use the action_id that isolate, unisolate, scan or run_script returned.")
    SECRET_OPTIONS = SECRET_OPTIONS
    OPTIONS = OPTIONS

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
        statuses = read_each(self.read_one, action_ids, self.options, self.client.deadline, "group action")
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
        """One get_action_status call (read-only, so transport retries are safe): the parsed body.
        An advanced key's nonces and hashes for it (one per attempt) are secrets until it returns."""
        body = {"request_data": {"group_action_id": group_action_id(action_id)}}
        try:
            with self.client.secrets.request_secrets() as made:
                answer = self.client.request("POST", STATUS_PATH, json_body=body, idempotent=True)
                return made.cleaned(answer.body, answer.text)
        except ApiError as error:
            if error.status == 402:
                raise ApiError(error.message + ". The tenant lacks the license this API needs (Cortex XDR "
                               "Prevent or Pro per Endpoint).", error.status, error.body)
            raise

    def parse_answer(self, action_id, answer):
        """``parse.parse_answer`` with this run's ``completed_partial``; its error's text is
        scrubbed of the run's secrets (an answer can echo them)."""
        try:
            return parse_answer(action_id, answer, self.options.get("completed_partial") or "failure")
        except ApiError as error:
            raise scrubbed(error, self.client.message)
