# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rackspace_backup_agent_events
short_description: Normalised status of Rackspace Cloud Backup agent requests, from the agent's events
version_added: 0.1.0
description:
  - Returns one normalised status per request id, decided by the request's latest event in
    C(GET /v2/<project_id>/agents/<agent_id>/events); with no ids, the requests among the events read.
  - Events last about a minute, so a request whose events have expired is returned with state V(unknown)
    and a message saying so, never as success.
  - Does not wait unless O(wait=true); long waits belong in the module.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Request ids (C(request_id) of the events).
    type: list
    elements: str
  on_missing:
    description:
      - Kept for symmetry with the other lookups. Every request id gets a status (V(unknown) without events),
        so nothing is ever missing here.
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.rackspace.plugins
  - actiongate.agents.rackspace.agent_events
  - actiongate.agents.connection
  - actiongate.agents.wait
"""

EXAMPLES = r"""
- name: State of a vault database download (credentials from RAX_USERNAME and RAX_API_KEY)
  ansible.builtin.debug:
    msg: "{{ lookup('actiongate.agents.rackspace_backup_agent_events', request_id, agent_id=agent_id).state }}"
  vars:
    agent_id: 8f135b4f-7a69-4b8a-947f-5e80d772fd97
    request_id: ae7528c8-bcc3-4356-a237-f20fbdd79ee4

- name: Requests the agent is busy with, with a token and the regional endpoint
  ansible.builtin.set_fact:
    busy: "{{ query('actiongate.agents.rackspace_backup_agent_events', agent_id=agent_id, url=rax_backup_url,
              token=rax_token) | rejectattr('terminal') | list }}"
  vars:
    agent_id: 8f135b4f-7a69-4b8a-947f-5e80d772fd97
    rax_backup_url: https://dfw.backup.api.rackspacecloud.com
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per request id, in the order given; see the
      M(actiongate.agents.rackspace_backup_agent_events) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import RackspaceBackupAgentEvents


class LookupModule(ActionStatusLookup):
    VENDOR = RackspaceBackupAgentEvents
