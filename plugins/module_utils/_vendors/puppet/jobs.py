# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""What Puppet's two parsers share: the orchestrator's job and node state words and what they
mean, the node arithmetic, and job names. Pure: no request is sent from here.

The state tables and why skipped and errored nodes count as failed: docs/dev/vendors/puppet.md
("Job states", "Node states").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PENDING, RUNNING, SUCCEEDED, UNKNOWN, targets_dict,
)

# The last sentence of every malformed-answer error (``_shape.Shape``).
ADVICE = "If the service is healthy, report this with the PE version."

# Job states (GET /jobs/{id}). new and ready are "Queued" in the console.
STATES = {
    "new": PENDING,
    "ready": PENDING,
    "running": RUNNING,
    "stopping": RUNNING,
    "finished": SUCCEEDED,
    "failed": FAILED,
    "stopped": CANCELLED,
}
# Node states: the current /jobs/{id}/nodes doc lists new, ready, running, stopping, stopped,
# finished and failed; the 2018.1 jobs doc also shows errored and skipped, and a run is skipped
# "when a dependency fails". A node that ended any other way than finished did not succeed.
NODE_GOING = ("new", "ready", "running", "stopping")
NODE_FAILED = ("failed", "errored", "skipped")
NODE_STOPPED = ("stopped",)  # a person stopped the job before this node ran (command/stop doc)
NODE_STATES = NODE_GOING + NODE_FAILED + NODE_STOPPED + ("finished",)
# Order of a node's moves, to break ties between events stamped in the same second.
NODE_ORDER = dict((state, index) for index, state in enumerate(NODE_GOING))

JOB_URL = re.compile(r"/jobs/([0-9]+)/?$")


def shape(where, body):
    """The reader of one Puppet answer: its surprises are malformed-answer ApiErrors naming ``where``."""
    return _shape.Shape(where, body, ADVICE)


def job_state(vendor_status, counts, total):
    """The normalised state of a job. ``finished`` is succeeded only when every node finished: a
    record that says finished while a node failed, was skipped, is in a state we do not know, or
    with no node counted at all, reads as failed (the reading that never turns a failure into a pass)."""
    state = _shape.enum(vendor_status, STATES, UNKNOWN, fold=False)
    if state == SUCCEEDED and counts.get("finished", 0) < max(total, sum(counts.values()), 1):
        return FAILED
    return state


def count_states(states):
    """``{state: number of nodes in it}`` of a list of node state words."""
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


def job_name(action_id):
    """A job's name (``81``) from the name itself or its ``id`` URL (``.../orchestrator/v1/jobs/81``):
    ASCII digits only, checked before any request."""
    text = str(action_id).strip()
    if _shape.digits(text) is not None:
        return text
    match = JOB_URL.search(text)
    if match and _shape.digits(match.group(1)) is not None:
        return match.group(1)
    raise ConfigError("Puppet job ids are the job names that command/deploy or command/task return, such as 81 "
                      "(or the job's id URL), got %r." % (action_id,))


def job_number(job_id):
    """A job name as a number to sort by (newest first); -1 when it is not one."""
    number = _shape.digits(job_id)
    return -1 if number is None else number
