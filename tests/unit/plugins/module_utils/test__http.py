"""The pure parts of the HTTP client: Retry-After, error envelopes, answers, scrubbing, TLS advice,
and the client's retries on a transport that never opens a socket (a stand-in ``send_once``).
(Against real servers: tests/integration/module_utils/test_http_client_sockets.py.)"""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils import _http
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, AuthError, DeadlineExceeded, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import (
    ApiClient, Deadline, envelope_message, retry_after_seconds, scrub, tls_problem,
)
from ansible_collections.actiongate.agents.plugins.module_utils._transport import Failure
from tests.unit.plugins.module_utils.fake_clock import FakeClock

KEY = "c2ltLWtleTpzZWNyZXQ="


def test_retry_after_http_date():
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 18 <= retry_after_seconds(when) <= 20
    assert retry_after_seconds("12") == 12 and retry_after_seconds("soon") is None


@pytest.mark.parametrize("value", ["²", "١٢", "12.5", "-3", "", "  ", "1e3", "Wed, 99 Foo 2026 25:61:61 GMT"])
def test_retry_after_that_is_no_delta_seconds_nor_a_date_is_none(value):
    """str.isdigit() takes "²" and Arabic-Indic digits, which int() refuses or reads: not seconds."""
    assert retry_after_seconds(value) is None


def test_retry_after_in_the_past_is_zero_and_blanks_around_seconds_are_fine():
    assert retry_after_seconds(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0
    assert retry_after_seconds(" 7 ") == 7.0 and retry_after_seconds(None) is None


@pytest.mark.parametrize("body, message", [
    ({"statusCode": 400, "error": "Bad Request", "message": "Request must contain a kbn-xsrf header."},
     "Request must contain a kbn-xsrf header."),
    ({"reply": {"err_code": 402, "err_msg": "No license", "err_extra": "Cortex XDR Pro"}}, "No license: Cortex XDR Pro"),
    ({"kind": "puppetlabs.orchestrator/unknown-job", "msg": "No job 81", "details": {}},
     "No job 81: puppetlabs.orchestrator/unknown-job"),
    ({"message": "Validation failed.", "errors": ["bad id", "bad state"]}, "Validation failed. (bad id; bad state)"),
    (["not", "an", "envelope"], None),
])
def test_envelopes(body, message):
    assert envelope_message(body) == message


def test_scrub_masks_longest_first():
    assert scrub("key=abcdef and abcdefgh", ["abcdef", "abcdefgh"]) == "key=******** and ********"
    assert scrub("short ab", ["ab"]) == "short ab"  # too short to mask safely


@pytest.mark.parametrize("reason, problem", [
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate", "verification"),
    ("[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required", "client certificate"),
    ("[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate", "client certificate"),
    ("EOF occurred in violation of protocol", "handshake"),
])
def test_tls_problem(reason, problem):
    assert tls_problem(reason) == problem


# ---- the client on a scripted wire: no socket is opened ----------------------------------------


def answer(status=200, text='{"items": []}', headers=None):
    response = requests.models.Response()
    response.status_code, response._content, response._content_consumed = status, text.encode(), True
    response.headers.update(headers or {})
    response.url, response.reason = "https://kibana.example/api", "Reason"
    return response


@pytest.fixture
def wire(monkeypatch):
    """``send_once`` replaced by a script: each call takes the next step (an answer, or a Failure)."""
    script, sent = [], []

    def send_once(session, lock, verify, budget, request, max_body):
        sent.append((request.method, request.url, budget))
        step = script.pop(0)
        if callable(step):
            step = step()
        return (step, None) if isinstance(step, Failure) else (None, step)

    monkeypatch.setattr(_http, "send_once", send_once)
    return script, sent


def client(clock, **kwargs):
    return ApiClient("https://kibana.example", "Kibana", secrets=[KEY], clock=clock, sleep=clock.sleep,
                     jitter=lambda low, high: high, **kwargs)


def test_a_get_is_retried_on_503_and_429_honouring_retry_after(wire):
    script, sent = wire
    script += [answer(503, "{}"), answer(429, "{}", {"Retry-After": "7"}), answer()]
    clock = FakeClock()
    assert client(clock).get_json("/api") == {"items": []}
    assert len(sent) == 3 and clock.sleeps == [1.0, 7.75]  # 0.5 * 2 ** 1, then Retry-After plus its jitter


def test_a_retry_after_of_superscript_two_is_no_hint_not_a_crash(wire):
    script, sent = wire
    script += [answer(503, "{}", {"Retry-After": "²"}), answer()]
    clock = FakeClock()
    assert client(clock).get_json("/api") == {"items": []}
    assert clock.sleeps == [1.0]  # the backoff, not a ValueError from int("²")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_start_is_never_retried(wire, method):
    script, sent = wire
    script += [answer(503, '{"message": "busy"}'), answer()]
    with pytest.raises(ApiError, match="HTTP 503 busy"):
        client(FakeClock()).request(method, "/api/fleet/agents/bulk_upgrade", json_body={"agents": ["a1"]})
    assert len(sent) == 1


@pytest.mark.parametrize("status, error", [(401, AuthError), (403, AuthError), (404, ApiError)])
def test_refusals_are_never_retried_and_are_scrubbed(wire, status, error):
    script, sent = wire
    script += [answer(status, '{"message": "key %s refused"}' % KEY)]
    with pytest.raises(error) as caught:
        client(FakeClock(), auth_hint=lambda status, body: "Check api_key.").get_json("/api")
    assert len(sent) == 1 and KEY not in str(caught.value) and "HTTP %d" % status in str(caught.value)


def test_connection_trouble_without_a_wait_is_tried_three_times(wire):
    script, sent = wire
    script += [lambda: Failure("connecting to", exc=ConnectionRefusedError("Connection refused"))] * 6
    clock = FakeClock()
    with pytest.raises(TransportError, match=r"^Could not reach Kibana at https://kibana.example: Connection refused "
                                             r"\(3 attempts in 3\.0 s\)\.$"):
        client(clock).get_json("/api")
    assert len(sent) == 3 and clock.sleeps == [1.0, 2.0]


def test_a_tls_failure_is_not_retried_and_says_what_to_set(wire):
    script, sent = wire
    reason = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
    script += [Failure("connecting to", exc=Exception(reason), tls=Exception(reason))]
    with pytest.raises(TransportError, match="TLS verification failed for Kibana https://kibana.example: .*Set ca_path"):
        client(FakeClock()).get_json("/api")
    assert len(sent) == 1


def test_every_call_reads_the_one_deadline_it_was_given(wire):
    script, sent = wire
    clock = FakeClock()
    deadline = Deadline(60, clock)
    api = client(clock, deadline=deadline)
    script += [answer()]
    api.get_json("/api")
    assert sent[0][2].deadline is deadline and api.deadline is deadline
    clock.now += 61
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=60\) before sending Kibana GET /next\.$"):
        api.get_json("/next")
    assert len(sent) == 1


