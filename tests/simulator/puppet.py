"""Puppet Enterprise: RBAC tokens, the activity service (v2 events) and orchestrator jobs.

Written from the vendor's public pages cited below (the orchestrator commands and jobs pages, the
activity v2 events page, the RBAC token pages). Real PE serves RBAC and the activity service on the
console port (4433: ``/rbac-api/``, ``/activity-api/``) and the orchestrator on 8143
(``/orchestrator/v1/``); the simulator serves all three from its one server, on the real path
prefixes.

Auth (puppetlabs/clj-rbac-client:src/puppetlabs/rbac_client/middleware/authentication.clj, which
answers the 401 itself and never calls the route behind it): the token comes from the
``X-Authentication`` header or the ``token`` query parameter. No token: 401
``puppetlabs.rbac/user-unauthenticated``; unknown: 401 ``puppetlabs.rbac/invalid-token``;
expired: 401 ``puppetlabs.rbac/token-expired``; revoked: 401 ``puppetlabs.rbac/token-revoked``.
Default credentials (``reset()`` restores them):

- user ``deployer`` / password ``puppetlabs``: ``POST /rbac-api/v1/auth/token
  {"login", "password", "lifetime"}`` gives ``{"token": ...}`` lasting ``lifetime`` (``"4m"``,
  ``"2h"``, ``"0"`` = ten years) or ``token_lifetime`` (3600 s, PE's default);
- static token ``sim-puppet-token`` (user ``deployer``), valid until reset, for ad-hoc runs.

``DELETE /rbac-api/v2/tokens`` revokes the tokens its ``revoke_tokens`` lists; ``GET
/_sim/puppet/tokens`` shows how many were revoked that way and which tokens are revoked.

Starting jobs (``POST /orchestrator/v1/command/deploy``,
https://help.puppet.com/pe/current/topics/orchestrator_api_post_command_deploy.htm, or
``command/task``, https://help.puppet.com/pe/current/topics/orchestrator_api_post_command_task.htm):
202 ``{"job": {"id": <URL>, "name": "N"}}`` (puppetlabs/orchestrator_client-ruby:
lib/orchestrator_client/job.rb reads ``result['job']['name']``). A task "does not run on any nodes in
the defined scope that you do not have permission to run tasks on" (the task page): the nodes named in
``forbidden_nodes`` are left out of the job without an error, for the commands in ``forbid_commands``
(``task`` by default, as the page says; ``deploy`` too when a test asks). Every node left out: 400
``empty-target`` [I: the page does not say]. A task named in ``forbidden_tasks``: 403
``puppetlabs.orchestrator/not-permitted`` (the kind orchestrator_client-ruby:
lib/orchestrator_client/error.rb maps to UnauthorizedError). Jobs stay ``new`` for ``new_seconds``, ``ready`` for ``ready_seconds``,
then run: each node takes ``node_seconds``, at most ``concurrency`` nodes at once (the job's
option, capped by ``concurrency_cap``, PE's ``global_concurrent_compiles`` 8). The job ends
``finished`` when every node finished, else ``failed``. ``command/stop``: nodes not yet started
end ``stopped``, running ones finish; the job is ``stopping`` until they do, then ``stopped``
(https://help.puppet.com/pe/current/topics/orchestrator_api_post_command_stop.htm: "prevents the
job from starting new Puppet agent runs but allows any in-progress runs to finish"). A job created
with ``skip_after_failure`` starts no node once one has failed: those end ``skipped`` and the job
``failed`` (the job events doc: a run is skipped "when a dependency fails"; which node depends on
which is the simulator's choice [I]). Node outcomes come from ``fail_nodes`` / ``error_nodes``
(name -> message) and ``fail_fraction`` (the last ceil(fraction * n) nodes fail).

The job record of ``GET /jobs/{id}`` has ``node_count``, ``status[]`` and timestamps but no
``node_states``: the current doc lists none for it (its draft even says "I'm not sure if this
endpoint reports node_states", https://help.puppet.com/pe/current/topics/orchestrator_api_get_jobs_job_id.htm,
and the 2018.1 page documents ``node_states`` on the ``GET /jobs`` list only, puppetlabs/docs-archive
pe/2018.1/2018.1_markdown/orchestrator_api_jobs_endpoint.md). ``job_node_states`` adds it, for PE
versions that send it. ``GET /jobs/{id}/nodes`` takes ``limit``, ``offset``, ``order_by`` (name,
duration, state, start_timestamp, finish_timestamp), ``order`` and ``state`` (only new, ready,
running, stopping, stopped, finished or failed;
https://help.puppet.com/pe/current/topics/orchestrator_api_get_jobs_job_id_nodes.htm) and answers
``next-events`` and ``items`` only (no ``pagination``). Another ``state`` value is a 400
validation-error [I: the doc lists the values, not the error]. ``nodes_ignore_paging`` makes it
answer every node whatever ``limit`` says, as a server without paging would.

Activity: every node state change of a job is one commit (service ``orchestrator`` [I]: the v2
page does not name the service) whose single event carries ``state``, ``start_timestamp`` and,
when finished only, ``finish_timestamp`` and ``duration`` (the v2 events page's example,
https://help.puppet.com/pe/current/topics/activity-api-v2-get-events.htm). A few console commits
(classifier, rbac) are seeded too. ``query`` is URL-encoded JSON: OR between its objects, AND
with a ``start``/``end`` range. ``pagination`` values are strings, as the vendor example shows
(``pagination_strings``). A node skipped after a failure shows ``state: skipped`` [I: the v2 page
lists no such state; the orchestrator's own node state]. Inferred [I]: the ``malformed-request`` kind for bad activity and RBAC
requests (the console services' classifier uses it), ``puppetlabs.rbac/authentication-failed``
for a wrong password, message texts.
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import secrets
import threading
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from .core import parse_iso

NAME = "puppet"
blueprint = Blueprint("puppet", __name__)

TOKEN_PATH = "/rbac-api/v1/auth/token"
REVOKE_PATH = "/rbac-api/v2/tokens"
STATIC_TOKEN = "sim-puppet-token"
TEN_YEARS = 10 * 365 * 86400  # lifetime "0" means about ten years (RBAC token v1 doc)
LIFETIME_UNITS = {"y": 365 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
ORCH = "puppetlabs.orchestrator/"
TERMINAL_NODE_STATES = ("finished", "failed", "errored", "skipped", "stopped")
# The node states GET /jobs/{id}/nodes documents for its state filter (current docs).
NODE_FILTER_STATES = ("new", "ready", "running", "stopping", "stopped", "finished", "failed")
NODE_ORDER_BY = ("name", "duration", "state", "start_timestamp", "finish_timestamp")
UUID_SPACE = uuid.UUID("6f1d5a8e-3c1b-4f53-9a47-2b3c4d5e6f70")


def stamp(epoch: float) -> str:
    """ISO-8601 UTC to the second, as the vendor's examples show ("2022-08-08T23:18:52Z")."""
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def subject_id(login: str) -> str:
    return str(uuid.uuid5(UUID_SPACE, "user:" + login))


