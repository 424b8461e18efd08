# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The parse side of Puppet Enterprise orchestrator jobs (``GET /orchestrator/v1/jobs``,
``/jobs/{id}`` and ``/jobs/{id}/nodes``): any JSON answer to ActionStatus, or the malformed-answer
ApiError naming the service, the endpoint and the field. Pure: no request is sent from here (the
session side is ``orchestrator.py``).

The job record, ``node_states`` against ``/jobs/{id}/nodes``, and the error envelope:
docs/dev/vendors/puppet.md ("Orchestrator jobs").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    PENDING, RUNNING, UNKNOWN, ActionStatus, error_entry,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import (
    NODE_FAILED, NODE_STATES, count_states, job_state, node_targets, shape,
)

JOBS_PATH = "/orchestrator/v1/jobs"
SERVICE = "Puppet Enterprise orchestrator"


def job_items(body, where="%s GET %s" % (SERVICE, JOBS_PATH)):
    """The ``items`` of a ``GET /jobs`` answer: a list of objects (each checked by ``check_job``)."""
    reader = shape(where, body)
    reader.check(body, dict, "the answer")
    return reader.objects(reader.field(body, "items", list, "", required=True), "items")


def check_job(reader, body, path="the answer"):
    """The fields of a job record this collection reads, checked: its ``name`` (ASCII digits, as
    text), ``node_count`` and ``node_states`` as counts, or None when absent."""
    reader.check(body, dict, path)
    name = _shape.ident(reader.field(body, "name", (str, int), path, required=True))
    if _shape.digits(name) is None:
        reader.fail(path + ".name", "is not a job number")
    status = reader.objects(body.get("status") or [], path + ".status")
    for index, entry in enumerate(status):
        for key in ("state", "enter_time", "exit_time"):
            reader.text(entry.get(key), "%s.status[%d].%s" % (path, index, key))
    for key in ("state", "started_timestamp", "finished_timestamp", "command", "type", "timestamp"):
        reader.text(body.get(key), "%s.%s" % (path, key))
    states = reader.field(body, "node_states", dict, path)
    return {
        "name": name,
        "node_count": reader.count(body.get("node_count"), path + ".node_count"),
        "node_states": None if states is None else dict(
            (key, _count(reader, value, "%s.node_states.%s" % (path, key if key in NODE_STATES else "<state>")))
            for key, value in states.items()),
    }


def parse_nodes(body, where="%s GET %s/{id}/nodes" % (SERVICE, JOBS_PATH)):
    """The ``items`` of a ``/jobs/{id}/nodes`` answer, each with a string ``name`` and ``state``."""
    reader = shape(where, body)
    reader.check(body, dict, "the answer")
    items = reader.objects(reader.field(body, "items", list, "", required=True), "items")
    for index, item in enumerate(items):
        path = "items[%d]" % index
        reader.text(item.get("name"), path + ".name", required=True)
        reader.text(item.get("state"), path + ".state", required=True)
        for key in ("finish_timestamp", "timestamp"):
            reader.text(item.get(key), "%s.%s" % (path, key))
        reader.field(item, "details", dict, path)
    return items


def node_counts(items):
    """``{state: count}`` of checked ``/jobs/{id}/nodes`` items."""
    return count_states([item["state"] for item in items])


def node_error(item):
    """An error entry for a node of ``/jobs/{id}/nodes`` that did not succeed (checked items)."""
    details = _object(item.get("details"))
    result = _object(item.get("result"))
    nested = _object(result.get("_error"))
    texts = (details.get("message"), details.get("detail"), result.get("msg"), result.get("error"), nested.get("msg"))
    message = next((t for t in map(_shape.text, texts) if t), "node %s" % item.get("state"))
    when = _shape.timestamp(item.get("finish_timestamp")) or _shape.timestamp(item.get("timestamp"))
    return error_entry(_shape.text(item.get("name")), message, when)


def node_errors(items):
    """The error entries of the checked ``/jobs/{id}/nodes`` items that failed, errored or were skipped."""
    return [node_error(item) for item in items if item["state"] in NODE_FAILED]


def unknown_job(status, body):
    """Whether an error answer is the orchestrator's unknown-job (404 with the ``{kind, msg,
    details}`` envelope): the job does not exist, which is not an error of the read."""
    kind = _shape.text(body.get("kind")) if isinstance(body, dict) else None
    return status == 404 and kind is not None and kind.endswith("unknown-job")


def parse_job(body, errors=(), counts=None, where="GET %s/{id}" % JOBS_PATH):
    """One orchestrator job record -> ActionStatus; ``counts`` (node state -> count) default to its
    ``node_states``. Without either, the nodes are unknown and the job cannot succeed."""
    job = check_job(shape("%s %s" % (SERVICE, where), body), body)
    return job_status(body, job, counts if counts is not None else job["node_states"] or {}, list(errors))


def job_status(body, job, counts, errors):
    """The ActionStatus of a job record checked by ``check_job``, with its node ``counts`` and ``errors``."""
    vendor_status = _shape.text(body.get("state")) or _current(body) or ""
    total = job["node_count"] if job["node_count"] is not None else sum(counts.values())
    state = job_state(vendor_status, counts, total)
    finished = _shape.timestamp(body.get("finished_timestamp"))
    if finished is None and state not in (PENDING, RUNNING, UNKNOWN):
        finished = _entered(body, vendor_status)
    return ActionStatus(
        action_id=job["name"], vendor="puppet", state=state, vendor_status=vendor_status,
        targets=node_targets(counts, total), errors=errors,
        started_at=_shape.timestamp(body.get("started_timestamp")) or _entered(body, "running"),
        finished_at=finished,
        raw=body, extra={"command": _shape.text(body.get("command")) or _shape.text(body.get("type")),
                         "node_states": counts})


def _count(reader, value, path):
    """A count that must be there: null is not a count of nodes (``Shape.count`` reads it as absent)."""
    if value is None:
        reader.fail(path, "is null, not a count")
    return reader.count(value, path)


def _object(value):
    return value if isinstance(value, dict) else {}


def _current(body):
    """The state whose ``status`` entry has no exit time: the doc's own job example has no ``state``."""
    entries = body.get("status") or []
    if entries and _shape.timestamp(entries[-1].get("exit_time")) is None:
        return _shape.text(entries[-1].get("state"))
    return None


def _entered(body, state):
    """When the job entered ``state``, from its ``status`` list of enter and exit times."""
    for entry in body.get("status") or []:
        if _shape.text(entry.get("state")) == state:
            return _shape.timestamp(entry.get("enter_time"))
    return None
