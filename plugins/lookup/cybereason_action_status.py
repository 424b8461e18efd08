# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cybereason_action_status
short_description: Normalised status of Cybereason sensor action batches
version_added: 0.1.0
description:
  - Returns one normalised status per Cybereason batch id, read from C(GET /rest/sensors/allActions)
    after a form login; with no ids, every current or queued batch.
  - See the M(actiongate.agents.cybereason_action_status) module for how stats keys are counted
    (C(AbortTimeout) is a failed sensor, an abort by a person is C(cancelled), a final batch with no
    sensors is C(failed)) and how sessions are handled (one fresh login on expiry, logout at the end).
  - Finished batches drop off C(allActions) after a while, so read them soon after they finish.
  - Does not wait unless O(wait=true); long waits belong in the module or the roles.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Batch ids (C(batchId) from the sensor action calls), numbers or strings; often negative.
    type: list
    elements: str
  on_missing:
    description:
      - What to do with an id C(allActions) does not list. V(error) fails, V(warn) warns and leaves it
        out, V(skip) leaves it out silently. Ignored while waiting (a missing id fails after
        O(wait_not_found_timeout)).
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.cybereason.plugins
  - actiongate.agents.cybereason.query
  - actiongate.agents.connection
  - actiongate.agents.wait
"""

EXAMPLES = r"""
- name: Status of two batches (URL and credentials from CYBEREASON_URL, CYBEREASON_USERNAME, CYBEREASON_PASSWORD)
  ansible.builtin.debug:
    msg: "{{ query('actiongate.agents.cybereason_action_status', -2012506538, 1524490335) }}"

- name: Fail the play if a sensor upgrade did not succeed
  ansible.builtin.assert:
    that: (lookup('actiongate.agents.cybereason_action_status', upgrade_batch_id,
           url='https://tenant.cybereason.net', username='api-user@example.com',
           password=cybereason_password)).succeeded
  vars:
    upgrade_batch_id: -2012506538

- name: Ignore batches no longer listed
  ansible.builtin.set_fact:
    known: "{{ query('actiongate.agents.cybereason_action_status', *ids, on_missing='skip') }}"
  vars:
    ids: [-2012506538, 1524490335]
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per id found, in the order given; see the
      M(actiongate.agents.cybereason_action_status) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.session import Cybereason


class LookupModule(ActionStatusLookup):
    VENDOR = Cybereason
