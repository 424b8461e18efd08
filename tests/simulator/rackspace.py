"""Rackspace Cloud Backup v2 (agent events, backups, restores), v1.0 (backup and restore state
and reports, the wake-up, manual starts) and Rackspace Identity v2.0.

Written from ``rackerlabs/docs-cloud-backup`` (``api-docs/cloud-backup-v2`` and
``api-docs/cloud-backup-v1``; method pages under ``api-reference/methods/``) and
``rackerlabs/cbu-sdk-python``.

Default credentials (change them with ``POST /_sim/rackspace/config``):

- identity ``POST /v2.0/tokens``: username ``sim-user`` with API key ``sim-api-key``
  (``RAX-KSKEY:apiKeyCredentials``) or password ``sim-password`` (``passwordCredentials``);
- a ready token ``sim-token`` (valid for ``token_lifetime`` from reset, like an issued one);
  ``DELETE /v2.0/tokens`` revokes the caller's own token (``GET /_sim/rackspace/tokens`` lists them);
- project (tenant) ``123456``; regions ``DFW`` (home: ``<sim>/v1.0/123456``) and ``ORD``
  (``<sim>/rax/ord/v1.0/123456``), so a client that picks the wrong region is visible in the log.
  The catalog names v1.0 endpoints, as the real one does
  (api-docs/cloud-backup-v1/common-gs/samples/service-catalog-endpoint.rst: type ``rax:backup``,
  ``https://dfw.backup.api.rackspacecloud.com/v1.0/123456``, and one entry without a region);
  v2 is served on the same hosts under ``/v2`` (the v2 README: "not yet launched externally");
- agents ``8f135b4f-7a69-4b8a-947f-5e80d772fd97`` (``Web Server``) and
  ``74124b09-5bd3-4436-b3e4-87ef362e4df5``; configuration ``7c8ee069-568f-4d5a-932f-fb2af86b5fd5``
  (on the first agent).

Behaviour taken from the docs:

- every call needs ``X-Auth-Token``; a missing, unknown or expired token gets 401 (tokens
  last ``token_lifetime``, about a day by default, on the simulated clock);
- the project id in the path is optional ("The Cloud Backup API runs with or without the
  specification of the account ID number", service-access-endpoints.rst);
- events are transient ("might disappear after a minute or so",
  cloud-backup-v2/api-reference/methods/get-list-events-for-an-agent-v2-project-id-agents-agent-id-events.rst): each is visible for
  ``event_ttl`` seconds (60). Ids are unique, increasing numeric strings (the doc examples reuse
  ids: a documentation artefact). ``marker`` returns only newer events (older ones with
  ``sort_dir=desc``), ``limit`` defaults to 100, and ``links`` (``next`` = ``?marker=<last id>``,
  ``previous`` = ``?marker=<first id>&sort_dir=desc``) are absent when the page is empty
  (links-parameter.rst);
- the agent stream carries agent-level events only (the types that page lists; agents send a
  heartbeat every ``heartbeat_seconds``). Backup and restore events live on ``/backups/{id}/events``
  and ``/restores/{id}/events`` (get-list-events-for-a-backup-v2-project-id-backups-backup-id-events.rst,
  get-list-events-for-a-restore-v2-project-id-restores-restore-id-events.rst);
- backups go ``start_requested`` (or ``start_scheduled``) -> ``queued`` -> ``preparing`` ->
  ``in_progress`` -> ``completed`` | ``completed_with_errors`` | ``failed``; ``missed`` and
  ``skipped`` end a backup that never ran; ``PATCH`` to ``stop_requested`` leads to ``stopped``.
  Restores go the same way without ``missed``/``skipped``. One state per ``step_seconds``;
- errors use ``{"message", "errors"}`` (response-codes.rst); 409 on PATCH of a terminal
  resource carries the doc's message.

v1.0 (``api-docs/cloud-backup-v1/api-reference/methods``), over the same backups and restores:

- ``GET /v1.0/{tenant}/backup/{id}`` (get-list-backup-details-v1.0-...): ``BackupId``,
  ``CurrentState`` in CamelCase (Queued, InProgress, Skipped, Missed, Stopped, Completed, Failed,
  Preparing, StartRequested, StartScheduled, StopRequested, CompletedWithErrors) and
  ``StateChangeTime`` as ``/Date(ms)/``;
- ``GET /v1.0/{tenant}/restore/{id}`` (get-list-details-about-a-restore-v1.0-...): no state word,
  a ``RestoreStateId`` number (0 Creating, 1 Queued, 2 InProgress, 3 Completed, 4 Stopped,
  5 Failed, 6 StartRequested, 7 StopRequested, 8 CompletedWithErrors, 9 Preparing; also
  ``rcbu/common/status.py`` of cbu-sdk-python);
- ``GET /v1.0/{tenant}/backup/report/{id}`` and ``/restore/report/{id}``
  (get-get-a-backup-report-..., get-get-restore-report-...): ``State``, ``StartTime``,
  ``CompletedTime``, ``FilesSearched`` and ``FilesBackedUp`` as strings ("11936"), ``NumErrors``
  (a number for backups, a string for restores, as in the examples), ``Reason``, ``Diagnostics``
  and ``ErrorList`` (one entry with a ``Path`` per error);
- the tenant in the path is optional here too (cbu-sdk-python's ``Connection`` drops it);
- ``POST /v1.0/{tenant}/user/wakeupagents`` (post-wake-up-agents-v1.0-tenant-id-user-wakeupagents.rst):
  no body, 200 with no body ("wait 10 to 20 seconds after using this operation before starting a
  backup or restore"); each one is counted (``GET /_sim/rackspace/wakeups``);
- ``POST /v1.0/{tenant}/backup/action-requested`` (post-start-or-stop-a-backup-manually-v1.0-
  tenant-id-backup-action-requested.rst) ``{"Action": "StartManual", "Id": <BackupConfigurationId>}``
  starts a backup of that configuration and answers 200 with the new BackupId as the whole body
  (``368785`` in the docs, from 368785 up here); ``{"Action": "StopManual", "Id": <BackupId>}``
  stops a backup (204). "You can run the backup job as many time as you like. A backup is created
  each time you run the job" (getting-started/examples/start-backup.rst): a v1.0 start of a
  configuration whose backup is running starts another one. v1.0 configuration ids are numbers
  (``148325``, the docs' example, exists from reset on the first agent).

Choices of the simulator (not in the docs): a report is served only once the backup or restore
has ended (404 before; the docs say "details about a completed backup"); v1.0 and v2 show the
same backups and restores, with whatever ids they were created with (give a numeric ``id`` to
the control API for a v1.0-shaped one); the error ``reason``/``diagnostics`` of a failed
backup or restore, and 409 when starting a v2 backup for a configuration that is already running
(the v2 start page lists 409 without saying when); 404 for a v1.0 start of an unknown
configuration; how the v1.0 start answers its BackupId (``v1_start_answer``: ``json``, the bare
number with ``application/json``, the default; ``text``, the same as ``text/plain``; ``quoted``,
a JSON string; ``object``, ``{"Id": n}`` as the response table names it; ``empty``, no body), since
the docs show only the number; and ``fail_configurations``, whose backups (v1.0 or v2) fail.
"""

