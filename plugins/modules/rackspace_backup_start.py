#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rackspace_backup_start
short_description: Start Rackspace Cloud Backup backups of one or more backup configurations
version_added: 1.0.0
description:
  - Starts one backup of each backup configuration in O(configuration_ids) and returns the backup ids, in the
    order asked, to wait on with M(actiongate.agents.rackspace_backup_status).
  - With the public v1.0 API (what the service catalog names), first wakes the tenant's agents once with
    C(POST /v1.0/<tenant>/user/wakeupagents) and waits O(wake_agents_delay) seconds (Rackspace says to wait 10 to
    20 seconds after it), then sends C(POST /v1.0/<tenant>/backup/action-requested) with
    C({"Action":"StartManual","Id":<configuration id>}) for each configuration; the answer is the new backup's
    id. With v2, sends C(POST /v2/<project_id>/backups) with
    C({"configuration_id":<configuration id>,"state":"start_requested"}) for each configuration; the answer's
    C(id) is the backup's. See O(api_version).
  - Every run starts new backups (Cloud Backup makes a new backup each time a configuration is started), so the
    module always reports C(changed=true).
  - Each start is one request, sent once and never retried, not even on HTTP 403, 429, 502, 503 or 504 (Rackspace's
    own SDK repeats a start refused with 403 up to 20 times; this module does not), so no configuration is
    started twice. The configurations are started one after another, and the first failure stops the run.
  - A refusal (HTTP 400, 401, 403, 404, 409, ...) fails saying that configuration did not start. Any other failure
    (a 5xx, a reset, a timeout, an answer without a backup id) fails saying its backup B(may have started) and
    where to look before running again.
  - A failure lists the backups already started (RV(action_ids), also in the failed result, so a play that
    ignores the error can still wait on them) and the configurations not started (RV(not_started)), which can be
    started again safely.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  configuration_ids:
    description:
      - The backup configurations to start a backup of, one or more, none blank and none twice; anything else fails
        before any request.
      - v1.0 configuration ids are numbers (C(BackupConfigurationId), such as V(148325)); with v1.0 any other id fails
        before any request. v2 configuration ids are UUIDs.
      - Each configuration is one request (Cloud Backup starts one configuration per request), sent in the order
        given.
    type: list
    elements: str
    required: true
  wake_agents:
    description:
      - With v1.0, send C(POST /v1.0/<tenant>/user/wakeupagents) once before the first start, then wait
        O(wake_agents_delay) seconds. It asks every agent of the tenant to wake up and changes nothing that lasts,
        so it is retried on connection errors and HTTP 429, 502, 503 and 504 like a read.
      - If the wake-up fails, the module fails before starting anything, saying nothing started.
      - v2 has no wake-up operation. With v2 none is sent, and while this is V(true) (the default) the result carries
        a warning saying so; set it to V(false) with v2 to silence it.
    type: bool
    default: true
  wake_agents_delay:
    description:
      - Seconds to wait after the wake-up before the first start, from V(0) to V(300). Rackspace says to wait 10 to
        20 seconds. Not used without a wake-up (O(wake_agents=false), or v2).
    type: float
    default: 15
  api_version:
    description:
      - Which Cloud Backup API to call. V(v1.0) is the public API (configuration and backup ids are numbers); V(v2)
        (ids are UUIDs) is documented by Rackspace as not launched externally.
      - V(auto) uses the version the endpoint names (O(url), or the catalog's C(publicURL), which names v1.0), and
        v2 for a bare host such as V(https://dfw.backup.api.rackspacecloud.com). Pass the same value to
        M(actiongate.agents.rackspace_backup_status).
    type: str
    default: auto
    choices: [auto, v1.0, v2]
  include_raw:
    description:
      - Whether the result carries RV(raw), Cloud Backup's answer to each start untouched.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each answer of Cloud Backup (and Rackspace Identity). Must be more than V(0) and at most
        V(3600).
      - A start is never retried (not on connection errors, timeouts, or HTTP 429, 502, 503 or 504). If one times
        out, its backup may have started, so look for it before running again.
    type: float
    default: 30.0
extends_documentation_fragment:
  - actiongate.agents.rackspace
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_rackspace
attributes:
  check_mode:
    support: full
    details:
      - Sends no wake-up and no start, and reports C(changed=true) with the requests it would send, without backup
        ids. With O(username) and no O(url) it still logs in to Rackspace Identity, whose service catalog names
        the endpoint and API version.
notes:
  - One token serves every request of a run. With O(username) and O(api_key) (or O(password)) the module gets it from
    Rackspace Identity once.
  - When the task runs on the controller (connection C(local), or C(delegate_to) set to C(localhost)) with
    the controller's Python, its action plugin sends the requests from the task's worker process (no module
    process). On another host, or with C(ansible_python_interpreter) set to another Python, it runs as a
    module there, and that Python needs the C(requests) library.
  - No Cloud Backup API rate limit is documented. A start of a configuration whose backup is still running may be
    refused (v2 lists HTTP 409 for it); v1.0 documents that each start makes a new backup.
seealso:
  - module: actiongate.agents.rackspace_backup_status
  - name: Cloud Backup v1.0 API methods
    description: >-
      The pages of the requests sent with v1.0, C(post-wake-up-agents-v1.0-tenant-id-user-wakeupagents.rst) (and the
      10 to 20 seconds to wait after it) and C(post-start-or-stop-a-backup-manually-v1.0-tenant-id-backup-action-requested.rst).
    link: https://github.com/rackerlabs/docs-cloud-backup/tree/master/api-docs/cloud-backup-v1/api-reference/methods
"""

EXAMPLES = r"""
- name: Start a backup of two configurations (credentials from RAX_USERNAME, RAX_API_KEY and RAX_REGION)
  actiongate.agents.rackspace_backup_start:
    configuration_ids:
      - "148325"
      - "148326"
  register: started

- name: Wait until both backups are done
  actiongate.agents.rackspace_backup_status:
    action_ids: "{{ started.action_ids }}"
    wait: true
    wait_timeout: 7200

- name: Start a backup with a token, without waking the agents
  actiongate.agents.rackspace_backup_start:
    url: https://dfw.backup.api.rackspacecloud.com/v1.0/123456
    token: "{{ rax_token }}"
    configuration_ids: ["148325"]
    wake_agents: false
  register: nightly

- name: Start backups, and wait on those that started even if one failed
  block:
    - name: Start them
      actiongate.agents.rackspace_backup_start:
        configuration_ids: "{{ backup_configuration_ids }}"
        wake_agents_delay: 20
      register: batch
  rescue:
    - name: Say which configurations did not start (a re-run with these only is safe)
      ansible.builtin.debug:
        msg: "Not started: {{ batch.not_started | default([]) }}; may have started: {{ batch.may_have_started | default([]) }}"
  always:
    - name: Wait on the backups that started
      actiongate.agents.rackspace_backup_status:
        action_ids: "{{ batch.action_ids }}"
        wait: true
        wait_timeout: 7200
      when: batch.action_ids | default([]) | length > 0

- name: Start a backup with the v2 API and wait on it
  actiongate.agents.rackspace_backup_start:
    url: https://dfw.backup.api.rackspacecloud.com
    token: "{{ rax_token }}"
    project_id: "{{ rax_project_id }}"
    api_version: v2
    wake_agents: false
    configuration_ids:
      - 7c8ee069-568f-4d5a-932f-fb2af86b5fd5
  register: started_v2

- name: Wait on the v2 backup
  actiongate.agents.rackspace_backup_status:
    url: https://dfw.backup.api.rackspacecloud.com
    token: "{{ rax_token }}"
    project_id: "{{ rax_project_id }}"
    api_version: v2
    action_ids: "{{ started_v2.action_ids }}"
    wait: true
"""

RETURN = r"""
action_id:
  description:
    - The first backup id (as a string), for M(actiongate.agents.rackspace_backup_status).
    - V(null) in check mode, and in a failed result when no backup started.
  returned: always
  type: str
  sample: "368785"
action_ids:
  description:
    - The backup ids, one per configuration started, in the order of O(configuration_ids). v1.0 ids are numbers
      written as strings, v2 ids UUIDs.
    - Empty in check mode. In a failed result, the backups started before the failure.
  returned: always
  type: list
  elements: str
  sample: ["368785", "368786"]
backups:
  description: Each configuration with the backup started of it, in order.
  returned: success, when not in check mode
  type: list
  elements: dict
  contains:
    configuration_id:
      description: The backup configuration.
      type: str
    backup_id:
      description: The backup started, as in RV(action_ids).
      type: str
  sample: [{configuration_id: "148325", backup_id: "368785"}]
configuration_ids:
  description: The configurations, as checked and sent, in order.
  returned: success
  type: list
  elements: str
  sample: ["148325", "148326"]
api_version:
  description: The Cloud Backup API called, V(v1.0) or V(v2).
  returned: success
  type: str
  sample: v1.0
endpoint:
  description: The Cloud Backup endpoint used (from O(url) or the service catalog).
  returned: success
  type: str
  sample: https://dfw.backup.api.rackspacecloud.com/v1.0/123456
wake_agents:
  description: Whether the wake-up was (or, in check mode, would be) sent.
  returned: success
  type: bool
wake_agents_delay:
  description: The seconds the module would wait after the wake-up.
  returned: in check mode, with a wake-up
  type: float
  sample: 15.0
not_started:
  description:
    - The configurations not started when a start failed (those after it, and it too when Cloud Backup refused
      it). A re-run with O(configuration_ids) set to these is safe.
  returned: on failure
  type: list
  elements: str
  sample: ["148326"]
may_have_started:
  description:
    - The configuration whose start failed in a way that does not say whether it started (a 5xx, a reset, a
      timeout, an answer without a backup id). Look for its backup before starting it again.
  returned: on failure
  type: list
  elements: str
  sample: ["148326"]
raw:
  description:
    - Cloud Backup's answer to each start, in order, untouched; v1.0 answers the backup id as text, v2 the new
      backup record.
  returned: when not in check mode and O(include_raw=true)
  type: list
  sample: ["368785"]
requests:
  description: The requests the module would send, each with C(method), C(path) (under RV(endpoint)) and C(body)
    (no credentials).
  returned: in check mode
  type: list
  elements: dict
  sample: [{method: POST, path: /user/wakeupagents}, {method: POST, path: /backup/action-requested,
           body: {Action: StartManual, Id: 148325}}]
"""


from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_start_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.start import RackspaceBackupStart


def main():
    run_start_module(RackspaceBackupStart)


if __name__ == "__main__":
    main()
