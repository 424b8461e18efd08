# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The options of the Rackspace Cloud Backup modules and lookups, 1:1 with
plugins/doc_fragments/rackspace.py and the modules' DOCUMENTATION.

Each entry may carry ``env`` (environment variables it falls back to) and ``range`` (inclusive
bounds checked before any request by ``Vendor.check_options``) beside its Ansible keys. The
paging parameters behind the ranges: docs/dev/vendors/rackspace.md ("Agent events"); the wake-up
delay's: docs/dev/vendors/rackspace.md ("Starting actions").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import PER_ID_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import V1, V2

IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0"

# Options that hold secrets: masked in every output, never echoed in an error.
SECRET_OPTIONS = ("token", "api_key", "password")

CONNECTION_OPTIONS = {
    "url": {"type": "str", "env": ["RAX_BACKUP_URL"]},
    "token": {"type": "str", "no_log": True, "env": ["RAX_AUTH_TOKEN"], "header": True},
    "identity_url": {"type": "str", "default": IDENTITY_URL, "env": ["RAX_IDENTITY_URL"]},
    "username": {"type": "str", "env": ["RAX_USERNAME"], "header": "encoded"},
    "api_key": {"type": "str", "no_log": True, "env": ["RAX_API_KEY"], "header": "encoded"},
    "password": {"type": "str", "no_log": True, "env": ["RAX_PASSWORD"], "header": "encoded"},
    "region": {"type": "str", "env": ["RAX_REGION"]},
    "project_id": {"type": "str", "env": ["RAX_PROJECT_ID"], "header": "encoded"},
}

# One backup or restore per request: the ids of a poll are read by a bounded pool of at most
# max_concurrent_requests at once (PER_ID_OPTIONS, with its range; doc fragment ``per_id``).
STATUS_OPTIONS = dict(CONNECTION_OPTIONS, **dict(PER_ID_OPTIONS, **{
    "action_ids": {"type": "list", "elements": "str", "required": True},
    "resource": {"type": "str", "default": "backup", "choices": ["backup", "restore"]},
    "completed_with_errors": {"type": "str", "default": "partial", "choices": ["partial", "success", "failure"]},
    "api_version": {"type": "str", "default": "auto", "choices": ["auto", V1, V2]},
}))

EVENTS_OPTIONS = dict(CONNECTION_OPTIONS, **{
    "action_ids": {"type": "list", "elements": "str", "default": [], "aliases": ["request_ids"]},
    "agent_id": {"type": "str", "required": True},
    "marker": {"type": "str"},
    # The docs give limit a default of 100 and no maximum; 1000 bounds one page.
    "limit": {"type": "int", "default": 100, "range": (1, 1000)},
    "sort_dir": {"type": "str", "default": "asc", "choices": ["asc", "desc"]},
    "all_pages": {"type": "bool", "default": False},
    "event_types": {"type": "list", "elements": "str", "default": []},
    # Below the events' lifetime (about 60 s), so a slow poll cannot miss a request's events.
    "wait_max_interval": {"type": "float", "default": 20.0},
})

# rackspace_backup_start (start.py): one backup per configuration, each its own request. The vendor
# says to wait 10 to 20 seconds after waking the agents; 300 bounds the wait a task may ask for.
START_OPTIONS = dict(CONNECTION_OPTIONS, **{
    "configuration_ids": {"type": "list", "elements": "str", "required": True},
    "wake_agents": {"type": "bool", "default": True},
    "wake_agents_delay": {"type": "float", "default": 15.0, "range": (0.0, 300.0), "unit": "seconds"},
    "api_version": {"type": "str", "default": "auto", "choices": ["auto", V1, V2]},
    "include_raw": {"type": "bool", "default": True},
})
