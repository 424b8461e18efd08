# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet: ``GET /api/fleet/agents/action_status`` (Kibana).

Facts from Kibana's ``action_status.ts`` (elastic/kibana
``x-pack/platform/plugins/shared/fleet/server/services/agents/action_status.ts``): the endpoint
cannot filter by action id; pages are 0-based with no total (stop on a short page); each page
reads ``size = (page + 1) * perPage`` action documents from Elasticsearch, so paging past the
10,000-result window fails instead of returning a short page; ``latest`` is a window in
milliseconds; FAILED means every agent acked and at least one reported an error;
``completionTime`` is the newest ack, set while the action still runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Exact type checks (``type(x) is int``), not isinstance, on purpose: a JSON true must not pass as a
# count (bool is an int subclass), and they are the per-item fast path of a 10,000-item answer
# (tests/benchmarks/fleet_parse.py).
# pylint: disable=unidiomatic-typecheck

import base64
import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, EXPIRED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, TERMINAL_STATES, UNKNOWN,
    ActionStatus,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor, segment

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
ROLLOUT_PASSED = ("wait", "failure", "success")
MAX_PAGES = 1000
# Elasticsearch's index.max_result_window (default 10,000): Kibana asks for (page + 1) * perPage
# documents, so a page whose end passes it fails (getActions/getPerPage in action_status.ts).
RESULT_WINDOW = 10000
STATUS_ENDPOINT = "agents/action_status"
# Agents Kibana refused when it wrote a bulk action: it records them as errors of the action, not
# as HTTP errors (upgradeBatch in upgrade_action_runner.ts, unenrollBatch in unenroll_action_runner.ts):
# "Agent <id> is not upgradeable: ..." (cool-down, version), "Cannot upgrade agent in hosted agent
# policy <p>", "Cannot unenroll <id> from a hosted agent policy <p>", "Agent <id> already unenrolled".
REFUSAL = re.compile(r"is not upgradeable|hosted agent policy|already unenrolled", re.IGNORECASE)


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
    # perPage: a page past Elasticsearch's 10,000-result window fails; errorSize: Kibana returns at most
    # 10 latestErrors (GetActionStatusResponseSchema, server/types/rest_spec/agent.ts).
    OPTION_RANGES = {"per_page": (1, RESULT_WINDOW), "error_size": (0, 10)}

    def __init__(self, options, client=None):
        super(Fleet, self).__init__(options, client)
        self.client.session.headers.update(self.auth_headers(options))
        # Some Kibana versions reject errorSize as an unknown query key: learnt once per run.
        self.send_error_size = True
        self.window_reached = None

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
        """``/api/fleet/<endpoint>``, under ``/s/<space_id>`` for a space other than the default.
        The space is one percent-encoded path segment: ``/``, ``..`` or ``?`` cannot reach another
        Kibana path with the caller's key."""
        space = self.options.get("space_id")
        prefix = "/s/%s" % segment(space) if space and space != "default" else ""
        return "%s/api/fleet/%s" % (prefix, endpoint)

    def fetch(self, action_ids):
        """Page through action_status until every id is found, a page comes back short, or the
        next page would pass Elasticsearch's 10,000-result window."""
        wanted, found = set(action_ids), {}
        for index, item in self._items():
            action_id = _action_id(item, index)
            if action_id in wanted and action_id not in found:
                found[action_id] = self.parse_item(item, index)
                if wanted.issubset(found):
                    break
        return found

    def list_actions(self):
        types = set(t.upper() for t in self.options.get("types") or [])
        statuses = []
        for index, item in enumerate(self.page(0)):
            status = self.parse_item(item, index)
            if not types or str(status.data["type"]).upper() in types:
                statuses.append(status)
        return statuses

    def _items(self, per_page=None):
        """``(position, item)`` over every readable page; position counts from the newest."""
        per_page = int(per_page or self.options.get("per_page") or 100)
        pages = min(MAX_PAGES, RESULT_WINDOW // per_page)
        self.window_reached = None
        for page in range(pages):
            items = self.page(page, per_page)
            for offset, item in enumerate(items):
                yield page * per_page + offset, item
            if len(items) < per_page:
                return
        self.window_reached = pages * per_page

    def page(self, page, per_page=None, error_size=None):
        """One page of action_status items, its shape checked."""
        params = {"page": page, "perPage": int(per_page or self.options.get("per_page") or 100)}
        for name, key in (("date", "date"), ("latest", "latest")):
            if self.options.get(name) not in (None, ""):
                params[key] = self.options[name]
        if self.send_error_size:
            size = self.options.get("error_size") if error_size is None else error_size
            params["errorSize"] = 5 if size is None else size
        return items_of(self.read_status(params))

    def read_status(self, params):
        """GET action_status. Kibana versions whose query schema lacks ``errorSize`` answer 400
        "[request query.errorSize]: definition for this key is missing": read again without it,
        once, and leave it out for the rest of the run (their default, 5 errors, applies)."""
        path = self.path(STATUS_ENDPOINT)
        try:
            return self.client.get_json(path, params=params)
        except ApiError as error:
            if not ("errorSize" in params and _rejects_error_size(error)):
                raise
        self.send_error_size = False
        params.pop("errorSize")
        return self.client.get_json(path, params=params)

    def not_found_message(self, missing):
        if self.window_reached is None:
            return super(Fleet, self).not_found_message(missing)
        return ("%s: %s not among the newest %d actions Kibana can list (Elasticsearch's 10,000-result "
                "window). Narrow the search with date or latest." % (
                    self.LABEL, ", ".join(repr(i) for i in missing), self.window_reached))

    def parse_item(self, item, index=0):
        """One Kibana ``items[]`` record -> ActionStatus; ``index`` names it in errors. A record
        of an unexpected shape raises ApiError naming the item and what was wrong.

        The common shape (string id, a status word in STATES, whole non-negative counters,
        latestErrors absent or a list) takes a fast path of exact type checks, one dict lookup per
        field and one dict built (``ActionStatus.counted``); anything else goes through
        ``_checked``, which names what is wrong. A test holds the two to the same result.
        10,000 items a poll (benchmarks/fleet_parse)."""
        try:  # the keys Kibana always sends (ActionStatus in action_status.ts); one missing: the checked path
            action_id, vendor_status, kind, created = item["actionId"], item["status"], item["type"], item["creationTime"]
            actioned, acked, failed = item["nbAgentsActioned"], item["nbAgentsAck"], item["nbAgentsFailed"]
        except (KeyError, TypeError):
            return self._checked(item, index)
        # STATES holds neither ROLLOUT_PASSED (its option) nor unknown words, and a COMPLETE here
        # always has an agent count: so the same states as state_of().
        state = STATES.get(vendor_status) if type(vendor_status) is str else None
        created_count = item.get("nbAgentsActionCreated")  # checked like the others even when not needed
        if state is None or type(action_id) is not str or not action_id or type(actioned) is not int \
                or type(acked) is not int or type(failed) is not int or actioned < 0 or acked < 0 or failed < 0 \
                or not (created_count is None or (type(created_count) is int and created_count >= 0)):
            return self._checked(item, index)
        if not actioned and created_count:
            actioned = created_count
        latest = item.get("latestErrors")
        if not latest and (latest is None or type(latest) is list):
            errors, extra = [], {"type": kind}
        elif type(latest) is list:
            errors, refused = self._errors(latest, index, action_id)
            extra = {"type": kind, "refused": refused}
        else:
            return self._checked(item, index)  # names what latestErrors is
        if state == FAILED and acked > 0:
            state = PARTIAL
        elif state == RUNNING and acked == 0 and failed == 0:
            state = PENDING
        total = acked + failed
        return ActionStatus.counted(
            action_id, self.NAME, state, vendor_status, actioned if actioned >= total else total, acked, failed,
            errors, item.get("startTime") or created,
            (item.get("cancellationTime") or item.get("completionTime")) if state in TERMINAL_STATES else None,
            item, extra)

    def _checked(self, item, index):
        action_id = _action_id(item, index)
        vendor_status = item.get("status")
        if not isinstance(vendor_status, str):
            raise shape_error("item %d (actionId %s) has %s" % (
                index, action_id, "no status" if vendor_status is None else "a status that is %s, not a string"
                % _kind(vendor_status)))
        counts = dict((key, _count(item, key, index, action_id)) for key in COUNTERS)
        actioned = counts["nbAgentsActioned"] or counts["nbAgentsActionCreated"]
        return self._status(item, index, action_id, vendor_status,
                            (actioned, counts["nbAgentsAck"], counts["nbAgentsFailed"]), _has_total(item))

    def _status(self, item, index, action_id, vendor_status, counts, counted):
        actioned, acked, failed = counts
        total = actioned if actioned >= acked + failed else acked + failed
        state = self.state_of(vendor_status, acked, failed, counted)
        extra = {"type": item.get("type")}
        latest = item.get("latestErrors")
        if latest is None or (type(latest) is list and not latest):
            errors = []
        elif isinstance(latest, list):
            errors, extra["refused"] = self._errors(latest, index, action_id)
        else:
            raise shape_error("item %d (actionId %s) has latestErrors that is %s, not a list" % (
                index, action_id, _kind(latest)))
        # Positional: action_id, vendor, state, vendor_status, targets, errors, started_at, finished_at,
        # raw, extra. completionTime is the newest ack, set while the action still runs (action_status.ts).
        return ActionStatus(
            action_id, self.NAME, state, vendor_status, {"total": total, "succeeded": acked, "failed": failed},
            errors, item.get("startTime") or item.get("creationTime"),
            (item.get("cancellationTime") or item.get("completionTime")) if state in TERMINAL_STATES else None,
            item, extra)

    def _errors(self, latest, index, action_id):
        """``(errors, refused)`` of a latestErrors list, in one pass: each entry as an error entry
        (Kibana's ``hostname`` kept as ``host``), and the agents Kibana refused when it wrote the
        action as ``{agent, reason}``."""
        errors, refused = [], []
        for entry in latest:
            if type(entry) is not dict and not isinstance(entry, dict):
                raise _bad_entry(latest, index, action_id)
            agent, host, message = entry.get("agentId"), entry.get("hostname"), entry.get("error")
            if type(agent) is not str:
                agent = _text(agent)
            if type(host) is not str:
                host = _text(host)
            if type(message) is not str:
                message = _text(message)
            errors.append({"target": agent, "host": host, "message": message, "time": entry.get("timestamp")})
            if message and REFUSAL.search(message):
                refused.append({"agent": agent, "reason": message})
        return errors, refused

    def state_of(self, vendor_status, acked, failed, counted=True):
        """Kibana's word -> normalised state. With no agent count at all (``counted`` false), a
        COMPLETE, or a terminal item some agents acked, is unknown: nothing says how many agents
        the action had, so allowed_failures cannot judge it (fail safe)."""
        if vendor_status == "ROLLOUT_PASSED":
            state = self.rollout_passed(acked)
        else:
            state = STATES.get(vendor_status, UNKNOWN)
            if state == FAILED and acked > 0:
                state = PARTIAL  # every agent acked, some with errors: allowed_failures decides
            elif state == RUNNING and acked == 0 and failed == 0:
                state = PENDING
        if not counted and (state == SUCCEEDED or (acked > 0 and state in (PARTIAL, FAILED, EXPIRED))):
            return UNKNOWN
        return state

    def rollout_passed(self, acked):
        """ROLLOUT_PASSED: the rollout window passed with agents (usually offline) that have not
        upgraded yet. ``wait``: still running. ``failure`` and ``success`` end the wait; the agents
        that have not upgraded count as failed (one accounting rule), so allowed_failures decides;
        ``failure`` reports it as failed, ``success`` as partial."""
        policy = self.options.get("rollout_passed") or "wait"
        if policy == "wait":
            return RUNNING
        if policy == "success" and acked > 0:
            return PARTIAL
        return FAILED


COUNTERS = ("nbAgentsActioned", "nbAgentsActionCreated", "nbAgentsAck", "nbAgentsFailed")
WHERE = "Kibana's action_status"


def shape_error(what, body=None):
    """The collection's own error for an answer of an unexpected shape (never a Python exception)."""
    return ApiError("Elastic Fleet: %s %s. Kibana answered something this collection does not know how to "
                    "read; report it with the Kibana version." % (WHERE, what), 200, body)


def items_of(body):
    """The ``items`` list of an action_status answer, or the collection's error saying what is wrong."""
    if not isinstance(body, dict):
        raise shape_error("answer is %s, not an object with an items list" % _kind(body))
    items = body.get("items")
    if not isinstance(items, list):
        what = "has no items list" if items is None else "has items that is %s, not a list" % _kind(items)
        raise shape_error("answer " + what, body)
    return items


def _bad_entry(latest, index, action_id):
    """The error for the first latestErrors entry that is not an object."""
    position, entry = next((n, e) for n, e in enumerate(latest) if not isinstance(e, dict))
    return shape_error("item %d (actionId %s) latestErrors[%d] is %s, not an object" % (
        index, action_id, position, _kind(entry)))


def _action_id(item, index):
    """``actionId`` as a string, or the collection's error ("... item 3 has no actionId")."""
    if not isinstance(item, dict):
        raise shape_error("item %d is %s, not an object" % (index, _kind(item)))
    action_id = item.get("actionId")
    if isinstance(action_id, str) and action_id:
        return action_id
    if isinstance(action_id, int) and not isinstance(action_id, bool):
        return str(action_id)
    what = "no actionId" if action_id in (None, "") else "an actionId that is %s, not a string" % _kind(action_id)
    raise shape_error("item %d has %s" % (index, what))


def _count(item, key, index, action_id):
    """A counter: a missing or null one is 0 (only safe readings follow from it); anything but a
    whole non-negative number (a fraction, NaN, infinity, text, a boolean) is the collection's error
    naming it: rounding 0.5 failed agents down to 0 would let a failure pass."""
    value = item.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or (isinstance(value, float) and not value.is_integer()):
        raise shape_error("item %d (actionId %s) has %s %s, not a count" % (index, action_id, key, _kind(value)))
    return int(value)


def _has_total(item):
    return item.get("nbAgentsActioned") is not None or item.get("nbAgentsActionCreated") is not None


def _text(value):
    return value if value is None or isinstance(value, str) else str(value)


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "the number %s" % (value,)
    if isinstance(value, str):
        return "the string %r" % (value[:40],)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a %s" % type(value).__name__


def _rejects_error_size(error):
    """Kibana's 400 for a query key its schema lacks: "[request query.errorSize]: definition for this
    key is missing" (@kbn/config-schema, unknown keys)."""
    return error.status == 400 and "errorSize" in str(error) and "definition for this key is missing" in str(error)


# The bulk endpoints always answer {"actionId": ...}; the single-agent ones answer {} with no id
# to wait on (research §1d), so even one agent goes through bulk.
BULK_PATHS = {"upgrade": "agents/bulk_upgrade", "unenroll": "agents/bulk_unenroll"}
CONNECTION_OPTIONS = ("url", "space_id", "api_key", "username", "password")
REFUSED_PAGE = 20  # the newest actions read once after a start, to find the new one's refusals
# What each flag does, from Kibana's own code (upgrade_action_runner.ts upgradeBatch,
# unenroll_action_runner.ts unenrollBatch): the warning a result carries when one is set.
DESTRUCTIVE = {
    ("upgrade", "force"): "force=true lets Kibana upgrade agents on hosted policies (Fleet Server) and skips "
                          "the version checks; it does not skip the 10-minute upgrade cool-down.",
    ("upgrade", "skip_rate_limit_check"): "skip_rate_limit_check=true upgrades agents upgraded less than 10 minutes "
                                          "ago, which can roll back an upgrade still settling, and skips the "
                                          "version checks.",
    ("unenroll", "force"): "force=true unenrolls agents on hosted policies too, such as Fleet Server.",
    ("unenroll", "revoke"): "revoke=true removes the agents at once and invalidates their API keys: they cannot "
                            "reconnect without enrolling again (a FORCE_UNENROLL action, complete at once).",
}


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
        "skip_rate_limit_check": {"type": "bool", "default": False},
        "revoke": {"type": "bool", "default": False},
        "action_id": {"type": "str"},
    })
    OPTION_RANGES = {}
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
        warnings = self.warnings()
        if warnings:
            result["warnings"] = warnings
        if action != "cancel":
            result["agents"] = body["agents"]
        if check_mode:
            result.update(action_id=None, msg="Check mode: would POST %s" % path)
            return result
        answer = self.post(path, body)
        if action == "cancel":
            item = answer.get("item") if isinstance(answer, dict) else None
            result.update(action_id=self.options["action_id"],
                          cancel_action_id=item.get("id") if isinstance(item, dict) else None)
            return result
        result["action_id"] = self.action_id_of(answer, path)
        result["refused"] = self.refused(result["action_id"], warnings)
        if warnings:
            result["warnings"] = warnings
        return result

    def warnings(self):
        action = self.options["action"]
        return [text for (name, flag), text in sorted(DESTRUCTIVE.items())
                if name == action and self.options.get(flag)]

    def call(self):
        """``(path, body)`` of the request this action needs."""
        action = self.options["action"]
        if action == "cancel":
            action_id = str(self.options["action_id"] or "").strip()
            if not action_id:
                raise ConfigError("action_id must name the action to cancel, got %r." % (self.options["action_id"],))
            return self.path("agents/actions/%s/cancel" % segment(action_id)), {}
        body = {"agents": self.agents()}
        if action == "upgrade":
            body.update(version=self.options["version"], force=bool(self.options.get("force")))
            if self.options.get("skip_rate_limit_check"):
                body["skipRateLimitCheck"] = True
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
        # Kibana refuses writes without kbn-xsrf (400). A write is never retried by the client, so an
        # action is never started twice. The bulk routes never answer 429 for the upgrade cool-down:
        # they record refused agents as errors of the action (see refused()).
        return self.client.post_json(path, body, headers={"kbn-xsrf": "true"})

    def refused(self, action_id, warnings):
        """Agents Kibana refused when it wrote the action (cool-down, version, hosted policy, already
        unenrolled), from one read of the newest actions: at most 10 (Kibana's latestErrors limit),
        and only those written by now. None, with a warning, when the read failed or the action is
        not listed yet (Kibana writes a large action later, in batches): it started anyway."""
        try:
            for index, item in enumerate(self.page(0, REFUSED_PAGE)):
                if _action_id(item, index) == action_id:
                    return self.parse_item(item, index).extra.get("refused", [])
        except ActionGateError as error:
            warnings.append("The action started, but reading which agents Kibana refused failed: %s" % error)
            return None
        warnings.append("The action started but is not among the %d newest actions yet (Kibana writes a large "
                        "action in batches): read refused from fleet_action_status later." % REFUSED_PAGE)
        return None

    def page(self, page, per_page=None, error_size=None):
        return super(FleetActions, self).page(page, per_page, 10 if error_size is None else error_size)

    def action_id_of(self, answer, path):
        action_id = answer.get("actionId") if isinstance(answer, dict) else None
        if not action_id:
            raise ApiError(self.client.message("Elastic Fleet POST %s returned no actionId (got %.200s); the action "
                                               "may have started: check Fleet before retrying." % (path, answer)),
                           200, answer)
        return str(action_id)


def _basic(username, password):
    return base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
