# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""What the v1.0 and v2 backup and restore parsers share: the state tables, the counts, files as
targets and the error entry. Pure: no request is sent from here.

The state words, the v1.0 spellings and why files are the targets: docs/dev/vendors/rackspace.md
("Backup and restore states", "Files as targets").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN, error_entry, targets_dict,
)

NAME = "rackspace_backup"
LABEL = "Rackspace Cloud Backup"
V1, V2 = "v1.0", "v2"
API_VERSIONS = (V1, V2)
# The last sentence of every malformed-answer error (``_shape.Shape``).
ADVICE = "If the service is healthy, report this with the API version (v1.0 or v2)."
# A file count above this is not one Cloud Backup sends (nor one a JSON number holds exactly in
# most parsers): a malformed answer, not a count of files.
MAX_COUNT = 2 ** 53

# v2 ``state`` -> normalised state. The terminal set is the one the 409 of PATCH lists:
# completed, completed_with_errors, failed, stopped, skipped, missed. v1.0 words are the same in
# CamelCase, plus Creating, and are matched as snake_case (``parse_v1.snake``).
BACKUP_STATES = {
    "start_requested": PENDING,
    "start_scheduled": PENDING,
    "queued": PENDING,
    "preparing": RUNNING,
    "in_progress": RUNNING,
    "stop_requested": RUNNING,
    "completed": SUCCEEDED,
    "completed_with_errors": PARTIAL,
    "failed": FAILED,
    "missed": FAILED,
    "skipped": FAILED,
    "stopped": CANCELLED,
}
# Restores have no start_scheduled, missed or skipped: any of those reads as unknown.
RESTORE_STATES = dict((k, v) for k, v in BACKUP_STATES.items() if k not in ("start_scheduled", "missed", "skipped"))
STATE_TABLES = {
    (V2, "backup"): BACKUP_STATES,
    (V2, "restore"): RESTORE_STATES,
    (V1, "backup"): dict(BACKUP_STATES, creating=PENDING),
    (V1, "restore"): dict(RESTORE_STATES, creating=PENDING),
}
# completed_with_errors: partial lets allowed_failures (counted in files) decide.
COMPLETED_WITH_ERRORS = {"partial": PARTIAL, "success": SUCCEEDED, "failure": FAILED}


def shape(where, body=None):
    """The reader of one Cloud Backup answer: its surprises are malformed-answer ApiErrors naming ``where``."""
    return _shape.Shape("%s %s" % (LABEL, where), body, ADVICE)


def count(reader, value, path):
    """A documented count (``_shape`` rules: v1.0 reports send "11936" as text); None when absent
    or null; anything else, or a count too large to be one, is a malformed answer."""
    number = reader.count(value, path)
    if number is not None and number > MAX_COUNT:
        reader.fail(path, "is too large to be a count")
    return number


def state_of(key, version, resource, completed_with_errors="partial"):
    """The normalised state of a state word (v1.0 words already in snake_case). A word the table
    lacks is unknown, never an outcome; completed_with_errors follows the option."""
    state = _shape.enum(key, STATE_TABLES[(version, resource)], UNKNOWN, fold=False)
    if state == PARTIAL:
        return COMPLETED_WITH_ERRORS.get(completed_with_errors or "partial", PARTIAL)
    return state


def file_targets(resource, state, counts):
    """Targets are files, so ``allowed_failures`` is a number or share of files with errors.

    - A backup's base is ``files_searched`` (v1.0 ``FilesSearched``): ``files_backed_up`` is
      only the files changed since the last backup, no base for a share. A restore's base is
      the files restored plus the files with errors.
    - Where the counts are missing, or the errors outnumber the base, the error count is the
      whole base and nothing counts as succeeded: it cannot pass (fails safe).
    - A failed, missed, skipped or stopped run counts every file as failed.
    """
    errors, searched, good = counts.get("errors"), counts.get("searched"), counts.get("good")
    base = searched if resource == "backup" else (None if good is None else good + (errors or 0))
    if state == SUCCEEDED:  # completed, or completed_with_errors accepted by the option
        total = base if base is not None else (good or 0)
        return targets_dict(total=total, succeeded=total, failed=0)
    if state == PARTIAL:
        if not errors:  # with errors, yet no count of them (or a count of 0): unknown, so never a pass
            total = max(base or 0, 1)
            return targets_dict(total=total, succeeded=0, failed=total)
        if base is None or base < errors:
            return targets_dict(total=errors, succeeded=0, failed=errors)
        return targets_dict(total=base, succeeded=base - errors, failed=errors)
    if state in (FAILED, CANCELLED):
        total = max(base or 0, errors or 0, 1)
        return targets_dict(total=total, succeeded=0, failed=total)
    return targets_dict(total=0)


def error_summary(report):
    """One error entry for a backup or restore with errors (none when it reports none)."""
    if not report.get("count") and not report.get("reason"):
        return []
    found = report.get("count") or 0
    message = "%s: %s (%d errors)" % (report.get("reason") or "error", report.get("diagnostics") or "no diagnostics", found)
    entry = error_entry(report.get("target"), message, report.get("time") or report.get("finished"))
    entry.update(count=found, reason=report.get("reason"), diagnostics=report.get("diagnostics"))
    if report.get("paths"):
        entry["paths"] = report["paths"]
    return [entry]


def ref_id(value):
    """The id of a reference such as ``{"id": ..., "links": [...]}`` (``_shape.ident``), or None."""
    return _shape.ident(value.get("id")) if isinstance(value, dict) else None
