# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The options of the Puppet Enterprise modules and lookups, 1:1 with plugins/doc_fragments/puppet.py
(and, for ``puppet_job_run``, ``START_OPTIONS``, with that module's DOCUMENTATION).

Each entry may carry ``env`` (environment variables it falls back to) and ``range`` (inclusive
bounds checked before any request by ``Vendor.check_options``) beside its Ansible keys. The
documented paging limits behind the ranges: docs/dev/vendors/puppet.md ("Activity service",
"Orchestrator jobs", "Starting actions").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import PER_ID_OPTIONS

# Options that hold secrets: masked in every output, never echoed in an error.
SECRET_OPTIONS = ("token", "password")

CREDENTIALS = {
    "token": {"type": "str", "no_log": True, "env": ["PUPPET_TOKEN"], "header": True},
    "username": {"type": "str", "env": ["PUPPET_USERNAME"], "header": "encoded"},
    "password": {"type": "str", "no_log": True, "env": ["PUPPET_PASSWORD"], "header": "encoded"},
}

# GET /activity-api/v2/events: offset is zero-based; limit is a positive number of records,
# default 1000, and no larger page is documented (all_pages reads further).
ACTIVITY_OPTIONS = dict(CREDENTIALS, **{
    "url": {"type": "str", "required": True, "env": ["PUPPET_CONSOLE_URL"]},
    "action_ids": {"type": "list", "elements": "str", "default": []},
    "service_id": {"type": "str"},
    "offset": {"type": "int", "default": 0, "range": (0, 2 ** 31 - 1)},
    "order": {"type": "str", "choices": ["asc", "desc"]},
    "limit": {"type": "int", "range": (1, 1000)},
    "query": {"type": "list", "elements": "dict", "default": []},
    "all_pages": {"type": "bool", "default": False},
})

# The orchestrator, and the console where username and password are exchanged for a token: the job
# status module's and the start module's (doc fragment ``puppet.jobs``).
ORCHESTRATOR = {
    "url": {"type": "str", "required": True, "env": ["PUPPET_ORCHESTRATOR_URL"]},
    "rbac_url": {"type": "str", "env": ["PUPPET_RBAC_URL"]},
}

# GET /orchestrator/v1/jobs: limit is the number of most recent jobs; the docs give no maximum,
# so one page of at most 1000 (the activity service's default page) is what we ask for. One job per
# GET /jobs/{id}: the ids of a poll are read by a bounded pool of at most ``max_concurrent_requests``
# at once (PER_ID_OPTIONS, with its range; doc fragment ``per_id``).
JOB_OPTIONS = dict(CREDENTIALS, **dict(PER_ID_OPTIONS, **dict(ORCHESTRATOR, **{
    "action_ids": {"type": "list", "elements": "str", "default": []},
    "list_limit": {"type": "int", "default": 20, "range": (1, 1000)},
})))

# puppet_job_run (start.py): POST /orchestrator/v1/command/deploy or command/task on a list of nodes.
# Which option goes with which command, and that the nodes are not blank or repeated, is checked by
# ``start.start_request`` before any request. The orchestrator documents no upper bound for
# ``concurrency`` or ``timeout``: the ranges stop at the largest 32-bit integer.
START_COMMANDS = ("deploy", "task")
MAX_INT = 2 ** 31 - 1
START_OPTIONS = dict(CREDENTIALS, **dict(ORCHESTRATOR, **{
    "command": {"type": "str", "required": True, "choices": list(START_COMMANDS)},
    "nodes": {"type": "list", "elements": "str", "required": True},
    "environment": {"type": "str", "default": "production"},
    "task": {"type": "str"},
    "params": {"type": "dict"},
    "noop": {"type": "bool"},
    "concurrency": {"type": "int", "range": (1, MAX_INT)},
    "description": {"type": "str"},
    "timeout": {"type": "int", "range": (1, MAX_INT), "unit": "seconds"},
    "include_raw": {"type": "bool", "default": True},
}))
