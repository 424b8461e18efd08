"""Cybereason sensor actions: session login, ``allActions``, batch actions and abort.

Written from the vendor's API documentation (https://api-doc.cybereason.com/en/latest/: authentication.html,
responses.html, APIReference/SensorAPI/retrieveActions.html and abortSensor.html) and the public clients
named at each rule; docs/dev/vendors/cybereason.md collects them. [I] marks inferred behaviour, each
configurable through the control API.

Auth (authentication.html): ``POST /login.html`` with a form body ``username=..&password=..``. Success
sets a fresh ``JSESSIONID`` cookie (``Secure`` only over HTTPS, ``HttpOnly``) and redirects to
``/``. A failed login is "browser-like": a 302 to ``/login.html?error`` whose page is HTTP 200
HTML with an ``<app-login>`` tag (or, with ``login_failure: page``, that page at once) [I]. A
failed login still hands out an unauthenticated ``JSESSIONID`` (servlet containers create the
session before checking credentials) [I], so a client cannot judge success by the cookie alone.
Sessions last ``session_lifetime`` seconds from login (8 h, authentication.html). A REST call
without a valid session gets a 302 to ``/login.html`` (or, with ``unauthenticated: html``, a
200 HTML login page; with ``unauthenticated: 401`` or ``403``, that status with an HTML error
page), never a JSON 401. The clients show each: forensic-security/cybereason
``src/cybereason/client.py`` maps 302 to re-authentication and 403 to UnauthorizedRequest, and
responses.html lists 403 "not authorized" [I: which one a given server sends is not documented].
``GET /logout`` ends the session and redirects to the login page (forensic-security/cybereason
``client.py`` ``logout``, called when the client closes); each logout is counted in
``GET /_sim/cybereason/sessions`` (``logouts``), as is each request refused for want of a
session (``refused``).

Default credentials: username ``admin@sim.local``, password ``changeme``.

Batches: each batch plans, per sensor, when it is sent and when it ends and with which
``globalStats.stats`` key (from the batch's ``outcomes`` counts or the configured ``mix``).
A sensor is ``Pending`` for the first third of its slot, then walks the action's in-flight
steps, then shows its outcome. An in-flight outcome (``Disconnected``, ``InProgress``, ...) never
ends, so its batch never reaches ``finalState``. ``finalState`` flips when no sensor is in
flight (retrieveActions.html: "the final state for the specified action"). Finished batches drop off ``allActions`` after ``retention_seconds``
(the endpoint lists "current or queued" actions; retention is undocumented [I]).
Abort "only aborts actions that have not been sent to the sensor" (abortSensor.html): pending
and disconnected sensors become ``Aborted``; sensors in flight carry on. An abort by timeout
(control API only) turns every unfinished sensor into ``AbortTimeout`` and sets
``abortTimeout`` ("aborted because of timeout settings on the sensor", retrieveActions.html's field
table: no person asked for it, and ``aborterUser`` stays null). A single sensor can also end
as ``AbortTimeout`` on its own (``outcomes: {"AbortTimeout": 1}``) while the batch is not aborted.
With ``flags_as_strings``, ``finalState`` and ``abortTimeout`` are the strings ``"true"`` and
``"false"``, as in the recorded answer of demisto/content
``Packs/Cybereason/Integrations/Cybereason/test_data/fetch_scan_status_raw_response.json``.
"""

from __future__ import annotations

import random
import secrets
import threading
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request

NAME = "cybereason"
blueprint = Blueprint("cybereason", __name__)

DEFAULT_USER = "admin@sim.local"
DEFAULT_PASSWORD = "changeme"
SESSION_COOKIE = "JSESSIONID"

