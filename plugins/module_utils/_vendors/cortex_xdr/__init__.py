# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Palo Alto Cortex XDR: ``POST /public_api/v1/actions/get_action_status/`` (docs/dev/vendors/cortex_xdr.md).

- ``argspec``: the options (``OPTIONS``, ``SECRET_OPTIONS``, ranges on the entries);
- ``session``: the API key headers (standard, or advanced: hashed per request) and the requests;
- ``parse``: pure, any JSON answer -> ActionStatus, None or the malformed-answer ``ApiError``;
- ``start``: ``CortexXdrStart``, one response action started with the same session
  (``cortex_xdr_endpoint_action``), its request and answer read by pure functions.

The names plugins and tests use are re-exported here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.parse import ENDPOINT_STATES, STATUS_PATH
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import (
    AdvancedKeyAuth, CortexXdr, advanced_headers, group_action_id,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.start import CortexXdrStart

__all__ = ("ENDPOINT_STATES", "STATUS_PATH", "AdvancedKeyAuth", "CortexXdr", "CortexXdrStart", "advanced_headers",
           "group_action_id")
