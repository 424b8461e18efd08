# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason: ``GET /rest/sensors/allActions`` behind a form login (research §3).

Facts from the vendor docs and clients: login is a browser form (``POST /login.html``) that
answers HTTP 200 with HTML even when it fails; the ``JSESSIONID`` cookie then authorises every
call until it expires (8 h), after which REST calls get a redirect to the login page, the page
itself, or a 401 or 403 instead of JSON. ``GET /logout`` ends the session
(forensic-security/cybereason ``src/cybereason/client.py``, ``logout``). ``allActions`` has no
parameters: one read lists every current or queued batch, and finished batches drop off it
after a while. A batch has no status word: ``finalState`` says it is over and
``globalStats.stats`` counts sensors per outcome.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from urllib.parse import urlsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionGateError, ApiError, AuthError, ConfigError, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._options import describe
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

LOGIN_PATH = "/login.html"
LOGOUT_PATH = "/logout"
# The logout's own time budget (seconds): a run never waits longer than this to end its session.
LOGOUT_SECONDS = 2.0
ACTIONS_PATH = "/rest/sensors/allActions"
SESSION_COOKIE = "JSESSIONID"
# REST calls must carry this header (api-doc retrieveActions); the login form must not.
REST_HEADERS = {"Content-Type": "application/json"}

