# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The session side of Cloud Backup v1.0 backups and restores: the id in the path (a number), the
record (``GET /v1.0/<tenant>/backup/<id>``, ``/restore/<id>``) and, for a run that had errors,
its report (``/backup/report/<id>``, ``/restore/report/<id>``). Read by ``parse_v1.py``.

v1.0 is the API the real service catalog names: docs/dev/vendors/rackspace.md ("Endpoints and API
versions", "Files as targets": when the report is read).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_v1 import (
    REPORT_PATHS, needs_report, parse_record,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import LABEL


def check_id(resource, action_id):
    """A v1.0 id (``BackupId``, ``RestoreId``) is a number written in ASCII digits: anything else
    ("\u00b2" included, which ``str.isdigit`` takes) is refused before any request."""
    text = str(action_id)
    if _shape.digits(text) is None or text != text.strip():
        raise ConfigError("%s v1.0 %s ids are numbers (such as 134332), not %r. For a v2 %s (a UUID), set "
                          "api_version=v2." % (LABEL, resource, text, resource))
    return text


def report(vendor, resource, action_id):
    """The v1.0 report of a finished backup or restore, or None when Cloud Backup has none (404)."""
    try:
        return vendor.get(REPORT_PATHS[resource] % segment(action_id))
    except ApiError as error:
        if error.status == 404:
            return None
        raise


def read_status(vendor, record, action_id, path, resource, completed_with_errors):
    """The status of a v1.0 ``record`` read from ``path``, with its report when its state needs one."""
    where = "GET " + path
    found = report(vendor, resource, action_id) if needs_report(record, resource, where) else None
    return parse_record(record, action_id, resource, completed_with_errors, found, where)
