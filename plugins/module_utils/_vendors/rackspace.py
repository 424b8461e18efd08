# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Rackspace Cloud Backup v2: agent events, and the state of backups and restores.

Facts from ``rackerlabs/docs-cloud-backup`` (api-docs/cloud-backup-v2) and research §5:
every call carries ``X-Auth-Token``, a token from Rackspace Identity v2.0 (``POST /tokens``,
about a day long) whose service catalog names the regional endpoint (type ``rax:backup``);
agent events are transient ("might disappear after a minute or so") and are read forward
with ``marker``; the authoritative outcome of a backup or restore is its ``state``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from urllib.parse import parse_qs, quote, urlparse

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionNotFound, ApiError, AuthError, ConfigError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0"
CATALOG_TYPE = "rax:backup"  # the Cloud Backup entry of the service catalog (research §5b)
MAX_PAGES = 1000

# Resource state -> normalised state (research §5a). The terminal set is the one the 409 of
# PATCH lists: completed, completed_with_errors, failed, stopped, skipped, missed.
BACKUP_STATES = {
    "start_requested": PENDING,
    "start_scheduled": PENDING,
    "queued": PENDING,
    "preparing": RUNNING,
    "in_progress": RUNNING,
    "stop_requested": RUNNING,
    "completed": SUCCEEDED,
    "completed_with_errors": PARTIAL,
    "failed": FAILED,
    "missed": FAILED,
    "skipped": FAILED,
    "stopped": CANCELLED,
}
# Restores have no missed or skipped (get-list-details-about-a-restore lists the valid states).
RESTORE_STATES = dict((k, v) for k, v in BACKUP_STATES.items() if k not in ("start_scheduled", "missed", "skipped"))
RESOURCE_STATES = {"backup": BACKUP_STATES, "restore": RESTORE_STATES}
# completed_with_errors: partial lets allowed_failures (counted in files) decide.
COMPLETED_WITH_ERRORS = {"partial": PARTIAL, "success": SUCCEEDED, "failure": FAILED}
FILE_COUNTERS = {"backup": "files_backed_up", "restore": "files_restored"}

# Agent event -> state of its request, decided by the request's latest event (issue 6).
EVENT_STATES = {"logfile_upload": RUNNING, "logfile_started": RUNNING}
EVENT_SUFFIX_STATES = (("_in_progress", RUNNING), ("_completed", SUCCEEDED), ("_failed", FAILED))

CONNECTION_OPTIONS = {
    "url": {"type": "str", "env": ["RAX_BACKUP_URL"]},
    "token": {"type": "str", "no_log": True, "env": ["RAX_AUTH_TOKEN"]},
    "identity_url": {"type": "str", "default": IDENTITY_URL, "env": ["RAX_IDENTITY_URL"]},
    "username": {"type": "str", "env": ["RAX_USERNAME"]},
    "api_key": {"type": "str", "no_log": True, "env": ["RAX_API_KEY"]},
    "password": {"type": "str", "no_log": True, "env": ["RAX_PASSWORD"]},
    "region": {"type": "str", "env": ["RAX_REGION"]},
    "project_id": {"type": "str", "env": ["RAX_PROJECT_ID"]},
}


class _Overlay:
    """``get(name)`` over options with a few values replaced (options may be a lookup's reader)."""

    def __init__(self, options, **values):
        self.options, self.values = options, values

    def get(self, name, default=None):
        return self.values[name] if name in self.values else self.options.get(name, default)


def endpoint_base(url, project_id):
    """``<url>/v2/<project_id>``, whether ``url`` is a bare host, ends in ``/v2``, or is a
    catalog ``publicURL`` that already names the project (the project is optional in paths,
    service-access-endpoints.rst)."""
    base = url.rstrip("/")
    parts = base.rsplit("/", 2)
    if len(parts) == 3 and parts[1] == "v2" and "://" not in parts[2]:
        if project_id and parts[2] != project_id:
            raise ConfigError("The Cloud Backup URL %s names project %s but project_id is %s; "
                              "leave one of them out or make them agree." % (base, parts[2], project_id))
        return base
    if not base.endswith("/v2"):
        base += "/v2"
    return base + ("/" + project_id if project_id else "")


