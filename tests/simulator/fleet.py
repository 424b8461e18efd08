"""Elastic Fleet (Kibana) agent actions.

Status is computed the way Kibana's ``action_status.ts`` does (elastic/kibana
``x-pack/platform/plugins/shared/fleet/server/services/agents/action_status.ts``, ``getActionStatuses``
and ``getActionResults``): CANCELLED, then FAILED (any error once every agent acked), then COMPLETE,
then the initial status (EXPIRED for non-UPGRADE actions past ``expiration``, ROLLOUT_PASSED for
upgrades past ``start_time + rollout_duration_seconds``, else IN_PROGRESS).
Listing is Kibana's: newest first, a 0-based ``page`` slice of ``perPage`` with no total,
``latest`` as a window in milliseconds, ``date`` as a one-day window.

Sources (elastic/kibana, under ``x-pack/platform/plugins/shared/fleet/server/``; older releases
under ``x-pack/plugins/fleet/server/``):
- ``services/agents/action_status.ts``: the status computation; ``getActions`` asks Elasticsearch
  for ``size = (page + 1) * perPage`` documents (``getPerPage``), so a page whose end passes the
  10,000-result window fails; ``completionTime`` is the newest ack, set while the action runs;
  ``latestErrors[].hostname`` is the agent's host name (its id when unknown).
- ``types/rest_spec/agent.ts``: ``GetActionStatusRequestSchema`` (query keys; unknown keys are
  refused by @kbn/config-schema: "[request query.<key>]: definition for this key is missing", so a
  Kibana whose schema lacks ``errorSize`` refuses it), ``PostBulkAgentUpgradeRequestSchema``
  (``force``, ``skipRateLimitCheck``, ``rollout_duration_seconds`` >= 600, ``start_time``,
  ``batchSize``, ``includeInactive``, ``dryRun``), ``PostBulkAgentUnenrollRequestSchema`` (``force``:
  "Unenrolls hosted agents too"; ``revoke``: "Revokes API keys of agents"; ``batchSize``;
  ``includeInactive``: "When passing agents by KQL query, unenrolls inactive agents too"; ``dryRun``).
  Unknown body keys are refused the same way ("[request body.<key>]: definition for this key is
  missing"): an older Kibana refuses the keys it does not know yet (``reject_body_keys``).
- ``services/agents/upgrade_action_runner.ts`` (``upgradeBatch``): the bulk route never answers
  429; an agent upgraded less than 10 minutes ago (unless ``skipRateLimitCheck``), one not
  upgradeable to the version (unless ``force`` or ``skipRateLimitCheck``) and one on a hosted
  policy (unless ``force``) are written as error results of the action ("Agent <id> is not
  upgradeable: ...", "Cannot upgrade agent in hosted agent policy <p>").
- ``services/agents/unenroll_action_runner.ts`` (``unenrollBatch``): without ``force``, hosted and
  already unenrolled agents are error results; ``revoke`` invalidates API keys and writes a
  FORCE_UNENROLL action whose results are written at once (complete at once).
- ``dryRun`` (https://github.com/elastic/kibana/pull/276377): ``{"count": N}`` at once, nothing
  written; for a list of ids N is the list's length, for a KQL query the agents it matches.
- ``GET /api/fleet/agents/available_versions`` (https://github.com/elastic/kibana/pull/137099,
  Kibana 8.4.0; ``x-pack/test/fleet_api_integration/apis/agents/available_versions.ts``;
  https://www.elastic.co/docs/api/doc/kibana/operation/operation-get-fleet-agents-available-versions):
  ``{"items": ["8.17.0", "8.16.3", ...]}``, newest first; a Kibana without the route answers 404.
"""

from __future__ import annotations

import base64
import itertools
import threading
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .core import iso, parse_iso

NAME = "fleet"
blueprint = Blueprint("fleet", __name__)

UPGRADE_COOLDOWN = 600  # AGENT_UPGRADE_COOLDOWN_IN_MIN = 10 (is_agent_upgradeable.ts)
ONE_DAY = 86400
RESULT_WINDOW = 10000  # Elasticsearch index.max_result_window default
QUERY_KEYS = {"page", "perPage", "date", "latest", "errorSize", "scheduledOnly"}  # GetActionStatusRequestSchema
# PostBulkAgentUpgradeRequestSchema and PostBulkAgentUnenrollRequestSchema (agent.ts): the body keys.
UPGRADE_KEYS = {"agents", "source_uri", "version", "force", "skipRateLimitCheck", "rollout_duration_seconds",
                "start_time", "batchSize", "includeInactive", "dryRun"}
