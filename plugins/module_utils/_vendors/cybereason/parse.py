# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason's parse side: an ``allActions`` answer -> ActionStatus list (docs/dev/vendors/cybereason.md).

Pure: any JSON value goes in; statuses or the collection's malformed-answer ``ApiError`` come out,
never another exception. It sends nothing and imports nothing from ``_http``: the session side
(``session.py``) scrubs the run's secrets from its errors.

A batch has no status word: ``finalState`` says it is over and ``globalStats.stats`` counts
sensors per outcome. Counts, ids and flags are read through ``_shape``: a count is a whole number
of ASCII digits at least 0 (a fraction, a boolean, a negative number or "²" is a malformed answer,
never read as 0, which could hide failed sensors).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import Shape, describe, digits, enum, text, whole_number
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED,
    ActionStatus, error_entry, targets_dict,
)

NAME = "cybereason"
ACTIONS_PATH = "/rest/sensors/allActions"

# Every globalStats.stats key of the documented example (api-doc retrieveActions.html), of the
# recorded answer in demisto/content Packs/Cybereason/Integrations/Cybereason/test_data/
# fetch_scan_status_raw_response.json and of the recorded archive answer in rapid7/insightconnect-plugins
# plugins/cybereason/unit_test/payloads/archive_sensor.json.resp, by what it means for a sensor
# (docs/dev/vendors/cybereason.md "Stats keys"; no source defines the keys: the meaning is read from
# the key names and client code, and where that is silent the class that never passes wrongly).
# "Not applicable" keys (NotSupported, UnknownProbe, ProbeRemoved, UnauthorizedUser) count as failed:
# the sensor did not do what was asked. AbortTimeout is a failed sensor, not a cancel: the documented
# field table says ``abortTimeout`` means "aborted because of timeout settings on the sensor", which no
# person asked for. Aborted is a cancel (GET /rest/sensors/abort/{batchId}, abortSensor.html).
# Disconnected sensors may still run the action once they reconnect, so they stay pending until the
# server sets finalState.
# The upgrade and uninstall keys: a package downloaded is a step, not an outcome (pending, so failed
# if the batch ends there); a version, package, certificate, self-protection, uninstaller or OS that
# stops the sensor is failed. ``Uninstalled`` is a success only for an uninstall batch
# (ACTION_STATS_CLASS); in any other batch the sensor is gone, which no other action asks for.
STATS_CLASSES = {
    "succeeded": ("Succeeded", "AlreadyUpdated", "NewerInstalled"),
    "failed": ("Failed", "FailedSending", "FailedSendingToServer", "MsiSendFail", "MsiFileCorrupted",
               "Timeout", "TimeoutSending", "EndedWithSensorTimeout", "EndedWithUnknownError",
               "EndedWithInvalidParam", "EndedWithTooManySearches", "EndedWithTooManyResults",
               "EndedWithUnsupportedFilter", "EndedWithNoValidFolder", "EndedWithYaraCompileError",
               "BadArgument", "InvalidState", "NotSupported", "UnknownProbe", "ProbeRemoved",
               "UnauthorizedUser", "AbortTimeout",
               "IncompatibleVersionInstalled", "MissingPackageFromFileSystem", "InvalidCertificate",
               "SelfProtectEnabled", "UninstallerLaunchFailure", "OsNotSupportedForUninstallation", "Uninstalled"),
    "cancelled": ("Aborted",),
    "pending": ("Pending", "Started", "InProgress", "Primed", "GettingChunks", "ChunksRequired",
                "SendingMsi", "SendingPlatform", "partialResponse", "None", "null", "Disconnected", "Aborting",
                "UpgradePackageDownloaded", "NewPackageDownloaded"),
}
STATS_CLASS = dict((key, name) for name, keys in STATS_CLASSES.items() for key in keys)
# Keys whose class depends on the batch's ``actionType`` (lower case, compared without regard to
# case): the uninstall action (POST /rest/sensors/action/uninstall, forensic-security/cybereason
# src/cybereason/sensors.py ``uninstall_sensor``) is named "Uninstall" by the pattern of the
# documented action types (Upgrade, Restart, Archive); a batch of any other or no actionType,
# a differently named uninstall included, keeps ``Uninstalled`` failed (never a wrong success).
ACTION_STATS_CLASS = {"uninstall": {"Uninstalled": "succeeded"}}
# Why a key counts as failed, where its name alone does not say so.
FAILED_NOTES = {"Uninstalled": "the sensor was uninstalled, a success only for an Uninstall batch"}
COUNT_NAMES = ("succeeded", "failed", "cancelled", "pending", "unknown")
# finalState and abortTimeout: JSON booleans, or these words (the recorded answer in demisto/content's
# Cybereason test_data sends ``"finalState": "true"``).
FLAG_WORDS = {"true": True, "false": False}


