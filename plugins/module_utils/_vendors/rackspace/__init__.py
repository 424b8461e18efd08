# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this package is not a public API of the collection and may change without notice.
"""Rackspace Cloud Backup: agent events (v2), the state of backups and restores (v1.0 and v2), and
starting backups, one file per API.

- ``argspec``: the options of the plugins (``OPTIONS`` pieces, ``SECRET_OPTIONS``, ranges on the entries);
- ``identity``: Rackspace Identity v2.0 tokens, the catalog's endpoint, re-authentication on a 401;
- ``v1``: v1.0 backups and restores and their reports, the session side;
- ``v2``: ``RackspaceBackupStatus`` (v2 backups and restores; v1.0 through ``v1``) and
  ``RackspaceBackupAgentEvents`` (v2 agent events), the session side;
- ``start``: ``RackspaceBackupStart`` (``rackspace_backup_start``: the v1.0 wake-up, one backup
  started per configuration with v1.0 or v2), with the same session;
- ``parse_identity``, ``parse_v1``, ``parse_v2``, ``parse_events``: pure parsers, any JSON to
  statuses or the malformed-answer ApiError (they import nothing that sends a request);
- ``records``: what the backup and restore parsers share (state tables, counts, files as targets).

The facts the code relies on, with their public sources: docs/dev/vendors/rackspace.md. Plugins
import from the file that defines a name; the three classes are also re-exported here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.start import RackspaceBackupStart
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import (
    RackspaceBackupAgentEvents, RackspaceBackupStatus,
)

__all__ = ("RackspaceBackupAgentEvents", "RackspaceBackupStart", "RackspaceBackupStatus")
