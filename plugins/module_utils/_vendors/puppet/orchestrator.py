# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Puppet Enterprise: the activity service (``GET /activity-api/v2/events``) and orchestrator
jobs (``GET /orchestrator/v1/jobs/{id}`` with ``/jobs/{id}/nodes``), research §4 and seed 003.

Both take an RBAC token in ``X-Authentication``, or exchange username and password for one at
``POST /rbac-api/v1/auth/token`` on the console (port 4433). A token this run asks for lasts the
run's wait (or request timeout) plus ``TOKEN_MARGIN`` seconds, not PE's one-hour default, and a
long wait logs in again when it expires.

Every answer is checked for the shape it is read for: anything else is an ApiError naming the
service, the endpoint and what was unexpected (``Shape``), never a Python exception.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urlparse import urlsplit, urlunsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, AuthError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._http import envelope_message
from ansible_collections.actiongate.agents.plugins.module_utils._pool import PER_ID_OPTIONS, PER_ID_RANGES, read_each
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor, segment

TOKEN_PATH = "/rbac-api/v1/auth/token"
EVENTS_PATH = "/activity-api/v2/events"
JOBS_PATH = "/orchestrator/v1/jobs"
RBAC_PORT = 4433  # console services (RBAC, activity); the orchestrator listens on 8143
# Seconds a requested token outlives the run's wait (or its request timeout without a wait).
TOKEN_MARGIN = 300

# Job states (jobs endpoint doc; research §4a). new and ready are "Queued" in the console.
STATES = {
    "new": PENDING,
    "ready": PENDING,
    "running": RUNNING,
    "stopping": RUNNING,
    "finished": SUCCEEDED,
    "failed": FAILED,
    "stopped": CANCELLED,
}
# Node states. Current docs list new, ready, running, stopping, stopped, finished and failed
# (https://help.puppet.com/pe/current/topics/orchestrator_api_get_jobs_job_id_nodes.htm); the 2018.1
# jobs endpoint doc also shows errored and skipped (puppetlabs/docs-archive
# pe/2018.1/2018.1_markdown/orchestrator_api_jobs_endpoint.md), and the job events doc says a run is
# skipped "when a dependency fails". A node that ended any other way than finished did not succeed.
NODE_GOING = ("new", "ready", "running", "stopping")
NODE_FAILED = ("failed", "errored", "skipped")
NODE_STOPPED = ("stopped",)  # a person stopped the job before this node ran (command/stop doc)
NODE_STATES = NODE_GOING + NODE_FAILED + NODE_STOPPED + ("finished",)
# Order of a node's moves, to break ties between events stamped in the same second.
NODE_ORDER = dict((state, index) for index, state in enumerate(NODE_GOING))

# v2 messages quote the job ('... via orchestrator job "11"'); v1 wrote 'job 7,759'.
JOB_IN_MESSAGE = re.compile(r'via orchestrator job "?([0-9][0-9,]*)"?')
NODE_IN_MESSAGE = re.compile(r' on "([^"]+)"')
JOB_URL = re.compile(r"/jobs/([0-9]+)/?$")

# The query objects seed 003 allows: one parameter, or a pair that belongs together.
QUERY_KEYS = (("subject_id", "subject_type"), ("object_type", "object_id"), ("ip_address",), ("start", "end"))
MAX_PAGES = 10000
# /jobs/{id}/nodes page size (limit and offset are documented; no maximum is).
NODES_PAGE = 1000
MAX_NODE_PAGES = 100  # when the job record gives no node_count

CREDENTIALS = {
    "token": {"type": "str", "no_log": True, "env": ["PUPPET_TOKEN"]},
    "username": {"type": "str", "env": ["PUPPET_USERNAME"]},
    "password": {"type": "str", "no_log": True, "env": ["PUPPET_PASSWORD"]},
}

