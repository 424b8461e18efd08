#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rackspace_backup_status
short_description: Read or wait for the state of Rackspace Cloud Backup backups and restores
version_added: 0.1.0
description:
  - Reads the state of Cloud Backup backups or restores and returns each in the collection's normalised status,
    so a playbook can gate on a backup or restore being done and good.
  - With the public v1.0 API (what the service catalog names), reads C(GET /v1.0/<tenant>/backup/<id>)
    (C(CurrentState)) or C(/restore/<id>) (C(RestoreStateId)); for a C(CompletedWithErrors) or C(Failed) one it
    also reads C(/backup/report/<id>) or C(/restore/report/<id>), where the error count is. With v2, reads
    C(GET /v2/<project_id>/backups/<id>) or C(/restores/<id>) (C(state)). See O(api_version).
  - C(completed) is succeeded; C(completed_with_errors) follows O(completed_with_errors) (by default partial,
    judged by O(allowed_failures) counted in files with errors); C(failed), C(missed) and C(skipped) are
    failed; C(stopped) is cancelled; C(start_requested), C(start_scheduled), C(queued) (and v1.0 C(Creating))
    are pending; C(preparing), C(in_progress) and C(stop_requested) are running. v1.0 words are the same in
    CamelCase (C(CompletedWithErrors), C(InProgress), ...). Any other word is unknown, never a success.
  - Once a backup or restore has ended without succeeding (failed, missed, skipped, stopped), every file counts
    as failed. A stopped one is cancelled and never succeeds.
  - Where the public material leaves a point open, the reading that fails safe is taken (documented under
    O(completed_with_errors)). An answer of an unexpected shape fails the task with a message naming the call and
    what was unexpected.
  - With O(wait=true), polls until every backup or restore is terminal, or O(wait_timeout) passes.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Ids of the backups or restores. v1.0 ids are numbers (the answer to
        C(POST /v1.0/<tenant>/backup/action-requested)); v2 ids are UUIDs (C(id) in the answer to
        C(POST /v2/<project_id>/backups) or C(/restores), also the last part of its C(Location) header).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - actiongate.agents.rackspace
  - actiongate.agents.rackspace.backup_status
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.per_id
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_rackspace
seealso:
  - module: actiongate.agents.rackspace_backup_agent_events
  - plugin: actiongate.agents.rackspace_backup_status
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Start a backup with the public v1.0 API (the answer is the backup id)
  ansible.builtin.uri:
    url: "https://dfw.backup.api.rackspacecloud.com/v1.0/{{ rax_tenant_id }}/backup/action-requested"
    method: POST
    headers:
      X-Auth-Token: "{{ rax_token }}"
    body_format: json
    body:
      Action: StartManual
      Id: "{{ backup_configuration_id }}"
    return_content: true
  register: started_v1

- name: Wait for it (credentials from RAX_USERNAME and RAX_API_KEY; the catalog names the v1.0 endpoint)
  actiongate.agents.rackspace_backup_status:
    action_ids:
      - "{{ started_v1.content | trim }}"
    wait: true
    wait_timeout: 7200

- name: Start a backup with the v2 API
  ansible.builtin.uri:
    url: "https://dfw.backup.api.rackspacecloud.com/v2/{{ rax_project_id }}/backups"
    method: POST
    headers:
      X-Auth-Token: "{{ rax_token }}"
    body_format: json
    body:
      configuration_id: 7c8ee069-568f-4d5a-932f-fb2af86b5fd5
      state: start_requested
    status_code: 201
  register: started

- name: Gate the rollout on the backup, tolerating up to 5 files with errors
  actiongate.agents.rackspace_backup_status:
    url: https://dfw.backup.api.rackspacecloud.com
    token: "{{ rax_token }}"
    project_id: "{{ rax_project_id }}"
    api_version: v2
    action_ids:
      - "{{ started.json.id }}"
    wait: true
    wait_timeout: 7200
    allowed_failures: 5

