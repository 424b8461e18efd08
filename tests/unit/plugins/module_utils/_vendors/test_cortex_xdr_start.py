"""Cortex XDR starts, pure: the request each option set gives, the checks made before any request,
the reading of the answer, and the one request sent through a stand-in client (no socket)."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils._answer import ApiResponse
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, AuthError, ConfigError, TransportError
from ansible_collections.actiongate.agents.plugins.module_utils._start import StartFailed
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import CortexXdrStart
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.argspec import (
    CREDENTIALS,
    OPTIONS,
    START_OPTIONS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import AdvancedKeyAuth
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.start import (
    PATHS,
    explain,
    read_reply,
    start_request,
)

IDS = ["aeec6a2cc92e46fab3b6f621722e9916", "23a86310665d413a958926fce5b794b3"]
FILTERS = [{"field": "endpoint_id_list", "operator": "in", "value": IDS}]


def body(**options):
    return start_request(dict({"endpoint_ids": IDS}, **options))[0].as_dict()


# ---- the request -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["isolate", "unisolate", "scan"])
def test_endpoint_actions_name_the_endpoints_by_id_never_all(action):
    assert body(action=action) == {"method": "POST", "path": "/public_api/v1/endpoints/" + action,
                                   "body": {"request_data": {"filters": FILTERS}}}


def test_incident_id_is_sent_as_text_when_given():
    assert body(action="isolate", incident_id=" 413 ")["body"]["request_data"] == {"filters": FILTERS, "incident_id": "413"}


def test_run_script_sends_uid_parameters_filters_and_timeout():
    sent = body(action="run_script", script_uid="u1", script_parameters={"path": "/tmp", "n": 2}, script_timeout=30,
                incident_id="9")
    assert sent["path"] == "/public_api/v1/scripts/run_script/"
    assert sent["body"] == {"request_data": {"script_uid": "u1", "parameters_values": {"path": "/tmp", "n": 2},
                                             "filters": FILTERS, "timeout": 30, "incident_id": "9"}}


def test_run_script_without_parameters_sends_an_empty_object_and_no_timeout():
    assert body(action="run_script", script_uid="u1")["body"]["request_data"] == {
        "script_uid": "u1", "parameters_values": {}, "filters": FILTERS}


def test_upgrade_sends_endpoint_ids_and_target_versions():
    sent = body(action="upgrade", target_versions={"windows": " 8.2.0.1 ", "linux": "8.2.0.1"})
    assert sent["path"] == "/public_api/v1/endpoints/upgrade"
    assert sent["body"] == {"request_data": {"endpoint_ids": IDS, "target_versions": {"windows": "8.2.0.1",
                                                                                      "linux": "8.2.0.1"}}}


def test_endpoint_ids_need_not_be_digits_and_are_returned_in_order():
    request, ids = start_request({"action": "scan", "endpoint_ids": [" zz-top ", "a1"]})
    assert ids == ["zz-top", "a1"] and request.body["request_data"]["filters"][0]["value"] == ids


def test_every_action_has_a_path():
    assert sorted(PATHS) == sorted(START_OPTIONS["action"]["choices"])


def test_the_credentials_are_the_status_modules_own():
    for name in CREDENTIALS:
        assert START_OPTIONS[name] == OPTIONS[name]
    assert "action_ids" not in START_OPTIONS and "max_concurrent_requests" not in START_OPTIONS


# ---- checks before any request -------------------------------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"action": "isolate", "endpoint_ids": []}, "endpoint_ids must list at least one target"),
    ({"action": "isolate", "endpoint_ids": ["a", " "]}, r"endpoint_ids has a blank item \(position 2\)"),
    ({"action": "isolate", "endpoint_ids": ["a", "a"]}, "endpoint_ids lists 'a' more than once"),
    ({"action": "isolate", "endpoint_ids": [str(i) for i in range(1001)]},
     "endpoint_ids lists 1001 targets; Cortex XDR takes at most 1000"),
    ({"action": "delete", "endpoint_ids": ["a"]}, "action must be one of isolate, unisolate, scan, run_script, upgrade"),
    ({"action": "run_script", "endpoint_ids": ["a"]}, "script_uid is required with action=run_script"),
    ({"action": "run_script", "endpoint_ids": ["a"], "script_uid": "  "}, "script_uid is blank"),
    ({"action": "run_script", "endpoint_ids": ["a"], "script_uid": "u", "script_timeout": 0},
     "script_timeout must be a whole number of seconds, at least 1"),
    ({"action": "run_script", "endpoint_ids": ["a"], "script_uid": "u", "script_parameters": ["x"]},
     "script_parameters must be a dict"),
    ({"action": "run_script", "endpoint_ids": ["a"], "script_uid": "u", "target_versions": {"linux": "8"}},
     r"target_versions cannot be used with action=run_script \(target_versions is for action=upgrade\)"),
    ({"action": "isolate", "endpoint_ids": ["a"], "script_uid": "u", "script_timeout": 5},
     "script_timeout, script_uid cannot be used with action=isolate"),
    ({"action": "scan", "endpoint_ids": ["a"], "script_parameters": {}}, "script_parameters cannot be used with action=scan"),
    ({"action": "upgrade", "endpoint_ids": ["a"]}, "target_versions is required with action=upgrade"),
    ({"action": "upgrade", "endpoint_ids": ["a"], "target_versions": {}}, "target_versions is required with action=upgrade"),
    ({"action": "upgrade", "endpoint_ids": ["a"], "target_versions": {"linux": 8.1}},
     r"target_versions\[linux\] must be a non-blank version string, not a number \(8.1\); quote it"),
    ({"action": "upgrade", "endpoint_ids": ["a"], "target_versions": {"linux": " "}}, r"target_versions\[linux\] must be"),
    ({"action": "upgrade", "endpoint_ids": ["a"], "target_versions": {" ": "8"}}, "target_versions has a key that is not"),
    ({"action": "upgrade", "endpoint_ids": ["a"], "target_versions": {"linux": "8"}, "script_uid": "u"},
     "script_uid cannot be used with action=upgrade"),
    ({"action": "upgrade", "endpoint_ids": ["a"], "target_versions": {"linux": "8"}, "incident_id": "1"},
     "incident_id cannot be used with action=upgrade .the Upgrade Agents API takes no incident"),
    ({"action": "isolate", "endpoint_ids": ["a"], "incident_id": " "}, "incident_id is blank"),
])
def test_bad_input_is_refused_naming_the_option(options, message):
    with pytest.raises(ConfigError, match=message):
        start_request(options)


def test_a_script_timeout_that_is_a_boolean_is_refused():
    with pytest.raises(ConfigError, match="script_timeout"):
        start_request({"action": "run_script", "endpoint_ids": ["a"], "script_uid": "u", "script_timeout": True})


# ---- the answer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, action_id, count", [
    ({"reply": {"action_id": 22519813685366, "endpoints_count": 1}}, "22519813685366", 1),  # run_script.json
    ({"reply": {"action_id": "1001", "status": "1", "endpoints_count": "673"}}, "1001", 673),  # Unisolate page
    ({"reply": {"action_id": 123}}, "123", None),  # scan_endpoints.json: no count
    ({"reply": {"action_id": " 7 ", "endpoints_count": None}}, "7", None),
])
def test_read_reply_takes_the_documented_shapes(answer, action_id, count):
    reply, found, endpoints, problem = read_reply(answer)
    assert (found, endpoints, problem) == (action_id, count, None) and reply is answer["reply"]


@pytest.mark.parametrize("value", [None, True, -1, 1.5, "", "abc", "1_000", "٣", "1" * 20, {}, []])
def test_read_reply_takes_no_id_that_is_not_a_group_action_id(value):
    assert read_reply({"reply": {"action_id": value}})[1] is None


@pytest.mark.parametrize("answer", [None, [], "x", {}, {"reply": None}, {"reply": True}, {"reply": [1]}])
def test_read_reply_without_a_reply_object(answer):
    assert read_reply(answer) == (None, None, None, None)


@pytest.mark.parametrize("value, kind", [("many", "a string"), (-2, "a number"), (1.5, "a number"), (True, "a boolean"),
                                         ({}, "an object")])
def test_an_endpoints_count_that_is_no_count_is_a_problem_not_a_number(value, kind):
    reply, action_id, count, problem = read_reply({"reply": {"action_id": 5, "endpoints_count": value}})
    assert (action_id, count, problem) == ("5", None, "reply.endpoints_count is %s, not a count" % kind)


def test_explain_the_no_endpoint_500_and_the_license():
    no_endpoint = ApiError("HTTP 500 An error occurred while processing XDR public API - No endpoint was found for "
                           "creating the requested action: can't create group action id for ISOLATE", 500)
    assert "already in the state asked for" in explain(no_endpoint)
    assert explain(ApiError("HTTP 500 Internal server error", 500)) is None
    assert explain(ApiError("HTTP 402 license", 402)) == "The tenant lacks the license this API needs."
    assert explain(TransportError("reset")) is None


# ---- the start, through a stand-in client ---------------------------------------------------------


class FakeClient:
    """Stands in for ApiClient.request: records each call, answers ``answer`` or raises it."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[tuple] = []
        self.base_url = "https://api-tenant.example/public_api/v1"
        self.session = requests.Session()
        self.secrets: list[str] = []

    def request(self, method, path, json_body=None, data=None, headers=None, idempotent=None, expect_json=True, **kwargs):
        self.calls.append((method, path, json_body, idempotent))
        if isinstance(self.answer, Exception):
            raise self.answer
        return ApiResponse(200, {}, self.answer, "", self.base_url + path)

    def add_secret(self, value):
        self.secrets.append(value)

    def message(self, text):
        return text


