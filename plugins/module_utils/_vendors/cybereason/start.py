# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason's start side: one sensor action (upgrade, restart, scan) on up to 1000 sensors, for
``cybereason_sensor_action`` (docs/dev/vendors/cybereason.md, "Starting actions").

``start_request`` checks the options and builds the one request (pure); ``read_answer`` judges its
answer (pure): a batch object whose ``batchId`` ``cybereason_action_status`` finds in allActions, a
204 (no sensor matched: nothing started), a redirect to the login page (the session was not
accepted: nothing started), or anything else (the action may have started). ``CybereasonStart``
logs in with the status side's session class, sends the request once through ``_start.send_once``
(never again, not even after the login redirect: a start is never repeated) and logs out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import describe, kind, text, whole_number
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartFailed, StartRequest, no_id, send_once, start_failure, start_result, targets,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.argspec import (
    MAX_SENSORS, SCAN_TYPES, START_ACTIONS, START_MODULE_KWARGS, START_OPTIONS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.parse import item_key
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.session import (
    REST_HEADERS, SESSION_COOKIE, Cybereason,
)

# One path per action: upgrade and restart (splunk-soar-connectors/cybereason cybereason_connector.py
# ``_handle_upgrade_sensor``, ``_handle_restart_sensor``), scan (demisto/content
# Packs/Cybereason/Integrations/Cybereason/Cybereason.py ``start_host_scan_command``).
PATHS = {
    "upgrade": "/rest/sensors/action/upgrade",
    "restart": "/rest/sensors/action/restart",
    "scan": "/rest/sensors/action/schedulerScan",
}
LIMIT_LABEL = "this module (Cybereason documents no limit; the collection's own)"
# The login page's own tag (SEKOIA-IO/automation-library Cybereason helpers.py): an HTML answer
# with it is the login page, served instead of acting on the request.
LOGIN_PAGE_TAG = "<app-login"


def start_request(options):
    """``(StartRequest, sensor ids)`` for the options, every check made before any request: the
    action, 1 to 1000 sensor ids (non-blank, none twice), and ``scan_type`` with ``action=scan``
    only. A ConfigError names the option."""
    action = options.get("action")
    if action not in START_ACTIONS:
        raise ConfigError("action must be one of %s, not %.60r." % (", ".join(START_ACTIONS), action))
    ids = targets(options, "sensor_ids", limit=MAX_SENSORS, label=LIMIT_LABEL)
    scan_type = options.get("scan_type")
    body = {"sensorsIds": ids}
    if action == "scan":
        if scan_type is None or not str(scan_type).strip():
            raise ConfigError("scan_type is required with action=scan: %s." % " or ".join(SCAN_TYPES))
        if scan_type not in SCAN_TYPES:
            raise ConfigError("scan_type must be %s, not %.40r." % (" or ".join(SCAN_TYPES), scan_type))
        body["argument"] = scan_type
    elif scan_type is not None:
        raise ConfigError("scan_type cannot be used with action=%s (scan_type is for action=scan)." % action)
    # The redirect to the login page is read as the answer (never followed), and the answer is
    # decoded here, so that the login page is told from JSON (read_answer).
    request = StartRequest(PATHS[action], body, headers=dict(REST_HEADERS), expect_json=False, allow_redirects=False)
    return request, ids


class Answer:
    """What a start's answer says: ``refused`` (a sentence: nothing started), or ``unclear`` (a
    sentence: it may have started), or the batch (``batch``, ``batch_id``, ``probes``, ``problem``)."""

    def __init__(self, refused=None, unclear=None, batch=None, batch_id=None, probes=None, problem=None):
        self.refused, self.unclear = refused, unclear
        self.batch, self.batch_id, self.probes, self.problem = batch, batch_id, probes, problem


def read_answer(status, headers, body_text):
    """Judge a start's answer (an HTTP status below 400: the client raised the others). Pure."""
    if 300 <= status < 400:
        location = (headers or {}).get("Location") or ""
        target = urlsplit(location.strip()).path.split(";", 1)[0]
        if "login" in target.lower():
            return Answer(refused="Cybereason answered HTTP %d to its login page (%s) instead of acting on the request: "
                                  "it did not accept this run's session, which it had just opened" % (status, target))
        return Answer(unclear="Cybereason answered HTTP %d, a redirect%s, where a batch was expected" % (
            status, " to %s" % target if target else " without a Location"))
    body_text = body_text or ""
    if status == 204:
        return Answer(refused="Cybereason answered HTTP 204 (no content): none of the sensors matched, so it "
                              "created no batch (its answer when the sensor ids are wrong or the sensors cannot "
                              "take the action)")
    if LOGIN_PAGE_TAG in body_text:
        return Answer(refused="Cybereason answered with its login page (HTTP %d) instead of acting on the request: "
                              "it did not accept this run's session, which it had just opened" % status)
    if not body_text.strip():
        return Answer(unclear="Cybereason answered HTTP %d with an empty body where a batch was expected" % status)
    try:
        body = json.loads(body_text)
    except (ValueError, RecursionError):
        return Answer(unclear="Cybereason answered HTTP %d with a body that is not JSON where a batch was expected"
                              % status)
    if not isinstance(body, dict):
        return Answer(batch=body)
    batch_id = item_key(body.get("batchId"))
    value = body.get("totalNumberOfProbes")
    probes = whole_number(value, allow_text=True)
    problem = None
    if probes is None:
        problem = "totalNumberOfProbes is %s, not a count" % ("missing" if value is None else kind(value))
    return Answer(batch=body, batch_id=batch_id, probes=probes, problem=problem)


def unmatched(ids, probes, problem, batch_id):
    """``(unmatched_sensors, unmatched_count, warning)``. The answer counts the sensors Cybereason
    took (``totalNumberOfProbes``) but never names them: when it took fewer than asked, or does not
    say, any sensor asked may be one it left out, so every one is listed (fail safe: no sensor is
    claimed to be in the batch that the answer does not show is)."""
    asked = len(ids)
    if problem is not None:
        return list(ids), None, (
            "Cybereason started batch %s, but its answer does not say how many sensors it took (%s): every sensor "
            "asked is listed in unmatched_sensors, since none is shown to be in the batch. Read the batch with "
            "cybereason_action_status for its sensor count." % (batch_id, problem))
    if probes < asked:
        left = asked - probes
        return list(ids), left, (
            "Cybereason took %d of the %d sensors asked into batch %s (totalNumberOfProbes): %d of them %s not part "
            "of it (ids it does not know, or sensors that cannot take the action). Its answer does not say which, so "
            "unmatched_sensors lists every sensor asked; a wait on the batch counts only the sensors it has."
            % (probes, asked, batch_id, left, "is" if left == 1 else "are"))
    if probes > asked:
        return [], 0, ("Cybereason took %d sensors into batch %s, more than the %d asked (an id may match more than "
                       "one sensor)." % (probes, batch_id, asked))
    return [], 0, None


def _sensors(number):
    return "%d sensor%s" % (number, "" if number == 1 else "s")


class CybereasonStart(Cybereason):
    """Starts one sensor action with the status side's session: one login, one POST, one logout."""

    OPTIONS = START_OPTIONS
    MODULE_KWARGS = START_MODULE_KWARGS

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return "Check username and password."
        return ("The user needs the System Admin role (and Sensor Admin L1 where sensor grouping is used) to start "
                "sensor actions.")

    def run(self, check_mode=False):
        """The module result: in check mode the request it would send (after a login, which checks
        the credentials); else the batch's id. The session is logged out at the end, whatever
        happens; a failed logout is a warning."""
        request, ids = start_request(self.options)
        action = self.options["action"]
        where = "Cybereason %s of %s" % (action, _sensors(len(ids)))
        warnings = []
        try:
            try:
                self.login()
            except ActionGateError as error:
                raise StartFailed("%s failed before its request was sent: %s Nothing started, so a re-run is safe "
                                  "once this is fixed." % (where, str(error).rstrip()), may_have_started=False,
                                  details=error.details)
            if check_mode:
                result = start_result([], requests=[request], check_mode=True, action=action, sensor_ids=ids)
            else:
                result = self.start(request, ids, where, warnings)
        except ActionGateError as error:
            self.logout(warnings)
            if warnings:
                error.details = dict(error.details or {}, warnings=warnings)
            raise
        except Exception:  # a bug: the shell reports it; the session still ends
            self.logout(warnings)
            raise
        self.logout(warnings)
        if warnings:
            result["warnings"] = warnings
        return result

    def start(self, request, ids, where, warnings):
        action = self.options["action"]
        look = ("list the current batches with cybereason_action_status (without action_ids) and look for a new "
                "batch on these sensors, or look in the Cybereason console")
        response = send_once(self.client, request, where, look)
        answer = read_answer(response.status, response.headers, response.text)
        if answer.refused:
            hint = " Check that the user may use the API and that no proxy drops the %s cookie." % SESSION_COOKIE
            raise start_failure(ApiError(self.client.message(
                answer.refused + ("." if response.status == 204 else "." + hint)), response.status),
                where, look, refused=True)
        if answer.unclear:
            raise start_failure(ApiError(self.client.message(answer.unclear + "."), response.status), where, look)
        if answer.batch_id is None:
            raise self.no_batch_id(where, look, answer.batch)
        unmatched_sensors, unmatched_count, warning = unmatched(ids, answer.probes, answer.problem, answer.batch_id)
        if warning:
            warnings.append(warning)
        extra = {"action": action, "sensor_ids": ids, "sensors_count": answer.probes,
                 "unmatched_sensors": unmatched_sensors, "unmatched_count": unmatched_count,
                 "action_type": text(answer.batch.get("actionType"))}
        if self.options.get("include_raw") is not False:
            extra["raw"] = answer.batch
        return start_result([answer.batch_id], **extra)

    def no_batch_id(self, where, look, batch):
        """The may-have-started failure (``_start.no_id``) of a success that names no batch id."""
        if not isinstance(batch, dict):
            return no_id(where, look, "batch object", batch)
        if "batchId" in batch:
            what = "batchId that is a whole number: it is %s" % describe(batch["batchId"])[:80]
        else:
            what = "batchId: the answer's keys are %s" % (", ".join(sorted(str(k)[:40] for k in batch)[:10]) or "none")
        return no_id(where, look, what, batch)

    def logout(self, warnings):
        """``close`` (the status side's logout), its trouble a warning (as ``_query.ActionQuery.close``)."""
        try:
            self.close()
        except ActionGateError as error:
            warnings.append("Could not end the %s session: %s" % (self.LABEL, error))
        except Exception as error:  # never let the logout turn a result into a crash
            warnings.append("Could not end the %s session (unexpected %s: %s); please report this." % (
                self.LABEL, type(error).__name__, error))
