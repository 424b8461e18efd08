"""Palo Alto Cortex XDR response actions and their per-endpoint status.

Written from the vendor's public pages and Palo Alto's own XSOAR integration, as
docs/dev/vendors/cortex_xdr.md lists them (the legacy "Get Action Status" page:
https://docs.paloaltonetworks.com/cortex/cortex-xdr/cortex-xdr-api/cortex-xdr-apis/response-actions/get-action-status.html).
Inferred behaviour is marked [I] and is configurable through ``/_sim/cortex_xdr/config``.

Vendor routes (all POST, each with and without the trailing slash: the legacy docs and XSOAR
use ``/get_action_status/``, the current docs drop the slash):

- ``/public_api/v1/actions/get_action_status`` with ``{"request_data": {"group_action_id": N}}``
  (an integer, or a string of digits: the legacy docs say String, the current ones Integer).
  Reply ``{"reply": {"data": {endpoint_id: STATUS}, "errorReasons": {endpoint_id: {...}}}}``;
  ``errorReasons`` only for FAILED endpoints and only when the tenant sends them (newer
  tenants, demisto/content PR 37483). An unknown id gets ``{"reply": {"data": {}}}`` [I].
- ``/public_api/v1/endpoints/isolate`` and ``/unisolate`` with ``request_data.endpoint_id`` or
  ``request_data.filters`` (not both, at most 1000 endpoints); ``/endpoints/scan`` and
  ``/endpoints/abort_scan`` with ``request_data.filters`` (a list, or ``"all"``). Filters the
  simulator understands: ``endpoint_id_list`` and ``hostname`` with operator ``in``. Reply
  ``{"reply": {"action_id": N, "status": "1", "endpoints_count": "K"}}``. ``abort_scan`` aborts
  the unfinished scans of its endpoints and is itself an action.
- ``/public_api/v1/scripts/run_script`` with ``request_data.script_uid``, ``parameters_values`` (an
  object, required), ``filters`` (a list), optional ``timeout`` (whole seconds, at least 1) and
  ``incident_id``. Reply ``{"reply": {"action_id": N, "endpoints_count": K}}``, numbers (demisto/content
  ``Packs/ApiModules/Scripts/CoreIRApiModule/test_data/run_script.json``; Run Script page:
  https://docs-cortex.paloaltonetworks.com/r/Cortex-XDR-REST-API/Run-Script).
- ``/public_api/v1/endpoints/upgrade`` with ``request_data.endpoint_ids`` (a list) and
  ``target_versions`` (an object of operating system to version string), optional
  ``upgrade_timeframe_window`` (Upgrade Agents page:
  https://docs-cortex.paloaltonetworks.com/r/Cortex-XSIAM-Platform-APIs/Upgrade-Agents). Its answer is
  in no public source; the simulator answers as isolate does [I].
- Every start takes at most 1000 endpoints (400 beyond) and an optional ``incident_id`` (a string;
  upgrade takes none). Endpoints the tenant does not know are left out of the action (a smaller
  ``endpoints_count``); when none is left, the start answers HTTP 500 "An error occurred while
  processing XDR public API - No endpoint was found for creating the requested action" with
  ``err_extra`` "can't create group action id for <TYPE>", as a tenant does
  (https://github.com/ebarti/cortex-xdr-client/issues/30). The simulator does not track isolation,
  so an isolate of an isolated endpoint starts again (a tenant answers that 500). With
  ``omit_action_id`` (a list of start API names such as ``["upgrade"]``), those starts create the
  action but answer without ``action_id`` [I: a test aid for an answer no public source shows].

Authentication (docs/dev/vendors/cortex_xdr.md, "Authentication"): every call sends ``x-xdr-auth-id`` and ``Authorization``.
Default keys (``/_sim/cortex_xdr/config {"keys": ...}`` replaces them):

- key id ``1``, standard, key ``sim-standard-key``: ``Authorization: sim-standard-key``;
- key id ``2``, advanced, key ``sim-advanced-key``: ``Authorization:
  sha256_hex(key + nonce + timestamp)`` with ``x-xdr-nonce`` (64 characters ``[A-Za-z0-9]``) and
  ``x-xdr-timestamp`` (UTC epoch milliseconds). The timestamp must be within
  ``timestamp_window`` seconds (300) of the server's wall clock (real time plus
  ``clock_skew_seconds``; the simulated clock only moves actions), and a nonce is accepted once
  [I: the vendor does not publish either rule].

Status spelling: the reference spells ``CANCELLED`` and upper-cases every word (Get Action Status page);
Cortex's own script-execution counters say ``endpoints_canceled`` (demisto/content
``Packs/ApiModules/Scripts/CoreIRApiModule/test_data/get_script_execution_status.json``). So a
client should not depend on case or on that spelling: ``status_case`` (``upper``, ``lower``,
``title``) and ``canceled_spelling`` (``CANCELED``) change how ``get_action_status`` spells its
words [I: no tenant is known to send them so; a defensive setting].

Errors use the vendor envelope ``{"reply": {"err_code", "err_msg", "err_extra"}}``: 400 for a
body that is not the expected JSON, 401 for any authentication failure, 402 when the tenant
lacks the license (``licensed: false``), 403 when the key's ``permissions`` (API names such as
``get_action_status``; absent means all) lack the called API, 500 through
``/_sim/cortex_xdr/errors``. Why a 401 happened is kept in ``GET /_sim/cortex_xdr/auth_failures``
(the vendor does not say). With ``echo_auth_failures`` (a test aid, not vendor behaviour), a
401's ``err_extra`` echoes the request's ``Authorization``, ``x-xdr-nonce`` and
``x-xdr-timestamp`` headers, as a careless proxy or gateway error page might.

Endpoint timeline (simulated clock): an endpoint is PENDING until it picks the action up
(``pending_seconds`` plus ``stagger_seconds`` times its position), IN_PROGRESS for ``run_seconds``,
then its outcome. Outcomes come from the action's ``outcomes``, the endpoint's own ``outcome``,
or the ``mix`` of terminal statuses (shared out deterministically, successes first). TIMEOUT ends
``timeout_seconds`` after pickup; CANCELLED happens while PENDING; ABORTED passes through
PENDING_ABORT for ``abort_seconds``; disconnected endpoints and EXPIRED outcomes stay PENDING
until ``expire_seconds`` after creation, then EXPIRED.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

NAME = "cortex_xdr"
blueprint = Blueprint("cortex_xdr", __name__)
control = Blueprint("cortex_xdr_control", __name__, url_prefix="/_sim/cortex_xdr")

API = "/public_api/v1"
TERMINAL = ("COMPLETED_SUCCESSFULLY", "COMPLETED_PARTIAL", "FAILED", "TIMEOUT", "CANCELLED",
            "ABORTED", "EXPIRED")
NONCE = re.compile(r"^[A-Za-z0-9]{64}$")
MAX_ENDPOINTS = 1000  # "Request is limited to 1000 endpoints" (Isolate Endpoints page)

# err_msg texts: the legacy Get Action Status page's description of each code.
MESSAGES = {
    400: "Bad Request. Got an invalid JSON.",
    401: "Unauthorized access. An issue occurred during authentication. This can indicate an "
         "incorrect key, id, or other invalid authentication parameters.",
    402: "Unauthorized access. User does not have the required license type to run this API.",
    403: "Forbidden access. The provided API Key does not have the required RBAC permissions to run this API.",
    500: "Internal server error. A unified status for API communication type errors.",
}

DEFAULT_KEYS = {
    "1": {"key": "sim-standard-key", "type": "standard"},
    "2": {"key": "sim-advanced-key", "type": "advanced"},
}
PACE = {"pending_seconds": 2.0, "run_seconds": 3.0, "stagger_seconds": 1.0, "timeout_seconds": 10.0,
        "abort_seconds": 2.0, "expire_seconds": 60.0}
REASON_TEXT = {"ISOLATE": "Failed to isolate endpoint: the network driver rejected the request.",
               "UNISOLATE": "Failed to cancel isolation: the network driver rejected the request.",
               "SCAN": "Scan failed: the scan engine did not start.",
               "ABORT_SCAN": "Failed to abort scan.",
               "RUN_SCRIPT": "Script execution failed: the script exited with an error.",
               "UPGRADE": "Agent upgrade failed: the installer could not be downloaded."}
# The tenant's answer to a start that matched no endpoint (ebarti/cortex-xdr-client issue #30).
NO_ENDPOINT = "An error occurred while processing XDR public API - No endpoint was found for creating the requested action"


def envelope(status: int, extra: Any = None, message: str | None = None) -> Response:
    """The vendor's error reply (the legacy Get Action Status page, "Error Response Format")."""
    response = jsonify(reply={"err_code": status, "err_msg": message or MESSAGES.get(status, "Error"),
                              "err_extra": extra})
    response.status_code = status
    return response


