#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rackspace_backup_agent_events
short_description: Read Rackspace Cloud Backup agent events, or wait for the agent requests they report
version_added: 0.1.0
description:
  - Reads C(GET /v2/<project_id>/agents/<agent_id>/events) and returns the events, the marker to resume
    from, and one normalised status per C(request_id), decided by the request's latest event
    (C(*_in_progress), C(logfile_upload) and C(logfile_started) are running, C(*_completed) succeeded,
    C(*_failed) failed, anything else unknown).
  - Cloud Backup keeps these events for about a minute only. With O(wait=true) the module reads forward
    from the last event it has seen on every poll, so no event is lost between polls. A request with no
    events (they expired before the first read, or the request has not started) is reported with state
    V(unknown), never as success; while waiting it fails after O(wait_not_found_timeout).
  - Agent events exist in the v2 API only. A v1.0 endpoint (what the service catalog names, such as
    C(https://dfw.backup.api.rackspacecloud.com/v1.0/123456)) is read as C(/v2/<project_id>) on the same host.
  - For the outcome of a backup or restore, use M(actiongate.agents.rackspace_backup_status), which reads
    the resource's own state.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  action_ids:
    description:
      - Request ids to report on (C(request_id) of the events). When empty, the module lists the requests
        among the events read.
    type: list
    elements: str
    default: []
    aliases: [request_ids]
extends_documentation_fragment:
  - actiongate.agents.rackspace
  - actiongate.agents.rackspace.agent_events
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_rackspace
seealso:
  - module: actiongate.agents.rackspace_backup_status
  - plugin: actiongate.agents.rackspace_backup_agent_events
    plugin_type: lookup
  - name: Cloud Backup v2 API documentation
    description: The source of C(api-docs/cloud-backup-v2), including the agent events operation this module reads.
    link: https://github.com/rackerlabs/docs-cloud-backup
"""

EXAMPLES = r"""
- name: Wait until a vault database download on the agent has finished
  actiongate.agents.rackspace_backup_agent_events:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    agent_id: 8f135b4f-7a69-4b8a-947f-5e80d772fd97
    request_ids:
      - ae7528c8-bcc3-4356-a237-f20fbdd79ee4
    wait: true
    wait_timeout: 600
  register: download

- name: Read the agent's new events since the last run (credentials from RAX_USERNAME and RAX_API_KEY)
  actiongate.agents.rackspace_backup_agent_events:
    agent_id: 8f135b4f-7a69-4b8a-947f-5e80d772fd97
    marker: "{{ last_marker | default(omit) }}"
    all_pages: true
    event_types:
      - "vault_*"
  register: agent_events

- name: Remember where to resume
  ansible.builtin.set_fact:
    last_marker: "{{ agent_events.next_marker }}"
"""

RETURN = r"""
events:
  description: The events read (every page of the run), as Cloud Backup returned them, filtered by O(event_types).
  returned: always
  type: list
  elements: dict
  sample: [{id: "5650135590", time: "2014-10-09T12:26:22.233501Z", event: vault_db_download_in_progress,
            agent: {id: 8f135b4f-7a69-4b8a-947f-5e80d772fd97}, request_id: ae7528c8-bcc3-4356-a237-f20fbdd79ee4}]
next_marker:
  description: The newest event id seen (or O(marker) when none was), to pass as O(marker) next time.
  returned: always
  type: str
  sample: "5650135596"
endpoint:
  description: The Cloud Backup endpoint used (from O(url) or the service catalog), always the v2 one.
  returned: always
  type: str
  sample: https://dfw.backup.api.rackspacecloud.com/v2/110011
actions:
  description: One normalised status per request, in the order asked (or of first appearance).
  returned: always
  type: list
  elements: dict
  contains:
    action_id:
      description: The request id.
      type: str
    request_id:
      description: The request id again, under its vendor name.
      type: str
    agent_id:
      description: The agent.
      type: str
    vendor:
      description: Always V(rackspace_backup) here.
      type: str
      sample: rackspace_backup
    state:
      description: Normalised state.
      type: str
      sample: running
      choices: [pending, running, succeeded, partial, failed, cancelled, expired, unknown]
    terminal:
      description: Whether the request will not change any more.
      type: bool
    succeeded:
      description: Terminal and successful.
      type: bool
    vendor_status:
      description: The request's latest event type, or V(no_events) when none was seen.
      type: str
      sample: vault_db_download_completed
    targets:
      description: The request as one target.
      type: dict
      sample: {total: 1, succeeded: 1, failed: 0, pending: 0}
    errors:
      description: The failing event, or why the state is unknown, with C(target), C(message) and C(time).
      type: list
      elements: dict
    started_at:
      description: Time of the request's first event seen.
      type: str
    finished_at:
      description: Time of its completing or failing event.
      type: str
    events:
      description: Every event of the request seen in this run, oldest first.
      type: list
      elements: dict
    raw:
      description: The latest event, untouched.
      type: dict
succeeded:
  description: True when every request succeeded.
  returned: always
  type: bool
terminal:
  description: True when every request is terminal.
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
  description: Each change of a request's state while waiting, with seconds since the wait began.
  returned: when O(wait=true)
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_status_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import RackspaceBackupAgentEvents


def main():
    run_status_module(RackspaceBackupAgentEvents)


if __name__ == "__main__":
    main()
