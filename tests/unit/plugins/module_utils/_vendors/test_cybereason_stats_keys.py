"""Cybereason's upgrade and uninstall stats keys on the status side, from the recorded answer that
carries them (rapid7/insightconnect-plugins, tests/unit/fixtures/recorded/cybereason/
rapid7_archive_sensor_response.json) and batches built from it (docs/dev/vendors/cybereason.md
"Stats keys")."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason import (
    ACTION_STATS_CLASS, STATS_CLASS, stats_class,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.parse import (
    STATS_CLASSES, parse_item, parse_listing,
)

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "cybereason"
RAPID7 = json.loads((RECORDED / "rapid7_archive_sensor_response.json").read_text())["answer"][0]
UPGRADE_KEYS = ("UpgradePackageDownloaded", "NewPackageDownloaded")
FAILURE_KEYS = ("IncompatibleVersionInstalled", "MissingPackageFromFileSystem", "InvalidCertificate",
                "SelfProtectEnabled", "UninstallerLaunchFailure", "OsNotSupportedForUninstallation")


def batch(action_type, final, **counts):
    """The recorded batch as an ``action_type`` batch of sum(counts) sensors with these stats."""
    item = copy.deepcopy(RAPID7)
    stats = item["globalStats"]["stats"]
    for key in stats:
        stats[key] = 0
    stats.update(counts)
    item.update(actionType=action_type, finalState=final, totalNumberOfProbes=sum(counts.values()))
    return item


def test_every_key_of_every_recorded_answer_is_classified():
    keys = set()
    for path in sorted(RECORDED.glob("*.json")):
        for item in json.loads(path.read_text())["answer"]:
            keys |= set((item.get("globalStats") or {}).get("stats") or {})
    assert len(keys) >= 47 and keys <= set(STATS_CLASS), sorted(keys - set(STATS_CLASS))


def test_the_recorded_answer_parses_with_no_unknown_key():
    status = parse_item(RAPID7)
    assert (status.state, status.action_id, status.extra["action_type"]) == ("succeeded", "-12345678", "Archive")
    assert status.extra["unknown_stats"] == {} and status.targets["total"] == 1
    assert len(status.extra["stats"]) == 47


def test_each_key_is_in_one_class_only():
    seen = [key for keys in STATS_CLASSES.values() for key in keys]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("key", UPGRADE_KEYS)
def test_a_package_downloaded_is_in_flight_then_failed_if_the_batch_ends_there(key):
    running = parse_item(batch("Upgrade", False, **{"Succeeded": 1, key: 2}))
    assert (running.state, running.terminal) == ("running", False)
    assert running.targets == {"total": 3, "succeeded": 1, "failed": 0, "pending": 2}
    assert running.errors == []
    ended = FailurePolicy("0").apply(parse_item(batch("Upgrade", True, **{"Succeeded": 1, key: 2})))
    assert ended.state == "partial" and ended.succeeded is False
    assert ended.targets == {"total": 3, "succeeded": 1, "failed": 2, "pending": 0}


@pytest.mark.parametrize("key", FAILURE_KEYS)
@pytest.mark.parametrize("action_type", ["Upgrade", "Uninstall", "Restart"])
def test_an_upgrade_or_uninstall_failure_key_is_a_failed_sensor_at_once(key, action_type):
    status = parse_item(batch(action_type, False, **{"Pending": 1, key: 1}))
    assert status.targets == {"total": 2, "succeeded": 0, "failed": 1, "pending": 1}
    assert [e["target"] for e in status.errors] == [key]
    assert stats_class(key, action_type) == "failed"


@pytest.mark.parametrize("action_type", ["Uninstall", "uninstall", " UNINSTALL "])
def test_uninstalled_is_a_success_of_an_uninstall_batch(action_type):
    status = parse_item(batch(action_type, True, Uninstalled=3))
    assert status.state == "succeeded" and status.targets["succeeded"] == 3 and status.errors == []


@pytest.mark.parametrize("action_type", ["Upgrade", "Restart", "SchedulerScan", "UninstallSensor", None, 7, ""])
def test_uninstalled_is_a_failure_of_any_other_batch(action_type):
    """For an upgrade the sensor is gone: a failure; a batch of no or another actionType (an
    uninstall named otherwise included) keeps it failed, never a wrong success."""
    status = FailurePolicy("0").apply(parse_item(batch(action_type, True, Succeeded=1, Uninstalled=1)))
    assert status.state == "partial" and status.succeeded is False
    assert status.targets == {"total": 2, "succeeded": 1, "failed": 1, "pending": 0}
    assert status.errors == [{"target": "Uninstalled", "message": "1 sensor (the sensor was uninstalled, a success only "
                                                                  "for an Uninstall batch)", "time": None}]


def test_an_uninstall_that_self_protection_blocks_is_failed():
    status = parse_item(batch("Uninstall", True, Uninstalled=1, SelfProtectEnabled=1, OsNotSupportedForUninstallation=1))
    assert status.state == "partial" and status.targets["failed"] == 2
    assert sorted(e["target"] for e in status.errors) == ["OsNotSupportedForUninstallation", "SelfProtectEnabled"]


def test_the_action_type_table_only_turns_failures_into_successes_for_the_action_named():
    assert ACTION_STATS_CLASS == {"uninstall": {"Uninstalled": "succeeded"}}
    assert STATS_CLASS["Uninstalled"] == "failed"
    assert stats_class("Succeeded", "Uninstall") == "succeeded" and stats_class("BrandNew", "Uninstall") is None


def test_listing_keeps_the_classes_per_batch():
    body = [batch("Uninstall", True, Uninstalled=2), batch("Upgrade", True, Uninstalled=2)]
    body[1]["batchId"] = 5
    states = [s.state for s in parse_listing(body)]
    assert states == ["succeeded", "failed"]
