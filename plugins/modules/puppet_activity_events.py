#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puppet_activity_events
short_description: Read Puppet Enterprise activity events and the orchestrator jobs they record
version_added: 0.1.0
description:
  - Reads the activity service's C(GET /activity-api/v2/events) and returns its commits, every
    event flattened with its commit's timestamp, subject and objects, and the pagination as numbers.
  - Orchestrator events (Puppet runs and task runs on nodes) carry a C(state); they are grouped into
    RV(actions), one per orchestrator job named in the event message (C(via orchestrator job "11")),
    with each node at its latest state as a target. C(finished) is succeeded, C(failed) failed,
    C(stopped) cancelled; C(new), C(ready), C(running) and C(stopping) are still going.
  - A job's state comes from its nodes' latest states. A node stopped by a person (C(stopped)) makes
    the job C(stopped) (cancelled). Nodes C(failed), C(errored) or C(skipped) (a run is skipped
    when a node it depends on failed) make it C(failed), never C(stopped), and count as failed
    targets. Once a job is terminal, every node that did not finish counts as failed, so
    O(allowed_failures) decides the same way as for every vendor.
  - An answer of another shape than the activity service documents (commits, events and their
    string fields) fails with a message naming the endpoint and the field, never a Python error.
  - The activity service records what happened; it is audit data. To gate on a job, prefer
    M(actiongate.agents.puppet_job_status), which reads the job itself. A job's actions here only
    count the nodes whose events were read (see O(all_pages)).
  - With O(wait=true) and job ids, re-reads the events until those jobs are terminal.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Orchestrator job ids (such as V(11), or the job's C(id) URL) whose events to return as RV(actions).
        Job ids are digits; anything else fails before any request.
      - When empty, every job named in the events read is returned.
      - A job that no event read names fails the module with a message naming it.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - actiongate.agents.puppet
  - actiongate.agents.puppet.activity
  - actiongate.agents.puppet.activity_query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_puppet
seealso:
  - module: actiongate.agents.puppet_job_status
  - plugin: actiongate.agents.puppet_activity_events
    plugin_type: lookup
  - name: Activity service GET /v2/events
    description: The endpoint this module reads.
    link: https://help.puppet.com/pe/current/topics/activity-api-v2-get-events.htm
"""

EXAMPLES = r"""
- name: Classifier changes by one user in November 2019
  actiongate.agents.puppet_activity_events:
    url: https://puppet.example.com:4433
    token: "{{ puppet_token }}"
    ca_path: /etc/puppetlabs/puppet/ssl/certs/ca.pem
    service_id: classifier
    query:
      - subject_id: db2caca1-d6a4-4145-8240-9de9b4e654d1
      - start: "2019-11-01T00:00:00Z"
        end: "2019-12-01T00:00:00Z"
    all_pages: true
  register: changes

- name: Show the messages
  ansible.builtin.debug:
    msg: "{{ changes.events | map(attribute='message') | list }}"

- name: What the activity service recorded for orchestrator job 11 (URL and token from the environment)
  actiongate.agents.puppet_activity_events:
    action_ids:
      - "11"
    order: desc
    limit: 500
  register: job_11
"""

RETURN = r"""
commits:
  description: The commits as the activity service returned them (all pages with O(all_pages)).
  returned: always
  type: list
  elements: dict
  sample:
    - objects: [{id: "415", name: Default Node Group}]
      subject: {id: "dfgdfc145", name: Kai Evans}
      timestamp: "2014-06-24T04:00:00Z"
      events: [{message: Create Node}]
events:
  description: Every event of RV(commits), with its commit's C(timestamp), C(subject), C(objects) and C(ip_address) added.
  returned: always
  type: list
  elements: dict
pagination:
  description: The first page's C(total), C(limit) and C(offset) as numbers (the service may send strings), and how many C(pages) were read.
  returned: always
  type: dict
  sample: {total: 1, limit: 1000, offset: 0, pages: 1}
actions:
  description: One normalised status per orchestrator job named in the events, in the order asked (or newest job first).
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The orchestrator job id from the event message.
      type: str
      sample: "11"
    vendor:
      description: Always V(puppet) here.
      type: str
      sample: puppet
    state:
      description: Normalised state.
      type: str
      sample: succeeded
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether every node read has reached an end state.
      type: bool
    succeeded:
      description: Terminal and good enough (failed nodes within O(allowed_failures)).
      type: bool
    vendor_status:
      description: The job state derived from the nodes' latest event states, in the orchestrator's words.
      type: str
      sample: finished
    node_states:
      description: Node counts by latest event state.
      type: dict
      sample: {finished: 2}
    targets:
      description: Node counts.
      type: dict
      sample: {total: 2, succeeded: 2, failed: 0, pending: 0}
    errors:
      description: Nodes whose latest event is C(failed), with C(target), C(message) and C(time).
      type: list
      elements: dict
    started_at:
      description: The earliest C(start_timestamp) of the job's events.
      type: str
    finished_at:
      description: When the last node ended, once all have.
      type: str
    raw:
      description: C(job) (the id) and C(events), the job's flattened events, oldest first.
      type: dict
succeeded:
  description: True when every action succeeded (false when there are none).
  returned: always
  type: bool
terminal:
  description: True when every action is terminal.
  returned: always
  type: bool
polls:
  description: Reads made while waiting.
  returned: when O(wait=true)
  type: int
elapsed:
  description: Seconds spent waiting.
  returned: when O(wait=true)
  type: float
history:
  description: Each change of a job's state or counts while waiting.
  returned: when O(wait=true)
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.activity import PuppetActivityEvents


def main():
    run_status_module(PuppetActivityEvents)


if __name__ == "__main__":
    main()
