"""Rackspace Cloud Backup: every count, id, date and state field read through ``_shape``.

Unicode digits ("\u00b2" passes ``str.isdigit`` and ``int()`` refuses it; Arabic-Indic "\u0663"
``int()`` reads), booleans, floats, huge numbers (10**400, 1e308) and negative numbers, put in
each field of a recorded answer, must give statuses or the collection's malformed-answer ApiError
(or, for a v1.0 id, the ConfigError given before any request): never another exception. The
parse modules stay pure: they import nothing that sends a request."""

from __future__ import annotations

import ast
import re
import json
from pathlib import Path

import pytest
from hypothesis import example, given, strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import ActionStatus, FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace import (
    parse_events, parse_identity, parse_v1, parse_v2,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import (
    RackspaceBackupAgentEvents, RackspaceBackupStatus,
)
from tests.unit.plugins.module_utils._vendors.json_shapes import examples

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "rackspace"
PACKAGE = Path(parse_v1.__file__).parent
EXAMPLES = examples(300)

# The values no field of a Cloud Backup answer should hold, and a few it may.
ODD = ["\u00b2", "\u0663", "12\u00b2", "\u0663\u0663", "-1", "1e308", "", " ", "9" * 40, "http://[x?marker=1",
       "/Date(\u0663)/", "/Date(" + "9" * 40 + ")/", "/Date(-99999999999999)/",
       True, False, 0, 3, -1, 0.5, 3.0, -2.5, 10 ** 400, -10 ** 400, 1e308, -1e308, 2 ** 53 + 1,
       float("inf"), float("nan"), None, [], {}, ["1"], {"id": "\u00b2"}]
VALUES = (st.sampled_from(ODD) | st.integers() | st.floats()
          | st.text(alphabet=st.characters(whitelist_categories=("Nd", "No")), min_size=1, max_size=5))


def recorded(name):
    return json.loads((RECORDED / name).read_text())["answer"]


def put(document, path, value):
    """A copy of ``document`` with ``value`` at ``path`` (objects and lists made on the way when absent)."""
    result = json.loads(json.dumps(document))
    parent = result
    for key, following in zip(path[:-1], path[1:]):
        kind = list if isinstance(following, int) else dict
        if isinstance(parent, list):
            parent.extend(None for _index in range(key + 1 - len(parent)))
        if not isinstance(parent[key] if isinstance(parent, list) else parent.get(key), kind):
            parent[key] = kind()
        parent = parent[key]
    if isinstance(parent, list):
        parent.extend(None for _index in range(path[-1] + 1 - len(parent)))
    parent[path[-1]] = value
    return result


def changes(fields):
    """One to four (field path, value) pairs."""
    return st.lists(st.tuples(st.sampled_from(fields), VALUES), min_size=1, max_size=4)


def applied(document, pairs):
    for path, value in pairs:
        document = put(document, path, value)
    return document


def judged(status):
    """The status as the shells use it: judged by two policies and turned into the result's dict."""
    assert isinstance(status, ActionStatus)
    for allowed in ("0", "5%", "100%"):
        FailurePolicy(allowed).apply(status)
    json.dumps(status.as_dict(), default=str)
    return status


def parsed(call):
    """``call()`` as judged statuses, or None for the collection's malformed-answer ApiError."""
    try:
        result = call()
    except ApiError as error:
        assert error.status == 200 and "answered with an unexpected shape" in error.message, error.message
        return None
    return result


V2_FIELDS = [("id",), ("state",), ("files_searched",), ("files_backed_up",), ("files_restored",), ("errors", "count"),
             ("errors", "reason"), ("errors", "diagnostics"), ("started_time",), ("ended_time",), ("agent", "id"),
             ("destination_agent", "id")]
V1_BACKUP_FIELDS = [("BackupId",), ("CurrentState",), ("StateChangeTime",), ("MachineAgentId",)]
V1_RESTORE_FIELDS = [("RestoreId",), ("RestoreStateId",), ("StateChangeTime",), ("DestinationMachineId",)]
REPORT_FIELDS = [("NumErrors",), ("FilesSearched",), ("FilesBackedUp",), ("NumFilesRestored",), ("StartTime",),
                 ("CompletedTime",), ("Reason",), ("Diagnostics",), ("ErrorList", 0, "Path")]
EVENT_FIELDS = [("events", i, key) for i in range(3) for key in ("id", "event", "request_id", "time")] + [
    ("events", 0, "agent", "id"), ("links", 0, "href"), ("links", 0, "rel")]
IDENTITY_FIELDS = [("access", "token", "id"), ("access", "token", "tenant", "id"), ("access", "user", "RAX-AUTH:defaultRegion"),
                   ("access", "serviceCatalog", 1, "type"), ("access", "serviceCatalog", 1, "endpoints", 0, "publicURL"),
                   ("access", "serviceCatalog", 1, "endpoints", 1, "region"),
                   ("access", "serviceCatalog", 1, "endpoints", 1, "publicURL")]


def status_vendor(resource="backup"):
    settings = dict((name, spec.get("default")) for name, spec in WAIT_SPEC.items())
    settings.update({"url": "https://dfw.backup.api.rackspacecloud.com/v1.0/123456", "token": "t" * 32,
                     "resource": resource, "completed_with_errors": "partial", "api_version": "auto"})
    return RackspaceBackupStatus(settings)


def events_vendor():
    settings = dict((name, spec.get("default")) for name, spec in WAIT_SPEC.items())
    settings.update({"url": "https://h", "token": "t" * 32, "agent_id": "a1", "limit": 100, "sort_dir": "asc"})
    return RackspaceBackupAgentEvents(settings)


# ---- the superscript two, pinned -------------------------------------------------------------------

@pytest.mark.parametrize("key", ["NumErrors", "FilesSearched", "FilesBackedUp"])
@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "12\u00b2", True, 0.5, -1, 10 ** 400, 1e308])
def test_v1_report_count_of_another_kind_is_the_malformed_answer_error(key, value):
    record = dict(recorded("v1_backup_details.json"), CurrentState="CompletedWithErrors")
    report = dict(recorded("v1_backup_report.json"), **{key: value})
    with pytest.raises(ApiError, match="Rackspace Cloud Backup GET /backup/report/92500 answered with an unexpected "
                                       "shape: %s is .*(not a count|too large to be a count)" % key) as caught:
        parse_v1.parse_record(record, "92500", report=report)
    assert str(value)[:10] not in caught.value.message  # the value is never quoted


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", 2 ** 60])
def test_v2_count_of_another_kind_is_the_malformed_answer_error(value):
    record = dict(recorded("v2_backup_completed_with_errors.json"), files_searched=value)
    with pytest.raises(ApiError, match=r"GET /backups/<id> answered with an unexpected shape: files_searched is"):
        parse_v2.parse_record(record)


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "3\u00b2"])
def test_v1_restore_state_id_in_unicode_digits_is_the_malformed_answer_error(value):
    record = dict(recorded("v1_restore_details.json"), RestoreStateId=value)
    with pytest.raises(ApiError, match="GET /restore/1394 answered with an unexpected shape: RestoreStateId is a string"):
        parse_v1.parse_record(record, "1394", "restore")


