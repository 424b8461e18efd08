# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: puppet_job_status
short_description: Normalised status of Puppet Enterprise orchestrator jobs
version_added: 0.1.0
description:
  - Returns one normalised status per orchestrator job id, read from
    C(GET /orchestrator/v1/jobs/{id}); with no ids, the most recently changed jobs.
  - Does not wait unless O(wait=true); long waits belong in the module or the roles.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Job ids (the C(name) that C(command/deploy) or C(command/task) returned, such as V(81)).
    type: list
    elements: str
  on_missing:
    description:
      - What to do with a job the orchestrator does not know. V(error) fails, V(warn) warns and leaves it
        out, V(skip) leaves it out silently. Ignored while waiting (a missing id fails after
        O(wait_not_found_timeout)).
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.puppet.plugins
  - actiongate.agents.puppet.jobs_plugins
  - actiongate.agents.puppet.jobs_query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.per_id
"""

EXAMPLES = r"""
- name: Status of two jobs (URL and token from PUPPET_ORCHESTRATOR_URL and PUPPET_TOKEN)
  ansible.builtin.debug:
    msg: "{{ query('actiongate.agents.puppet_job_status', '81', '82') }}"

- name: Fail the play if a Puppet run did not succeed
  ansible.builtin.assert:
    that: (lookup('actiongate.agents.puppet_job_status', puppet_job,
           url='https://puppet.example.com:8143', token=puppet_token,
           ca_path='/etc/puppetlabs/puppet/ssl/certs/ca.pem')).succeeded
  vars:
    puppet_job: "81"
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per job found, in the order given; see the
      M(actiongate.agents.puppet_job_status) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus


class LookupModule(ActionStatusLookup):
    VENDOR = PuppetJobStatus