UNENROLL_KEYS = {"agents", "force", "revoke", "batchSize", "includeInactive", "dryRun"}
# The keys newer Kibana releases added to those schemas (docs/dev/vendors/fleet.md): an "old" Kibana
# (config old_kibana) refuses them.
NEWER_BODY_KEYS = ("batchSize", "includeInactive", "dryRun")
DEFAULT_VERSIONS = ["8.15.1", "8.15.0", "8.14.3", "8.14.0", "8.13.4"]


class State:
    """Agents, action documents and result documents, as Fleet keeps them."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.api_keys = {"c2ltLWtleTpzZWNyZXQ="}  # base64("sim-key:secret")
            self.users = {"elastic": "changeme"}
            self.agents: dict[str, dict[str, Any]] = {}
            self.actions: list[dict[str, Any]] = []
            self.ack_seconds = 2.0
            self.omit_created_counter = False
            self.reject_error_size = False  # play a Kibana whose query schema lacks errorSize
            self.reject_body_keys: set[str] = set()  # bulk body keys this Kibana's schema lacks
            # GET /api/fleet/agents/available_versions; None plays a Kibana without the route (404)
            self.available_versions: list[str] | None = list(DEFAULT_VERSIONS)
            self.dry_runs: list[dict[str, Any]] = []  # each dry run answered: route, count
            self._seq = itertools.count(1)
            for index in range(1, 21):
                self.add_agent({"id": "agent-%02d" % index})

    def add_agent(self, spec: dict[str, Any]) -> dict[str, Any]:
        agent = {
            "id": spec["id"],
            "hostname": spec.get("hostname", "host-" + spec["id"]),
            "version": spec.get("version", "8.14.0"),
            "fails": spec.get("fails"),  # error message when this agent fails an action
            "offline": bool(spec.get("offline", False)),  # never acknowledges
            "ack_delay": spec.get("ack_delay"),
            "last_upgrade": None,
            "enrolled": True,
            "hosted": bool(spec.get("hosted", False)),  # on a hosted policy, such as Fleet Server's
            "policy_id": spec.get("policy_id", "fleet-server-policy" if spec.get("hosted") else "policy-1"),
        }
        self.agents[agent["id"]] = agent
        return agent

    def now(self) -> float:
        return self.sim.clock.now()

    def create_action(self, spec: dict[str, Any]) -> dict[str, Any]:
        """An action document plus a plan saying when each agent acks and how."""
        now = self.now()
        agent_ids = list(spec.get("agents") or [])
        pace = float(spec.get("ack_seconds", self.ack_seconds))
        fail = dict(spec.get("fail") or {})
        offline = set(spec.get("offline") or [])
        refused = dict(spec.get("refused") or {})  # agent -> error written when the action is created
        plan = [{"agent_id": agent_id, "at": now, "error": error, "hostname": self.hostname(agent_id)}
                for agent_id, error in refused.items()]
        for position, agent_id in enumerate([a for a in agent_ids if a not in refused], start=1):
            agent = self.agents.get(agent_id) or {}
            if agent.get("offline") or agent_id in offline:
                continue
            if spec.get("instant"):
                delay = 0.0
            else:
                delay = agent.get("ack_delay") if agent.get("ack_delay") is not None else pace * position
            error = fail.get(agent_id) or (agent.get("fails") if spec.get("type") == "UPGRADE" else None)
            plan.append({"agent_id": agent_id, "at": now + float(delay), "error": error,
                         "hostname": agent.get("hostname", "host-" + agent_id)})
        action = {
            "id": spec.get("id") or str(uuid.uuid4()),
            "type": spec.get("type", "UPGRADE"),
            "agents": [a for a in agent_ids if a not in refused],
            "total": spec.get("total", len(agent_ids)),
            "created": now - float(spec.get("age", 0)) + next(self._seq) * 1e-6,
            "expiration": now + float(spec["expire_seconds"]) if "expire_seconds" in spec else now + 30 * ONE_DAY,
            "start_time": parse_iso(spec["start_time"]) if spec.get("start_time") else None,
            "rollout": spec.get("rollout_duration_seconds"),
            "version": spec.get("version"),
            "space": spec.get("space", "default"),
            "batch_size": spec.get("batch_size"),  # batchSize as sent (Kibana writes the action in batches of it)
            "include_inactive": bool(spec.get("include_inactive", False)),
            "plan": plan,
            "cancelled_at": None,
        }
        with self.lock:
            self.actions.append(action)
        return action

    def hostname(self, agent_id: str) -> str:
        """What getHostNames in action_status.ts reports: the host name, else the agent id."""
        return (self.agents.get(agent_id) or {}).get("hostname") or agent_id

    def find(self, action_id: str) -> dict[str, Any] | None:
        return next((a for a in self.actions if a["id"] == action_id), None)

    def status(self, action: dict[str, Any], error_size: int) -> dict[str, Any]:
        """One ``items[]`` entry, computed as action_status.ts does."""
        now = self.now()
        results = [p for p in action["plan"] if p["at"] <= now]
        errors = [p for p in results if p["error"]]
        actioned = action["total"]
        acks = min(len(results), actioned)
        complete = acks >= actioned
        start = action["start_time"] or action["created"]
        if action["type"] != "UPGRADE" and action["expiration"] < now:
            status = "EXPIRED"
        elif action["type"] == "UPGRADE" and action["rollout"] and now > start + float(action["rollout"]):
            status = "ROLLOUT_PASSED"
        else:
            status = "IN_PROGRESS"
        if action["cancelled_at"] is not None:
            status = "CANCELLED"
        elif errors and complete:
            status = "FAILED"
        elif complete:
            status = "COMPLETE"
        item: dict[str, Any] = {
            "actionId": action["id"],
            "nbAgentsActionCreated": len(action["agents"]),
            "nbAgentsAck": acks - len(errors),
            "nbAgentsFailed": len(errors),
            "nbAgentsActioned": actioned,
            "status": status,
            "type": action["type"],
            "expiration": iso(action["expiration"]),
            "creationTime": iso(action["created"]),
            "hasRolloutPeriod": bool(action["rollout"]),
            "is_automatic": False,
        }
        if self.omit_created_counter:
            del item["nbAgentsActionCreated"]  # the vendor's own example omits it
        if action["version"]:
            item["version"] = action["version"]
        if action["start_time"]:
            item["startTime"] = iso(action["start_time"])
        if results:  # the newest ack, whether or not the action is complete (action_status.ts)
            item["completionTime"] = iso(max(p["at"] for p in results))
        if action["cancelled_at"] is not None:
            item["cancellationTime"] = iso(action["cancelled_at"])
        newest = sorted(errors, key=lambda p: p["at"], reverse=True)[:error_size]
        item["latestErrors"] = [{"agentId": p["agent_id"], "error": p["error"], "timestamp": iso(p["at"]),
                                 "hostname": p["hostname"]} for p in newest]
        return item


def state() -> State:
    return current_app.config["SIM"].vendor(NAME)


def boom(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Kibana's error envelope (Boom)."""
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             429: "Too Many Requests"}
    response = jsonify(statusCode=status, error=names.get(status, "Error"), message=message)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def check_auth() -> Response | None:
    header = request.headers.get("Authorization", "")
    fleet = state()
    if header.startswith("ApiKey ") and header[7:] in fleet.api_keys:
        return None
    if header.startswith("Basic "):
        try:
            user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user, password = "", None
        if fleet.users.get(user) == password:
            return None
    return boom(401, "[security_exception]: unable to authenticate with provided credentials",
                {"WWW-Authenticate": 'ApiKey, Basic realm="security" charset="UTF-8"'})


