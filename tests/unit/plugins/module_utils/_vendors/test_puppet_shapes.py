"""Puppet parsers against any JSON: statuses, or our own ApiError naming the
service, the endpoint and the field, never a Python exception. Recorded answers come from
Puppet's docs (tests/unit/fixtures/recorded/puppet/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._status import ActionStatus, FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet import parse_activity, parse_orchestrator
from tests.unit.plugins.module_utils._vendors.json_shapes import examples, json_values, mutated, print_line

RECORDED = Path(__file__).parents[3] / "fixtures" / "recorded" / "puppet"


def recorded(name):
    return json.loads((RECORDED / name).read_text())


def activity(body):
    commits, _pagination = parse_activity.parse_page(body)
    list(parse_activity.flatten(commits))  # what the module returns as events
    return list(parse_activity.activity_jobs(commits).values())


def job(body):
    return [parse_orchestrator.parse_job(body)]


def job_list(body):
    return [parse_orchestrator.parse_job(item) for item in parse_orchestrator.job_items(body)]


def job_nodes(body):
    """The job record of the doc with its counts and errors taken from a /nodes answer, as
    PuppetJobStatus.parse does when the record has no node_states."""
    items = parse_orchestrator.parse_nodes(body)
    counts = parse_orchestrator.node_counts(items)
    return [parse_orchestrator.parse_job(recorded("job.json"), errors=parse_orchestrator.node_errors(items), counts=counts)]


# parser name -> (function, endpoint its errors must name, recorded answers)
PARSERS = {
    "activity events": (activity, "GET /activity-api/v2/events", ["events_v2.json", "events_v1.json"]),
    "job": (job, "GET /orchestrator/v1/jobs/{id}", ["job.json"]),
    "job list": (job_list, "GET /orchestrator/v1/jobs", ["jobs_list.json"]),
    "job nodes": (job_nodes, "GET /orchestrator/v1/jobs/{id}/nodes", ["job_nodes.json"]),
}
# Field names the parsers read, so arbitrary objects often hold them.
KEYS = ["commits", "pagination", "events", "objects", "object", "message", "state", "timestamp", "start_timestamp",
        "finish_timestamp", "items", "name", "node_count", "node_states", "status", "enter_time", "exit_time",
        "details", "result", "detail", "msg", "error", "_error", "type", "id", "started_timestamp",
        "finished_timestamp", "command", "total", "finished", "failed"]
WORDS = ["finished", "failed", "skipped", "running", "12", "81", 'via orchestrator job "7"', "2024-01-01T00:00:00Z"]
JSON = json_values(words=WORDS, keys=KEYS, bits=70, nan=True)
EXAMPLES = 200
COUNTS = {}


def judged(name, body):
    """Run one parser; its answer is statuses or our ApiError naming vendor, endpoint and field."""
    function, endpoint, _files = PARSERS[name]
    COUNTS[name] = COUNTS.get(name, 0) + 1
    try:
        statuses = function(body)
    except ApiError as error:
        assert "Puppet Enterprise" in str(error) and endpoint.split("{")[0] in str(error), str(error)
        assert "unexpected shape" in str(error) or "is missing" in str(error)
        return None
    assert all(isinstance(s, ActionStatus) for s in statuses)
    for status in statuses:
        FailurePolicy("0").apply(status)
        json.dumps(status.as_dict(), default=str)
    return statuses


def fuzz(name):
    @examples(EXAMPLES, suppress_health_check=list(HealthCheck), database=None)
    @given(body=JSON)
    def arbitrary(body):
        judged(name, body)

    @examples(EXAMPLES, suppress_health_check=list(HealthCheck), database=None)
    @given(body=mutated([recorded(file_name) for file_name in PARSERS[name][2]], JSON, root=True))
    def mutated_answer(body):
        judged(name, body)

    arbitrary()
    mutated_answer()


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parser_answers_any_json_with_statuses_or_our_error(name, request):
    COUNTS.pop(name, None)
    fuzz(name)
    print_line(request.config, "hypothesis examples run for the Puppet %s parser: %d" % (name, COUNTS[name]))
    assert COUNTS[name] >= EXAMPLES  # both strategies ran


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_recorded_answers_parse(name):
    for file_name in PARSERS[name][2]:
        statuses = judged(name, recorded(file_name))
        assert statuses is not None, file_name


def test_recorded_activity_answers_give_the_documented_jobs():
    jobs = dict((s.action_id, s) for s in activity(recorded("events_v2.json")))
    assert sorted(jobs) == ["11", "12"]
    assert [(jobs[j].state, jobs[j].targets["succeeded"]) for j in ("11", "12")] == [("succeeded", 1)] * 2
    assert activity(recorded("events_v1.json")) == []  # the v1 orchestrator message has no state


def test_recorded_job_list_finished_with_failed_nodes_is_not_a_pass():
    # the 2018.1 GET /jobs example says "finished" with an errored, a failed and a running node
    (status,) = job_list(recorded("jobs_list.json"))
    assert (status.state, status.vendor_status) == ("failed", "finished")
    assert status.targets == {"total": 5, "succeeded": 2, "failed": 3, "pending": 0}
    assert FailurePolicy("2").apply(status).succeeded is False


def test_recorded_job_with_counts_from_its_nodes():
    (status,) = job_nodes(recorded("job_nodes.json"))
    # node_count 5, three nodes listed: finished, failed, running; the job record says finished
    assert (status.state, status.vendor_status) == ("failed", "finished")
    assert status.targets == {"total": 5, "succeeded": 1, "failed": 4, "pending": 0}
    assert status.errors == [{"target": "copper-6", "message": "Error running puppet on copper-6: java.net.Exception: "
                              "Something went wrong", "time": "2015-07-13T20:37:01Z"}]


@pytest.mark.parametrize("name, body, expected", [
    ("job", [], "the answer is an array, not an object"),
    ("job", {"name": "81", "status": [1]}, "status[0] is a number, not an object"),
    ("job", {"name": "81", "node_states": {"finished": "lots"}}, "node_states.finished is a string, not a count"),
    ("job", {"name": "81", "node_states": {"finished": "\u00b2"}}, "node_states.finished is a string, not a count"),
    ("job", {"name": "x"}, "name is not a job number"),
    ("job list", {"items": [{"name": "1"}, 3]}, "items[1] is a number, not an object"),
    ("job nodes", {"items": [{"name": "n1"}]}, "items[0].state is missing"),
    ("activity events", {"commits": [{"events": [{"state": 3}]}]}, "commits[0].events[0].state is a number"),
])
def test_shape_errors_name_the_field(name, body, expected):
    with pytest.raises(ApiError) as caught:
        PARSERS[name][0](body)
    assert expected in str(caught.value)
