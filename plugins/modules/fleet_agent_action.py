#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_agent_action
short_description: Start or cancel an Elastic Fleet agent upgrade or unenroll
version_added: 0.1.0
description:
  - Starts an upgrade or an unenroll of Elastic Fleet agents, or cancels an action, and returns the
    id of the action to wait on with M(actiongate.agents.fleet_action_status).
  - Upgrades and unenrolls always go through Kibana's bulk endpoints
    (C(POST /api/fleet/agents/bulk_upgrade) and C(bulk_unenroll)), even for one agent, because only
    they return an action id.
  - Every run starts a new action, so the module always reports C(changed=true).
  - The request is sent once and never retried, so an action is never started twice.
  - Kibana lets an agent be upgraded at most once every 10 minutes. When it refuses with HTTP 429,
    the task fails saying when the agents can be upgraded again (from the C(Retry-After) header).
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action:
    description:
      - V(upgrade) upgrades O(agents) to O(version); V(unenroll) unenrolls O(agents);
        V(cancel) cancels the action O(action_id).
    type: str
    required: true
    choices: [upgrade, unenroll, cancel]
  agents:
    description:
      - The agents, as a list of agent ids, or as one KQL query string over the agents, such as
        V(policy_id:"fleet-server-policy") or V(local_metadata.host.hostname:web-01).
      - A string is always taken as a query. To name agents by id, give a list (in an ad-hoc run,
        pass the arguments as JSON).
      - Required for O(action=upgrade) and O(action=unenroll).
    type: raw
  version:
    description:
      - The Elastic Agent version to upgrade to, such as V(8.15.0). Required for O(action=upgrade).
    type: str
  source_uri:
    description:
      - Where agents download the upgrade from, instead of the policy's agent binary source.
    type: str
  rollout_duration_seconds:
    description:
      - Spread the upgrade over this many seconds (Kibana's minimum is 600).
    type: int
  start_time:
    description:
      - Schedule the upgrade to start at this ISO-8601 time instead of now.
    type: str
  force:
    description:
      - For O(action=upgrade), upgrade even agents that are already upgrading, not upgradeable,
        or were upgraded less than 10 minutes ago.
      - For O(action=unenroll), remove the agents at once instead of waiting for them to acknowledge.
    type: bool
    default: false
  revoke:
    description:
      - For O(action=unenroll), also revoke the agents' API keys, so they cannot reconnect.
    type: bool
    default: false
  action_id:
    description:
      - The action to cancel, for O(action=cancel).
    type: str
extends_documentation_fragment:
  - actiongate.agents.fleet
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_fleet
attributes:
  check_mode:
    support: full
    details:
      - Sends nothing and reports C(changed=true) without an action id.
notes:
  - The user or API key needs the C(fleet-agents-all) privilege.
  - A cancelled action reports C(CANCELLED) in M(actiongate.agents.fleet_action_status); agents that
    already acted are not rolled back.
seealso:
  - module: actiongate.agents.fleet_action_status
  - name: Kibana bulk upgrade API
    description: The endpoint used for O(action=upgrade).
    link: https://www.elastic.co/docs/api/doc/kibana/operation/operation-post-fleet-agents-bulk-upgrade
"""

EXAMPLES = r"""
- name: Upgrade two agents (URL and key from FLEET_URL and FLEET_API_KEY)
  actiongate.agents.fleet_agent_action:
    action: upgrade
    agents:
      - 0f3a6c1e-1d44-4f0b-9d52-1b1e0b7f3a10
      - 5b2c8d9e-6a7f-4e1d-8c3b-2a9f0e1d4c52
    version: 8.15.0
  register: upgrade

- name: Wait until they have upgraded
  actiongate.agents.fleet_action_status:
    action_ids:
      - "{{ upgrade.action_id }}"
    wait: true

- name: Unenroll every agent of a policy and revoke their API keys
  actiongate.agents.fleet_agent_action:
    url: https://kibana.example.com:5601
    api_key: "{{ fleet_api_key }}"
    action: unenroll
    agents: 'policy_id:"retired-policy"'
    revoke: true

- name: Cancel the upgrade
  actiongate.agents.fleet_agent_action:
    action: cancel
    action_id: "{{ upgrade.action_id }}"
"""

RETURN = r"""
action:
  description: The action asked for.
  returned: always
  type: str
  sample: upgrade
action_id:
  description:
    - The id of the action to wait on (Kibana's C(actionId)); for O(action=cancel), the cancelled action.
    - V(null) in check mode.
  returned: always
  type: str
  sample: 0e6d7c2b-6f8a-4bf5-9a53-6a1f1d3e9c11
cancel_action_id:
  description: The id of the C(CANCEL) action Kibana created.
  returned: when O(action=cancel) and not in check mode
  type: str
agents:
  description: The agents sent to Kibana, a list of ids or the KQL query.
  returned: when O(action) is V(upgrade) or V(unenroll)
  type: raw
  sample: [agent-01, agent-02]
retry_after:
  description: Seconds until the agents can be upgraded again, from the C(Retry-After) header.
  returned: when Kibana refused with HTTP 429
  type: int
  sample: 599
retry_at:
  description: When the agents can be upgraded again (UTC, ISO-8601).
  returned: when Kibana refused with HTTP 429
  type: str
  sample: "2026-03-01T10:20:00Z"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError
from ansible_collections.actiongate.agents.plugins.module_utils._runner import argument_spec, fail, require_requests
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet import FleetActions


def main():
    module = AnsibleModule(argument_spec=argument_spec(CONNECTION_SPEC, FleetActions.OPTIONS),
                           supports_check_mode=True, **FleetActions.MODULE_KWARGS)
    require_requests(module)
    try:
        result = FleetActions(module.params).run(check_mode=module.check_mode)
    except ActionGateError as error:
        fail(module, error, FleetActions.secrets(module.params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