def test_whole_counts_as_text_and_as_json_floats_still_read():
    report = dict(recorded("v1_backup_report.json"), NumErrors="2", FilesSearched=11936.0)
    record = dict(recorded("v1_backup_details.json"), CurrentState="CompletedWithErrors")
    status = parse_v1.parse_record(record, "92500", report=report)
    assert status.targets == {"total": 11936, "succeeded": 11934, "failed": 2, "pending": 0}


@pytest.mark.parametrize("event_id", ["\u00b2", "\u0663", "12\u00b2", "9" * 40])
def test_event_ids_in_unicode_digits_sort_after_numbers_without_an_error(event_id):
    """``event_order`` compared "\u00b2" as a number (isdigit) and int() raised ValueError."""
    events = [{"id": event_id, "event": "vault_db_download_failed", "request_id": "r"},
              {"id": "5650135596", "event": "vault_db_download_completed", "request_id": "r"}]
    assert [parse_events.event_order(e)[0] for e in events] == [1, 0]
    vendor = events_vendor()
    vendor.remember(parse_events.parse_events({"events": events}))
    assert vendor.marker == event_id  # not a number: after every numeric id
    assert vendor.request_status("r", vendor.by_request["r"]).state == "failed"


@pytest.mark.parametrize("action_id", ["\u00b2", "\u0663", "12\u00b2", " 12", "1.5", "-3", "9" * 40])
def test_v1_ids_in_other_digits_are_a_config_error(action_id):
    """``path_id`` took "\u00b2" (isdigit) as a v1.0 number; it is refused before any request."""
    vendor = status_vendor()
    vendor.version = "v1.0"
    with pytest.raises(ConfigError, match="v1.0 backup ids are numbers"):
        vendor.path_id(action_id)
    vendor.version = "v2"
    assert vendor.path_id(action_id)  # a v2 id is any one path segment


