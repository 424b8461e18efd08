"""Any JSON value gives statuses or the collection's own error (issue 11, item 4): Cortex XDR's
get_action_status parser and Cybereason's allActions parser, fed arbitrary JSON and the recorded
answers of tests/unit/fixtures/recorded/ with fields removed, retyped or nulled.

The number of examples run per parser is printed at the end of the module's run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._status import STATES, ActionStatus, FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import CortexXdr
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason import Cybereason, item_key
from tests.unit.plugins.module_utils._vendors.json_shapes import examples, json_values, mutated, print_line

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded"
EXAMPLES: Counter = Counter()
SETTINGS = examples(300)

JSON = json_values(
    words=["PENDING", "canceled", "true", "Succeeded", "AbortTimeout", "-5", "7"],
    keys=["reply", "data", "errorReasons", "batchId", "globalStats", "stats", "finalState", "totalNumberOfProbes",
          "Succeeded", "AbortTimeout", "aborterUser", "abortTime", "abortTimeout", "startTime", "e1", "errorData",
          "errorDescription"])


def recorded(vendor):
    return [json.loads(p.read_text()) for p in sorted((RECORDED / vendor).glob("*.json"))]


def mutated_answers(vendor):
    """Recorded answers of ``vendor`` with one field removed, nulled or retyped."""
    return mutated([doc["answer"] for doc in recorded(vendor)], JSON)


class FakeClient:
    """Only what the parsers use of ApiClient: message() and a session for the auth setup."""

    base_url = "https://vendor.example"

    def __init__(self):
        import requests
        self.session = requests.Session()

    @staticmethod
    def message(text):
        return text

    def add_secret(self, value):
        return value


def xdr():
    return CortexXdr({"url": "https://api-x.example", "api_key_id": "1", "api_key": "k" * 32,
                      "auth_type": "standard", "completed_partial": "failure"}, client=FakeClient())


def cybereason():
    return Cybereason({"url": "https://cr.example", "username": "u", "password": "p" * 8}, client=FakeClient())


def check_status(status):
    assert isinstance(status, ActionStatus) and status.state in STATES
    targets = status.targets
    assert all(isinstance(v, int) and v >= 0 for v in targets.values())
    assert targets["succeeded"] + targets["failed"] + targets["pending"] <= max(targets["total"], 0) or status.terminal
    FailurePolicy("0").apply(status)
    json.dumps(status.as_dict(), default=str)
    status.summary()


def judge_xdr(answer):
    """Statuses, None (unknown id) or the collection's ApiError naming vendor and endpoint."""
    EXAMPLES["cortex_xdr"] += 1
    try:
        status = xdr().parse_answer("77", answer)
    except ApiError as error:
        assert error.message.startswith("Cortex XDR answered POST /public_api/v1/actions/get_action_status/")
        assert "for group action 77 with an unexpected shape: " in error.message
        return
    if status is not None:
        check_status(status)


def judge_cybereason(body):
    EXAMPLES["cybereason"] += 1
    vendor = cybereason()
    keys = [item_key(i.get("batchId")) for i in body if isinstance(i, dict)] if isinstance(body, list) else []
    wanted = dict((k, [k]) for k in keys if k is not None)
    for parse in (lambda: list(vendor.parse_actions(body, wanted).values()), lambda: vendor.parse_listing(body)):
        try:
            statuses = parse()
        except ApiError as error:
            assert error.message.startswith("Cybereason answered GET /rest/sensors/allActions with an unexpected "
                                            "shape: ")
            continue
        for status in statuses:
            check_status(status)


@SETTINGS
@given(JSON)
def test_cortex_xdr_any_json(answer):
    judge_xdr(answer)


@SETTINGS
@given(JSON.map(lambda data: {"reply": {"data": data}}) | JSON.map(lambda reply: {"reply": reply}))
def test_cortex_xdr_any_json_inside_the_envelope(answer):
    judge_xdr(answer)


@SETTINGS
@given(mutated_answers("cortex_xdr"))
def test_cortex_xdr_recorded_answers_with_a_field_removed_nulled_or_retyped(answer):
    judge_xdr(answer)


@SETTINGS
@given(JSON)
def test_cybereason_any_json(body):
    judge_cybereason(body)


@SETTINGS
@given(st.lists(JSON, max_size=3) | st.lists(st.dictionaries(st.sampled_from(
    ["batchId", "globalStats", "finalState", "totalNumberOfProbes", "aborterUser", "abortTime", "abortTimeout",
     "startTime", "actionType"]), JSON, max_size=9), max_size=3))
def test_cybereason_any_json_list_of_batches(body):
    judge_cybereason(body)


@SETTINGS
@given(mutated_answers("cybereason"))
def test_cybereason_recorded_answers_with_a_field_removed_nulled_or_retyped(body):
    judge_cybereason(body)


@pytest.mark.parametrize("document", recorded("cortex_xdr"), ids=lambda d: d["_source"][:40])
def test_cortex_xdr_recorded_answers_parse_as_expected(document):
    status = xdr().parse_answer(document["action_id"], document["answer"])
    assert status.state == document["expected"]["state"]
    assert status.targets == document["expected"]["targets"]
    assert status.raw is document["answer"]["reply"]


@pytest.mark.parametrize("document", recorded("cybereason"), ids=lambda d: d["_source"][:40])
def test_cybereason_recorded_answers_parse_as_expected(document):
    wanted = dict((k, [k]) for k in document["expected"])
    found = cybereason().parse_actions(document["answer"], wanted)
    assert sorted(found) == sorted(document["expected"])
    for batch_id, expected in document["expected"].items():
        assert (found[batch_id].state, found[batch_id].targets) == (expected["state"], expected["targets"])
        assert found[batch_id].extra["unknown_stats"] == {}


def test_every_recorded_answer_names_its_source():
    documents = recorded("cortex_xdr") + recorded("cybereason")
    assert len(documents) >= 4
    assert all(doc["_source"].strip() for doc in documents)


@pytest.fixture(scope="module", autouse=True)
def report_examples(request):
    yield
    line = "hypothesis examples run per parser: %s" % ", ".join(
        "%s=%d" % (name, EXAMPLES[name]) for name in ("cortex_xdr", "cybereason"))
    print_line(request.config, line)