class ApiError(Exception):
    """A ``{"kind", "msg", "details"}`` answer, raised from deep inside a handler."""

    def __init__(self, status: int, kind: str, msg: str, details: Any = None) -> None:
        super().__init__(msg)
        self.status, self.kind, self.msg, self.details = status, kind, msg, details


def envelope(error: ApiError) -> Response:
    body: dict[str, Any] = {"kind": error.kind, "msg": error.msg}
    if error.details is not None:
        body["details"] = error.details
    return Response(json.dumps(body), status=error.status, content_type="application/json; charset=utf-8")


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return envelope(error)


# ---- jobs ------------------------------------------------------------------------------------


class Job:
    """One orchestrator job: a schedule computed at creation, read against the clock."""

    def __init__(self, *, name: str, command: str, nodes: list[str], options: dict[str, Any],
                 owner: str, created: float, pace: dict[str, float], outcomes: dict[str, tuple[str, str]],
                 ip_address: str, skip_after_failure: bool = False) -> None:
        self.name, self.command, self.options, self.owner = name, command, options, owner
        self.skip_after_failure = skip_after_failure
        self.created, self.ip_address = created, ip_address
        self.ready_at = created + pace["new_seconds"]
        self.run_at = self.ready_at + pace["ready_seconds"]
        self.stopped_at: float | None = None
        width, seconds = max(1, int(pace["concurrency"])), pace["node_seconds"]
        self.plan = []
        for index, node in enumerate(nodes):
            start = self.run_at + (index // width) * seconds
            outcome, message = outcomes.get(node, ("finished", ""))
            self.plan.append({"name": node, "index": index, "start": start, "finish": start + seconds,
                              "outcome": outcome, "message": message,
                              "uuid": str(uuid.uuid5(UUID_SPACE, "%s/%s" % (name, node)))})

    # -- node level

    def halt(self) -> tuple[str, float] | None:
        """Why and from when the job starts no new node: a person's stop (its not-started nodes end
        ``stopped``) or, with skip_after_failure, the first failed node (the rest end ``skipped``)."""
        halts = []
        if self.stopped_at is not None:
            halts.append((self.stopped_at, 0, "stopped"))
        if self.skip_after_failure:
            failed = [n["finish"] for n in self.plan if n["outcome"] != "finished"]
            if failed:
                halts.append((min(failed), 1, "skipped"))
        return (min(halts)[2], min(halts)[0]) if halts else None

    def skipped(self, node: dict[str, Any]) -> str | None:
        """``stopped`` or ``skipped`` for a node that never runs, else None."""
        halt = self.halt()
        return halt[0] if halt is not None and node["start"] >= halt[1] else None

    def node_state(self, node: dict[str, Any], now: float) -> str:
        halt = self.halt()
        if self.skipped(node) and now >= halt[1]:  # type: ignore[index]
            return halt[0]  # type: ignore[index]
        if now < node["start"]:
            return "new"
        if now < node["finish"]:
            return "running"
        return node["outcome"]

    def node_steps(self, node: dict[str, Any]) -> list[tuple[str, float]]:
        """The states a node passes through, as activity events use the job vocabulary."""
        steps = [("new", self.created), ("ready", self.ready_at)]
        if self.skipped(node):
            kind, at = self.halt() or ("", 0.0)  # skipped() is only true when halt() is not None
            return [s for s in steps if s[1] < at] + [(kind, at)]
        steps.append(("running", node["start"]))
        if self.stopped_at is not None and node["start"] < self.stopped_at < node["finish"]:
            steps.append(("stopping", self.stopped_at))
        final = "finished" if node["outcome"] == "finished" else "failed"
        return steps + [(final, node["finish"])]

    # -- job level

    def end_time(self) -> float:
        ran = [n["finish"] for n in self.plan if not self.skipped(n)]
        return max(ran + ([self.stopped_at] if self.stopped_at is not None else []))

    def final_state(self) -> str:
        if self.stopped_at is not None:
            return "stopped"
        ran_well = all(n["outcome"] == "finished" and not self.skipped(n) for n in self.plan)
        return "finished" if ran_well else "failed"

    def transitions(self) -> list[tuple[str, float]]:
        steps = [("new", self.created), ("ready", self.ready_at), ("running", self.run_at)]
        if self.stopped_at is None:
            return steps + [(self.final_state(), self.end_time())]
        steps = steps[:1] + [s for s in steps[1:] if s[1] < self.stopped_at]
        end = self.end_time()
        if end > self.stopped_at:
            steps.append(("stopping", self.stopped_at))
        return steps + [("stopped", end)]

    def seen(self, now: float) -> list[tuple[str, float]]:
        return [s for s in self.transitions() if s[1] <= now]

    def state(self, now: float) -> str:
        return self.seen(now)[-1][0]

    def terminal(self, now: float) -> bool:
        return self.state(now) in ("finished", "failed", "stopped")

    def node_counts(self, now: float) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.plan:
            key = self.node_state(node, now)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def task(self) -> str:
        return str(self.options.get("task") or "")


# ---- state -----------------------------------------------------------------------------------


class State:
    """Users, tokens, jobs, console commits and the pace settings."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users = {"deployer": "puppetlabs"}
            self.revoked_users: set[str] = set()
            self.token_lifetime = 3600.0  # rbac_token_auth_lifetime default: one hour
            self.tokens: dict[str, dict[str, Any]] = {}
            self.tokens[STATIC_TOKEN] = {"login": "deployer", "expires": self.now() + TEN_YEARS, "revoked": False}
            self.revocations = 0  # tokens revoked through DELETE /rbac-api/v2/tokens
            self.echo_token_in_errors = False
            self.pagination_strings = True
            self.job_node_states = False  # GET /jobs/{id} documents no node_states (module docstring)
            self.nodes_ignore_paging = False
            self.orchestrator_service = "orchestrator"
            self.environments = {"production", "development"}
            self.inventory = ["node%02d.example.com" % i for i in range(1, 11)]
            self.pace = {"new_seconds": 1.0, "ready_seconds": 1.0, "node_seconds": 5.0}
            self.concurrency_cap = 8  # global_concurrent_compiles default
            self.forbidden_nodes: set[str] = set()  # the caller may not run on these: left out silently
            self.forbid_commands = {"task"}  # the commands that leave them out (the task page says so)
            self.forbidden_tasks: set[str] = set()  # tasks the caller may not run at all: 403 not-permitted
            self.fail_nodes: dict[str, str] = {}
            self.error_nodes: dict[str, str] = {}
            self.fail_fraction = 0.0
            self.jobs: dict[str, Job] = {}
            self._job_numbers = itertools.count(1)
            self.commits: list[dict[str, Any]] = []
            self._commit_seq = itertools.count(1)
            self._seed_commits()

    def now(self) -> float:
        return self.sim.clock.now()

    # -- tokens

    def issue_token(self, login: str, lifetime: float | None = None, token: str | None = None) -> str:
        value = token or secrets.token_urlsafe(32)
        with self.lock:
            expires = self.now() + (self.token_lifetime if lifetime is None else lifetime)
            self.tokens[value] = {"login": login, "expires": expires, "revoked": False}
        return value

    def check_token(self, token: str | None) -> str:
        """The login the token stands for, or an ApiError saying why not."""
        if not token:
            raise ApiError(401, "puppetlabs.rbac/user-unauthenticated", "Route requires authentication")
        record = self.tokens.get(token)
        if record is None:
            shown = ("Token: %s" % token) if self.echo_token_in_errors else "The provided token is invalid."
            raise ApiError(401, "puppetlabs.rbac/invalid-token", shown)
        if record["revoked"]:
            raise ApiError(401, "puppetlabs.rbac/token-revoked", "The provided token has been revoked.")
        if record["expires"] <= self.now():
            raise ApiError(401, "puppetlabs.rbac/token-expired", "The provided token has expired.")
        return record["login"]

    # -- jobs

    def outcomes(self, nodes: list[str], spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
        fail = {**self.fail_nodes, **dict(spec.get("fail") or {})}
        errored = {**self.error_nodes, **dict(spec.get("errored") or {})}
        fraction = float(spec.get("fail_fraction", self.fail_fraction))
        count = int(spec["fail_count"]) if "fail_count" in spec else math.ceil(fraction * len(nodes))
        for node in nodes[len(nodes) - count:] if count else []:
            fail.setdefault(node, "")
        result = {n: ("failed", m) for n, m in fail.items()}
        result.update({n: ("errored", m) for n, m in errored.items()})
        return result

    def create_job(self, *, command: str, nodes: list[str], options: dict[str, Any], owner: str,
                   ip_address: str, spec: dict[str, Any] | None = None) -> Job:
        spec = spec or {}
        pace = {key: float(spec.get(key, value)) for key, value in self.pace.items()}
        wanted = options.get("concurrency") or spec.get("concurrency") or self.concurrency_cap
        pace["concurrency"] = min(int(wanted), int(spec.get("concurrency_cap", self.concurrency_cap)))
        with self.lock:
            name = str(spec.get("name") or next(self._job_numbers))
            job = Job(name=name, command=command, nodes=nodes, options=options, owner=owner,
                      created=self.now(), pace=pace, outcomes=self.outcomes(nodes, spec), ip_address=ip_address,
                      skip_after_failure=bool(spec.get("skip_after_failure")))
            self.jobs[name] = job
        return job

    def find_job(self, name: str) -> Job:
        if not str(name).isdigit():
            raise ApiError(400, ORCH + "validation-error", "Job id '%s' is not an integer." % name,
                           {"job": name})
        job = self.jobs.get(str(int(name)))
        if job is None:
            raise ApiError(404, ORCH + "unknown-job", "No job exists with id %s" % name, {"job": name})
        return job

    # -- activity

    def add_commit(self, spec: dict[str, Any]) -> dict[str, Any]:
        when = parse_iso(spec["timestamp"]) if spec.get("timestamp") else self.now() - float(spec.get("age", 0))
        login = spec.get("subject_name", "deployer")
        commit = {
            "service_id": spec.get("service_id", "classifier"),
            "time": when,
            "key": (when, 0, next(self._commit_seq), 0, 0),
            "body": {
                "objects": list(spec.get("objects") or []),
                "subject": spec.get("subject") or {"id": subject_id(login), "name": login},
                "timestamp": stamp(when),
                "ip_address": spec.get("ip_address", "10.0.0.5"),
                "events": list(spec.get("events") or [{"message": "Sim event"}]),
            },
        }
        with self.lock:
            self.commits.append(commit)
        return commit

    def _seed_commits(self) -> None:
        """Console commits an hour or two old, shaped like the v2 events page's classifier example."""
        self.add_commit({"service_id": "classifier", "age": 7200, "subject_name": "kai.evans",
                         "ip_address": "192.168.10.20",
                         "objects": [{"id": "415dfsvdf-dfgd45dfg-4dsfg54d", "name": "Default Node Group",
                                      "type": "node_groups"}],
                         "events": [{"message": "Create Node"}, {"message": "Create Node Class"}]})
        self.add_commit({"service_id": "rbac", "age": 3600, "subject_name": "kai.evans",
                         "ip_address": "192.168.10.20",
                         "objects": [{"id": subject_id("deployer"), "name": "deployer", "type": "users"}],
                         "events": [{"message": "Assigned role Operators to deployer"}]})

    def job_commits(self, now: float) -> list[dict[str, Any]]:
        result = []
        for job in list(self.jobs.values()):
            for node in job.plan:
                for step, (node_state, at) in enumerate(job.node_steps(node)):
                    if at <= now:
                        result.append(self._job_commit(job, node, node_state, at, step))
        return result

    def _job_commit(self, job: Job, node: dict[str, Any], node_state: str, at: float, step: int) -> dict[str, Any]:
        body = {
            "objects": [{"id": node["name"], "name": node["name"], "type": "node"}],
            "subject": {"id": subject_id(job.owner), "name": job.owner},
            "timestamp": stamp(at),
            "ip_address": job.ip_address,
            "events": [node_event(job, node, node_state, at)],
        }
        return {"service_id": self.orchestrator_service, "time": at,
                "key": (at, 1, int(job.name) if job.name.isdigit() else 0, node["index"], step), "body": body}


def node_event(job: Job, node: dict[str, Any], node_state: str, at: float) -> dict[str, Any]:
    """One v2 orchestrator event; only finished ones carry finish_timestamp and duration (the v2 events page)."""
    if job.command == "task":
        what = {"description": "request_%s_on_node" % job.task().replace("::", "_"), "name": job.task(),
                "type": "run_task"}
        verb = 'Request "%s" task on' % job.task()
    else:
        what = {"description": "request_puppet_agent_on_node", "name": "puppet agent", "type": "puppet_agent"}
        verb = 'Request "puppet agent" run on'
    event: dict[str, Any] = dict(what)
    if at >= node["start"] and not job.skipped(node):
        event["start_timestamp"] = stamp(node["start"])
    if node_state == "finished":
        event["finish_timestamp"] = stamp(node["finish"])
        event["duration"] = round(node["finish"] - node["start"], 3)
    event.update({"state": node_state, "what": "node",
                  "message": '%s "%s" over "pcp" via orchestrator job "%s"' % (verb, node["name"], job.name)})
    return event


def puppet() -> State:
    return current_app.config["SIM"].vendor(NAME)


@blueprint.before_request
def guard() -> None:
    if request.path == TOKEN_PATH:
        return
    token = request.headers.get("X-Authentication") or request.args.get("token")
    g.puppet_login = puppet().check_token(token)


# ---- RBAC ------------------------------------------------------------------------------------


def parse_lifetime(value: Any) -> float:
    """RBAC lifetime: a number with y/d/h/m/s (seconds when no unit); "0" is about ten years."""
    text = str(value).strip()
    unit = text[-1:] if text[-1:] in LIFETIME_UNITS else "s"
    number = text[:-1] if text[-1:] in LIFETIME_UNITS else text
    if not number.isdigit():
        raise ApiError(400, "malformed-request", "Invalid lifetime %r" % text, {"lifetime": text})
    seconds = int(number) * LIFETIME_UNITS[unit]
    return TEN_YEARS if seconds == 0 else float(seconds)


@blueprint.post(TOKEN_PATH)
def rbac_token() -> Response:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict) or not isinstance(body.get("login"), str) or "password" not in body:
        raise ApiError(400, "malformed-request", "The request body must be a JSON object with login and password.")
    rbac = puppet()
    login = body["login"]
    if rbac.users.get(login) != body["password"] or login in rbac.revoked_users:
        raise ApiError(401, "puppetlabs.rbac/authentication-failed", "The username or password is incorrect.")
    lifetime = parse_lifetime(body["lifetime"]) if body.get("lifetime") is not None else None
    return jsonify(token=rbac.issue_token(login, lifetime))


