# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cortex XDR options: the argspec pieces of ``cortex_xdr_action_status`` (module, action plugin and
lookup: ``OPTIONS``) and of ``cortex_xdr_endpoint_action`` (module and action plugin: ``START_OPTIONS``),
1:1 with ``plugins/doc_fragments/cortex_xdr.py`` and each module's DOCUMENTATION.

An entry may carry ``env`` (environment fallbacks) and ``range`` (inclusive bounds, checked by
``Vendor.check_options`` before any request) beside its Ansible keys.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import PER_ID_OPTIONS

SECRET_OPTIONS = ("api_key",)

# The key and the tenant: every Cortex XDR module's (doc fragment ``cortex_xdr``).
CREDENTIALS = {
    "url": {"type": "str", "required": True, "env": ["CORTEX_XDR_URL"]},
    "api_key_id": {"type": "str", "required": True, "env": ["CORTEX_XDR_API_KEY_ID"], "header": True},
    "api_key": {"type": "str", "required": True, "no_log": True, "env": ["CORTEX_XDR_API_KEY"], "header": True},
    # Optional: a key is standard unless the user says it is advanced (the key's security level).
    "auth_type": {"type": "str", "default": "standard", "choices": ["standard", "advanced"],
                  "env": ["CORTEX_XDR_AUTH_TYPE"]},
}

# get_action_status takes one group action id per request: the ids of a poll are read by a bounded
# pool of at most ``max_concurrent_requests`` at once (PER_ID_OPTIONS, with its range; doc fragment ``per_id``).
OPTIONS = dict(PER_ID_OPTIONS, **dict(CREDENTIALS, **{
    "action_ids": {"type": "list", "elements": "str", "required": True},
    "completed_partial": {"type": "str", "default": "failure", "choices": ["failure", "success"]},
}))

# cortex_xdr_endpoint_action (start.py): one response action on up to MAX_ENDPOINTS endpoints
# (docs/dev/vendors/cortex_xdr.md, "Starting actions"). Which option goes with which action, the
# endpoint limit and script_timeout's lower end are checked by ``start.start_request`` before any request.
START_ACTIONS = ("isolate", "unisolate", "scan", "run_script", "upgrade")
MAX_ENDPOINTS = 1000
START_OPTIONS = dict(CREDENTIALS, **{
    "action": {"type": "str", "required": True, "choices": list(START_ACTIONS)},
    "endpoint_ids": {"type": "list", "elements": "str", "required": True},
    "script_uid": {"type": "str"},
    "script_parameters": {"type": "dict"},
    "script_timeout": {"type": "int"},
    "target_versions": {"type": "dict"},
    "incident_id": {"type": "str"},
    "include_raw": {"type": "bool", "default": True},
})
