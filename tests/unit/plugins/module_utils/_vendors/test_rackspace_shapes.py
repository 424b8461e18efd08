"""Rackspace Cloud Backup: v1.0 state and reports, endpoints by version, recorded answers from the
vendor's docs, and every parser fed arbitrary JSON (hypothesis).

Every parser (v2 backup and restore, v1.0 backup and restore with their reports, agent events,
the Identity answer) must give statuses or the collection's own error naming Cloud Backup (or
Rackspace Identity), the call and what was unexpected: never a Python exception. The number of
examples run per parser is printed at the end of the module's run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionGateError, ApiError, ConfigError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._status import ActionStatus, FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.identity import endpoint_base, split_endpoint
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_events import next_marker, parse_events
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_identity import parse_access
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_v1 import net_date, snake
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import (
    RackspaceBackupAgentEvents, RackspaceBackupStatus,
)
from tests.unit.plugins.module_utils._vendors.json_shapes import examples, json_values, mutated, print_line

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "rackspace"
COUNTS = Counter()
EXAMPLES = examples(300)


def recorded(name):
    """The vendor's answer of a recorded file (each names its source)."""
    data = json.loads((RECORDED / name).read_text())
    assert data["source"].startswith("https://github.com/rackerlabs/docs-cloud-backup/")
    return data["answer"]


def options(**values):
    settings_ = dict((name, spec.get("default")) for name, spec in WAIT_SPEC.items())
    settings_.update({"url": "https://dfw.backup.api.rackspacecloud.com/v1.0/123456", "token": "t" * 32,
                      "identity_url": None, "resource": "backup", "completed_with_errors": "partial",
                      "api_version": "auto"})
    settings_.update(values)
    return settings_


def vendor(version="v1.0", **values):
    status = RackspaceBackupStatus(options(**values))
    status.version = version
    return status


def parse_v1(record, report=None, **values):
    chosen = vendor(**values)
    path = ("/backup/%s" if chosen.resource == "backup" else "/restore/%s") % "92500"
    return chosen.parse_v1(record, "92500", path, report)


@pytest.fixture(scope="module", autouse=True)
def report_examples(request):
    yield
    line = "hypothesis examples run per Rackspace parser: %s" % ", ".join(
        "%s %d" % (name, COUNTS[name]) for name in sorted(COUNTS))
    print_line(request.config, line)


# ---- endpoints by version -----------------------------------------------------------------------

@pytest.mark.parametrize("url, project, version, expected", [
    # the real catalog's publicURL: v1.0 and the tenant (service-catalog-endpoint.rst)
    ("https://dfw.backup.api.rackspacecloud.com/v1.0/123456", None, None, "https://dfw.backup.api.rackspacecloud.com/v1.0/123456"),
    ("https://dfw.backup.api.rackspacecloud.com/v1.0/123456", None, "v2", "https://dfw.backup.api.rackspacecloud.com/v2/123456"),
    ("https://dfw.backup.api.rackspacecloud.com/v1.0/123456/", "123456", "v1.0", "https://dfw.backup.api.rackspacecloud.com/v1.0/123456"),
    ("https://dfw.backup.api.rackspacecloud.com", "110011", None, "https://dfw.backup.api.rackspacecloud.com/v2/110011"),
    ("https://dfw.backup.api.rackspacecloud.com", "110011", "v1.0", "https://dfw.backup.api.rackspacecloud.com/v1.0/110011"),
    ("https://dfw.backup.api.rackspacecloud.com/v1.0", None, None, "https://dfw.backup.api.rackspacecloud.com/v1.0"),
    ("http://127.0.0.1:5000/rax/ord/v1.0/123456", None, "v2", "http://127.0.0.1:5000/rax/ord/v2/123456"),
    ("https://h/v2", "a/b", None, "https://h/v2/a%2Fb"),  # a project is one path segment
])
def test_endpoint_by_version(url, project, version, expected):
    assert endpoint_base(url, project, version) == expected