# Every globalStats.stats key of the vendor example (seed 002) and of the recorded answer in
# demisto/content Packs/Cybereason/Integrations/Cybereason/test_data/fetch_scan_status_raw_response.json,
# by what it means for a sensor (research §3a; the per-key meaning is inferred from the key names
# and client code). "Not applicable" keys (NotSupported, UnknownProbe, ProbeRemoved,
# UnauthorizedUser) count as failed: the sensor did not do what was asked. AbortTimeout is a
# failed sensor, not a cancel: the seed's field table says ``abortTimeout`` means "aborted
# because of timeout settings on the sensor", which no person asked for. Aborted is a cancel
# (GET /rest/sensors/abort/{batchId}, abortSensor.html). Disconnected sensors may still run the
# action once they reconnect, so they stay pending until the server sets finalState.
STATS_CLASSES = {
    "succeeded": ("Succeeded", "AlreadyUpdated", "NewerInstalled"),
    "failed": ("Failed", "FailedSending", "FailedSendingToServer", "MsiSendFail", "MsiFileCorrupted",
               "Timeout", "TimeoutSending", "EndedWithSensorTimeout", "EndedWithUnknownError",
               "EndedWithInvalidParam", "EndedWithTooManySearches", "EndedWithTooManyResults",
               "EndedWithUnsupportedFilter", "EndedWithNoValidFolder", "EndedWithYaraCompileError",
               "BadArgument", "InvalidState", "NotSupported", "UnknownProbe", "ProbeRemoved",
               "UnauthorizedUser", "AbortTimeout"),
    "cancelled": ("Aborted",),
    "pending": ("Pending", "Started", "InProgress", "Primed", "GettingChunks", "ChunksRequired",
                "SendingMsi", "SendingPlatform", "partialResponse", "None", "null", "Disconnected", "Aborting"),
}
STATS_CLASS = dict((key, name) for name, keys in STATS_CLASSES.items() for key in keys)
COUNT_NAMES = ("succeeded", "failed", "cancelled", "pending", "unknown")
_INTEGER = re.compile(r"^\s*-?[0-9]+\s*$")


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
        for action_id in options.get("action_ids") or []:
            if str(action_id).strip():
                batch_key(action_id)  # refuse a malformed id before any request
        self.logged_in = False
        self.logged_out = False
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
        session_id = self.session_id()
        # Even a refused login can hand out a (useless) session cookie: mask it all the same.
        self.client.add_secret(session_id)
        problem = login_problem(response.url, response.text, session_id)
        if problem:
            raise AuthError(self.client.message("Cybereason login as %r at %s failed: %s" % (
                self.options["username"], self.client.base_url, problem)), response.status)
        self.logged_in = True

    def close(self):
        """Log out (``GET /logout``, as forensic-security/cybereason's client does on close), so the
        session this run opened does not stay valid for its 8 hours. One attempt with its own
        ``LOGOUT_SECONDS`` budget, also after a wait that used up ``wait_timeout`` (the run ends at
        most that much later). A session that is already gone (a redirect to the login page, 401,
        403) is fine; other trouble is raised for the shell to turn into a warning."""
        if not self.logged_in:
            return
        self.logged_in = False
        client = self.client
        saved = client.deadline, client.timeout
        client.deadline, client.timeout = None, min(client.timeout, LOGOUT_SECONDS)
        try:
            client.request("GET", LOGOUT_PATH, expect_json=False, allow_redirects=False, idempotent=False)
        except AuthError:
            return
        except ActionGateError as error:
            raise TransportError(client.message("Cybereason logout (GET %s) failed: %s The session ends by itself "
                                                "when it expires." % (LOGOUT_PATH, error)))
        finally:
            client.deadline, client.timeout = saved
        self.logged_out = True

    def session_id(self):
        return next((c.value for c in self.client.session.cookies if c.name == SESSION_COOKIE), None)

    def all_actions(self):
        """The allActions array; an expired session (a redirect or HTML page to the login, or a 401
        or 403) gets one fresh login, then a clear error."""
        if not self.logged_in:
            self.login()
        body = self.read_actions(session_may_be_gone=True)
        if body is None:
            self.login()
            body = self.read_actions(session_may_be_gone=False)
        if body is None:
            raise AuthError("Cybereason answered GET %s with its login page again right after a fresh login, "
                            "so it does not accept the session. Check that the user may use the API and that no "
                            "proxy drops the %s cookie." % (ACTIONS_PATH, SESSION_COOKIE))
        if not isinstance(body, list):
            raise self.shape_error("the answer is %s, not a list of batches" % describe(body), body)
        return body

    def read_actions(self, session_may_be_gone):
        """Parsed allActions, or None when the answer says the session is gone: a redirect or the
        login page (research §3b), or a 401 or 403 while the session may have expired. Right
        after a fresh login a 401 or 403 is a real refusal and is raised with its hint. An empty
        answer is the collection's shape error, not a sign of a lost session."""
        try:
            response = self.client.request("GET", ACTIONS_PATH, headers=REST_HEADERS, allow_redirects=False)
        except AuthError as error:
            if session_may_be_gone and error.status in (401, 403):
                return None
            raise
        except ApiError as error:
            if is_login_answer(error.status, error.body):
                return None
            raise
        if 300 <= response.status < 400:
            return None
        if response.body is None:  # an empty body, or JSON null: not the login page, so no second login
            raise self.shape_error("the answer is %s, not a list of batches" % (
                "null" if (response.text or "").strip() else "empty"), response.text)
        return response.body

    def shape_error(self, what, body=None):
        return ApiError(self.client.message(
            "Cybereason answered GET %s with an unexpected shape: %s. The collection cannot judge the batches "
            "from it; if the server is healthy, report this with the answer." % (ACTIONS_PATH, what)), 200, body)

    # ---- statuses -------------------------------------------------------------------------------

    def fetch(self, action_ids):
        wanted = {}
        for action_id in action_ids:
            wanted.setdefault(batch_key(action_id), []).append(action_id)
        return self.parse_actions(self.all_actions(), wanted)

    def parse_actions(self, body, wanted):
        """``{action_id: ActionStatus}`` for the wanted batch keys (``{"-5": ["-5", " -5"]}``) found in
        an allActions answer. Any JSON value gives statuses or a clear ApiError, never another error."""
        if not isinstance(body, list):
            raise self.shape_error("the answer is %s, not a list of batches" % describe(body), body)
        found = {}
        for index, item in enumerate(body):
            if not isinstance(item, dict):
                raise self.shape_error("item %d is %s, not a batch object" % (index, describe(item)), body)
            for action_id in wanted.get(item_key(item.get("batchId")), []):
                found[action_id] = self.parse_item(item, index)
                self.last_seen[action_id] = found[action_id].summary()
        return found

    def list_actions(self):
        return self.parse_listing(self.all_actions(), self.options.get("action_types"))

    def parse_listing(self, body, action_types=None):
        """Every batch of an allActions answer (only ``action_types``, without regard to case, if given)."""
        if not isinstance(body, list):
            raise self.shape_error("the answer is %s, not a list of batches" % describe(body), body)
        types = set(str(t).lower() for t in action_types or [])
        statuses = []
        for index, item in enumerate(body):
            if not isinstance(item, dict):
                raise self.shape_error("item %d is %s, not a batch object" % (index, describe(item)), body)
            if not types or str(item.get("actionType")).lower() in types:
                statuses.append(self.parse_item(item, index))
        return statuses

    def not_found_message(self, missing):
        message = super(Cybereason, self).not_found_message(missing)
        seen = ["%s (last seen as %s)" % (i, self.last_seen[i]) for i in missing if i in self.last_seen]
        if seen:
            message += (" Listed earlier in this run, then gone: %s. A finished batch drops off allActions, "
                        "so its outcome can no longer be read." % "; ".join(seen))
        return message

    def parse_item(self, item, index=0):
        """One allActions record -> ActionStatus. The stats are counted; the record stays untouched.
        A field of an unexpected type raises ApiError naming the item and the field."""
        try:
            return self._parse_item(item)
        except ShapeProblem as problem:
            raise self.shape_error("item %d (batchId %.40r): %s" % (index, item.get("batchId"), problem), item)

    def _parse_item(self, item):
        if item.get("batchId") is None or item_key(item.get("batchId")) is None:
            raise ShapeProblem("batchId is %s, not a whole number" % describe(item.get("batchId")))
        stats = stats_of(item)
        final = flag(item, "finalState")
        person = aborted_by_person(item, stats)
        timed_out = flag(item, "abortTimeout") and not person
        counts, unknown = count_stats(stats)
        reported = count(item.get("totalNumberOfProbes"), "totalNumberOfProbes")
        total = max(reported, sum(counts.values()))
        unaccounted = total - sum(counts.values())
        moved = sum(counts.values()) - count(stats.get("Pending"), "globalStats.stats['Pending']")
        counts["pending"] += unaccounted
        return ActionStatus(
            action_id=item.get("batchId"), vendor=self.NAME,
            state=state_of(final, person, moved, counts, total),
            vendor_status=vendor_status(final, person, timed_out, stats),
            targets=targets_of(counts, total),
            errors=(stats_errors(stats, unknown) + unaccounted_errors(final, unaccounted, total)
                    + abort_errors(item, person, timed_out)),
            started_at=epoch_iso(item.get("startTime")),
            finished_at=epoch_iso(item.get("abortTime")) if person or timed_out else None,
            raw=item,
            extra={"action_type": item.get("actionType"), "stats": stats, "sensors": counts,
                   "unknown_stats": unknown})


