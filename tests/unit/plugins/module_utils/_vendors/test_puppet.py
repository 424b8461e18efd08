"""Puppet Enterprise parsing, state tables and query checks, from recorded vendor payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet import parse_activity, parse_orchestrator
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.activity import PuppetActivityEvents, query_json
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import job_name
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.rbac import console_url

FIXTURES = Path(__file__).parents[3] / "fixtures" / "puppet"
JOBS = json.loads((FIXTURES / "jobs.json").read_text())
NODES = json.loads((FIXTURES / "nodes.json").read_text())
EVENTS = json.loads((FIXTURES / "events.json").read_text())


def targets(status):
    return tuple(status.targets[k] for k in ("total", "succeeded", "failed", "pending"))


# ---- orchestrator jobs -----------------------------------------------------------------------


@pytest.mark.parametrize("key, state, vendor_status, terminal, counts", [
    ("finished", "succeeded", "finished", True, (5, 5, 0, 0)),
    ("failed", "failed", "failed", True, (5, 3, 2, 0)),
    ("running", "running", "running", False, (40, 12, 0, 28)),
    ("stopping", "running", "stopping", False, (3, 0, 0, 1)),
    # a person stopped it: the nodes that never ran count as failed once the job is terminal
    ("stopped", "cancelled", "stopped", True, (3, 1, 2, 0)),
    # skipped after a failure: a failed job, and the skipped nodes failed targets
    ("skipped", "failed", "failed", True, (4, 1, 3, 0)),
    # "finished" with a node in a state we do not know is not a success
    ("finished_with_failures", "failed", "finished", True, (4, 3, 1, 0)),
    ("new", "pending", "new", False, (0, 0, 0, 0)),
    ("ready", "pending", "ready", False, (2, 0, 0, 2)),
    ("novel", "unknown", "paused", False, (2, 2, 0, 0)),
])
def test_job_state_table(key, state, vendor_status, terminal, counts):
    status = parse_orchestrator.parse_job(JOBS[key])
    assert (status.state, status.vendor_status, status.terminal) == (state, vendor_status, terminal)
    assert targets(status) == counts
    assert status.raw is JOBS[key] and status.vendor == "puppet"


def test_job_without_state_key_uses_open_status_entry():
    # The jobs endpoint doc's own GET /jobs/1234 example has no "state" key.
    assert "state" not in JOBS["finished"]
    assert parse_orchestrator.parse_job(JOBS["finished"]).vendor_status == "finished"


def test_job_times_from_timestamps_or_status_list():
    failed = parse_orchestrator.parse_job(JOBS["failed"])
    assert (failed.started_at, failed.finished_at) == ("2024-03-01T10:00:02Z", "2024-03-01T10:05:00Z")
    stopped = parse_orchestrator.parse_job(JOBS["stopped"])
    assert (stopped.started_at, stopped.finished_at) == ("2024-03-01T10:00:00Z", "2024-03-01T10:00:20Z")
    running = parse_orchestrator.parse_job(JOBS["running"])
    assert (running.started_at, running.finished_at) == ("2024-03-01T10:00:02Z", None)


def test_job_extra_keys():
    status = parse_orchestrator.parse_job(JOBS["failed"]).as_dict()
    assert status["command"] == "task"
    assert status["node_states"] == {"finished": 3, "failed": 1, "errored": 1}


@pytest.mark.parametrize("allowed, succeeded", [("0", False), ("1", False), ("2", True), ("40%", True)])
def test_failed_job_within_allowed_failures(allowed, succeeded):
    status = FailurePolicy(allowed).apply(parse_orchestrator.parse_job(JOBS["failed"]))
    assert status.succeeded is succeeded


@pytest.mark.parametrize("key", ["stopped", "novel", "running", "new"])
def test_never_succeeds_when_stopped_unknown_or_going(key):
    assert FailurePolicy("100%").apply(parse_orchestrator.parse_job(JOBS[key])).succeeded is False


def test_job_without_node_counts_is_pending_or_fails_safe():
    # the doc's GET /jobs/:job-id example: no state, no node_states, finished by its status list
    record = dict(JOBS["finished"])
    del record["node_states"]
    status = parse_orchestrator.parse_job(record)
    assert (status.state, status.vendor_status) == ("failed", "finished")  # no node counted: never a pass
    assert parse_orchestrator.parse_job(record, counts={"finished": 5}).state == "succeeded"


def test_node_errors_take_the_best_message():
    errors = [parse_orchestrator.node_error(i) for i in NODES["items"] if i["state"] in ("failed", "errored")]
    assert errors == [
        {"target": "b.example.com", "message": "Error running puppet on b.example.com: java.net.Exception: "
                                               "Something went wrong", "time": "2024-03-01T10:04:00Z"},
        {"target": "c.example.com", "message": "Running tasks is not supported for agents older than version 5.1.0",
         "time": "2024-03-01T10:04:30Z"},
        {"target": "d.example.com", "message": "Invalid task name 'package::status'", "time": "2024-03-01T10:04:40Z"},
        {"target": "e.example.com", "message": "exit code 3", "time": "2024-03-01T10:04:50Z"},
    ]


@pytest.mark.parametrize("given, name", [
    ("81", "81"), (" 81 ", "81"), ("https://orch.example.com:8143/orchestrator/v1/jobs/81", "81"),
    ("https://orch.example.com:8143/orchestrator/v1/jobs/81/", "81"),
])
def test_job_name(given, name):
    assert job_name(given) == name


@pytest.mark.parametrize("bad", ["abc", "81a", "", "https://orch.example.com/orchestrator/v1/jobs/x", "../81",
                                 "81/../../rbac-api", "\u0661\u0662", "81?x=1", "%38%31"])
def test_bad_job_name_is_a_clear_error(bad):
    with pytest.raises(ConfigError, match="such as 81"):
        job_name(bad)


def test_every_job_id_is_checked_before_any_request():
    # port 9 (discard) would refuse: the error must come from the id check, not a connection
    with pytest.raises(ConfigError, match="such as 81.*'job-7'"):
        PuppetJobStatus({"url": "http://127.0.0.1:9", "token": "t" * 10, "action_ids": ["81", "job-7"]})


@pytest.mark.parametrize("options, lifetime", [
    ({}, "331s"),  # no wait: request_timeout (30) + 1 + margin
    ({"request_timeout": 10.0}, "311s"),
    ({"wait": True, "wait_timeout": 600.0}, "901s"),
    ({"wait": True}, "2101s"),  # wait_timeout default 1800
])
def test_token_lifetime_is_the_run_plus_a_margin(options, lifetime):
    options = dict({"url": "https://o.example.com:8143", "username": "u", "password": "p"}, **options)
    # ActionQuery makes the run's Deadline (wait_timeout, default 1800) when it waits
    deadline = Deadline(options.get("wait_timeout", 1800.0), clock=lambda: 0.0) if options.get("wait") else None
    vendor = PuppetJobStatus(options, client=PuppetJobStatus.make_client(options, deadline=deadline))
    assert vendor.token_lifetime() == lifetime


@pytest.mark.parametrize("url, console", [
    ("https://puppet.example.com:8143", "https://puppet.example.com:4433"),
    ("https://puppet.example.com:8143/", "https://puppet.example.com:4433"),
    ("https://puppet.example.com", "https://puppet.example.com:4433"),
    ("https://[::1]:8143", "https://[::1]:4433"),
])
def test_console_url_from_orchestrator_url(url, console):
    assert console_url(url) == console


def test_rbac_url_option_wins():
    job = PuppetJobStatus({"url": "https://o.example.com:8143", "token": "t" * 10, "rbac_url": "https://c:1"})
    assert job.rbac_url() == "https://c:1"
    assert PuppetJobStatus({"url": "https://o.example.com:8143", "token": "t" * 10}).rbac_url() == \
        "https://o.example.com:4433"


@pytest.mark.parametrize("options", [{}, {"username": "u"}, {"password": "p"}])
def test_credentials_are_required(options):
    with pytest.raises(ConfigError, match="needs token"):
        PuppetJobStatus(dict({"url": "https://o.example.com:8143"}, **options))


def test_token_goes_in_x_authentication_and_is_a_secret():
    job = PuppetJobStatus({"url": "https://o.example.com:8143", "token": "secret-token-value"})
    assert job.client.session.headers["X-Authentication"] == "secret-token-value"
    assert "secret-token-value" not in job.client.message("echo secret-token-value")


# ---- activity service ------------------------------------------------------------------------


def test_pagination_strings_become_numbers():
    commits, pagination = parse_activity.parse_page(EVENTS)
    assert len(commits) == 7
    assert pagination == {"total": 7, "limit": 1000, "offset": 0}


def test_pagination_tolerates_missing_and_misspelt_keys():
    # the v2 events doc's example has a broken key ("offset: "0"): tolerate its absence (docs/dev/vendors/puppet.md)
    _commits, pagination = parse_activity.parse_page({"commits": [], "pagination": {"total": 3, "offset: ": "0"}})
    assert pagination == {"total": 3, "limit": None, "offset": None}


def test_page_without_commits_is_our_error_naming_the_endpoint():
    with pytest.raises(ApiError, match=r"activity service GET /activity-api/v2/events .*commits is missing"):
        parse_activity.parse_page({"items": []})


def test_flatten_adds_commit_fields():
    events = list(parse_activity.flatten(EVENTS["commits"]))
    assert len(events) == 8
    first = events[0]
    assert first == {"message": "Create Node", "timestamp": "2014-06-24T04:00:00Z",
                     "subject": {"id": "dfgdfc145-545dfg54f-fdg45s5s", "name": "Kai Evans"},
                     "objects": [{"id": "415dfsvdf-dfgd45dfg-4dsfg54d", "name": "Default Node Group"}],
                     "ip_address": None}
    v1_style = events[-1]
    assert v1_style["objects"] == [{"id": "emerald-1.platform9.mydomain.edu",
                                    "name": "emerald-1.platform9.mydomain.edu"}]


def test_orchestrator_events_are_grouped_by_job():
    groups = parse_activity.job_events(parse_activity.flatten(EVENTS["commits"]))
    assert sorted(groups) == ["11", "12", "13"]  # the v1 message has no state: not a job event
    assert len(groups["11"]) == 2


def test_v1_job_number_with_thousands_separator():
    event = {"state": "finished", "message": "Scheduled job 3 ... run via orchestrator job 7,759"}
    assert list(parse_activity.job_events([event])) == ["7759"]


@pytest.mark.parametrize("job_id, state, vendor_status, counts, errors", [
    ("11", "succeeded", "finished", (1, 1, 0, 0), []),
    ("12", "succeeded", "finished", (1, 1, 0, 0), []),
    ("13", "running", "running", (2, 0, 1, 1), ["db1.example.com"]),
])
def test_job_from_events(job_id, state, vendor_status, counts, errors):
    groups = parse_activity.job_events(parse_activity.flatten(EVENTS["commits"]))
    status = parse_activity.parse_job_events(job_id, groups[job_id])
    assert (status.state, status.vendor_status) == (state, vendor_status)
    assert targets(status) == counts
    assert [e["target"] for e in status.errors] == errors


def test_job_from_events_latest_event_wins_and_times():
    groups = parse_activity.job_events(parse_activity.flatten(EVENTS["commits"]))
    status = parse_activity.parse_job_events("11", groups["11"])
    assert status.started_at == "2022-08-08T23:18:47Z" and status.finished_at == "2022-08-08T23:18:52Z"
    assert [e["state"] for e in status.raw["events"]] == ["running", "finished"]
    assert status.extra == {"node_states": {"finished": 1}}


def test_same_second_events_order_by_state():
    events = [{"state": state, "timestamp": "2024-01-01T00:00:00Z", "objects": [{"id": "n1", "type": "node"}],
               "message": 'on "n1" via orchestrator job "5"'} for state in ("running", "ready", "new")]
    assert parse_activity.parse_job_events("5", events).vendor_status == "running"


@pytest.mark.parametrize("states, word", [
    (["new", "new"], "new"),
    (["new", "ready"], "ready"),
    (["ready", "running"], "running"),
    (["finished", "ready"], "running"),
    (["running", "stopping"], "stopping"),
    (["finished", "finished"], "finished"),
    (["finished", "failed"], "failed"),
    (["finished", "errored"], "failed"),
    (["finished", "stopped"], "stopped"),
    (["failed", "skipped"], "failed"),  # skipped after a failure: failed, not stopped
    (["skipped", "skipped"], "failed"),
    (["failed", "stopped"], "stopped"),  # a person stopped it
    (["finished", "exploded"], "exploded"),
])
def test_node_states_to_job_word(states, word):
    assert parse_activity.node_job_state(states) == word


def test_unknown_node_state_is_unknown_not_success():
    event = {"state": "exploded", "timestamp": "2024-01-01T00:00:00Z", "message": 'via orchestrator job "9"'}
    status = FailurePolicy("100%").apply(parse_activity.parse_job_events("9", [event]))
    assert (status.state, status.succeeded) == ("unknown", False)


# ---- query validation ------------------------------------------------------------------------


def test_query_sent_as_compact_json():
    query = [{"object_id": "3", "object_type": "users"}, {"subject_type": "users", "subject_id": "u1"},
             {"ip_address": "10.0"}, {"start": "2019-11-01T21:32:39Z", "end": "2019-12-01T00:00:00+00:00"}]
    assert json.loads(query_json(query)) == query
    assert query_json([]) is None


@pytest.mark.parametrize("item, message", [
    ({"subject_type": "users"}, "subject_type needs subject_id"),
    ({"object_id": "3"}, "object_id needs object_type"),
    ({"start": "2019-11-01T00:00:00Z"}, "start and end come together"),
    ({"end": "2019-11-01T00:00:00Z"}, "start and end come together"),
    ({"start": "yesterday", "end": "2019-11-01T00:00:00Z"}, "ISO-8601"),
    ({"start": "2019-11-01", "end": "2019-12-01"}, "ISO-8601"),
    ({"start": "2019-12-01T00:00:00Z", "end": "2019-11-01T00:00:00Z"}, "start is after end"),
    ({"subject_id": "u1", "object_type": "users"}, "mixes or misspells"),
    ({"colour": "blue"}, "mixes or misspells"),
    ({}, "non-empty dict"),
    ("subject_id=u1", "non-empty dict"),
])
def test_bad_query_items(item, message):
    with pytest.raises(ConfigError, match=message):
        query_json([item])


@pytest.mark.parametrize("options, message", [
    ({"query": [{"object_id": "1"}]}, "object_id needs object_type"),
    ({"offset": -1}, "offset must be between 0 and"),
    ({"limit": 0}, "limit must be between 1 and 1000"),
    ({"limit": 1001}, "limit must be between 1 and 1000"),
])
def test_activity_options_checked_before_any_request(options, message):
    settings = {"url": "http://127.0.0.1:9", "token": "t" * 10}
    settings.update(options)
    with pytest.raises(ConfigError, match=message):
        PuppetActivityEvents(settings)


def test_activity_params():
    vendor = PuppetActivityEvents({"url": "http://127.0.0.1:9", "token": "t" * 10, "service_id": "classifier",
                                   "order": "asc", "limit": 10, "offset": 5, "query": [{"ip_address": "10."}]})
    assert vendor.params() == {"offset": 5, "service_id": "classifier", "order": "asc", "limit": 10,
                               "query": '[{"ip_address":"10."}]'}


def test_activity_job_ids_are_checked_before_any_request():
    with pytest.raises(ConfigError, match="such as 81.*'11; drop'"):
        PuppetActivityEvents({"url": "http://127.0.0.1:9", "token": "t" * 10, "action_ids": ["11", "11; drop"]})