def check_xsrf() -> Response | None:
    if request.method == "POST" and "kbn-xsrf" not in request.headers:
        return boom(400, "Request must contain a kbn-xsrf header.")
    return None


@blueprint.before_request
def guard() -> Response | None:
    return check_auth() or check_xsrf()


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name)
    return default if value in (None, "") else int(value)


def _space(space_id: str | None) -> str:
    return space_id or "default"


@blueprint.get("/api/fleet/agents/action_status")
@blueprint.get("/s/<space_id>/api/fleet/agents/action_status")
def action_status(space_id: str | None = None) -> Response:
    fleet = state()
    known = QUERY_KEYS - ({"errorSize"} if fleet.reject_error_size else set())
    for key in request.args:
        if key not in known:
            return boom(400, "[request query.%s]: definition for this key is missing" % key)
    try:
        page, per_page = _int_arg("page", 0), _int_arg("perPage", 20)
        error_size, latest = _int_arg("errorSize", 5), request.args.get("latest")
    except ValueError:
        return boom(400, "[request query]: expected value of type [number]")
    if (page + 1) * per_page > RESULT_WINDOW:
        # Elasticsearch refuses from + size past index.max_result_window; Kibana passes the error on [I].
        return boom(400, "search_phase_execution_exception: Result window is too large, from + size must be less "
                    "than or equal to: [%d] but was [%d]. See the scroll api for a more efficient way to request "
                    "large data sets." % (RESULT_WINDOW, (page + 1) * per_page))
    now = fleet.now()
    with fleet.lock:
        actions = [a for a in fleet.actions if a["space"] == _space(space_id) and a["type"] != "CANCEL"]
        if latest:
            actions = [a for a in actions if a["created"] >= now - int(latest) / 1000.0]
        if request.args.get("date"):
            start = parse_iso(request.args["date"])
            actions = [a for a in actions if start <= a["created"] <= start + ONE_DAY]
        actions.sort(key=lambda a: a["created"], reverse=True)
        window = actions[page * per_page:(page + 1) * per_page]
        return jsonify(items=[fleet.status(a, error_size) for a in window])


