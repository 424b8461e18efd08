"""Cybereason's start side: the request, how its answer is judged, and one login, one POST and one
logout per run, with the recorded start answer (rapid7/insightconnect-plugins, kept in
tests/unit/fixtures/recorded/cybereason/rapid7_archive_sensor_response.json)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, AuthError, ConfigError, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiResponse
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartFailed, StartRequest, send_once, start_failure,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.argspec import (
    CREDENTIALS, OPTIONS, START_MODULE_KWARGS, START_OPTIONS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.session import Cybereason
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.start import (
    PATHS, CybereasonStart, read_answer, start_request, unmatched,
)

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "cybereason"
RAPID7 = json.loads((RECORDED / "rapid7_archive_sensor_response.json").read_text())["answer"][0]
IDS = ["PYLUMCLIENT_A_01", "PYLUMCLIENT_B_02"]
LOGIN = "<!DOCTYPE html><html><body><app-login><form></form></app-login></body></html>"


def options(**more):
    settings = {"url": "https://cr.example", "username": "ops@example.com", "password": "pw-secret",
                "action": "upgrade", "sensor_ids": list(IDS), "scan_type": None, "include_raw": True}
    settings.update(more)
    return settings


# ---- the request ---------------------------------------------------------------------------------

@pytest.mark.parametrize("action, scan_type, body", [
    ("upgrade", None, {"sensorsIds": IDS}),
    ("restart", None, {"sensorsIds": IDS}),
    ("scan", "FULL", {"sensorsIds": IDS, "argument": "FULL"}),
    ("scan", "QUICK", {"sensorsIds": IDS, "argument": "QUICK"}),
])
def test_one_request_per_action(action, scan_type, body):
    request, ids = start_request(options(action=action, scan_type=scan_type))
    assert ids == IDS and request.method == "POST" and request.path == PATHS[action] and request.body == body
    # the login redirect is the answer, never followed; the answer is decoded by read_answer
    assert request.allow_redirects is False and request.expect_json is False
    assert request.headers == {"Content-Type": "application/json"}
    assert request.as_dict() == {"method": "POST", "path": PATHS[action], "body": body}


def test_the_paths():
    assert PATHS == {"upgrade": "/rest/sensors/action/upgrade", "restart": "/rest/sensors/action/restart",
                     "scan": "/rest/sensors/action/schedulerScan"}


@pytest.mark.parametrize("more, words", [
    ({"sensor_ids": []}, "sensor_ids must list at least one target"),
    ({"sensor_ids": ["a", " "]}, r"sensor_ids has a blank item \(position 2\)"),
    ({"sensor_ids": ["a", "b", " a"]}, "sensor_ids lists 'a' more than once"),
    ({"sensor_ids": [str(i) for i in range(1001)]}, "sensor_ids lists 1001 targets; this module .* at most 1000"),
    ({"action": "scan"}, "scan_type is required with action=scan: FULL or QUICK"),
    ({"action": "scan", "scan_type": " "}, "scan_type is required with action=scan"),
    ({"action": "scan", "scan_type": "full"}, "scan_type must be FULL or QUICK"),
    ({"action": "restart", "scan_type": "FULL"}, r"scan_type cannot be used with action=restart \(scan_type is for"),
    ({"action": "uninstall"}, "action must be one of upgrade, restart, scan"),
])
def test_input_is_checked_before_any_request(more, words):
    with pytest.raises(ConfigError, match=words):
        start_request(options(**more))


def test_a_thousand_sensors_is_the_limit():
    assert len(start_request(options(sensor_ids=["s%d" % i for i in range(1000)]))[1]) == 1000


def test_the_options():
    assert {k: START_OPTIONS[k] for k in CREDENTIALS} == {k: OPTIONS[k] for k in CREDENTIALS}
    assert START_OPTIONS["action"]["choices"] == ["upgrade", "restart", "scan"]
    assert START_OPTIONS["scan_type"]["choices"] == ["FULL", "QUICK"]
    assert START_OPTIONS["sensor_ids"] == {"type": "list", "elements": "str", "required": True}
    assert START_OPTIONS["include_raw"] == {"type": "bool", "default": True}
    assert START_MODULE_KWARGS == {"required_if": [("action", "scan", ("scan_type",))]}
    assert CybereasonStart.OPTIONS is START_OPTIONS and CybereasonStart.SECRET_OPTIONS == ("password",)


# ---- the answer ------------------------------------------------------------------------------------

def test_the_recorded_answer_is_a_batch():
    answer = read_answer(200, {}, json.dumps(RAPID7))
    assert (answer.refused, answer.unclear, answer.batch_id, answer.probes, answer.problem) == (
        None, None, "-12345678", 1, None)
    assert answer.batch == RAPID7


@pytest.mark.parametrize("location, shown", [
    ("/login.html", "/login.html"),
    ("https://cr.example/login.html", "/login.html"),
    ("/login.html;jsessionid=ABCDEF0123?error", "/login.html"),
    ("/LOGIN.html", "/LOGIN.html"),
])
def test_a_redirect_to_the_login_page_is_a_refusal(location, shown):
    answer = read_answer(302, {"Location": location}, "<html>Redirecting</html>")
    assert answer.refused.startswith("Cybereason answered HTTP 302 to its login page (%s) instead of acting" % shown)
    assert "jsessionid" not in answer.refused and answer.unclear is None


@pytest.mark.parametrize("status, headers, words", [
    (302, {"Location": "/"}, "HTTP 302, a redirect to /, where a batch was expected"),
    (307, {"Location": "https://cr.example/rest/v2/upgrade"}, "a redirect to /rest/v2/upgrade"),
    (302, {}, "a redirect without a Location"),
    (200, {}, "with an empty body"),
    (201, {}, "with an empty body"),
])
def test_another_redirect_or_an_empty_success_may_have_started(status, headers, words):
    answer = read_answer(status, headers, "")
    assert answer.refused is None and words in answer.unclear


def test_204_is_a_refusal_no_sensor_matched():
    answer = read_answer(204, {}, "")
    assert "HTTP 204" in answer.refused and "none of the sensors matched" in answer.refused


def test_the_login_page_itself_is_a_refusal_other_html_is_not():
    assert "with its login page (HTTP 200)" in read_answer(200, {}, LOGIN).refused
    other = read_answer(200, {}, "<html><body>Service maintenance</body></html>")
    assert other.refused is None and "not JSON" in other.unclear


@pytest.mark.parametrize("body, batch_id, probes, problem", [
    ({"batchId": "-5", "totalNumberOfProbes": "3"}, "-5", 3, None),
    ({"batchId": 7, "totalNumberOfProbes": 0}, "7", 0, None),
    ({"batchId": 7}, "7", None, "totalNumberOfProbes is missing, not a count"),
    ({"batchId": 7, "totalNumberOfProbes": -1}, "7", None, "totalNumberOfProbes is a number, not a count"),
    ({"batchId": 7, "totalNumberOfProbes": "\u00b2"}, "7", None, "totalNumberOfProbes is a string, not a count"),
    ({"batchId": True, "totalNumberOfProbes": 1}, None, 1, None),
    ({"batchId": 1.5, "totalNumberOfProbes": 1}, None, 1, None),
    ({"batchId": "\u0663", "totalNumberOfProbes": 1}, None, 1, None),
    ({"totalNumberOfProbes": 1}, None, 1, None),
])
def test_batch_ids_and_counts_are_read_fail_safe(body, batch_id, probes, problem):
    answer = read_answer(200, {}, json.dumps(body))
    assert (answer.batch_id, answer.probes, answer.problem) == (batch_id, probes, problem)


@pytest.mark.parametrize("text", ["[1, 2]", "null", "\"ok\"", "[" * 5000 + "]" * 5000])
def test_an_answer_that_is_not_an_object_names_no_batch(text):
    answer = read_answer(200, {}, text)
    assert answer.batch_id is None and answer.refused is None


def test_unmatched_sensors():
    assert unmatched(IDS, 2, None, "-5") == ([], 0, None)
    listed, count, warning = unmatched(IDS + ["c"], 2, None, "-5")
    assert (listed, count) == (IDS + ["c"], 1) and "took 2 of the 3 sensors asked into batch -5" in warning
    assert "1 of them is not part of it" in warning and "does not say which" in warning
    assert "2 of them are not part" in unmatched(IDS + ["c", "d"], 2, None, "-5")[2]
    listed, count, warning = unmatched(IDS, None, "totalNumberOfProbes is missing, not a count", "-5")
    assert (listed, count) == (IDS, None) and "does not say how many sensors it took" in warning
    listed, count, warning = unmatched(IDS, 3, None, "-5")
    assert (listed, count) == ([], 0) and "more than the 2 asked" in warning


# ---- the run: one login, one POST, one logout --------------------------------------------------------

class Cookie:
    def __init__(self, value):
        self.name, self.value = "JSESSIONID", value


class Cookies(list):
    def clear(self):
        del self[:]


class Session:
    def __init__(self):
        self.cookies = Cookies()


class FakeClient:
    """Stands in for ApiClient: answers the login, then the start as told, then the logout; records
    each request."""

    base_url = "https://cr.example"

    def __init__(self, start=None, login=None, logout=None):
        self.start, self.login, self.logout = start, login, logout
        self.calls, self.secrets = [], []
        self.session = Session()
        self.deadline, self.timeout = None, 30.0

    def request(self, method, path, **kwargs):
        self.calls.append((method, path, kwargs))
        outcome = {"/login.html": self.login, "/logout": self.logout}.get(path, self.start)
        if path == "/login.html" and outcome is None:
            self.session.cookies.append(Cookie("SESSION-1234"))
            return ApiResponse(200, {}, None, "<html><app-root></app-root></html>", "https://cr.example/")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome if outcome is not None else ApiResponse(302, {"Location": "/login.html"}, None, "", path)

    def add_secret(self, value):
        self.secrets.append(value)

    @contextlib.contextmanager
    def short_budget(self, seconds):
        yield self

    @staticmethod
    def message(text):
        return text.replace("pw-secret", "********").replace("SESSION-1234", "********")


def answer(status=200, body=None, headers=None, text=None):
    return ApiResponse(status, headers or {}, None, text if text is not None else json.dumps(body), "u")


def vendor(client, **more):
    return CybereasonStart(options(**more), client=client)


def paths(client):
    return [(method, path) for method, path, _kwargs in client.calls]


def test_a_run_logs_in_posts_once_and_logs_out():
    client = FakeClient(start=answer(body=dict(RAPID7, actionType="Upgrade", totalNumberOfProbes=2)))
    result = vendor(client).run()
    assert paths(client) == [("POST", "/login.html"), ("POST", "/rest/sensors/action/upgrade"), ("GET", "/logout")]
    post = client.calls[1][2]
    assert post["idempotent"] is False and post["allow_redirects"] is False and post["expect_json"] is False
    assert post["json_body"] == {"sensorsIds": IDS}
    assert result == {"changed": True, "action_id": "-12345678", "action_ids": ["-12345678"], "action": "upgrade",
                      "sensor_ids": IDS, "sensors_count": 2, "unmatched_sensors": [], "unmatched_count": 0,
                      "action_type": "Upgrade", "raw": dict(RAPID7, actionType="Upgrade", totalNumberOfProbes=2)}
    assert client.secrets == ["SESSION-1234"]


def test_include_raw_false_leaves_raw_out_and_a_partial_match_warns():
    client = FakeClient(start=answer(body={"batchId": -9, "totalNumberOfProbes": 1, "actionType": "Restart"}))
    result = vendor(client, action="restart", include_raw=False).run()
    assert "raw" not in result and result["unmatched_sensors"] == IDS and result["unmatched_count"] == 1
    assert result["warnings"][0].startswith("Cybereason took 1 of the 2 sensors asked into batch -9")


def test_check_mode_logs_in_and_out_and_posts_nothing():
    client = FakeClient()
    result = vendor(client, action="scan", scan_type="QUICK").run(check_mode=True)
    assert paths(client) == [("POST", "/login.html"), ("GET", "/logout")]
    assert result["action_id"] is None and result["changed"] is True
    assert result["requests"] == [{"method": "POST", "path": "/rest/sensors/action/schedulerScan",
                                   "body": {"sensorsIds": IDS, "argument": "QUICK"}}]


def test_bad_input_sends_nothing():
    client = FakeClient()
    with pytest.raises(ConfigError):
        vendor(client, sensor_ids=[]).run()
    assert client.calls == []


@pytest.mark.parametrize("trouble", [
    ApiResponse(200, {}, None, "<html><app-login></app-login></html>", "https://cr.example/login.html?error"),
    TransportError("Could not reach Cybereason"),
    AuthError("HTTP 401", 401),
])
def test_a_login_that_fails_says_nothing_started_and_posts_nothing(trouble):
    client = FakeClient(login=trouble)
    with pytest.raises(StartFailed) as raised:
        vendor(client).run()
    assert raised.value.may_have_started is False
    assert str(raised.value).startswith("Cybereason upgrade of 2 sensors failed before its request was sent: ")
    assert "Nothing started, so a re-run is safe" in str(raised.value)
    assert ("POST", "/rest/sensors/action/upgrade") not in paths(client)


@pytest.mark.parametrize("start, maybe, words", [
    (answer(204, text=""), False, "HTTP 204"),
    (answer(302, headers={"Location": "/login.html"}, text=""), False, "HTTP 302 to its login page"),
    (answer(200, text=LOGIN), False, "with its login page (HTTP 200)"),
    (AuthError("Cybereason POST /rest/sensors/action/upgrade failed: HTTP 403 denied", 403), False, "HTTP 403"),
    (ApiError("Cybereason POST /rest/sensors/action/upgrade failed: HTTP 400 bad", 400), False, "HTTP 400"),
    (ApiError("Cybereason POST /rest/sensors/action/upgrade failed: HTTP 500 boom", 500), True, "HTTP 500"),
    (ApiError("HTTP 503", 503), True, "HTTP 503"),
    (TransportError("Could not reach Cybereason: reset"), True, "reset"),
    (answer(302, headers={"Location": "/elsewhere"}, text=""), True, "a redirect to /elsewhere"),
    (answer(200, text="<html>maintenance</html>"), True, "not JSON"),
    (answer(200, text=""), True, "empty body"),
    (answer(200, body={"nope": 1}), True, "the answer has no batchId: the answer's keys are nope"),
    (answer(200, body={"batchId": "x1"}), True, "no batchId that is a whole number: it is a string ('x1')"),
    (answer(200, body=[RAPID7]), True, "the answer has no batch object (got an array of 1 item)"),
])
def test_a_failed_start_says_whether_it_may_have_started_and_still_logs_out(start, maybe, words):
    client = FakeClient(start=start)
    with pytest.raises(StartFailed) as raised:
        vendor(client).run()
    assert raised.value.may_have_started is maybe
    message = str(raised.value)
    assert message.startswith("Cybereason upgrade of 2 sensors failed: ") and words in message, message
    assert ("MAY HAVE STARTED" in message) is maybe and ("Nothing started" in message) is (not maybe)
    if maybe:
        assert "cybereason_action_status (without action_ids)" in message
    # one POST, never repeated (no second login after the login page), and the logout
    assert paths(client) == [("POST", "/login.html"), ("POST", "/rest/sensors/action/upgrade"), ("GET", "/logout")]


def test_a_failed_logout_is_a_warning_of_the_result_or_of_the_failure():
    ok = FakeClient(start=answer(body={"batchId": 5, "totalNumberOfProbes": 2}), logout=ApiError("HTTP 500", 500))
    result = vendor(ok).run()
    assert result["action_id"] == "5"
    assert result["warnings"] == ["Could not end the Cybereason session: Cybereason logout (GET /logout) failed: "
                                  "HTTP 500 The session ends by itself when it expires."]
    failed = FakeClient(start=ApiError("HTTP 500", 500), logout=ApiError("HTTP 500", 500))
    with pytest.raises(StartFailed) as raised:
        vendor(failed).run()
    assert raised.value.details["warnings"][0].startswith("Could not end the Cybereason session")


def test_an_unexpected_error_still_logs_out_and_a_broken_logout_is_a_warning():
    client = FakeClient(start=ZeroDivisionError("bug"))
    with pytest.raises(ZeroDivisionError):
        vendor(client).run()
    assert paths(client)[-1] == ("GET", "/logout")
    broken = FakeClient(start=answer(body={"batchId": 5, "totalNumberOfProbes": 2}), logout=KeyError("x"))
    result = vendor(broken).run()
    assert result["action_id"] == "5" and "unexpected KeyError" in result["warnings"][0]


def test_the_403_hint_is_about_starting_actions():
    assert "to start sensor actions" in CybereasonStart.auth_hint(403, None)
    assert "read allActions" in Cybereason.auth_hint(403, None)
    assert CybereasonStart.auth_hint(401, None) == "Check username and password."


def test_refusal_messages_are_scrubbed():
    client = FakeClient(start=answer(302, headers={"Location": "/login.html;jsessionid=SESSION-1234"}, text=""))
    with pytest.raises(StartFailed) as raised:
        vendor(client).run()
    assert "SESSION-1234" not in str(raised.value) and "jsessionid" not in str(raised.value)


# ---- what the start side added to _start -------------------------------------------------------------

def test_send_once_passes_allow_redirects_and_a_request_follows_them_by_default():
    class Client:
        calls = []

        def request(self, method, path, **kwargs):
            self.calls.append(kwargs["allow_redirects"])
            return "answer"

    client = Client()
    assert send_once(client, StartRequest("/x", {}), "w", "l") == "answer"
    assert send_once(client, StartRequest("/x", {}, allow_redirects=False), "w", "l") == "answer"
    assert client.calls == [True, False]


def test_start_failure_refused_overrides_what_the_status_says():
    assert start_failure(ApiError("HTTP 302", 302), "w", "l").may_have_started is True
    refused = start_failure(ApiError("login page", 302), "w", "look", refused=True)
    assert refused.may_have_started is False and "Nothing started: the request was refused (HTTP 302)" in str(refused)
    maybe = start_failure(ApiError("HTTP 400", 400), "w", "look", refused=False)
    assert maybe.may_have_started is True and "MAY HAVE STARTED" in str(maybe)
