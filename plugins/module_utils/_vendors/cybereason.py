# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason: ``GET /rest/sensors/allActions`` behind a form login (research §3).

Facts from the vendor docs and clients: login is a browser form (``POST /login.html``) that
answers HTTP 200 with HTML even when it fails; the ``JSESSIONID`` cookie then authorises every
call until it expires (8 h), after which REST calls get a redirect to the login page or the
page itself instead of JSON. ``allActions`` has no parameters: one read lists every current or
queued batch, and finished batches drop off it after a while. A batch has no status word:
``finalState`` says it is over and ``globalStats.stats`` counts sensors per outcome.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from urllib.parse import urlsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, AuthError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

LOGIN_PATH = "/login.html"
ACTIONS_PATH = "/rest/sensors/allActions"
SESSION_COOKIE = "JSESSIONID"
# REST calls must carry this header (api-doc retrieveActions); the login form must not.
REST_HEADERS = {"Content-Type": "application/json"}

# Every globalStats.stats key of the vendor example (seed 002), by what it means for a sensor
# (research §3a; the per-key meaning is inferred from the key names and client code).
# "Not applicable" keys (NotSupported, UnknownProbe, ProbeRemoved, UnauthorizedUser) count as
# failed: the sensor did not do what was asked. Disconnected sensors may still run the action
# once they reconnect, so they stay pending until the server sets finalState.
STATS_CLASSES = {
    "succeeded": ("Succeeded", "AlreadyUpdated", "NewerInstalled"),
    "failed": ("Failed", "FailedSending", "FailedSendingToServer", "MsiSendFail", "MsiFileCorrupted",
               "Timeout", "TimeoutSending", "EndedWithSensorTimeout", "EndedWithUnknownError",
               "EndedWithInvalidParam", "EndedWithTooManySearches", "EndedWithTooManyResults",
               "InvalidState", "NotSupported", "UnknownProbe", "ProbeRemoved", "UnauthorizedUser"),
    "cancelled": ("Aborted", "AbortTimeout"),
    "pending": ("Pending", "Started", "InProgress", "Primed", "GettingChunks", "ChunksRequired",
                "SendingMsi", "partialResponse", "None", "Disconnected"),
}
STATS_CLASS = dict((key, name) for name, keys in STATS_CLASSES.items() for key in keys)
COUNT_NAMES = ("succeeded", "failed", "cancelled", "pending", "unknown")