@pytest.mark.parametrize("url, message", [
    ("https://h/v1.0/123456/backup", "goes past <version>/<project_id>"),
    ("https://h/v3/123456", "names API version v3"),
])
def test_endpoint_refusals(url, message):
    with pytest.raises(ConfigError, match=message):
        split_endpoint(url)


def test_real_catalog_picks_region_then_default_region():
    access = recorded("identity_v1_catalog.json")
    assert parse_access(access, "syd")[2] == "https://syd.backup.api.rackspacecloud.com/v1.0/123456"
    token, tenant, endpoint = parse_access(access, None)  # the user's default region, DFW
    assert (tenant, endpoint) == ("123456", "https://dfw.backup.api.rackspacecloud.com/v1.0/123456")
    with pytest.raises(ConfigError, match=r"region LON .*\(regions with one: DFW, HKG, IAD, ORD, SYD\)"):
        parse_access(access, "LON")


def test_api_version_choice():
    assert vendor(None).api_version("v1.0") == "v1.0"
    assert vendor(None).api_version(None) == "v2"  # a bare host keeps the v2 paths
    assert vendor(None, api_version="v2").api_version("v1.0") == "v2"
    assert vendor(None, api_version="v1.0").api_version(None) == "v1.0"


def test_v1_ids_are_numbers_and_one_segment():
    with pytest.raises(ConfigError, match="v1.0 backup ids are numbers .* set api_version=v2"):
        vendor().path_id("0d95d699-d16b-11e4-93bd-c8e0eb190e3d")
    assert vendor().path_id("134332") == "134332"
    assert vendor("v2").path_id("../x?y") == "..%2Fx%3Fy"
    with pytest.raises(ConfigError):
        vendor("v2").path_id("..")


# ---- v1.0 state and reports ---------------------------------------------------------------------

V1_WORDS = {  # get-list-backup-details-v1.0-tenant-id-backup-backupid.rst, and Creating from rcbu
    "Queued": "pending", "StartRequested": "pending", "StartScheduled": "pending", "Creating": "pending",
    "Preparing": "running", "InProgress": "running", "StopRequested": "running",
    "Completed": "succeeded", "CompletedWithErrors": "partial",
    "Failed": "failed", "Skipped": "failed", "Missed": "failed", "Stopped": "cancelled",
    "Exploded": "unknown", "": "unknown",
}


@pytest.mark.parametrize("word, state", sorted(V1_WORDS.items()))
def test_v1_backup_state_words(word, state):
    record = dict(recorded("v1_backup_details.json"), CurrentState=word)
    status = parse_v1(record)
    assert (status.state, status.vendor_status) == (state, word)
    assert FailurePolicy("100%").apply(status).succeeded is (state == "succeeded")


def test_v1_backup_details_from_the_docs():
    status = parse_v1(recorded("v1_backup_details.json"))
    assert (status.action_id, status.state, status.terminal) == ("134332", "pending", False)
    assert status.extra["state_changed_at"] == "2013-01-18T17:28:17.000Z" and status.finished_at is None
    assert status.extra["api_version"] == "v1.0" and status.raw["MachineName"] == "Web Server"


def test_v1_completed_with_errors_counts_files_searched_not_files_backed_up():
    record = dict(recorded("v1_backup_details.json"), CurrentState="CompletedWithErrors", BackupId=92500)
    status = parse_v1(record, recorded("v1_backup_report.json"))
    # 2 files with errors among the 11936 searched; FilesBackedUp (6) only counts changed files
    assert status.targets == {"total": 11936, "succeeded": 11934, "failed": 2, "pending": 0}
    assert status.errors[0]["count"] == 2 and status.errors[0]["paths"][0].endswith("tempdb.mdf")
    assert (status.started_at, status.finished_at) == ("2012-10-24T22:46:00.000Z", "2012-10-24T22:50:33.000Z")
    assert FailurePolicy("2").apply(status).succeeded is True
    assert FailurePolicy("1").apply(status).succeeded is False
    assert FailurePolicy("0").apply(status).succeeded is False
    assert status.extra["report"]["NumErrors"] == 2