@blueprint.delete(REVOKE_PATH)
def rbac_revoke() -> Response:
    """Revoke the tokens named whole in ``revoke_tokens`` (the query's comma-separated list, the JSON
    body's array, or both), 204; any authenticated user may, and revoking a revoked or unknown token
    is no error (https://help.puppet.com/pe/current/topics/rbac_api_v2_revoke_tokens_delete_tokens.htm).
    The by-username, by-label and by-id parameters are not simulated: 400 malformed-request [I]."""
    body = request.get_json(silent=True, force=True) if request.get_data() else {}
    if not isinstance(body, dict):
        raise ApiError(400, "malformed-request", "The request body must be a JSON object.")
    others = sorted(k for k in set(body) | set(request.args) if k != "revoke_tokens")
    if others:
        raise ApiError(400, "malformed-request", "Not simulated: %s" % ", ".join(others))
    listed = body.get("revoke_tokens", [])
    if not isinstance(listed, list):
        raise ApiError(400, "malformed-request", "revoke_tokens must be an array.")
    listed = [str(t) for t in listed] + [t for t in request.args.get("revoke_tokens", "").split(",") if t]
    if not listed:
        raise ApiError(400, "malformed-request", "Give at least one token to revoke in revoke_tokens.")
    rbac = puppet()
    with rbac.lock:
        for token in listed:
            if token in rbac.tokens:
                rbac.tokens[token]["revoked"] = True
                rbac.revocations += 1
    return Response(status=204)