class ShapeProblem(Exception):
    """A field of an allActions record is not what the vendor documents (turned into ApiError)."""


def targets_of(counts, total):
    """Sensor counts for the gate: aborted, unknown-key and failed sensors never succeed, so they
    count as failed at once; the rest is pending. Once the batch is terminal, _status.settle
    counts every sensor that did not succeed as failed (the one target-accounting rule)."""
    return targets_dict(total=total, succeeded=counts["succeeded"],
                        failed=counts["failed"] + counts["cancelled"], pending=counts["pending"] + counts["unknown"])


def state_of(final, person, moved, counts, total):
    """The state table. Only ``finalState`` ends a batch (retrieveActions.html). A final batch is
    cancelled when a person aborted it; otherwise it is judged by its sensors, and a final batch
    with no sensors at all is failed: nothing shows that it worked (fail safe)."""
    if not final:
        return RUNNING if moved else PENDING
    if person:
        return CANCELLED
    if total and counts["succeeded"] >= total:
        return SUCCEEDED
    return PARTIAL if counts["succeeded"] else FAILED


def count_stats(stats):
    """Sensor counts per class, plus every key the table does not know (reported, counted as unknown)."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    unknown = {}
    for key, value in stats.items():
        number = count(value, "globalStats.stats[%r]" % key)
        name = STATS_CLASS.get(key)
        if name is None:
            unknown[key] = number
            name = "unknown"
        counts[name] += number
    return counts, unknown


def stats_of(item):
    """``globalStats.stats`` as a dict; absent or null is no stats."""
    global_stats = item.get("globalStats")
    if global_stats is None:
        return {}
    if not isinstance(global_stats, dict):
        raise ShapeProblem("globalStats is %s, not an object" % describe(global_stats))
    stats = global_stats.get("stats")
    if stats is None:
        return {}
    if not isinstance(stats, dict):
        raise ShapeProblem("globalStats.stats is %s, not an object" % describe(stats))
    return stats


def count(value, field):
    """A number of sensors: a whole number >= 0 (a JSON string of digits too); null is 0. Anything
    else is refused, since reading it as 0 could hide failed sensors."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ShapeProblem("%s is %s, not a number of sensors" % (field, describe(value)))
    return value