- name: Gate maintenance on every nightly backup (one request per backup, at most 16 in flight)
  actiongate.agents.rackspace_backup_status:
    action_ids: "{{ nightly_backup_ids }}"
    max_concurrent_requests: 16
    wait: true
    wait_timeout: 7200
    include_raw: false

- name: Check a v1.0 restore (credentials from RAX_USERNAME, RAX_API_KEY and RAX_REGION)
  actiongate.agents.rackspace_backup_status:
    resource: restore
    action_ids:
      - "1394"
  register: restore
"""

RETURN = r"""
endpoint:
  description: The Cloud Backup endpoint used (from O(url) or the service catalog).
  returned: always
  type: str
  sample: https://dfw.backup.api.rackspacecloud.com/v1.0/110011
actions:
  description: One normalised status per backup or restore, in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The backup or restore id.
      type: str
      sample: 0d95d699-d16b-11e4-93bd-c8e0eb190e3d
    resource:
      description: V(backup) or V(restore).
      type: str
    api_version:
      description: The Cloud Backup API read, V(v1.0) or V(v2).
      type: str
      sample: v1.0
    state_changed_at:
      description: v1.0 C(StateChangeTime), as ISO 8601 UTC.
      type: str
      returned: with v1.0
    report:
      description: The v1.0 report (C(GET /v1.0/<tenant>/backup/report/<id>) or C(/restore/report/<id>)), untouched;
        null when none was read (only C(CompletedWithErrors) and C(Failed) ones are) or Cloud Backup had none.
      type: dict
      returned: with v1.0
    vendor:
      description: Always V(rackspace_backup) here.
      type: str
      sample: rackspace_backup
    state:
      description: Normalised state.
      type: str
      sample: partial
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether it will not change any more.
      type: bool
    succeeded:
      description: Terminal and good enough (C(completed_with_errors) counts when its files with errors are within O(allowed_failures)).
      type: bool
    vendor_status:
      description: Cloud Backup's C(state) (v2), C(CurrentState) (v1.0 backups) or the name of C(RestoreStateId) (v1.0 restores).
      type: str
      sample: CompletedWithErrors
    targets:
      description:
        - Files. For a backup, C(total) is the files searched (C(files_searched), v1.0 C(FilesSearched)) and C(failed)
          the files with errors; for a restore, C(total) is the files restored plus those with errors.
        - A failed, missed, skipped or stopped run counts every file as failed (at least one), none as succeeded.
          Without an error count, a run with errors counts every file as failed (at least one) and none as succeeded,
          so it cannot pass.
        - Empty (all zero) while the backup or restore is running.
      type: dict
      sample: {total: 11936, succeeded: 11934, failed: 2, pending: 0}
    errors:
      description: The error summary of the backup or restore, with C(target) (the agent), C(message), C(time),
        C(count), C(reason) and C(diagnostics), and with v1.0 the C(paths) of the files with errors from the report.
      type: list
      elements: dict
      sample: [{target: 8f135b4f-7a69-4b8a-947f-5e80d772fd97, message: "unable_to_process_some_files: Some files could not be
                backed up. Partial list follows. (1 errors)", time: "2014-08-05T18:23:50.489715Z", count: 1,
                reason: unable_to_process_some_files, diagnostics: Some files could not be backed up. Partial list follows.}]
    started_at:
      description: C(started_time) (v1.0 report C(StartTime)).
      type: str
    finished_at:
      description: C(ended_time) (v1.0 report C(CompletedTime), else C(StateChangeTime) once terminal).
      type: str
    raw:
      description: The backup or restore record, untouched.
      type: dict
succeeded:
  description: True when every backup or restore succeeded.
  returned: always
  type: bool
terminal:
  description: True when every one is terminal.
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
  description: Each change of state while waiting, with seconds since the wait began.
  returned: when O(wait=true)
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import RackspaceBackupStatus


def main():
    run_status_module(RackspaceBackupStatus)


if __name__ == "__main__":
    main()
