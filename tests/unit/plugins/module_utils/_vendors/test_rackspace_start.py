"""rackspace_backup_start's start side without a socket: the pure pieces (version, ids, requests,
answers, what a refusal means) and RackspaceBackupStart against a scripted client (every request
it sends recorded, the sleep after the wake-up a fake one). The facts: docs/dev/vendors/rackspace.md,
"Starting actions"; over real HTTP: tests/integration/test_rackspace_backup_start.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._answer import ApiResponse
from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, AuthError, ConfigError, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._start import StartFailed
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace import RackspaceBackupStart as Exported
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.argspec import START_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.start import (
    RackspaceBackupStart, configuration_ids, explain, planned_version, read_v1_answer, read_v2_answer,
    start_request,
)

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "rackspace"
IDENTITY_V1 = json.loads((RECORDED / "identity_v1_catalog.json").read_text())["answer"]
TOKEN = "t" * 32
V1_URL = "https://dfw.backup.api.rackspacecloud.com/v1.0/123456"
V2_URL = "https://dfw.backup.api.rackspacecloud.com"
UUID = "7c8ee069-568f-4d5a-932f-fb2af86b5fd5"


def options(**values):
    settings = dict((name, spec.get("default")) for name, spec in START_OPTIONS.items())
    settings.update({"url": V1_URL, "token": TOKEN, "configuration_ids": ["148325"], "request_timeout": 30.0})
    settings.update(values)
    return settings


def answer(text="", status=200, body=None, headers=None):
    return ApiResponse(status, headers or {}, body, text, "https://example.invalid")


class Script:
    """The client's ``request``, answering from a list (an ApiResponse, or an error to raise)."""

    def __init__(self, *answers):
        self.answers, self.sent = list(answers), []

    def __call__(self, method, path, **kwargs):
        self.sent.append({"method": method, "path": path, "body": kwargs.get("json_body"),
                          "idempotent": kwargs.get("idempotent"), "expect_json": kwargs.get("expect_json", True)})
        found = self.answers.pop(0)
        if isinstance(found, Exception):
            raise found
        return found


def vendor(script, **values):
    slept = []
    opts = options(**values)
    start = RackspaceBackupStart(opts, client=RackspaceBackupStart.make_client(opts, sleep=slept.append))
    start.client.request = script
    return start, slept


def paths(script):
    return [(s["method"], s["path"]) for s in script.sent]


# ---- the pure pieces -----------------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ({}, "v1.0"),
    ({"url": V2_URL}, "v2"),  # a bare host: v2, as the status module reads it
    ({"url": V2_URL + "/v2/123456"}, "v2"),
    ({"url": V2_URL, "api_version": "v1.0"}, "v1.0"),
    ({"url": None, "username": "u", "api_key": "k"}, None),  # the catalog says, after the login
    ({"url": None, "username": "u", "api_key": "k", "api_version": "v2"}, "v2"),
])
def test_planned_version(values, expected):
    assert planned_version(options(**values)) == expected


def test_v1_configuration_ids_are_ascii_digits_and_v2_takes_uuids():
    assert configuration_ids(options(configuration_ids=[" 148325", 148326]), "v1.0") == ["148325", "148326"]
    assert configuration_ids(options(configuration_ids=[UUID]), "v2") == [UUID]
    for bad in (UUID, "\u00b2", "14.5", "-1"):
        with pytest.raises(ConfigError, match="is not a v1.0 BackupConfigurationId .* set api_version=v2"):
            configuration_ids(options(configuration_ids=[bad]), "v1.0")


@pytest.mark.parametrize("ids, message", [
    ([], "configuration_ids must list at least one target"),
    (["1", " "], r"configuration_ids has a blank item \(position 2\)"),
    (["1", "2", "1"], "configuration_ids lists '1' more than once"),
])
def test_configuration_ids_refused(ids, message):
    with pytest.raises(ConfigError, match=message):
        configuration_ids(options(configuration_ids=ids), "v2")


def test_start_requests_as_the_docs_give_them():
    v1 = start_request("v1.0", "148325")
    assert (v1.method, v1.path, v1.body, v1.expect_json) == (
        "POST", "/backup/action-requested", {"Action": "StartManual", "Id": 148325}, False)
    v2 = start_request("v2", UUID)
    assert (v2.path, v2.body, v2.expect_json) == ("/backups", {"configuration_id": UUID, "state": "start_requested"}, True)


@pytest.mark.parametrize("text, expected", [
    ("368785", "368785"), ("  368785\r\n", "368785"), ('"368785"', "368785"), ('{"Id": 368785}', "368785"),
    ('{"BackupId": "368785"}', "368785"), ("", None), ("null", None), ("true", None), ("-1", None),
    ("368785.0", None), ("\u00b2", None), ('"\u0663"', None), ("<html>ok</html>", None), ('{"id": 1}', None),
    ("[368785]", None),
])
def test_v1_answer(text, expected):
    assert read_v1_answer(text) == expected