def flag(item, field):
    """A boolean field; JSON booleans, or the strings "true" and "false" (the recorded answer in
    demisto/content's Cybereason test_data sends ``"finalState": "true"``). Absent or null is false."""
    value = item.get(field)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ShapeProblem("%s is %s, not true or false" % (field, describe(value)))


def aborted_by_person(item, stats):
    """A cancel a person asked for: an ``aborterUser``, or sensors counted ``Aborted``, or an
    ``abortTime`` without ``abortTimeout`` (who aborted is then unknown: fail safe, a cancel)."""
    if item.get("aborterUser") not in (None, ""):
        return True
    if count(stats.get("Aborted"), "globalStats.stats['Aborted']"):
        return True
    return item.get("abortTime") not in (None, 0, "0", "") and not flag(item, "abortTimeout")


def vendor_status(final, person, timed_out, stats):
    """Cybereason has no status word: ``final`` or ``in progress``, the abort, and the non-zero stats."""
    words = "final" if final else "in progress"
    if person:
        words += ", aborted"
    elif timed_out:
        words += ", aborted by sensor timeout"
    nonzero = ["%s=%d" % (key, count(value, key)) for key, value in stats.items() if count(value, key)]
    return "%s: %s" % (words, ", ".join(nonzero) or "no sensors")


def stats_errors(stats, unknown):
    """One entry per failed or aborted stats key with sensors, and per key the table does not know."""
    errors = [error_entry(key, _sensors(count(value, key)))
              for key, value in stats.items() if STATS_CLASS.get(key) in ("failed", "cancelled") and count(value, key)]
    errors.extend(error_entry(key, "%s with a stats key this collection does not know (not a success)"
                              % _sensors(number)) for key, number in unknown.items() if number)
    return errors


def unaccounted_errors(final, unaccounted, total):
    if not final:
        return []
    if not total:
        return [error_entry("batch", "final batch reports no sensors and no stats, so nothing shows it worked "
                                     "(counted as failed)")]
    if unaccounted:
        return [error_entry("batch", "%s of totalNumberOfProbes missing from the stats (not a success)"
                            % _sensors(unaccounted))]
    return []


def abort_errors(item, person, timed_out):
    if not person and not timed_out:
        return []
    who = item.get("aborterUser")
    if timed_out:
        why = "aborted by a sensor timeout (abortTimeout), not by a person"
    else:
        why = "aborted by %s" % (who if who not in (None, "") else "unknown")
    return [error_entry("batch", why, epoch_iso(item.get("abortTime")))]


def _sensors(number):
    return "%d sensor%s" % (number, "" if number == 1 else "s")


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
    """Batch ids are signed integers (``-2012506538`` in the vendor example), ASCII digits only."""
    text = str(action_id).strip()
    if text.startswith("+"):
        text = text[1:]
    if not _INTEGER.match(text):
        raise ConfigError("Cybereason batch ids are whole numbers (often negative), not %.60r." % (action_id,))
    return str(int(text))


def item_key(value):
    """An allActions ``batchId`` as a batch key, or None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _INTEGER.match(value):
        return str(int(value))
    return None


def epoch_iso(value):
    """Epoch milliseconds (``startTime``, ``abortTime``) as ISO-8601 UTC, or None (also for
    values that are not a plausible time: these fields only inform)."""
    try:
        millis = int(value or 0)
        if millis <= 0:
            return None
        stamp = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)