# The full key set of globalStats.stats, in the order of the vendor example (retrieveActions.html).
STATS_KEYS = (
    "Pending", "partialResponse", "AbortTimeout", "EndedWithSensorTimeout", "UnauthorizedUser",
    "FailedSendingToServer", "GettingChunks", "NewerInstalled", "SendingMsi", "None", "MsiSendFail",
    "EndedWithInvalidParam", "Failed", "InProgress", "Disconnected", "Aborted", "FailedSending",
    "MsiFileCorrupted", "UnknownProbe", "NotSupported", "Primed", "ChunksRequired", "ProbeRemoved",
    "Started", "EndedWithTooManySearches", "TimeoutSending", "InvalidState", "Timeout",
    "EndedWithUnknownError", "AlreadyUpdated", "EndedWithTooManyResults", "Succeeded",
)
# The key set of a more recent server (with ``full_stats_keys``): the recorded archive answer in
# rapid7/insightconnect-plugins plugins/cybereason/unit_test/payloads/archive_sensor.json.resp adds these.
RECENT_STATS_KEYS = (
    "SendingPlatform", "Aborting", "MissingPackageFromFileSystem", "EndedWithYaraCompileError",
    "NewPackageDownloaded", "BadArgument", "IncompatibleVersionInstalled", "EndedWithUnsupportedFilter",
    "InvalidCertificate", "Uninstalled", "UpgradePackageDownloaded", "SelfProtectEnabled",
    "EndedWithNoValidFolder", "UninstallerLaunchFailure", "OsNotSupportedForUninstallation",
)
# Keys that mean "not done yet" (key names: retrieveActions.html, and the upgrade package steps of
# rapid7/insightconnect-plugins plugins/cybereason/unit_test/payloads/archive_sensor.json.resp);
# every other key is a final outcome.
IN_FLIGHT = frozenset({"Pending", "Started", "InProgress", "Primed", "GettingChunks", "ChunksRequired",
                       "SendingMsi", "partialResponse", "None", "Disconnected", "UpgradePackageDownloaded",
                       "NewPackageDownloaded"})
# Not yet sent to the sensor, so an abort still stops it (abortSensor.html).
UNSENT = frozenset({"Pending", "Disconnected"})
# In-flight steps shown per action type [I: key names from the stats set, order inferred].
STEPS = {"Upgrade": ("Started", "SendingMsi", "InProgress"), "FetchLog": ("Started", "GettingChunks")}
DEFAULT_STEPS = ("Started", "InProgress")
# POST /rest/sensors/action/<path> -> actionType. The paths: upgrade and restart
# (splunk-soar-connectors/cybereason cybereason_connector.py ``_handle_upgrade_sensor``,
# ``_handle_restart_sensor``), schedulerScan (demisto/content Packs/Cybereason/Integrations/Cybereason/
# Cybereason.py ``start_host_scan_command``), fetchLogs and uninstall (forensic-security/cybereason
# src/cybereason/sensors.py ``get_sensors_logs``, ``uninstall_sensor``), stopCollection
# (APIReference/SensorAPI/stopCollection.html). The actionType names Upgrade, Restart and FetchLog are
# abortSensor.html's; SchedulerScan, StopCollection and Uninstall follow their pattern [I].
ACTION_TYPES = {"upgrade": "Upgrade", "restart": "Restart", "schedulerScan": "SchedulerScan",
                "fetchLogs": "FetchLog", "stopCollection": "StopCollection", "uninstall": "Uninstall"}

LOGIN_PAGE = ("<!DOCTYPE html><html><head><title>Cybereason</title></head><body>"
              "<app-login>%s<form method=\"post\" action=\"/login.html\">"
              "<input name=\"username\"><input name=\"password\" type=\"password\"></form>"
              "</app-login></body></html>")
ERROR_PAGE = "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>HTTP Status %d - %s</h1></body></html>"
APP_PAGE = "<!DOCTYPE html><html><head><title>Cybereason</title></head><body><app-root></app-root></body></html>"


def _default_sensors() -> dict[str, dict[str, Any]]:
    sensors = {}
    for index in range(1, 21):
        pylum_id = "PYLUMCLIENT_SIM_HOST-%02d_08002700AA%02X" % (index, index)
        sensors[pylum_id] = {"pylumId": pylum_id, "sensorId": "5e7788000000000000000000:" + pylum_id,
                             "machineName": "host-%02d" % index, "outcome": None}
    return sensors


