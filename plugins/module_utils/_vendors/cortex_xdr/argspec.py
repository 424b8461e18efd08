# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cortex XDR options: the argspec piece of ``cortex_xdr_action_status`` (module, action plugin and
lookup), 1:1 with ``plugins/doc_fragments/cortex_xdr.py`` and the module's DOCUMENTATION.

An entry may carry ``env`` (environment fallbacks) and ``range`` (inclusive bounds, checked by
``Vendor.check_options`` before any request) beside its Ansible keys.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import PER_ID_OPTIONS

SECRET_OPTIONS = ("api_key",)

# get_action_status takes one group action id per request: the ids of a poll are read by a bounded
# pool of at most ``max_concurrent_requests`` at once (PER_ID_OPTIONS, with its range; doc fragment ``per_id``).
OPTIONS = dict(PER_ID_OPTIONS, **{
    "url": {"type": "str", "required": True, "env": ["CORTEX_XDR_URL"]},
    "api_key_id": {"type": "str", "required": True, "env": ["CORTEX_XDR_API_KEY_ID"]},
    "api_key": {"type": "str", "required": True, "no_log": True, "env": ["CORTEX_XDR_API_KEY"]},
    # Optional: a key is standard unless the user says it is advanced (the key's security level).
    "auth_type": {"type": "str", "default": "standard", "choices": ["standard", "advanced"],
                  "env": ["CORTEX_XDR_AUTH_TYPE"]},
    "action_ids": {"type": "list", "elements": "str", "required": True},
    "completed_partial": {"type": "str", "default": "failure", "choices": ["failure", "success"]},
})