def apportion(mix: dict[str, float], count: int) -> list[str]:
    """``count`` outcomes in the proportions of ``mix`` (largest remainder), successes first."""
    total = float(sum(mix.values()))
    quotas = {status: weight * count / total for status, weight in mix.items()}
    counts = {status: int(quota) for status, quota in quotas.items()}
    spare = count - sum(counts.values())
    by_remainder = sorted(quotas, key=lambda s: quotas[s] - counts[s], reverse=True)
    for status in by_remainder[:spare]:
        counts[status] += 1
    ordered = sorted(counts, key=lambda s: s != "COMPLETED_SUCCESSFULLY")
    return [status for status in ordered for _index in range(counts[status])]


def check_mix(mix: Any) -> dict[str, float]:
    if not isinstance(mix, dict) or not mix:
        raise ValueError("mix must be a non-empty object of terminal status to weight")
    unknown = sorted(set(mix) - set(TERMINAL))
    if unknown:
        raise ValueError("mix statuses must be terminal, not %s" % ", ".join(unknown))
    weights = {status: float(weight) for status, weight in mix.items()}
    if min(weights.values()) < 0 or sum(weights.values()) <= 0:
        raise ValueError("mix weights must be >= 0 with a positive total")
    return weights


class State:
    """API keys, endpoints and group actions with a per-endpoint plan."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.keys: dict[str, dict[str, Any]] = {k: dict(v) for k, v in DEFAULT_KEYS.items()}
            self.licensed = True
            self.timestamp_window = 300.0
            self.clock_skew_seconds = 0.0
            self.nonces: dict[str, float] = {}
            self.auth_failures: list[dict[str, Any]] = []
            self.pace = dict(PACE)
            self.mix: dict[str, float] = {"COMPLETED_SUCCESSFULLY": 1.0}
            self.error_reasons = True
            self.status_case = "upper"
            self.canceled_spelling = False
            self.echo_auth_failures = False
            self.omit_action_id: list[str] = []
            self.endpoints: dict[str, dict[str, Any]] = {}
            self.actions: dict[int, dict[str, Any]] = {}
            self._ids = itertools.count(1001)
            for index in range(1, 11):
                self.add_endpoint({"id": self.default_endpoint_id(index), "hostname": "xdr-host-%02d" % index})

    @staticmethod
    def default_endpoint_id(index: int) -> str:
        """A 32-hex-digit id like the vendor's agent ids, stable across runs."""
        return hashlib.md5(("xdr-host-%02d" % index).encode()).hexdigest()

    def add_endpoint(self, spec: dict[str, Any]) -> dict[str, Any]:
        endpoint = self.endpoints.get(spec["id"], {"id": spec["id"], "hostname": "host-" + spec["id"][:8],
                                                   "connected": True, "outcome": None, "reason": None})
        for field in ("hostname", "connected", "outcome", "reason"):
            if field in spec:
                endpoint[field] = spec[field]
        if endpoint["outcome"] is not None and endpoint["outcome"] not in TERMINAL:
            raise ValueError("outcome must be a terminal status")
        self.endpoints[endpoint["id"]] = endpoint
        return endpoint

    def now(self) -> float:
        return self.sim.clock.now()

    # ---- authentication -------------------------------------------------------------------

    def authenticate(self, headers: Any) -> str | None:
        """None when the request may pass, else why it may not (kept for the control API)."""
        key_id = headers.get("x-xdr-auth-id", "")
        given = headers.get("Authorization", "")
        key = self.keys.get(key_id)
        if key is None:
            return "unknown key id %r" % key_id
        if not given:
            return "no Authorization header"
        if key.get("expired"):
            return "key %s expired" % key_id
        if key["type"] == "standard":
            return None if hmac.compare_digest(given, key["key"]) else "wrong standard key"
        return self.check_advanced(key["key"], given, headers)

    def check_advanced(self, secret: str, given: str, headers: Any) -> str | None:
        nonce = headers.get("x-xdr-nonce", "")
        stamp = headers.get("x-xdr-timestamp", "")
        if not NONCE.match(nonce):
            return "x-xdr-nonce must be 64 characters [A-Za-z0-9]"
        if not stamp.isdigit():
            return "x-xdr-timestamp must be epoch milliseconds"
        wall = time.time() + self.clock_skew_seconds
        if abs(wall - int(stamp) / 1000.0) > self.timestamp_window:
            return "stale timestamp"
        expected = hashlib.sha256((secret + nonce + stamp).encode("utf-8")).hexdigest()
        if not hmac.compare_digest(given.lower(), expected):
            return "wrong advanced key hash"
        return self.use_nonce(nonce, wall)

    def use_nonce(self, nonce: str, wall: float) -> str | None:
        with self.lock:
            horizon = wall - 2 * self.timestamp_window
            self.nonces = {n: at for n, at in self.nonces.items() if at >= horizon}
            if nonce in self.nonces:
                return "nonce reused"
            self.nonces[nonce] = wall
        return None

    def authorize(self, key_id: str, api: str) -> int | None:
        """402 without the license, 403 when the key's role lacks the API."""
        if not self.licensed:
            return 402
        allowed = self.keys[key_id].get("permissions")
        if allowed is not None and api not in allowed:
            return 403
        return None

    # ---- actions ----------------------------------------------------------------------------

    def create_action(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A group action plus each endpoint's timeline, fixed at creation."""
        now = self.now()
        pace = {name: float(spec.get(name, value)) for name, value in self.pace.items()}
        ids = [str(e) for e in spec["endpoints"]]
        outcomes = self.outcomes(ids, spec)
        reasons = dict(spec.get("reasons") or {})
        kind = spec.get("type", "ISOLATE")
        plans = {}
        for position, endpoint_id in enumerate(ids):
            reason = reasons[endpoint_id] if endpoint_id in reasons else self.reason_for(endpoint_id, kind)
            plans[endpoint_id] = self.plan(now + pace["pending_seconds"] + position * pace["stagger_seconds"],
                                           outcomes[endpoint_id], pace, reason)
        action = {"id": int(spec.get("action_id") or next(self._ids)), "type": kind, "created": now,
                  "expires": now + pace["expire_seconds"], "abort_seconds": pace["abort_seconds"],
                  "plans": plans, "request": spec.get("request"), "incident_id": spec.get("incident_id")}
        with self.lock:
            self.actions[action["id"]] = action
        return action

    def outcomes(self, ids: list[str], spec: dict[str, Any]) -> dict[str, str]:
        """Explicit outcomes first, then the endpoint's own, then the mix over the rest."""
        given = dict(spec.get("outcomes") or {})
        disconnected = set(spec.get("disconnected") or [])
        for endpoint_id in ids:
            endpoint = self.endpoints.get(endpoint_id) or {}
            if endpoint_id not in given and (endpoint_id in disconnected or endpoint.get("connected") is False):
                given[endpoint_id] = "EXPIRED"
            elif endpoint_id not in given and endpoint.get("outcome"):
                given[endpoint_id] = endpoint["outcome"]
        rest = [e for e in ids if e not in given]
        mix = check_mix(spec["mix"]) if "mix" in spec else self.mix
        given.update(zip(rest, apportion(mix, len(rest))))
        bad = sorted({s for s in given.values() if s not in TERMINAL})
        if bad:
            raise ValueError("outcomes must be terminal statuses, not %s" % ", ".join(bad))
        return given

    def reason_for(self, endpoint_id: str, kind: str) -> str | None:
        endpoint = self.endpoints.get(endpoint_id) or {}
        return endpoint.get("reason") or REASON_TEXT.get(kind, "Action failed.")

    @staticmethod
    def plan(pickup: float, outcome: str, pace: dict[str, float], reason: str | None) -> dict[str, Any]:
        """When this endpoint starts, ends and how: the status is read off it at any time."""
        plan = {"pickup": pickup, "finish": pickup + pace["run_seconds"], "outcome": outcome,
                "cancel_at": None, "abort_at": None, "reason": reason}
        if outcome == "TIMEOUT":
            plan["finish"] = pickup + pace["timeout_seconds"]
        elif outcome == "EXPIRED":
            plan["pickup"] = None  # the endpoint never connects
        elif outcome == "CANCELLED":
            plan.update(pickup=None, cancel_at=pickup)  # cancelled before it ran
        elif outcome == "ABORTED":
            plan["abort_at"] = plan["finish"]  # aborted while running
        return plan

    def endpoint_status(self, action: dict[str, Any], plan: dict[str, Any], now: float) -> str:
        if plan["cancel_at"] is not None and now >= plan["cancel_at"]:
            return "CANCELLED"
        if plan["abort_at"] is not None and now >= plan["abort_at"]:
            return "ABORTED" if now >= plan["abort_at"] + action["abort_seconds"] else "PENDING_ABORT"
        if plan["pickup"] is None or now < plan["pickup"]:
            return "EXPIRED" if now >= action["expires"] else "PENDING"
        if now < plan["finish"]:
            return "IN_PROGRESS"
        return plan["outcome"]

    @staticmethod
    def terminal_at(action: dict[str, Any], plan: dict[str, Any]) -> float:
        """When this endpoint's status stops changing (the same order as ``endpoint_status``)."""
        if plan["cancel_at"] is not None:
            return plan["cancel_at"]
        if plan["abort_at"] is not None:
            return plan["abort_at"] + action["abort_seconds"]
        if plan["pickup"] is None or plan["pickup"] >= action["expires"]:
            return action["expires"]
        return plan["finish"]

    def statuses(self, action: dict[str, Any]) -> dict[str, str]:
        now = self.now()
        return {eid: self.endpoint_status(action, plan, now) for eid, plan in action["plans"].items()}

    def reply(self, action: dict[str, Any] | None) -> dict[str, Any]:
        """The ``reply`` object of get_action_status."""
        if action is None:
            return {"data": {}}
        data = self.statuses(action)
        reasons = {eid: self.error_reason(action["plans"][eid]["reason"])
                   for eid, status in data.items() if status == "FAILED" and action["plans"][eid]["reason"]}
        reply: dict[str, Any] = {"data": {eid: self.spell(status) for eid, status in data.items()}}
        if self.error_reasons and reasons:
            reply["errorReasons"] = reasons
        return reply

    def spell(self, status: str) -> str:
        """A status word as this tenant spells it (``status_case``, ``canceled_spelling``)."""
        if self.canceled_spelling and status == "CANCELLED":
            status = "CANCELED"
        return {"lower": status.lower(), "title": status.title()}.get(self.status_case, status)

    @staticmethod
    def error_reason(text: str) -> dict[str, Any]:
        """The errorReasons entry shape XSOAR reads (CoreIRApiModule test_data/action_status_get.json)."""
        return {"errorData": json.dumps({"reportIds": [], "errorText": text}), "terminated_by": None,
                "errorDescription": text, "terminate_result": []}

    def abort(self, action: dict[str, Any]) -> None:
        """Pending endpoints are cancelled now; running ones go PENDING_ABORT, then ABORTED."""
        now = self.now()
        with self.lock:
            for plan in action["plans"].values():
                status = self.endpoint_status(action, plan, now)
                if status == "PENDING":
                    plan["cancel_at"] = now
                elif status == "IN_PROGRESS":
                    plan.update(abort_at=now, cancel_at=None)

    def find(self, action_id: int) -> dict[str, Any] | None:
        return self.actions.get(action_id)


def state() -> State:
    return current_app.config["SIM"].vendor(NAME)


# ---- vendor API -------------------------------------------------------------------------------


def _api_name() -> str:
    return request.path.rstrip("/").rsplit("/", 1)[-1]


@blueprint.before_request
def guard() -> Response | None:
    xdr = state()
    why = xdr.authenticate(request.headers)
    if why is not None:
        with xdr.lock:
            xdr.auth_failures.append({"path": request.path, "key_id": request.headers.get("x-xdr-auth-id"),
                                      "reason": why})
        echo = {h: request.headers.get(h) for h in ("Authorization", "x-xdr-nonce", "x-xdr-timestamp")}
        return envelope(401, echo if xdr.echo_auth_failures else None)
    denied = xdr.authorize(request.headers["x-xdr-auth-id"], _api_name())
    return envelope(denied, {"api": _api_name()}) if denied else None


def request_data() -> dict[str, Any]:
    """``request_data`` of the JSON body; ValueError when the body is not that."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise ValueError("body is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("request_data"), dict):
        raise ValueError("missing request_data object")
    return body["request_data"]


def group_action_id(data: dict[str, Any]) -> int:
    value = data.get("group_action_id")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ValueError("group_action_id must be an integer")
    return int(value)


@blueprint.post(API + "/actions/get_action_status")
@blueprint.post(API + "/actions/get_action_status/")
def get_action_status() -> Response:
    try:
        action_id = group_action_id(request_data())
    except ValueError as error:
        return envelope(400, str(error))
    xdr = state()
    with xdr.lock:
        return jsonify(reply=xdr.reply(xdr.find(action_id)))


def _filter_ids(filters: Any) -> list[str]:
    """Endpoint ids named by ``filters``: ``"all"`` or ``[{field, operator: in, value}]``."""
    xdr = state()
    if filters == "all":
        return sorted(xdr.endpoints)
    if not isinstance(filters, list) or not filters:
        raise ValueError("filters must be a non-empty list or \"all\"")
    chosen = list(xdr.endpoints)
    for item in filters:
        if not isinstance(item, dict) or str(item.get("operator", "")).lower() != "in":
            raise ValueError("each filter needs operator \"in\"")
        values = {str(v) for v in item.get("value") or []}
        if item.get("field") == "endpoint_id_list":
            chosen = [e for e in chosen if e in values]
        elif item.get("field") == "hostname":
            chosen = [e for e in chosen if xdr.endpoints[e]["hostname"] in values]
        else:
            raise ValueError("filter field %r is not simulated" % item.get("field"))
    return chosen


class NoEndpoint(Exception):
    """No endpoint of the request is known: the tenant's HTTP 500 (ebarti/cortex-xdr-client issue #30)."""


def _named(filters: Any) -> None:
    """At most MAX_ENDPOINTS ids named in an ``endpoint_id_list`` filter."""
    for item in filters if isinstance(filters, list) else []:
        if isinstance(item, dict) and item.get("field") == "endpoint_id_list":
            if not isinstance(item.get("value"), list):
                raise ValueError("endpoint_id_list needs a list value")
            if len(item["value"]) > MAX_ENDPOINTS:
                raise ValueError("request is limited to %d endpoints" % MAX_ENDPOINTS)


def _targets(data: dict[str, Any], *, single_allowed: bool) -> list[str]:
    if single_allowed and "endpoint_id" in data and "filters" in data:
        raise ValueError("use either endpoint_id or filters, not both")
    if single_allowed and "endpoint_id" in data:
        ids = [str(data["endpoint_id"])] if str(data["endpoint_id"]) in state().endpoints else []
    else:
        _named(data.get("filters"))
        ids = _filter_ids(data.get("filters"))
    if len(ids) > MAX_ENDPOINTS:
        raise ValueError("request is limited to %d endpoints" % MAX_ENDPOINTS)
    if not ids:
        raise NoEndpoint()
    return ids


def _incident(data: dict[str, Any], spec: dict[str, Any]) -> None:
    """``incident_id``, optional: a string on the start pages (kept on the action for the tests)."""
    if "incident_id" in data:
        if not isinstance(data["incident_id"], str) or not data["incident_id"].strip():
            raise ValueError("incident_id must be a non-empty string")
        spec["incident_id"] = data["incident_id"]


def _run_start(kind: str, read: Any) -> Response:
    """Read the request with ``read(data) -> (endpoint ids, action spec)``, create the action and
    answer as the tenant does; 400 for a malformed request, 500 when no endpoint matched."""
    try:
        data = request_data()
        ids, spec = read(data)
    except ValueError as error:
        return envelope(400, str(error))
    except NoEndpoint:
        return envelope(500, "can't create group action id for %s" % kind, message=NO_ENDPOINT)
    xdr = state()
    if kind == "ABORT_SCAN":
        _abort_scans(set(ids))
    action = xdr.create_action(dict(spec, type=kind, endpoints=ids, request=data))
    if kind == "RUN_SCRIPT":  # numbers (CoreIRApiModule test_data/run_script.json)
        reply: dict[str, Any] = {"action_id": action["id"], "endpoints_count": len(ids)}
    else:  # the Isolate and Unisolate pages show a string status and count
        reply = {"action_id": action["id"], "status": "1", "endpoints_count": str(len(ids))}
    if _api_name() in xdr.omit_action_id:
        del reply["action_id"]
    return jsonify(reply=reply)


def _start(kind: str, *, single_allowed: bool) -> Response:
    def read(data: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        spec: dict[str, Any] = {}
        _incident(data, spec)
        return _targets(data, single_allowed=single_allowed), spec
    return _run_start(kind, read)


def _read_run_script(data: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Run Script: script_uid, parameters_values (required), filters, timeout, incident_id."""
    if not isinstance(data.get("script_uid"), str) or not data["script_uid"].strip():
        raise ValueError("script_uid is required")
    if not isinstance(data.get("parameters_values"), dict):
        raise ValueError("parameters_values must be an object")
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1):
        raise ValueError("timeout must be a positive integer")
    if not isinstance(data.get("filters"), list):
        raise ValueError("filters must be a list")
    spec: dict[str, Any] = {}
    _incident(data, spec)
    return _targets(data, single_allowed=False), spec


def _read_upgrade(data: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Upgrade Agents: endpoint_ids (a list), target_versions {os: version}; no incident [I]."""
    ids = data.get("endpoint_ids")
    if not isinstance(ids, list) or not ids:
        raise ValueError("endpoint_ids must be a non-empty list")
    if len(ids) > MAX_ENDPOINTS:
        raise ValueError("request is limited to %d endpoints" % MAX_ENDPOINTS)
    versions = data.get("target_versions")
    if not isinstance(versions, dict) or not versions or not all(isinstance(v, str) and v for v in versions.values()):
        raise ValueError("target_versions must be an object of operating system to version")
    if "incident_id" in data:
        raise ValueError("incident_id is not a field of this API")
    known = [str(e) for e in ids if str(e) in state().endpoints]
    if not known:
        raise NoEndpoint()
    return list(dict.fromkeys(known)), {}


def _abort_scans(endpoint_ids: set[str]) -> None:
    xdr = state()
    with xdr.lock:
        for action in xdr.actions.values():
            if action["type"] == "SCAN" and endpoint_ids & set(action["plans"]):
                xdr.abort(action)


@blueprint.post(API + "/endpoints/isolate")
@blueprint.post(API + "/endpoints/isolate/")
def isolate() -> Response:
    return _start("ISOLATE", single_allowed=True)


@blueprint.post(API + "/endpoints/unisolate")
@blueprint.post(API + "/endpoints/unisolate/")
def unisolate() -> Response:
    return _start("UNISOLATE", single_allowed=True)


@blueprint.post(API + "/endpoints/scan")
@blueprint.post(API + "/endpoints/scan/")
def scan() -> Response:
    return _start("SCAN", single_allowed=False)


@blueprint.post(API + "/endpoints/abort_scan")
@blueprint.post(API + "/endpoints/abort_scan/")
def abort_scan() -> Response:
    return _start("ABORT_SCAN", single_allowed=False)


@blueprint.post(API + "/scripts/run_script")
@blueprint.post(API + "/scripts/run_script/")
def run_script() -> Response:
    """https://docs-cortex.paloaltonetworks.com/r/Cortex-XDR-REST-API/Run-Script"""
    return _run_start("RUN_SCRIPT", _read_run_script)


@blueprint.post(API + "/endpoints/upgrade")
@blueprint.post(API + "/endpoints/upgrade/")
def upgrade() -> Response:
    """https://docs-cortex.paloaltonetworks.com/r/Cortex-XSIAM-Platform-APIs/Upgrade-Agents"""
    return _run_start("UPGRADE", _read_upgrade)


# ---- control API ------------------------------------------------------------------------------


def _bad(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 400
    return response


@control.post("/actions")
def control_create() -> Response:
    """Create an action: type, endpoints (ids; unknown ones are added) or count, outcomes
    {id: STATUS}, mix {STATUS: weight}, reasons {id: text or null}, disconnected [ids], action_id,
    and any pace field (pending_seconds, run_seconds, ...) for this action only."""
    spec = request.get_json(force=True)
    xdr = state()
    with xdr.lock:
        if "endpoints" not in spec:
            count = int(spec.get("count", len(xdr.endpoints)))
            for index in range(len(xdr.endpoints) + 1, count + 1):
                xdr.add_endpoint({"id": xdr.default_endpoint_id(index), "hostname": "xdr-host-%02d" % index})
            spec["endpoints"] = [xdr.default_endpoint_id(i) for i in range(1, count + 1)]
        for endpoint_id in spec["endpoints"]:
            if str(endpoint_id) not in xdr.endpoints:
                xdr.add_endpoint({"id": str(endpoint_id)})
        try:
            action = xdr.create_action(spec)
        except ValueError as error:
            return _bad(str(error))
    return jsonify(action_id=action["id"], endpoints=list(action["plans"]))


@control.get("/actions/<int:action_id>")
def control_show(action_id: int) -> Response:
    xdr = state()
    action = xdr.find(action_id)
    if action is None:
        return _bad("no such action")
    ends = [xdr.terminal_at(action, plan) for plan in action["plans"].values()]
    return jsonify(type=action["type"], reply=xdr.reply(action), terminal_at=max(ends, default=None),
                   outcomes={eid: p["outcome"] for eid, p in action["plans"].items()},
                   request=action["request"], incident_id=action["incident_id"])


@control.post("/actions/<int:action_id>/abort")
def control_abort(action_id: int) -> Response:
    xdr = state()
    action = xdr.find(action_id)
    if action is None:
        return _bad("no such action")
    xdr.abort(action)
    return jsonify(data=xdr.statuses(action))


@control.get("/endpoints")
def control_endpoints() -> Response:
    return jsonify(list(state().endpoints.values()))


@control.post("/endpoints")
def control_add_endpoints() -> Response:
    """Add or update endpoints: [{id, hostname, connected, outcome, reason}]."""
    xdr = state()
    try:
        with xdr.lock:
            for spec in request.get_json(force=True):
                xdr.add_endpoint(spec)
    except ValueError as error:
        return _bad(str(error))
    return jsonify(ok=True)


@control.post("/config")
def control_config() -> Response:
    """Pace fields, mix, error_reasons, keys {id: {key, type, permissions, expired}}, licensed,
    timestamp_window, clock_skew_seconds, status_case (upper | lower | title), canceled_spelling,
    echo_auth_failures, omit_action_id [start API names]."""
    body = request.get_json(force=True)
    xdr = state()
    try:
        with xdr.lock:
            _apply_config(xdr, body)
    except (ValueError, TypeError, KeyError) as error:
        return _bad(str(error))
    return jsonify(pace=xdr.pace, mix=xdr.mix, licensed=xdr.licensed, error_reasons=xdr.error_reasons)


def _apply_config(xdr: State, body: dict[str, Any]) -> None:
    for name in PACE:
        if name in body:
            xdr.pace[name] = float(body[name])
    if "mix" in body:
        xdr.mix = check_mix(body["mix"])
    if "keys" in body:
        keys = {str(k): dict(v) for k, v in body["keys"].items()}
        if any(v.get("type") not in ("standard", "advanced") or not v.get("key") for v in keys.values()):
            raise ValueError("each key needs a key and type standard or advanced")
        xdr.keys = keys
    if "omit_action_id" in body:
        if not isinstance(body["omit_action_id"], list):
            raise ValueError("omit_action_id must be a list of start API names")
        xdr.omit_action_id = [str(name) for name in body["omit_action_id"]]
    if "status_case" in body and body["status_case"] not in ("upper", "lower", "title"):
        raise ValueError("status_case must be upper, lower or title")
    for name, cast in (("licensed", bool), ("error_reasons", bool), ("timestamp_window", float),
                       ("clock_skew_seconds", float), ("status_case", str), ("canceled_spelling", bool),
                       ("echo_auth_failures", bool)):
        if name in body:
            setattr(xdr, name, cast(body[name]))


@control.post("/errors")
def control_errors() -> Response:
    """The next ``count`` calls to ``api`` (the path after /public_api/v1, such as
    ``actions/get_action_status``; default every route) answer ``status`` (500) in the vendor
    envelope, with ``err_msg`` and ``err_extra`` if given. Built on the shared fault list."""
    body = request.get_json(force=True) or {}
    status = int(body.get("status", 500))
    path = API + ("/" + body["api"].strip("/") if body.get("api") else "")
    reply = {"reply": {"err_code": status, "err_msg": body.get("err_msg") or MESSAGES.get(status, "Error"),
                       "err_extra": body.get("err_extra")}}
    current_app.config["SIM"].add_fault({"path": path, "status": status, "count": int(body.get("count", 1)),
                                         "body": reply, "method": "POST"})
    return jsonify(ok=True)


@control.get("/auth_failures")
def control_auth_failures() -> Response:
    xdr = state()
    with xdr.lock:
        return jsonify(list(xdr.auth_failures))