class State:
    """Users, sessions, sensors and batches, as the Cybereason server keeps them."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users = {DEFAULT_USER: DEFAULT_PASSWORD}
            self.sessions: dict[str, dict[str, Any]] = {}
            self.counters = {"logins": 0, "failed_logins": 0, "logouts": 0, "refused": 0}
            self.sensors = _default_sensors()
            self.batches: list[dict[str, Any]] = []
            self.session_lifetime = 8 * 3600.0  # cookies are valid 8 hours (authentication.html)
            self.sensor_seconds = 2.0
            self.mix: dict[str, float] = {"Succeeded": 1.0}
            self.retention_seconds = 600.0
            self.login_failure = "redirect"  # or "page"
            self.unauthenticated = "redirect"  # or "html", "401", "403"
            self.failed_login_sets_cookie = True
            self.flags_as_strings = False
            self.full_stats_keys = False
            # A path prefix whose requests find no valid session (a test aid: a server or proxy that
            # does not accept the session for those calls); "" for none.
            self.session_refused_on = ""
            self._ids = random.Random(2)

    def now(self) -> float:
        return self.sim.clock.now()

    # ---- sessions -------------------------------------------------------------------------------

    def open_session(self, user: str | None) -> str:
        """A new session id; ``user`` None is an unauthenticated session (failed login)."""
        session_id = secrets.token_hex(16).upper()
        with self.lock:
            self.sessions[session_id] = {"user": user, "expires": self.now() + self.session_lifetime}
        return session_id

    def session_user(self, session_id: str | None) -> str | None:
        with self.lock:
            session = self.sessions.get(session_id or "")
            if session is None or session["expires"] <= self.now():
                return None
            return session["user"]

    def expire_sessions(self) -> int:
        with self.lock:
            for session in self.sessions.values():
                session["expires"] = self.now()
            return len(self.sessions)

    # ---- batches --------------------------------------------------------------------------------

    def new_batch_id(self) -> int:
        """A signed 32-bit id, as in the vendor example (``-2012506538``)."""
        taken = {b["batchId"] for b in self.batches}
        while True:
            candidate = self._ids.randint(-2**31, 2**31 - 1)
            if candidate not in taken:
                return candidate

    def create_batch(self, spec: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            start = self.now() + float(spec.get("delay", 0))
            names = list(spec["sensors"])
            duration = float(spec.get("duration", self.sensor_seconds * len(names)))
            outcomes = _allocate(len(names), spec.get("outcomes"), spec.get("mix") or self.mix)
            fixed = spec.get("fixed") or {}
            batch = {
                "batchId": int(spec["batchId"]) if spec.get("batchId") is not None else self.new_batch_id(),
                "actionType": spec.get("actionType", "Upgrade"),
                "actionArguments": spec.get("actionArguments"),
                "initiatorUser": spec.get("initiatorUser", DEFAULT_USER),
                "start": start,
                "plan": [_plan_entry(name, fixed.get(name) or outcome, start, duration, index, len(names))
                         for index, (name, outcome) in enumerate(zip(names, outcomes))],
                "abort": None,
            }
            self.batches.append(batch)
            return batch

    def find(self, batch_id: int) -> dict[str, Any] | None:
        return next((b for b in self.batches if b["batchId"] == batch_id), None)

    def abort(self, batch: dict[str, Any], *, user: str | None, timeout: bool = False) -> None:
        with self.lock:
            if batch["abort"] is None and self.finished_at(batch) is None:
                batch["abort"] = {"user": user, "at": self.now(), "timeout": timeout}

    def sensor_key(self, batch: dict[str, Any], entry: dict[str, Any], when: float) -> tuple[str, float | None]:
        """The sensor's stats key at ``when`` and since when it is final (None while in flight)."""
        abort = batch["abort"]
        if abort is not None and abort["at"] <= when:
            key, final = _raw_key(batch, entry, abort["at"])
            if final is None and (abort["timeout"] or key in UNSENT):
                return ("AbortTimeout" if abort["timeout"] else "Aborted"), abort["at"]
        return _raw_key(batch, entry, when)

    def finished_at(self, batch: dict[str, Any]) -> float | None:
        now = self.now()
        finals = [self.sensor_key(batch, entry, now)[1] for entry in batch["plan"]]
        if any(final is None for final in finals):
            return None
        return max(finals, default=batch["start"])

    def listed(self, batch: dict[str, Any]) -> bool:
        finished = self.finished_at(batch)
        return finished is None or self.now() - finished < self.retention_seconds

    def item(self, batch: dict[str, Any]) -> dict[str, Any]:
        """One ``allActions`` entry (retrieveActions.html), stats with the full key set."""
        now = self.now()
        stats = dict.fromkeys(STATS_KEYS + (RECENT_STATS_KEYS if self.full_stats_keys else ()), 0)
        for entry in batch["plan"]:
            key = self.sensor_key(batch, entry, now)[0]
            stats[key] = stats.get(key, 0) + 1  # a key outside the documented set is still reported
        abort = batch["abort"]
        return {
            "batchId": batch["batchId"],
            "actionType": batch["actionType"],
            "actionArguments": batch["actionArguments"],
            "globalStats": {"stats": stats},
            "finalState": self.flag(self.finished_at(batch) is not None),
            "totalNumberOfProbes": len(batch["plan"]),
            "initiatorUser": batch["initiatorUser"],
            "startTime": int(batch["start"] * 1000),
            "aborterUser": abort["user"] if abort else None,
            "abortTime": int(abort["at"] * 1000) if abort else 0,
            "abortTimeout": self.flag(bool(abort and abort["timeout"])),
            "abortHttpStatusCode": 200 if abort else None,
        }

    def flag(self, value: bool) -> bool | str:
        """A boolean field as JSON true/false, or as the strings some servers send (see module doc)."""
        return ("true" if value else "false") if self.flags_as_strings else value

    # ---- sensors --------------------------------------------------------------------------------

    def resolve_sensors(self, body: dict[str, Any]) -> list[str]:
        """Sensor names for ``sensorsIds`` (sensorId or pylumId) or ``filters`` (setExecutionPrevention.html:
        "sensorsIds" or "filters" with fieldName, operator, values)."""
        if "sensorsIds" in body:
            wanted = {str(value) for value in body.get("sensorsIds") or []}
            return [s["pylumId"] for s in self.sensors.values() if wanted & {s["sensorId"], s["pylumId"]}]
        return [s["pylumId"] for s in self.sensors.values()
                if all(_filter_matches(f, s) for f in body.get("filters") or [])]


