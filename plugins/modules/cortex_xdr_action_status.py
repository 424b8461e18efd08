#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_xdr_action_status
short_description: Read or wait for the status of Cortex XDR response actions
version_added: 0.1.0
description:
  - Reads Cortex XDR's C(POST /public_api/v1/actions/get_action_status/) for each group action and
    returns it in the collection's normalised status, so playbooks never branch on vendor.
  - Cortex XDR reports a status per endpoint and none for the action. The action is terminal when
    every endpoint is; it succeeded when every endpoint completed successfully, is partial when some
    did (O(allowed_failures) decides), and is failed or expired when none did. It is cancelled when
    any endpoint was cancelled or aborted, since a cancel a person asked for never succeeds, whatever
    O(allowed_failures) says. Once terminal, every endpoint that did not succeed counts as failed.
  - Per endpoint, C(COMPLETED_SUCCESSFULLY) succeeded; C(FAILED) and C(TIMEOUT) failed; C(CANCELLED)
    and C(ABORTED) cancelled; C(EXPIRED) expired (the endpoint never ran it, usually because it was
    disconnected); C(PENDING), C(IN_PROGRESS) and C(PENDING_ABORT) are still going;
    C(COMPLETED_PARTIAL) follows O(completed_partial). Words are matched without regard to case,
    and C(CANCELED) (one L, as Cortex's script-execution counters spell it) reads as C(CANCELLED).
    Any other word, or a null status, is unknown (never success, and the action is not terminal).
  - An answer of an unexpected shape (no C(reply) object, C(data) that is not an object, a status that
    is not a string) fails the module with a message naming the action and what was unexpected.
  - With O(wait=true), polls until every action is terminal, failures exceed O(allowed_failures),
    or O(wait_timeout) passes, in one module run.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Group action ids, the C(action_id) that isolate, unisolate, scan, run_script and the other
        response actions return. Numbers or strings of digits (ASCII, up to 19); anything else fails
        the module before any request.
      - An id Cortex XDR answers with no endpoints fails the module with a message naming it.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - actiongate.agents.cortex_xdr
  - actiongate.agents.cortex_xdr.query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.per_id
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_cortex_xdr
seealso:
  - plugin: actiongate.agents.cortex_xdr_action_status
    plugin_type: lookup
  - name: Get Action Status API
    description: The endpoint this module reads.
    link: https://docs-cortex.paloaltonetworks.com/r/Cortex-XDR-REST-API/Get-Action-Status
"""

EXAMPLES = r"""
- name: Wait for an isolation to reach every endpoint, allowing one disconnected endpoint
  actiongate.agents.cortex_xdr_action_status:
    url: https://api-example.xdr.us.paloaltonetworks.com
    api_key_id: "{{ xdr_api_key_id }}"
    api_key: "{{ xdr_api_key }}"
    auth_type: advanced
    action_ids:
      - "{{ isolate.json.reply.action_id }}"
    wait: true
    wait_timeout: 900
    allowed_failures: 1
  register: xdr_status

- name: Show each endpoint's status
  ansible.builtin.debug:
    var: xdr_status.actions[0].endpoints

- name: Read once (URL and key from CORTEX_XDR_URL, CORTEX_XDR_API_KEY_ID and CORTEX_XDR_API_KEY)
  actiongate.agents.cortex_xdr_action_status:
    action_ids: [1234, 1235]
    completed_partial: success
  register: scans
"""

RETURN = r"""
actions:
  description: One normalised status per group action, in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The group action id.
      type: str
      sample: "1234"
    vendor:
      description: Always V(cortex_xdr) here.
      type: str
      sample: cortex_xdr
    state:
      description: Normalised state, aggregated over the endpoints.
      type: str
      sample: running
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether every endpoint is terminal.
      type: bool
    succeeded:
      description: Terminal and good enough (failed endpoints within O(allowed_failures)).
      type: bool
    vendor_status:
      description:
        - The endpoints' common status word, or each word with its count when they differ.
      type: str
      sample: COMPLETED_SUCCESSFULLY=8, FAILED=2
    endpoints:
      description: Each endpoint id with its Cortex XDR status.
      type: dict
      sample: {aeec6a2cc92e46fab3b6f621722e9916: COMPLETED_SUCCESSFULLY, 23a86310665d413a958926fce5b794b3: FAILED}
    targets:
      description:
        - Endpoint counts. C(failed) counts every endpoint that ended without success (failed,
          timed out, cancelled, aborted, expired, and partial unless O(completed_partial=success)).
      type: dict
      sample: {total: 10, succeeded: 8, failed: 2, pending: 0}
    errors:
      description:
        - One entry per endpoint counted in C(targets.failed), with C(target) (the endpoint id) and
          C(message) (its status and, when the tenant sends C(errorReasons), the reason).
      type: list
      elements: dict
      sample: [{target: 23a86310665d413a958926fce5b794b3, message: "FAILED: Element not found.", time: null}]
    started_at:
      description: Always null; Cortex XDR does not report action times here.
      type: str
    finished_at:
      description: Always null; Cortex XDR does not report action times here.
      type: str
    raw:
      description: Cortex XDR's C(reply) object, untouched (C(data) and, on newer tenants, C(errorReasons)).
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
  description: Status reads made while waiting (each reads every action once).
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
  sample: [{action_id: "1234", state: running, vendor_status: IN_PROGRESS, targets: {total: 2, succeeded: 0, failed: 0, pending: 2}, elapsed: 0.1}]
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import CortexXdr


def main():
    run_status_module(CortexXdr)


if __name__ == "__main__":
    main()