# ---- activity service ------------------------------------------------------------------------


def bad_query(message: str, details: Any = None) -> ApiError:
    return ApiError(400, "malformed-request", message, details)


def _int_param(name: str, default: int, minimum: int) -> int:
    text = request.args.get(name)
    if text in (None, ""):
        return default
    if not text.lstrip("-").isdigit() or int(text) < minimum:
        raise bad_query("%s must be an integer of at least %d, got %r" % (name, minimum, text), {name: text})
    return int(text)


def _check_time(name: str, value: Any) -> float:
    try:
        return parse_iso(str(value))
    except ValueError:
        raise bad_query("%s must be an ISO-8601 timestamp, got %r" % (name, value)) from None


def parse_query_item(item: Any) -> dict[str, Any]:
    """One query object, checked with the pairing rules of the v2 events page."""
    allowed = {"subject_id", "subject_type", "object_type", "object_id", "ip_address", "start", "end"}
    if not isinstance(item, dict) or not item or set(item) - allowed:
        raise bad_query("Each query item must be an object using %s" % ", ".join(sorted(allowed)), item)
    if "subject_type" in item and "subject_id" not in item:
        raise bad_query("subject_type requires subject_id", item)
    if item.get("subject_type", "users") != "users":
        raise bad_query("users is the only subject_type", item)
    if "object_id" in item and "object_type" not in item:
        raise bad_query("object_id requires object_type", item)
    if ("start" in item) != ("end" in item):
        raise bad_query("start and end must be given together", item)
    if "start" in item:
        return {"range": (_check_time("start", item["start"]), _check_time("end", item["end"]))}
    return item