def _allocate(count: int, outcomes: dict[str, int] | None, mix: dict[str, float]) -> list[str]:
    """Outcome per sensor, deterministic: explicit counts, else the mix by largest remainder."""
    if outcomes:
        listed = [key for key, number in outcomes.items() for _copy in range(int(number))]
        return (listed + ["Succeeded"] * count)[:count]
    total = sum(float(w) for w in mix.values()) or 1.0
    shares = {key: count * float(w) / total for key, w in mix.items()}
    numbers = {key: int(share) for key, share in shares.items()}
    leftovers = sorted(shares, key=lambda k: shares[k] - numbers[k], reverse=True)
    for key in leftovers[:count - sum(numbers.values())]:
        numbers[key] += 1
    return [key for key, number in numbers.items() for _copy in range(number)]


def _plan_entry(name: str, outcome: str, start: float, duration: float, index: int, count: int) -> dict[str, Any]:
    slot = duration / max(count, 1)
    return {"sensor": name, "outcome": outcome, "sent_at": start + slot * index + slot / 3,
            "done_at": start + slot * (index + 1)}


def _raw_key(batch: dict[str, Any], entry: dict[str, Any], when: float) -> tuple[str, float | None]:
    outcome = entry["outcome"]
    if when < entry["sent_at"]:
        return "Pending", None
    if outcome in IN_FLIGHT:  # a stuck sensor (e.g. Disconnected) shows its state and never ends
        return outcome, None
    if when < entry["done_at"]:
        steps = STEPS.get(batch["actionType"], DEFAULT_STEPS)
        span = entry["done_at"] - entry["sent_at"]
        return steps[min(int((when - entry["sent_at"]) / span * len(steps)), len(steps) - 1)], None
    return outcome, entry["done_at"]


def _filter_matches(spec: dict[str, Any], sensor: dict[str, Any]) -> bool:
    value = str(sensor.get(spec.get("fieldName", ""), ""))
    values = [str(v) for v in spec.get("values") or []]
    if spec.get("operator") == "ContainsIgnoreCase":
        return any(v.lower() in value.lower() for v in values)
    return value in values  # Equals and anything the simulator does not model


def state() -> State:
    return current_app.config["SIM"].vendor(NAME)


def html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html;charset=UTF-8")


def failure(status: int, message: str) -> Response:
    """The ``{"status", "data", "message"}`` wrapper some Cybereason endpoints use (forensic-security/cybereason
    src/cybereason/client.py ``check_resp``) [I]."""
    response = jsonify(status="FAILURE", data=None, message=message)
    response.status_code = status
    return response


def _login_redirect() -> Response:
    return redirect("/login.html", code=302)


@blueprint.before_request
def guard() -> Response | None:
    """No valid session: 302 to the login page, or its HTML with 200; never a JSON 401."""
    if request.endpoint in ("cybereason.login_page", "cybereason.login"):
        return None
    cyb = state()
    refused = bool(cyb.session_refused_on) and request.path.startswith(cyb.session_refused_on)
    if not refused and cyb.session_user(request.cookies.get(SESSION_COOKIE)):
        return None
    with cyb.lock:
        cyb.counters["refused"] += 1
    if cyb.unauthenticated in ("401", "403"):
        code = int(cyb.unauthenticated)
        return html(ERROR_PAGE % (code, "Unauthorized" if code == 401 else "Forbidden"), code)
    return html(LOGIN_PAGE % "") if cyb.unauthenticated == "html" else _login_redirect()


