# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The options of the Puppet Enterprise modules and lookups, 1:1 with plugins/doc_fragments/puppet.py.

Each entry may carry ``env`` (environment variables it falls back to) and ``range`` (inclusive
bounds checked before any request by ``Vendor.check_options``) beside its Ansible keys. The
documented paging limits behind the ranges: docs/dev/vendors/puppet.md ("Activity service",
"Orchestrator jobs").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import PER_ID_OPTIONS

# Options that hold secrets: masked in every output, never echoed in an error.
SECRET_OPTIONS = ("token", "password")

CREDENTIALS = {
    "token": {"type": "str", "no_log": True, "env": ["PUPPET_TOKEN"]},
    "username": {"type": "str", "env": ["PUPPET_USERNAME"]},
    "password": {"type": "str", "no_log": True, "env": ["PUPPET_PASSWORD"]},
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

# GET /orchestrator/v1/jobs: limit is the number of most recent jobs; the docs give no maximum,
# so one page of at most 1000 (the activity service's default page) is what we ask for. One job per
# GET /jobs/{id}: the ids of a poll are read by a bounded pool of at most ``max_concurrent_requests``
# at once (PER_ID_OPTIONS, with its range; doc fragment ``per_id``).
JOB_OPTIONS = dict(CREDENTIALS, **dict(PER_ID_OPTIONS, **{
    "url": {"type": "str", "required": True, "env": ["PUPPET_ORCHESTRATOR_URL"]},
    "rbac_url": {"type": "str", "env": ["PUPPET_RBAC_URL"]},
    "action_ids": {"type": "list", "elements": "str", "default": []},
    "list_limit": {"type": "int", "default": 20, "range": (1, 1000)},
}))
