# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The session side of the two Cloud Backup plugins:

- ``RackspaceBackupStatus``: the gate for backups and restores, ``GET /v2/<project>/backups/<id>``
  (``/restores/<id>``, read by ``parse_v2.py``) or, when the endpoint is v1.0,
  ``GET /v1.0/<tenant>/backup/<id>`` (``/restore/<id>``, through ``v1.py``);
- ``RackspaceBackupAgentEvents``: ``GET /v2/<project>/agents/<agent_id>/events`` (read by
  ``parse_events.py``), one status per request_id.

The facts and their sources: docs/dev/vendors/rackspace.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionNotFound, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._options import summarise
from ansible_collections.actiongate.agents.plugins.module_utils._pool import read_each
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace import parse_events as events_parser
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace import parse_v1, parse_v2, v1
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.argspec import EVENTS_OPTIONS, STATUS_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.identity import RackspaceBackupBase
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import V1, V2

MAX_PAGES = 1000
# The path of one backup or restore under the endpoint, by API version.
RESOURCE_PATHS = {V1: parse_v1.RESOURCE_PATHS, V2: parse_v2.RESOURCE_PATHS}


class RackspaceBackupStatus(RackspaceBackupBase):
    """The gate for backups and restores: ``GET /v1.0/<tenant>/backup/<id>`` (``/restore/<id>``)
    or ``GET /v2/<project>/backups/<id>`` (``/restores/<id>``), by the endpoint's version."""

    NOT_FOUND_HINT = "Check the id, resource (backup or restore), api_version, project_id and region."
    OPTIONS = STATUS_OPTIONS

    def __init__(self, options, client=None):
        super(RackspaceBackupStatus, self).__init__(options, client)
        self.resource = options.get("resource") or "backup"
        self.NOUN = self.resource
        self.version = None

    def api_version(self, named):
        chosen = self.options.get("api_version") or "auto"
        return (named or V2) if chosen == "auto" else chosen

    def fetch(self, action_ids):
        """Log in once (the version is known once the endpoint is), check every id, then read them
        with at most max_concurrent_requests at once."""
        if not self.ready:
            self.login_first()
        paths = [RESOURCE_PATHS[self.version][self.resource] % self.path_id(i) for i in action_ids]
        statuses = read_each(lambda pair: self.read_one(*pair), list(zip(action_ids, paths)), self.options,
                             self.client.deadline, self.resource)
        return dict((i, s) for i, s in zip(action_ids, statuses) if s is not None)

    def read_one(self, action_id, path):
        """One backup or restore (and its v1.0 report), or None when Cloud Backup answers 404."""
        try:
            record = self.get(path)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return self.read_status(record, action_id, path)

    def path_id(self, action_id):
        """v1.0 ids are integers (BackupId, RestoreId); v2 ids are UUIDs. Always one path segment."""
        if self.version == V1:
            v1.check_id(self.resource, action_id)
        return segment(action_id)

    def read_status(self, record, action_id, path):
        try:
            if self.version == V1:
                return v1.read_status(self, record, action_id, path, self.resource, self.options.get("completed_with_errors"))
            return self.parse(record, action_id, "GET " + path)
        except ApiError as error:
            if error.status == 200:
                raise self.fail_shape(error)
            raise

    def list_actions(self):
        raise ConfigError("rackspace_backup_status needs the ids of the backups or restores (action_ids, or the "
                          "lookup's terms): v1.0 gives the id in the answer to POST /v1.0/<tenant>/backup/action-requested, "
                          "v2 in the answer to POST /v2/<project_id>/%ss." % self.resource)

    def parse(self, record, action_id=None, where=None):
        """A v2 backup or restore record -> ActionStatus (``parse_v2.parse_record``)."""
        return parse_v2.parse_record(record, self.resource, self.options.get("completed_with_errors"), action_id, where)

    def parse_v1(self, record, action_id, path, report=None):
        """A v1.0 backup or restore and its report -> ActionStatus (``parse_v1.parse_record``)."""
        return parse_v1.parse_record(record, action_id, self.resource, self.options.get("completed_with_errors"),
                                     report, "GET " + path)


class RackspaceBackupAgentEvents(RackspaceBackupBase):
    """``GET /v2/{project_id}/agents/{agent_id}/events``: one status per request_id.

    Events last about a minute, so a wait reads forward from the last event id it has seen
    (``marker``) and remembers every event of the run: nothing is lost between polls. Agent
    events exist in v2 only: a v1.0 catalog endpoint is read as v2 on the same host.
    """

    NOUN = "request"
    NOT_FOUND_HINT = ("Cloud Backup keeps agent events for about a minute only, so they may have expired before "
                      "the first read (or the request has not started, or the id or agent_id is wrong). Their "
                      "outcome is unknown from agent events; read a backup or restore with rackspace_backup_status.")
    OPTIONS = EVENTS_OPTIONS

    def __init__(self, options, client=None):
        super(RackspaceBackupAgentEvents, self).__init__(options, client)
        if not options.get("agent_id"):
            raise ConfigError("rackspace_backup_agent_events needs agent_id.")
        self.marker = options.get("marker") or None
        self.events = []
        self.by_request = {}
        self.seen = set()

    def api_version(self, named):
        return V2

    def events_path(self):
        return "/agents/%s/events" % segment(self.options["agent_id"])

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
            summarise(missing), self.options["agent_id"], self.NOT_FOUND_HINT)

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
        """Pages from ``marker`` on, following each ``next`` link until a page comes back empty, or
        brings no event not already read (a server that ignores ``marker``)."""
        events, ids = [], set()
        for _page in range(MAX_PAGES):
            params = {"limit": self.options.get("limit") or 100, "sort_dir": sort_dir}
            if marker:
                params["marker"] = marker
            body = self.get(self.events_path(), params=params)
            try:
                page = events_parser.parse_events(body)
            except ApiError as error:
                raise self.fail_shape(error)
            fresh = [e for e in page if str(e["id"]) not in ids]
            ids.update(str(e["id"]) for e in page)
            events.extend(fresh)
            if not fresh or not all_pages:
                break
            marker = events_parser.next_marker(body, page)
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
            self.marker = str(max(self.events, key=events_parser.event_order)["id"])

    def wanted(self, events):
        return events_parser.wanted(events, self.options.get("event_types") or [])

    def request_status(self, request_id, events):
        """A request's state is that of its latest event (``parse_events.request_status``)."""
        return events_parser.request_status(request_id, events, self.options["agent_id"],
                                            self.not_found_message([request_id]))

    def result_extras(self):
        extras = super(RackspaceBackupAgentEvents, self).result_extras()
        extras.update(events=self.wanted(self.events), next_marker=self.marker)
        return extras
