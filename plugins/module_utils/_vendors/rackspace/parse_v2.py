# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The parse side of Cloud Backup v2 backups and restores (``GET /v2/<project>/backups/<id>``,
``/restores/<id>``): any JSON answer to an ActionStatus or the malformed-answer ApiError naming
Cloud Backup, the call and the field. Pure: no request is sent from here (the session side is
``v2.py``).

The paths, the record's fields and states: docs/dev/vendors/rackspace.md ("Endpoints and API
versions", "Backup and restore states", "Files as targets").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._status import ActionStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import (
    NAME, V2, count, error_summary, file_targets, ref_id, shape, state_of,
)

# The path of one backup or restore under the v2 endpoint.
RESOURCE_PATHS = {"backup": "/backups/%s", "restore": "/restores/%s"}


def parse_record(record, resource="backup", completed_with_errors="partial", action_id=None, where=None):
    """A v2 backup or restore record -> ActionStatus. Targets count files (``records.file_targets``)."""
    where = where or "GET /%ss/<id>" % resource
    reader = shape(where, record)
    reader.check(record, dict, "the answer")
    vendor_state = reader.field(record, "state", str, "", required=True)
    errors = reader.field(record, "errors", dict, "") or {}
    counts = {
        "errors": count(reader, errors.get("count"), "errors.count"),
        "searched": count(reader, record.get("files_searched"), "files_searched"),
        "good": count(reader, record.get("files_backed_up" if resource == "backup" else "files_restored"),
                      "files_backed_up" if resource == "backup" else "files_restored"),
    }
    state = state_of(vendor_state, V2, resource, completed_with_errors)
    agent = record.get("agent") if resource == "backup" else record.get("destination_agent")
    ended = _shape.timestamp(record.get("ended_time"))
    report = {"count": counts["errors"], "reason": _shape.text(errors.get("reason")),
              "diagnostics": _shape.text(errors.get("diagnostics")), "target": ref_id(agent), "time": ended}
    return ActionStatus(
        action_id=_shape.ident(record.get("id")) or action_id, vendor=NAME, state=state, vendor_status=vendor_state,
        targets=file_targets(resource, state, counts), errors=error_summary(report),
        started_at=_shape.timestamp(record.get("started_time")), finished_at=ended, raw=record,
        extra={"resource": resource, "api_version": V2})
