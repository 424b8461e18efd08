"""Odd values in every count, id, timestamp and state field of Puppet's answers: other scripts'
digits, booleans, floats, huge and negative numbers, as numbers and as text. Each Puppet parser
(the pure ``parse_activity`` and ``parse_orchestrator`` modules) answers with statuses or the
collection's malformed-answer ApiError, never another exception; a job id the user gives is a job
name or a ConfigError.

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
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet import parse_activity, parse_orchestrator
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import NODE_STATES, STATES as JOB_STATES
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import job_name
from tests.unit.plugins.module_utils._vendors.json_shapes import examples, mutated, print_line

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "puppet"
SETTINGS = examples(200)
EXAMPLES = Counter()

# What a count, an id, a time or a state word must never be read as: other scripts' digits ("²"
# passes str.isdigit() and int() refuses it; "٣" int() reads as 3), booleans, fractions, NaN and
# infinities (json.loads takes NaN and Infinity), numbers too big for a float or for int() of a
# string, and negative numbers, as numbers and as text.
ODD_VALUES = ["\u00b2", "\u0663", "\u0661\u0662", "\uff11", True, False, 0.5, -0.0, 1e308, -1e308, float("inf"),
              float("-inf"), float("nan"), 10 ** 400, -10 ** 400, -1, -81, "-1", " 7 ", "+7", "1e400", "1" * 31,
              "9" * 5000, "", " ", "true", "null", "T", "2024-13-45T99:99:99Z", "9999-12-31T23:59:59-23:59",
              "0001-01-01T00:00:00+23:59"]
ODD = (st.sampled_from(ODD_VALUES)
       | st.integers(min_value=-10 ** 400, max_value=10 ** 400) | st.floats() | st.booleans())
# State words: the documented ones, case variants and odd ones.
WORDS = st.sampled_from(sorted(set(NODE_STATES) | set(JOB_STATES)) + ["Finished", "FAILED", " running ", "exploded"])
STATE_KEYS = WORDS | st.sampled_from(["\u00b2", "\u0663", "-1", "1e400", "1" * 40, ""]) | st.text(max_size=4)
# Odd values of the right JSON type, which the shape checks let through to the statuses.
ODD_TEXT = st.sampled_from([v for v in ODD_VALUES if isinstance(v, str)]) | st.text(max_size=8)
ODD_COUNT = (st.sampled_from([10 ** 400, 1e308, 2.0 ** 70, -0.0, 0, "0", " 7 ", "9" * 30, "\u0663", "\u00b2"])
             | st.integers(min_value=0, max_value=10 ** 400))
TIME = st.sampled_from(["2024-03-01T10:00:00Z", "2024-03-01T10:00:00", "2024-03-01T10:00:00.5+01:00"])


def field(good, odd):
    """Mostly a value that reads (``good``, or an odd one of the right type), sometimes any odd value."""
    return st.one_of(good, odd, good, ODD)


STATE = field(WORDS, ODD_TEXT)
STAMP = field(TIME, ODD_TEXT)
COUNT = field(st.integers(0, 5), ODD_COUNT)


def recorded(name):
    return json.loads((RECORDED / name).read_text())


def check_status(status):
    assert isinstance(status, ActionStatus) and status.state in STATES
    assert all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in status.targets.values())
    FailurePolicy("5%").apply(status)  # a percentage of a huge node count
    FailurePolicy("0").apply(status)
    json.dumps(status.as_dict(), default=str)


def judged(name, endpoint, parse, body):
    """``parse(body)``: statuses, or the ApiError naming Puppet, the endpoint and an unexpected shape."""
    EXAMPLES[name] += 1
    try:
        statuses = parse(body)
    except ApiError as error:
        assert error.status == 200 and "Puppet Enterprise" in error.message, error.message
        assert endpoint in error.message and "unexpected shape" in error.message, error.message
        assert error.message.endswith("If the service is healthy, report this with the PE version."), error.message
        return None
    for status in statuses:
        check_status(status)
    EXAMPLES[name + " (statuses)"] += bool(statuses)
    return statuses


# ---- activity service ---------------------------------------------------------------------------


def activity(body):
    commits, pagination = parse_activity.parse_page(body)
    assert all(v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0) for v in pagination.values())
    list(parse_activity.flatten(commits))
    return list(parse_activity.activity_jobs(commits).values())


def judge_activity(body):
    statuses = judged("activity events", "GET /activity-api/v2/events", activity, body)
    for status in statuses or []:
        assert parse_activity.JOB_IN_MESSAGE.pattern and status.action_id.isdigit() and status.action_id.isascii()


MESSAGE = field(st.sampled_from(['Request "puppet agent" run on "n1" over "pcp" via orchestrator job "11"',
                                 'run on "n2" via orchestrator job 7,759', 'via orchestrator job "12"']), ODD_TEXT)
NODE_ID = field(st.sampled_from(["n1", "n2", 3]), ODD_TEXT | ODD_COUNT)
OBJECT = st.fixed_dictionaries({}, optional={"id": NODE_ID, "name": NODE_ID, "type": field(st.just("node"), ODD_TEXT)})
EVENT = st.fixed_dictionaries({"message": MESSAGE, "state": STATE}, optional={
    "start_timestamp": STAMP, "finish_timestamp": STAMP, "objects": st.lists(OBJECT, max_size=2)})
COMMIT = st.fixed_dictionaries({"events": st.lists(EVENT, max_size=3)}, optional={
    "timestamp": STAMP, "objects": st.lists(OBJECT, max_size=2), "object": OBJECT | ODD, "ip_address": ODD})
PAGINATION = st.fixed_dictionaries({}, optional={"total": COUNT, "limit": COUNT, "offset": COUNT}) | ODD


@SETTINGS
@given(st.lists(COMMIT, max_size=3), PAGINATION)
@example([{"events": [{"state": "finished", "message": 'via orchestrator job "11"', "start_timestamp": "\u00b2"}],
           "timestamp": 10 ** 400, "objects": [{"id": 10 ** 400, "type": "node"}]}], {"total": "\u0663"})
@example([{"events": [{"state": "failed", "message": 'on "n1" via orchestrator job "9"', "objects": [{"id": True}]}],
           "timestamp": "9999-12-31T23:59:59-23:59"}], {"total": 1e308, "limit": -1, "offset": "9" * 5000})
@example([{"events": [{"state": True, "message": 'via orchestrator job "9"'}]}], {})
@example([{"events": [{"state": "running", "message": 'via orchestrator job "' + "9" * 5000 + '"'}]}], {})
def test_activity_odd_values_in_every_count_id_time_and_state_field(commits, pagination):
    judge_activity({"commits": commits, "pagination": pagination})


@SETTINGS
@given(mutated([recorded("events_v2.json"), recorded("events_v1.json")], ODD, root=True))
def test_activity_recorded_answers_with_a_field_given_an_odd_value(body):
    judge_activity(body)


# ---- orchestrator jobs --------------------------------------------------------------------------

STATUS_ENTRY = st.fixed_dictionaries({}, optional={"state": STATE, "enter_time": STAMP, "exit_time": STAMP})
JOB = st.fixed_dictionaries({"name": field(st.sampled_from(["81", 81, " 81 "]), ODD_TEXT | ODD_COUNT)}, optional={
    "node_count": COUNT, "node_states": field(st.dictionaries(STATE_KEYS, COUNT, max_size=4), st.just({})),
    "state": STATE, "status": field(st.lists(STATUS_ENTRY, max_size=3), st.just([])), "started_timestamp": STAMP,
    "finished_timestamp": STAMP, "command": field(st.just("deploy"), ODD_TEXT), "type": ODD, "timestamp": STAMP})
MESSAGE_TEXT = field(st.just("Something went wrong"), ODD_TEXT)
TEXTS = st.fixed_dictionaries({}, optional={
    "message": MESSAGE_TEXT, "detail": MESSAGE_TEXT, "msg": MESSAGE_TEXT, "error": MESSAGE_TEXT,
    "_error": st.fixed_dictionaries({}, optional={"msg": MESSAGE_TEXT}) | ODD})
NODE = st.fixed_dictionaries({"name": field(st.sampled_from(["n1", "n2"]), ODD_TEXT), "state": STATE}, optional={
    "finish_timestamp": STAMP, "timestamp": STAMP, "details": field(TEXTS, st.just({})), "result": TEXTS | ODD})


def job(body):
    status = parse_orchestrator.parse_job(body)
    assert status.action_id.isdigit() and status.action_id.isascii()
    return [status]


def job_list(body):
    return [parse_orchestrator.parse_job(item) for item in parse_orchestrator.job_items(body)]


def job_nodes(body):
    """A job record with its counts and errors from a /nodes answer, as PuppetJobStatus.parse does."""
    items = parse_orchestrator.parse_nodes(body)
    counts = parse_orchestrator.node_counts(items)
    return [parse_orchestrator.parse_job(recorded("job.json"), errors=parse_orchestrator.node_errors(items),
                                         counts=counts)]


@SETTINGS
@given(JOB)
@example({"name": "\u0663", "node_count": 3})
@example({"name": "\u00b2"})
@example({"name": 10 ** 400})
@example({"name": -81, "state": "finished"})
@example({"name": True})
@example({"name": "81", "node_count": 1e308, "node_states": {"finished": 10 ** 400, "failed": 0.0}, "state": "finished"})
@example({"name": "81", "node_count": -1})
@example({"name": "81", "node_states": {"finished": "\u0663"}})
@example({"name": "81", "node_states": {"\u00b2": True}})
@example({"name": "81", "status": [{"state": "running", "enter_time": 10 ** 400}], "started_timestamp": float("nan")})
def test_job_odd_values_in_every_count_id_time_and_state_field(body):
    judged("job", "GET /orchestrator/v1/jobs/{id}", job, body)


@SETTINGS
@given(st.fixed_dictionaries({"items": st.lists(JOB, max_size=3) | ODD}))
def test_job_list_odd_values_in_every_field(body):
    judged("job list", "GET /orchestrator/v1/jobs", job_list, body)


@SETTINGS
@given(st.fixed_dictionaries({"items": st.lists(NODE, max_size=4) | ODD}))
@example({"items": [{"name": "n1", "state": "failed", "details": {"message": 10 ** 400}, "timestamp": 1e308}]})
@example({"items": [{"name": "\u00b2", "state": "\u0663"}]})
@example({"items": [{"name": -1, "state": "failed"}]})
def test_job_nodes_odd_values_in_every_field(body):
    judged("job nodes", "GET /orchestrator/v1/jobs/{id}/nodes", job_nodes, body)


@SETTINGS
@given(mutated([recorded("job.json")], ODD, root=True))
def test_job_recorded_answer_with_a_field_given_an_odd_value(body):
    judged("job", "GET /orchestrator/v1/jobs/{id}", job, body)


@SETTINGS
@given(mutated([recorded("jobs_list.json")], ODD, root=True))
def test_job_list_recorded_answer_with_a_field_given_an_odd_value(body):
    judged("job list", "GET /orchestrator/v1/jobs", job_list, body)


@SETTINGS
@given(mutated([recorded("job_nodes.json")], ODD, root=True))
def test_job_nodes_recorded_answer_with_a_field_given_an_odd_value(body):
    judged("job nodes", "GET /orchestrator/v1/jobs/{id}/nodes", job_nodes, body)


@SETTINGS
@given(ODD | MESSAGE | st.sampled_from(["https://o.example.com:8143/orchestrator/v1/jobs/\u0663",
                                        "https://o.example.com:8143/orchestrator/v1/jobs/81"]))
@example("\u0663")
@example(10 ** 400)
@example(-81)
@example(True)
def test_job_ids_the_user_gives_are_job_names_or_a_config_error(value):
    try:
        name = job_name(value)
    except ConfigError as error:
        assert "such as 81" in error.message
    else:
        assert name.isdigit() and name.isascii()


@pytest.mark.parametrize("body", [
    {"name": "81", "node_states": {"finished": None}},  # null is not a count of nodes
    {"name": "81", "node_states": {"finished": 1.5}},
    {"name": "81", "node_states": {"finished": "\u0663"}},
    {"name": "81", "node_states": {"finished": True}},
    {"name": "81", "node_states": {"finished": -1}},
    {"name": "81", "node_count": "\u00b2"},
    {"name": "81", "node_count": float("inf")},
])
def test_a_count_that_is_not_a_whole_number_is_a_shape_error(body):
    with pytest.raises(ApiError, match="not a count"):
        parse_orchestrator.parse_job(body)


@pytest.mark.parametrize("name", ["\u0663", "\u00b2", "-81", -81, "1" * 31, 10 ** 400, "8 1"])
def test_a_job_name_that_is_not_ascii_digits_is_a_shape_error(name):
    with pytest.raises(ApiError, match="name is not a job number"):
        parse_orchestrator.parse_job({"name": name, "node_states": {"finished": 1}})


def test_pagination_numbers_in_other_scripts_are_unknown():
    _commits, pagination = parse_activity.parse_page({"commits": [], "pagination": {
        "total": "\u0663", "limit": 1e308, "offset": -1}})
    assert pagination == {"total": None, "limit": int(1e308), "offset": None}


def test_examples_run(request):
    print_line(request.config, "hypothesis examples run for the Puppet parsers with odd values (and of them, those giving statuses): %s" % ", ".join(
        "%s %d" % item for item in sorted(EXAMPLES.items())))
