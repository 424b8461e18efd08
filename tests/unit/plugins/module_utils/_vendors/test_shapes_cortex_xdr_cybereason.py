"""Any JSON value gives statuses or the collection's own error: Cortex XDR's get_action_status
parser and Cybereason's allActions parser (the pure ``parse`` modules of their packages), fed
arbitrary JSON, odd values (Unicode digits, booleans, floats, huge and negative numbers) in every
count, id and status field, and the recorded answers of tests/unit/fixtures/recorded/ with fields
removed, retyped or nulled.

The number of examples run per parser is printed at the end of the module's run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import STATES, ActionStatus, FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import parse as xdr_parse
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr.session import group_action_id
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason import parse as cr_parse
from tests.unit.plugins.module_utils._vendors.json_shapes import examples, json_values, mutated, print_line

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded"
EXAMPLES: Counter = Counter()
SETTINGS = examples(300)

JSON = json_values(
    words=["PENDING", "canceled", "true", "Succeeded", "AbortTimeout", "-5", "7"],
    keys=["reply", "data", "errorReasons", "batchId", "globalStats", "stats", "finalState", "totalNumberOfProbes",
          "Succeeded", "AbortTimeout", "aborterUser", "abortTime", "abortTimeout", "startTime", "e1", "errorData",
          "errorDescription"])

# What a count, an id or a status word must never be read as: other scripts' digits ("²" passes
# str.isdigit() and int() refuses it; "٣" int() reads as 3), booleans, fractions, NaN and
# infinities (json.loads takes NaN and Infinity), numbers too big for a float or for int() of a
# string, and negative numbers, as numbers and as text.
ODD = (st.sampled_from(["\u00b2", "\u0663", "\u0661\u0662", "\uff11", True, False, 0.5, -0.0, 1e308, -1e308,
                        float("inf"), float("-inf"), float("nan"), 10 ** 400, -10 ** 400, -1, -2012506538, "-1",
                        " 7 ", "+7", "1e400", "1" * 31, "9" * 5000, "", " ", "true", "null"])
       | st.integers(min_value=-10 ** 400, max_value=10 ** 400) | st.floats() | st.booleans())
ODD_KEYS = st.sampled_from(["\u00b2", "\u0663", "-1", "1e400", "1" * 40, "e1", "", "Succeeded", "Pending", "Aborted",
                            "AbortTimeout", "BrandNewOutcome"]) | st.text(max_size=4)


def recorded(vendor):
    return [json.loads(p.read_text()) for p in sorted((RECORDED / vendor).glob("*.json"))]


def mutated_answers(vendor, values=JSON):
    """Recorded answers of ``vendor`` with one field removed, nulled or retyped (to one of ``values``)."""
    return mutated([doc["answer"] for doc in recorded(vendor)], values)


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
        status = xdr_parse.parse_answer("77", answer)
    except ApiError as error:
        assert error.message.startswith("Cortex XDR answered POST /public_api/v1/actions/get_action_status/")
        assert "for group action 77 with an unexpected shape: " in error.message
        return
    if status is not None:
        check_status(status)


def judge_cybereason(body):
    EXAMPLES["cybereason"] += 1
    keys = [cr_parse.item_key(i.get("batchId")) for i in body if isinstance(i, dict)] if isinstance(body, list) else []
    wanted = dict((k, [k]) for k in keys if k is not None)
    for parse in (lambda: list(cr_parse.parse_actions(body, wanted).values()), lambda: cr_parse.parse_listing(body)):
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


# ---- odd values in every count, id and status field ---------------------------------------------

REASON = st.fixed_dictionaries({}, optional={
    "errorDescription": ODD, "missing_files": st.lists(st.fixed_dictionaries({}, optional={"description": ODD}), max_size=2),
    "errorData": ODD | ODD.map(lambda v: json.dumps({"errorText": v}))})


@SETTINGS
@given(st.dictionaries(ODD_KEYS, ODD | st.sampled_from(["FAILED", "canceled", "COMPLETED_SUCCESSFULLY"]), max_size=4),
       st.dictionaries(ODD_KEYS, REASON | ODD, max_size=3) | ODD)
@example({"e1": "\u00b2", "\u0663": True}, {})
@example({"e1": 10 ** 400}, {})
@example({"e1": "FAILED"}, {"e1": {"errorDescription": 1e308, "missing_files": [{"description": -1}],
                                   "errorData": json.dumps({"errorText": 10 ** 400})}})
def test_cortex_xdr_odd_values_in_every_status_id_and_reason_field(data, reasons):
    judge_xdr({"reply": {"data": data, "errorReasons": reasons}})


@SETTINGS
@given(mutated_answers("cortex_xdr", ODD))
def test_cortex_xdr_recorded_answers_with_a_field_given_an_odd_value(answer):
    judge_xdr(answer)


@SETTINGS
@given(ODD | JSON)
@example("\u0663")
@example(10 ** 400)
@example(True)
def test_ids_the_user_gives_are_numbers_or_a_config_error(value):
    """group_action_id and batch_key: the number the vendor wants, or ConfigError, never another error."""
    for read, kind in ((group_action_id, int), (cr_parse.batch_key, str)):
        try:
            assert isinstance(read(value), kind)
        except ConfigError as error:
            assert "whole numbers" in error.message


STATS = st.dictionaries(ODD_KEYS | st.sampled_from(sorted(cr_parse.STATS_CLASS)), ODD | st.integers(0, 5), max_size=5)
BATCH = st.fixed_dictionaries({"batchId": ODD}, optional={
    "totalNumberOfProbes": ODD, "globalStats": st.fixed_dictionaries({"stats": STATS}) | ODD,
    "finalState": ODD, "abortTimeout": ODD, "aborterUser": ODD, "abortTime": ODD, "startTime": ODD, "actionType": ODD})


@SETTINGS
@given(st.lists(BATCH, min_size=1, max_size=3))
@example([{"batchId": "\u0663", "totalNumberOfProbes": 3}])
@example([{"batchId": 7, "totalNumberOfProbes": "\u00b2", "finalState": True}])
@example([{"batchId": 7, "globalStats": {"stats": {"Succeeded": 10 ** 400, "Failed": 1e308}}, "finalState": "true"}])
@example([{"batchId": 7, "globalStats": {"stats": {"Pending": -1}}, "startTime": 10 ** 400, "abortTime": float("nan")}])
@example([{"batchId": "9" * 5000, "finalState": 1}])
def test_cybereason_odd_values_in_every_count_id_and_status_field(body):
    judge_cybereason(body)


@SETTINGS
@given(mutated_answers("cybereason", ODD))
def test_cybereason_recorded_answers_with_a_field_given_an_odd_value(body):
    judge_cybereason(body)


@pytest.mark.parametrize("document", recorded("cortex_xdr"), ids=lambda d: d["_source"][:40])
def test_cortex_xdr_recorded_answers_parse_as_expected(document):
    status = xdr_parse.parse_answer(document["action_id"], document["answer"])
    assert status.state == document["expected"]["state"]
    assert status.targets == document["expected"]["targets"]
    assert status.raw is document["answer"]["reply"]


@pytest.mark.parametrize("document", recorded("cybereason"), ids=lambda d: d["_source"][:40])
def test_cybereason_recorded_answers_parse_as_expected(document):
    wanted = dict((k, [k]) for k in document["expected"])
    found = cr_parse.parse_actions(document["answer"], wanted)
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