def test_v2_answer_id_else_location():
    assert read_v2_answer({"id": "0d95d699-d16b-11e4-93bd-c8e0eb190e3d"}) == "0d95d699-d16b-11e4-93bd-c8e0eb190e3d"
    location = {"Location": "https://cloudbackupapi.apiary-mock.com/v2/backups/0d95d699-d16b-11e4"}
    assert read_v2_answer({}, location) == "0d95d699-d16b-11e4"
    assert read_v2_answer(None, location) == "0d95d699-d16b-11e4"
    assert read_v2_answer({"id": True}, {"Location": "https://h/v2/agents/a1"}) is None
    assert read_v2_answer({"id": ""}, {}) is None and read_v2_answer([], None) is None


def test_explain_names_the_sdks_403_repeats_and_the_409():
    assert "repeats a start refused with 403 up to 20 times" in explain(AuthError("HTTP 403", 403))
    assert "region" in explain(ApiError("HTTP 404", 404))
    assert "still running" in explain(ApiError("HTTP 409", 409))
    assert explain(ApiError("HTTP 500", 500)) is None and explain(TransportError("reset")) is None


def test_the_package_exports_the_class():
    assert Exported is RackspaceBackupStart


# ---- the runs ---------------------------------------------------------------------------------------

def test_v1_wakes_once_waits_then_starts_each_configuration_once():
    script = Script(answer(), answer("368785"), answer('"368786"'))
    start, slept = vendor(script, configuration_ids=["148325", "148326"])
    result = start.run()
    assert paths(script) == [("POST", "/user/wakeupagents"), ("POST", "/backup/action-requested"),
                             ("POST", "/backup/action-requested")]
    wake, first, second = script.sent
    assert wake["body"] is None and wake["idempotent"] is True  # changes nothing that lasts: may be repeated
    assert [first["idempotent"], second["idempotent"]] == [False, False]
    assert [first["body"]["Id"], second["body"]["Id"]] == [148325, 148326]
    assert slept == [15.0]
    assert result["changed"] is True and result["action_id"] == "368785"
    assert result["action_ids"] == ["368785", "368786"]
    assert result["backups"] == [{"configuration_id": "148325", "backup_id": "368785"},
                                 {"configuration_id": "148326", "backup_id": "368786"}]
    assert result["raw"] == ["368785", '"368786"'] and result["wake_agents"] is True
    assert result["api_version"] == "v1.0" and result["endpoint"] == V1_URL
    assert "warnings" not in result and "skipped" not in result


def test_no_wake_up_no_wait_and_no_raw_when_asked():
    script = Script(answer("1"))
    start, slept = vendor(script, wake_agents=False, include_raw=False)
    result = start.run()
    assert paths(script) == [("POST", "/backup/action-requested")] and slept == []
    assert result["wake_agents"] is False and "raw" not in result


def test_a_zero_delay_sends_the_wake_up_and_does_not_sleep():
    script = Script(answer(), answer("1"))
    start, slept = vendor(script, wake_agents_delay=0.0)
    start.run()
    assert len(script.sent) == 2 and slept == []


def test_v2_never_wakes_and_warns_while_wake_agents_is_true():
    body = {"id": "0d95d699-d16b-11e4-93bd-c8e0eb190e3d", "state": "start_requested"}
    script = Script(answer(json.dumps(body), 201, body))
    start, slept = vendor(script, url=V2_URL, project_id="123456", configuration_ids=[UUID])
    result = start.run()
    assert paths(script) == [("POST", "/backups")] and slept == []
    assert script.sent[0]["body"] == {"configuration_id": UUID, "state": "start_requested"}
    assert result["action_ids"] == [body["id"]] and result["raw"] == [body] and result["wake_agents"] is False
    assert len(result["warnings"]) == 1 and "v1.0 API only" in result["warnings"][0]
    quiet = vendor(Script(answer("", 201, body)), url=V2_URL, configuration_ids=[UUID], wake_agents=False)[0].run()
    assert "warnings" not in quiet


def test_check_mode_sends_nothing_and_shows_the_requests():
    script = Script()
    start, slept = vendor(script, configuration_ids=["148325", "148326"])
    result = start.run(check_mode=True)
    assert script.sent == [] and slept == []
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [
        {"method": "POST", "path": "/user/wakeupagents"},
        {"method": "POST", "path": "/backup/action-requested", "body": {"Action": "StartManual", "Id": 148325}},
        {"method": "POST", "path": "/backup/action-requested", "body": {"Action": "StartManual", "Id": 148326}}]
    assert result["wake_agents_delay"] == 15.0 and "would send 3 requests" in result["msg"]
    assert TOKEN not in json.dumps(result)


def test_v1_ids_are_checked_before_any_request():
    script = Script()
    start, _slept = vendor(script, configuration_ids=["148325", UUID])
    with pytest.raises(ConfigError, match="set api_version=v2"):
        start.run()
    assert script.sent == []


