# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet: ``GET /api/fleet/agents/action_status`` (Kibana).

Facts from Kibana's ``action_status.ts`` (research §1): the endpoint cannot filter by action
id, pages are 0-based with no total (stop on a short page), ``latest`` is a window in
milliseconds, and FAILED means every agent acked and at least one reported an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import time

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

# Kibana's status word -> normalised state. ROLLOUT_PASSED depends on ``rollout_passed``.
STATES = {
    "COMPLETE": SUCCEEDED,
    "FAILED": FAILED,
    "CANCELLED": CANCELLED,
    "EXPIRED": EXPIRED,
    "IN_PROGRESS": RUNNING,
}
# ROLLOUT_PASSED: the rollout window passed but offline agents may still upgrade later
# (elastic/kibana#148240), so it is not a clean terminal state.
ROLLOUT_PASSED = {"wait": RUNNING, "failure": FAILED, "success": SUCCEEDED}
MAX_PAGES = 1000


class Fleet(Vendor):
    NAME = "fleet"
    LABEL = "Elastic Fleet"
    NOT_FOUND_HINT = ("It is not among the actions Kibana lists (check the id, space_id, and that "
                      "date or latest do not exclude it).")
    SECRET_OPTIONS = ("api_key", "password")
    MODULE_KWARGS = {"required_together": [("username", "password")]}
    OPTIONS = {
        "url": {"type": "str", "required": True, "env": ["FLEET_URL"]},
        "space_id": {"type": "str", "env": ["FLEET_SPACE_ID"]},
        "api_key": {"type": "str", "no_log": True, "env": ["FLEET_API_KEY"]},
        "username": {"type": "str", "env": ["FLEET_USERNAME"]},
        "password": {"type": "str", "no_log": True, "env": ["FLEET_PASSWORD"]},
        "action_ids": {"type": "list", "elements": "str", "default": []},
        "types": {"type": "list", "elements": "str", "default": []},
        "per_page": {"type": "int", "default": 100},
        "date": {"type": "str"},
        "latest": {"type": "int"},
        "error_size": {"type": "int", "default": 5},
        "rollout_passed": {"type": "str", "default": "wait", "choices": ["wait", "failure", "success"]},
    }

    def __init__(self, options, client=None):
        super(Fleet, self).__init__(options, client)
        self.client.session.headers.update(self.auth_headers(options))
        if options.get("per_page") is not None and not 1 <= options["per_page"] <= 10000:
            raise ConfigError("per_page must be between 1 and 10000 (Kibana's limit), got %s." % options["per_page"])

    @classmethod
    def secrets(cls, options):
        found = super(Fleet, cls).secrets(options)
        if options.get("username") and options.get("password"):
            found.append(_basic(options["username"], options["password"]))
        return found

    @staticmethod
    def auth_headers(options):
        if options.get("api_key"):
            return {"Authorization": "ApiKey %s" % options["api_key"]}
        if options.get("username") and options.get("password"):
            return {"Authorization": "Basic %s" % _basic(options["username"], options["password"])}
        raise ConfigError("Elastic Fleet needs api_key (or FLEET_API_KEY), or username and password "
                          "(or FLEET_USERNAME and FLEET_PASSWORD).")

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return "Check api_key (the encoded value of a Kibana API key) or username and password."
        return "The user or API key needs the fleet-agents-read privilege (fleet-agents-all to start actions)."

    def path(self, endpoint):
        space = self.options.get("space_id")
        prefix = "/s/%s" % space if space and space != "default" else ""
        return "%s/api/fleet/%s" % (prefix, endpoint)

    def fetch(self, action_ids):
        """Page through action_status until every id is found or a page comes back short."""
        wanted, found = set(action_ids), {}
        for items in self._pages():
            for item in items:
                if item.get("actionId") in wanted:
                    found[item["actionId"]] = self.parse_item(item)
            if wanted.issubset(found):
                break
        return found

    def list_actions(self):
        items = next(self._pages(), [])
        types = set(t.upper() for t in self.options.get("types") or [])
        return [self.parse_item(i) for i in items if not types or str(i.get("type")).upper() in types]

    def _pages(self):
        per_page = self.options.get("per_page") or 100
        params = {"perPage": per_page, "errorSize": self.options.get("error_size", 5)}
        for name, key in (("date", "date"), ("latest", "latest")):
            if self.options.get(name) not in (None, ""):
                params[key] = self.options[name]
        for page in range(MAX_PAGES):
            params["page"] = page
            body = self.client.get_json(self.path("agents/action_status"), params=params)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise ApiError(self.client.message("Elastic Fleet answered action_status without an items "
                                                   "list: %.200s" % (body,)), 200, body)
            yield items
            if len(items) < per_page:
                return

    def parse_item(self, item):
        """One Kibana ``items[]`` record -> ActionStatus. Counters may be missing."""
        vendor_status = str(item.get("status") or "")
        total = _count(item, "nbAgentsActioned") or _count(item, "nbAgentsActionCreated")
        acked, failed = _count(item, "nbAgentsAck"), _count(item, "nbAgentsFailed")
        state = self.state_of(vendor_status, acked, failed)
        return ActionStatus(
            action_id=item.get("actionId"), vendor=self.NAME, state=state, vendor_status=vendor_status,
            targets={"total": total, "succeeded": acked, "failed": failed},
            # A dict literal rather than error_entry(): 10,000 items x 5 errors (benchmarks/fleet_parse).
            errors=[{"target": e.get("agentId"), "message": e.get("error"), "time": e.get("timestamp")}
                    for e in item.get("latestErrors") or ()],
            started_at=item.get("startTime") or item.get("creationTime"),
            finished_at=item.get("completionTime") or item.get("cancellationTime"),
            raw=item, extra={"type": item.get("type")})

    def state_of(self, vendor_status, acked, failed):
        if vendor_status == "ROLLOUT_PASSED":
            return ROLLOUT_PASSED[self.options.get("rollout_passed") or "wait"]
        state = STATES.get(vendor_status, UNKNOWN)
        if state == FAILED and acked > 0:
            return PARTIAL  # every agent acked, some with errors: allowed_failures decides
        if state == RUNNING and acked == 0 and failed == 0:
            return PENDING
        return state


