# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Puppet Enterprise: the activity service (``GET /activity-api/v2/events``) and orchestrator
jobs (``GET /orchestrator/v1/jobs/{id}``), research §4 and seed 003.

Both take an RBAC token in ``X-Authentication``, or exchange username and password for one at
``POST /rbac-api/v1/auth/token`` on the console (port 4433). Tokens last one hour by default
(``rbac_token_auth_lifetime``), so a long wait logs in again when its token expires.
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
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

TOKEN_PATH = "/rbac-api/v1/auth/token"
EVENTS_PATH = "/activity-api/v2/events"
JOBS_PATH = "/orchestrator/v1/jobs"
RBAC_PORT = 4433  # console services (RBAC, activity); the orchestrator listens on 8143

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
# Node states: the job vocabulary plus errored and skipped (2018.1 jobs endpoint doc).
NODE_GOING = ("new", "ready", "running", "stopping")
NODE_FAILED = ("failed", "errored")
NODE_NOT_RUN = ("stopped", "skipped")
NODE_STATES = NODE_GOING + NODE_FAILED + NODE_NOT_RUN + ("finished",)
# Order of a node's moves, to break ties between events stamped in the same second.
NODE_ORDER = dict((state, index) for index, state in enumerate(NODE_GOING))

# v2 messages quote the job ('... via orchestrator job "11"'); v1 wrote 'job 7,759'.
JOB_IN_MESSAGE = re.compile(r'via orchestrator job "?([0-9][0-9,]*)"?')
NODE_IN_MESSAGE = re.compile(r' on "([^"]+)"')
JOB_URL = re.compile(r"/jobs/([0-9]+)/?$")

# The query objects seed 003 allows: one parameter, or a pair that belongs together.
QUERY_KEYS = (("subject_id", "subject_type"), ("object_type", "object_id"), ("ip_address",), ("start", "end"))
MAX_PAGES = 10000

CREDENTIALS = {
    "token": {"type": "str", "no_log": True, "env": ["PUPPET_TOKEN"]},
    "username": {"type": "str", "env": ["PUPPET_USERNAME"]},
    "password": {"type": "str", "no_log": True, "env": ["PUPPET_PASSWORD"]},
}


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
        self.client.session.headers["X-Authentication"] = token

    def login(self):
        """Exchange username and password for a token (RBAC ``POST /auth/token``)."""
        url = self.rbac_url().rstrip("/") + TOKEN_PATH
        body = {"login": self.options["username"], "password": self.options["password"]}
        try:
            answer = self.client.post_json(url, body)
        except AuthError as error:
            reason = envelope_message(error.body) or "HTTP %s" % error.status
            raise AuthError(self.client.message(
                "Puppet Enterprise RBAC at %s refused the login of user %r: %s. Check username and password "
                "(admin and api_user cannot get tokens)." % (self.rbac_url(), self.options["username"], reason)),
                error.status, error.body)
        token = answer.get("token") if isinstance(answer, dict) else None
        if not token:
            raise ApiError(self.client.message("Puppet Enterprise RBAC at %s answered the token request without a "
                                               "token: %.200s" % (self.rbac_url(), answer)), 200, answer)
        self.use_token(token)

    def ensure_login(self):
        """With username and password, log in on first use (Vendor.get re-logs in once per expiry)."""
        if "X-Authentication" in self.client.session.headers:
            return False
        self.login()
        return True


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

    def __init__(self, options, client=None):
        self.query_text = query_json(options.get("query"))  # before any request: bad input fails fast
        _check_paging(options)
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
        events = list(flatten(self.read()))
        return dict((job_id, parse_job_events(job_id, found)) for job_id, found in job_events(events).items())

    def fetch(self, action_ids):
        jobs = self.jobs()
        return dict((i, jobs[i]) for i in action_ids if i in jobs)

    def list_actions(self):
        return sorted(self.jobs().values(), key=lambda s: _job_number(s.action_id), reverse=True)

    def result_extras(self):
        commits = self.last["commits"]
        return {"commits": commits, "events": list(flatten(commits)), "pagination": self.last["pagination"]}


def _check_paging(options):
    if (options.get("offset") or 0) < 0:
        raise ConfigError("offset must be 0 or more, got %s." % options.get("offset"))
    if options.get("limit") is not None and options["limit"] < 1:
        raise ConfigError("limit must be a positive number of records, got %s." % options["limit"])


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