class Cybereason(Vendor):
    NAME = "cybereason"
    LABEL = "Cybereason"
    NOUN = "batch"
    NOT_FOUND_HINT = ("allActions lists only current or queued batches, and finished batches drop off it "
                      "after a while: check the batch id (the batchId the action call returned), and read it "
                      "soon after it starts.")
    SECRET_OPTIONS = ("password",)
    OPTIONS = {
        "url": {"type": "str", "required": True, "env": ["CYBEREASON_URL"]},
        "username": {"type": "str", "required": True, "env": ["CYBEREASON_USERNAME"]},
        "password": {"type": "str", "required": True, "no_log": True, "env": ["CYBEREASON_PASSWORD"]},
        "action_ids": {"type": "list", "elements": "str", "default": []},
        "action_types": {"type": "list", "elements": "str", "default": []},
    }

    def __init__(self, options, client=None):
        super(Cybereason, self).__init__(options, client)
        if not options.get("username") or not options.get("password"):
            raise ConfigError("Cybereason needs username and password (or CYBEREASON_USERNAME and "
                              "CYBEREASON_PASSWORD).")
        self.logged_in = False
        self.last_seen = {}

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return "Check username and password."
        return ("The user needs the System Admin role (and Sensor Admin L1 where sensor grouping is used) "
                "to read allActions.")

    # ---- session --------------------------------------------------------------------------------

    def login(self):
        """Form login (authentication.html); keeps the JSESSIONID cookie in the client session."""
        self.client.session.cookies.clear()
        response = self.client.request(
            "POST", LOGIN_PATH, data={"username": self.options["username"], "password": self.options["password"]},
            expect_json=False, idempotent=True)
        problem = login_problem(response.url, response.text, self.session_id())
        if problem:
            raise AuthError(self.client.message("Cybereason login as %r at %s failed: %s" % (
                self.options["username"], self.client.base_url, problem)), response.status)
        self.client.add_secret(self.session_id())
        self.logged_in = True

    def session_id(self):
        return next((c.value for c in self.client.session.cookies if c.name == SESSION_COOKIE), None)

    def all_actions(self):
        """The allActions array; an expired session gets one fresh login, then a clear error."""
        if not self.logged_in:
            self.login()
        body = self.read_actions()
        if body is None:
            self.login()
            body = self.read_actions()
        if body is None:
            raise AuthError("Cybereason answered GET %s with its login page again right after a fresh login, "
                            "so it does not accept the session. Check that the user may use the API and that no "
                            "proxy drops the %s cookie." % (ACTIONS_PATH, SESSION_COOKIE))
        if not isinstance(body, list):
            raise ApiError(self.client.message("Cybereason answered GET %s with %.200s where a list of batches "
                                               "was expected." % (ACTIONS_PATH, body)), 200, body)
        return body

    def read_actions(self):
        """Parsed allActions, or None when the answer is the login page or a redirect (session gone)."""
        try:
            response = self.client.request("GET", ACTIONS_PATH, headers=REST_HEADERS, allow_redirects=False)
        except ApiError as error:
            if is_login_answer(error.status, error.body):
                return None
            raise
        if 300 <= response.status < 400:
            return None
        return response.body

    # ---- statuses -------------------------------------------------------------------------------

    def fetch(self, action_ids):
        wanted = {}
        for action_id in action_ids:
            wanted.setdefault(batch_key(action_id), []).append(action_id)
        found = {}
        for item in self.all_actions():
            for action_id in wanted.get(str(item.get("batchId")), []):
                found[action_id] = self.parse_item(item)
                self.last_seen[action_id] = found[action_id].summary()
        return found

    def list_actions(self):
        types = set(str(t).lower() for t in self.options.get("action_types") or [])
        return [self.parse_item(item) for item in self.all_actions()
                if not types or str(item.get("actionType")).lower() in types]

    def not_found_message(self, missing):
        message = super(Cybereason, self).not_found_message(missing)
        seen = ["%s (last seen as %s)" % (i, self.last_seen[i]) for i in missing if i in self.last_seen]
        if seen:
            message += (" Listed earlier in this run, then gone: %s. A finished batch drops off allActions, "
                        "so its outcome can no longer be read." % "; ".join(seen))
        return message

    def parse_item(self, item):
        """One allActions record -> ActionStatus. The stats are counted; the record stays untouched."""
        stats = (item.get("globalStats") or {}).get("stats") or {}
        final, aborted = item.get("finalState") is True, is_aborted(item)
        total = _int(item.get("totalNumberOfProbes"))
        counts, unknown = count_stats(stats)
        moved = sum(counts.values()) - _int(stats.get("Pending"))
        # Sensors the stats do not account for: still to come while running, no success once final.
        counts["unknown" if final else "pending"] += max(total - sum(counts.values()), 0)
        targets = targets_of(final, counts, total)
        return ActionStatus(
            action_id=item.get("batchId"), vendor=self.NAME,
            state=state_of(final, aborted or counts["cancelled"] > 0, moved, targets),
            vendor_status=vendor_status(final, aborted, stats), targets=targets,
            errors=stats_errors(stats, unknown) + abort_errors(item, aborted),
            started_at=epoch_iso(item.get("startTime")),
            finished_at=epoch_iso(item.get("abortTime")) if aborted else None,
            raw=item,
            extra={"action_type": item.get("actionType"), "stats": stats, "sensors": counts,
                   "unknown_stats": unknown})


def targets_of(final, counts, total):
    """Sensor counts for the gate. While running, a key the table does not know may be a new
    in-flight step, so it counts as pending; once final, every sensor that did not succeed and
    was not aborted failed: unknown keys, and in-flight keys such as Disconnected left at the end."""
    if not final:
        return targets_dict(total=total, succeeded=counts["succeeded"], failed=counts["failed"],
                            pending=counts["pending"] + counts["unknown"])
    failed = counts["failed"] + counts["unknown"] + counts["pending"]
    return targets_dict(total=total, succeeded=counts["succeeded"], failed=failed, pending=0)


