#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_action_status
short_description: Read or wait for the status of Elastic Fleet agent actions
version_added: 0.1.0
description:
  - Reads Kibana's C(GET /api/fleet/agents/action_status) and returns each action in the
    collection's normalised status, so playbooks never branch on vendor.
  - With O(wait=true), polls until every action is terminal, failures exceed O(allowed_failures),
    or O(wait_timeout) passes, in one module run.
  - C(COMPLETE) is succeeded; C(FAILED) is partial when some agents succeeded and failed otherwise;
    C(CANCELLED) is cancelled (never a success); C(EXPIRED) is expired; C(IN_PROGRESS) is pending
    or running; C(ROLLOUT_PASSED) follows O(rollout_passed). A word Kibana adds later is unknown.
  - Once an action is terminal, every agent that did not succeed counts in C(targets.failed)
    (expired, cancelled, never acknowledged), and O(allowed_failures) decides C(succeeded) for
    succeeded, partial, failed and expired actions alike. An expired unenroll with 99 of 100 agents
    done passes with O(allowed_failures=1) and still reports C(state=expired).
  - Fail-safe readings, where Kibana's answer leaves room. An item with no agent count at all
    (neither C(nbAgentsActioned) nor C(nbAgentsActionCreated)) is unknown when it is C(COMPLETE) or
    when some of its agents succeeded, since nothing says how many agents it had. A counter that is missing or null counts 0 (so it can only keep an action
    from succeeding). Any other answer of an unexpected shape fails with an error naming the item
    and the field, never with a Python error.
  - Agents Kibana refused when it wrote the action (upgrade cool-down, version, hosted policy,
    already unenrolled) are listed in C(refused) and are failed agents of the action.
  - Read against Kibana's own code (elastic/kibana
    C(x-pack/platform/plugins/shared/fleet/server/services/agents/action_status.ts)).
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Ids of the actions, as returned by the bulk upgrade, unenroll or cancel calls (C(actionId)).
      - When empty, the module lists recent actions (one page of O(per_page)) instead.
      - An id that is not found fails the module with a message naming it.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - actiongate.agents.fleet
  - actiongate.agents.fleet.query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_fleet
seealso:
  - plugin: actiongate.agents.fleet_action_status
    plugin_type: lookup
  - name: Kibana action_status API
    description: The endpoint this module reads.
    link: https://www.elastic.co/docs/api/doc/kibana/operation/operation-get-fleet-agents-action-status
"""

EXAMPLES = r"""
- name: Wait for an upgrade to finish, allowing two failed agents
  actiongate.agents.fleet_action_status:
    url: https://kibana.example.com:5601
    api_key: "{{ fleet_api_key }}"
    action_ids:
      - "{{ upgrade.action_id }}"
    wait: true
    wait_timeout: 3600
    allowed_failures: 2
  register: fleet_status

- name: Show how many agents upgraded
  ansible.builtin.debug:
    msg: "{{ fleet_status.actions[0].targets.succeeded }} of {{ fleet_status.actions[0].targets.total }}"

- name: List recent upgrade actions (URL and API key from FLEET_URL and FLEET_API_KEY)
  actiongate.agents.fleet_action_status:
    types:
      - UPGRADE
  register: recent
"""

RETURN = r"""
actions:
  description: One normalised status per action, in the order asked (or as listed).
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The vendor's action id.
      type: str
      sample: 0e6d7c2b-6f8a-4bf5-9a53-6a1f1d3e9c11
    vendor:
      description: Always V(fleet) here.
      type: str
      sample: fleet
    state:
      description: Normalised state.
      type: str
      sample: running
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether the action will not change any more.
      type: bool
    succeeded:
      description: Terminal and good enough (partial counts when failures are within O(allowed_failures)).
      type: bool
    vendor_status:
      description: Kibana's own status word.
      type: str
      sample: IN_PROGRESS
    type:
      description: Kibana's action type.
      type: str
      sample: UPGRADE
    targets:
      description: Agent counts.
      type: dict
      sample: {total: 40, succeeded: 12, failed: 0, pending: 28}
    errors:
      description:
        - The latest agent errors (O(error_size) at most), each with C(target) (the agent id),
          C(host) (Kibana's C(hostname), the agent's host name), C(message) and C(time).
      type: list
      elements: dict
    refused:
      description:
        - Agents Kibana refused when it wrote the action, each with C(agent) and C(reason) (Kibana's
          message), taken from the errors above. Absent when the action has no errors.
      type: list
      elements: dict
      sample: [{agent: agent-06, reason: "Agent agent-06 is not upgradeable: agent was upgraded less than 10 minutes ago. ..."}]
    started_at:
      description: When the action started (its start time, else creation time).
      type: str
    finished_at:
      description:
        - When it completed or was cancelled, once the action is terminal; V(null) before. Kibana's
          C(completionTime) is the newest acknowledgement, set while the action still runs, and
          stays in C(raw).
      type: str
    raw:
      description: Kibana's record, untouched.
      type: dict
succeeded:
  description: True when every action succeeded.
  returned: always
  type: bool
terminal:
  description: True when every action is terminal.
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
  description: Each change of an action's state or counts while waiting, with seconds since the wait began.
  returned: when O(wait=true)
  type: list
  elements: dict
  sample: [{action_id: a1, state: running, vendor_status: IN_PROGRESS, targets: {total: 2, succeeded: 1, failed: 0, pending: 1}, elapsed: 0.1}]
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet


def main():
    run_status_module(Fleet)


if __name__ == "__main__":
    main()
