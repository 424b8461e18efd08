# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet options: the argspec pieces of ``fleet_action_status`` (and its lookup),
``fleet_agent_action`` and ``fleet_agent_info``, 1:1 with ``plugins/doc_fragments/fleet.py`` and
the modules' own DOCUMENTATION.

An entry may carry ``env`` (environment fallbacks) and ``range`` (inclusive bounds, checked by
``Vendor.check_options`` before any request) beside its Ansible keys. Where each bound comes from
is in docs/dev/vendors/fleet.md ("Limits").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Elasticsearch's index.max_result_window (default 10,000): action_status asks for
# (page + 1) * perPage documents, so a page whose end passes it fails.
RESULT_WINDOW = 10000
# GetActionStatusRequestSchema: errorSize is at most 10 (Kibana's latestErrors limit).
MAX_ERROR_SIZE = 10
# SO_SEARCH_LIMIT: GET /api/fleet/agents refuses page * perPage above it.
SEARCH_LIMIT = 10000
# PostBulkAgentUpgradeRequestSchema / PostBulkAgentUnenrollRequestSchema: a list of agent ids holds
# at most 10,000 (``arrayOf(..., { maxSize: 10000 })``).
MAX_AGENT_IDS = 10000
# batchSize: agents Kibana reads and writes per batch of one bulk action (default SO_SEARCH_LIMIT).
# Each batch is one Elasticsearch search of that size, which index.max_result_window (10,000 by
# default) caps; Kibana's schema itself says only "a number".
MAX_BATCH_SIZE = 10000

SECRET_OPTIONS = ("api_key", "password")
# The options of every Fleet plugin: where Kibana is and how to log in.
CONNECTION_OPTIONS = ("url", "space_id", "api_key", "username", "password")

# fleet_action_status (module, action plugin, lookup).
STATUS_OPTIONS = {
    "url": {"type": "str", "required": True, "env": ["FLEET_URL"]},
    "space_id": {"type": "str", "env": ["FLEET_SPACE_ID"], "header": "encoded"},
    "api_key": {"type": "str", "no_log": True, "env": ["FLEET_API_KEY"], "header": True},
    "username": {"type": "str", "env": ["FLEET_USERNAME"], "header": "encoded"},
    "password": {"type": "str", "no_log": True, "env": ["FLEET_PASSWORD"], "header": "encoded"},
    "action_ids": {"type": "list", "elements": "str", "default": []},
    "types": {"type": "list", "elements": "str", "default": []},
    "per_page": {"type": "int", "default": 100, "range": (1, RESULT_WINDOW)},
    "date": {"type": "str"},
    "latest": {"type": "int"},
    "error_size": {"type": "int", "default": 5, "range": (0, MAX_ERROR_SIZE)},
    "rollout_passed": {"type": "str", "default": "wait", "choices": ["wait", "failure", "success"]},
}
STATUS_MODULE_KWARGS = {"required_together": [("username", "password")]}


def _connection(**more):
    """The connection options, then ``more``."""
    options = dict((name, STATUS_OPTIONS[name]) for name in CONNECTION_OPTIONS)
    options.update(more)
    return options


# fleet_agent_action.
ACTION_OPTIONS = _connection(
    action={"type": "str", "required": True, "choices": ["upgrade", "unenroll", "cancel"]},
    agents={"type": "raw"},
    version={"type": "str"},
    source_uri={"type": "str"},
    rollout_duration_seconds={"type": "int"},
    start_time={"type": "str"},
    force={"type": "bool", "default": False},
    skip_rate_limit_check={"type": "bool", "default": False},
    revoke={"type": "bool", "default": False},
    action_id={"type": "str"},
    batch_size={"type": "int", "range": (1, MAX_BATCH_SIZE)},
    include_inactive={"type": "bool", "default": False},
    dry_run={"type": "bool", "default": False},
    include_raw={"type": "bool", "default": True},
)
ACTION_MODULE_KWARGS = dict(STATUS_MODULE_KWARGS, required_if=[
    ("action", "upgrade", ("agents", "version")),
    ("action", "unenroll", ("agents",)),
    ("action", "cancel", ("action_id",)),
])

# fleet_agent_info.
AGENTS_OPTIONS = _connection(
    agents={"type": "list", "elements": "str", "default": []},
    kuery={"type": "str"},
    show_inactive={"type": "bool", "default": False},
    version={"type": "str"},
    per_page={"type": "int", "default": 100, "range": (1, SEARCH_LIMIT)},
    available_versions={"type": "bool", "default": False},
)
AGENTS_MODULE_KWARGS = dict(STATUS_MODULE_KWARGS, mutually_exclusive=[("agents", "kuery")])