def parse_query() -> list[dict[str, Any]]:
    text = request.args.get("query")
    if text in (None, ""):
        return []
    try:
        items = json.loads(text)
    except ValueError:
        raise bad_query("query must be a URL-encoded JSON array", {"query": text}) from None
    if not isinstance(items, list):
        raise bad_query("query must be a JSON array of objects", {"query": text})
    return [parse_query_item(item) for item in items]


def item_matches(item: dict[str, Any], commit: dict[str, Any]) -> bool:
    body = commit["body"]
    if "subject_id" in item:
        return body["subject"].get("id") == item["subject_id"]
    if "object_type" in item:
        return any(o.get("type") == item["object_type"] and ("object_id" not in item or o.get("id") == item["object_id"])
                   for o in body["objects"])
    return str(item["ip_address"]) in str(body.get("ip_address", ""))


def commit_selected(items: list[dict[str, Any]], commit: dict[str, Any]) -> bool:
    """OR across the query objects; start/end ranges are ANDed with that (the v2 events page)."""
    ranges = [i["range"] for i in items if "range" in i]
    others = [i for i in items if "range" not in i]
    if any(not start <= commit["time"] <= end for start, end in ranges):
        return False
    return not others or any(item_matches(i, commit) for i in others)


def pagination(total: int, limit: int, offset: int) -> dict[str, Any]:
    numbers = {"total": total, "limit": limit, "offset": offset}
    return {k: str(v) for k, v in numbers.items()} if puppet().pagination_strings else numbers


@blueprint.get("/activity-api/v2/events")
def activity_events() -> Response:
    activity = puppet()
    offset, limit = _int_param("offset", 0, 0), _int_param("limit", 1000, 1)
    order = request.args.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise bad_query("order must be asc or desc, got %r" % order, {"order": order})
    items, service = parse_query(), request.args.get("service_id")
    with activity.lock:
        commits = activity.commits + activity.job_commits(activity.now())
    chosen = [c for c in commits if (not service or c["service_id"] == service) and commit_selected(items, c)]
    chosen.sort(key=lambda c: c["key"], reverse=order == "desc")
    page = [c["body"] for c in chosen[offset:offset + limit]]
    return jsonify(commits=page, pagination=pagination(len(chosen), limit, offset))


# ---- orchestrator ----------------------------------------------------------------------------


def job_url(job: Job, suffix: str = "") -> str:
    return "%s/orchestrator/v1/jobs/%s%s" % (request.host_url.rstrip("/"), job.name, suffix)


def validation(message: str, details: Any = None) -> ApiError:
    return ApiError(400, ORCH + "validation-error", message, details)


def command_body(required: tuple[str, ...]) -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise validation("The request body must be a JSON object.")
    missing = [key for key in required if key not in body]
    if missing:
        raise validation("Missing required key(s): %s" % ", ".join(missing), {"missing": missing})
    return body