from __future__ import annotations

import datetime
import itertools
import threading
import uuid
from typing import Any, Callable

from flask import Blueprint, Response, current_app, jsonify, request

from .core import iso

NAME = "rackspace"
blueprint = Blueprint("rackspace", __name__)
control = Blueprint("rackspace_control", __name__, url_prefix="/_sim/rackspace")

HOME_REGION = "DFW"
DEFAULT_AGENTS = (
    {"id": "8f135b4f-7a69-4b8a-947f-5e80d772fd97", "name": "Web Server"},
    {"id": "74124b09-5bd3-4436-b3e4-87ef362e4df5", "name": "Database Server"},
)
DEFAULT_CONFIGURATION = "7c8ee069-568f-4d5a-932f-fb2af86b5fd5"
# A v1.0 configuration (a number: post-start-or-stop-a-backup-manually-..., "Id": 148325), and the
# first v1.0 BackupId a start answers (the docs' "368785").
V1_CONFIGURATION = "148325"
FIRST_V1_BACKUP = 368785
V1_START_ANSWERS = ("json", "text", "quoted", "object", "empty")

BACKUP_TERMINAL = ("completed", "completed_with_errors", "failed", "stopped", "skipped", "missed")
RESTORE_TERMINAL = ("completed", "completed_with_errors", "failed", "stopped")
TERMINAL = {"backup": BACKUP_TERMINAL, "restore": RESTORE_TERMINAL}
OUTCOMES = {"backup": ("completed", "completed_with_errors", "failed", "missed", "skipped"),
            "restore": ("completed", "completed_with_errors", "failed")}
# The states a running resource passes through, and the event each emits (restore events
# documented: restore_start_request, restore_in_progress, restore_progress, restore_completed,
# restore_failed, restore_stop_request, restore_stopped).
FLOW = {
    "backup": (("queued", "backup_queued"), ("preparing", "backup_preparing"),
               ("in_progress", "backup_in_progress")),
    "restore": (("queued", None), ("preparing", None), ("in_progress", "restore_in_progress")),
}
# completed_with_errors has no event of its own in the docs: the resource carries the state.
END_EVENT = {"completed": "completed", "completed_with_errors": "completed", "failed": "failed",
             "missed": "missed", "skipped": "skipped", "stopped": "stopped"}
# Agent requests and the events each emits, one per step (the event types of
# cloud-backup-v2/api-reference/methods/get-list-events-for-an-agent-v2-project-id-agents-agent-id-events.rst).
REQUEST_FLOWS = {
    "vault_db_download": ("vault_db_download_in_progress", "vault_db_download_{outcome}"),
    "logfile": ("logfile_upload", "logfile_started", "logfile_completed"),
}
SINGLE_REQUESTS = ("agent_registered", "agent_activate", "agent_shutdown", "configuration_changed",
                   "vault_encryption_enable", "vault_encryption_change", "vault_password_verify",
                   "host_browse")
ERRORS = {
    "completed_with_errors": {"count": 1, "reason": "unable_to_process_some_files",
                              "diagnostics": "Some files could not be backed up. Partial list follows."},
    "failed": {"count": 1, "reason": "unable_to_communicate_with_cloud_files",
               "diagnostics": "The agent could not upload to Cloud Files."},
}


def rax_time(epoch: float) -> str:
    """Cloud Backup times carry microseconds ("2014-10-09T12:26:14.233501Z", the example of
    cloud-backup-v2/api-reference/methods/get-list-events-for-an-agent-v2-project-id-agents-agent-id-events.rst)."""
    stamp = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Track:
    """One thing that moves through timed steps: a backup, a restore, an agent or its request."""

    def __init__(self, kind: str, record: dict[str, Any], stream: tuple[str, str],
                 context: dict[str, Any]) -> None:
        self.kind = kind
        self.record = record
        self.stream = stream
        self.context = context
        self.steps: list[dict[str, Any]] = []
        self.pace = 2.0

        self.changed_at = 0.0

    def pop_due(self, now: float) -> list[dict[str, Any]]:
        due = [s for s in self.steps if s["at"] <= now]
        self.steps = [s for s in self.steps if s["at"] > now]
        return due

    def terminal(self) -> bool:
        return self.record.get("state") in TERMINAL.get(self.kind, ())

    def terminal_at(self) -> float | None:
        ends = [s["at"] for s in self.steps if s.get("state") in TERMINAL.get(self.kind, ())]
        return max(ends, default=None)


