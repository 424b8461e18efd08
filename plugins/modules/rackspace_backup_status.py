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
  - Reads C(GET /v2/<project_id>/backups/<id>) or C(/restores/<id>) and returns each in the collection's
    normalised status, so a playbook can gate on a backup or restore being done and good.
  - C(completed) is succeeded; C(completed_with_errors) follows O(completed_with_errors) (by default partial,
    judged by O(allowed_failures) counted in files with errors); C(failed), C(missed) and C(skipped) are
    failed; C(stopped) is cancelled; C(start_requested), C(start_scheduled) and C(queued) are pending;
    C(preparing), C(in_progress) and C(stop_requested) are running.
  - With O(wait=true), polls until every backup or restore is terminal, or O(wait_timeout) passes.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Ids of the backups or restores (C(id) in the answer to C(POST /v2/<project_id>/backups) or C(/restores),
        also the last part of its C(Location) header).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - actiongate.agents.rackspace
  - actiongate.agents.rackspace.backup_status
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_rackspace
seealso:
  - module: actiongate.agents.rackspace_backup_agent_events
  - plugin: actiongate.agents.rackspace_backup_status
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Start a backup with the Cloud Backup API
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
    action_ids:
      - "{{ started.json.id }}"
    wait: true
    wait_timeout: 7200
    allowed_failures: 5

- name: Check a restore (credentials from RAX_USERNAME, RAX_API_KEY and RAX_REGION)
  actiongate.agents.rackspace_backup_status:
    resource: restore
    action_ids:
      - e87e6f7d-d166-11e4-8689-c8e0eb190e3d
  register: restore
"""

RETURN = r"""
endpoint:
  description: The Cloud Backup endpoint used (from O(url) or the service catalog).
  returned: always
  type: str
  sample: https://dfw.backup.api.rackspacecloud.com/v2/110011
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
      description: Cloud Backup's C(state).
      type: str
      sample: completed_with_errors
    targets:
      description:
        - Files. C(succeeded) is C(files_backed_up) (C(files_restored) for restores), C(failed) the error count.
          A failed, missed or skipped run counts only its errors (at least one), none as succeeded.
      type: dict
      sample: {total: 7, succeeded: 6, failed: 1, pending: 0}
    errors:
      description: The error summary of the backup or restore, with C(target) (the agent), C(message), C(time),
        C(count), C(reason) and C(diagnostics).
      type: list
      elements: dict
      sample: [{target: 8f135b4f-7a69-4b8a-947f-5e80d772fd97, message: "unable_to_process_some_files: Some files could not be
                backed up. Partial list follows. (1 errors)", time: "2014-08-05T18:23:50.489715Z", count: 1,
                reason: unable_to_process_some_files, diagnostics: Some files could not be backed up. Partial list follows.}]
    started_at:
      description: C(started_time).
      type: str
    finished_at:
      description: C(ended_time).
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
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace import RackspaceBackupStatus


def main():
    run_status_module(RackspaceBackupStatus)


if __name__ == "__main__":
    main()