def test_a_short_budget_runs_outside_the_deadline_and_ends_with_the_block(wire):
    script, sent = wire
    clock = FakeClock()
    deadline = Deadline(5, clock)
    api = client(clock, deadline=deadline, timeout=30)
    clock.now += 100  # the wait used up its deadline
    script += [answer(), Failure("waiting for the answer of", timed_out=True)]
    with api.short_budget(2):
        assert api.time_left() == 2.0
        api.request("GET", "/logout", expect_json=False)
        with pytest.raises(TransportError, match=r"^Kibana GET /logout did not answer within 2 seconds \(request_timeout\)"):
            api.request("GET", "/logout", expect_json=False, idempotent=False)
    budget = sent[0][2]
    assert budget.deadline is None and budget.timeout == 2.0
    assert api.deadline is deadline and api.timeout == 30.0 and api.time_left() == 0.0


def test_time_left_is_the_deadlines_or_one_request_timeout():
    clock = FakeClock()
    api = ApiClient("https://kibana.example", "Kibana", clock=clock, timeout=30)
    assert api.time_left() == 30.0
    api.deadline = Deadline(600, clock)
    clock.now += 100
    assert api.time_left() == 500.0


# ---- under a wait: an outage is ridden out to the deadline ---------------------------------------

def waiting_client(clock, seconds=120, **kwargs):
    retries = []
    api = client(clock, deadline=Deadline(seconds, clock), **kwargs)
    api.on_retry = lambda text, troubled, attempts: retries.append((text, troubled, attempts))
    return api, retries


def test_under_a_wait_a_503_outage_is_retried_past_six_attempts_with_capped_delays(wire):
    script, sent = wire
    script += [answer(503, "{}")] * 12 + [answer()]
    clock = FakeClock()
    api, retries = waiting_client(clock)
    assert api.get_json("/api") == {"items": []}
    assert len(sent) == 13
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0] + [10.0] * 8  # capped at WAIT_RETRY_CAP
    assert [r[2] for r in retries] == list(range(1, 13))
    assert retries[0] == ("Kibana GET /api answered HTTP 503", 0.0, 1)
    assert retries[-1][1] == pytest.approx(sum(clock.sleeps[:-1]))  # failing since the first attempt


def test_under_a_wait_the_backoff_is_jittered_between_half_and_all_of_its_step(wire):
    script, sent = wire
    script += [answer(503, "{}")] * 8 + [answer()]
    clock = FakeClock()
    asked = []
    api = ApiClient("https://kibana.example", "Kibana", clock=clock, sleep=clock.sleep, deadline=Deadline(120, clock),
                    jitter=lambda low, high: asked.append((low, high)) or low)
    api.get_json("/api")
    assert asked == [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (5.0, 10.0), (5.0, 10.0), (5.0, 10.0), (5.0, 10.0)]
    assert clock.sleeps == [low for low, _high in asked]


@pytest.mark.parametrize("failure", [
    lambda: Failure("connecting to", exc=ConnectionRefusedError("Connection refused")),
    lambda: Failure("waiting for the answer of", exc=ConnectionResetError("Connection reset by peer")),
])
def test_under_a_wait_dropped_connections_are_retried_until_the_vendor_is_back(wire, failure):
    script, sent = wire
    script += [failure] * 12 + [answer()]
    clock = FakeClock()
    api, retries = waiting_client(clock)
    assert api.get_json("/api") == {"items": []} and len(sent) == 13
    assert retries[0][0].startswith("Could not reach Kibana at https://kibana.example: ")