def _set_session(response: Response, session_id: str) -> Response:
    response.set_cookie(SESSION_COOKIE, session_id, path="/", secure=request.is_secure, httponly=True)
    return response


@blueprint.get("/login.html")
def login_page() -> Response:
    note = "<p class=\"error\">Invalid username or password</p>" if "error" in request.args else ""
    return html(LOGIN_PAGE % note)


@blueprint.post("/login.html")
def login() -> Response:
    cyb = state()
    user, password = request.form.get("username", ""), request.form.get("password")
    if user and password is not None and cyb.users.get(user) == password:
        with cyb.lock:
            cyb.counters["logins"] += 1
        return _set_session(redirect("/", code=302), cyb.open_session(user))
    with cyb.lock:
        cyb.counters["failed_logins"] += 1
    response = html(LOGIN_PAGE % "<p class=\"error\">Invalid username or password</p>") \
        if cyb.login_failure == "page" else redirect("/login.html?error", code=302)
    return _set_session(response, cyb.open_session(None)) if cyb.failed_login_sets_cookie else response


@blueprint.get("/")
def app_page() -> Response:
    return html(APP_PAGE)


@blueprint.get("/logout")
def logout() -> Response:
    """End the session (the guard already sent a request without one to the login page)."""
    cyb = state()
    with cyb.lock:
        session = cyb.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        if session is not None:  # kept, ended, so tests can still look for its id in output
            session.update(expires=cyb.now(), logged_out=True)
            cyb.counters["logouts"] += 1
    return _login_redirect()


@blueprint.get("/rest/sensors/allActions")
def all_actions() -> Response:
    cyb = state()
    with cyb.lock:
        return jsonify([cyb.item(b) for b in cyb.batches if cyb.listed(b)])


@blueprint.post("/rest/sensors/action/<action>")
def sensor_action(action: str) -> Response:
    """Start a batch and answer the batch object, as allActions lists it (the recorded archive answer,
    rapid7/insightconnect-plugins plugins/cybereason/unit_test/payloads/archive_sensor.json.resp; XSOAR
    reads ``batchId`` from the schedulerScan answer, demisto/content Cybereason.py
    ``start_host_scan_command``). 204 with no body when no sensor matches ("The sensor names are
    incorrect or the filters are not valid", splunk-soar-connectors/cybereason cybereason_connector.py
    ``_handle_upgrade_sensor``; "not available for scanning", XSOAR). Sensor ids it does not know are
    left out, so the batch has fewer sensors (``totalNumberOfProbes``) than asked [I]. A schedulerScan
    whose ``argument`` is not FULL, QUICK or STOP (the scan types of XSOAR's cybereason-start-host-scan)
    is a 400 [I]. No valid session: the guard's login redirect, before anything is created."""
    if action not in ACTION_TYPES:
        return failure(404, "Unknown sensor action %s" % action)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or ("sensorsIds" not in body and "filters" not in body):
        return failure(400, "Request must contain sensorsIds or filters")
    if action == "schedulerScan" and body.get("argument") not in ("FULL", "QUICK", "STOP"):
        return failure(400, "Invalid scan argument")
    cyb = state()
    with cyb.lock:
        names = cyb.resolve_sensors(body)
        if not names:
            return Response(status=204)
        fixed = {n: cyb.sensors[n]["outcome"] for n in names if cyb.sensors[n]["outcome"]}
        argument = body.get("argument")
        batch = cyb.create_batch({"actionType": ACTION_TYPES[action], "sensors": names, "fixed": fixed,
                                  "actionArguments": [argument] if argument is not None else None,
                                  "initiatorUser": cyb.session_user(request.cookies.get(SESSION_COOKIE))})
        return jsonify(cyb.item(batch))


@blueprint.get("/rest/sensors/abort/<batch_id>")
def abort(batch_id: str) -> Response:
    """Abort a batch; an unknown id is 400 "UNKNOWN BATCH" (abortSensor.html)."""
    cyb = state()
    with cyb.lock:
        batch = cyb.find(int(batch_id)) if batch_id.lstrip("-").isdigit() else None
        if batch is None:
            return failure(400, "UNKNOWN BATCH")
        cyb.abort(batch, user=cyb.session_user(request.cookies.get(SESSION_COOKIE)))
        return jsonify(cyb.item(batch))


