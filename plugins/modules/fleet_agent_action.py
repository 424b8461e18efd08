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
  - Every run starts a new action, so the module always reports C(changed=true), except a dry run
    (O(dry_run=true)), which writes nothing and reports C(changed=false).
  - The request that starts or cancels an action is sent once and never retried, not even on HTTP
    429, 502, 503 or 504, so an action is never started twice. This overrides what the shared
    O(request_timeout) text says about retries of reads.
  - When that request fails, the message says whether anything started. If Kibana refused it (HTTP 4xx),
    nothing started and a re-run is safe once the cause is fixed. After anything else (HTTP 5xx, a reset
    connection, a timeout, an answer without an action id) the action B(may have started), and the
    message says how to look (M(actiongate.agents.fleet_action_status) without O(action_id), or
    Agent activity in Kibana's Fleet app) before running again.
  - O(batch_size), O(include_inactive) and O(dry_run) are sent only when set. A Kibana older than the
    release that added the key refuses the whole request (HTTP 400, C(definition for this key is
    missing)); the module then names the option and the Kibana release that added
    it, and says that nothing started.
  - Kibana does not refuse a bulk call for agents it will not act on; it starts the action and
    records each such agent as an error of it (Kibana's C(upgradeBatch) and C(unenrollBatch)). After
    starting an action the module reads it once and returns those agents in RV(refused), with
    Kibana's reason (upgraded less than 10 minutes ago, not upgradeable to the version, on a hosted
    policy, already unenrolled). They count as failed agents of the action when you wait on it.
  - A result carries a warning for each destructive flag set (O(force), O(skip_rate_limit_check),
    O(revoke)), saying what it does.
  - Flags are checked against Kibana's own code and route schemas (elastic/kibana
    C(x-pack/platform/plugins/shared/fleet/server/types/rest_spec/agent.ts),
    C(.../services/agents/upgrade_action_runner.ts), C(.../services/agents/unenroll_action_runner.ts)).
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
        pass the arguments as JSON), with at most 10000 ids (Kibana's limit for one request), none blank
        and none twice, checked before any request.
      - A query leaves out inactive agents unless O(include_inactive=true).
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
      - Kibana's C(force) flag, with a warning in the result when set.
      - For O(action=upgrade), also upgrades agents on hosted policies (such as Fleet Server) and
        skips the checks that the agent can be upgraded to O(version). It does B(not) skip the
        10-minute upgrade cool-down; that is O(skip_rate_limit_check).
      - For O(action=unenroll), also unenrolls agents on hosted policies, such as Fleet Server, and
        agents already unenrolling. Leave it off unless you mean to remove Fleet Server.
    type: bool
    default: false
  skip_rate_limit_check:
    description:
      - For O(action=upgrade), Kibana's C(skipRateLimitCheck), which also upgrades agents upgraded less
        than 10 minutes ago (Kibana's cool-down, which guards an upgrade still settling from being
        rolled back) and skips the version checks. A warning in the result says so when set.
      - Without it, Kibana leaves such agents out of the action and records them in RV(refused).
    type: bool
    default: false
  revoke:
    description:
      - For O(action=unenroll), Kibana's C(revoke), which removes the agents at once and invalidates their
        API keys, so they cannot reconnect without enrolling again. Kibana writes a
        C(FORCE_UNENROLL) action that completes at once. A warning in the result says so when set.
    type: bool
    default: false
  request_timeout:
    description:
      - Seconds to wait for Kibana's answer to the one request that starts or cancels the action.
        Must be more than V(0) and at most V(3600).
      - That request is never retried (not on connection errors, timeouts, or HTTP 429, 502, 503
        or 504). If it times out, the action may have started, so check Fleet before running again.
      - The read of RV(refused) after an upgrade or unenroll is a read, retried like any other.
    type: float
    default: 30.0
  action_id:
    description:
      - The action to cancel, for O(action=cancel).
    type: str
  batch_size:
    version_added: 1.0.0
    description:
      - Kibana's C(batchSize), for O(action=upgrade) and O(action=unenroll), from V(1) to V(10000), that is
        how many agents Kibana reads and writes per batch of this one action. Kibana runs an action on
        more agents than that asynchronously, batch by batch, and answers at once; every batch belongs
        to the same action id. Kibana's default is 10000.
      - Not the batches of a rollout (the C(actiongate.agents.fleet_rollout) role's
        C(fleet_rollout_batch_size) is how many agents each of its actions takes).
      - Kibana 8.5.0 and later (elastic/kibana#138870); older versions refuse it and nothing starts.
    type: int
  include_inactive:
    version_added: 1.0.0
    description:
      - Kibana's C(includeInactive), for O(action=upgrade) and O(action=unenroll). Only meaningful when
        O(agents) is a KQL query, which otherwise leaves inactive agents out; with a list of agent ids
        it has no effect (the result then carries a warning).
      - For bulk unenroll, Kibana 8.11.1 and later (elastic/kibana#170249); bulk upgrade took it in a
        later 8.x release. Older versions refuse it and nothing starts.
    type: bool
    default: false
  dry_run:
    version_added: 1.0.0
    description:
      - Kibana's C(dryRun), for O(action=upgrade) and O(action=unenroll). Kibana answers how many agents
        the action would take, in RV(count), and writes nothing; the result has no action id and
        reports C(changed=false).
      - Added by elastic/kibana#276377 and backported to the 9.4 and 9.3 branches; older versions refuse
        it and nothing starts.
    type: bool
    default: false
  include_raw:
    version_added: 1.0.0
    description:
      - Whether the result carries RV(raw), Kibana's answer to the request untouched.
    type: bool
    default: true
extends_documentation_fragment:
  - actiongate.agents.fleet
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_fleet
attributes:
  check_mode:
    support: full
    details:
      - Sends nothing and reports C(changed=true) (C(false) with O(dry_run=true)) without an action id,
        with the request it would send in RV(requests).
notes:
  - The user or API key needs the C(fleet-agents-all) privilege.
  - When the task runs on the controller (connection C(local), or C(delegate_to) set to C(localhost)) with
    the controller's Python, its action plugin sends the request from the task's worker process (no module
    process). On another host, or with C(ansible_python_interpreter) set to another Python, it runs as a
    module there, and that Python needs the C(requests) library.
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

- name: Upgrade an agent again within 10 minutes of its last upgrade (Kibana's cool-down)
  actiongate.agents.fleet_agent_action:
    action: upgrade
    agents: [0f3a6c1e-1d44-4f0b-9d52-1b1e0b7f3a10]
    version: 8.15.1
    skip_rate_limit_check: true

- name: Unenroll every agent of a policy and revoke their API keys
  actiongate.agents.fleet_agent_action:
    url: https://kibana.example.com:5601
    api_key: "{{ fleet_api_key }}"
    action: unenroll
    agents: 'policy_id:"retired-policy"'
    revoke: true

- name: How many agents of a policy would an upgrade take? (writes nothing)
  actiongate.agents.fleet_agent_action:
    action: upgrade
    agents: 'policy_id:"web-policy"'
    include_inactive: true
    version: 8.15.0
    dry_run: true
  register: preview

- name: Show the count
  ansible.builtin.debug:
    msg: "The upgrade would take {{ preview.count }} agents"

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
    - V(null) in check mode and for a dry run.
  returned: always
  type: str
  sample: 0e6d7c2b-6f8a-4bf5-9a53-6a1f1d3e9c11
action_ids:
  description:
    - Every action id, in order, as strings; for this module the one RV(action_id), or an empty list in
      check mode and for a dry run.
  returned: always
  type: list
  elements: str
  sample: [0e6d7c2b-6f8a-4bf5-9a53-6a1f1d3e9c11]
count:
  description: 'For a dry run, how many agents Kibana says the action would take (the N of its answer C({"count": N})).'
  returned: when O(dry_run=true) and not in check mode
  type: int
  sample: 42
dry_run:
  description: V(true) for a dry run.
  returned: when O(dry_run=true)
  type: bool
  sample: true
requests:
  description:
    - In check mode, the request the module would send, with C(method), C(path) and C(body) (no
      credentials).
  returned: in check mode
  type: list
  elements: dict
  sample: [{method: POST, path: /api/fleet/agents/bulk_upgrade, body: {agents: [agent-01], version: 8.15.0, force: false}}]
raw:
  description: 'Kibana''s answer to the request, untouched, such as C({"actionId": "..."}) or C({"count": 42}).'
  returned: when not in check mode and O(include_raw=true)
  type: dict
msg:
  description: In check mode, what would have been sent.
  returned: in check mode
  type: str
cancel_action_id:
  description: The id of the C(CANCEL) action Kibana created.
  returned: when O(action=cancel) and not in check mode
  type: str
agents:
  description: The agents sent to Kibana, a list of ids or the KQL query.
  returned: when O(action) is V(upgrade) or V(unenroll)
  type: raw
  sample: [agent-01, agent-02]
refused:
  description:
    - Agents Kibana left out of the action when it wrote it, each with C(agent) (the id) and
      C(reason) (Kibana's message), such as an agent upgraded less than 10 minutes ago, one on a
      hosted policy, or one already unenrolled.
    - Read once right after the start, so at most 10 (Kibana lists that many errors per action) and
      only those Kibana has written by then; for a large action written in batches, read C(refused)
      in M(actiongate.agents.fleet_action_status) later.
    - V(null) when that read failed or Kibana does not list the action yet (the action started anyway; a warning says why).
  returned: when O(action) is V(upgrade) or V(unenroll), not in check mode and not a dry run
  type: list
  elements: dict
  sample: [{agent: agent-06, reason: "Agent agent-06 is not upgradeable: agent was upgraded less than 10 minutes ago. ..."}]
"""


from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_start_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.actions import FleetActions


def main():
    run_start_module(FleetActions)


if __name__ == "__main__":
    main()
