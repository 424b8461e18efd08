# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The parse side of Cloud Backup v1.0: a backup (``GET /v1.0/<tenant>/backup/<id>``, its word in
``CurrentState``) or a restore (``/restore/<id>``, its number in ``RestoreStateId``) with its
report (``/backup/report/<id>``, ``/restore/report/<id>``: the error count is only there), to an
ActionStatus or the malformed-answer ApiError. Pure: no request is sent from here (the session
side is ``v1.py``).

The v1.0 words, the restore numbers, the report's fields and the ``/Date(ms)/`` dates:
docs/dev/vendors/rackspace.md ("Backup and restore states", "Files as targets").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._status import PENDING, RUNNING, UNKNOWN, ActionStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import (
    NAME, V1, count, error_summary, file_targets, shape, state_of,
)

# The paths of one backup or restore, and of its report, under the v1.0 endpoint.
RESOURCE_PATHS = {"backup": "/backup/%s", "restore": "/restore/%s"}
REPORT_PATHS = {"backup": "/backup/report/%s", "restore": "/restore/report/%s"}
# A v1.0 restore gives a number, not a word.
RESTORE_STATE_IDS = {0: "Creating", 1: "Queued", 2: "InProgress", 3: "Completed", 4: "Stopped", 5: "Failed",
                     6: "StartRequested", 7: "StopRequested", 8: "CompletedWithErrors", 9: "Preparing"}
# The states whose report holds what the status needs: the errors of a run that had some.
REPORTED = ("completed_with_errors", "failed")
# .NET JSON dates: "/Date(1358530097000)/", perhaps with an offset ("/Date(1358530097000-0600)/").
_NET_DATE = re.compile(r"\A/Date\((-?[0-9]+)([+-][0-9]{4})?\)/\Z")


def snake(name):
    """``CompletedWithErrors`` -> ``completed_with_errors`` (v1.0 words; case of the docs varies:
    the restore report lists ``startRequested`` and ``Stoprequested``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name)).lower().replace("stoprequested", "stop_requested")


def net_date(value):
    """ISO 8601 UTC from a v1.0 ``/Date(ms)/``; other text is returned as it is, anything else is None."""
    found = _shape.text(value)
    match = _NET_DATE.match(found) if found else None
    if not match:
        return found
    millis = _shape.digits(match.group(1), signed=True)
    if millis is None:  # more digits than any date has
        return found
    try:
        stamp = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return found
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def vendor_state(record, resource, where):
    """The state word of a v1.0 backup (``CurrentState``) or restore (``RestoreStateId``, a count)."""
    reader = shape(where, record)
    reader.check(record, dict, "the answer")
    if resource == "backup":
        return reader.field(record, "CurrentState", str, "", required=True)
    number = count(reader, record.get("RestoreStateId"), "RestoreStateId")
    if number is None:
        reader.fail("RestoreStateId", "is missing")
    return RESTORE_STATE_IDS.get(number, "RestoreStateId %d" % number)


def needs_report(record, resource, where):
    """Whether the report holds what the state needs: the errors of a run that had some."""
    return snake(vendor_state(record, resource, where)) in REPORTED


def report_counts(report, resource, where):
    """``(counts, summary)`` from a v1.0 report (None: no report, so no counts)."""
    if report is None:
        return {}, {}
    reader = shape(where, report)
    reader.check(report, dict, "the answer")
    counts = {"errors": count(reader, report.get("NumErrors"), "NumErrors")}
    if resource == "backup":
        counts.update(searched=count(reader, report.get("FilesSearched"), "FilesSearched"),
                      good=count(reader, report.get("FilesBackedUp"), "FilesBackedUp"))
    else:
        counts["good"] = count(reader, report.get("NumFilesRestored"), "NumFilesRestored")
    listed = reader.objects(reader.field(report, "ErrorList", list, "") or [], "ErrorList")
    paths = [_shape.text(e.get("Path")) for e in listed if _shape.text(e.get("Path"))]
    summary = {"count": counts["errors"], "reason": _shape.text(report.get("Reason")),
               "diagnostics": _shape.text(report.get("Diagnostics")), "started": net_date(report.get("StartTime")),
               "finished": net_date(report.get("CompletedTime"))}
    if paths:
        summary["paths"] = paths
    return counts, summary


def parse_record(record, action_id, resource="backup", completed_with_errors="partial", report=None, where=None):
    """A v1.0 backup or restore, with its report when it has one -> ActionStatus."""
    where = where or "GET " + RESOURCE_PATHS[resource] % action_id
    word = vendor_state(record, resource, where)
    state = state_of(snake(word), V1, resource, completed_with_errors)
    counts, summary = report_counts(report, resource, "GET " + REPORT_PATHS[resource] % action_id)
    if report is None and snake(word) == "completed_with_errors":
        summary = {"reason": "no_report", "diagnostics": "Cloud Backup gave no report for this %s, so the number "
                   "of files with errors is unknown: counted as failed" % resource}
    summary.update(target=_shape.ident(record.get("MachineAgentId" if resource == "backup" else "DestinationMachineId")))
    changed = net_date(record.get("StateChangeTime"))
    summary.setdefault("time", changed)
    terminal = state not in (PENDING, RUNNING, UNKNOWN)
    return ActionStatus(
        action_id=_shape.ident(record.get("BackupId" if resource == "backup" else "RestoreId")) or action_id,
        vendor=NAME, state=state, vendor_status=word, targets=file_targets(resource, state, counts),
        errors=error_summary(summary), started_at=summary.get("started"),
        finished_at=(summary.get("finished") or changed) if terminal else None, raw=record,
        extra={"resource": resource, "api_version": V1, "state_changed_at": changed, "report": report})