def identity_credentials(options):
    """``(username, body)`` for the identity request, or None when none are given."""
    username = options.get("username")
    if options.get("api_key") and options.get("password"):
        raise ConfigError("Give api_key or password for Rackspace Identity, not both.")
    if not username:
        if options.get("api_key") or options.get("password"):
            raise ConfigError("api_key and password need username (or RAX_USERNAME).")
        return None
    if options.get("api_key"):
        return username, {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": options["api_key"]}}}
    if options.get("password"):
        return username, {"auth": {"passwordCredentials": {"username": username, "password": options["password"]}}}
    raise ConfigError("username needs api_key (or RAX_API_KEY) or password (or RAX_PASSWORD).")


def parse_access(body, region):
    """``(token, tenant, endpoint_url)`` from an identity v2.0 answer; the endpoint is the
    ``rax:backup`` one in ``region`` (else the user's default region, else the only one)."""
    access = body.get("access") if isinstance(body, dict) else None
    token = (access or {}).get("token") or {}
    if not token.get("id"):
        raise ApiError("Rackspace Identity answered without access.token.id: %.200s" % (body,), 200, body)
    endpoints = [e for entry in access.get("serviceCatalog") or [] if entry.get("type") == CATALOG_TYPE
                 for e in entry.get("endpoints") or []]
    wanted = region or (access.get("user") or {}).get("RAX-AUTH:defaultRegion")
    chosen = [e for e in endpoints if not wanted or str(e.get("region", "")).upper() == wanted.upper()]
    if not chosen or not chosen[0].get("publicURL"):
        where = " in region %s" % wanted if wanted else ""
        regions = ", ".join(sorted(str(e.get("region")) for e in endpoints)) or "none"
        raise ConfigError("The service catalog has no Cloud Backup (%s) endpoint%s (regions with one: %s). "
                          "Set region to one of those, or give url." % (CATALOG_TYPE, where, regions))
    return token["id"], (token.get("tenant") or {}).get("id"), chosen[0]["publicURL"]


def identity_refusal(body):
    """The message of an identity fault such as {"unauthorized": {"code": 401, "message": ...}}."""
    for value in (body.values() if isinstance(body, dict) else ()):
        if isinstance(value, dict) and value.get("message"):
            return str(value["message"])
    return None


class RackspaceBackupBase(Vendor):
    """Token handling shared by the two Cloud Backup classes: a token given directly, or one
    from Rackspace Identity (and the endpoint from its catalog), renewed once on a 401."""

    NAME = "rackspace_backup"
    LABEL = "Rackspace Cloud Backup"
    SECRET_OPTIONS = ("token", "api_key", "password")

    def __init__(self, options, client=None):
        super(RackspaceBackupBase, self).__init__(options, client)
        self.client.auth_hint = self.auth_advice
        self.identity = identity_credentials(options)
        if not options.get("token") and not self.identity:
            raise ConfigError("Rackspace Cloud Backup needs token (or RAX_AUTH_TOKEN) with url, or username and "
                              "api_key (or RAX_USERNAME and RAX_API_KEY) to get a token from Rackspace Identity.")
        if not options.get("url") and not self.identity:
            raise ConfigError("A token alone does not say where Cloud Backup is: give url (the regional endpoint, "
                              "such as https://dfw.backup.api.rackspacecloud.com), or username and api_key.")
        self.ready = False

    @classmethod
    def make_client(cls, options, **overrides):
        """Without ``url`` the endpoint comes from the catalog: start at the identity URL."""
        if not options.get("url"):
            options = _Overlay(options, url=options.get("identity_url") or IDENTITY_URL)
        return super(RackspaceBackupBase, cls).make_client(options, **overrides)

    def auth_advice(self, status, body):
        if status == 403:
            return ("The token may not use this project or Cloud Backup: check project_id and that the user "
                    "has a Cloud Backup role.")
        if self.identity:
            return ("A new token from Rackspace Identity for %s was refused too: check that the user may use "
                    "Cloud Backup in this region." % self.identity[0])
        return ("The token is invalid or expired (Rackspace tokens last about a day): get a new one, or give "
                "username and api_key so the module can authenticate itself.")

    # Vendor.get: with identity credentials a 401 (token expired, they last about a day)
    # re-authenticates once; with a token given directly it fails saying so.
    def ensure_login(self):
        if self.ready:
            return False
        if self.options.get("token") and self.options.get("url"):
            self.client.session.headers["X-Auth-Token"] = self.options["token"]
            self.client.base_url = endpoint_base(self.options["url"], self.options.get("project_id"))
            self.ready = True
            return False
        self.authenticate()
        self.ready = True
        return True

    def can_login(self):
        return bool(self.identity)

    def login(self):
        self.authenticate()

    def authenticate(self):
        """POST <identity_url>/tokens; keep the token secret and point the client at the endpoint."""
        identity_url = (self.options.get("identity_url") or IDENTITY_URL).rstrip("/")
        self.client.session.headers.pop("X-Auth-Token", None)
        try:
            body = self.client.request("POST", identity_url + "/tokens", json_body=self.identity[1], idempotent=True).body
        except AuthError as error:
            raise AuthError(self.client.message(
                "Rackspace Identity at %s refused the credentials of %s: %s. Check username and api_key (or password), "
                "or RAX_USERNAME and RAX_API_KEY." % (identity_url, self.identity[0], identity_refusal(error.body) or error.message)),
                error.status, error.body)
        token, tenant, endpoint = parse_access(body, self.options.get("region"))
        self.client.add_secret(token)
        self.client.session.headers["X-Auth-Token"] = token
        project = self.options.get("project_id") or (None if self.options.get("url") is None else tenant)
        self.client.base_url = endpoint_base(self.options.get("url") or endpoint, project)

    def result_extras(self):
        return {"endpoint": self.client.message(self.client.base_url)}


class RackspaceBackupStatus(RackspaceBackupBase):
    """``GET /v2/{project_id}/backups/{id}`` or ``/restores/{id}``: the gate for backups and restores."""

    NOT_FOUND_HINT = "Check the id, resource (backup or restore), project_id and region."
    OPTIONS = dict(CONNECTION_OPTIONS, **{
        "action_ids": {"type": "list", "elements": "str", "required": True},
        "resource": {"type": "str", "default": "backup", "choices": ["backup", "restore"]},
        "completed_with_errors": {"type": "str", "default": "partial", "choices": ["partial", "success", "failure"]},
    })

    def __init__(self, options, client=None):
        super(RackspaceBackupStatus, self).__init__(options, client)
        self.resource = options.get("resource") or "backup"
        self.NOUN = self.resource

    def fetch(self, action_ids):
        found = {}
        for action_id in action_ids:
            try:
                record = self.get("/%ss/%s" % (self.resource, quote(action_id, safe="")))
            except ApiError as error:
                if error.status == 404:
                    continue
                raise
            found[action_id] = self.parse(record, action_id)
        return found

    def list_actions(self):
        raise ConfigError("rackspace_backup_status needs the ids of the backups or restores (action_ids, or the "
                          "lookup's terms): the id is in the answer to POST /v2/{project_id}/%ss." % self.resource)

    def parse(self, record, action_id=None):
        """A backup or restore record -> ActionStatus. Targets count files (errors as failed files)."""
        if not isinstance(record, dict) or "state" not in record:
            raise ApiError(self.client.message("Rackspace Cloud Backup answered without a %s state: %.200s" % (
                self.resource, record)), 200, record)
        vendor_state = str(record.get("state") or "")
        state = self.state_of(vendor_state)
        errors = record.get("errors") if isinstance(record.get("errors"), dict) else {}
        return ActionStatus(
            action_id=record.get("id") or action_id, vendor=self.NAME, state=state, vendor_status=vendor_state,
            targets=self.targets(state, record, _int(errors.get("count"))),
            errors=self.errors_of(record, errors), started_at=record.get("started_time"),
            finished_at=record.get("ended_time"), raw=record, extra={"resource": self.resource})

    def state_of(self, vendor_state):
        state = RESOURCE_STATES[self.resource].get(vendor_state, UNKNOWN)
        if vendor_state == "completed_with_errors":
            return COMPLETED_WITH_ERRORS[self.options.get("completed_with_errors") or "partial"]
        return state

    def targets(self, state, record, error_count):
        """Files: ``allowed_failures`` then reads as a number or share of files with errors.
        A failed, missed or skipped run counts no file as succeeded: it left no usable result."""
        files = _int(record.get(FILE_COUNTERS[self.resource]))
        if state == PARTIAL:
            return targets_dict(total=files + error_count, succeeded=files, failed=error_count)
        if state == SUCCEEDED:  # completed, or completed_with_errors accepted by the option
            return targets_dict(total=files, succeeded=files, failed=0)
        if state == FAILED:
            return targets_dict(total=max(error_count, 1), succeeded=0, failed=max(error_count, 1))
        return targets_dict(total=0)

    def errors_of(self, record, errors):
        if not _int(errors.get("count")) and not errors.get("reason"):
            return []
        agent = record.get("agent") or record.get("destination_agent") or {}
        message = "%s: %s (%d errors)" % (errors.get("reason") or "error", errors.get("diagnostics") or "no diagnostics",
                                          _int(errors.get("count")))
        entry = error_entry(agent.get("id"), message, record.get("ended_time"))
        entry.update(count=_int(errors.get("count")), reason=errors.get("reason"), diagnostics=errors.get("diagnostics"))
        return [entry]


class RackspaceBackupAgentEvents(RackspaceBackupBase):
    """``GET /v2/{project_id}/agents/{agent_id}/events``: the seed endpoint, one status per request_id.

    Events last about a minute, so a wait reads forward from the last event id it has seen
    (``marker``) and remembers every event of the run: nothing is lost between polls.
    """

    NOUN = "request"
    NOT_FOUND_HINT = ("Cloud Backup keeps agent events for about a minute only, so they may have expired before "
                      "the first read (or the request has not started, or the id or agent_id is wrong). Their "
                      "outcome is unknown from agent events; read a backup or restore with rackspace_backup_status.")
    OPTIONS = dict(CONNECTION_OPTIONS, **{
        "action_ids": {"type": "list", "elements": "str", "default": [], "aliases": ["request_ids"]},
        "agent_id": {"type": "str", "required": True},
        "marker": {"type": "str"},
        "limit": {"type": "int", "default": 100},
        "sort_dir": {"type": "str", "default": "asc", "choices": ["asc", "desc"]},
        "all_pages": {"type": "bool", "default": False},
        "event_types": {"type": "list", "elements": "str", "default": []},
        # Below the events' lifetime (about 60 s), so a slow poll cannot miss a request's events.
        "wait_max_interval": {"type": "float", "default": 20.0},
    })

    def __init__(self, options, client=None):
        super(RackspaceBackupAgentEvents, self).__init__(options, client)
        if not options.get("agent_id"):
            raise ConfigError("rackspace_backup_agent_events needs agent_id.")
        if (options.get("limit") or 100) < 1:
            raise ConfigError("limit must be at least 1, got %s." % options.get("limit"))
        self.marker = options.get("marker") or None
        self.events = []
        self.by_request = {}
        self.seen = set()

    def events_path(self):
        return "/agents/%s/events" % quote(self.options["agent_id"], safe="")

    def fetch(self, action_ids):
        """Read forward from the last event seen; every id gets a status (unknown without events)."""
        self.remember(self.read(self.marker, "asc", all_pages=True))
        return dict((i, self.request_status(i, self.by_request.get(i, []))) for i in action_ids)

    def statuses(self, action_ids, policy):
        """While waiting, a request with no events yet is "not found" (tolerated for
        wait_not_found_timeout, then a failure saying its outcome is unknown); otherwise it is
        reported with state unknown. Never success."""
        found = self.fetch(action_ids)
        unseen = [i for i in action_ids if i not in self.by_request]
        if unseen and self.options.get("wait"):
            raise ActionNotFound(self.not_found_message(unseen), unseen)
        return [policy.apply(found[i]) for i in action_ids]

    def not_found_message(self, missing):
        return "Rackspace Cloud Backup has no events for request %s on agent %s, so its state is unknown. %s" % (
            ", ".join(repr(i) for i in missing), self.options["agent_id"], self.NOT_FOUND_HINT)

    def list_actions(self):
        """The events of one page (or all pages), and one status per request_id among them."""
        events = self.read(self.marker, self.options.get("sort_dir") or "asc", bool(self.options.get("all_pages")))
        self.remember(events)
        ids = []
        for event in self.wanted(events):
            if event.get("request_id") and event["request_id"] not in ids:
                ids.append(event["request_id"])
        return [self.request_status(i, self.by_request[i]) for i in ids]

    def read(self, marker, sort_dir, all_pages):
        """Pages from ``marker`` on, following each ``next`` link until a page comes back empty."""
        events = []
        for _page in range(MAX_PAGES):
            params = {"limit": self.options.get("limit") or 100, "sort_dir": sort_dir}
            if marker:
                params["marker"] = marker
            body = self.get(self.events_path(), params=params)
            page = body.get("events") if isinstance(body, dict) else None
            if not isinstance(page, list):
                raise ApiError(self.client.message("Rackspace Cloud Backup answered agent events without an events "
                                                   "list: %.200s" % (body,)), 200, body)
            events.extend(page)
            if not page or not all_pages:
                break
            marker = next_marker(body, page)
        return events

    def remember(self, events):
        for event in events:
            if event.get("id") in self.seen:
                continue
            self.seen.add(event.get("id"))
            self.events.append(event)
            if event.get("request_id"):
                self.by_request.setdefault(event["request_id"], []).append(event)
        if self.events:
            self.marker = str(max(self.events, key=event_order)["id"])

    def wanted(self, events):
        patterns = self.options.get("event_types") or []
        return [e for e in events if not patterns or any(fnmatch.fnmatchcase(str(e.get("event")), p) for p in patterns)]

    def request_status(self, request_id, events):
        """A request's state is that of its latest event."""
        if not events:
            return ActionStatus(request_id, self.NAME, UNKNOWN, "no_events", targets={"total": 1},
                                errors=[error_entry(self.options["agent_id"], self.not_found_message([request_id]))],
                                extra={"request_id": request_id, "agent_id": self.options["agent_id"], "events": []})
        latest = max(events, key=event_order)
        name = str(latest.get("event") or "")
        state = event_state(name)
        agent_id = (latest.get("agent") or {}).get("id") or self.options["agent_id"]
        errors = [error_entry(agent_id, "%s for request %s" % (name, request_id), latest.get("time"))] if state == FAILED else []
        return ActionStatus(
            request_id, self.NAME, state, name, errors=errors,
            targets=targets_dict(total=1, succeeded=int(state == SUCCEEDED), failed=int(state == FAILED)),
            started_at=min(events, key=event_order).get("time"),
            finished_at=latest.get("time") if state in (SUCCEEDED, FAILED) else None,
            raw=latest, extra={"request_id": request_id, "agent_id": agent_id, "events": list(events)})

    def result_extras(self):
        extras = super(RackspaceBackupAgentEvents, self).result_extras()
        extras.update(events=self.wanted(self.events), next_marker=self.marker)
        return extras


def event_state(name):
    if name in EVENT_STATES:
        return EVENT_STATES[name]
    for suffix, state in EVENT_SUFFIX_STATES:
        if name.endswith(suffix):
            return state
    return UNKNOWN


def event_order(event):
    """Event ids are numeric strings (seed 004); compare them as numbers when they are."""
    value = str(event.get("id") or "")
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def next_marker(body, page):
    """The marker of the ``next`` link, else the last id of the page. Only the marker is taken,
    not the link's host: the token is never sent to a host the user did not configure."""
    for link in body.get("links") or []:
        if link.get("rel") == "next" and link.get("href"):
            values = parse_qs(urlparse(link["href"]).query).get("marker")
            if values:
                return values[0]
    return str(page[-1].get("id"))


def _int(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
