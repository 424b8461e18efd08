"""The pieces every start module shares: input checks, the failure sentence, the result's shape."""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConfigError,
    DeadlineExceeded,
    TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartRequest,
    no_id,
    not_sent,
    send_once,
    start_failure,
    start_result,
    targets,
)


def test_targets_strips_and_keeps_order():
    assert targets({"ids": [" b", "a ", 3]}, "ids") == ["b", "a", "3"]


def test_targets_takes_one_string_as_one_target():
    assert targets({"ids": "host-1"}, "ids") == ["host-1"]


@pytest.mark.parametrize("value", [None, "", []])
def test_targets_refuses_nothing(value):
    with pytest.raises(ConfigError, match="ids must list at least one target"):
        targets({"ids": value}, "ids")


def test_targets_refuses_blank_items_naming_their_position():
    with pytest.raises(ConfigError, match=r"ids has a blank item \(position 2\)"):
        targets({"ids": ["a", "  ", "b"]}, "ids")


def test_targets_refuses_duplicates_naming_them():
    with pytest.raises(ConfigError, match="ids lists 'a' more than once"):
        targets({"ids": ["a", "b", " a"]}, "ids")


def test_targets_refuses_more_than_the_vendor_takes_naming_the_limit():
    with pytest.raises(ConfigError, match="endpoint_ids lists 1001 targets; Cortex XDR takes at most 1000"):
        targets({"endpoint_ids": [str(i) for i in range(1001)]}, "endpoint_ids", limit=1000, label="Cortex XDR")
    assert len(targets({"endpoint_ids": [str(i) for i in range(1000)]}, "endpoint_ids", limit=1000)) == 1000


def test_targets_item_check_names_the_item():
    with pytest.raises(ConfigError, match="ids: 'x y' has a blank"):
        targets({"ids": ["x y"]}, "ids", check=lambda item: "has a blank" if " " in item else None)


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 409, 422, 429])
def test_a_refused_start_says_nothing_started(status):
    error = (AuthError if status in (401, 403) else ApiError)("HTTP %d nope" % status, status)
    failed = start_failure(error, "Cortex XDR isolate of 2 endpoints", "look in the Action Center")
    assert failed.may_have_started is False
    assert "Nothing started" in str(failed) and "re-run is safe" in str(failed)
    assert "MAY HAVE STARTED" not in str(failed)


@pytest.mark.parametrize("error", [
    ApiError("HTTP 500 boom", 500), ApiError("HTTP 502", 502), ApiError("HTTP 503", 503),
    TransportError("connection reset"), DeadlineExceeded("read timed out"), ApiError("not JSON", 200),
])
def test_any_other_failure_may_have_started_and_says_where_to_look(error):
    failed = start_failure(error, "Puppet deploy of 3 nodes", "run puppet_job_status without job ids")
    assert failed.may_have_started is True
    assert "MAY HAVE STARTED" in str(failed)
    assert "run puppet_job_status without job ids" in str(failed)
    assert "never retried" in str(failed)


def test_explain_adds_the_vendors_meaning_but_not_whether_it_started():
    error = ApiError("HTTP 500 No endpoint was found for creating the requested action", 500)
    failed = start_failure(error, "Cortex XDR isolate of 1 endpoint", "look in the Action Center",
                           explain=lambda e: "Cortex XDR says so when no endpoint matched." if e.status == 500 else None)
    assert failed.may_have_started is True
    assert "requested action. Cortex XDR says so when no endpoint matched. The action MAY HAVE STARTED" in str(failed)
    refused = start_failure(ApiError("HTTP 402 license", 402), "w", "l", explain=lambda e: "Buy the license.")
    assert refused.may_have_started is False and "HTTP 402 license. Buy the license. Nothing started" in str(refused)
    silent = start_failure(ApiError("HTTP 503", 503), "w", "l", explain=lambda e: None)
    assert str(silent).startswith("w failed: HTTP 503 The action MAY HAVE STARTED")


def test_send_once_posts_once_and_passes_explain_on():
    class Client:
        calls = []

        def request(self, method, path, **kwargs):
            self.calls.append((method, path, kwargs["idempotent"]))
            raise ApiError("HTTP 502 bad gateway", 502)

    client = Client()
    with pytest.raises(Exception) as raised:
        send_once(client, StartRequest("/x", {"a": 1}), "w", "l", explain=lambda e: "Gateway said so.")
    assert client.calls == [("POST", "/x", False)]
    assert "bad gateway. Gateway said so. The action MAY HAVE STARTED" in str(raised.value)


def test_a_failure_lists_what_this_task_already_started():
    failed = start_failure(ApiError("HTTP 500", 500), "Rackspace backup of c3", "look", started=["11", "12"])
    assert failed.started == ["11", "12"]
    assert "Already started by this task: 11, 12." in str(failed)


def test_a_refusal_after_earlier_starts_says_only_what_did_not_start_is_safe_to_re_run():
    failed = start_failure(AuthError("HTTP 403 Forbidden", 403), "Rackspace backup of c2", "look", started=["11"])
    assert failed.may_have_started is False
    assert "Nothing started by this request: it was refused (HTTP 403), so re-running what did not start is safe" in str(failed)
    assert "a re-run is safe" not in str(failed) and "Already started by this task: 11." in str(failed)


def test_no_id_is_a_may_have_started_failure_without_echoing_the_answer():
    failed = no_id("Cybereason upgrade", "look in allActions", "batchId", {"token": "s3cr3t-value"})
    assert failed.may_have_started is True
    assert "no batchId" in str(failed) and "an object of 1 item" in str(failed)
    assert "s3cr3t" not in str(failed)


@pytest.mark.parametrize("error", [AuthError("login refused: HTTP 401", 401), TransportError("connection reset"),
                                   ApiError("HTTP 500", 500)])
def test_an_error_before_the_request_was_sent_says_nothing_started(error):
    failed = not_sent(error, "Puppet Enterprise orchestrator command/deploy on 2 nodes")
    assert failed.may_have_started is False and failed.started == []
    assert str(failed).startswith("Puppet Enterprise orchestrator command/deploy on 2 nodes failed before its request was sent")
    assert "Nothing started, so a re-run is safe" in str(failed) and "MAY HAVE STARTED" not in str(failed)


def test_start_result_shape():
    result = start_result([11, "12"], endpoints_count=2)
    assert result == {"changed": True, "action_id": "11", "action_ids": ["11", "12"], "endpoints_count": 2}


def test_start_result_in_check_mode_shows_the_requests_and_no_ids():
    request = StartRequest("/public_api/v1/endpoints/isolate", {"request_data": {"filters": []}})
    result = start_result([], requests=[request], check_mode=True)
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [{"method": "POST", "path": "/public_api/v1/endpoints/isolate",
                                   "body": {"request_data": {"filters": []}}}]
    assert "would send 1 request." in result["msg"]


def test_start_result_never_carries_skipped():
    with pytest.raises(ValueError):
        start_result(["1"], skipped=["n1"])