def shape_error(what, body=None):
    """The collection's malformed-answer error for an allActions answer (status 200)."""
    return ApiError(
        "Cybereason answered GET %s with an unexpected shape: %s. The collection cannot judge the batches "
        "from it; if the server is healthy, report this with the answer." % (ACTIONS_PATH, what), 200, body)


class ItemShape(Shape):
    """One allActions record being read: a surprise is ``shape_error`` naming the item and the field."""

    def __init__(self, item, index):
        Shape.__init__(self, "Cybereason GET %s" % ACTIONS_PATH, item)
        self.item, self.index = item, index

    def fail(self, path, what):
        raise shape_error("item %d (batchId %.40r): %s %s" % (self.index, self.item.get("batchId"), path, what),
                          self.item)

    def sensors(self, value, path):
        """A number of sensors (``Shape.count``: ASCII digits in a string too); null is 0."""
        return self.count(value, path, missing=0)

    def flag(self, field):
        """A boolean field: JSON true or false, or the words ``FLAG_WORDS``; absent or null is false."""
        value = self.item.get(field)
        if value is None or isinstance(value, bool):
            return bool(value)
        found = enum(value, FLAG_WORDS)
        if found is None:
            return self.fail(field, "is %s, not true or false" % describe(value))
        return found


def batches(body):
    """``body`` when it is a list of objects (each a batch), else ``shape_error``."""
    if not isinstance(body, list):
        raise shape_error("the answer is %s, not a list of batches" % describe(body), body)
    for index, item in enumerate(body):
        if not isinstance(item, dict):
            raise shape_error("item %d is %s, not a batch object" % (index, describe(item)), body)
    return body


def parse_actions(body, wanted):
    """``{action_id: ActionStatus}`` for the wanted batch keys (``{"-5": ["-5", " -5"]}``, see
    ``batch_key``) found in an allActions answer."""
    found = {}
    for index, item in enumerate(batches(body)):
        for action_id in wanted.get(item_key(item.get("batchId")), []):
            found[action_id] = parse_item(item, index)
    return found


def parse_listing(body, action_types=None):
    """Every batch of an allActions answer (only ``action_types``, without regard to case, if given)."""
    types = set(str(t).lower() for t in action_types or [])
    return [parse_item(item, index) for index, item in enumerate(batches(body))
            if not types or (text(item.get("actionType")) or "").lower() in types]


def parse_item(item, index=0):
    """One allActions record -> ActionStatus. The stats are counted; the record stays untouched.
    A field of an unexpected type raises ``shape_error`` naming the item and the field."""
    shape = ItemShape(item, index)
    if item_key(item.get("batchId")) is None:
        shape.fail("batchId", "is %s, not a whole number" % describe(item.get("batchId")))
    stats = stats_of(shape)
    numbers = dict((key, shape.sensors(value, "globalStats.stats[%r]" % key)) for key, value in stats.items())
    final = shape.flag("finalState")
    timed_out_flag = shape.flag("abortTimeout")
    person = aborted_by_person(item, numbers, timed_out_flag)
    timed_out = timed_out_flag and not person
    action_type = item.get("actionType")
    counts, unknown = count_stats(numbers, action_type)
    reported = shape.sensors(item.get("totalNumberOfProbes"), "totalNumberOfProbes")
    counted = sum(counts.values())
    total = max(reported, counted)
    unaccounted = total - counted
    moved = counted - numbers.get("Pending", 0)
    counts["pending"] += unaccounted
    errors = stats_errors(numbers, unknown, action_type)
    errors += unaccounted_errors(final, unaccounted, total)
    errors += abort_errors(item, person, timed_out)
    return ActionStatus(
        action_id=item.get("batchId"), vendor=NAME,
        state=state_of(final, person, moved, counts, total),
        vendor_status=vendor_status(final, person, timed_out, numbers),
        targets=targets_of(counts, total),
        errors=errors,
        started_at=epoch_iso(item.get("startTime")),
        finished_at=epoch_iso(item.get("abortTime")) if person or timed_out else None,
        raw=item,
        extra={"action_type": action_type, "stats": stats, "sensors": counts,
               "unknown_stats": unknown})


def stats_of(shape):
    """``globalStats.stats`` as a dict (the record's own object); absent or null is no stats."""
    global_stats = shape.field(shape.item, "globalStats", dict, "")
    if global_stats is None:
        return {}
    stats = shape.field(global_stats, "stats", dict, "globalStats")
    return {} if stats is None else stats


def stats_class(key, action_type=None):
    """The class of stats ``key`` in a batch of ``action_type`` (``ACTION_STATS_CLASS``, then
    ``STATS_CLASS``), or None for a key the tables do not know."""
    special = ACTION_STATS_CLASS.get((text(action_type) or "").strip().lower())
    if special and key in special:
        return special[key]
    return STATS_CLASS.get(key)