JSON_NAMES = ((bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
              ((int, float), "a number"))


def json_kind(value):
    """``value``'s JSON type in words (never its content: answers can echo secrets)."""
    if value is None:
        return "null"
    return next((name for types, name in JSON_NAMES if isinstance(value, types)), type(value).__name__)


class Shape:
    """Checks one answer against the shape it is read for. Every surprise is an ApiError that names
    the service, the endpoint and the field (issue 11 item 4); values are never quoted."""

    def __init__(self, where, body):
        self.where, self.body = where, body

    def fail(self, path, what):
        raise ApiError("%s answered with an unexpected shape: %s %s. If the service is healthy, report this with the "
                       "PE version." % (self.where, path, what), 200, self.body)

    def check(self, value, types, path):
        """``value`` when it is one of ``types`` (a number is never a boolean here)."""
        if isinstance(value, types) and not (isinstance(value, bool) and bool not in _as_tuple(types)):
            return value
        wanted = " or ".join(json_kind(t()) for t in _as_tuple(types))
        return self.fail(path, "is %s, not %s" % (json_kind(value), wanted))

    def field(self, obj, key, types, path, required=False):
        """``obj[key]`` checked against ``types``; None when absent or null (unless required)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.fail("%s.%s" % (path, key) if path else key, "is missing")
            return None
        return self.check(value, types, "%s.%s" % (path, key) if path else key)

    def objects(self, value, path):
        """A list whose every item is an object."""
        for index, item in enumerate(self.check(value, list, path)):
            self.check(item, dict, "%s[%d]" % (path, index))
        return value

    def count(self, value, path):
        """A node count: a whole number, or digits in a string (the activity doc's own example)."""
        # ASCII digits only: str.isdigit() also takes "²", which int() then refuses with a traceback
        if isinstance(value, str) and re.match(r"^[0-9]+$", value.strip()):
            return int(value.strip())
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return self.fail(path, "is %s, not a count" % json_kind(value))
        return value


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


class PuppetVendor(Vendor):
    """RBAC token handling shared by the activity and orchestrator classes."""

    NAME = "puppet"
    NOUN = "job"
    SECRET_OPTIONS = ("token", "password")
    MODULE_KWARGS = {"required_together": [("username", "password")]}

    def __init__(self, options, client=None):
        super(PuppetVendor, self).__init__(options, client)
        if not options.get("token") and not (options.get("username") and options.get("password")):
            raise ConfigError("%s needs token (or PUPPET_TOKEN), or username and password (or PUPPET_USERNAME "
                              "and PUPPET_PASSWORD) to get one." % self.LABEL)
        if options.get("token"):
            self.use_token(options["token"])

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return ("The RBAC token is invalid or expired (tokens last one hour by default): get a new one "
                    "(puppet-access login) or set username and password so a token is requested for each run.")
        return "The RBAC user lacks the permission this call needs (activity: view; orchestrator: view jobs)."

    def rbac_url(self):
        return self.options.get("url")

    def can_login(self):
        return bool(self.options.get("username") and self.options.get("password"))

    def use_token(self, token):
        self.client.add_secret(token)
        self.client.set_header("X-Authentication", token)  # safe while pool workers send

    def token_lifetime(self):
        """RBAC ``lifetime`` in seconds ("300s"): the run's wait (or one request's timeout) plus a margin,
        so a token this run obtained stops working soon after the run (RBAC token doc, lifetime key)."""
        if self.options.get("wait"):
            budget = _seconds(self.options.get("wait_timeout"), 1800.0)
        else:
            budget = _seconds(self.options.get("request_timeout"), 30.0)
        return "%ds" % (int(budget) + 1 + TOKEN_MARGIN)

    def login(self):
        """Exchange username and password for a token (RBAC ``POST /auth/token``)."""
        base = self.rbac_url().rstrip("/")
        self.client.allow_origin(base, "rbac_url")  # the user configured (or derived) it: credentials may go there
        body = {"login": self.options["username"], "password": self.options["password"],
                "lifetime": self.token_lifetime()}
        try:
            answer = self.client.post_json(base + TOKEN_PATH, body)
        except AuthError as error:
            reason = envelope_message(error.body) or "HTTP %s" % error.status
            raise AuthError(self.client.message(
                "Puppet Enterprise RBAC at %s refused the login of user %r: %s. Check username and password "
                "(admin and api_user cannot get tokens)." % (self.rbac_url(), self.options["username"], reason)),
                error.status, error.body)
        token = answer.get("token") if isinstance(answer, dict) else None
        if not token or not isinstance(token, str):
            raise ApiError(self.client.message("Puppet Enterprise RBAC at %s answered the token request without a "
                                               "token (got %s)." % (self.rbac_url(), json_kind(answer))), 200, answer)
        self.use_token(token)

    def ensure_login(self):
        """With username and password, log in on first use (Vendor.get re-logs in once per expiry)."""
        if "X-Authentication" in self.client.session.headers:
            return False
        self.login()
        return True


def _seconds(value, default):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if 0 < number < 10 * 365 * 86400 else default


# ---- activity service ------------------------------------------------------------------------


class PuppetActivityEvents(PuppetVendor):
    """``GET /activity-api/v2/events``: commits, flattened events, and orchestrator jobs from them."""

    LABEL = "Puppet Enterprise activity service"
    NOT_FOUND_HINT = ("No orchestrator event in the commits read names it (check the id, service_id and query, "
                      "and use all_pages or limit and offset to read further).")
    OPTIONS = dict(CREDENTIALS, **{
        "url": {"type": "str", "required": True, "env": ["PUPPET_CONSOLE_URL"]},
        "action_ids": {"type": "list", "elements": "str", "default": []},
        "service_id": {"type": "str"},
        "offset": {"type": "int", "default": 0},
        "order": {"type": "str", "choices": ["asc", "desc"]},
        "limit": {"type": "int"},
        "query": {"type": "list", "elements": "dict", "default": []},
        "all_pages": {"type": "bool", "default": False},
    })

    # seed 003: offset is zero-based; limit is a positive number of records, default 1000, and no
    # larger page is documented (all_pages reads further).
    OPTION_RANGES = {"offset": (0, 2 ** 31 - 1), "limit": (1, 1000)}

    def __init__(self, options, client=None):
        self.query_text = query_json(options.get("query"))  # before any request: bad input fails fast
        self.names = dict((str(i).strip(), job_name(i)) for i in options.get("action_ids") or [] if str(i).strip())
        super(PuppetActivityEvents, self).__init__(options, client)
        self.last = {"commits": [], "pagination": {}}

    def params(self):
        params = {"offset": self.options.get("offset") or 0}
        for name in ("service_id", "order", "limit"):
            if self.options.get(name) not in (None, ""):
                params[name] = self.options[name]
        if self.query_text:
            params["query"] = self.query_text  # requests URL-encodes it, as curl --data-urlencode does
        return params

    def pages(self):
        """Yield ``(commits, pagination)`` page by page; with all_pages follow offset to the total."""
        params = self.params()
        for _index in range(MAX_PAGES):
            commits, pagination = parse_page(self.get(EVENTS_PATH, params=params), self.client)
            yield commits, pagination
            params["offset"] += len(commits)
            total = pagination.get("total")
            if not self.options.get("all_pages") or not commits or total is None or params["offset"] >= total:
                return

    def read(self):
        commits, first, count = [], None, 0
        for page, pagination in self.pages():
            commits.extend(page)
            first = first if first is not None else pagination
            count += 1
        self.last = {"commits": commits, "pagination": dict(first or {}, pages=count)}
        return commits

    def jobs(self):
        return activity_jobs(self.read())

    def fetch(self, action_ids):
        jobs = self.jobs()
        names = dict((i, self.names.get(i) or job_name(i)) for i in action_ids)
        return dict((i, jobs[names[i]]) for i in action_ids if names[i] in jobs)

    def list_actions(self):
        return sorted(self.jobs().values(), key=lambda s: _job_number(s.action_id), reverse=True)

    def result_extras(self):
        commits = self.last["commits"]
        return {"commits": commits, "events": list(flatten(commits)), "pagination": self.last["pagination"]}


def query_json(query):
    """Check the activity ``query`` array the way seed 003 describes it; return it as JSON text."""
    if not query:
        return None
    if not isinstance(query, list):
        raise ConfigError("query must be a list of query objects, got %r." % (query,))
    for item in query:
        _check_query_item(item)
    return json.dumps(query, separators=(",", ":"))


def _check_query_item(item):
    if not isinstance(item, dict) or not item:
        raise ConfigError("Each query item must be a non-empty dict, got %r." % (item,))
    group = next((keys for keys in QUERY_KEYS if set(item) & set(keys)), None)
    if group is None or not set(item) <= set(group):
        raise ConfigError("Query item %r mixes or misspells keys: each item holds one of subject_id (with optional "
                          "subject_type), object_type (with optional object_id), ip_address, or start with end." % (item,))
    if "subject_type" in item and "subject_id" not in item:
        raise ConfigError("Query item %r: subject_type needs subject_id in the same item." % (item,))
    if "object_id" in item and "object_type" not in item:
        raise ConfigError("Query item %r: object_id needs object_type in the same item." % (item,))
    if "start" in item or "end" in item:
        _check_range(item)


def _check_range(item):
    if "start" not in item or "end" not in item:
        raise ConfigError("Query item %r: start and end come together in one item (ISO-8601 times)." % (item,))
    start, end = (_iso_time(item[key], key) for key in ("start", "end"))
    if start > end:
        raise ConfigError("Query item %r: start is after end." % (item,))


def _iso_time(value, name):
    text = str(value).strip()
    try:
        when = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        when = None
    if when is None or "T" not in text:
        raise ConfigError("Query %s must be an ISO-8601 date and time such as 2019-11-01T21:32:39Z, got %r." % (
            name, value))
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def parse_page(body, client=None):
    """``(commits, pagination)`` of one v2 answer, every commit checked (``check_commit``).

    Pagination numbers may come as strings (seed 003); one that is not a count reads as unknown,
    which only stops ``all_pages`` early."""
    shape = Shape("Puppet Enterprise activity service GET %s" % EVENTS_PATH, body)
    shape.check(body, dict, "the answer")
    commits = shape.field(body, "commits", list, "", required=True)
    for index, commit in enumerate(commits):
        check_commit(shape, commit, "commits[%d]" % index)
    pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
    return commits, dict((key, _number(pagination.get(key))) for key in ("total", "limit", "offset"))


def check_commit(shape, commit, path):
    """A commit: an object whose events are objects with string or absent message, state and times."""
    shape.check(commit, dict, path)
    if commit.get("objects") is not None:
        shape.objects(commit["objects"], path + ".objects")
    shape.field(commit, "object", dict, path)  # v1 commits carried one object
    shape.field(commit, "timestamp", str, path)
    for index, event in enumerate(shape.objects(shape.field(commit, "events", list, path) or [], path + ".events")):
        where = "%s.events[%d]" % (path, index)
        for key in ("message", "state", "start_timestamp", "finish_timestamp"):
            shape.field(event, key, str, where)


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def flatten(commits):
    """Each event with its commit's timestamp, subject, objects and IP address (commits checked)."""
    for commit in commits:
        objects = commit.get("objects")
        if objects is None and commit.get("object"):
            objects = [commit["object"]]  # v1 commits carried one "object"
        for event in commit.get("events") or []:
            flat = dict(event)
            flat.update(timestamp=commit.get("timestamp"), subject=commit.get("subject"), objects=objects or [],
                        ip_address=commit.get("ip_address"))
            yield flat


def activity_jobs(commits):
    """``{job: ActionStatus}`` from checked commits (``parse_page``)."""
    events = list(flatten(commits))
    return dict((job_id, parse_job_events(job_id, found)) for job_id, found in job_events(events).items())


def job_events(events):
    """Events that carry a ``state``, grouped by the orchestrator job their message names."""
    jobs = {}
    for event in events:
        match = JOB_IN_MESSAGE.search(str(event.get("message") or ""))
        if event.get("state") is not None and match:
            jobs.setdefault(match.group(1).replace(",", ""), []).append(event)
    return jobs


def event_node(event):
    nodes = [o.get("id") or o.get("name") for o in event.get("objects") or []
             if isinstance(o, dict) and o.get("type") in (None, "node")]
    if nodes and isinstance(nodes[0], (str, int)) and not isinstance(nodes[0], bool) and str(nodes[0]):
        return str(nodes[0])
    match = NODE_IN_MESSAGE.search(str(event.get("message") or ""))
    return match.group(1) if match else "unknown"


def _event_key(event):
    return (_epoch(event.get("timestamp")), NODE_ORDER.get(event.get("state"), len(NODE_ORDER)))


def _epoch(text):
    try:
        return _iso_time(text, "timestamp").timestamp()
    except (ConfigError, OverflowError, ValueError):
        return 0.0


def node_job_state(node_states):
    """A job's state word from its nodes' latest states, in the orchestrator's vocabulary.

    A node stopped by a person makes the job ``stopped``; nodes failed, errored or skipped (a run is
    skipped when a dependency fails, job events doc) make it ``failed``, never ``stopped``."""
    unknown = [s for s in node_states if s not in NODE_STATES]
    if unknown:
        return unknown[0]
    going = [s for s in node_states if s in NODE_GOING]
    if not going:
        if any(s in NODE_STOPPED for s in node_states):
            return "stopped"
        return "failed" if any(s in NODE_FAILED for s in node_states) else "finished"
    if "stopping" in going:
        return "stopping"
    if "running" in going or len(going) < len(node_states):
        return "running"
    return "ready" if "ready" in going else "new"


def parse_job_events(job_id, events):
    """One job's activity events -> ActionStatus, each node at its latest event."""
    ordered = sorted(events, key=_event_key)
    latest = {}
    for event in ordered:
        latest[event_node(event)] = event
    node_states = [str(e.get("state")) for e in latest.values()]
    vendor_status = node_job_state(node_states)
    counts = _counts(node_states)
    state = job_state(vendor_status, counts, len(latest))
    starts = [e["start_timestamp"] for e in ordered if e.get("start_timestamp")]
    ends = [e.get("finish_timestamp") or e.get("timestamp") for e in latest.values()]
    ends = [e for e in ends if isinstance(e, str)]
    return ActionStatus(
        action_id=job_id, vendor="puppet", state=state, vendor_status=vendor_status,
        targets=node_targets(counts, len(latest)),
        errors=[error_entry(node, e.get("message"), e.get("timestamp")) for node, e in sorted(latest.items())
                if e.get("state") in NODE_FAILED],
        started_at=min(starts, key=_epoch) if starts else None,
        finished_at=max(ends, key=_epoch) if state not in (PENDING, RUNNING, UNKNOWN) and ends else None,
        raw={"job": job_id, "events": ordered}, extra={"node_states": counts})


def job_state(vendor_status, counts, total):
    """The normalised state of a job. ``finished`` is succeeded only when every node finished: a
    record that says finished while a node failed, was skipped, is in a state we do not know, or
    with no node counted at all, reads as failed (the reading that never turns a failure into a pass)."""
    state = STATES.get(vendor_status, UNKNOWN)
    if state == SUCCEEDED and counts.get("finished", 0) < max(total, sum(counts.values()), 1):
        return FAILED
    return state


def _counts(states):
    counts = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


def node_targets(counts, total):
    """Node counts: finished succeeded; failed, errored and skipped failed; stopped (a person stopped
    the job) neither; the states still going pending, as are nodes the counts do not name yet."""
    going = sum(counts.get(s, 0) for s in NODE_GOING)
    named = sum(counts.values())
    return targets_dict(total=total, succeeded=counts.get("finished", 0),
                        failed=sum(counts.get(s, 0) for s in NODE_FAILED),
                        pending=going + max(total - named, 0))


def _job_number(job_id):
    return int(job_id) if str(job_id).isdigit() else -1


# ---- orchestrator jobs -----------------------------------------------------------------------


class PuppetJobStatus(PuppetVendor):
    """``GET /orchestrator/v1/jobs/{id}``; node counts and failed nodes from ``/jobs/{id}/nodes``."""

    LABEL = "Puppet Enterprise orchestrator"
    NOT_FOUND_HINT = ("The orchestrator answered unknown-job: check the id (the job name that command/deploy or "
                      "command/task returned, such as 81).")
    OPTIONS = dict(CREDENTIALS, **dict(PER_ID_OPTIONS, **{
        "url": {"type": "str", "required": True, "env": ["PUPPET_ORCHESTRATOR_URL"]},
        "rbac_url": {"type": "str", "env": ["PUPPET_RBAC_URL"]},
        "action_ids": {"type": "list", "elements": "str", "default": []},
        "list_limit": {"type": "int", "default": 20},
    }))
    # GET /jobs: limit is the number of most recent jobs; the docs give no maximum, so one page of
    # at most 1000 (the activity service's default page) is what we ask for. One job per
    # GET /jobs/{id}: the ids of a poll are read by a bounded pool (max_concurrent_requests).
    OPTION_RANGES = dict(PER_ID_RANGES, list_limit=(1, 1000))

    def __init__(self, options, client=None):
        # Every id is checked before any request (job ids are digits, jobs endpoint doc).
        self.names = dict((str(i).strip(), job_name(i)) for i in options.get("action_ids") or [] if str(i).strip())
        super(PuppetJobStatus, self).__init__(options, client)
        # job -> (node counts, errors): read the nodes again only when the counts change. One
        # entry per job, each written by the one worker reading that job.
        self._errors = {}

    def rbac_url(self):
        return self.options.get("rbac_url") or console_url(self.options["url"])

    def fetch(self, action_ids):
        """The jobs (and their nodes where needed) read by at most max_concurrent_requests workers,
        after one login."""
        self.login_first()
        statuses = read_each(self.read_one, action_ids, self.options, self.client, "job")
        return dict((i, s) for i, s in zip(action_ids, statuses) if s is not None)

    def read_one(self, action_id):
        """One job's status, or None when the orchestrator answers unknown-job."""
        name = self.names.get(action_id) or job_name(action_id)
        body = self.job(name)
        return None if body is None else self.parse(body, "GET %s/%s" % (JOBS_PATH, name))

    def list_actions(self):
        params = {"order_by": "timestamp", "order": "desc", "limit": self.options.get("list_limit") or 20}
        where = "GET %s" % JOBS_PATH
        items = job_items(self.get(JOBS_PATH, params=params), "%s %s" % (self.LABEL, where))
        return [self.parse(item, where, "items[%d]" % index) for index, item in enumerate(items)]

    def shape(self, where, body):
        return Shape("%s %s" % (self.LABEL, where), body)

    def job(self, name):
        """The job record, or None when the orchestrator answers unknown-job."""
        try:
            return self.get("%s/%s" % (JOBS_PATH, segment(name)))
        except ApiError as error:
            if error.status == 404 and isinstance(error.body, dict) and \
                    str(error.body.get("kind", "")).endswith("unknown-job"):
                return None
            raise

    def parse(self, body, where, path="the answer"):
        """One job record -> ActionStatus. ``node_states`` is documented on the /jobs list only, so
        without it the counts come from ``/jobs/{id}/nodes`` (research §4, issue 12)."""
        shape = self.shape(where, body)
        job = check_job(shape, body, path)
        name = str(job["name"])
        counts, nodes = job["node_states"], None
        if counts is None:
            nodes = self.nodes(name, job["node_count"])
            counts = _counts([str(n["state"]) for n in nodes])
        errors = []
        if any(counts.get(s) for s in NODE_FAILED):
            key = tuple(sorted(counts.items()))
            cached = self._errors.get(name)
            if cached is None or cached[0] != key:
                listed = nodes if nodes is not None else self.nodes(name, job["node_count"])
                cached = self._errors[name] = (key, [node_error(n) for n in listed if n["state"] in NODE_FAILED])
            errors = cached[1]
        return job_status(body, job, counts, errors)

    def nodes(self, name, node_count=None):
        """Every node of a job, page by page (``limit``/``offset``, ordered by name). Stops at a short
        page, or at a page that brings no new node (a server that ignores paging); a server that keeps
        sending new full pages past the job's ``node_count`` (or 100 pages) is an error."""
        path = "%s/%s/nodes" % (JOBS_PATH, segment(name))
        found, offset = {}, 0
        cap = (node_count // NODES_PAGE + 2) if node_count is not None else MAX_NODE_PAGES
        for _page in range(cap):
            params = {"limit": NODES_PAGE, "offset": offset, "order_by": "name", "order": "asc"}
            items = parse_nodes(self.get(path, params=params), "%s GET %s" % (self.LABEL, path))
            fresh = [i for i in items if i["name"] not in found]
            for item in items:
                found[item["name"]] = item
            if len(items) < NODES_PAGE or not fresh:
                return list(found.values())
            offset += len(items)
        raise ApiError(self.client.message("%s GET %s kept answering full pages of new nodes past %d nodes (the job "
                                           "has %s): stopped reading. Check the orchestrator's paging." % (
                                               self.LABEL, path, len(found), node_count)), 200, None)


def job_items(body, where="Puppet Enterprise orchestrator GET %s" % JOBS_PATH):
    """The ``items`` of a ``GET /jobs`` answer: a list of objects (each checked by ``check_job``)."""
    shape = Shape(where, body)
    shape.check(body, dict, "the answer")
    return shape.objects(shape.field(body, "items", list, "", required=True), "items")


def check_job(shape, body, path="the answer"):
    """The fields of a job record this collection reads, checked; ``node_states`` as counts or None."""
    shape.check(body, dict, path)
    name = shape.field(body, "name", (str, int), path, required=True)
    if not str(name).isdigit():
        shape.fail(path + ".name", "is not a job number")
    status = shape.objects(body.get("status") or [], path + ".status")
    for index, entry in enumerate(status):
        for key in ("state", "enter_time", "exit_time"):
            shape.field(entry, key, str, "%s.status[%d]" % (path, index))
    for key in ("state", "started_timestamp", "finished_timestamp", "command", "type", "timestamp"):
        shape.field(body, key, str, path)
    total = body.get("node_count")
    states = shape.field(body, "node_states", dict, path)
    return {
        "name": name,
        "node_count": None if total is None else shape.count(total, path + ".node_count"),
        "node_states": None if states is None else dict(
            (str(k), shape.count(v, "%s.node_states.%s" % (path, k if k in NODE_STATES else "<state>")))
            for k, v in states.items()),
    }


def parse_nodes(body, where="Puppet Enterprise orchestrator GET %s/{id}/nodes" % JOBS_PATH):
    """The ``items`` of a ``/jobs/{id}/nodes`` answer, each with a string ``name`` and ``state``."""
    shape = Shape(where, body)
    shape.check(body, dict, "the answer")
    items = shape.objects(shape.field(body, "items", list, "", required=True), "items")
    for index, item in enumerate(items):
        where = "items[%d]" % index
        shape.field(item, "name", str, where, required=True)
        shape.field(item, "state", str, where, required=True)
        for key in ("finish_timestamp", "timestamp"):
            shape.field(item, key, str, where)
        shape.field(item, "details", dict, where)
    return items


def console_url(url):
    """The console (RBAC) URL of an orchestrator URL: same scheme and host, port 4433."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = "[%s]" % host  # IPv6 literal
    return urlunsplit((parts.scheme, "%s:%d" % (host, RBAC_PORT), "", "", ""))


def job_name(action_id):
    """A job's name (``81``) from the name itself or its ``id`` URL (``.../orchestrator/v1/jobs/81``)."""
    text = str(action_id).strip()
    match = JOB_URL.search(text)
    if text.isdigit() and text.isascii():
        return text
    if match and match.group(1).isascii():
        return match.group(1)
    raise ConfigError("Puppet job ids are the job names that command/deploy or command/task return, such as 81 "
                      "(or the job's id URL), got %r." % (action_id,))


def node_error(item):
    """An error entry for a node of ``/jobs/{id}/nodes`` that did not succeed (checked items)."""
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    result = item.get("result") if isinstance(item.get("result"), dict) else {}
    nested = result.get("_error") if isinstance(result.get("_error"), dict) else {}
    texts = (details.get("message"), details.get("detail"), result.get("msg"), result.get("error"), nested.get("msg"))
    message = next((t for t in texts if isinstance(t, str) and t), "node %s" % item.get("state"))
    return error_entry(item.get("name"), message, item.get("finish_timestamp") or item.get("timestamp"))


def parse_job(body, errors=(), counts=None, where="GET %s/{id}" % JOBS_PATH):
    """One orchestrator job record -> ActionStatus; ``counts`` (node state -> count) default to its
    ``node_states``. Without either, the nodes are unknown and the job cannot succeed."""
    shape = Shape("Puppet Enterprise orchestrator %s" % where, body)
    job = check_job(shape, body)
    return job_status(body, job, counts if counts is not None else job["node_states"] or {}, list(errors))


def job_status(body, job, counts, errors):
    vendor_status = str(body.get("state") or _current(body) or "")
    total = job["node_count"] if job["node_count"] is not None else sum(counts.values())
    state = job_state(vendor_status, counts, total)
    return ActionStatus(
        action_id=job["name"], vendor="puppet", state=state, vendor_status=vendor_status,
        targets=node_targets(counts, total),
        errors=errors, started_at=body.get("started_timestamp") or _entered(body, "running"),
        finished_at=body.get("finished_timestamp") or (_entered(body, vendor_status)
                                                       if state not in (PENDING, RUNNING, UNKNOWN) else None),
        raw=body, extra={"command": body.get("command") or body.get("type"), "node_states": counts})


def _current(body):
    """The state whose ``status`` entry has no exit time: the doc's own job example has no ``state``."""
    entries = body.get("status") or []
    return entries[-1].get("state") if entries and entries[-1].get("exit_time") is None else None


def _entered(body, state):
    """When the job entered ``state``, from its ``status`` list of enter and exit times."""
    for entry in body.get("status") or []:
        if entry.get("state") == state:
            return entry.get("enter_time")
    return None
