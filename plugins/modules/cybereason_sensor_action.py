#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cybereason_sensor_action
short_description: Start a Cybereason sensor action (upgrade, restart, scan) on sensors
version_added: 1.0.0
description:
  - Starts one Cybereason sensor action on a list of sensors and returns its batch id, the id
    M(actiongate.agents.cybereason_action_status) finds in C(GET /rest/sensors/allActions) and waits on.
  - V(upgrade) sends C(POST /rest/sensors/action/upgrade), V(restart) C(POST /rest/sensors/action/restart)
    and V(scan) C(POST /rest/sensors/action/schedulerScan), each with a JSON body whose C(sensorsIds) lists
    O(sensor_ids) (a scan adds C(argument), O(scan_type)). Cybereason answers with the new batch object; the
    module returns its C(batchId) as a string.
  - One form login (C(POST /login.html)) serves the run, and the module logs out at the end (C(GET /logout)),
    success or failure, as M(actiongate.agents.cybereason_action_status) does; a failed logout is a warning.
  - Every run starts a new batch, so the module always reports C(changed=true).
  - The request that starts the action is sent once and never retried, not even on HTTP 429, 502, 503 or 504,
    or after a lost session, so an action is never started twice. This overrides what the shared O(username)
    text says about logging in again when the session expires.
  - Nothing started, and the failure says so (a re-run is safe once the cause is fixed), when Cybereason refuses
    the request (HTTP 400, 401, 403, 404, 412, 422, ...), answers HTTP 204 (none of the sensors matched, so no
    batch was made), or answers with a redirect to its login page or the login page itself (the session was not
    accepted, so the server did not act on the request). The login page is never followed and the request is
    never sent again with a new session.
  - Any other failure (a 5xx, a reset, a timeout, another redirect, an answer without a batch id) fails saying
    the action B(may have started), and to list the current batches with
    M(actiongate.agents.cybereason_action_status) before running again.
  - Cybereason's answer counts the sensors it took into the batch (C(totalNumberOfProbes)) but does not name
    them. When it took fewer than asked, a warning says how many it left out (RV(unmatched_count)), and since the
    answer does not say which, RV(unmatched_sensors) lists every sensor asked.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action:
    description:
      - The sensor action. V(upgrade) upgrades the sensors to the sensor version the server deploys (the request
        names no version; no public client sends one); V(restart) restarts them; V(scan) runs a malware scan of
        O(scan_type).
    type: str
    required: true
    choices: [upgrade, restart, scan]
  sensor_ids:
    description:
      - The sensors, by the id Cybereason's sensor actions take in C(sensorsIds), which is the sensor's pylum id
        (C(pylumId), as the Sensors API C(POST /rest/sensors/query) lists it) or its C(sensorId).
      - 1 to 1000 ids, none blank and none twice; anything else fails before any request. Cybereason documents no
        limit on one request; 1000 is the collection's own bound, so one mistaken list cannot reach every sensor at
        once (the rollout role sends batches).
    type: list
    elements: str
    required: true
  scan_type:
    description:
      - For O(action=scan) (required there, refused with any other action), the scan to run, sent as the
        request's C(argument).
    type: str
    choices: [FULL, QUICK]
  include_raw:
    description:
      - Whether the result carries RV(raw), Cybereason's batch object untouched.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each answer of Cybereason (the login, the one request that starts the action, and
        the logout, which has at most 2 seconds). Must be more than V(0) and at most V(3600).
      - The request that starts the action is never retried (not on connection errors, timeouts, or HTTP 429,
        502, 503 or 504). If it times out, the action may have started, so list the current batches before
        running again.
    type: float
    default: 30.0
extends_documentation_fragment:
  - actiongate.agents.cybereason
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_cybereason
attributes:
  check_mode:
    support: full
    details:
      - Logs in and out (which checks the URL and the credentials), sends nothing else, and reports
        C(changed=true) with the request it would send, without a batch id.
notes:
  - The user needs the System Admin role (and Sensor Admin L1 where sensor grouping is used); a 403 says so.
  - When the task runs on the controller (connection C(local), or C(delegate_to) set to C(localhost)) with
    the controller's Python, its action plugin sends the requests from the task's worker process (no module
    process). On another host, or with C(ansible_python_interpreter) set to another Python, it runs as a
    module there, and that Python needs the C(requests) library.
  - allActions lists current and queued batches only, and a finished batch drops off it after a while; wait on
    the batch soon after starting it.