def count_stats(numbers, action_type=None):
    """Sensor counts per class, plus every key the table does not know (reported, counted as unknown)."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    unknown = {}
    for key, number in numbers.items():
        name = stats_class(key, action_type)
        if name is None:
            unknown[key] = number
            name = "unknown"
        counts[name] += number
    return counts, unknown


def targets_of(counts, total):
    """Sensor counts for the gate: aborted, unknown-key and failed sensors never succeed, so they
    count as failed at once; the rest is pending. Once the batch is terminal, _status.settle
    counts every sensor that did not succeed as failed (the one target-accounting rule)."""
    return targets_dict(total=total, succeeded=counts["succeeded"],
                        failed=counts["failed"] + counts["cancelled"], pending=counts["pending"] + counts["unknown"])


def state_of(final, person, moved, counts, total):
    """The state table. Only ``finalState`` ends a batch (retrieveActions.html). A final batch is
    cancelled when a person aborted it; otherwise it is judged by its sensors, and a final batch
    with no sensors at all is failed: nothing shows that it worked (fail safe)."""
    if not final:
        return RUNNING if moved else PENDING
    if person:
        return CANCELLED
    if total and counts["succeeded"] >= total:
        return SUCCEEDED
    return PARTIAL if counts["succeeded"] else FAILED


def aborted_by_person(item, numbers, timed_out):
    """A cancel a person asked for: an ``aborterUser`` (any value but null or ""), or sensors
    counted ``Aborted``, or an ``abortTime`` without ``abortTimeout`` (who aborted is then unknown:
    fail safe, a cancel). Any ``abortTime`` but null, 0 and "" counts, whatever its type."""
    if item.get("aborterUser") not in (None, ""):
        return True
    if numbers.get("Aborted"):
        return True
    return item.get("abortTime") not in (None, 0, "0", "") and not timed_out


def vendor_status(final, person, timed_out, numbers):
    """Cybereason has no status word: ``final`` or ``in progress``, the abort, and the non-zero stats."""
    words = "final" if final else "in progress"
    if person:
        words += ", aborted"
    elif timed_out:
        words += ", aborted by sensor timeout"
    nonzero = ["%s=%d" % (key, number) for key, number in numbers.items() if number]
    return "%s: %s" % (words, ", ".join(nonzero) or "no sensors")


def stats_errors(numbers, unknown, action_type=None):
    """One entry per failed or aborted stats key with sensors, and per key the table does not know."""
    errors = [error_entry(key, _sensors(number) + (" (%s)" % FAILED_NOTES[key] if key in FAILED_NOTES else ""))
              for key, number in numbers.items()
              if stats_class(key, action_type) in ("failed", "cancelled") and number]
    errors.extend(error_entry(key, "%s with a stats key this collection does not know (not a success)"
                              % _sensors(number)) for key, number in unknown.items() if number)
    return errors


def unaccounted_errors(final, unaccounted, total):
    if not final:
        return []
    if not total:
        return [error_entry("batch", "final batch reports no sensors and no stats, so nothing shows it worked "
                                     "(counted as failed)")]
    if unaccounted:
        return [error_entry("batch", "%s of totalNumberOfProbes missing from the stats (not a success)"
                            % _sensors(unaccounted))]
    return []


def abort_errors(item, person, timed_out):
    if not person and not timed_out:
        return []
    who = item.get("aborterUser")
    if timed_out:
        why = "aborted by a sensor timeout (abortTimeout), not by a person"
    else:
        why = "aborted by %s" % (who if who not in (None, "") else "unknown")
    return [error_entry("batch", why, epoch_iso(item.get("abortTime")))]


def _sensors(number):
    return "%d sensor%s" % (number, "" if number == 1 else "s")


def batch_key(action_id):
    """A batch id the user gave as the key ``item_key`` gives the same batch: batch ids are signed
    integers (``-2012506538`` in the documented example), ASCII digits only, ``+`` allowed."""
    given = str(action_id).strip()
    number = digits(given[1:] if given.startswith("+") else given, signed=True)
    if number is None:
        raise ConfigError("Cybereason batch ids are whole numbers (often negative), not %.60r." % (action_id,))
    return str(number)


def item_key(value):
    """An allActions ``batchId`` as a batch key, or None when it is not a whole number (an int, or
    ASCII digits with an optional ``-`` in a string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    number = digits(value, signed=True)
    return None if number is None else str(number)


def epoch_iso(value):
    """Epoch milliseconds (``startTime``, ``abortTime``) as ISO-8601 UTC, or None (also for values
    that are not a whole number or not a plausible time: these fields only inform)."""
    millis = whole_number(value)
    if not millis:
        return None
    try:
        stamp = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)