def start(answer, check_mode=False, **options):
    settings = {"url": "https://api-tenant.example", "api_key_id": "7", "api_key": "k" * 40, "auth_type": "standard",
                "action": "isolate", "endpoint_ids": IDS, "include_raw": True}
    settings.update(options)
    client = FakeClient(answer)
    vendor = CortexXdrStart(settings, client=client)
    return vendor, client, vendor.run(check_mode=check_mode)


def test_a_start_posts_once_never_retried_and_returns_the_group_action_id():
    vendor, client, result = start({"reply": {"action_id": 1001, "status": "1", "endpoints_count": "2"}})
    assert client.calls == [("POST", "/public_api/v1/endpoints/isolate", {"request_data": {"filters": FILTERS}}, False)]
    assert result == {"changed": True, "action_id": "1001", "action_ids": ["1001"], "action": "isolate",
                      "endpoint_ids": IDS, "endpoints_count": 2,
                      "raw": {"action_id": 1001, "status": "1", "endpoints_count": "2"}}
    assert client.base_url == "https://api-tenant.example"  # the API prefix dropped, as the status side does
    assert client.session.headers["x-xdr-auth-id"] == "7" and client.session.headers["Authorization"] == "k" * 40


def test_an_advanced_key_is_hashed_per_request_as_the_status_side_does():
    vendor, client, _result = start({"reply": {"action_id": 1}}, auth_type="advanced")
    assert isinstance(client.session.auth, AdvancedKeyAuth) and "Authorization" not in client.session.headers


