"""Cybereason parsing, state table and login detection, from recorded allActions payloads."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, AuthError, ConfigError, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiResponse
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.parse import (
    STATS_CLASS,
    batch_key,
    parse_item,
    parse_listing,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.session import (
    Cybereason,
    is_login_answer,
    login_problem,
)

FIXTURE = Path(__file__).parents[3] / "fixtures" / "cybereason" / "all_actions.json"
ITEMS = {i["batchId"]: i for i in json.loads(FIXTURE.read_text())}
VENDOR_EXAMPLE = -2012506538


def cybereason(**options):
    settings = {"url": "http://127.0.0.1:9", "username": "ops@example.com", "password": "pw-secret"}
    settings.update(options)
    return Cybereason(settings)


@pytest.mark.parametrize("batch_id, state, terminal, targets", [
    (VENDOR_EXAMPLE, "succeeded", True, (1, 1, 0, 0)),
    (101, "succeeded", True, (10, 10, 0, 0)),   # AlreadyUpdated and NewerInstalled are upgrade no-ops
    (-102, "partial", True, (10, 9, 1, 0)),
    (103, "failed", True, (3, 0, 3, 0)),        # NotSupported counts as failed
    (-104, "running", False, (40, 4, 0, 36)),
    (105, "pending", False, (5, 0, 0, 5)),
    (-106, "cancelled", True, (3, 1, 2, 0)),    # aborted sensors stay in targets, as failed
    (107, "failed", True, (2, 0, 2, 0)),        # abortTimeout is the sensors' timeout, not a person's cancel
    (108, "partial", True, (4, 3, 1, 0)),       # Disconnected left at the end did not succeed
    (-109, "partial", True, (4, 3, 1, 0)),      # an unknown key is never a success
    (110, "partial", True, (5, 3, 2, 0)),       # sensors the stats do not account for
    (111, "running", False, (4, 2, 0, 2)),      # an unknown key while running may be a new step
    (112, "cancelled", True, (2, 2, 0, 0)),     # abort fields make it cancelled
    (113, "partial", True, (1000, 999, 1, 0)),  # one AbortTimeout sensor among 999 Succeeded
    (-114, "failed", True, (0, 0, 0, 0)),       # final with no stats and no sensors: nothing shows it worked
    (115, "succeeded", True, (2, 2, 0, 0)),     # "finalState": "true" as a string (demisto/content test_data)
    (116, "partial", True, (3, 1, 2, 0)),       # batch aborted by timeout: failed sensors, not a cancel
    (-117, "cancelled", True, (2, 1, 1, 0)),    # Aborted sensors without aborterUser: a cancel (fail safe)
    (118, "running", False, (2, 1, 0, 1)),      # "finalState": "false" as a string
])
def test_state_table(batch_id, state, terminal, targets):
    status = parse_item(ITEMS[batch_id])
    assert (status.state, status.terminal) == (state, terminal)
    assert tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending")) == targets
    assert status.raw is ITEMS[batch_id]
    if ITEMS[batch_id]["globalStats"] is None:
        assert status.extra["stats"] == {}
    else:
        assert status.extra["stats"] is ITEMS[batch_id]["globalStats"]["stats"]
    assert status.action_id == str(batch_id)


def test_every_key_of_the_vendor_example_is_classified():
    assert set(ITEMS[VENDOR_EXAMPLE]["globalStats"]["stats"]) <= set(STATS_CLASS)


def test_unknown_key_reported_and_never_succeeds():
    status = FailurePolicy("100%").apply(parse_item(ITEMS[-109]))
    assert status.extra["unknown_stats"] == {"BrandNewOutcome": 1}
    assert status.extra["sensors"]["unknown"] == 1
    assert status.targets["succeeded"] == 3
    assert any(e["target"] == "BrandNewOutcome" for e in status.errors)


@pytest.mark.parametrize("allowed, succeeded", [("0", False), ("1", True), ("5%", False), ("10%", True)])
def test_partial_against_allowed_failures(allowed, succeeded):
    status = FailurePolicy(allowed).apply(parse_item(ITEMS[-102]))
    assert status.succeeded is succeeded


@pytest.mark.parametrize("allowed, succeeded", [("0", False), ("1", True), ("0.1%", True), ("0.05%", False)])
def test_one_abort_timeout_among_999_is_judged_by_allowed_failures(allowed, succeeded):
    status = FailurePolicy(allowed).apply(parse_item(ITEMS[113]))
    assert status.state == "partial" and status.succeeded is succeeded
    assert status.targets == {"total": 1000, "succeeded": 999, "failed": 1, "pending": 0}


def test_final_batch_without_sensors_never_succeeds():
    status = FailurePolicy("100%").apply(parse_item(ITEMS[-114]))
    assert (status.state, status.terminal, status.succeeded) == ("failed", True, False)
    assert "no sensors and no stats" in status.errors[-1]["message"]
    assert status.vendor_status == "final: no sensors"


@pytest.mark.parametrize("batch_id", [-106, -117])
def test_cancel_by_a_person_never_succeeds(batch_id):
    assert FailurePolicy("100%").apply(parse_item(ITEMS[batch_id])).succeeded is False


def test_cancelled_never_succeeds_even_when_all_sensors_did():
    assert FailurePolicy("100%").apply(parse_item(ITEMS[112])).succeeded is False


def test_errors_vendor_status_and_times():
    status = parse_item(ITEMS[103])
    assert status.errors == [
        {"target": "EndedWithSensorTimeout", "message": "1 sensor", "time": None},
        {"target": "Failed", "message": "1 sensor", "time": None},
        {"target": "NotSupported", "message": "1 sensor", "time": None},
    ]
    assert status.vendor_status == "final: EndedWithSensorTimeout=1, Failed=1, NotSupported=1"
    assert status.started_at == "2023-11-14T22:13:20.000Z" and status.finished_at is None
    aborted = parse_item(ITEMS[-106])
    assert aborted.vendor_status.startswith("final, aborted: ")
    assert aborted.finished_at == "2023-11-14T22:14:20.000Z"
    assert aborted.errors[-1] == {"target": "batch", "message": "aborted by ops@example.com",
                                  "time": "2023-11-14T22:14:20.000Z"}
    timed_out = parse_item(ITEMS[107])
    assert timed_out.errors[-1]["message"] == "aborted by a sensor timeout (abortTimeout), not by a person"
    assert timed_out.vendor_status == "final, aborted by sensor timeout: AbortTimeout=2"
    assert {"target": "AbortTimeout", "message": "2 sensors", "time": None} in timed_out.errors


def test_extra_keys():
    status = parse_item(ITEMS[105]).as_dict()
    assert status["action_type"] == "SchedulerScan"
    assert status["sensors"] == {"succeeded": 0, "failed": 0, "cancelled": 0, "pending": 5, "unknown": 0}
    assert status["unknown_stats"] == {}


def test_sensors_the_stats_leave_out_are_pending_in_sensors_then_failed_targets():
    """RETURN actions[].sensors: totalNumberOfProbes beyond the stats is pending, not unknown."""
    item = {"batchId": 9, "finalState": True, "totalNumberOfProbes": 5, "globalStats": {"stats": {"Succeeded": 3}}}
    status = parse_item(item)
    assert status.extra["sensors"] == {"succeeded": 3, "failed": 0, "cancelled": 0, "pending": 2, "unknown": 0}
    assert status.state == "partial" and status.targets == {"total": 5, "succeeded": 3, "failed": 2, "pending": 0}


@pytest.mark.parametrize("given, key", [("-2012506538", "-2012506538"), (-5, "-5"), (" 42 ", "42"), ("+7", "7"),
                                        ("007", "7")])
def test_batch_key_accepts_numbers_and_strings(given, key):
    assert batch_key(given) == key


@pytest.mark.parametrize("given", ["abc", "1_000", "\u0661\u0662", "\u00b2", "1.5", "", "--1", "0x10", "-",
                                   "1" * 5000, True, 1.5, "\uff11"])
def test_batch_key_rejects_non_numbers(given):
    with pytest.raises(ConfigError, match="whole numbers"):
        batch_key(given)


def test_malformed_id_is_refused_before_any_request():
    with pytest.raises(ConfigError, match="whole numbers"):
        cybereason(action_ids=["-5", "../../logout"])


def test_credentials_required():
    with pytest.raises(ConfigError, match="CYBEREASON_PASSWORD"):
        cybereason(password=None)


@pytest.mark.parametrize("url, text, cookie, problem", [
    ("https://h/", "<app-root></app-root>", "ABC", None),
    ("https://h/login.html?error", "<app-login></app-login>", "ABC", "login page"),
    ("https://h/login.html", "<html><app-login></app-login></html>", "ABC", "login page"),
    ("https://h/password-reset.html", "<html></html>", "ABC", "expired"),
    ("https://h/", "Two factor authentication", "ABC", "two-factor"),
    ("https://h/", "<app-root></app-root>", None, "no JSESSIONID"),
    ("https://error-tenant.cybereason.net/", "<app-root></app-root>", "ABC", None),  # host is not the path
])
def test_login_problem(url, text, cookie, problem):
    found = login_problem(url, text, cookie)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("status, body, expected", [
    (302, None, True), (302, "<html>", True), (200, "<!DOCTYPE html><app-login>", True),
    (200, '{"items": [', False), (401, "<html>", False), (None, None, False)])
def test_is_login_answer(status, body, expected):
    assert is_login_answer(status, body) is expected


class LogoutClient:
    """Stands in for ApiClient in close(): records each request (with the short budget it ran
    under, ApiClient.short_budget, or None), answers or raises as told."""

    def __init__(self, outcome=None):
        self.outcome = outcome
        self.calls = []
        self.budget = None

    @contextlib.contextmanager
    def short_budget(self, seconds):
        self.budget = seconds
        try:
            yield self
        finally:
            self.budget = None

    def request(self, method, path, **kwargs):
        self.calls.append((method, path, kwargs, self.budget))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    @staticmethod
    def message(text):
        return text


def logged_in(client):
    vendor = Cybereason({"url": "https://cr.example", "username": "u", "password": "pw-secret"}, client=client)
    vendor.logged_in = True
    return vendor


def test_close_logs_out_once_without_retries_or_redirects():
    client = LogoutClient()
    vendor = logged_in(client)
    vendor.close()
    vendor.close()
    # its own 2 s budget, even after a wait whose deadline has passed
    assert client.calls == [("GET", "/logout", {"expect_json": False, "allow_redirects": False, "idempotent": False},
                             2.0)]
    assert client.budget is None
    assert vendor.logged_out is True and vendor.logged_in is False


def test_close_without_a_session_sends_nothing():
    client = LogoutClient()
    Cybereason({"url": "https://cr.example", "username": "u", "password": "pw-secret"}, client=client).close()
    assert client.calls == []


def test_close_accepts_a_session_already_gone_and_raises_other_trouble():
    gone = logged_in(LogoutClient(AuthError("HTTP 401", 401)))
    gone.close()
    assert gone.logged_out is False
    for trouble in (ApiError("HTTP 500", 500), TransportError("connection refused")):
        client = LogoutClient(trouble)
        with pytest.raises(TransportError, match=r"Cybereason logout \(GET /logout\) failed: (HTTP 500|connection)"):
            logged_in(client).close()
        assert client.budget is None


@pytest.mark.parametrize("text, body, what", [("", None, "empty"), ("null", None, "null")])
def test_an_empty_or_null_answer_is_not_taken_for_the_login_page(text, body, what):
    """A 200 with no body (or JSON null) is an unexpected shape: no second login, no claim that the
    server refused the session."""
    client = LogoutClient(ApiResponse(200, {}, body, text, "https://cr.example/rest/sensors/allActions"))
    vendor = logged_in(client)
    with pytest.raises(ApiError, match="unexpected shape: the answer is %s, not a list of batches" % what):
        vendor.all_actions()
    assert [call[:2] for call in client.calls] == [("GET", "/rest/sensors/allActions")]


@pytest.mark.parametrize("types, expected", [(None, [VENDOR_EXAMPLE, 101]), (["archive"], [VENDOR_EXAMPLE]),
                                             (["UPGRADE", "x"], [101])])
def test_listing_filters_action_types_without_regard_to_case(types, expected):
    body = [ITEMS[VENDOR_EXAMPLE], ITEMS[101]]
    assert [s.action_id for s in parse_listing(body, types)] == [str(i) for i in expected]


class ScrubbingClient(LogoutClient):
    """LogoutClient whose run has one secret, as ApiClient.message masks it."""

    @staticmethod
    def message(text):
        return text.replace("pw-secret", "********")


def test_fetch_remembers_what_it_saw_and_scrubs_a_parse_error():
    body = [ITEMS[VENDOR_EXAMPLE], ITEMS[101]]
    vendor = logged_in(ScrubbingClient(ApiResponse(200, {}, body, "[...]", "https://cr.example/rest/sensors/allActions")))
    found = vendor.fetch([str(VENDOR_EXAMPLE), " 101"])
    assert sorted(found) == [" 101", str(VENDOR_EXAMPLE)]
    assert vendor.last_seen == dict((i, s.summary()) for i, s in found.items())
    echo = [{"batchId": 5, "globalStats": {"stats": {"Succeeded": "pw-secret"}}}]
    vendor = logged_in(ScrubbingClient(ApiResponse(200, {}, echo, "[...]", "https://cr.example/rest/sensors/allActions")))
    with pytest.raises(ApiError) as caught:
        vendor.fetch(["5"])
    assert "pw-secret" not in str(caught.value) and "pw-secret" not in caught.value.message
    assert "item 0 (batchId 5): globalStats.stats['Succeeded'] is a string, not a count" in caught.value.message


@pytest.mark.parametrize("field, value, what", [
    ("totalNumberOfProbes", "\u00b2", "totalNumberOfProbes is a string, not a count"),
    ("totalNumberOfProbes", -1, "totalNumberOfProbes is a number, not a count"),
    ("totalNumberOfProbes", 1.5, "totalNumberOfProbes is a number, not a count"),
    ("totalNumberOfProbes", True, "totalNumberOfProbes is a boolean, not a count"),
    ("finalState", "yes", "finalState is a string ('yes'), not true or false"),
    ("abortTimeout", 1, "abortTimeout is a number (1), not true or false"),
    ("globalStats", [], "globalStats is an array, not an object"),
    ("batchId", 1.0, "batchId is a number (1.0), not a whole number"),
    ("batchId", "\u0663", "batchId is a string ('\u0663'), not a whole number"),
])
def test_a_field_of_another_type_is_a_shape_error_naming_item_and_field(field, value, what):
    item = dict(ITEMS[101], **{field: value})
    with pytest.raises(ApiError) as caught:
        parse_item(item, 4)
    assert caught.value.message.startswith("Cybereason answered GET /rest/sensors/allActions with an unexpected shape: "
                                           "item 4 (batchId ")
    assert what in caught.value.message and caught.value.status == 200


@pytest.mark.parametrize("value", [True, "\u0661\u0662", 10 ** 400, 1e308, -5, 1.5e12 + 0.5, "soon", [1], float("nan")])
def test_a_time_that_is_not_epoch_milliseconds_is_no_time(value):
    status = parse_item(dict(ITEMS[103], startTime=value))
    assert status.started_at is None


def test_the_package_and_its_parts():
    """The package re-exports what plugins and tests use; parse.py imports nothing that sends."""
    import re

    from ansible_collections.actiongate.agents.plugins.module_utils._vendors import cybereason
    from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason import argspec, parse, session

    assert cybereason.Cybereason is session.Cybereason and cybereason.item_key is parse.item_key
    assert Cybereason.OPTIONS is argspec.OPTIONS and Cybereason.SECRET_OPTIONS == ("password",)
    imported = set(re.findall(r"module_utils\.(\w+)", Path(parse.__file__).read_text()))
    assert imported <= {"_shape", "_status", "_errors"}, imported
