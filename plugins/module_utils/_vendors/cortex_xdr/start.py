# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cortex XDR's start side: one response action (isolate, unisolate, scan, run_script, upgrade) on
up to 1000 endpoints, for ``cortex_xdr_endpoint_action`` (docs/dev/vendors/cortex_xdr.md,
"Starting actions").

``start_request`` checks the options and builds the one request (pure); ``read_reply`` reads its
answer (pure); ``CortexXdrStart`` sends it once with the status side's session (the same key
headers, an advanced key hashed with a fresh nonce per request) through ``_start.send_once``. The
id returned is ``reply.action_id``, the group action id ``cortex_xdr_action_status`` waits on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import describe, digits, kind, whole_number
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartRequest, no_id, send_once, start_result, targets,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.argspec import (
    MAX_ENDPOINTS, START_ACTIONS, START_OPTIONS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import ID_DIGITS, CortexXdr

# One path per action (the vendor's pages: Isolate Endpoints, Unisolate Endpoints, Scan Endpoints,
# Run Script, Upgrade Agents; docs/dev/vendors/cortex_xdr.md "Starting actions").
PATHS = {
    "isolate": "/public_api/v1/endpoints/isolate",
    "unisolate": "/public_api/v1/endpoints/unisolate",
    "scan": "/public_api/v1/endpoints/scan",
    "run_script": "/public_api/v1/scripts/run_script/",
    "upgrade": "/public_api/v1/endpoints/upgrade",
}
# The options that go with one action only; any other action refuses them.
ONLY_FOR = {
    "script_uid": "run_script",
    "script_parameters": "run_script",
    "script_timeout": "run_script",
    "target_versions": "upgrade",
}
# The Upgrade Agents API takes no incident (its page lists endpoint_ids, target_versions and the window).
NO_INCIDENT = ("upgrade",)
# What the Action Center calls each action, for the sentence that says where to look.
NAMES = {"isolate": "Isolate", "unisolate": "Cancel Isolation", "scan": "Scan", "run_script": "Run Script",
         "upgrade": "Agent Upgrade"}
NO_ENDPOINT = "no endpoint was found"


def start_request(options):
    """``(StartRequest, endpoint ids)`` for the options, every check made before any request: the
    action, 1 to 1000 endpoint ids (non-blank, none twice), the options of that action only, and
    their values. A ConfigError names the option."""
    action = options.get("action")
    if action not in START_ACTIONS:
        raise ConfigError("action must be one of %s, not %.60r." % (", ".join(START_ACTIONS), action))
    ids = targets(options, "endpoint_ids", limit=MAX_ENDPOINTS, label="Cortex XDR")
    misplaced = [name for name, owner in sorted(ONLY_FOR.items()) if owner != action and options.get(name) is not None]
    if action in NO_INCIDENT and options.get("incident_id") is not None:
        misplaced.append("incident_id")
    if misplaced:
        raise ConfigError("%s cannot be used with action=%s (%s)." % (
            ", ".join(misplaced), action, "; ".join(_belongs(name) for name in misplaced)))
    filters = [{"field": "endpoint_id_list", "operator": "in", "value": ids}]
    if action == "run_script":
        data = {"script_uid": _text(options, "script_uid", "the script's uid, from the scripts library"),
                "parameters_values": _parameters(options.get("script_parameters")), "filters": filters}
        timeout = options.get("script_timeout")
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
                raise ConfigError("script_timeout must be a whole number of seconds, at least 1, not %.60r." % (timeout,))
            data["timeout"] = timeout
    elif action == "upgrade":
        data = {"endpoint_ids": ids, "target_versions": _versions(options.get("target_versions"))}
    else:
        data = {"filters": filters}
    if options.get("incident_id") is not None:
        data["incident_id"] = _text(options, "incident_id", "the incident to link the action to")
    return StartRequest(PATHS[action], {"request_data": data}), ids


def _belongs(name):
    if name == "incident_id":
        return "the Upgrade Agents API takes no incident"
    return "%s is for action=%s" % (name, ONLY_FOR[name])


def _text(options, name, what):
    value = options.get(name)
    if value is None or not str(value).strip():
        raise ConfigError("%s is required with action=%s: %s." % (name, options.get("action"), what)
                          if value is None else "%s is blank: give %s." % (name, what))
    return str(value).strip()


def _parameters(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("script_parameters must be a dict of the script's input names to values, not %s." % kind(value))
    return value


def _versions(value):
    """``target_versions``: a non-empty dict of operating system to version, both non-blank text. A
    version YAML read as a number is refused, not converted (8.10 would become 8.1)."""
    if not isinstance(value, dict) or not value:
        raise ConfigError("target_versions is required with action=upgrade: a dict of operating system to agent "
                          "version, such as {windows: '8.2.0.12345'}.")
    versions = {}
    for system, version in value.items():
        name = str(system).strip() if isinstance(system, str) else ""
        if not name:
            raise ConfigError("target_versions has a key that is not an operating system name (%s)." % describe(system))
        if not isinstance(version, str) or not version.strip():
            raise ConfigError("target_versions[%s] must be a non-blank version string, not %s; quote it in YAML "
                              "('8.10' stays 8.10, unquoted it is the number 8.1)." % (name[:40], describe(version)))
        versions[name] = version.strip()
    return versions


def read_reply(answer):
    """A start's answer -> ``(reply, action_id, endpoints_count, problem)``. ``action_id`` is the
    group action id as text (ASCII digits, at most 19, as the status side takes it) or None;
    ``endpoints_count`` a count or None (absent, or ``problem`` says what it was instead)."""
    reply = answer.get("reply") if isinstance(answer, dict) else None
    if not isinstance(reply, dict):
        return None, None, None, None
    action_id = _group_action_id(reply.get("action_id"))
    value = reply.get("endpoints_count")
    count = whole_number(value, allow_text=True)
    problem = None
    if value is not None and count is None:
        problem = "reply.endpoints_count is %s, not a count" % kind(value)
    return reply, action_id, count, problem


def _group_action_id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and len(value.strip()) <= ID_DIGITS and digits(value) is not None:
        return value.strip()
    return None


def explain(error):
    """What Cortex XDR means by some answers (``_start.start_failure`` adds it to the message)."""
    status = getattr(error, "status", None) if isinstance(error, ApiError) else None
    if status == 402:
        return "The tenant lacks the license this API needs."
    if status == 500 and NO_ENDPOINT in str(error).lower():
        return ("Cortex XDR answers so when none of the endpoints could take the action: ids the tenant does not "
                "know (they must be endpoint_id values from get_endpoints), or endpoints already in the state "
                "asked for (isolate of an isolated endpoint, unisolate of one that is not).")
    return None


class CortexXdrStart(CortexXdr):
    """Starts one response action with the status side's key headers (``CortexXdr.authenticate``)."""

    OPTIONS = START_OPTIONS
    NOUN = "response action"

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return CortexXdr.auth_hint(status, body)
        return ("The API key's role lacks the RBAC permission for this response action; give the key a role that "
                "can run it (isolate, scan, run scripts or upgrade agents).")

    def run(self, check_mode=False):
        """The module result: in check mode the request it would send; else the action's id."""
        request, ids = start_request(self.options)
        action = self.options["action"]
        extra = {"action": action, "endpoint_ids": ids}
        if check_mode:
            return start_result([], requests=[request], check_mode=True, **extra)
        where = "Cortex XDR %s of %d endpoint%s" % (action, len(ids), "" if len(ids) == 1 else "s")
        look = ("look in the Cortex XDR console's Action Center for a new %s action on these endpoints (Cortex XDR "
                "has no API that lists actions)" % NAMES[action])
        answer = send_once(self.client, request, where, look, explain=explain).body
        reply, action_id, count, problem = read_reply(answer)
        if action_id is None:
            raise self.no_action_id(where, look, answer, reply)
        warnings = []
        if problem:
            warnings.append("Cortex XDR started group action %s, but its %s; endpoints_count is null." % (action_id, problem))
        elif count is not None and count < len(ids):
            warnings.append(
                "Cortex XDR took %d of the %d endpoints asked for into group action %s: the others (ids it does not know, "
                "or endpoints that cannot take the action) are not part of it, and a wait on it counts only the "
                "endpoints it has (cortex_xdr_action_status lists them under endpoints)." % (count, len(ids), action_id))
        extra["endpoints_count"] = count
        if self.options.get("include_raw") is not False:
            extra["raw"] = reply
        if warnings:
            extra["warnings"] = warnings
        return start_result([action_id], **extra)

    def no_action_id(self, where, look, answer, reply):
        """The may-have-started failure (``_start.no_id``) of a success that names no group action id."""
        if reply is None:
            return no_id(where, look, "reply object", answer)
        what = "reply.action_id that is a group action id (digits)"
        if "action_id" in reply:
            what += ": its action_id is %s" % kind(reply["action_id"])
        else:
            what += ": the reply's keys are %s" % (", ".join(sorted(str(k)[:40] for k in reply)[:10]) or "none")
        if self.options.get("action") == "upgrade":
            what += "; no public source shows the Upgrade Agents answer, please report this one"
        return no_id(where, look, what, answer)
