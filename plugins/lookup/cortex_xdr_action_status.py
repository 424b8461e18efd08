# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cortex_xdr_action_status
short_description: Normalised status of Cortex XDR response actions
version_added: 0.1.0
description:
  - Returns one normalised status per Cortex XDR group action id, read from
    C(POST /public_api/v1/actions/get_action_status/) and aggregated over the action's endpoints.
  - Does not wait unless O(wait=true); long waits belong in the module or the roles.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Group action ids (the C(action_id) that isolate, unisolate, scan and the other response actions return).
    type: list
    elements: str
  on_missing:
    description:
      - What to do with an id Cortex XDR answers with no endpoints (an unknown id). V(error) fails,
        V(warn) warns and leaves it out, V(skip) leaves it out silently. Ignored while waiting (a
        missing id fails after O(wait_not_found_timeout)).
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.cortex_xdr.plugins
  - actiongate.agents.cortex_xdr.query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.per_id
"""

EXAMPLES = r"""
- name: Status of two actions (URL and key from CORTEX_XDR_URL, CORTEX_XDR_API_KEY_ID and CORTEX_XDR_API_KEY)
  ansible.builtin.debug:
    msg: "{{ query('actiongate.agents.cortex_xdr_action_status', 1234, 1235) }}"

- name: Fail the play unless the isolation reached every endpoint
  ansible.builtin.assert:
    that: (lookup('actiongate.agents.cortex_xdr_action_status', isolate_action_id,
           url='https://api-example.xdr.us.paloaltonetworks.com', api_key_id=xdr_api_key_id,
           api_key=xdr_api_key, auth_type='advanced')).succeeded
  vars:
    isolate_action_id: 1234

- name: Endpoints of an action, keyed by endpoint id
  ansible.builtin.debug:
    msg: "{{ (lookup('actiongate.agents.cortex_xdr_action_status', 1234)).endpoints }}"
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per id found, in the order given; see the
      M(actiongate.agents.cortex_xdr_action_status) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import CortexXdr


class LookupModule(ActionStatusLookup):
    VENDOR = CortexXdr