# The bulk endpoints always answer {"actionId": ...}; the single-agent ones answer {} with no id
# to wait on (research §1d), so even one agent goes through bulk.
BULK_PATHS = {"upgrade": "agents/bulk_upgrade", "unenroll": "agents/bulk_unenroll"}
CONNECTION_OPTIONS = ("url", "space_id", "api_key", "username", "password")


class FleetActions(Fleet):
    """Starts agent actions for ``fleet_agent_action``: bulk upgrade, bulk unenroll, cancel."""

    OPTIONS = dict([(name, Fleet.OPTIONS[name]) for name in CONNECTION_OPTIONS], **{
        "action": {"type": "str", "required": True, "choices": ["upgrade", "unenroll", "cancel"]},
        "agents": {"type": "raw"},
        "version": {"type": "str"},
        "source_uri": {"type": "str"},
        "rollout_duration_seconds": {"type": "int"},
        "start_time": {"type": "str"},
        "force": {"type": "bool", "default": False},
        "revoke": {"type": "bool", "default": False},
        "action_id": {"type": "str"},
    })
    MODULE_KWARGS = dict(Fleet.MODULE_KWARGS, required_if=[
        ("action", "upgrade", ("agents", "version")),
        ("action", "unenroll", ("agents",)),
        ("action", "cancel", ("action_id",)),
    ])

    def run(self, check_mode=False):
        """The module result. In check mode nothing is sent."""
        action = self.options["action"]
        path, body = self.call()
        result = {"changed": True, "action": action}
        if action != "cancel":
            result["agents"] = body["agents"]
        if check_mode:
            result.update(action_id=None, msg="Check mode: would POST %s" % path)
            return result
        answer = self.post(path, body)
        if action == "cancel":
            item = answer.get("item") if isinstance(answer, dict) else None
            result.update(action_id=self.options["action_id"], cancel_action_id=(item or {}).get("id"))
        else:
            result["action_id"] = self.action_id_of(answer, path)
        return result

    def call(self):
        """``(path, body)`` of the request this action needs."""
        action = self.options["action"]
        if action == "cancel":
            return self.path("agents/actions/%s/cancel" % str(self.options["action_id"]).strip()), {}
        body = {"agents": self.agents()}
        if action == "upgrade":
            body.update(version=self.options["version"], force=bool(self.options.get("force")))
            for name in ("source_uri", "rollout_duration_seconds", "start_time"):
                if self.options.get(name) not in (None, ""):
                    body[name] = self.options[name]
        else:
            body.update(force=bool(self.options.get("force")), revoke=bool(self.options.get("revoke")))
        return self.path(BULK_PATHS[action]), body

    def agents(self):
        """A list of agent ids, or one KQL query string (Kibana takes either)."""
        agents = self.options.get("agents")
        if isinstance(agents, (list, tuple)):
            ids = [str(a).strip() for a in agents if str(a).strip()]
            if ids:
                return ids
        elif isinstance(agents, str) and agents.strip():
            return agents.strip()
        raise ConfigError("agents must be a non-empty list of agent ids, or a KQL query such as "
                          "'policy_id:\"p1\"', got %r." % (agents,))

    def post(self, path, body):
        # Kibana refuses writes without kbn-xsrf (400). A write is never retried by the client.
        try:
            return self.client.post_json(path, body, headers={"kbn-xsrf": "true"})
        except ApiError as error:
            if error.status == 429:
                raise self.rate_limited(error)
            raise

    def rate_limited(self, error):
        """Kibana's upgrade cool-down (AGENT_UPGRADE_COOLDOWN_IN_MIN = 10): say when to try again."""
        wait = error.retry_after
        upgrade = self.options["action"] == "upgrade"
        message = str(error)
        details = {}
        if wait is not None:
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + wait))
            details = {"retry_after": int(round(wait)), "retry_at": when}
            message += ". The agents can be %s again in %s, after %s (Retry-After)" % (
                "upgraded" if upgrade else "actioned", _duration(wait), when)
        message += (". Kibana upgrades an agent at most once every 10 minutes: wait, or set force=true to "
                    "skip the cool-down." if upgrade else ". Kibana is rate limiting: try again later.")
        return ApiError(message, error.status, error.body, details=details, retry_after=wait)

    def action_id_of(self, answer, path):
        action_id = answer.get("actionId") if isinstance(answer, dict) else None
        if not action_id:
            raise ApiError(self.client.message("Elastic Fleet POST %s returned no actionId (got %.200s); the action "
                                               "may have started: check Fleet before retrying." % (path, answer)),
                           200, answer)
        return str(action_id)


def _duration(seconds):
    seconds = int(round(seconds))
    return "%dm%02ds" % (seconds // 60, seconds % 60) if seconds >= 60 else "%ds" % seconds


def _count(item, key):
    try:
        return int(item.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _basic(username, password):
    return base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