def state_of(final, cancelled, moved, targets):
    """The state table. Only ``finalState`` ends a batch (retrieveActions.html); abort fields or
    aborted sensors make it cancelled; a batch where no sensor has left ``Pending`` is pending."""
    if not final:
        return RUNNING if moved else PENDING
    if cancelled:
        return CANCELLED
    if not targets["failed"] and targets["succeeded"] >= targets["total"]:
        return SUCCEEDED
    return PARTIAL if targets["succeeded"] else FAILED


def count_stats(stats):
    """Sensor counts per class, plus every key the table does not know (reported, counted as unknown)."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    unknown = {}
    for key, value in stats.items():
        number = _int(value)
        name = STATS_CLASS.get(key)
        if name is None:
            unknown[key] = number
            name = "unknown"
        counts[name] += number
    return counts, unknown


def is_aborted(item):
    """Abort fields of the record (retrieveActions.html): who, when, or aborted on a sensor timeout."""
    return bool(item.get("aborterUser")) or _int(item.get("abortTime")) > 0 or item.get("abortTimeout") is True


def vendor_status(final, aborted, stats):
    """Cybereason has no status word: ``final`` or ``in progress``, the abort, and the non-zero stats."""
    words = "final" if final else "in progress"
    if aborted:
        words += ", aborted"
    nonzero = ["%s=%d" % (key, _int(value)) for key, value in stats.items() if _int(value)]
    return "%s: %s" % (words, ", ".join(nonzero) or "no sensors")


def stats_errors(stats, unknown):
    errors = [error_entry(key, "%d sensor%s" % (_int(value), "s" if _int(value) != 1 else ""))
              for key, value in stats.items() if STATS_CLASS.get(key) == "failed" and _int(value)]
    errors.extend(error_entry(key, "%d sensors with a stats key this collection does not know (not a success)"
                              % number) for key, number in unknown.items() if number)
    return errors


def abort_errors(item, aborted):
    if not aborted:
        return []
    who = item.get("aborterUser") or ("a sensor timeout" if item.get("abortTimeout") is True else "unknown")
    return [error_entry("batch", "aborted by %s" % who, epoch_iso(item.get("abortTime")))]


def login_problem(url, text, session_id):
    """Why a login answer is not a logged-in session, or None. Failed logins are HTTP 200 HTML:
    the final URL carries ``error`` (``reset`` for an expired password) or the page is the
    ``<app-login>`` form again (forensic-security client, SEKOIA helper, research §3b)."""
    parts = urlsplit(url or "")
    where = (parts.path + "?" + parts.query).lower()
    text = text or ""
    if "reset" in where:
        return "the password has expired. Set a new one in the Cybereason console."
    if "error" in where or "<app-login" in text:
        return "the server answered with its login page. Check username and password."
    if "Two factor authentication" in text:
        return ("the user has two-factor authentication, which this collection does not support. "
                "Use an API user without it.")
    if not session_id:
        return "the server set no %s session cookie." % SESSION_COOKIE
    return None


def is_login_answer(status, body):
    """A redirect or an HTML page where JSON was expected: the session is gone (research §3b)."""
    if status is None or status >= 400:
        return False
    return 300 <= status < 400 or (isinstance(body, str) and body.lstrip().startswith("<"))


def batch_key(action_id):
    """Batch ids are signed integers (``-2012506538`` in the vendor example)."""
    text = str(action_id).strip()
    try:
        return str(int(text))
    except ValueError:
        raise ConfigError("Cybereason batch ids are whole numbers (often negative), not %r." % (action_id,))


def epoch_iso(value):
    """Epoch milliseconds (``startTime``, ``abortTime``) as ISO-8601 UTC, or None."""
    millis = _int(value)
    if millis <= 0:
        return None
    stamp = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)


def _int(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
