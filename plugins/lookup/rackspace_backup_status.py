# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rackspace_backup_status
short_description: Normalised status of Rackspace Cloud Backup backups and restores
version_added: 0.1.0
description:
  - Returns one normalised status per backup (or restore) id, read from the public v1.0 API
    (C(GET /v1.0/<tenant>/backup/<id>) or C(/restore/<id>), and the report of one that completed with errors or
    failed) or from v2 (C(GET /v2/<project_id>/backups/<id>) or C(/restores/<id>)), as O(api_version) says.
  - The states, the file counts and the fail-safe readings are those of the
    M(actiongate.agents.rackspace_backup_status) module.
  - Does not wait unless O(wait=true); long waits belong in the module.
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  _terms:
    description: Backup or restore ids.
    type: list
    elements: str
    required: true
  on_missing:
    description:
      - What to do with an id Cloud Backup does not know (HTTP 404). V(error) fails, V(warn) warns and leaves it
        out, V(skip) leaves it out silently. Ignored while waiting (a missing id fails after
        O(wait_not_found_timeout)).
    type: str
    default: error
    choices: [error, warn, skip]
extends_documentation_fragment:
  - actiongate.agents.rackspace.plugins
  - actiongate.agents.rackspace.backup_status
  - actiongate.agents.connection
  - actiongate.agents.wait
  - actiongate.agents.per_id
"""

EXAMPLES = r"""
- name: Fail the play unless the nightly backup completed (credentials from RAX_USERNAME and RAX_API_KEY)
  ansible.builtin.assert:
    that: lookup('actiongate.agents.rackspace_backup_status', backup_id).succeeded
  vars:
    backup_id: "134332"

- name: State of a restore, with a token and the regional endpoint
  ansible.builtin.debug:
    msg: "{{ lookup('actiongate.agents.rackspace_backup_status', restore_id, resource='restore', api_version='v2',
             url='https://dfw.backup.api.rackspacecloud.com', token=rax_token).vendor_status }}"
  vars:
    restore_id: e87e6f7d-d166-11e4-8689-c8e0eb190e3d
"""

RETURN = r"""
_raw:
  description:
    - One normalised status per id found, in the order given; see the
      M(actiongate.agents.rackspace_backup_status) module's C(actions) return value for the keys.
  type: list
  elements: dict
"""

from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import ActionStatusLookup
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import RackspaceBackupStatus


class LookupModule(ActionStatusLookup):
    VENDOR = RackspaceBackupStatus