def test_next_marker_ignores_a_link_that_is_not_a_url():
    page = [{"id": "7", "event": "x"}]
    assert parse_events.next_marker({"links": [{"rel": "next", "href": "http://[x?marker=9"}]}, page) == "7"


def test_identity_public_url_that_is_not_a_url_is_the_malformed_answer_error():
    body = put(recorded("identity_v1_catalog.json"), ("access", "serviceCatalog", 1, "endpoints", 1, "publicURL"),
               "https://[iad.backup.api.rackspacecloud.com/v1.0/123456")
    with pytest.raises(ApiError, match="Rackspace Identity POST /tokens answered with an unexpected shape: .*not a URL"):
        parse_identity.parse_access(body, "IAD")


# ---- every field, any odd value ------------------------------------------------------------------

@EXAMPLES
@given(changes(V2_FIELDS), st.sampled_from(["backup", "restore"]), st.sampled_from(["partial", "success", "failure"]))
@example([(("files_searched",), "\u00b2")], "backup", "partial")
@example([(("errors", "count"), 10 ** 400)], "backup", "partial")
@example([(("files_searched",), 1e308)], "backup", "partial")
def test_v2_fields_hold(pairs, resource, option):
    record = applied(recorded("v2_backup_completed_with_errors.json"), pairs)
    status = parsed(lambda: parse_v2.parse_record(record, resource, option, "x"))
    if status is not None:
        judged(status)


@EXAMPLES
@given(changes(V1_BACKUP_FIELDS), changes(REPORT_FIELDS), st.booleans())
@example([(("CurrentState",), "CompletedWithErrors")], [(("NumErrors",), "\u00b2")], True)
@example([(("CurrentState",), "CompletedWithErrors")], [(("FilesSearched",), 1e308)], True)
def test_v1_backup_fields_hold(pairs, report_pairs, with_report):
    record = applied(recorded("v1_backup_details.json"), pairs)
    report = applied(recorded("v1_backup_report.json"), report_pairs) if with_report else None
    status = parsed(lambda: parse_v1.parse_record(record, "92500", "backup", "partial", report))
    if status is not None:
        judged(status)


@EXAMPLES
@given(changes(V1_RESTORE_FIELDS), changes(REPORT_FIELDS), st.booleans())
@example([(("RestoreStateId",), "\u00b2")], [(("NumErrors",), "1")], True)
@example([(("RestoreStateId",), 8)], [(("NumFilesRestored",), 10 ** 400)], True)
def test_v1_restore_fields_hold(pairs, report_pairs, with_report):
    record = applied(recorded("v1_restore_details.json"), pairs)
    report = applied(recorded("v1_restore_report.json"), report_pairs) if with_report else None
    status = parsed(lambda: parse_v1.parse_record(record, "1394", "restore", "partial", report))
    if status is not None:
        judged(status)


