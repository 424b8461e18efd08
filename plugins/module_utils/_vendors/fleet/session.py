# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet: the Kibana session (auth headers, the space path) and the reads of
``GET /api/fleet/agents/action_status``: paging, the 10,000-result window, ``errorSize``.

The endpoint cannot filter by action id; pages are 0-based with no total (stop on a short page);
each page reads ``(page + 1) * perPage`` action documents, so paging past the 10,000-result window
fails instead of returning a short page; ``latest`` is a window in milliseconds. Sources:
docs/dev/vendors/fleet.md. Reading the answer is ``parse.py``'s job.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor, segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.argspec import (
    RESULT_WINDOW, SECRET_OPTIONS, STATUS_MODULE_KWARGS, STATUS_OPTIONS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.parse import (
    StatusReader, action_id_of, items_of,
)

MAX_PAGES = 1000
STATUS_ENDPOINT = "agents/action_status"


class Fleet(Vendor):
    """Reads action statuses for ``fleet_action_status``; the base of the other Fleet classes."""

    NAME = "fleet"
    LABEL = "Elastic Fleet"
    NOT_FOUND_HINT = ("It is not among the actions Kibana lists (check the id, space_id, and that "
                      "date or latest do not exclude it).")
    SECRET_OPTIONS = SECRET_OPTIONS
    MODULE_KWARGS = STATUS_MODULE_KWARGS
    OPTIONS = STATUS_OPTIONS

    def __init__(self, options, client=None):
        super(Fleet, self).__init__(options, client)
        self.client.session.headers.update(self.auth_headers(options))
        self.reader = StatusReader(options.get("rollout_passed"))
        # Some Kibana versions reject errorSize as an unknown query key: learnt once per run.
        self.send_error_size = True
        self.window_reached = None

    @classmethod
    def secrets(cls, options):
        found = super(Fleet, cls).secrets(options)
        if options.get("username") and options.get("password"):
            found.append(_basic(options["username"], options["password"]))
        return found

    @staticmethod
    def auth_headers(options):
        if options.get("api_key"):
            return {"Authorization": "ApiKey %s" % options["api_key"]}
        if options.get("username") and options.get("password"):
            return {"Authorization": "Basic %s" % _basic(options["username"], options["password"])}
        raise ConfigError("Elastic Fleet needs api_key (or FLEET_API_KEY), or username and password "
                          "(or FLEET_USERNAME and FLEET_PASSWORD).")

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return "Check api_key (the encoded value of a Kibana API key) or username and password."
        return "The user or API key needs the fleet-agents-read privilege (fleet-agents-all to start actions)."

    def path(self, endpoint):
        """``/api/fleet/<endpoint>``, under ``/s/<space_id>`` for a space other than the default.
        The space is one percent-encoded path segment: ``/``, ``..`` or ``?`` cannot reach another
        Kibana path with the caller's key."""
        space = self.options.get("space_id")
        prefix = "/s/%s" % segment(space) if space and space != "default" else ""
        return "%s/api/fleet/%s" % (prefix, endpoint)

    def parse_item(self, item, index=0):
        """One action_status item -> ActionStatus (``parse.StatusReader.item``)."""
        return self.reader.item(item, index)

    def fetch(self, action_ids):
        """Page through action_status until every id is found, a page comes back short, or the
        next page would pass Elasticsearch's 10,000-result window."""
        wanted, found, read = set(action_ids), {}, self.reader.item
        for index, item in self._items():
            action_id = action_id_of(item, index)
            if action_id in wanted and action_id not in found:
                found[action_id] = read(item, index)
                if wanted.issubset(found):
                    break
        return found

    def list_actions(self):
        types = set(t.upper() for t in self.options.get("types") or [])
        statuses, read = [], self.reader.item
        for index, item in enumerate(self.page(0)):
            status = read(item, index)
            if not types or str(status.data["type"]).upper() in types:
                statuses.append(status)
        return statuses

    def _items(self, per_page=None):
        """``(position, item)`` over every readable page; position counts from the newest."""
        per_page = int(per_page or self.options.get("per_page") or 100)
        pages = min(MAX_PAGES, RESULT_WINDOW // per_page)
        self.window_reached = None
        for page in range(pages):
            items = self.page(page, per_page)
            for offset, item in enumerate(items):
                yield page * per_page + offset, item
            if len(items) < per_page:
                return
        self.window_reached = pages * per_page

    def page(self, page, per_page=None, error_size=None):
        """One page of action_status items, its shape checked."""
        params = {"page": page, "perPage": int(per_page or self.options.get("per_page") or 100)}
        for name, key in (("date", "date"), ("latest", "latest")):
            if self.options.get(name) not in (None, ""):
                params[key] = self.options[name]
        if self.send_error_size:
            size = self.options.get("error_size") if error_size is None else error_size
            params["errorSize"] = 5 if size is None else size
        return items_of(self.read_status(params))

    def read_status(self, params):
        """GET action_status. Kibana versions whose query schema lacks ``errorSize`` answer 400
        "[request query.errorSize]: definition for this key is missing": read again without it,
        once, and leave it out for the rest of the run (their default, 5 errors, applies)."""
        path = self.path(STATUS_ENDPOINT)
        try:
            return self.client.get_json(path, params=params)
        except ApiError as error:
            if not ("errorSize" in params and _rejects_error_size(error)):
                raise
        self.send_error_size = False
        params.pop("errorSize")
        return self.client.get_json(path, params=params)

    def not_found_message(self, missing):
        if self.window_reached is None:
            return super(Fleet, self).not_found_message(missing)
        return ("%s: %s not among the newest %d actions Kibana can list (Elasticsearch's 10,000-result "
                "window). Narrow the search with date or latest." % (
                    self.LABEL, ", ".join(repr(i) for i in missing), self.window_reached))


def _rejects_error_size(error):
    """Kibana's 400 for a query key its schema lacks: "[request query.errorSize]: definition for this
    key is missing" (@kbn/config-schema, unknown keys)."""
    return error.status == 400 and "errorSize" in str(error) and "definition for this key is missing" in str(error)


def _basic(username, password):
    return base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
