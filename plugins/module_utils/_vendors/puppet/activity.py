# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The session side of the Puppet Enterprise activity service (``GET /activity-api/v2/events``
on the console, port 4433): its options, the ``query`` check, paging, and the orchestrator jobs
read from its events (``parse_activity.py``).

The endpoint, its filters and its answer: docs/dev/vendors/puppet.md ("Activity service").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.argspec import ACTIVITY_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import job_name, job_number
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.parse_activity import (
    EVENTS_PATH, SERVICE, activity_jobs, flatten, iso_time, parse_page,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.rbac import PuppetVendor

# The query objects the v2 events doc allows: one parameter, or a pair that belongs together.
QUERY_KEYS = (("subject_id", "subject_type"), ("object_type", "object_id"), ("ip_address",), ("start", "end"))
MAX_PAGES = 10000


class PuppetActivityEvents(PuppetVendor):
    """``GET /activity-api/v2/events``: commits, flattened events, and orchestrator jobs from them."""

    LABEL = SERVICE
    NOT_FOUND_HINT = ("No orchestrator event in the commits read names it (check the id, service_id and query, "
                      "and use all_pages or limit and offset to read further).")
    OPTIONS = ACTIVITY_OPTIONS

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
            commits, pagination = parse_page(self.get(EVENTS_PATH, params=params))
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
        return sorted(self.jobs().values(), key=lambda s: job_number(s.action_id), reverse=True)

    def result_extras(self):
        commits = self.last["commits"]
        return {"commits": commits, "events": list(flatten(commits)), "pagination": self.last["pagination"]}


def query_json(query):
    """Check the activity ``query`` array the way the v2 events doc describes it; return it as JSON text."""
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
    start, end = (_query_time(item[key], key) for key in ("start", "end"))
    if start > end:
        raise ConfigError("Query item %r: start is after end." % (item,))


def _query_time(value, name):
    when = iso_time(str(value))
    if when is None:
        raise ConfigError("Query %s must be an ISO-8601 date and time such as 2019-11-01T21:32:39Z, got %r." % (
            name, value))
    return when