def test_include_raw_false_leaves_raw_out():
    assert "raw" not in start({"reply": {"action_id": 1}}, include_raw=False)[2]


def test_fewer_endpoints_taken_than_asked_warns():
    result = start({"reply": {"action_id": 9, "endpoints_count": 1}})[2]
    assert result["endpoints_count"] == 1
    assert result["warnings"] == [
        "Cortex XDR took 1 of the 2 endpoints asked for into group action 9: the others (ids it does not know, or "
        "endpoints that cannot take the action) are not part of it, and a wait on it counts only the endpoints it has "
        "(cortex_xdr_action_status lists them under endpoints)."]


def test_a_malformed_count_is_a_warning_the_action_id_still_returned():
    result = start({"reply": {"action_id": 9, "endpoints_count": "lots"}})[2]
    assert result["action_id"] == "9" and result["endpoints_count"] is None
    assert result["warnings"] == ["Cortex XDR started group action 9, but its reply.endpoints_count is a string, "
                                  "not a count; endpoints_count is null."]


def test_check_mode_sends_nothing_and_shows_the_request():
    vendor, client, result = start(AssertionError("no request in check mode"), check_mode=True,
                                   action="run_script", script_uid="u", script_parameters={"a": 1})
    assert client.calls == []
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [{"method": "POST", "path": "/public_api/v1/scripts/run_script/", "body": {
        "request_data": {"script_uid": "u", "parameters_values": {"a": 1}, "filters": FILTERS}}}]
    assert "endpoints_count" not in result and "raw" not in result