def _resolve_agents(selector: Any, include_inactive: bool = False) -> list[str]:
    fleet = state()
    if isinstance(selector, list):
        return [str(a) for a in selector]
    # A KQL string: the simulator understands `*`, `agent.id:<id>` and `local_metadata.host.hostname:<h>`.
    # A query leaves out inactive (here: unenrolled) agents unless includeInactive (getAgentsByKuery's
    # showInactive; elastic/kibana#170249); a list of ids is taken as it is.
    text = str(selector).strip()
    field, _sep, value = text.partition(":")
    value = value.strip().strip('"')
    if text in ("*", ""):
        found = sorted(fleet.agents)
    elif field.strip() == "agent.id":
        found = [value] if value in fleet.agents else []
    else:
        found = sorted(a["id"] for a in fleet.agents.values() if a["hostname"] == value)
    return [a for a in found if include_inactive or fleet.agents[a]["enrolled"]]


def _check_body(body: Any, known: set[str]) -> Response | None:
    """@kbn/config-schema's refusal of a body key the route's schema lacks (all of NEWER_BODY_KEYS
    for an old Kibana), and of a batchSize, includeInactive or dryRun of the wrong type."""
    if not isinstance(body, dict):
        return None
    allowed = known - state().reject_body_keys
    for key in body:
        if key not in allowed:
            return boom(400, "[request body.%s]: definition for this key is missing" % key)
    size = body.get("batchSize")
    if "batchSize" in body and (isinstance(size, bool) or not isinstance(size, (int, float))):
        return boom(400, "[request body.batchSize]: expected value of type [number] but got [%s]" % type(size).__name__)
    for key in ("includeInactive", "dryRun"):
        if key in body and not isinstance(body[key], bool):
            return boom(400, "[request body.%s]: expected value of type [boolean] but got [%s]" % (
                key, type(body[key]).__name__))
    return None


def _dry_run(route: str, body: dict[str, Any]) -> Response:
    """dryRun (elastic/kibana#276377): the number of agents the action would take, nothing written."""
    agents = body["agents"]
    count = len(agents) if isinstance(agents, list) else len(_resolve_agents(agents, bool(body.get("includeInactive"))))
    fleet = state()
    with fleet.lock:
        fleet.dry_runs.append({"route": route, "count": count})
    return jsonify(count=count)


def _bulk(action_type: str, space_id: str | None, extra: dict[str, Any],
          refuse: Any = None) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "agents" not in body:
        return boom(400, "[request body.agents]: expected at least one of [array, string]")
    agents = _resolve_agents(body["agents"], bool(body.get("includeInactive")))
    refused = {}
    for agent_id in agents:
        reason = refuse(agent_id) if refuse else None
        if reason:
            refused[agent_id] = reason
    spec = {"type": action_type, "agents": agents, "space": _space(space_id), "refused": refused,
            "batch_size": body.get("batchSize"), "include_inactive": bool(body.get("includeInactive")), **extra}
    action = state().create_action(spec)
    return jsonify(actionId=action["id"])


