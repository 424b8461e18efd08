"""Cortex XDR parsing, aggregation and auth, from recorded get_action_status replies."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils._answer import ApiResponse
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionNotFound, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import SecretRegistry
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.parse import ENDPOINT_STATES, parse_reply
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import (
    AdvancedKeyAuth,
    CortexXdr,
    advanced_headers,
    group_action_id,
)

FIXTURE = Path(__file__).parents[3] / "fixtures" / "cortex_xdr" / "get_action_status.json"
REPLIES = {k: v for k, v in json.loads(FIXTURE.read_text()).items() if not k.startswith("_")}


class FakeClient:
    """Stands in for ApiClient: answers get_action_status from the fixture, records the bodies."""

    def __init__(self, answers: dict[int, object]) -> None:
        self.answers = answers
        self.bodies: list[dict] = []
        self.base_url = "https://api-tenant.example"
        self.session = requests.Session()
        self.deadline = None  # no wait: ApiClient.deadline
        self.secrets = SecretRegistry()

    def post_json(self, path: str, body: dict, headers: object = None, idempotent: bool = False) -> object:
        assert path == "/public_api/v1/actions/get_action_status/" and idempotent is True
        self.bodies.append(body)
        answer = self.answers[body["request_data"]["group_action_id"]]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def request(self, method: str, path: str, json_body: dict = None, idempotent: bool = False) -> ApiResponse:
        assert method == "POST"
        answer = self.post_json(path, json_body, idempotent=idempotent)
        return ApiResponse(200, {}, answer, json.dumps(answer), self.base_url + path)

    def message(self, text: str) -> str:
        return text


def xdr(client: object = None, **options: object) -> CortexXdr:
    settings = {"url": "https://api-tenant.example", "api_key_id": "7", "api_key": "k" * 40,
                "auth_type": "standard", "completed_partial": "failure"}
    settings.update(options)
    return CortexXdr(settings, client=client)


def parse(case: str, completed_partial: str = "failure"):
    return parse_reply("1001", REPLIES[case]["reply"], completed_partial)


@pytest.mark.parametrize("case, state, terminal, targets, vendor_status", [
    ("xsoar_failed_with_reasons", "partial", True, (3, 1, 2, 0), "COMPLETED_SUCCESSFULLY=1, FAILED=2"),
    ("seed_example", "running", False, (3, 1, 0, 2), "PENDING=1, IN_PROGRESS=1, COMPLETED_SUCCESSFULLY=1"),
    ("all_pending", "pending", False, (2, 0, 0, 2), "PENDING"),
    ("pending_abort", "running", False, (2, 0, 1, 1), "PENDING_ABORT=1, ABORTED=1"),
    ("all_success", "succeeded", True, (2, 2, 0, 0), "COMPLETED_SUCCESSFULLY"),
    ("all_failed", "failed", True, (2, 0, 2, 0), "FAILED"),
    ("all_timeout", "failed", True, (1, 0, 1, 0), "TIMEOUT"),
    ("failed_and_timeout", "failed", True, (2, 0, 2, 0), "FAILED=1, TIMEOUT=1"),
    ("all_cancelled", "cancelled", True, (2, 0, 2, 0), "CANCELLED=1, ABORTED=1"),
    ("all_expired", "expired", True, (1, 0, 1, 0), "EXPIRED"),
    ("cancelled_and_expired", "cancelled", True, (2, 0, 2, 0), "CANCELLED=1, EXPIRED=1"),  # a cancel wins
    ("success_and_expired", "partial", True, (3, 2, 1, 0), "COMPLETED_SUCCESSFULLY=2, EXPIRED=1"),
    ("all_partial", "partial", True, (2, 0, 2, 0), "COMPLETED_PARTIAL"),
    ("success_and_partial", "partial", True, (2, 1, 1, 0), "COMPLETED_SUCCESSFULLY=1, COMPLETED_PARTIAL=1"),
    ("novel_word", "unknown", False, (2, 1, 0, 1), "COMPLETED_SUCCESSFULLY=1, QUEUED_FOR_REVIEW=1"),
    ("novel_word_running", "running", False, (2, 0, 0, 2), "IN_PROGRESS=1, QUEUED_FOR_REVIEW=1"),
])
def test_state_table(case, state, terminal, targets, vendor_status):
    status = parse(case)
    assert (status.state, status.terminal) == (state, terminal)
    assert tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending")) == targets
    assert status.vendor_status == vendor_status
    assert status.raw is REPLIES[case]["reply"]
    assert status.as_dict()["endpoints"] == REPLIES[case]["reply"]["data"]


def test_all_ten_documented_statuses_are_mapped():
    documented = {"PENDING", "IN_PROGRESS", "CANCELLED", "PENDING_ABORT", "ABORTED", "EXPIRED", "COMPLETED_PARTIAL",
                  "COMPLETED_SUCCESSFULLY", "FAILED", "TIMEOUT"}
    assert set(ENDPOINT_STATES) | {"COMPLETED_PARTIAL"} == documented


@pytest.mark.parametrize("case, state, targets", [
    ("all_partial", "succeeded", (2, 2, 0, 0)), ("success_and_partial", "succeeded", (2, 2, 0, 0))])
def test_completed_partial_as_success(case, state, targets):
    status = parse(case, completed_partial="success")
    assert status.state == state and status.errors == []
    assert tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending")) == targets


@pytest.mark.parametrize("case, allowed, succeeded", [
    ("success_and_expired", "1", True), ("success_and_expired", "0", False), ("success_and_expired", "50%", True),
    ("xsoar_failed_with_reasons", "2", True), ("all_partial", "100%", False), ("all_cancelled", "100%", False),
    ("all_expired", "100%", False), ("novel_word", "100%", False), ("all_success", "0", True),
])
def test_policy_decides_success(case, allowed, succeeded):
    assert FailurePolicy(allowed).apply(parse(case)).succeeded is succeeded


@pytest.mark.parametrize("case, errors", [
    ("xsoar_failed_with_reasons", [("23a86310665d413a958926fce5b794b3", "FAILED"),
                                   ("5a763600a3e44928a94ba84b6088380f", "FAILED: Element not found.")]),
    ("missing_files_reason", [("e1", "FAILED: File not found on endpoint")]),
    ("error_data_reason", [("e1", "FAILED: Access denied")]),
    ("success_and_expired", [("e3", "EXPIRED")]),
    ("all_cancelled", [("e1", "CANCELLED"), ("e2", "ABORTED")]),
    ("success_and_partial", [("e2", "COMPLETED_PARTIAL")]),
    ("seed_example", []),
])
def test_errors_name_each_failed_endpoint_with_reason(case, errors):
    assert [(e["target"], e["message"]) for e in parse(case).errors] == errors


def test_fetch_sends_numeric_ids_and_leaves_unknown_ids_out():
    client = FakeClient({1001: REPLIES["all_success"], 1002: REPLIES["unknown_id"]})
    vendor = xdr(client)
    found = vendor.fetch(["1001", "1002"])
    assert list(found) == ["1001"] and found["1001"].state == "succeeded"
    assert client.bodies == [{"request_data": {"group_action_id": 1001}}, {"request_data": {"group_action_id": 1002}}]
    with pytest.raises(ActionNotFound, match=r"group action with id '1002'.*empty data"):
        vendor.statuses(["1001", "1002"], FailurePolicy("0"))


@pytest.mark.parametrize("answer, what", [
    ({"reply": {"data": ["e1"]}}, "reply.data is a list of 1 item, not an object"),
    ({"data": {}}, "no reply object"),
    (["reply"], "no reply object"),
    (None, "no reply object"),
    ({"reply": {"data": {"e1": 3}}}, "reply.data['e1'] is a number (3), not a status word"),
    ({"reply": {"data": {"e1": {"status": "FAILED"}}}}, "reply.data['e1'] is an object"),
])
def test_malformed_reply_is_an_api_error_naming_what(answer, what):
    with pytest.raises(ApiError) as caught:
        xdr(FakeClient({5: answer})).fetch(["5"])
    assert "Cortex XDR answered POST /public_api/v1/actions/get_action_status/ for group action 5" in caught.value.message
    assert what in caught.value.message and caught.value.status == 200


@pytest.mark.parametrize("reply", [{"data": None}, {"data": {}}, {}])
def test_empty_or_null_data_is_an_unknown_id(reply):
    assert xdr(FakeClient({5: {"reply": reply}})).fetch(["5"]) == {}


@pytest.mark.parametrize("words, state, targets", [
    (["completed_successfully", "Completed_Successfully"], "succeeded", (2, 2, 0, 0)),
    (["CANCELED", "COMPLETED_SUCCESSFULLY"], "cancelled", (2, 1, 1, 0)),
    (["canceled"], "cancelled", (1, 0, 1, 0)),
    ([" in_progress ", "COMPLETED_SUCCESSFULLY"], "running", (2, 1, 0, 1)),
    (["completed successfully", "expired"], "partial", (2, 1, 1, 0)),
    ([None, "COMPLETED_SUCCESSFULLY"], "unknown", (2, 1, 0, 1)),
])
def test_status_words_match_without_regard_to_case_and_canceled_spelling(words, state, targets):
    reply = {"data": dict(("e%d" % i, w) for i, w in enumerate(words))}
    status = parse_reply("9", reply)
    assert status.state == state
    assert tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending")) == targets


def test_a_cancel_never_succeeds_even_with_every_other_endpoint_done():
    reply = {"data": dict([("e%d" % i, "COMPLETED_SUCCESSFULLY") for i in range(99)] + [("e99", "CANCELED")])}
    status = FailurePolicy("5%").apply(parse_reply("9", reply))
    assert status.state == "cancelled" and status.succeeded is False


def test_402_names_the_license():
    refused = ApiError("Cortex XDR POST /x failed: HTTP 402 Unauthorized access", 402, {})
    with pytest.raises(ApiError, match="lacks the license") as caught:
        xdr(FakeClient({5: refused})).fetch(["5"])
    assert caught.value.status == 402


@pytest.mark.parametrize("value, expected", [(1234, 1234), ("1234", 1234), (" 77 ", 77), ("9" * 19, int("9" * 19))])
def test_group_action_id_accepts_numbers_and_strings(value, expected):
    assert group_action_id(value) == expected


@pytest.mark.parametrize("value", ["abc", "12a", "-3", "1.5", "1_000", "\u0661\u0662", "\u00b2", "+5", "../5",
                                   "1" * 20, True, 1.0, "1e3", "\uff11"])
def test_malformed_id_is_refused_before_any_request(value):
    client = FakeClient({})
    with pytest.raises(ConfigError, match="are whole numbers"):
        xdr(client, action_ids=[value])
    assert client.bodies == []


class ScrubbingClient(FakeClient):
    """A client whose run has one secret, as ApiClient.message masks it."""

    def message(self, text: str) -> str:
        return text.replace("k" * 40, "********")


def test_a_malformed_answer_echoing_a_secret_is_scrubbed():
    client = ScrubbingClient({5: {"reply": {"data": {"k" * 40: ["echo"]}}}})
    with pytest.raises(ApiError) as caught:
        xdr(client).fetch(["5"])
    assert "k" * 40 not in caught.value.message and "k" * 40 not in str(caught.value)
    assert "reply.data['********'] is a list of 1 item, not a status word" in caught.value.message
    assert caught.value.message.startswith("Cortex XDR group action 5: Cortex XDR answered POST ")


def test_the_package_and_its_parts():
    """The package re-exports what plugins and tests use; the options carry their own ranges."""
    from ansible_collections.actiongate.agents.plugins.module_utils._vendors import cortex_xdr
    from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import argspec, parse, session

    assert cortex_xdr.CortexXdr is session.CortexXdr and cortex_xdr.STATUS_PATH == parse.STATUS_PATH
    assert CortexXdr.OPTIONS is argspec.OPTIONS and CortexXdr.SECRET_OPTIONS == ("api_key",)
    assert argspec.OPTIONS["max_concurrent_requests"]["range"] == (1, 64)
    assert "required" not in argspec.OPTIONS["auth_type"] and argspec.OPTIONS["auth_type"]["default"] == "standard"


@pytest.mark.parametrize("workers", [0, 65])
def test_max_concurrent_requests_out_of_range_is_refused_before_any_request(workers):
    with pytest.raises(ConfigError, match="max_concurrent_requests"):
        CortexXdr.check_options({"url": "https://api-tenant.example", "api_key_id": "7", "api_key": "k" * 40,
                                 "action_ids": ["5"], "max_concurrent_requests": workers})


def test_parse_imports_nothing_that_sends():
    """parse.py is pure: it imports only _shape, _status and _errors of the collection."""
    source = (Path(parse_reply.__code__.co_filename)).read_text()
    imported = set(re.findall(r"module_utils\.(\w+)", source))
    assert imported <= {"_shape", "_status", "_errors"}, imported


def test_advanced_headers_follow_the_documented_recipe():
    headers = advanced_headers("my-key", "n" * 64, "1700000000000")
    assert headers["Authorization"] == hashlib.sha256(b"my-key" + b"n" * 64 + b"1700000000000").hexdigest()
    assert headers["x-xdr-nonce"] == "n" * 64 and headers["x-xdr-timestamp"] == "1700000000000"


def test_advanced_auth_gives_each_request_a_fresh_nonce_and_millisecond_timestamp():
    auth = AdvancedKeyAuth("my-key", clock=lambda: 1700000000.1234)
    first = auth(requests.Request("POST", "https://x/").prepare()).headers
    second = auth(requests.Request("POST", "https://x/").prepare()).headers
    assert re.match(r"^[A-Za-z0-9]{64}$", first["x-xdr-nonce"])
    assert first["x-xdr-nonce"] != second["x-xdr-nonce"]
    assert first["x-xdr-timestamp"] == "1700000000123"
    assert first["Authorization"] == advanced_headers("my-key", first["x-xdr-nonce"], "1700000000123")["Authorization"]


def test_advanced_hash_and_nonce_are_registered_as_secrets_of_the_run():
    vendor = xdr(auth_type="advanced")
    prepared = vendor.client.session.auth(requests.Request("POST", "https://x/").prepare())
    echoed = "echo: Authorization=%s x-xdr-nonce=%s" % (prepared.headers["Authorization"], prepared.headers["x-xdr-nonce"])
    scrubbed = vendor.client.message(echoed)
    assert prepared.headers["Authorization"] not in scrubbed and prepared.headers["x-xdr-nonce"] not in scrubbed
    assert scrubbed.startswith("echo: Authorization=")


def test_standard_and_advanced_session_setup():
    standard = xdr()
    assert standard.client.session.headers["Authorization"] == "k" * 40
    assert standard.client.session.headers["x-xdr-auth-id"] == "7" and standard.client.session.auth is None
    advanced = xdr(auth_type="advanced")
    assert "Authorization" not in advanced.client.session.headers
    assert isinstance(advanced.client.session.auth, AdvancedKeyAuth)
    assert "k" * 40 in advanced.client.secrets


def test_url_with_api_prefix_is_accepted():
    assert xdr(url="https://api-tenant.example/public_api/v1/").client.base_url == "https://api-tenant.example"


def test_credentials_required_and_listing_refused():
    with pytest.raises(ConfigError, match="CORTEX_XDR_API_KEY_ID"):
        CortexXdr({"url": "https://x", "api_key": "secret-key"})
    with pytest.raises(ConfigError, match="no API that lists actions"):
        xdr().list_actions()


@pytest.mark.parametrize("status, phrase", [(401, "clock"), (403, "RBAC")])
def test_auth_hints(status, phrase):
    assert phrase in CortexXdr.auth_hint(status, None)
