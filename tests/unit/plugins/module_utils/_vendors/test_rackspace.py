"""Rackspace Cloud Backup: state tables from recorded payloads, helpers, and the vendor classes
without a socket (the simulator tests are tests/integration/module_utils/test_rackspace_vendor_sockets.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.identity import (
    endpoint_base, identity_credentials,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_events import event_state, next_marker
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_identity import parse_access
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import (
    RackspaceBackupAgentEvents, RackspaceBackupStatus,
)

FIXTURES = Path(__file__).parents[3] / "fixtures" / "rackspace"
BACKUPS = json.loads((FIXTURES / "backups.json").read_text())
RESTORES = json.loads((FIXTURES / "restores.json").read_text())
AGENT_EVENTS = json.loads((FIXTURES / "agent_events.json").read_text())
IDENTITY = json.loads((FIXTURES / "identity.json").read_text())
AGENT = "8f135b4f-7a69-4b8a-947f-5e80d772fd97"
TOKEN = "t" * 32


def options(**values):
    settings = dict((name, spec.get("default")) for name, spec in WAIT_SPEC.items())
    settings.update({"url": "http://127.0.0.1:9", "token": TOKEN, "identity_url": None, "resource": "backup",
                     "completed_with_errors": "partial", "agent_id": AGENT, "limit": 100, "sort_dir": "asc"})
    settings.update(values)
    return settings


def status_vendor(**values):
    return RackspaceBackupStatus(options(**values))


# ---- state tables ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, state, terminal, targets", [
    ("completed", "succeeded", True, (1222, 1222, 0, 0)),
    # the base is files_searched (1222), not files_backed_up (6: only the files changed since the last backup)
    ("completed_with_errors", "partial", True, (1222, 1221, 1, 0)),
    # terminal and not succeeded: every file counts as failed (the one target rule)
    ("failed", "failed", True, (1222, 0, 1222, 0)),
    ("failed_without_count", "failed", True, (1222, 0, 1222, 0)),
    ("missed", "failed", True, (1222, 0, 1222, 0)),
    ("skipped", "failed", True, (1222, 0, 1222, 0)),
    ("stopped", "cancelled", True, (1222, 0, 1222, 0)),
    ("start_requested", "pending", False, (0, 0, 0, 0)),
    ("start_scheduled", "pending", False, (0, 0, 0, 0)),
    ("queued", "pending", False, (0, 0, 0, 0)),
    ("preparing", "running", False, (0, 0, 0, 0)),
    ("in_progress", "running", False, (0, 0, 0, 0)),
    ("stop_requested", "running", False, (0, 0, 0, 0)),
    ("novel", "unknown", False, (0, 0, 0, 0)),
])
def test_backup_state_table(name, state, terminal, targets):
    record = BACKUPS[name]
    status = status_vendor().parse(record)
    assert (status.state, status.terminal, status.vendor_status) == (state, terminal, record["state"])
    assert tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending")) == targets
    assert status.raw is record and status.action_id == record["id"]


@pytest.mark.parametrize("name, state", [
    ("completed", "succeeded"), ("completed_with_errors", "partial"), ("failed", "failed"),
    ("stopped", "cancelled"), ("start_requested", "pending"), ("in_progress", "running"),
    ("missed", "unknown"),  # not a restore state in the docs: never read as an outcome
])
def test_restore_state_table(name, state):
    status = status_vendor(resource="restore").parse(RESTORES[name])
    assert status.state == state and status.extra == {"resource": "restore", "api_version": "v2"}


@pytest.mark.parametrize("allowed, option, succeeded", [
    ("0", "partial", False), ("1", "partial", True), ("1%", "partial", True), ("0.05%", "partial", False),
    ("0", "success", True), ("5", "failure", False)])
def test_completed_with_errors_policy(allowed, option, succeeded):
    status = status_vendor(completed_with_errors=option).parse(BACKUPS["completed_with_errors"])
    assert FailurePolicy(allowed).apply(status).succeeded is succeeded


@pytest.mark.parametrize("name", ["failed", "missed", "skipped", "stopped", "novel", "in_progress"])
def test_no_failure_allowance_turns_these_into_success(name):
    assert FailurePolicy("100%").apply(status_vendor().parse(BACKUPS[name])).succeeded is False


def test_errors_carry_count_reason_and_diagnostics():
    status = status_vendor().parse(BACKUPS["completed_with_errors"])
    assert status.errors == [{
        "target": AGENT, "time": "2014-08-05T18:23:50.489715Z", "count": 1, "reason": "unable_to_process_some_files",
        "diagnostics": "Some files could not be backed up. Partial list follows.",
        "message": "unable_to_process_some_files: Some files could not be backed up. Partial list follows. (1 errors)"}]
    assert status.started_at == "2014-08-05T18:22:22.238641Z" and status.finished_at == "2014-08-05T18:23:50.489715Z"
    restore = status_vendor(resource="restore").parse(RESTORES["failed"])
    assert restore.errors[0]["target"] == "74124b09-5bd3-4436-b3e4-87ef362e4df5" and restore.errors[0]["count"] == 2
    assert status_vendor().parse(BACKUPS["completed"]).errors == []


def test_record_without_state_is_an_api_error():
    with pytest.raises(ApiError, match="Rackspace Cloud Backup GET /backups/<id> answered with an unexpected shape: state is missing"):
        status_vendor().parse({"id": "x"})


# ---- agent events ------------------------------------------------------------------------------

def events_vendor(**values):
    vendor = RackspaceBackupAgentEvents(options(**values))
    vendor.remember(AGENT_EVENTS["events"])
    return vendor


@pytest.mark.parametrize("request_id, state, vendor_status", [
    ("ae7528c8-bcc3-4356-a237-f20fbdd79ee4", "failed", "vault_db_download_failed"),
    ("a533a845-4279-4838-af13-276114e90234", "succeeded", "logfile_completed"),
    ("4a0d123c-43ac-4556-a232-6c3a8c00d4ce", "unknown", "configuration_changed"),
    ("expired-before-first-read", "unknown", "no_events"),
])
def test_request_state_from_latest_event(request_id, state, vendor_status):
    vendor = events_vendor()
    status = vendor.request_status(request_id, vendor.by_request.get(request_id, []))
    assert (status.state, status.vendor_status) == (state, vendor_status)
    assert FailurePolicy("100%").apply(status).succeeded is (state == "succeeded")


def test_request_status_details():
    vendor = events_vendor()
    download = vendor.request_status("ae7528c8-bcc3-4356-a237-f20fbdd79ee4", vendor.by_request["ae7528c8-bcc3-4356-a237-f20fbdd79ee4"])
    assert [e["event"] for e in download.extra["events"]] == [
        "vault_db_download_in_progress", "vault_db_download_completed", "vault_db_download_failed"]
    assert download.started_at == "2014-10-09T12:26:22.233501Z" and download.finished_at == "2014-10-09T12:26:24.233501Z"
    assert download.errors[0]["message"].startswith("vault_db_download_failed")
    missing = vendor.request_status("gone", [])
    assert "about a minute" in missing.errors[0]["message"] and "'gone'" in missing.errors[0]["message"]
    assert vendor.marker == "5650135596"


@pytest.mark.parametrize("name, state", [
    ("vault_db_download_in_progress", "running"), ("logfile_upload", "running"), ("logfile_started", "running"),
    ("logfile_completed", "succeeded"), ("vault_db_download_failed", "failed"), ("agent_heartbeat", "unknown"),
    ("backup_completed_maybe", "unknown")])
def test_event_state_table(name, state):
    assert event_state(name) == state


def test_event_types_filter_and_dedup():
    vendor = events_vendor(event_types=["vault_db_*"])
    vendor.remember(AGENT_EVENTS["events"])  # read twice: remembered once
    assert len(vendor.events) == 15
    assert [e["event"] for e in vendor.wanted(vendor.events)] == [
        "vault_db_download_in_progress", "vault_db_download_completed", "vault_db_download_failed"]


def test_next_marker_from_link_marker_not_host():
    assert next_marker(AGENT_EVENTS, AGENT_EVENTS["events"]) == "5650135596"
    assert next_marker({}, [{"id": "7"}]) == "7"


# ---- endpoint, identity and credentials --------------------------------------------------------

@pytest.mark.parametrize("url, project, expected", [
    ("https://dfw.backup.api.rackspacecloud.com", "110011", "https://dfw.backup.api.rackspacecloud.com/v2/110011"),
    ("https://dfw.backup.api.rackspacecloud.com/", None, "https://dfw.backup.api.rackspacecloud.com/v2"),
    ("https://dfw.backup.api.rackspacecloud.com/v2", "1", "https://dfw.backup.api.rackspacecloud.com/v2/1"),
    ("https://dfw.backup.api.rackspacecloud.com/v2/110011", None, "https://dfw.backup.api.rackspacecloud.com/v2/110011"),
    ("https://dfw.backup.api.rackspacecloud.com/v2/110011/", "110011", "https://dfw.backup.api.rackspacecloud.com/v2/110011"),
    ("http://127.0.0.1:5000/rax/ord/v2/123456", None, "http://127.0.0.1:5000/rax/ord/v2/123456"),
])
def test_endpoint_base(url, project, expected):
    assert endpoint_base(url, project) == expected


def test_endpoint_base_refuses_two_projects():
    with pytest.raises(ConfigError, match="names project 110011 but project_id is 9"):
        endpoint_base("https://dfw.backup.api.rackspacecloud.com/v2/110011", "9")


def test_parse_access_picks_backup_endpoint_by_region():
    assert parse_access(IDENTITY, None) == ("0f6e9f63600142f0a970911583522217", "110011",
                                            "https://dfw.backup.api.rackspacecloud.com/v2/110011")
    assert parse_access(IDENTITY, "lon")[2] == "https://lon.backup.api.rackspacecloud.com/v2/110011"
    with pytest.raises(ConfigError, match="region SYD .*DFW, LON"):
        parse_access(IDENTITY, "SYD")


@pytest.mark.parametrize("values, message", [
    ({"token": None}, "needs token"),
    ({"url": None}, "A token alone"),
    ({"token": None, "api_key": "k" * 8}, "need username"),
    ({"token": None, "username": "u"}, "needs api_key"),
    ({"username": "u", "api_key": "k" * 8, "password": "p" * 8}, "not both"),
])
def test_credential_errors(values, message):
    with pytest.raises(ConfigError, match=message):
        RackspaceBackupStatus(options(**values))


def test_identity_body_forms():
    assert identity_credentials({"username": "u", "api_key": "k"})[1] == {
        "auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "u", "apiKey": "k"}}}
    assert identity_credentials({"username": "u", "password": "p"})[1] == {
        "auth": {"passwordCredentials": {"username": "u", "password": "p"}}}


def test_no_ids_for_status_is_a_config_error():
    with pytest.raises(ConfigError, match="needs the ids"):
        status_vendor().list_actions()


@pytest.mark.parametrize("limit", [0, -5, 1001])
def test_limit_outside_the_range_is_refused_before_any_request(limit):
    with pytest.raises(ConfigError, match="limit must be between 1 and 1000"):
        RackspaceBackupAgentEvents(options(limit=limit))


def test_all_pages_stops_when_the_server_ignores_marker():
    """A server that answers every marker with the same full page is read once, not MAX_PAGES times."""
    vendor = RackspaceBackupAgentEvents(options(limit=2))
    page = {"events": AGENT_EVENTS["events"][:2], "links": [{"rel": "next", "href": "/events?marker=1"}]}
    calls = []
    vendor.get = lambda path, params=None: calls.append(dict(params)) or page
    events = vendor.read(None, "asc", all_pages=True)
    assert [e["id"] for e in events] == [e["id"] for e in page["events"]]
    assert len(calls) == 2
