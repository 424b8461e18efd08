#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cybereason_action_status
short_description: Read or wait for the status of Cybereason sensor action batches
version_added: 0.1.0
description:
  - Logs in to the Cybereason server (form login, session cookie), reads
    C(GET /rest/sensors/allActions) and returns each batch in the collection's normalised status,
    so playbooks never branch on vendor. One read per poll serves every batch asked for.
  - With O(wait=true), polls until every batch is terminal, failures exceed O(allowed_failures),
    or O(wait_timeout) passes, in one module run with one login.
  - Cybereason has no status word. A batch is terminal when C(finalState) is true (a JSON boolean, or
    the string V(true) as some servers send it). Every C(globalStats.stats) key counts its sensors as
    succeeded (C(Succeeded), C(AlreadyUpdated), C(NewerInstalled)), failed (C(Failed), C(Timeout),
    C(AbortTimeout), C(EndedWith*), C(Msi*), C(NotSupported), C(UnknownProbe), ...), aborted
    (C(Aborted)) or pending (C(Pending), C(Started), C(InProgress), C(Disconnected), ...). A stats key
    the module does not know is reported in RV(actions[].unknown_stats) and never counted as a success.
  - The keys of upgrades and uninstalls. C(UpgradePackageDownloaded) and C(NewPackageDownloaded) are steps
    (pending while the batch runs, failed if it ends there); C(IncompatibleVersionInstalled),
    C(MissingPackageFromFileSystem), C(InvalidCertificate), C(SelfProtectEnabled), C(UninstallerLaunchFailure)
    and C(OsNotSupportedForUninstallation) are failed. C(Uninstalled) is a success only in a batch whose
    C(actionType) is C(Uninstall) (without regard to case); in any other batch, an upgrade included, the
    sensor is gone and it is failed. Cybereason does not document these keys; each reading is the one that
    never counts a sensor as succeeded wrongly.
  - C(AbortTimeout) and C(abortTimeout=true) mean the sensor's own timeout settings aborted the action
    (Cybereason's field description); no person asked for it, so those sensors are failed targets and
    the batch is judged by its sensors (partial or failed), with O(allowed_failures) deciding. One
    C(AbortTimeout) sensor among 999 C(Succeeded) is C(partial) with one failed target.
  - A batch a person aborted (C(aborterUser) set, sensors counted C(Aborted), or an C(abortTime)
    without C(abortTimeout)) is C(cancelled) and never succeeds; its aborted sensors count as failed.
  - A final batch is succeeded when every sensor succeeded, partial when some did (O(allowed_failures)
    decides), and failed when none did. Once final, every sensor that did not succeed counts as failed,
    including sensors C(totalNumberOfProbes) counts but the stats do not. A final batch that reports no
    sensors and no stats is failed, since nothing shows that it worked; the module does not read it as a
    success (a reading chosen to fail safe; Cybereason does not document such a batch). A batch that is
    not final is pending until a sensor leaves C(Pending), then running.
  - A field of an unexpected type (stats counts that are not whole numbers, C(finalState) that is not
    true or false, a record that is not an object) fails the module with a message naming the batch
    and the field, never a Python error.
  - Sessions. One form login serves the whole run. When the session expires, Cybereason answers a
    redirect to the login page, the page itself, or HTTP 401 or 403; each gets one fresh login and a
    second read. A 401 or 403 right after a fresh login fails with a hint about the user's roles.
    At the end of every run, success, failure or timeout, the module logs out (C(GET /logout), one
    attempt of at most 2 seconds) so the session does not stay valid for its 8 hours; a failed logout
    is a warning, never a failure. The session
    cookie is masked in every message and result.
  - C(allActions) lists current and queued batches only; finished batches drop off the list after
    a while. A batch id that is not listed fails the module, after O(wait_not_found_timeout) when
    waiting. Read or wait on a batch soon after starting it.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Batch ids, as returned in C(batchId) by C(POST /rest/sensors/action/upgrade), C(restart),
        C(schedulerScan) and the other sensor actions (the C(action_id) of
        M(actiongate.agents.cybereason_sensor_action)). They are whole numbers and often negative;
        numbers and strings are both accepted.
      - When empty, the module lists every current or queued batch instead (see O(action_types)).
      - An id that is not listed fails the module with a message naming it.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - actiongate.agents.cybereason
  - actiongate.agents.cybereason.query
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_cybereason
seealso:
  - plugin: actiongate.agents.cybereason_action_status
    plugin_type: lookup
  - module: actiongate.agents.cybereason_sensor_action
  - name: Cybereason Retrieve Sensor Actions API
    description: The endpoint this module reads.
    link: https://api-doc.cybereason.com/en/latest/APIReference/SensorAPI/retrieveActions.html
  - name: Cybereason API login
    description: The form login and session cookie this module uses.
    link: https://api-doc.cybereason.com/en/latest/authentication.html
"""

EXAMPLES = r"""
- name: Wait for a sensor upgrade batch, allowing 5% of the sensors to fail
  actiongate.agents.cybereason_action_status:
    url: https://tenant.cybereason.net
    username: api-user@example.com
    password: "{{ cybereason_password }}"
    action_ids:
      - -2012506538
    wait: true
    wait_timeout: 3600
    allowed_failures: 5%
  register: batch

- name: Show how many sensors upgraded
  ansible.builtin.debug:
    msg: "{{ batch.actions[0].targets.succeeded }} of {{ batch.actions[0].targets.total }}"

- name: List current upgrade batches (URL and credentials from CYBEREASON_URL, CYBEREASON_USERNAME, CYBEREASON_PASSWORD)
  actiongate.agents.cybereason_action_status:
    action_types:
      - Upgrade
  register: upgrades
"""

RETURN = r"""
actions:
  description: One normalised status per batch, in the order asked (or as listed).
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The batch id, as a string.
      type: str
      sample: "-2012506538"
    vendor:
      description: Always V(cybereason) here.
      type: str
      sample: cybereason
    state:
      description: Normalised state.
      type: str
      sample: running
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether the batch will not change any more (C(finalState) is true).
      type: bool
    succeeded:
      description: Terminal and good enough (partial counts when failures are within O(allowed_failures)).
      type: bool
    vendor_status:
      description:
        - Cybereason has no status word; this says C(final) or C(in progress), whether the batch was
          aborted, and the non-zero stats.
      type: str
      sample: "final: Succeeded=9, Failed=1"
    action_type:
      description: Cybereason's C(actionType).
      type: str
      sample: Upgrade
    targets:
      description:
        - Sensor counts. Failed, aborted and timed-out sensors count as failed as soon as they end; once
          the batch is final, every sensor that did not succeed counts as failed.
      type: dict
      sample: {total: 10, succeeded: 9, failed: 1, pending: 0}
    sensors:
      description:
        - Sensors per class of stats key. C(unknown) is keys the module does not know; sensors
          C(totalNumberOfProbes) counts but the stats do not are in C(pending) (failed once the batch is final).
      type: dict
      sample: {succeeded: 9, failed: 1, cancelled: 0, pending: 0, unknown: 0}
    stats:
      description: The batch's C(globalStats.stats), untouched.
      type: dict
    unknown_stats:
      description: Stats keys the module does not know, with their counts.
      type: dict
      sample: {}
    errors:
      description:
        - One entry per failure key with sensors (C(target) is the stats key, C(message) the sensor
          count, C(AbortTimeout) and C(Aborted) included), per unknown key, and one per batch-level
          finding (C(target=batch)), such as an abort by a person or by a sensor timeout, sensors
          missing from the stats, or a final batch with no sensors.
      type: list
      elements: dict
    started_at:
      description: When the batch started (C(startTime)), ISO-8601 UTC.
      type: str
    finished_at:
      description: When it was aborted (by a person or a timeout), if it was. Cybereason does not say when a batch finished.
      type: str
    raw:
      description: Cybereason's record, untouched.
      type: dict
succeeded:
  description: True when every batch succeeded.
  returned: always
  type: bool
terminal:
  description: True when every batch is terminal.
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
  description: Each change of a batch's state or counts while waiting, with seconds since the wait began.
  returned: when O(wait=true)
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.session import Cybereason


def main():
    run_status_module(Cybereason)


if __name__ == "__main__":
    main()
