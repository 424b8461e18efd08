# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: puppet_activity_events
short_description: Orchestrator jobs as recorded by the Puppet Enterprise activity service
version_added: 0.1.0
description:
  - Reads C(GET /activity-api/v2/events) and returns one normalised status per orchestrator job id,
    built from the job's node events; with no ids, one per job named in the events read.
  - For the commits and events themselves, use the M(actiongate.agents.puppet_activity_events) module.
  - Does not wait unless O(wait=true).
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Orchestrator job ids (such as V(11)).
    type: list
    elements: str
  on_missing:
    description:
      - What to do with a job no event read names. V(error) fails, V(warn) warns and leaves it out,
        V(skip) leaves it out silently. Ignored while waiting (a missing id fails after
        O(wait_not_found_timeout)).
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.puppet.plugins
  - actiongate.agents.puppet.activity_plugins
  - actiongate.agents.puppet.activity_query
  - actiongate.agents.connection
  - actiongate.agents.wait
"""

EXAMPLES = r"""
- name: Job 11 as the activity service saw it (URL and token from PUPPET_CONSOLE_URL and PUPPET_TOKEN)
  ansible.builtin.debug:
    msg: "{{ lookup('actiongate.agents.puppet_activity_events', '11', service_id='orchestrator') }}"

- name: Every job in the last 1000 orchestrator commits
  ansible.builtin.set_fact:
    recorded_jobs: "{{ query('actiongate.agents.puppet_activity_events', service_id='orchestrator') }}"
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per job found, in the order given; see the
      M(actiongate.agents.puppet_activity_events) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.activity import PuppetActivityEvents


class LookupModule(ActionStatusLookup):
    VENDOR = PuppetActivityEvents