def test_under_a_wait_an_outage_until_the_deadline_lands_its_last_try_on_it_and_keeps_the_trouble(wire):
    script, sent = wire
    script += [answer(503, '{"message": "down for maintenance"}')] * 100
    clock = FakeClock()
    api, retries = waiting_client(clock, seconds=30)
    with pytest.raises(DeadlineExceeded) as caught:
        api.get_json("/api/status")
    assert clock.now == pytest.approx(1030.0)  # the last attempt was sent at the deadline, none after
    assert sum(clock.sleeps) == pytest.approx(30.0) and len(sent) == len(clock.sleeps) + 1
    assert str(caught.value) == ("Ran out of time (wait_timeout=30) while retrying: Kibana GET /api/status failed: "
                                 "HTTP 503 down for maintenance (%d attempts in 30.0 s)." % len(sent))


@pytest.mark.parametrize("method, idempotent, retried", [
    ("GET", None, True),
    ("POST", True, True),  # a read the vendor marks safe to repeat (a status POST, a login)
    ("POST", None, False),  # a start: never repeated
    ("PUT", None, False),  # idempotent, but not a read: a 500 can mean it ran
])
def test_under_a_wait_a_500_is_retried_on_a_read_only(wire, method, idempotent, retried):
    script, sent = wire
    script += [answer(500, '{"message": "boom"}'), answer()]
    clock = FakeClock()
    api, _retries = waiting_client(clock)
    if retried:
        api.request(method, "/api", idempotent=idempotent)
        assert len(sent) == 2
    else:
        with pytest.raises(ApiError, match="HTTP 500 boom"):
            api.request(method, "/api", idempotent=idempotent)
        assert len(sent) == 1


def test_without_a_wait_a_500_is_not_retried(wire):
    script, sent = wire
    script += [answer(500, '{"message": "boom"}'), answer()]
    with pytest.raises(ApiError, match="HTTP 500 boom"):
        client(FakeClock()).get_json("/api")
    assert len(sent) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_under_a_wait_refusals_are_still_never_retried(wire, status):
    script, sent = wire
    script += [answer(status, "{}"), answer()]
    api, retries = waiting_client(FakeClock())
    with pytest.raises(AuthError):
        api.get_json("/api")
    assert len(sent) == 1 and retries == []


def test_under_a_wait_a_start_is_never_retried_even_on_a_reset(wire):
    script, sent = wire
    script += [Failure("waiting for the answer of", exc=ConnectionResetError("reset")), answer()]
    api, retries = waiting_client(FakeClock())
    with pytest.raises(TransportError, match=r"^Could not reach Kibana .*\(1 attempt in 0\.0 s\)\.$") as caught:
        api.post_json("/api/fleet/agents/bulk_upgrade", {"agents": ["a1"]})
    assert not isinstance(caught.value, DeadlineExceeded) and len(sent) == 1 and retries == []


def test_under_a_wait_a_retry_after_past_the_deadline_is_not_waited_for(wire):
    script, sent = wire
    script += [answer(429, "{}", {"Retry-After": "90"}), answer()]
    clock = FakeClock()
    api, _retries = waiting_client(clock, seconds=30)
    with pytest.raises(DeadlineExceeded, match=r"HTTP 429 .*\(1 attempt in 0\.0 s; the server asked to wait 90 s more "
                                               r"\(Retry-After\)\)\.$"):
        api.get_json("/api")
    assert clock.sleeps == [] and len(sent) == 1


def test_a_week_of_attempts_does_not_overflow_the_backoff(wire):
    clock = FakeClock()
    api, _retries = waiting_client(clock, seconds=604800)
    budget = _http.Budget("Kibana GET /api", 30, 6, api.deadline, clock)
    assert api._retry_delay(ApiError("retryable HTTP 503", 503), answer(503, "{}"), 60000, budget) == 10.0


def test_retry_notices_are_scrubbed(wire):
    script, sent = wire
    script += [Failure("connecting to", exc=ConnectionRefusedError("refused for %s" % KEY)), answer()]
    api, retries = waiting_client(FakeClock())
    api.get_json("/api")
    assert KEY not in retries[0][0] and "refused for ********" in retries[0][0]


def test_a_retrys_sleep_lets_the_collector_run_and_leaves_it_as_it_was(wire):
    import gc

    script, sent = wire
    script += [answer(503, "{}"), answer()]
    clock = FakeClock()
    during = []
    api = ApiClient("https://kibana.example", "Kibana", clock=clock, deadline=Deadline(60, clock),
                    sleep=lambda seconds: during.append(gc.isenabled()), jitter=lambda low, high: high)
    gc.disable()  # a read runs with the collector paused (_query.collector_paused)
    try:
        api.get_json("/api")
        assert during == [True] and not gc.isenabled()
    finally:
        gc.enable()