@EXAMPLES
@given(changes(EVENT_FIELDS), st.sampled_from([[], ["vault_db_*"], ["*_failed", "logfile_*"]]))
@example([(("events", 0, "id"), "\u00b2")], [])
@example([(("events", 1, "id"), "\u0663"), (("events", 2, "id"), 10 ** 400)], [])
@example([(("links", 0, "href"), "http://[x?marker=1")], [])
def test_agent_events_fields_hold(pairs, patterns):
    body = applied(recorded("v2_agent_events.json"), pairs)
    events = parsed(lambda: parse_events.parse_events(body))
    if events is None:
        return
    vendor = events_vendor()
    vendor.remember(events)
    assert isinstance(vendor.marker, str)
    for request_id, found in vendor.by_request.items():
        judged(parse_events.request_status(request_id, found, "a1", "no events"))
    parse_events.wanted(events, patterns)
    if events:
        assert isinstance(parse_events.next_marker(body, events), str)


@EXAMPLES
@given(changes(IDENTITY_FIELDS), st.none() | st.sampled_from(["DFW", "iad", "SYD"]))
@example([(("access", "token", "tenant", "id"), 10 ** 400)], None)
@example([(("access", "serviceCatalog", 1, "endpoints", 1, "publicURL"), "http://[x")], "IAD")
def test_identity_fields_hold(pairs, region):
    body = applied(recorded("identity_v1_catalog.json"), pairs)
    try:
        access = parsed(lambda: parse_identity.parse_access(body, region))
    except ConfigError as error:  # no Cloud Backup endpoint in the region asked for
        assert "service catalog has no Cloud Backup" in error.message
        return
    if access is not None:
        token, tenant, endpoint = access
        assert isinstance(token, str) and token and isinstance(endpoint, str)
        assert tenant is None or isinstance(tenant, str)


@EXAMPLES
@given(VALUES)
@example("\u00b2")
@example("\u0663")
def test_v1_id_check_holds(action_id):
    vendor = status_vendor()
    vendor.version = "v1.0"
    try:
        assert vendor.path_id(action_id) == str(action_id)
    except ConfigError as error:
        assert "v1.0 backup ids are numbers" in error.message or "is not a valid id" in error.message


# ---- the parse side is pure ----------------------------------------------------------------------

PURE = ("parse_v1.py", "parse_v2.py", "parse_events.py", "parse_identity.py", "records.py")
ALLOWED = ("_shape", "_status", "_errors", "_vendors.rackspace.records")


@pytest.mark.parametrize("name", PURE)
def test_parse_modules_import_nothing_that_sends_a_request(name):
    tree = ast.parse((PACKAGE / name).read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module + "." + alias.name for alias in node.names]
            imported.extend(names if node.module.endswith("module_utils") else [node.module])
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    collection = [m for m in imported if m.startswith("ansible_collections.")]
    assert collection and all(m.endswith(ALLOWED) for m in collection), collection
    assert not [m for m in imported if m.split(".")[0] in ("requests", "urllib3", "http", "socket", "ansible")]


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_files_stay_small_and_cite_no_outside_document(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 350
    for word in ("research", "seed 0", "issue ", "DESIGN", "../shared"):
        assert word not in text, word


def test_sections_the_code_cites_exist_in_the_vendor_notes():
    """Each ``docs/dev/vendors/rackspace.md ("Section", ...)`` pointer names a heading of that file."""
    notes = (Path(__file__).parents[5] / "docs" / "dev" / "vendors" / "rackspace.md").read_text()
    headings = set(line.lstrip("#").strip() for line in notes.splitlines() if line.startswith("## "))
    cited = set()
    for path in PACKAGE.glob("*.py"):
        text = " ".join(path.read_text().split())
        for pointer in re.findall(r'rackspace\.md \(([^)]*)\)', text):
            cited.update(re.findall(r'"([^"]+)"', pointer))
    assert cited and cited <= headings, cited - headings
