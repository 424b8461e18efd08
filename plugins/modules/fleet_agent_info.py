#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_agent_info
short_description: Read Elastic Fleet agents' versions and status
version_added: 0.1.0
description:
  - Reads agents from Kibana's C(GET /api/fleet/agents), by id or by a KQL query, and returns each
    one's id, version, status and upgrade state.
  - With O(version), also says which agents already run that version, so a rollout can skip them
    (the C(actiongate.agents.fleet_rollout) role does, before each batch).
  - With O(available_versions=true), also reads the Elastic Agent versions Kibana offers for an upgrade
    (C(GET /api/fleet/agents/available_versions)), so a rollout can check its version before it starts
    anything (the C(actiongate.agents.fleet_rollout) role does).
  - Reads only; it runs in check mode too.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  agents:
    description:
      - Agent ids to read. Kibana is asked with the KQL query C(agent.id:("id1" or "id2" ...)),
        100 ids per request.
      - Omit both O(agents) and O(kuery) to read every agent Kibana lists (at most 10,000), unless
        O(available_versions=true), which then reads only the versions.
    type: list
    elements: str
    default: []
  kuery:
    description:
      - A KQL query over the agents instead of O(agents), such as V(policy_id:"fleet-server-policy").
    type: str
  show_inactive:
    description:
      - Also list inactive (for example unenrolled) agents. Kibana leaves them out by default.
    type: bool
    default: false
  version:
    description:
      - A version, such as V(8.15.0). The result's RV(at_version) lists the agents that run exactly
        this version and RV(not_at_version) the others.
      - Fail safe, an agent counts as on the version only when every version Kibana reports for it
        (C(local_metadata.elastic.agent.version) and C(agent.version)) is exactly this one. An agent
        Kibana does not list (unknown, or inactive without O(show_inactive)) is never on it.
    type: str
  per_page:
    description:
      - Agents per request (Kibana's C(perPage)), from 1 to 10000.
    type: int
    default: 100
  available_versions:
    version_added: 1.0.0
    description:
      - Also read the Elastic Agent versions Kibana offers for an upgrade
        (C(GET /api/fleet/agents/available_versions), Kibana 8.4.0 and later) into RV(available_versions).
      - With neither O(agents) nor O(kuery), only the versions are read, no agent.
      - A Kibana without that endpoint (HTTP 404) gives RV(available_versions=null) and a warning; any
        other failure fails the task.
      - Kibana builds the list from Elastic's published releases up to its own version; an air-gapped
        Kibana may not list a version that its own artifact registry serves.
    type: bool
    default: false
extends_documentation_fragment:
  - actiongate.agents.fleet
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_fleet
attributes:
  check_mode:
    support: full
    details:
      - Reads in check mode too; it never changes anything.
notes:
  - The user or API key needs the C(fleet-agents-read) privilege.
  - When the task runs on the controller (connection C(local), or C(delegate_to) set to C(localhost)) with
    the controller's Python, its action plugin reads from the task's worker process (no module process).
    On another host, or with C(ansible_python_interpreter) set to another Python, it runs as a module
    there, and that Python needs the C(requests) library.
seealso:
  - module: actiongate.agents.fleet_agent_action
  - name: Kibana get agents API
    description: The endpoint this module reads.
    link: https://www.elastic.co/docs/api/doc/kibana/operation/operation-get-fleet-agents
"""

EXAMPLES = r"""
- name: Which of these agents already run 8.15.0? (URL and key from FLEET_URL and FLEET_API_KEY)
  actiongate.agents.fleet_agent_info:
    agents: "{{ web_agent_ids }}"
    version: 8.15.0
  register: web_agents

- name: Upgrade only the others
  actiongate.agents.fleet_agent_action:
    action: upgrade
    agents: "{{ web_agents.not_at_version }}"
    version: 8.15.0
  when: web_agents.not_at_version | length > 0

- name: Every agent of a policy
  actiongate.agents.fleet_agent_info:
    kuery: 'policy_id:"web-policy"'

- name: Which versions does Kibana offer? (no agent is read)
  actiongate.agents.fleet_agent_info:
    available_versions: true
  register: offered

- name: Stop unless 8.15.0 is one of them (a Kibana without the list gives null)
  ansible.builtin.assert:
    that: offered.available_versions is none or '8.15.0' in offered.available_versions
"""

RETURN = r"""
available_versions:
  description:
    - The Elastic Agent versions Kibana offers for an upgrade, in Kibana's order (newest first).
    - V(null) when Kibana has no such endpoint (HTTP 404, older than 8.4.0); a warning says so.
  returned: when O(available_versions=true)
  type: list
  elements: str
  sample: [8.15.1, 8.15.0, 8.14.3]
agents:
  description:
    - The agents found, in the order of O(agents) when given.
  returned: unless O(available_versions=true) with neither O(agents) nor O(kuery)
  type: list
  elements: dict
  contains:
    id:
      description: The agent id.
      type: str
    version:
      description: The agent's version (C(local_metadata.elastic.agent.version), else C(agent.version)).
      type: str
    versions:
      description: Every distinct version Kibana reports for the agent.
      type: list
      elements: str
    status:
      description: Kibana's agent status (C(online), C(offline), C(updating), ...).
      type: str
    active:
      description: Whether the agent is active (not unenrolled).
      type: bool
    hostname:
      description: The agent's host name.
      type: str
    policy_id:
      description: The agent policy.
      type: str
    upgraded_at:
      description: When the agent last upgraded.
      type: str
    upgrade_state:
      description: The state of an upgrade in progress (C(UPG_DOWNLOADING), ...), or null.
      type: str
    upgrade_target_version:
      description: The version of an upgrade in progress, or null.
      type: str
  sample:
    - {id: agent-01, version: 8.15.0, versions: [8.15.0], status: online, active: true, hostname: web-01,
       policy_id: web-policy, upgraded_at: "2026-03-01T10:00:00Z", upgrade_state: null, upgrade_target_version: null}
total:
  description: How many agents were found.
  returned: unless O(available_versions=true) with neither O(agents) nor O(kuery)
  type: int
  sample: 1
missing:
  description: Ids of O(agents) that Kibana did not list.
  returned: when O(agents) is given
  type: list
  elements: str
  sample: []
at_version:
  description: Ids of the agents that run exactly O(version).
  returned: when O(version) is given and agents are read
  type: list
  elements: str
  sample: [agent-01]
not_at_version:
  description: Ids of the other agents, including those Kibana did not list.
  returned: when O(version) is given and agents are read
  type: list
  elements: str
  sample: [agent-02]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.actiongate.agents.plugins.module_utils._runner import (
    argument_spec,
    require_requests,
    run_vendor_module,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents


def main():
    module = AnsibleModule(argument_spec=argument_spec(CONNECTION_SPEC, FleetAgents.OPTIONS),
                           supports_check_mode=True, **FleetAgents.MODULE_KWARGS)
    require_requests(module)
    run_vendor_module(module, FleetAgents, lambda vendor: vendor.run())


if __name__ == "__main__":
    main()