# ---- control API ---------------------------------------------------------------------------------

control = Blueprint("cybereason_control", __name__, url_prefix="/_sim/cybereason")

CONFIG_FIELDS = {"session_lifetime": float, "sensor_seconds": float, "retention_seconds": float,
                 "mix": dict, "users": dict, "login_failure": str, "unauthenticated": str,
                 "failed_login_sets_cookie": bool, "flags_as_strings": bool, "full_stats_keys": bool,
                 "session_refused_on": str}


@control.post("/batches")
def control_create() -> Response:
    """Create a batch directly: actionType, sensors (names) or count, outcomes {key: n} or mix
    {key: weight}, duration or sensor_seconds, delay, batchId, initiatorUser, actionArguments."""
    spec = dict(request.get_json(force=True))
    cyb = state()
    if "sensors" not in spec:
        spec["sensors"] = ["%s-%03d" % (spec.get("prefix", "sensor"), i) for i in range(1, int(spec.get("count", 1)) + 1)]
    if "sensor_seconds" in spec and "duration" not in spec:
        spec["duration"] = float(spec["sensor_seconds"]) * len(spec["sensors"])
    batch = cyb.create_batch(spec)
    return jsonify(batchId=batch["batchId"], item=cyb.item(batch))


@control.get("/batches/<batch_id>")
def control_show(batch_id: str) -> Response:
    cyb = state()
    with cyb.lock:
        batch = cyb.find(int(batch_id))
        if batch is None:
            return failure(404, "no such batch")
        return jsonify(item=cyb.item(batch), listed=cyb.listed(batch), finished_at=cyb.finished_at(batch),
                       ends_at=max((e["done_at"] for e in batch["plan"]), default=batch["start"]))


@control.post("/batches/<batch_id>/abort")
def control_abort(batch_id: str) -> Response:
    """Abort as a user would ({"user": ...}) or by timeout ({"timeout": true})."""
    body = request.get_json(silent=True) or {}
    cyb = state()
    batch = cyb.find(int(batch_id))
    if batch is None:
        return failure(404, "no such batch")
    timeout = bool(body.get("timeout"))
    cyb.abort(batch, user=body.get("user", None if timeout else DEFAULT_USER), timeout=timeout)
    return jsonify(item=cyb.item(batch))


@control.post("/sensors")
def control_sensors() -> Response:
    """Add or update sensors: [{pylumId, sensorId, machineName, outcome}]; ``outcome`` is the
    stats key this sensor always ends with (e.g. a sensor whose upgrades fail)."""
    cyb = state()
    with cyb.lock:
        for spec in request.get_json(force=True):
            current = cyb.sensors.get(spec["pylumId"], {})
            cyb.sensors[spec["pylumId"]] = {
                "pylumId": spec["pylumId"],
                "sensorId": spec.get("sensorId", current.get("sensorId", "5e7788000000000000000000:" + spec["pylumId"])),
                "machineName": spec.get("machineName", current.get("machineName", spec["pylumId"])),
                "outcome": spec.get("outcome"),
            }
    return jsonify(ok=True)


@control.post("/config")
def control_config() -> Response:
    """session_lifetime, sensor_seconds (pace), retention_seconds, mix, users, login_failure
    ("redirect" | "page"), unauthenticated ("redirect" | "html" | "401" | "403"),
    failed_login_sets_cookie, flags_as_strings, full_stats_keys (the recent key set, RECENT_STATS_KEYS),
    session_refused_on (a path prefix whose requests find no valid session, answered as ``unauthenticated``
    says)."""
    body = request.get_json(force=True)
    unknown = set(body) - set(CONFIG_FIELDS)
    if unknown:
        return failure(400, "unknown config keys: %s" % ", ".join(sorted(unknown)))
    cyb = state()
    with cyb.lock:
        for key, value in body.items():
            setattr(cyb, key, CONFIG_FIELDS[key](value))
    return jsonify(ok=True)


@control.post("/sessions/expire")
def control_expire() -> Response:
    """Expire every session now: the next REST call is redirected to the login page."""
    return jsonify(expired=state().expire_sessions())


@control.get("/sessions")
def control_sessions() -> Response:
    cyb = state()
    with cyb.lock:
        active = sum(1 for s in cyb.sessions.values() if s["user"] and s["expires"] > cyb.now())
        return jsonify(active=active, **cyb.counters)
