# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fleet_action_status
short_description: Normalised status of Elastic Fleet agent actions
version_added: 0.1.0
description:
  - Returns one normalised status per Fleet action id, read from Kibana's
    C(GET /api/fleet/agents/action_status); with no ids, the recent actions.
  - Does not wait unless O(wait=true); long waits belong in the module or the roles.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Action ids (C(actionId) from the bulk upgrade, unenroll or cancel calls).
    type: list
    elements: str
  on_missing:
    description:
      - What to do with an id Kibana does not list. V(error) fails, V(warn) warns and leaves it out,
        V(skip) leaves it out silently. Ignored while waiting (a missing id fails after
        O(wait_not_found_timeout)).
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.fleet.plugins
  - actiongate.agents.fleet.query
  - actiongate.agents.connection
  - actiongate.agents.wait
"""

EXAMPLES = r"""
- name: Status of two actions (URL and key from FLEET_URL and FLEET_API_KEY)
  ansible.builtin.debug:
    msg: "{{ query('actiongate.agents.fleet_action_status', 'action-id-1', 'action-id-2') }}"

- name: Fail the play if an upgrade did not succeed
  ansible.builtin.assert:
    that: (lookup('actiongate.agents.fleet_action_status', upgrade_action_id,
           url='https://kibana.example.com:5601', api_key=fleet_api_key)).succeeded
  vars:
    upgrade_action_id: action-id-1

- name: Ignore ids Kibana no longer lists
  ansible.builtin.set_fact:
    known: "{{ query('actiongate.agents.fleet_action_status', *ids, on_missing='skip') }}"
  vars:
    ids: [action-id-1, action-id-2]
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per id found, in the order given; see the
      M(actiongate.agents.fleet_action_status) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet


class LookupModule(ActionStatusLookup):
    VENDOR = Fleet