def resolve_scope(scope: Any, *, allow_application: bool) -> list[str]:
    """Scope holds exactly one of nodes, query, node_group (application for deploy only)."""
    keys = ("nodes", "query", "node_group") + (("application",) if allow_application else ())
    if not isinstance(scope, dict) or len([k for k in keys if k in scope]) != 1 or set(scope) - set(keys):
        raise validation("scope must contain exactly one of %s" % ", ".join(keys), {"scope": scope})
    if "application" in scope:
        raise ApiError(400, ORCH + "empty-target", "Application %s does not exist" % scope["application"])
    if "nodes" in scope:
        nodes = scope["nodes"]
        if not isinstance(nodes, list) or not all(isinstance(n, str) and n for n in nodes):
            raise validation("scope.nodes must be a list of node names", {"scope": scope})
        return list(dict.fromkeys(nodes))
    return list(puppet().inventory)  # a PuppetDB query or node group: the simulator's inventory


def check_environment(environment: Any, *, enforce: bool) -> str:
    if environment == "" and not enforce:
        return ""
    if environment not in puppet().environments:
        raise ApiError(404, ORCH + "unknown-environment", "Unknown environment %s" % environment,
                       {"environment": environment})
    return str(environment)


def check_concurrency(value: Any) -> None:
    """``concurrency``: an integer of at least 1 (the deploy page also allows a range, not used here)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise validation("concurrency must be a positive integer.", {"concurrency": value})


def start_job(command: str, nodes: list[str], options: dict[str, Any]) -> Response:
    sim = puppet()
    if command in sim.forbid_commands:
        # Left out without an error: the task page, "does not run on any nodes ... that you do not
        # have permission to run tasks on".
        nodes = [node for node in nodes if node not in sim.forbidden_nodes]
    if not nodes:
        raise ApiError(400, ORCH + "empty-target", "The job has no nodes to run on.")
    job = sim.create_job(command=command, nodes=nodes, options=options, owner=g.puppet_login,
                         ip_address=request.remote_addr or "127.0.0.1")
    response = jsonify(job={"id": job_url(job), "name": job.name})
    response.status_code = 202  # orchestrator commands answer 202 (orchestrator_client-ruby)
    return response


@blueprint.post("/orchestrator/v1/command/deploy")
def command_deploy() -> Response:
    body = command_body(("environment",))
    if "scope" not in body and "target" not in body:
        raise validation("Either scope or target is required.")
    enforce = bool(body.get("enforce_environment", True))
    environment = check_environment(body["environment"], enforce=enforce)
    nodes = resolve_scope(body.get("scope"), allow_application=True) if "scope" in body else list(puppet().inventory)
    check_concurrency(body.get("concurrency"))
    options = {"concurrency": body.get("concurrency"), "noop": bool(body.get("noop", False)),
               "trace": bool(body.get("trace", False)), "debug": bool(body.get("debug", False)),
               "scope": body.get("scope", {}), "enforce_environment": enforce, "environment": environment,
               "evaltrace": bool(body.get("evaltrace", False)), "target": body.get("target"),
               "description": body.get("description")}
    return start_job("deploy", nodes, options)


@blueprint.post("/orchestrator/v1/command/task")
def command_task() -> Response:
    body = command_body(("task", "params", "scope"))
    if not isinstance(body["task"], str) or not body["task"] or not isinstance(body["params"], dict):
        raise validation("task must be a task name and params an object.")
    environment = check_environment(body.get("environment", "production"), enforce=True)
    nodes = resolve_scope(body["scope"], allow_application=False)
    timeout = body.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1):
        raise validation("timeout must be a positive integer (seconds per node).", {"timeout": timeout})
    if body["task"] in puppet().forbidden_tasks:
        raise ApiError(403, ORCH + "not-permitted", "You do not have permission to run task %s." % body["task"],
                       {"task": body["task"]})
    options = {"task": body["task"], "params": body["params"], "scope": body["scope"],
               "environment": environment, "noop": bool(body.get("noop", False)),
               "description": body.get("description"), "timeout": timeout}
    return start_job("task", nodes, options)


@blueprint.post("/orchestrator/v1/command/stop")
def command_stop() -> Response:
    body = command_body(("job",))
    orchestrator = puppet()
    with orchestrator.lock:
        job = orchestrator.find_job(str(body["job"]))
        now = orchestrator.now()
        if job.stopped_at is None and not job.terminal(now):  # idempotent (command/stop doc)
            job.stopped_at = now
        counts = job.node_counts(now)
    response = jsonify(job={"id": job_url(job), "name": job.name, "nodes": counts})
    response.status_code = 202
    return response


def job_body(job: Job, now: float, *, node_states: bool = True) -> dict[str, Any]:
    """A job record. ``node_states`` is documented on the GET /jobs list only (module docstring)."""
    seen = job.seen(now)
    status = [{"state": s, "enter_time": stamp(at), "exit_time": stamp(seen[i + 1][1]) if i + 1 < len(seen) else None}
              for i, (s, at) in enumerate(seen)]
    body: dict[str, Any] = {
        "id": job_url(job), "name": job.name, "state": seen[-1][0], "command": job.command, "type": job.command,
        "options": job.options, "node_count": len(job.plan),
        "owner": {"id": subject_id(job.owner), "login": job.owner}, "description": job.options.get("description"),
        "timestamp": stamp(seen[-1][1]), "environment": {"name": job.options.get("environment")},
        "status": status,
        "nodes": {"id": job_url(job, "/nodes")}, "report": {"id": job_url(job, "/report")},
        "events": {"id": job_url(job, "/events")},
    }
    if node_states:
        body["node_states"] = job.node_counts(now) or None  # null when the job has no nodes (GET /jobs doc)
    running = [at for s, at in seen if s == "running"]
    body["started_timestamp"] = stamp(running[0]) if running else None
    body["finished_timestamp"] = stamp(seen[-1][1]) if job.terminal(now) else None
    body["duration"] = round(seen[-1][1] - running[0], 3) if running and job.terminal(now) else None
    return body


JOB_ORDERINGS = {"timestamp": lambda j, now: j.seen(now)[-1][1], "name": lambda j, now: int(j.name),
                 "state": lambda j, now: j.state(now), "owner": lambda j, now: j.owner,
                 "environment": lambda j, now: str(j.options.get("environment"))}


@blueprint.get("/orchestrator/v1/jobs")
def job_list() -> Response:
    """Jobs with ``limit``, ``offset``, ``order_by`` and ``order`` (default asc), jobs endpoint doc."""
    orchestrator = puppet()
    order_by, order = request.args.get("order_by", "timestamp"), request.args.get("order", "asc")
    if order_by not in JOB_ORDERINGS or order not in ("asc", "desc"):
        raise validation("order_by must be one of %s and order asc or desc" % ", ".join(JOB_ORDERINGS))
    offset = _orchestrator_int("offset", 0)
    with orchestrator.lock:
        now = orchestrator.now()
        jobs = sorted(orchestrator.jobs.values(), key=lambda j: JOB_ORDERINGS[order_by](j, now), reverse=order == "desc")
        limit = _orchestrator_int("limit", len(jobs))
        items = [job_body(j, now) for j in jobs[offset:offset + limit]]
    return jsonify(items=items, pagination={"limit": limit, "offset": offset, "total": len(jobs)})


@blueprint.get("/orchestrator/v1/jobs/<job_id>")
def job_show(job_id: str) -> Response:
    orchestrator = puppet()
    with orchestrator.lock:
        return jsonify(job_body(orchestrator.find_job(job_id), orchestrator.now(),
                                node_states=orchestrator.job_node_states))


def node_details(job: Job, node: dict[str, Any], node_state: str, now: float) -> dict[str, Any]:
    """What /jobs/{id}/nodes says about one node (jobs endpoint doc, "Details")."""
    name, runner = node["name"], ("task %s" % job.task() if job.command == "task" else "puppet run")
    if node_state == "running":
        return {"run-time": int(now - node["start"]), "message": "Started %s on %s ..." % (runner, name)}
    if node_state == "finished":
        return {"message": "Finished %s on %s - Success!" % (runner, name)}
    if node_state == "failed":
        return {"message": node["message"] or "Error running %s on %s: exit status 1" % (runner, name)}
    if node_state == "errored":
        text = node["message"] or "Node %s is not connected to the PCP broker" % name
        return {"detail": text, "message": text}
    if node_state == "stopped":
        return {"detail": "The job was stopped before %s started." % name}
    if node_state == "skipped":
        return {"detail": "Skipped %s on %s: a node it depends on failed." % (runner, name)}
    return {}


def node_result(job: Job, node: dict[str, Any], node_state: str) -> dict[str, Any] | None:
    if node_state not in ("finished", "failed", "errored"):
        return None
    if node_state == "errored":
        return {"msg": node_details(job, node, "errored", 0)["message"], "kind": ORCH + "execution-failure",
                "details": {"node": node["name"]}}
    if job.command == "task":
        return {"output": "ok\n"} if node_state == "finished" else {"error": node_details(job, node, node_state, 0)["message"]}
    failed = 1 if node_state == "failed" else 0
    return {"status": "failed" if failed else "changed", "environment": job.options.get("environment"),
            "metrics": {"total": 40, "failed": failed, "changed": 3 - failed * 3, "skipped": 0, "restarted": 0,
                        "scheduled": 0, "out_of_sync": 3, "failed_to_restart": 0, "corrective_change": 0}}


def node_item(job: Job, node: dict[str, Any], now: float) -> dict[str, Any]:
    node_state = job.node_state(node, now)
    started = node_state not in ("new", "skipped", "stopped")
    done = node_state in TERMINAL_NODE_STATES and started
    last = node["finish"] if done else node["start"] if started else job.created
    return {
        "timestamp": stamp(last),
        "start_timestamp": stamp(node["start"]) if started else None,
        "finish_timestamp": stamp(node["finish"]) if done else None,
        "duration": round((node["finish"] if done else now) - node["start"], 3) if started else None,
        "state": node_state,
        "transaction_uuid": node["uuid"],
        "name": node["name"],
        "details": node_details(job, node, node_state, now),
        "result": node_result(job, node, node_state),
    }


@blueprint.get("/orchestrator/v1/jobs/<job_id>/nodes")
def job_nodes(job_id: str) -> Response:
    """Nodes of a job: ``state`` filters (documented values only), ``order_by``/``order`` sort,
    ``limit``/``offset`` page; the answer has ``next-events`` and ``items`` (GET /jobs/{id}/nodes doc)."""
    orchestrator = puppet()
    wanted = request.args.get("state")
    if wanted is not None and wanted not in NODE_FILTER_STATES:
        raise validation("state must be one of %s" % ", ".join(NODE_FILTER_STATES), {"state": wanted})
    order_by, order = request.args.get("order_by", "name"), request.args.get("order", "asc")
    if order_by not in NODE_ORDER_BY or order not in ("asc", "desc"):
        raise validation("order_by must be one of %s and order asc or desc" % ", ".join(NODE_ORDER_BY))
    with orchestrator.lock:
        job, now = orchestrator.find_job(job_id), orchestrator.now()
        items = [node_item(job, n, now) for n in job.plan]
        ignore_paging = orchestrator.nodes_ignore_paging
    items = [i for i in items if not wanted or i["state"] == wanted]
    items.sort(key=lambda i: (i[order_by] is None, i[order_by] if i[order_by] is not None else 0),
               reverse=order == "desc")
    if not ignore_paging:
        offset = _orchestrator_int("offset", 0)
        items = items[offset:offset + _orchestrator_int("limit", len(items))]
    return jsonify({"next-events": {"id": job_url(job, "/events?start=%d" % (len(items) + 1)),
                                    "event": str(len(items) + 1)}, "items": items})


def _orchestrator_int(name: str, default: int) -> int:
    text = request.args.get(name, "")
    if text == "":
        return default
    if not text.isdigit():
        raise validation("%s must be a non-negative integer" % name, {name: text})
    return int(text)


# ---- control API -----------------------------------------------------------------------------

control = Blueprint("puppet_control", __name__, url_prefix="/_sim/puppet")

CONFIG_FLOATS = ("token_lifetime", "fail_fraction")
CONFIG_FLAGS = ("echo_token_in_errors", "pagination_strings", "job_node_states", "nodes_ignore_paging")


@control.errorhandler(ApiError)
def _control_error(error: ApiError) -> Response:
    return envelope(error)


@control.post("/config")
def control_config() -> Response:
    """token_lifetime, users, new_seconds, ready_seconds, node_seconds, concurrency_cap, fail_nodes,
    error_nodes, fail_fraction, pagination_strings, echo_token_in_errors, job_node_states,
    nodes_ignore_paging, orchestrator_service, environments, inventory, forbidden_nodes (left out
    of the jobs of the commands in forbid_commands, default ["task"]), forbidden_tasks (403)."""
    body = request.get_json(force=True)
    sim = puppet()
    with sim.lock:
        for key in ("new_seconds", "ready_seconds", "node_seconds"):
            if key in body:
                sim.pace[key] = float(body[key])
        for key in CONFIG_FLOATS:
            if key in body:
                setattr(sim, key, float(body[key]))
        for key in CONFIG_FLAGS:
            if key in body:
                setattr(sim, key, bool(body[key]))
        for key in ("users", "fail_nodes", "error_nodes"):
            if key in body:
                setattr(sim, key, dict(body[key]))
        if "concurrency_cap" in body:
            sim.concurrency_cap = int(body["concurrency_cap"])
        if "orchestrator_service" in body:
            sim.orchestrator_service = str(body["orchestrator_service"])
        if "environments" in body:
            sim.environments = set(body["environments"])
        if "inventory" in body:
            sim.inventory = list(body["inventory"])
        for key in ("forbidden_nodes", "forbid_commands", "forbidden_tasks"):
            if key in body:
                setattr(sim, key, set(body[key]))
    return jsonify(ok=True)


@control.post("/tokens")
def control_token() -> Response:
    """Issue a token directly: login (deployer), lifetime (seconds or "4m"), token (its value)."""
    body = request.get_json(silent=True, force=True) or {}
    lifetime = parse_lifetime(body["lifetime"]) if body.get("lifetime") is not None else None
    return jsonify(token=puppet().issue_token(body.get("login", "deployer"), lifetime, body.get("token")))


def _each_token(body: dict[str, Any]) -> list[dict[str, Any]]:
    sim = puppet()
    if body.get("token"):
        return [sim.tokens[body["token"]]] if body["token"] in sim.tokens else []
    return list(sim.tokens.values())


@control.get("/tokens")
def control_tokens() -> Response:
    """``revocations`` (through ``DELETE /rbac-api/v2/tokens``) and the tokens revoked (any way)."""
    sim = puppet()
    with sim.lock:
        return jsonify(revocations=sim.revocations, revoked=sorted(t for t, r in sim.tokens.items() if r["revoked"]))


@control.post("/tokens/expire")
def control_expire() -> Response:
    """Expire one token (``token``) or all of them now: the next call gets token-expired."""
    sim = puppet()
    with sim.lock:
        records = _each_token(request.get_json(silent=True, force=True) or {})
        for record in records:
            record["expires"] = sim.now()
    return jsonify(expired=len(records))


@control.post("/tokens/revoke")
def control_revoke() -> Response:
    sim = puppet()
    with sim.lock:
        records = _each_token(request.get_json(silent=True, force=True) or {})
        for record in records:
            record["revoked"] = True
    return jsonify(revoked=len(records))


@control.post("/jobs")
def control_job() -> Response:
    """Create a job directly: command (deploy|task), task, nodes or count, environment, owner,
    concurrency, new_seconds, ready_seconds, node_seconds, fail {node: message}, fail_count,
    fail_fraction, errored {node: message}, skip_after_failure, name."""
    spec = request.get_json(force=True)
    nodes = spec.get("nodes") or ["node%02d.example.com" % i for i in range(1, int(spec.get("count", 3)) + 1)]
    command = spec.get("command", "deploy")
    options = {"environment": spec.get("environment", "production"), "scope": {"nodes": nodes},
               "concurrency": spec.get("concurrency"), "noop": False, "description": spec.get("description")}
    if command == "task":
        options.update(task=spec.get("task", "package"), params=spec.get("params", {}))
    job = puppet().create_job(command=command, nodes=nodes, options=options, owner=spec.get("owner", "deployer"),
                              ip_address=spec.get("ip_address", "127.0.0.1"), spec=spec)
    return jsonify(job={"id": job_url(job), "name": job.name})


@control.get("/jobs/<job_id>")
def control_job_show(job_id: str) -> Response:
    sim = puppet()
    with sim.lock:
        job, now = sim.find_job(job_id), sim.now()
        return jsonify(state=job.state(now), terminal_at=job.end_time(), node_states=job.node_counts(now),
                       transitions=[{"state": s, "at": at} for s, at in job.transitions()])


@control.post("/commits")
def control_commits() -> Response:
    """Add console commits: [{service_id, timestamp or age, subject_name or subject, objects,
    events, ip_address}]."""
    body = request.get_json(force=True)
    added = [puppet().add_commit(spec) for spec in (body if isinstance(body, list) else [body])]
    return jsonify(added=len(added))
