#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_xdr_endpoint_action
short_description: Start a Cortex XDR response action (isolate, unisolate, scan, run a script, upgrade) on endpoints
version_added: 1.0.0
description:
  - Starts one Cortex XDR response action on a list of endpoints and returns its group action id, the
    id M(actiongate.agents.cortex_xdr_action_status) waits on.
  - V(isolate), V(unisolate) and V(scan) send C(POST /public_api/v1/endpoints/isolate), C(unisolate)
    or C(scan); V(run_script) sends C(POST /public_api/v1/scripts/run_script/); V(upgrade) sends
    C(POST /public_api/v1/endpoints/upgrade). The endpoints are always named by id (the filter
    C(endpoint_id_list)), never C(all).
  - Every run starts a new action, so the module always reports C(changed=true).
  - The request is sent once and never retried, not even on HTTP 429, 502, 503 or 504, so an action is
    never started twice. A refusal (HTTP 400, 401, 402, 403, 404, ...) fails saying that nothing started.
    Any other failure (a 5xx, a reset, a timeout, an answer without an action id) fails saying the action
    B(may have started), and to look in the Action Center before running again.
  - Cortex XDR answers HTTP 500 C(No endpoint was found for creating the requested action) when none of the
    endpoints can take the action (ids it does not know, or endpoints already isolated for V(isolate)). The
    module reads it as any 5xx (the action may have started) and adds what Cortex XDR means by it.
  - Cortex XDR says the answer C(only indicates the request was successfully sent to the endpoint); whether
    the action succeeded comes from M(actiongate.agents.cortex_xdr_action_status).
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action:
    description:
      - The response action. V(isolate) isolates the endpoints from the network and V(unisolate) cancels
        their isolation; V(scan) runs a malware scan; V(run_script) runs O(script_uid) from the scripts
        library; V(upgrade) upgrades the agents to O(target_versions).
    type: str
    required: true
    choices: [isolate, unisolate, scan, run_script, upgrade]
  endpoint_ids:
    description:
      - The endpoints, by Cortex XDR endpoint id (the C(endpoint_id) that C(get_endpoints) returns, such as
        V(aeec6a2cc92e46fab3b6f621722e9916)), not host names.
      - 1 to 1000 ids (Cortex XDR takes at most 1000 endpoints in one request), none blank and none twice;
        anything else fails before any request.
    type: list
    elements: str
    required: true
  script_uid:
    description:
      - The uid of the script to run (Cortex XDR's C(script_uid), from the scripts library). Required for
        O(action=run_script), refused with any other action.
    type: str
  script_parameters:
    description:
      - The script's input values, by input name (Cortex XDR's C(parameters_values)). For O(action=run_script)
        only; V({}) when not given.
      - They are shown in the result in check mode and in the task's invocation; set C(no_log) on the task
        when they hold a secret.
    type: dict
  script_timeout:
    description:
      - Seconds the script may run on each endpoint (Cortex XDR's C(timeout); Cortex XDR's own default,
        600, applies when not given). At least 1. For O(action=run_script) only.
    type: int
  target_versions:
    description:
      - For O(action=upgrade) (required there, refused with any other action), the agent version to
        install per operating system, such as C(windows) V(8.2.0.12345) and C(linux) V(8.2.0.12345).
      - Each version must be a string; quote it in YAML (V(8.10) unquoted is the number 8.1).
      - Cortex XDR documents this API in the Cortex XSIAM Platform APIs and no public source shows its
        answer; the module reads C(reply.action_id), as the other actions answer, and fails saying the upgrade
        may have started when the answer has none.
    type: dict
  incident_id:
    description:
      - The incident to link the action to (Cortex XDR's C(incident_id)). Not for O(action=upgrade), whose API
        takes no incident.
    type: str
  include_raw:
    description:
      - Whether the result carries RV(raw), Cortex XDR's C(reply) object untouched.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for Cortex XDR's answer to the one request that starts the action. Must be more
        than V(0) and at most V(3600).
      - That request is never retried (not on connection errors, timeouts, or HTTP 429, 502, 503 or 504).
        If it times out, the action may have started, so look in the Action Center before running again.
    type: float
    default: 30.0
extends_documentation_fragment:
  - actiongate.agents.cortex_xdr
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_cortex_xdr
attributes:
  check_mode:
    support: full
    details:
      - Sends nothing and reports C(changed=true) with the request it would send, without an action id.
notes:
  - The API key's role needs the permission for the response action (isolate, scan, run scripts, upgrade
    agents), and the tenant the license for the API (Cortex XDR answers HTTP 402 without it).
  - When the task runs on the controller (connection C(local), or C(delegate_to) set to C(localhost)) with
    the controller's Python, its action plugin sends the request from the task's worker process (no module
    process). On another host, or with C(ansible_python_interpreter) set to another Python, it runs as a
    module there, and that Python needs the C(requests) library.
  - Cortex XDR allows 10 API requests a second per tenant.