def test_v1_completed_with_errors_without_a_report_never_passes():
    record = dict(recorded("v1_backup_details.json"), CurrentState="CompletedWithErrors")
    status = parse_v1(record, None)
    assert status.targets == {"total": 1, "succeeded": 0, "failed": 1, "pending": 0}
    assert status.errors[0]["reason"] == "no_report" and "unknown" in status.errors[0]["message"]
    assert FailurePolicy("100%").apply(status).succeeded is False


@pytest.mark.parametrize("number, state", [(0, "pending"), (1, "pending"), (2, "running"), (3, "succeeded"),
                                           (4, "cancelled"), (5, "failed"), (6, "pending"), (7, "running"),
                                           (8, "partial"), (9, "running"), (10, "unknown"), ("3", "succeeded")])
def test_v1_restore_state_ids(number, state):
    record = dict(recorded("v1_restore_details.json"), RestoreStateId=number)
    assert parse_v1(record, resource="restore").state == state


@pytest.mark.parametrize("number", [-1, True, 3.5, "three", None])
def test_v1_restore_state_id_of_another_shape_is_the_collections_error(number):
    record = dict(recorded("v1_restore_details.json"), RestoreStateId=number)
    with pytest.raises(ApiError, match="Rackspace Cloud Backup GET /restore/92500 answered with an unexpected shape: RestoreStateId"):
        parse_v1(record, resource="restore")


def test_v1_restore_from_the_docs_with_its_report():
    status = parse_v1(recorded("v1_restore_details.json"), resource="restore")
    assert (status.action_id, status.state, status.vendor_status) == ("1394", "succeeded", "Completed")
    record = dict(recorded("v1_restore_details.json"), RestoreStateId=8)
    partial = parse_v1(record, recorded("v1_restore_report.json"), resource="restore")
    assert partial.targets == {"total": 36, "succeeded": 35, "failed": 1, "pending": 0}
    assert partial.errors[0]["reason"] == "UnableToProcessSomeFiles" and partial.errors[0]["target"] == "864"


def test_restore_report_case_variants_and_dates():
    assert snake("Stoprequested") == "stop_requested" and snake("startRequested") == "start_requested"
    assert net_date("/Date(1358530097000)/") == "2013-01-18T17:28:17.000Z"
    assert net_date("/Date(1358530097000-0600)/") == "2013-01-18T17:28:17.000Z"
    assert net_date("2014-08-05T18:23:50.489715Z") == "2014-08-05T18:23:50.489715Z"
    assert net_date(12) is None and net_date("/Date(99999999999999999999)/") == "/Date(99999999999999999999)/"


def test_v2_recorded_backup_and_events():
    status = vendor("v2").parse(recorded("v2_backup_completed_with_errors.json"))
    assert status.targets == {"total": 1222, "succeeded": 1221, "failed": 1, "pending": 0}
    events = parse_events(recorded("v2_agent_events.json"), "GET /v2/<project>/agents/<agent_id>/events")
    assert len(events) == 15 and events[0]["event"] == "agent_registered"


# ---- any JSON value: statuses or the collection's error ---------------------------------------

JSON = json_values(bits=64, infinity=False, key_size=12, max_leaves=20)


def keyed(answer):
    """Objects with the recorded answer's keys and arbitrary values."""
    return st.fixed_dictionaries({}, optional=dict((key, JSON) for key in answer))


def answers(name):
    answer = recorded(name)
    return JSON | mutated([answer], JSON, items=3) | keyed(answer)


def holds(name, call, *labels):
    """``call()`` gives statuses, or the collection's error naming the vendor and the call."""
    COUNTS[name] += 1
    try:
        result = call()
    except ActionGateError as error:
        assert any(label in error.message for label in labels), error.message
        if isinstance(error, ApiError):
            assert "answered with an unexpected shape" in error.message, error.message
        return None
    return result