class State:
    """Identity users and tokens, agents, configurations, backups, restores and the event store."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users = {"sim-user": {"api_key": "sim-api-key", "password": "sim-password"}}
            self.project_id = "123456"
            self.regions = [HOME_REGION, "ORD"]
            # The catalog's host (scheme://host:port): None is the listener the identity call came in
            # on. Real catalogs name another host than Identity's (identity.api... vs dfw.backup.api...).
            self.catalog_host: str | None = None
            self.token_lifetime = 86400.0
            self.event_ttl = 60.0
            self.heartbeat_seconds = 30.0
            self.step_seconds = 2.0
            self.outcome = {"backup": "completed", "restore": "completed"}
            self.tokens: dict[str, dict[str, Any]] = {}
            self.revoked: list[str] = []  # tokens revoked by DELETE /v2.0/tokens (GET /_sim/rackspace/tokens)
            self.tracks: dict[tuple[str, str], Track] = {}
            self.configurations: dict[str, dict[str, Any]] = {}
            # Configurations whose backups fail (a test's failure list), and the v1.0 start's answer form.
            self.fail_configurations: set[str] = set()
            self.v1_start_answer = "json"
            self.wakeups: list[float] = []
            self._v1_backups = itertools.count(FIRST_V1_BACKUP)
            self.events: list[dict[str, Any]] = []
            self._ids = itertools.count(5650135582)  # numeric, like the doc's ids
            self._seq = itertools.count()
            self._snapshots = itertools.count(1111)
            self.issue_token("sim-user", token_id="sim-token")
            for agent in DEFAULT_AGENTS:
                self.add_agent(agent)
            self.configurations[DEFAULT_CONFIGURATION] = {"agent_id": DEFAULT_AGENTS[0]["id"]}
            self.configurations[V1_CONFIGURATION] = {"agent_id": DEFAULT_AGENTS[0]["id"]}

    def now(self) -> float:
        return self.sim.clock.now()

    # ---- identity ------------------------------------------------------------------------------

    def issue_token(self, user: str, *, token_id: str | None = None,
                    lifetime: float | None = None) -> dict[str, Any]:
        token = {"id": token_id or uuid.uuid4().hex, "user": user, "tenant": self.project_id,
                 "expires": self.now() + (self.token_lifetime if lifetime is None else lifetime)}
        self.tokens[token["id"]] = token
        return token

    def valid_token(self, token_id: str) -> dict[str, Any] | None:
        token = self.tokens.get(token_id)
        return token if token and token["expires"] > self.now() else None

    def expire_tokens(self, token_id: str | None = None) -> int:
        chosen = [t for t in self.tokens.values() if token_id in (None, t["id"])]
        for token in chosen:
            token["expires"] = self.now() - 1
        return len(chosen)

    # ---- time and events -----------------------------------------------------------------------

    def step(self, at: float, *, state: str | None = None, event: str | None = None,
             fields: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"at": at, "seq": next(self._seq), "state": state, "event": event,
                "fields": fields or {}, "extra": extra or {}}

    def advance(self) -> None:
        """Apply every step that is due, in time order, emitting its event with the next id."""
        now = self.now()
        self._schedule_heartbeats(now)
        due = [(step, track) for track in self.tracks.values() for step in track.pop_due(now)]
        for step, track in sorted(due, key=lambda pair: (pair[0]["at"], pair[0]["seq"])):
            self._apply(track, step)
        horizon = now - self.event_ttl
        self.events = [e for e in self.events if e["at"] > horizon]

    def _apply(self, track: Track, step: dict[str, Any]) -> None:
        if step["state"]:
            track.record["state"] = step["state"]
            track.changed_at = step["at"]
        for key, value in step["fields"].items():
            track.record[key] = rax_time(step["at"]) if value == "@now" else value
        if step["event"]:
            self.emit(track.stream, step["at"], {"event": step["event"], **track.context, **step["extra"]})

    def emit(self, stream: tuple[str, str], at: float, body: dict[str, Any]) -> dict[str, Any]:
        event_id = next(self._ids)
        event = {"id": event_id, "at": at, "stream": stream,
                 "body": {"id": str(event_id), "time": rax_time(at), **body}}
        self.events.append(event)
        return event

    def _schedule_heartbeats(self, now: float) -> None:
        if self.heartbeat_seconds <= 0:
            return
        for track in [t for t in self.tracks.values() if t.kind == "agent"]:
            beat = track.record["next_heartbeat"]
            if beat < now - self.event_ttl:  # beats older than the ttl could never be seen
                skipped = int((now - self.event_ttl - beat) // self.heartbeat_seconds)
                beat += skipped * self.heartbeat_seconds
            while beat <= now:
                track.steps.append(self.step(beat, event="agent_heartbeat"))
                beat += self.heartbeat_seconds
            track.record["next_heartbeat"] = beat

    def visible(self, stream: tuple[str, str]) -> list[dict[str, Any]]:
        horizon = self.now() - self.event_ttl
        return [e for e in self.events if e["stream"] == stream and e["at"] > horizon]

    # ---- agents and their requests -------------------------------------------------------------

    def add_agent(self, spec: dict[str, Any]) -> Track:
        agent = {"id": spec["id"], "name": spec.get("name", "agent " + spec["id"][:8]),
                 "host": {"os": spec.get("os") or {"name": "Ubuntu", "version": "22.04",
                                                   "architecture": "64-bit"}},
                 "next_heartbeat": self.now() + self.heartbeat_seconds}
        track = Track("agent", agent, ("agent", agent["id"]), {"agent": {"id": agent["id"]}})
        self.tracks[("agent", agent["id"])] = track
        return track

    def agent(self, agent_id: str) -> Track | None:
        return self.tracks.get(("agent", agent_id))

    def add_request(self, agent_id: str, spec: dict[str, Any]) -> Track:
        """An agent request: its events, one per ``step_seconds``, all with one request_id."""
        names = request_events(spec.get("event", "vault_db_download"), spec.get("outcome", "completed"))
        request_id = spec.get("request_id") or str(uuid.uuid4())
        pace = float(spec.get("step_seconds", self.step_seconds))
        start = self.now() - float(spec.get("age", 0)) + float(spec.get("delay", 0))
        record = {"request_id": request_id, "agent_id": agent_id, "events": list(names)}
        context = {"agent": {"id": agent_id}, "request_id": request_id}
        track = Track("request", record, ("agent", agent_id), context)
        track.steps = [self.step(start + pace * index, event=name, extra=dict(spec.get("fields") or {}))
                       for index, name in enumerate(names)]
        self.tracks[("request", request_id)] = track
        return track

    # ---- backups and restores ------------------------------------------------------------------

    def find(self, kind: str, resource_id: str) -> Track | None:
        return self.tracks.get((kind, resource_id))

    def add_backup(self, spec: dict[str, Any], base: str) -> Track:
        configuration_id = spec.get("configuration_id") or DEFAULT_CONFIGURATION
        configuration = self.configurations.get(configuration_id) or {}
        agent_id = spec.get("agent_id") or configuration.get("agent_id") or DEFAULT_AGENTS[0]["id"]
        backup_id = spec.get("id") or str(uuid.uuid4())
        record = backup_record(self.project_id, backup_id, agent_id, configuration_id, base)
        record["state"] = spec.get("state", "start_requested")
        context = {"agent": {"id": agent_id}, "configuration": {"id": configuration_id},
                   "backup": {"id": backup_id}}
        failing = "failed" if configuration_id in self.fail_configurations else None
        outcome = spec.get("outcome") or failing or configuration.get("outcome") or self.outcome["backup"]
        return self._start(Track("backup", record, ("backup", backup_id), context), spec, outcome)

    def next_v1_backup_id(self) -> str:
        """The next v1.0 BackupId (a number), skipping any id a test created directly."""
        while True:
            backup_id = str(next(self._v1_backups))
            if self.find("backup", backup_id) is None:
                return backup_id

    def add_restore(self, spec: dict[str, Any], base: str) -> Track:
        backup = self.find("backup", spec.get("backup_id", "")) if spec.get("backup_id") else None
        agent_id = spec.get("destination_agent_id") or DEFAULT_AGENTS[1]["id"]
        restore_id = spec.get("id") or str(uuid.uuid4())
        backup_id = backup.record["id"] if backup else spec.get("backup_id") or str(uuid.uuid4())
        record = restore_record(self.project_id, restore_id, backup_id, agent_id, spec, base)
        configuration_id = backup.record["configuration"]["id"] if backup else DEFAULT_CONFIGURATION
        context = {"agent": {"id": agent_id}, "configuration": {"id": configuration_id},
                   "restore": {"id": restore_id}}
        outcome = spec.get("outcome") or self.outcome["restore"]
        return self._start(Track("restore", record, ("restore", restore_id), context), spec, outcome)

    def _start(self, track: Track, spec: dict[str, Any], outcome: str) -> Track:
        if outcome not in OUTCOMES[track.kind]:
            raise ValueError("outcome must be one of %s" % ", ".join(OUTCOMES[track.kind]))
        track.pace = float(spec.get("step_seconds", self.step_seconds))
        start = self.now() - float(spec.get("age", 0))
        track.changed_at = start
        errors = spec.get("errors")
        track.steps = self._plan(track, start, outcome, errors)
        self.tracks[(track.kind, track.record["id"])] = track
        return track

    def _plan(self, track: Track, start: float, outcome: str, errors: Any) -> list[dict[str, Any]]:
        kind, pace = track.kind, track.pace
        first: list[dict[str, Any]] = []
        if track.record["state"] == "start_requested":  # a person asked: the docs log the request
            first.append(self.step(start, event=kind + "_start_request",
                                   extra={"request_id": str(uuid.uuid4())}))
        if outcome in ("missed", "skipped"):  # never ran (documented with a request_id)
            return first + [self.step(start + pace, state=outcome, event="backup_" + outcome,
                                      fields={"ended_time": "@now"},
                                      extra={"request_id": str(uuid.uuid4())})]
        steps = first + [self._flow_step(track, start + pace * (i + 1), state, event)
                         for i, (state, event) in enumerate(FLOW[kind])]
        steps.append(self.step(start + pace * 3.5, event=kind + "_progress",
                               extra={"bytes_completed": 1, "bytes_remaining": 3, "total_bytes": 4}))
        steps.append(self.step(start + pace * 4, state=outcome, event="%s_%s" % (kind, END_EVENT[outcome]),
                               fields=end_fields(kind, outcome, errors)))
        return steps

    def _flow_step(self, track: Track, at: float, state: str, event: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if state == "queued":  # started_time is the queue time in the doc's example
            fields["started_time"] = "@now"
        if state == "in_progress" and track.kind == "backup":
            fields["snapshot_id"] = next(self._snapshots)
        return self.step(at, state=state, event=event, fields=fields)

    def stop(self, track: Track) -> None:
        """PATCH state=stop_requested: the doc's stop_request event, then stopped one step later."""
        if track.record["state"] == "stop_requested":
            return
        now = self.now()
        track.steps = [
            self.step(now, state="stop_requested", event=track.kind + "_stop_request",
                      extra={"request_id": str(uuid.uuid4())}),
            self.step(now + track.pace, state="stopped", event=track.kind + "_stopped",
                      fields={"ended_time": "@now"}),
        ]

    def report(self, track: Track, state: str) -> None:
        """An agent reporting a state directly (the PATCH example sets completed_with_errors)."""
        if state in TERMINAL[track.kind]:
            fields, event = end_fields(track.kind, state, None), "%s_%s" % (track.kind, END_EVENT[state])
        else:
            fields, event = {}, dict(FLOW[track.kind]).get(state)
        track.steps = [self.step(self.now(), state=state, event=event, fields=fields)]