def test_with_the_catalog_the_ids_are_checked_after_the_login_and_before_the_wake_up():
    script = Script(answer(json.dumps(IDENTITY_V1), 200, IDENTITY_V1))
    start, _slept = vendor(script, url=None, token=None, username="u", api_key="k", configuration_ids=[UUID])
    with pytest.raises(ConfigError, match="not a v1.0 BackupConfigurationId"):
        start.run(check_mode=True)
    assert [p for _m, p in paths(script)] == ["https://identity.api.rackspacecloud.com/v2.0/tokens"]


@pytest.mark.parametrize("error", [ApiError("HTTP 503 busy", 503), TransportError("connection reset"),
                                   AuthError("HTTP 401 expired", 401)])
def test_a_failed_wake_up_fails_before_anything_starts(error):
    script = Script(error)
    start, slept = vendor(script, configuration_ids=["1", "2"])
    with pytest.raises(StartFailed) as raised:
        start.run()
    failed = raised.value
    assert paths(script) == [("POST", "/user/wakeupagents")] and slept == []
    assert failed.may_have_started is False
    assert str(failed).startswith("Starting backups of 2 configurations (the agents are woken first) failed before its "
                                  "request was sent: ")
    assert "Nothing started, so a re-run is safe" in str(failed) and "set wake_agents=false" in str(failed)
    assert failed.result == {"changed": False, "action_id": None, "action_ids": [], "not_started": ["1", "2"],
                             "may_have_started": []}


def test_a_refused_start_stops_the_run_and_says_what_started_and_what_did_not():
    script = Script(answer(), answer("368785"), AuthError("HTTP 403 Forbidden", 403))
    start, _slept = vendor(script, configuration_ids=["148325", "148326", "148327"])
    with pytest.raises(StartFailed) as raised:
        start.run()
    failed = raised.value
    assert len(script.sent) == 3  # the third configuration was never sent, the 403 never repeated
    assert failed.may_have_started is False and failed.started == ["368785"]
    text = str(failed)
    assert text.startswith("Start of backup configuration 148326 (2 of 3) failed: HTTP 403 Forbidden")
    assert "repeats a start refused with 403 up to 20 times" in text and "Nothing started" in text
    assert "Already started by this task: 368785." in text
    assert "Not started: configurations 148326, 148327; a re-run with configuration_ids set to these only is safe" in text
    assert failed.result == {"changed": True, "action_id": "368785", "action_ids": ["368785"],
                             "not_started": ["148326", "148327"], "may_have_started": []}


@pytest.mark.parametrize("error", [ApiError("HTTP 500 Instance Fault", 500), TransportError("read timed out"),
                                   ApiError("HTTP 503", 503)])
def test_a_start_that_may_have_started_is_named_apart(error):
    script = Script(answer("7"), error)
    start, _slept = vendor(script, configuration_ids=["1", "2", "3"], wake_agents=False)
    with pytest.raises(StartFailed) as raised:
        start.run()
    failed = raised.value
    assert len(script.sent) == 2 and failed.may_have_started is True
    assert "MAY HAVE STARTED" in str(failed) and "GET /v1.0/<tenant>/activity" in str(failed)
    assert "Not started: configuration 3; a re-run with configuration_ids set to it is safe" in str(failed)
    assert failed.result == {"changed": True, "action_id": "7", "action_ids": ["7"], "not_started": ["3"],
                             "may_have_started": ["2"]}


@pytest.mark.parametrize("text", ["", "OK", "-5"])
def test_an_answer_without_a_backup_id_may_have_started(text):
    script = Script(answer("11"), answer(text))
    start, _slept = vendor(script, configuration_ids=["1", "2"], wake_agents=False)
    with pytest.raises(StartFailed) as raised:
        start.run()
    failed = raised.value
    assert failed.may_have_started is True and "the answer has no BackupId" in str(failed)
    assert "Already started by this task: 11." in str(failed)
    assert failed.result["may_have_started"] == ["2"] and failed.result["not_started"] == []


def test_a_v2_answer_without_an_id_may_have_started():
    script = Script(answer("{}", 201, {}))
    start, _slept = vendor(script, url=V2_URL, configuration_ids=[UUID])
    with pytest.raises(StartFailed, match="MAY HAVE STARTED") as raised:
        start.run()
    assert "GET /v2/<project_id>/backups" in str(raised.value)
    assert raised.value.result["action_ids"] == [] and raised.value.result["changed"] is True


def test_the_wait_after_the_wake_up_stays_within_the_runs_deadline():
    now = [100.0]
    script = Script(answer())
    start, slept = vendor(script, wake_agents_delay=20.0)
    start.client.deadline = Deadline(10, clock=lambda: now[0])
    with pytest.raises(StartFailed, match="would pass the run's deadline") as raised:
        start.run()
    assert paths(script) == [("POST", "/user/wakeupagents")] and slept == []
    assert raised.value.may_have_started is False and raised.value.result["not_started"] == ["148325"]


def test_the_delay_range_is_checked_before_any_request():
    with pytest.raises(ConfigError, match="wake_agents_delay must be at least 0 and at most 300 seconds"):
        vendor(Script(), wake_agents_delay=301.0)