def _upgrade_fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = {"version": body.get("version"), "rollout_duration_seconds": body.get("rollout_duration_seconds"),
              "start_time": body.get("start_time")}
    return {k: v for k, v in fields.items() if v is not None}


def _upgrade_refusal(body: dict[str, Any], now: float) -> Any:
    """upgradeBatch (upgrade_action_runner.ts): the reason Kibana records for an agent it will not
    upgrade, or None."""
    fleet = state()

    def reason(agent_id: str) -> str | None:
        agent = fleet.agents.get(agent_id) or {}
        last = agent.get("last_upgrade")
        if not body.get("skipRateLimitCheck") and last is not None and now - last < UPGRADE_COOLDOWN:
            wait = int(UPGRADE_COOLDOWN - (now - last)) + 1
            return ("Agent %s is not upgradeable: agent was upgraded less than 10 minutes ago. Please wait %dm%02ds "
                    "before trying again to ensure the upgrade will not be rolled back." % (agent_id, wait // 60, wait % 60))
        if not body.get("force") and agent.get("hosted"):
            return "Cannot upgrade agent in hosted agent policy %s" % agent["policy_id"]
        return None

    return reason


@blueprint.post("/api/fleet/agents/bulk_upgrade")
@blueprint.post("/s/<space_id>/api/fleet/agents/bulk_upgrade")
def bulk_upgrade(space_id: str | None = None) -> Response:
    body = request.get_json(silent=True) or {}
    refused = _check_body(body, UPGRADE_KEYS)
    if refused is not None:
        return refused
    if not body.get("version"):
        return boom(400, "[request body.version]: expected value of type [string] but got [undefined]")
    rollout = body.get("rollout_duration_seconds")
    if rollout is not None and int(rollout) < 600:
        return boom(400, "[request body.rollout_duration_seconds]: Value must be equal to or greater than [600].")
    if body.get("dryRun") and "agents" in body:
        return _dry_run("bulk_upgrade", body)
    fleet = state()
    now = fleet.now()
    refuse = _upgrade_refusal(body, now)
    with fleet.lock:
        response = _bulk("UPGRADE", space_id, _upgrade_fields(body), refuse)
        action = fleet.find(response.get_json()["actionId"])
        for agent_id in action["agents"]:
            if agent_id in fleet.agents:
                fleet.agents[agent_id]["last_upgrade"] = now
    return response


def _unenroll_refusal(body: dict[str, Any]) -> Any:
    """unenrollBatch (unenroll_action_runner.ts): without force, hosted and unenrolled agents are refused."""
    fleet = state()

    def reason(agent_id: str) -> str | None:
        agent = fleet.agents.get(agent_id) or {}
        if body.get("force"):
            return None
        if agent and not agent.get("enrolled", True):
            return "Agent %s already unenrolled" % agent_id
        if agent.get("hosted"):
            return "Cannot unenroll %s from a hosted agent policy %s" % (agent_id, agent["policy_id"])
        return None

    return reason


@blueprint.post("/api/fleet/agents/bulk_unenroll")
@blueprint.post("/s/<space_id>/api/fleet/agents/bulk_unenroll")
def bulk_unenroll(space_id: str | None = None) -> Response:
    body = request.get_json(silent=True) or {}
    refused = _check_body(body, UNENROLL_KEYS)
    if refused is not None:
        return refused
    if body.get("dryRun") and "agents" in body:
        return _dry_run("bulk_unenroll", body)
    # revoke: API keys invalidated, a FORCE_UNENROLL action with every result written at once;
    # force alone is still an UNENROLL, one that includes hosted agents.
    revoke = bool(body.get("revoke"))
    fleet = state()
    with fleet.lock:
        response = _bulk("FORCE_UNENROLL" if revoke else "UNENROLL", space_id, {"instant": revoke},
                         _unenroll_refusal(body))
        action = fleet.find(response.get_json()["actionId"])
        for agent_id in action["agents"]:
            if agent_id in fleet.agents:
                fleet.agents[agent_id]["enrolled"] = False
    return response


# <path:...>: Kibana routes on the raw path and decodes the {actionId} segment, so an id holding an
# encoded "/" is one (unknown) id, answered 404, never another route.
@blueprint.post("/api/fleet/agents/actions/<path:action_id>/cancel")
@blueprint.post("/s/<space_id>/api/fleet/agents/actions/<path:action_id>/cancel")
def cancel(action_id: str, space_id: str | None = None) -> Response:
    fleet = state()
    with fleet.lock:
        target = fleet.find(action_id)
        if target is None or target["space"] != _space(space_id):
            return boom(404, "Action not found")
        target["cancelled_at"] = fleet.now()
        cancel_action = fleet.create_action({"type": "CANCEL", "agents": target["agents"], "space": target["space"]})
    return jsonify(item={"id": cancel_action["id"], "type": "CANCEL", "data": {"target_id": action_id},
                         "agents": target["agents"], "created_at": iso(cancel_action["created"])})


@blueprint.get("/api/fleet/agents/available_versions")
@blueprint.get("/s/<space_id>/api/fleet/agents/available_versions")
def available_versions(space_id: str | None = None) -> Response:
    """The versions Kibana offers for an upgrade (elastic/kibana#137099, Kibana 8.4.0), newest first;
    404 from a Kibana without the route (config available_versions: null)."""
    versions = state().available_versions
    if versions is None:
        return boom(404, "Not Found")
    return jsonify(items=list(versions))


# ---- agents list (fleet_agent_info, fleet_rollout's resume) ----------------------------------------
# GET /api/fleet/agents as Kibana serves it (elastic/kibana
# x-pack/platform/plugins/shared/fleet/server/types/rest_spec/agent.ts: GetAgentsRequestSchema,
# AgentResponseSchema, GetAgentsResponseSchema; https://www.elastic.co/docs/api/doc/kibana/operation/operation-get-fleet-agents):
# ``page`` 1-based (default 1), ``perPage`` default 20, ``page * perPage`` at most 10,000, ``kuery`` KQL,
# ``showInactive`` default false; the answer is {items, total, page, perPage} (Kibana 8 also sends the
# deprecated ``list``). An agent's version becomes the target of the newest UPGRADE action it
# acknowledged without error, the way Fleet Server reports the new version at the next check-in.

def _agent_version(fleet: State, agent: dict[str, Any], now: float) -> str:
    version, newest = agent["version"], None
    for action in fleet.actions:
        if action["type"] != "UPGRADE" or not action["version"] or action["cancelled_at"] is not None:
            continue
        for entry in action["plan"]:
            if entry["agent_id"] == agent["id"] and entry["at"] <= now and not entry["error"]:
                if newest is None or entry["at"] > newest:
                    version, newest = action["version"], entry["at"]
    return version


def _agent_doc(fleet: State, agent: dict[str, Any], now: float) -> dict[str, Any]:
    version = _agent_version(fleet, agent, now)
    return {"id": agent["id"], "type": "PERMANENT", "active": agent["enrolled"], "policy_id": agent.get("policy_id"),
            "enrolled_at": iso(0), "status": "offline" if agent["offline"] else "online", "packages": [],
            "upgraded_at": iso(agent["last_upgrade"]) if agent["last_upgrade"] is not None else None,
            "local_metadata": {"elastic": {"agent": {"id": agent["id"], "version": version, "upgradeable": True}},
                               "host": {"hostname": agent["hostname"]}},
            "agent": {"id": agent["id"], "version": version}}


def _kuery_ids(kuery: str) -> list[str] | None:
    """The ids of ``agent.id:"a"`` or ``agent.id:("a" or "b")``; None for any other query."""
    field, sep, value = kuery.partition(":")
    if not sep or field.strip() != "agent.id":
        return None
    value = value.strip()
    if value.startswith("(") and value.endswith(")"):
        value = value[1:-1]
    parts = [p.strip() for p in value.replace(" OR ", " or ").split(" or ")]
    return [p[1:-1].replace('\\"', '"').replace("\\\\", "\\") if p.startswith('"') and p.endswith('"') else p
            for p in parts if p]


@blueprint.get("/api/fleet/agents")
@blueprint.get("/s/<space_id>/api/fleet/agents")
def list_agents(space_id: str | None = None) -> Response:
    fleet = state()
    try:
        page, per_page = _int_arg("page", 1), _int_arg("perPage", 20)
    except ValueError:
        return boom(400, "[request query]: expected value of type [number]")
    if page < 1 or per_page < 1 or page * per_page > 10000:
        return boom(400, "[request query]: You cannot use page and perPage page over 10000 agents")
    kuery = (request.args.get("kuery") or "").strip()
    ids = _kuery_ids(kuery) if kuery else None
    if kuery and ids is None and kuery != "*":
        return boom(400, "[request query.kuery]: the simulator understands only agent.id queries")
    show_inactive = request.args.get("showInactive") == "true"
    now = fleet.now()
    with fleet.lock:
        agents = [a for a in sorted(fleet.agents.values(), key=lambda a: a["id"])
                  if (ids is None or a["id"] in ids) and (show_inactive or a["enrolled"])]
        docs = [_agent_doc(fleet, a, now) for a in agents[(page - 1) * per_page:page * per_page]]
    return jsonify(items=docs, list=docs, total=len(agents), page=page, perPage=per_page)


# ---- control API ---------------------------------------------------------------------------------

control = Blueprint("fleet_control", __name__, url_prefix="/_sim/fleet")


@control.post("/actions")
def control_create() -> Response:
    """Create an action directly: type, agents (ids) or count, ack_seconds, fail {agent: error},
    offline [agents], expire_seconds, rollout_duration_seconds, start_time, space, age, total,
    copies (that many identical actions)."""
    spec = request.get_json(force=True)
    fleet = state()
    if "count" in spec and "agents" not in spec:
        spec["agents"] = ["%s-%03d" % (spec.get("prefix", "agent"), i) for i in range(1, int(spec["count"]) + 1)]
    if "fail_count" in spec:
        spec["fail"] = {a: spec.get("fail_message", "upgrade failed: download error")
                        for a in spec["agents"][-int(spec["fail_count"]):]}
    for _copy in range(int(spec.pop("copies", 1)) - 1):  # many actions at once (the result window)
        fleet.create_action(dict(spec))
    action = fleet.create_action(spec)
    return jsonify(actionId=action["id"])


@control.post("/agents")
def control_agents() -> Response:
    """Add or update agents: [{id, hostname, fails, offline, ack_delay, hosted, policy_id}]."""
    fleet = state()
    with fleet.lock:
        for spec in request.get_json(force=True):
            fleet.add_agent(spec)
    return jsonify(ok=True)


@control.post("/config")
def control_config() -> Response:
    """ack_seconds (pace), api_keys, users, omit_created_counter, reject_error_size, available_versions
    (a list, or null for a Kibana without the route), reject_body_keys (bulk body keys this Kibana's
    schema lacks), old_kibana (true: it lacks every key of NEWER_BODY_KEYS; false: none)."""
    body = request.get_json(force=True)
    fleet = state()
    with fleet.lock:
        if "ack_seconds" in body:
            fleet.ack_seconds = float(body["ack_seconds"])
        if "api_keys" in body:
            fleet.api_keys = set(body["api_keys"])
        if "users" in body:
            fleet.users = dict(body["users"])
        if "omit_created_counter" in body:
            fleet.omit_created_counter = bool(body["omit_created_counter"])
        if "reject_error_size" in body:
            fleet.reject_error_size = bool(body["reject_error_size"])
        if "available_versions" in body:
            versions = body["available_versions"]
            fleet.available_versions = None if versions is None else [str(v) for v in versions]
        if "old_kibana" in body:
            fleet.reject_body_keys = set(NEWER_BODY_KEYS) if body["old_kibana"] else set()
        if "reject_body_keys" in body:
            fleet.reject_body_keys = set(body["reject_body_keys"] or [])
    return jsonify(ok=True)


@control.get("/dry_runs")
def control_dry_runs() -> Response:
    """The dry runs answered so far (route and count): none of them wrote an action."""
    return jsonify(state().dry_runs)


@control.get("/actions/<action_id>")
def control_show(action_id: str) -> Response:
    fleet = state()
    action = fleet.find(action_id)
    if action is None:
        return boom(404, "no such action")
    plan = action["plan"]
    return jsonify(status=fleet.status(action, 10), terminal_at=max((p["at"] for p in plan), default=None),
                   batch_size=action["batch_size"], include_inactive=action["include_inactive"])