def request_events(kind: str, outcome: str) -> tuple[str, ...]:
    if kind in SINGLE_REQUESTS:
        return (kind,)
    if kind not in REQUEST_FLOWS:
        raise ValueError("event must be one of %s" % ", ".join(sorted(REQUEST_FLOWS) + list(SINGLE_REQUESTS)))
    if outcome not in ("completed", "failed") or (outcome == "failed" and kind != "vault_db_download"):
        # The agent events page documents a *_failed event for vault_db_download only.
        raise ValueError("outcome for %s must be completed%s" % (kind, " or failed" if kind == "vault_db_download" else ""))
    return tuple(name.format(outcome=outcome) for name in REQUEST_FLOWS[kind])


def end_fields(kind: str, outcome: str, errors: Any) -> dict[str, Any]:
    chosen = dict(ERRORS.get(outcome, {"count": 0, "reason": "", "diagnostics": ""}))
    chosen.update(errors or {})
    fields: dict[str, Any] = {"ended_time": "@now", "errors": chosen}
    good = outcome in ("completed", "completed_with_errors")
    if kind == "backup":
        fields.update(files_searched=1222, files_backed_up=6 if good else 0, bytes_searched=3700000000,
                      bytes_backed_up=127000000 if good else 0, bytes_in_db=49340871,
                      bandwidth_avg_bps=16628982, restorable=good)
    else:
        fields.update(files_restored=2 if good else 0, bytes_restored=1512 if good else 0)
    return fields


def _links(base: str, kind: str, resource_id: str) -> list[dict[str, str]]:
    href = "%s/%ss/%s" % (base, kind, resource_id)
    return [{"href": href, "rel": "self"}, {"href": href + "/events", "rel": "events"}]


def _ref(base: str, kind: str, resource_id: str) -> dict[str, Any]:
    return {"id": resource_id, "links": [{"href": "%s/%ss/%s" % (base, kind, resource_id), "rel": "full"}]}


def backup_record(project_id: str, backup_id: str, agent_id: str, configuration_id: str,
                  base: str) -> dict[str, Any]:
    """A backup as ``GET /v2/{project_id}/backups/{backup_id}`` shows it."""
    return {
        "project_id": project_id, "id": backup_id, "agent": _ref(base, "agent", agent_id),
        "configuration": _ref(base, "configuration", configuration_id), "state": "start_requested",
        "started_time": None, "ended_time": None, "snapshot_id": None,
        "errors": {"count": 0, "reason": "", "diagnostics": "",
                   "links": [{"href": "%s/backups/%s/errors" % (base, backup_id), "rel": "full"}]},
        "files_searched": 0, "files_backed_up": 0, "bytes_searched": 0, "bytes_backed_up": 0,
        "bytes_in_db": 0, "bandwidth_avg_bps": 0, "restorable": False,
        "links": _links(base, "backup", backup_id),
    }


def restore_record(project_id: str, restore_id: str, backup_id: str, agent_id: str,
                   spec: dict[str, Any], base: str) -> dict[str, Any]:
    """A restore as ``GET /v2/{project_id}/restores/{restore_id}`` shows it."""
    return {
        "project_id": project_id, "id": restore_id, "backup": _ref(base, "backup", backup_id),
        "destination_agent": _ref(base, "agent", agent_id),
        "destination_path": spec.get("destination_path"), "overwrite_files": bool(spec.get("overwrite_files")),
        "inclusions": spec.get("inclusions") or [], "exclusions": spec.get("exclusions") or [],
        # The POST example answers "start_requested" although the state table omits it.
        "state": "start_requested", "started_time": None, "ended_time": None,
        "errors": {"count": 0, "reason": "", "diagnostics": "",
                   "links": [{"href": "%s/restores/%s/errors" % (base, restore_id), "rel": "full"}]},
        "files_restored": 0, "bytes_restored": 0, "links": _links(base, "restore", restore_id),
    }


# ---- helpers for the views ---------------------------------------------------------------------

def state() -> State:
    return current_app.config["SIM"].vendor(NAME)