seealso:
  - module: actiongate.agents.cortex_xdr_action_status
  - name: Isolate Endpoints API
    description: The endpoint used for O(action=isolate).
    link: https://docs-cortex.paloaltonetworks.com/r/Cortex-XDR-REST-API/Isolate-Endpoints
  - name: Run Script API
    description: The endpoint used for O(action=run_script).
    link: https://docs-cortex.paloaltonetworks.com/r/Cortex-XDR-REST-API/Run-Script
  - name: Upgrade Agents API
    description: The endpoint used for O(action=upgrade).
    link: https://docs-cortex.paloaltonetworks.com/r/Cortex-XSIAM-Platform-APIs/Upgrade-Agents
"""

EXAMPLES = r"""
- name: Isolate two endpoints (URL and key from CORTEX_XDR_URL, CORTEX_XDR_API_KEY_ID and CORTEX_XDR_API_KEY)
  actiongate.agents.cortex_xdr_endpoint_action:
    action: isolate
    endpoint_ids:
      - aeec6a2cc92e46fab3b6f621722e9916
      - 23a86310665d413a958926fce5b794b3
    incident_id: "413"
  register: isolation

- name: Wait until every endpoint is isolated
  actiongate.agents.cortex_xdr_action_status:
    action_ids:
      - "{{ isolation.action_id }}"
    wait: true
    wait_timeout: 900

- name: Run a script from the library with an advanced key
  actiongate.agents.cortex_xdr_endpoint_action:
    url: https://api-example.xdr.us.paloaltonetworks.com
    api_key_id: "{{ xdr_api_key_id }}"
    api_key: "{{ xdr_api_key }}"
    auth_type: advanced
    action: run_script
    endpoint_ids: "{{ batch }}"
    script_uid: 43973479d389f2ac7e99b6db88eaee40
    script_parameters:
      path: /var/log/app
    script_timeout: 300
  register: script_run

- name: Upgrade the agents of a batch
  actiongate.agents.cortex_xdr_endpoint_action:
    action: upgrade
    endpoint_ids: "{{ batch }}"
    target_versions:
      windows: "8.2.0.12345"
      linux: "8.2.0.12345"
  register: upgrade

- name: Wait for the upgrade, allowing one endpoint to fail
  actiongate.agents.cortex_xdr_action_status:
    action_ids:
      - "{{ upgrade.action_id }}"
    wait: true
    allowed_failures: 1
"""

RETURN = r"""
action:
  description: The action asked for.
  returned: always
  type: str
  sample: isolate
action_id:
  description:
    - The group action id (Cortex XDR's C(reply.action_id), as a string), for
      M(actiongate.agents.cortex_xdr_action_status).
    - V(null) in check mode.
  returned: always
  type: str
  sample: "22519813685366"
action_ids:
  description: The group action ids started, in order (one, the same as RV(action_id)); empty in check mode.
  returned: always
  type: list
  elements: str
  sample: ["22519813685366"]
endpoint_ids:
  description: The endpoint ids sent, in the order given.
  returned: always
  type: list
  elements: str
  sample: [aeec6a2cc92e46fab3b6f621722e9916, 23a86310665d413a958926fce5b794b3]
endpoints_count:
  description:
    - How many endpoints Cortex XDR took into the action (its C(reply.endpoints_count)); V(null) when the
      answer has none.
    - Fewer than RV(endpoint_ids) means Cortex XDR left some out (ids it does not know, or endpoints that
      cannot take the action); a warning says so, and a wait on the action counts only the endpoints it has.
  returned: when not in check mode
  type: int
  sample: 2
raw:
  description: Cortex XDR's C(reply) object, untouched.
  returned: when not in check mode and O(include_raw=true)
  type: dict
  sample: {action_id: 22519813685366, status: "1", endpoints_count: "2"}
requests:
  description: The request the module would send, with C(method), C(path) and C(body) (no credentials).
  returned: in check mode
  type: list
  elements: dict
  sample: [{method: POST, path: /public_api/v1/endpoints/isolate, body: {request_data: {filters: [
           {field: endpoint_id_list, operator: in, value: [aeec6a2cc92e46fab3b6f621722e9916]}]}}}]
"""


from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_start_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.start import CortexXdrStart


def main():
    run_start_module(CortexXdrStart)


if __name__ == "__main__":
    main()
