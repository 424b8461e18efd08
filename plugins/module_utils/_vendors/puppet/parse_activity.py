# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The parse side of the Puppet Enterprise activity service (``GET /activity-api/v2/events``):
any JSON answer to commits, flattened events and one ActionStatus per orchestrator job, or the
malformed-answer ApiError naming the service, the endpoint and the field. Pure: no request is
sent from here (the session side is ``activity.py``).

The answer's shape, the v1 forms still read and how orchestrator jobs appear in its events:
docs/dev/vendors/puppet.md ("Activity service").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    PENDING, RUNNING, UNKNOWN, ActionStatus, error_entry,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import (
    NODE_FAILED, NODE_GOING, NODE_ORDER, NODE_STATES, NODE_STOPPED, count_states, job_state, node_targets, shape,
)

EVENTS_PATH = "/activity-api/v2/events"
SERVICE = "Puppet Enterprise activity service"

# v2 messages quote the job ('... via orchestrator job "11"'); v1 wrote 'job 7,759'.
JOB_IN_MESSAGE = re.compile(r'via orchestrator job "?([0-9][0-9,]*)"?')
NODE_IN_MESSAGE = re.compile(r' on "([^"]+)"')


def parse_page(body):
    """``(commits, pagination)`` of one v2 answer, every commit checked (``check_commit``).

    Pagination numbers may come as strings (the v2 doc's own example); one that is not a count
    reads as unknown, which only stops ``all_pages`` early."""
    reader = shape("%s GET %s" % (SERVICE, EVENTS_PATH), body)
    reader.check(body, dict, "the answer")
    commits = reader.field(body, "commits", list, "", required=True)
    for index, commit in enumerate(commits):
        check_commit(reader, commit, "commits[%d]" % index)
    pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
    return commits, dict((key, _shape.whole_number(pagination.get(key))) for key in ("total", "limit", "offset"))


def check_commit(reader, commit, path):
    """A commit: an object whose events are objects with string or absent message, state and times."""
    reader.check(commit, dict, path)
    if commit.get("objects") is not None:
        reader.objects(commit["objects"], path + ".objects")
    reader.field(commit, "object", dict, path)  # v1 commits carried one object
    reader.text(commit.get("timestamp"), path + ".timestamp")
    for index, event in enumerate(reader.objects(reader.field(commit, "events", list, path) or [], path + ".events")):
        where = "%s.events[%d]" % (path, index)
        for key in ("message", "state", "start_timestamp", "finish_timestamp"):
            reader.text(event.get(key), "%s.%s" % (where, key))


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
        match = JOB_IN_MESSAGE.search(_shape.text(event.get("message")) or "")
        if event.get("state") is not None and match:
            jobs.setdefault(match.group(1).replace(",", ""), []).append(event)
    return jobs


def event_node(event):
    """The node an event is about: its first node object's id (or name), else the node its message
    quotes, else ``unknown``."""
    for item in event.get("objects") or []:
        if isinstance(item, dict) and (item.get("type") is None or _shape.text(item.get("type")) == "node"):
            node = _shape.ident(item.get("id") or item.get("name"))
            if node is not None:
                return node
            break  # the first node object names no node: read the message
    match = NODE_IN_MESSAGE.search(_shape.text(event.get("message")) or "")
    return match.group(1) if match else "unknown"


def iso_time(text):
    """An ISO-8601 date and time (``2019-11-01T21:32:39Z``) as an aware datetime (UTC when it names
    no zone); None for anything else, a date without a time included."""
    text = _shape.timestamp(text)
    if text is None or "T" not in text:
        return None
    try:
        when = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def _epoch(value):
    when = iso_time(value)
    try:
        return when.timestamp() if when is not None else 0.0
    except (OverflowError, ValueError):
        return 0.0


def _event_key(event):
    return (_epoch(event.get("timestamp")), NODE_ORDER.get(_shape.text(event.get("state")), len(NODE_ORDER)))


def node_job_state(node_states):
    """A job's state word from its nodes' latest states, in the orchestrator's vocabulary.

    A node stopped by a person makes the job ``stopped``; nodes failed, errored or skipped (a run is
    skipped when a dependency fails) make it ``failed``, never ``stopped``."""
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
    node_states = [_shape.text(e.get("state")) or "" for e in latest.values()]
    vendor_status = node_job_state(node_states)
    counts = count_states(node_states)
    state = job_state(vendor_status, counts, len(latest))
    starts = [_shape.timestamp(e.get("start_timestamp")) for e in ordered]
    starts = [t for t in starts if t is not None]
    ends = [_shape.timestamp(e.get("finish_timestamp")) or _shape.timestamp(e.get("timestamp"))
            for e in latest.values()]
    ends = [t for t in ends if t is not None]
    return ActionStatus(
        action_id=job_id, vendor="puppet", state=state, vendor_status=vendor_status,
        targets=node_targets(counts, len(latest)),
        errors=[error_entry(node, _shape.text(e.get("message")), _shape.timestamp(e.get("timestamp")))
                for node, e in sorted(latest.items()) if _shape.text(e.get("state")) in NODE_FAILED],
        started_at=min(starts, key=_epoch) if starts else None,
        finished_at=max(ends, key=_epoch) if state not in (PENDING, RUNNING, UNKNOWN) and ends else None,
        raw={"job": job_id, "events": ordered}, extra={"node_states": counts})
