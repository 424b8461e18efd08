#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puppet_job_status
short_description: Read or wait for the status of Puppet Enterprise orchestrator jobs
version_added: 0.1.0
description:
  - Reads the orchestrator's C(GET /orchestrator/v1/jobs/{id}) and returns each job in the
    collection's normalised status, so playbooks never branch on vendor. This is the gate for
    Puppet runs and tasks started with C(command/deploy) or C(command/task).
  - With O(wait=true), polls until every job is terminal, failures exceed O(allowed_failures),
    or O(wait_timeout) passes, in one module run.
  - C(finished) is succeeded; C(failed) (some nodes failed) is failed, or succeeded when the failed
    nodes are within O(allowed_failures); C(stopped) (a person stopped the job) is cancelled and never
    succeeds; C(new) and C(ready) are pending; C(running) and C(stopping) are running.
  - Node counts. C(GET /jobs/{id}) documents C(node_count), C(status) and timestamps but not
    C(node_states) (documented on the C(GET /jobs) list only), so without C(node_states) every poll
    also reads C(GET /jobs/{id}/nodes), page by page (1000 nodes a page, ordered by name), and counts
    the nodes by state. A record that has C(node_states) is used as it is, and the nodes are read
    only to explain failures. No C(state) filter is sent (C(errored) is not a documented value).
  - Targets. C(finished) nodes succeeded; C(failed), C(errored) and C(skipped) nodes (skipped after a
    failure) failed; C(new), C(ready), C(running) and C(stopping) nodes, and nodes of C(node_count) not
    listed yet, are pending. Once the job is terminal every node that did not finish counts as failed
    (so the C(stopped) nodes of a stopped job too). The messages of failed, errored and skipped nodes
    become the errors.
  - Fail-safe readings. A job that says C(finished) while a node did not finish, or with no node
    counted at all, is reported C(failed), not succeeded. A node or job state this module does not
    know is never read as success. An answer of another shape than the orchestrator documents fails
    with a message naming the endpoint and the field.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Job ids, the C(name) that C(command/deploy) or C(command/task) returned (such as V(81)),
        or the job's C(id) URL. Job ids are digits; anything else fails before any request.
      - When empty, the module lists the O(list_limit) most recently changed jobs instead.
      - A job the orchestrator does not know (C(unknown-job)) fails the module with a message naming it.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - actiongate.agents.puppet
  - actiongate.agents.puppet.jobs
  - actiongate.agents.puppet.jobs_query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.per_id
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_puppet
seealso:
  - module: actiongate.agents.puppet_activity_events
  - plugin: actiongate.agents.puppet_job_status
    plugin_type: lookup
  - name: Orchestrator jobs endpoint
    description: The endpoint this module reads.
    link: https://help.puppet.com/pe/current/topics/orchestrator_api_get_jobs_job_id.htm
"""

EXAMPLES = r"""
- name: Run Puppet on the web tier
  ansible.builtin.uri:
    url: https://puppet.example.com:8143/orchestrator/v1/command/deploy
    method: POST
    headers:
      X-Authentication: "{{ puppet_token }}"
    body_format: json
    body:
      environment: production
      scope:
        nodes: "{{ groups['web'] }}"
    ca_path: /etc/puppetlabs/puppet/ssl/certs/ca.pem
    status_code: 202
  register: deploy

- name: Wait for the run, allowing one failed node
  actiongate.agents.puppet_job_status:
    url: https://puppet.example.com:8143
    token: "{{ puppet_token }}"
    ca_path: /etc/puppetlabs/puppet/ssl/certs/ca.pem
    action_ids:
      - "{{ deploy.json.job.name }}"
    wait: true
    wait_timeout: 3600
    allowed_failures: 1
  register: run

- name: Show the failed nodes
  ansible.builtin.debug:
    msg: "{{ run.actions[0].errors }}"

- name: List recent jobs with username and password (exchanged for a token on port 4433)
  actiongate.agents.puppet_job_status:
    url: https://puppet.example.com:8143
    username: deployer
    password: "{{ puppet_password }}"
    ca_path: /etc/puppetlabs/puppet/ssl/certs/ca.pem
  register: recent
"""

RETURN = r"""
actions:
  description: One normalised status per job, in the order asked (or most recently changed first).
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The job name.
      type: str
      sample: "81"
    vendor:
      description: Always V(puppet) here.
      type: str
      sample: puppet
    state:
      description: Normalised state.
      type: str
      sample: running
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether the job will not change any more.
      type: bool
    succeeded:
      description: Terminal and good enough (failed nodes within O(allowed_failures)).
      type: bool
    vendor_status:
      description: The orchestrator's job state.
      type: str
      sample: running
    command:
      description: The command that created the job.
      type: str
      sample: deploy
    node_states:
      description: Node counts by node state, from the job's C(node_states) or counted from C(/jobs/{id}/nodes).
      type: dict
      sample: {finished: 3, failed: 1, running: 1}
    targets:
      description:
        - Node counts (finished succeeded; failed, errored and skipped failed; new, ready, running and stopping pending).
        - Once the job is terminal, every node that did not finish counts as failed.
      type: dict
      sample: {total: 5, succeeded: 3, failed: 1, pending: 1}
    errors:
      description: Failed and errored nodes, each with C(target) (the node), C(message) and C(time).
      type: list
      elements: dict
    started_at:
      description: When the job started running.
      type: str
    finished_at:
      description: When the job ended, if it has.
      type: str
    raw:
      description: The orchestrator's job record, untouched.
      type: dict
succeeded:
  description: True when every job succeeded.
  returned: always
  type: bool
terminal:
  description: True when every job is terminal.
  returned: always
  type: bool
polls:
  description: Status reads made while waiting.
  returned: when O(wait=true)
  type: int
  sample: 7
elapsed:
  description: Seconds spent waiting.
  returned: when O(wait=true)
  type: float
  sample: 42.5
history:
  description: Each change of a job's state or counts while waiting, with seconds since the wait began.
  returned: when O(wait=true)
  type: list
  elements: dict
  sample: [{action_id: "81", state: running, vendor_status: running, targets: {total: 2, succeeded: 1, failed: 0, pending: 1}, elapsed: 0.1}]
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus


def main():
    run_status_module(PuppetJobStatus)


if __name__ == "__main__":
    main()