seealso:
  - module: actiongate.agents.cybereason_action_status
  - name: Cybereason Retrieve Sensor Actions API
    description: Where the batch this module starts is listed.
    link: https://api-doc.cybereason.com/en/latest/APIReference/SensorAPI/retrieveActions.html
  - name: Cybereason Abort an Operation API
    description: How a batch that has not reached its sensors can be aborted.
    link: https://api-doc.cybereason.com/en/latest/APIReference/SensorAPI/abortSensor.html
"""

EXAMPLES = r"""
- name: Upgrade two sensors (URL and credentials from CYBEREASON_URL, CYBEREASON_USERNAME, CYBEREASON_PASSWORD)
  actiongate.agents.cybereason_sensor_action:
    action: upgrade
    sensor_ids:
      - PYLUMCLIENT_INTEGRATION_HOST-01_0800270A1B2C
      - PYLUMCLIENT_INTEGRATION_HOST-02_0800270A1B2D
  register: upgrade

- name: Stop here if Cybereason left sensors out of the batch
  ansible.builtin.assert:
    that: upgrade.unmatched_count == 0
    fail_msg: "{{ upgrade.unmatched_count }} sensors are not in batch {{ upgrade.action_id }}"

- name: Wait until the batch is final, allowing one sensor to fail
  actiongate.agents.cybereason_action_status:
    action_ids:
      - "{{ upgrade.action_id }}"
    wait: true
    wait_timeout: 3600
    allowed_failures: 1

- name: Run a quick scan, with the connection given in the task
  actiongate.agents.cybereason_sensor_action:
    url: https://tenant.cybereason.net
    username: api-user@example.com
    password: "{{ cybereason_password }}"
    action: scan
    scan_type: QUICK
    sensor_ids: "{{ batch }}"
  register: scan
"""

RETURN = r"""
action:
  description: The action asked for.
  returned: always
  type: str
  sample: upgrade
action_id:
  description:
    - The batch id (Cybereason's C(batchId), as a string; often negative), for
      M(actiongate.agents.cybereason_action_status).
    - V(null) in check mode.
  returned: always
  type: str
  sample: "-1949915234"
action_ids:
  description: The batch ids started, in order (one, the same as RV(action_id)); empty in check mode.
  returned: always
  type: list
  elements: str
  sample: ["-1949915234"]
sensor_ids:
  description: The sensor ids sent, in the order given.
  returned: always
  type: list
  elements: str
  sample: [PYLUMCLIENT_INTEGRATION_HOST-01_0800270A1B2C]
sensors_count:
  description:
    - How many sensors Cybereason took into the batch (its C(totalNumberOfProbes)); V(null) when the answer
      does not say (a warning then says so).
  returned: when not in check mode
  type: int
  sample: 2
unmatched_count:
  description:
    - How many of the sensors asked Cybereason left out of the batch (RV(sensor_ids) less RV(sensors_count));
      V(0) when it took them all, V(null) when its answer does not say how many it took.
  returned: when not in check mode
  type: int
  sample: 0
unmatched_sensors:
  description:
    - The sensors that may have been left out of the batch. Cybereason's answer counts the sensors it took but
      does not name them, so when it took fewer than asked (or does not say how many), every sensor asked is
      listed; empty when it took them all. A wait on the batch counts only the sensors in it.
  returned: when not in check mode
  type: list
  elements: str
  sample: []
action_type:
  description: Cybereason's C(actionType) for the batch, as its answer names it.
  returned: when not in check mode
  type: str
  sample: Upgrade
raw:
  description: Cybereason's batch object, untouched.
  returned: when not in check mode and O(include_raw=true)
  type: dict
  sample: {batchId: -1949915234, actionType: Upgrade, finalState: false, totalNumberOfProbes: 2}
requests:
  description: The request the module would send, with C(method), C(path) and C(body) (no credentials).
  returned: in check mode
  type: list
  elements: dict
  sample: [{method: POST, path: /rest/sensors/action/upgrade, body: {sensorsIds: [PYLUMCLIENT_INTEGRATION_HOST-01_0800270A1B2C]}}]
"""


from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_start_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.start import CybereasonStart


def main():
    run_start_module(CybereasonStart)


if __name__ == "__main__":
    main()