def test_bad_input_sends_nothing():
    with pytest.raises(ConfigError):
        start(AssertionError("no request"), action="upgrade")


@pytest.mark.parametrize("error, started", [
    (AuthError("HTTP 401 Unauthorized", 401), False), (AuthError("HTTP 403 Forbidden", 403), False),
    (ApiError("HTTP 402 license", 402), False), (ApiError("HTTP 400 bad", 400), False),
    (ApiError("HTTP 500 boom", 500), True), (ApiError("HTTP 503", 503), True), (TransportError("reset"), True),
])
def test_a_failed_start_says_whether_it_may_have_started(error, started):
    with pytest.raises(StartFailed) as raised:
        start(error, endpoint_ids=["a", "b", "c"])
    assert raised.value.may_have_started is started
    text = str(raised.value)
    assert text.startswith("Cortex XDR isolate of 3 endpoints failed: ")
    if started:
        assert "MAY HAVE STARTED" in text and "Action Center for a new Isolate action" in text
    else:
        assert "Nothing started" in text


def test_the_no_endpoint_500_may_have_started_and_says_what_cortex_means():
    error = ApiError("Cortex XDR POST /public_api/v1/endpoints/unisolate failed: HTTP 500 An error occurred while "
                     "processing XDR public API - No endpoint was found for creating the requested action: can't "
                     "create group action id for UNISOLATE", 500)
    with pytest.raises(StartFailed) as raised:
        start(error, action="unisolate", endpoint_ids=["a"])
    text = str(raised.value)
    assert raised.value.may_have_started is True
    assert "Cortex XDR unisolate of 1 endpoint failed: " in text
    assert "UNISOLATE. Cortex XDR answers so when none of the endpoints could take the action" in text
    assert "Action Center for a new Cancel Isolation action" in text


@pytest.mark.parametrize("answer, what", [
    ({"reply": {"status": "1", "endpoints_count": "2"}}, "the reply's keys are endpoints_count, status"),
    ({"reply": {"action_id": "abc"}}, "its action_id is a string"),
    ({"reply": {}}, "the reply's keys are none"),
    ({"error": "x"}, "the answer has no reply object"),
    (None, "the answer has no reply object (got null)"),
])
def test_an_answer_without_a_group_action_id_may_have_started(answer, what):
    with pytest.raises(StartFailed) as raised:
        start(answer)
    assert raised.value.may_have_started is True
    assert what in str(raised.value) and "MAY HAVE STARTED" in str(raised.value)


def test_an_upgrade_answer_without_an_id_asks_for_a_report():
    with pytest.raises(StartFailed) as raised:
        start({"reply": True}, action="upgrade", target_versions={"linux": "8.2.0"})
    assert "Agent Upgrade" in str(raised.value) and "the answer has no reply object" in str(raised.value)
    with pytest.raises(StartFailed) as raised:
        start({"reply": {"upgrade_id": 4}}, action="upgrade", target_versions={"linux": "8.2.0"})
    assert "the reply's keys are upgrade_id; no public source shows the Upgrade Agents answer" in str(raised.value)


def test_a_403_hint_speaks_of_the_response_action():
    assert "can run it" in CortexXdrStart.auth_hint(403, None)
    assert "auth_type" in CortexXdrStart.auth_hint(401, None)