def fail(status: int, message: str, errors: list[str] | None = None,
         headers: dict[str, str] | None = None) -> Response:
    """Cloud Backup's error body: {"message": ..., "errors": [...]} (response-codes.rst)."""
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def invalid(*errors: str) -> Response:
    return fail(400, "Validation failed.", list(errors))


def host_url() -> str:
    """The listener this request came in on, so HTTP and HTTPS clients each get their own."""
    return request.host_url.rstrip("/")


def region_base(region: str, version: str = "v2", host: str | None = None) -> str:
    prefix = "" if region.upper() == HOME_REGION else "/rax/" + region.lower()
    return "%s%s/%s/%s" % (host or host_url(), prefix, version, state().project_id)


def api_base() -> str:
    """The base of the endpoint this request used (its region), for hrefs in bodies."""
    return region_base((request.view_args or {}).get("region") or HOME_REGION)


def route(rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``/v2/{project_id}<rule>`` and ``/v2<rule>``, plain and under a region prefix."""
    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        for prefix in ("", "/rax/<region>"):
            for project in ("/<project_id>", ""):
                blueprint.add_url_rule(prefix + "/v2" + project + rule, view_func=view, **options)
        return view
    return register


@blueprint.before_request
def guard() -> Response | None:
    if request.endpoint == "rackspace.identity_tokens":
        return None
    rax = state()
    args = request.view_args or {}
    if args.get("region") and args["region"].upper() not in rax.regions:
        return fail(404, "Unknown region %s." % args["region"])
    token = rax.valid_token(request.headers.get("X-Auth-Token", ""))
    if token is None:
        return fail(401, "The X-Auth-Token is missing, invalid or expired; authenticate again.",
                    headers={"WWW-Authenticate": "Keystone uri='%s/v2.0'" % host_url()})
    if args.get("project_id") not in (None, token["tenant"]):
        return fail(403, "The token is not authorized for project %s." % args["project_id"])
    with rax.lock:
        rax.advance()
    return None


# ---- identity ----------------------------------------------------------------------------------

def _catalog(rax: State) -> list[dict[str, Any]]:
    """Real-shaped: the rax:backup endpoints name v1.0 and the tenant, and the first has no region
    (api-docs/cloud-backup-v1/common-gs/samples/service-catalog-endpoint.rst)."""
    host = rax.catalog_host
    backup = [{"tenantId": rax.project_id, "publicURL": region_base(HOME_REGION, "v1.0", host)}]
    backup += [{"region": region, "tenantId": rax.project_id, "publicURL": region_base(region, "v1.0", host)}
               for region in rax.regions]
    files = [{"region": region, "tenantId": "MossoCloudFS_" + rax.project_id,
              "publicURL": "https://storage101.%s1.clouddrive.com/v1/MossoCloudFS_%s" % (region.lower(), rax.project_id)}
             for region in rax.regions]
    return [
        {"name": "cloudFiles", "type": "object-store", "endpoints": files},
        {"name": "cloudBackup", "type": "rax:backup", "endpoints": backup},
    ]


def _credentials(body: Any) -> tuple[str, str, str] | None:
    """(username, kind, secret) from either documented credential form."""
    auth = body.get("auth") if isinstance(body, dict) else None
    if not isinstance(auth, dict):
        return None
    for key, field, kind in (("RAX-KSKEY:apiKeyCredentials", "apiKey", "api_key"),
                             ("passwordCredentials", "password", "password")):
        creds = auth.get(key)
        if isinstance(creds, dict) and creds.get("username") and creds.get(field):
            return str(creds["username"]), kind, str(creds[field])
    return None


@blueprint.post("/v2.0/tokens")
def identity_tokens() -> Response:
    rax = state()
    creds = _credentials(request.get_json(silent=True))
    if creds is None:
        response = jsonify(badRequest={"code": 400, "message": "Invalid json request body"})
        response.status_code = 400
        return response
    username, kind, secret = creds
    with rax.lock:
        if rax.users.get(username, {}).get(kind) != secret:
            message = ("Username or api key is invalid." if kind == "api_key"
                       else "Unable to authenticate user with credentials provided.")
            response = jsonify(unauthorized={"code": 401, "message": message})
            response.status_code = 401
            return response
        token = rax.issue_token(username)
    return jsonify(access={
        "token": {"id": token["id"], "expires": iso(token["expires"]),
                  "tenant": {"id": rax.project_id, "name": rax.project_id},
                  "RAX-AUTH:authenticatedBy": ["APIKEY" if kind == "api_key" else "PASSWORD"]},
        "serviceCatalog": _catalog(rax),
        "user": {"id": "user-" + username, "name": username,
                 "RAX-AUTH:defaultRegion": HOME_REGION,
                 "roles": [{"id": "3", "name": "identity:user-admin"}]},
    })


@blueprint.delete("/v2.0/tokens")
def identity_revoke() -> Response:
    """Revoke the caller's own token (the guard has checked ``X-Auth-Token``): 204. "A user can revoke
    their own authentication token by submitting the DELETE request without specifying the tokenId
    parameter" (rackerlabs/docs-cloud-identity src/rst/api-operations/DELETE_revoke_token_v2.0_tokens.rst)."""
    rax = state()
    with rax.lock:
        token = rax.tokens.pop(request.headers.get("X-Auth-Token", ""), None)
        if token is not None:
            rax.revoked.append(token["id"])
    return Response(status=204)


# ---- events ------------------------------------------------------------------------------------

def _page_args() -> tuple[int | None, int, str] | Response:
    errors = []
    marker, limit, sort_dir = request.args.get("marker"), request.args.get("limit", "100"), request.args.get("sort_dir", "asc")
    if marker not in (None, "") and not marker.isdigit():
        errors.append("marker must be an event id (a number).")
    if not limit.isdigit() or int(limit) < 1:
        errors.append("limit must be a positive integer.")
    if sort_dir not in ("asc", "desc"):
        errors.append("sort_dir must be asc or desc.")
    if errors:
        return invalid(*errors)
    return (int(marker) if marker else None), int(limit), sort_dir


def _link(marker: int, sort_dir: str, rel: str) -> dict[str, str]:
    query = "marker=%d" % marker
    if request.args.get("limit"):
        query += "&limit=%s" % request.args["limit"]
    if sort_dir == "desc":
        query += "&sort_dir=desc"
    return {"href": "%s?%s" % (request.base_url, query), "rel": rel}


def list_events(stream: tuple[str, str]) -> Response:
    """One page of a stream: newer than ``marker`` (older with desc), ``limit`` long, with links."""
    parsed = _page_args()
    if isinstance(parsed, Response):
        return parsed
    marker, limit, sort_dir = parsed
    rax = state()
    with rax.lock:
        events = rax.visible(stream)
    if sort_dir == "desc":
        events = [e for e in reversed(events) if marker is None or e["id"] < marker]
    else:
        events = [e for e in events if marker is None or e["id"] > marker]
    page = events[:limit]
    body: dict[str, Any] = {"events": [e["body"] for e in page]}
    if page:  # "The links might not be present when the list of resources is empty"
        back = "asc" if sort_dir == "desc" else "desc"
        body["links"] = [_link(page[-1]["id"], sort_dir, "next"), _link(page[0]["id"], back, "previous")]
    return jsonify(body)


@route("/agents/<agent_id>/events")
def agent_events(agent_id: str, **_: str) -> Response:
    if state().agent(agent_id) is None:
        return fail(404, "Agent %s not found." % agent_id)
    return list_events(("agent", agent_id))


@route("/<any(backups, restores):kinds>/<resource_id>/events")
def resource_events(kinds: str, resource_id: str, **_: str) -> Response:
    kind = kinds[:-1]
    if state().find(kind, resource_id) is None:
        return fail(404, "%s %s not found." % (kind.capitalize(), resource_id))
    return list_events((kind, resource_id))


# ---- backups and restores ----------------------------------------------------------------------

@route("/<any(backups, restores):kinds>/<resource_id>", methods=["GET"])
def show(kinds: str, resource_id: str, **_: str) -> Response:
    kind = kinds[:-1]
    track = state().find(kind, resource_id)
    if track is None:
        return fail(404, "%s %s not found." % (kind.capitalize(), resource_id))
    return jsonify(track.record)


def _created(track: Track) -> Response:
    response = jsonify(track.record)
    response.status_code = 201
    response.headers["Location"] = "%s/%ss/%s" % (api_base(), track.kind, track.record["id"])
    return response


def _backup_problems(body: dict[str, Any], rax: State) -> list[str]:
    problems = []
    if body.get("configuration_id") not in rax.configurations:
        problems.append("configuration_id must name an existing configuration.")
    if body.get("state") not in ("start_requested", "start_scheduled"):
        problems.append("state must be start_requested or start_scheduled.")
    if body.get("state") == "start_scheduled" and not request.headers.get("X-Agent-Id"):
        problems.append("start_scheduled requires the X-Agent-Id header.")
    return problems


@route("/backups", methods=["POST"])
def start_backup(**_: str) -> Response:
    rax = state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return invalid("The request body must be a JSON object.")
    with rax.lock:
        problems = _backup_problems(body, rax)
        if problems:
            return invalid(*problems)
        running = [t for t in rax.tracks.values() if t.kind == "backup" and not t.terminal()
                   and t.record["configuration"]["id"] == body["configuration_id"]]
        if running:
            return fail(409, "A backup of configuration %s is already running (%s)."
                        % (body["configuration_id"], running[0].record["id"]))
        track = rax.add_backup({"configuration_id": body["configuration_id"], "state": body["state"]}, api_base())
    return _created(track)


def _restore_problems(body: dict[str, Any], rax: State) -> list[str]:
    problems = ["%s is required." % key for key in ("backup_id", "destination_path", "inclusions", "exclusions")
                if key not in body]
    if not (body.get("destination_agent_id") or body.get("destination_agent_ID")):
        problems.append("destination_agent_id is required.")
    if body.get("backup_id") and rax.find("backup", str(body["backup_id"])) is None:
        problems.append("backup_id must name an existing backup.")
    return problems


@route("/restores", methods=["POST"])
def start_restore(**_: str) -> Response:
    rax = state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return invalid("The request body must be a JSON object.")
    with rax.lock:
        problems = _restore_problems(body, rax)
        if problems:
            return invalid(*problems)
        backup = rax.find("backup", str(body["backup_id"]))
        if not backup.record.get("restorable"):
            return fail(409, "Backup %s is not restorable (state %s)." % (backup.record["id"], backup.record["state"]))
        spec = dict(body, destination_agent_id=body.get("destination_agent_id") or body.get("destination_agent_ID"))
        track = rax.add_restore(spec, api_base())
    return _created(track)


def _patch_state(ops: Any, kind: str) -> str | Response:
    """The /state value of a JSON-patch list, validated."""
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        return invalid("The body must be a JSON patch: a list of {op, path, value}.")
    problems = ["op must be replace or add." for op in ops if op.get("op") not in ("replace", "add")]
    states = [op.get("value") for op in ops if op.get("path") == "/state"]
    allowed = ("stop_requested", "queued", "preparing", "in_progress") + TERMINAL[kind]
    if len(states) != 1 or states[0] not in allowed:
        problems.append("exactly one /state of %s is required." % ", ".join(allowed))
    return invalid(*problems) if problems else states[0]


@route("/<any(backups, restores):kinds>/<resource_id>", methods=["PATCH"])
def update(kinds: str, resource_id: str, **_: str) -> Response:
    rax, kind = state(), kinds[:-1]
    with rax.lock:
        track = rax.find(kind, resource_id)
        if track is None:
            return fail(404, "%s %s not found." % (kind.capitalize(), resource_id))
        if track.terminal():  # the doc's 409 message, verbatim
            return fail(409, "Modifying a %s that is already in a state of %s is not allowed."
                        % (kind, list(TERMINAL[kind])))
        wanted = _patch_state(request.get_json(force=True, silent=True), kind)
        if isinstance(wanted, Response):
            return wanted
        if wanted == "stop_requested":
            rax.stop(track)
        else:
            rax.report(track, wanted)
        rax.advance()
    return Response(status=204)


# ---- v1.0 -------------------------------------------------------------------------------------

# v1.0 words for the states (get-list-backup-details-v1.0-tenant-id-backup-backupid.rst) and the
# numbers of restores (get-list-details-about-a-restore-v1.0-tenant-id-restore-restoreid.rst).
V1_STATES = {"start_requested": "StartRequested", "start_scheduled": "StartScheduled", "queued": "Queued",
             "preparing": "Preparing", "in_progress": "InProgress", "stop_requested": "StopRequested",
             "completed": "Completed", "completed_with_errors": "CompletedWithErrors", "failed": "Failed",
             "missed": "Missed", "skipped": "Skipped", "stopped": "Stopped"}
RESTORE_STATE_IDS = {"creating": 0, "queued": 1, "in_progress": 2, "completed": 3, "stopped": 4, "failed": 5,
                     "start_requested": 6, "stop_requested": 7, "completed_with_errors": 8, "preparing": 9}


def net_date(epoch: float | None) -> str | None:
    """v1.0 times: "/Date(1358530097000)/" (milliseconds since the epoch)."""
    return None if epoch is None else "/Date(%d)/" % int(epoch * 1000)


def v1_id(value: str) -> int | str:
    """v1.0 ids are integers in the docs' examples (BackupId 134332)."""
    return int(value) if value.isdigit() else value


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def _machine_name(agent_id: str) -> str:
    return next((a["name"] for a in DEFAULT_AGENTS if a["id"] == agent_id), "agent " + agent_id[:8])


def v1_backup(track: Track) -> dict[str, Any]:
    record = track.record
    agent_id = record["agent"]["id"]
    return {"BackupId": v1_id(record["id"]), "BackupConfigurationId": v1_id(record["configuration"]["id"]),
            "CurrentState": V1_STATES.get(record["state"], record["state"]),
            "BackupConfigurationName": "Weekly Website Backup", "MachineAgentId": v1_id(agent_id),
            "MachineName": _machine_name(agent_id), "StateChangeTime": net_date(track.changed_at),
            "IsEncrypted": False, "EncryptionKey": {"ModulusHex": "a3261939975948bb", "ExponentHex": 20010}}


def v1_restore(track: Track) -> dict[str, Any]:
    record = track.record
    agent_id = record["destination_agent"]["id"]
    return {"RestoreId": v1_id(record["id"]), "BackupId": v1_id(record["backup"]["id"]),
            "DestinationMachineId": v1_id(agent_id), "OverwriteFiles": record["overwrite_files"],
            "BackupConfigurationId": 6270, "BackupConfigurationName": "Restore_Backup",
            "BackupRestorePoint": net_date(track.changed_at), "BackupMachineId": 866,
            "BackupMachineName": "Web Server", "BackupFlavor": "RaxCloudServer",
            "DestinationMachineName": _machine_name(agent_id), "DestinationPath": record["destination_path"],
            "BackupDataCenter": HOME_REGION, "IsEncrypted": False, "EncryptedPassword": None,
            "PublicKey": {"ModulusHex": "CA759606B13DC535", "ExponentHex": 10001},
            "RestoreStateId": RESTORE_STATE_IDS.get(record["state"], -1)}


def _error_list(track: Track) -> list[dict[str, Any]]:
    count = int((track.record.get("errors") or {}).get("count") or 0)
    return [{"BackupReportID": 48785, "ListIndex": 3210 + i, "ErrorType": 101,
             "ErrorDesc": "The agent experienced a problem. (Rax)",
             "ExceptionDesc": "Cannot open file. The process cannot access the file because it is being used by another process.",
             "ExceptionCode": 313, "Path": "/var/lib/app/locked-%d.db" % i} for i in range(count)]


def v1_report(track: Track) -> dict[str, Any]:
    """The report of an ended backup or restore: counts as strings, like the docs' examples."""
    record, errors = track.record, track.record.get("errors") or {}
    started, ended = _epoch(record.get("started_time")), _epoch(record.get("ended_time"))
    common = {"State": V1_STATES.get(record["state"], record["state"]), "StartTime": net_date(started),
              "CompletedTime": net_date(ended), "Reason": errors.get("reason") or "Success",
              "Diagnostics": errors.get("diagnostics") or "Success", "ErrorList": _error_list(track)}
    if track.kind == "backup":
        return dict(common, BackupId=v1_id(record["id"]), BackupConfigurationId=v1_id(record["configuration"]["id"]),
                    FilesSearched=str(record.get("files_searched", 0)), BytesSearched="3.7 GB",
                    FilesBackedUp=str(record.get("files_backed_up", 0)), BytesBackedUp="178.1 MB",
                    NumErrors=int(errors.get("count") or 0), CanRestore=bool(record.get("restorable")))
    return dict(common, BackupReportId=v1_id(record["backup"]["id"]), OriginatingComputerName="Web Server",
                NumFilesRestored=str(record.get("files_restored", 0)), NumBytesRestored="18 MB",
                RestoreDestinationMachineId=v1_id(record["destination_agent"]["id"]),
                NumErrors=str(int(errors.get("count") or 0)))


def v1_route(rule: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``/v1.0/{tenant}<rule>`` and ``/v1.0<rule>``, plain and under a region prefix."""
    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        for prefix in ("", "/rax/<region>"):
            for project in ("/<project_id>", ""):
                blueprint.add_url_rule(prefix + "/v1.0" + project + rule, view_func=view, methods=list(methods))
        return view
    return register


@v1_route("/<any(backup, restore):kind>/<resource_id>")
def v1_show(kind: str, resource_id: str, **_: str) -> Response:
    track = state().find(kind, resource_id)
    if track is None:
        return fail(404, "%s %s not found." % (kind.capitalize(), resource_id))
    return jsonify(v1_backup(track) if kind == "backup" else v1_restore(track))


@v1_route("/<any(backup, restore):kind>/report/<resource_id>")
def v1_show_report(kind: str, resource_id: str, **_: str) -> Response:
    track = state().find(kind, resource_id)
    if track is None:
        return fail(404, "%s %s not found." % (kind.capitalize(), resource_id))
    if not track.terminal():
        return fail(404, "No report for %s %s until it ends." % (kind, resource_id))
    return jsonify(v1_report(track))


@v1_route("/user/wakeupagents", methods=("POST",))
def v1_wake_up_agents(**_: str) -> Response:
    """post-wake-up-agents-v1.0-tenant-id-user-wakeupagents.rst: no request body, 200 with no body."""
    rax = state()
    with rax.lock:
        rax.wakeups.append(rax.now())
    return Response(status=200)


def _v1_number(value: Any) -> str | None:
    """A v1.0 Id: a number, or its digits as text (the docs' table says String, its example a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return value.strip()
    return None


def _v1_started(backup_id: str) -> Response:
    """The answer to a v1.0 StartManual: the BackupId, in the form ``v1_start_answer`` says."""
    form = state().v1_start_answer
    if form == "empty":
        return Response(status=200)
    if form == "text":
        return Response(backup_id, status=200, content_type="text/plain; charset=utf-8")
    body = {"quoted": '"%s"' % backup_id, "object": '{"Id": %s}' % backup_id}.get(form, backup_id)
    return Response(body, status=200, content_type="application/json")


@v1_route("/backup/action-requested", methods=("POST",))
def v1_backup_action(**_: str) -> Response:
    """post-start-or-stop-a-backup-manually-v1.0-tenant-id-backup-action-requested.rst: StartManual
    with a BackupConfigurationId answers the new BackupId; StopManual with a BackupId answers 204."""
    rax = state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("Action") not in ("StartManual", "StopManual"):
        return invalid("Action must be StartManual or StopManual.")
    number = _v1_number(body.get("Id"))
    if number is None:
        return invalid("Id must be a number: a BackupConfigurationId for StartManual, a BackupId for StopManual.")
    with rax.lock:
        if body["Action"] == "StopManual":
            track = rax.find("backup", number)
            if track is None:
                return fail(404, "Backup %s not found." % number)
            if track.terminal():
                return invalid("Backup %s has already ended." % number)
            rax.stop(track)
            rax.advance()
            return Response(status=204)
        if number not in rax.configurations:
            return fail(404, "Backup configuration %s not found." % number)
        backup_id = rax.next_v1_backup_id()
        rax.add_backup({"configuration_id": number, "id": backup_id, "state": "start_requested"}, api_base())
        rax.advance()
    return _v1_started(backup_id)


# ---- control API -------------------------------------------------------------------------------

def _control_spec() -> dict[str, Any]:
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


@control.post("/config")
def control_config() -> Response:
    """token_lifetime, event_ttl, heartbeat_seconds, step_seconds, backup_outcome,
    restore_outcome, users {name: {api_key, password}}, project_id, regions, catalog_host,
    fail_configurations (their backups fail), v1_start_answer (json, text, quoted, object, empty)."""
    body, rax = _control_spec(), state()
    with rax.lock:
        rax.advance()
        for key in ("token_lifetime", "event_ttl", "step_seconds"):
            if key in body:
                setattr(rax, key, float(body[key]))
        if "heartbeat_seconds" in body:
            rax.heartbeat_seconds = float(body["heartbeat_seconds"])
            for track in [t for t in rax.tracks.values() if t.kind == "agent"]:
                track.record["next_heartbeat"] = rax.now() + rax.heartbeat_seconds
        for kind in ("backup", "restore"):
            if body.get(kind + "_outcome"):
                if body[kind + "_outcome"] not in OUTCOMES[kind]:
                    return invalid("%s_outcome must be one of %s" % (kind, ", ".join(OUTCOMES[kind])))
                rax.outcome[kind] = body[kind + "_outcome"]
        if "users" in body:
            rax.users = {name: dict(creds) for name, creds in body["users"].items()}
        if "project_id" in body:
            rax.project_id = str(body["project_id"])
        if "regions" in body:
            rax.regions = [str(region).upper() for region in body["regions"]]
        if "catalog_host" in body:
            rax.catalog_host = str(body["catalog_host"]).rstrip("/") if body["catalog_host"] else None
        if "fail_configurations" in body:
            rax.fail_configurations = set(str(c) for c in body["fail_configurations"] or [])
        if "v1_start_answer" in body:
            if body["v1_start_answer"] not in V1_START_ANSWERS:
                return invalid("v1_start_answer must be one of %s" % ", ".join(V1_START_ANSWERS))
            rax.v1_start_answer = body["v1_start_answer"]
    return jsonify(ok=True)


@control.get("/wakeups")
def control_wakeups() -> Response:
    """How many v1.0 wake-ups were received, and when the last one was (simulated epoch seconds)."""
    rax = state()
    with rax.lock:
        return jsonify(count=len(rax.wakeups), last_at=rax.wakeups[-1] if rax.wakeups else None)


@control.post("/tokens")
def control_issue_token() -> Response:
    """Issue a token directly: {username, lifetime, id}."""
    body, rax = _control_spec(), state()
    with rax.lock:
        token = rax.issue_token(body.get("username", "sim-user"), token_id=body.get("id"),
                                lifetime=body.get("lifetime"))
    return jsonify(token=token["id"], expires=iso(token["expires"]))


@control.get("/tokens")
def control_tokens() -> Response:
    """The tokens revoked through ``DELETE /v2.0/tokens``."""
    rax = state()
    with rax.lock:
        return jsonify(revoked=list(rax.revoked))


@control.post("/tokens/expire")
def control_expire_tokens() -> Response:
    """Expire every token now, or just {"token": id}: the next call gets 401."""
    body, rax = _control_spec(), state()
    with rax.lock:
        return jsonify(expired=rax.expire_tokens(body.get("token")))


@control.post("/agents")
def control_agents() -> Response:
    """Add agents: [{id, name, os}]."""
    rax = state()
    with rax.lock:
        for spec in request.get_json(force=True):
            rax.add_agent(spec)
    return jsonify(ok=True)


def _known_agent(agent_id: str) -> Response | None:
    return None if state().agent(agent_id) else fail(404, "Agent %s not found." % agent_id)


@control.post("/agents/<agent_id>/requests")
def control_agent_request(agent_id: str) -> Response:
    """An agent request: {event (vault_db_download | logfile | a single event type), outcome
    (completed | failed), step_seconds, delay, age, request_id, fields}."""
    rax = state()
    with rax.lock:
        missing = _known_agent(agent_id)
        if missing:
            return missing
        rax.advance()
        try:
            track = rax.add_request(agent_id, _control_spec())
        except ValueError as exc:
            return invalid(str(exc))
        rax.advance()
    return jsonify(request_id=track.record["request_id"], events=track.record["events"],
                   terminal_at=max((s["at"] for s in track.steps), default=rax.now()))


@control.post("/agents/<agent_id>/events")
def control_agent_events(agent_id: str) -> Response:
    """Inject raw events now (or ``age`` seconds ago): [{event, request_id, age, ...fields}]."""
    rax = state()
    with rax.lock:
        missing = _known_agent(agent_id)
        if missing:
            return missing
        rax.advance()
        ids = []
        for spec in request.get_json(force=True):
            fields = {k: v for k, v in spec.items() if k != "age"}
            event = rax.emit(("agent", agent_id), rax.now() - float(spec.get("age", 0)),
                             {"agent": {"id": agent_id}, **fields})
            ids.append(str(event["id"]))
    return jsonify(ids=ids)


@control.post("/configurations")
def control_configuration() -> Response:
    """A backup configuration: {id, agent_id, outcome} (outcome of backups started from it)."""
    body, rax = _control_spec(), state()
    configuration_id = body.get("id") or str(uuid.uuid4())
    with rax.lock:
        rax.configurations[configuration_id] = {"agent_id": body.get("agent_id") or DEFAULT_AGENTS[0]["id"],
                                                "outcome": body.get("outcome")}
    return jsonify(id=configuration_id)


def _control_create(kind: str) -> Response:
    rax = state()
    with rax.lock:
        rax.advance()
        try:
            track = (rax.add_backup if kind == "backup" else rax.add_restore)(_control_spec(), region_base(HOME_REGION))
        except ValueError as exc:
            return invalid(str(exc))
        rax.advance()
    return jsonify(dict(track.record, terminal_at=track.terminal_at()))


@control.post("/backups")
def control_backup() -> Response:
    """Create a backup directly: {configuration_id, agent_id, state (start_requested |
    start_scheduled), outcome, step_seconds, age, errors, id}."""
    return _control_create("backup")


@control.post("/restores")
def control_restore() -> Response:
    """Create a restore directly: {backup_id, destination_agent_id, outcome, step_seconds, age,
    errors, destination_path, inclusions, exclusions, id}."""
    return _control_create("restore")


@control.get("/<any(backups, restores):kinds>/<resource_id>")
def control_show(kinds: str, resource_id: str) -> Response:
    rax = state()
    with rax.lock:
        rax.advance()
        track = rax.find(kinds[:-1], resource_id)
        if track is None:
            return fail(404, "no such %s" % kinds[:-1])
        return jsonify(record=track.record, terminal_at=track.terminal_at())
