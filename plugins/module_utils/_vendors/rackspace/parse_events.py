# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The parse side of Cloud Backup v2 agent events (``GET /v2/<project>/agents/<agent_id>/events``):
a page of events checked, their order, the next page's marker, and one ActionStatus per
request_id. Any JSON answer gives events or the malformed-answer ApiError naming Cloud Backup,
the call and the field. Pure: no request is sent from here (the session side is ``v2.py``).

The events, their expiry and paging with ``marker``: docs/dev/vendors/rackspace.md ("Agent events").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from urllib.parse import parse_qs, urlsplit

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    FAILED, RUNNING, SUCCEEDED, UNKNOWN, ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import NAME, ref_id, shape

WHERE = "GET /v2/<project>/agents/<agent_id>/events"
# Event name -> state of its request, decided by the request's latest event: the names the docs
# list, and the _in_progress/_completed/_failed endings of the vault_db_download_* family.
EVENT_STATES = {"logfile_upload": RUNNING, "logfile_started": RUNNING}
EVENT_SUFFIX_STATES = (("_in_progress", RUNNING), ("_completed", SUCCEEDED), ("_failed", FAILED))


def parse_events(body, where=WHERE):
    """The events of one page, each an object with an id (a number or numeric string), an
    ``event`` name and, when present, a string ``request_id``."""
    reader = shape(where, body)
    reader.check(body, dict, "the answer")
    events = reader.objects(reader.field(body, "events", list, "", required=True), "events")
    for index, event in enumerate(events):
        path = "events[%d]" % index
        reader.ident(event.get("id"), path + ".id")
        reader.text(event.get("event"), path + ".event", required=True)
        reader.text(event.get("request_id"), path + ".request_id")
    return events


def event_state(name):
    """The state of a request whose latest event is ``name``: unknown unless the name says more."""
    if name in EVENT_STATES:
        return EVENT_STATES[name]
    for suffix, state in EVENT_SUFFIX_STATES:
        if name.endswith(suffix):
            return state
    return UNKNOWN


def event_order(event):
    """Event ids are numeric strings: compare them as numbers (ASCII digits) when they are."""
    value = _shape.ident(event.get("id")) or ""
    number = _shape.digits(value)
    return (0, number, "") if number is not None else (1, 0, value)


def next_marker(body, page):
    """The marker of the ``next`` link, else the last id of the page. Only the marker is taken,
    not the link's host: the token is never sent to a host the user did not configure."""
    links = body.get("links") if isinstance(body, dict) else None
    for link in links if isinstance(links, list) else ():
        href = _shape.text(link.get("href")) if isinstance(link, dict) and link.get("rel") == "next" else None
        if href is None:
            continue
        try:
            query = urlsplit(href).query
        except ValueError:  # such as an unclosed "[" of an IPv6 host: no marker from this link
            continue
        values = parse_qs(query).get("marker")
        if values:
            return values[0]
    return str(page[-1].get("id"))


def wanted(events, patterns):
    """The events whose name matches one of the shell-style ``patterns`` (all without patterns)."""
    return [e for e in events if not patterns or any(fnmatch.fnmatchcase(str(e.get("event")), p) for p in patterns)]


def request_status(request_id, events, agent_id, missing_message):
    """A request's state is that of its latest event; without events it is unknown, with
    ``missing_message`` as its error."""
    if not events:
        return ActionStatus(request_id, NAME, UNKNOWN, "no_events", targets={"total": 1},
                            errors=[error_entry(agent_id, missing_message)],
                            extra={"request_id": request_id, "agent_id": agent_id, "events": []})
    latest = max(events, key=event_order)
    name = _shape.text(latest.get("event")) or ""
    state = event_state(name)
    agent_id = ref_id(latest.get("agent")) or agent_id
    time = _shape.timestamp(latest.get("time"))
    errors = [error_entry(agent_id, "%s for request %s" % (name, request_id), time)] if state == FAILED else []
    return ActionStatus(
        request_id, NAME, state, name, errors=errors,
        targets=targets_dict(total=1, succeeded=int(state == SUCCEEDED), failed=int(state == FAILED)),
        started_at=_shape.timestamp(min(events, key=event_order).get("time")),
        finished_at=time if state in (SUCCEEDED, FAILED) else None,
        raw=latest, extra={"request_id": request_id, "agent_id": agent_id, "events": list(events)})