@EXAMPLES
@given(answers("v2_backup_completed_with_errors.json"), st.sampled_from(["backup", "restore"]))
def test_v2_backup_and_restore_parser_holds(record, resource):
    status = holds("v2 backup/restore", lambda: vendor("v2", resource=resource).parse(record, "x"),
                   "Rackspace Cloud Backup GET /%ss/<id> answered" % resource)
    if status is not None:
        assert isinstance(status, ActionStatus) and status.targets["failed"] >= 0
        FailurePolicy("5%").apply(status)


@EXAMPLES
@given(answers("v1_backup_details.json"), st.none() | answers("v1_backup_report.json"))
def test_v1_backup_parser_holds(record, report):
    status = holds("v1.0 backup", lambda: parse_v1(record, report),
                   "Rackspace Cloud Backup GET /backup/92500 answered", "Rackspace Cloud Backup GET /backup/report/92500 answered")
    if status is not None and status.state == "partial" and report is None:
        assert FailurePolicy("100%").apply(status).succeeded is False  # no counts: never a pass


@EXAMPLES
@given(answers("v1_restore_details.json"), st.none() | answers("v1_restore_report.json"))
def test_v1_restore_parser_holds(record, report):
    status = holds("v1.0 restore", lambda: parse_v1(record, report, resource="restore"),
                   "Rackspace Cloud Backup GET /restore/92500 answered", "Rackspace Cloud Backup GET /restore/report/92500 answered")
    if status is not None:
        assert status.vendor == "rackspace_backup"


@EXAMPLES
@given(answers("v2_agent_events.json"))
def test_agent_events_parser_holds(body):
    where = "GET /v2/<project>/agents/<agent_id>/events"
    events = holds("v2 agent events", lambda: parse_events(body, where), "Rackspace Cloud Backup %s answered" % where)
    if events is not None:
        reader = RackspaceBackupAgentEvents(options(agent_id="a1", limit=100, sort_dir="asc", url="https://h"))
        reader.remember(events)
        for request_id in reader.by_request:
            assert isinstance(reader.request_status(request_id, reader.by_request[request_id]), ActionStatus)
        if events:
            assert isinstance(next_marker(body, events), str)


@EXAMPLES
@given(answers("identity_v1_catalog.json"), st.none() | st.sampled_from(["DFW", "syd", "LON"]))
def test_identity_parser_holds(body, region):
    access = holds("identity", lambda: parse_access(body, region), "Rackspace Identity POST /tokens answered", "Cloud Backup")
    if access is not None:
        token, tenant, endpoint = access
        assert isinstance(token, str) and token and isinstance(endpoint, str)


@pytest.mark.parametrize("body", [
    {"token": {"id": "tok-0123456789abcdef"}},
    {"access": {"token": {"id": "tok-0123456789abcdef"}, "serviceCatalog": "not a list"}},
    {"access": {"token": {"id": "tok-0123456789abcdef"}, "serviceCatalog": [7]}},
    {"access": {"token": "tok-0123456789abcdef"}},
])
def test_identity_errors_never_quote_the_answer(body):
    """The token in Identity's answer is not yet a registered secret: no message may quote it."""
    with pytest.raises(ApiError, match="Rackspace Identity POST /tokens answered with an unexpected shape") as caught:
        parse_access(body, None)
    assert "tok-0123456789abcdef" not in caught.value.message


@pytest.mark.parametrize("count", [None, 0, "0"])
def test_completed_with_errors_without_an_error_count_never_passes(count):
    """With errors but no count of them: not one file among the files searched, so never a pass."""
    v2 = json.loads((Path(__file__).parents[3] / "fixtures" / "rackspace" / "backups.json").read_text())["completed_with_errors"]
    v2 = dict(v2, errors=dict(v2["errors"], count=count))
    report = dict(recorded("v1_backup_report.json"), NumErrors=count)
    v1 = dict(recorded("v1_backup_details.json"), CurrentState="CompletedWithErrors", BackupId=92500)
    for status in (vendor("v2").parse(v2, "x"), parse_v1(v1, report)):
        assert status.state == "partial" and status.targets["succeeded"] == 0
        assert status.targets["failed"] == status.targets["total"] > 1
        assert FailurePolicy("100%").apply(status).succeeded is False