def parse_page(body, client):
    """``(commits, pagination)`` of one v2 answer; pagination numbers may come as strings (seed 003)."""
    commits = body.get("commits") if isinstance(body, dict) else None
    if not isinstance(commits, list):
        raise ApiError(client.message("Puppet Enterprise activity service answered without a commits list: "
                                      "%.200s" % (body,)), 200, body)
    pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
    return commits, dict((key, _number(pagination.get(key))) for key in ("total", "limit", "offset"))


def _number(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def flatten(commits):
    """Each event with its commit's timestamp, subject, objects and IP address."""
    for commit in commits:
        objects = commit.get("objects")
        if objects is None and commit.get("object"):
            objects = [commit["object"]]  # v1 commits carried one "object"
        for event in commit.get("events") or []:
            flat = dict(event)
            flat.update(timestamp=commit.get("timestamp"), subject=commit.get("subject"), objects=objects or [],
                        ip_address=commit.get("ip_address"))
            yield flat


def job_events(events):
    """Events that carry a ``state``, grouped by the orchestrator job their message names."""
    jobs = {}
    for event in events:
        match = JOB_IN_MESSAGE.search(str(event.get("message") or ""))
        if event.get("state") is not None and match:
            jobs.setdefault(match.group(1).replace(",", ""), []).append(event)
    return jobs


def event_node(event):
    nodes = [o.get("id") or o.get("name") for o in event.get("objects") or [] if o.get("type") in (None, "node")]
    if nodes and nodes[0]:
        return str(nodes[0])
    match = NODE_IN_MESSAGE.search(str(event.get("message") or ""))
    return match.group(1) if match else "unknown"


def _event_key(event):
    return (_epoch(event.get("timestamp")), NODE_ORDER.get(event.get("state"), len(NODE_ORDER)))


def _epoch(text):
    try:
        return _iso_time(text, "timestamp").timestamp()
    except ConfigError:
        return 0.0


def node_job_state(node_states):
    """A job's state word from its nodes' latest states, in the orchestrator's vocabulary."""
    unknown = [s for s in node_states if s not in NODE_STATES]
    if unknown:
        return unknown[0]
    going = [s for s in node_states if s in NODE_GOING]
    if not going:
        if any(s in NODE_NOT_RUN for s in node_states):
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
    state = STATES.get(vendor_status, UNKNOWN)
    counts = _counts(node_states)
    starts = [e["start_timestamp"] for e in ordered if e.get("start_timestamp")]
    ends = [e.get("finish_timestamp") or e.get("timestamp") for e in latest.values()]
    return ActionStatus(
        action_id=job_id, vendor="puppet", state=state, vendor_status=vendor_status,
        targets=node_targets(counts, len(latest)),
        errors=[error_entry(node, e.get("message"), e.get("timestamp")) for node, e in sorted(latest.items())
                if e.get("state") in NODE_FAILED],
        started_at=min(starts, key=_epoch) if starts else None,
        finished_at=max(ends, key=_epoch) if state not in (PENDING, RUNNING, UNKNOWN) and ends else None,
        raw={"job": job_id, "events": ordered}, extra={"node_states": counts})


def _counts(states):
    counts = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


def node_targets(counts, total):
    """Node counts: finished succeeded, failed and errored failed, skipped or stopped neither."""
    return targets_dict(total=total, succeeded=counts.get("finished", 0),
                        failed=sum(counts.get(s, 0) for s in NODE_FAILED),
                        pending=sum(counts.get(s, 0) for s in NODE_GOING))


def _job_number(job_id):
    return int(job_id) if str(job_id).isdigit() else -1


# ---- orchestrator jobs -----------------------------------------------------------------------


class PuppetJobStatus(PuppetVendor):
    """``GET /orchestrator/v1/jobs/{id}``, with failed nodes' messages from ``/jobs/{id}/nodes``."""

    LABEL = "Puppet Enterprise orchestrator"
    NOT_FOUND_HINT = ("The orchestrator answered unknown-job: check the id (the job name that command/deploy or "
                      "command/task returned, such as 81).")
    OPTIONS = dict(CREDENTIALS, **{
        "url": {"type": "str", "required": True, "env": ["PUPPET_ORCHESTRATOR_URL"]},
        "rbac_url": {"type": "str", "env": ["PUPPET_RBAC_URL"]},
        "action_ids": {"type": "list", "elements": "str", "default": []},
        "list_limit": {"type": "int", "default": 20},
    })

    def __init__(self, options, client=None):
        super(PuppetJobStatus, self).__init__(options, client)
        self._errors = {}  # (job, failed count) -> errors: refetch nodes only when failures change

    def rbac_url(self):
        return self.options.get("rbac_url") or console_url(self.options["url"])

    def fetch(self, action_ids):
        found = {}
        for action_id in action_ids:
            body = self.job(job_name(action_id))
            if body is not None:
                found[action_id] = self.parse(body)
        return found

    def list_actions(self):
        params = {"order_by": "timestamp", "order": "desc", "limit": self.options.get("list_limit") or 20}
        body = self.get(JOBS_PATH, params=params)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ApiError(self.client.message("Puppet Enterprise orchestrator answered GET /jobs without an items "
                                               "list: %.200s" % (body,)), 200, body)
        return [self.parse(item) for item in items]

    def job(self, name):
        """The job record, or None when the orchestrator answers unknown-job."""
        try:
            return self.get("%s/%s" % (JOBS_PATH, name))
        except ApiError as error:
            if error.status == 404 and str((error.body or {}).get("kind", "")).endswith("unknown-job"):
                return None
            raise

    def parse(self, body):
        name = str(body.get("name") or "")
        counts = body.get("node_states") if isinstance(body.get("node_states"), dict) else {}
        failed = sum(int(counts.get(s) or 0) for s in NODE_FAILED)
        errors = self.node_errors(name, failed) if failed else []
        return parse_job(body, errors)

    def node_errors(self, name, failed):
        key = (name, failed)
        if key not in self._errors:
            self._errors[key] = [node_error(item) for state in NODE_FAILED for item in self.nodes(name, state)]
        return self._errors[key]

    def nodes(self, name, state):
        """Nodes of a job in one state; filtered here too, for servers that ignore ``state``."""
        body = self.get("%s/%s/nodes" % (JOBS_PATH, name), params={"state": state})
        items = body.get("items") if isinstance(body, dict) else None
        return [i for i in items or [] if isinstance(i, dict) and i.get("state") == state]


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
    if text.isdigit() or match:
        return text if text.isdigit() else match.group(1)
    raise ConfigError("Puppet job ids are the job names that command/deploy or command/task return, such as 81 "
                      "(or the job's id URL), got %r." % (action_id,))


def node_error(item):
    """An error entry for a failed or errored node of ``/jobs/{id}/nodes``."""
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    result = item.get("result") if isinstance(item.get("result"), dict) else {}
    nested = result.get("_error") if isinstance(result.get("_error"), dict) else {}
    message = (details.get("message") or details.get("detail") or result.get("msg") or result.get("error")
               or nested.get("msg") or "node %s" % item.get("state"))
    return error_entry(item.get("name"), message, item.get("finish_timestamp") or item.get("timestamp"))


def parse_job(body, errors=()):
    """One orchestrator job record -> ActionStatus; ``node_states`` become the targets."""
    vendor_status = str(body.get("state") or _current(body) or "")
    state = STATES.get(vendor_status, UNKNOWN)
    counts = dict((str(k), _number(v) or 0) for k, v in (body.get("node_states") or {}).items())
    total = _number(body.get("node_count"))
    return ActionStatus(
        action_id=body.get("name"), vendor="puppet", state=state, vendor_status=vendor_status,
        targets=node_targets(counts, total if total is not None else sum(counts.values())),
        errors=list(errors), started_at=body.get("started_timestamp") or _entered(body, "running"),
        finished_at=body.get("finished_timestamp") or (_entered(body, vendor_status)
                                                       if state not in (PENDING, RUNNING, UNKNOWN) else None),
        raw=body, extra={"command": body.get("command") or body.get("type"), "node_states": counts})


def _current(body):
    """The state whose ``status`` entry has no exit time: the doc's own job example has no ``state``."""
    entries = [e for e in body.get("status") or [] if isinstance(e, dict)]
    return entries[-1].get("state") if entries and entries[-1].get("exit_time") is None else None


def _entered(body, state):
    """When the job entered ``state``, from its ``status`` list of enter and exit times."""
    for entry in body.get("status") or []:
        if isinstance(entry, dict) and entry.get("state") == state:
            return entry.get("enter_time")
    return None
