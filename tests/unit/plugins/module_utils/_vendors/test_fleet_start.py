"""fleet_agent_action's start (FleetActions) and fleet_agent_info's available_versions, without a
server: the request built from the options, the checks made before any request, the reading of
each answer, the sentence an old Kibana's schema 400 gets, and the result's shape (_start)."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError, TransportError
from ansible_collections.actiongate.agents.plugins.module_utils._start import StartFailed
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.actions import (
    NEWER_KEYS, FleetActions, explain,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents


class Answer:
    def __init__(self, body, status=200):
        self.body, self.status, self.headers, self.text = body, status, {}, ""


class FakeClient:
    """Stands in for ApiClient: the one start answered by ``answer`` (or ``error`` raised), reads of
    action_status by ``statuses``; every call recorded."""

    def __init__(self, answer=None, error=None, statuses=None, gets=None):
        self.answer, self.error, self.statuses, self.gets = answer, error, statuses or [], gets or {}
        self.calls = []
        self.session = requests.Session()

    def request(self, method, path, json_body=None, data=None, headers=None, idempotent=None, expect_json=True,
                allow_redirects=True):
        self.calls.append((method, path, json_body, headers, idempotent))
        if self.error is not None:
            raise self.error
        return Answer(self.answer)

    def get_json(self, path, params=None, headers=None):
        self.calls.append(("GET", path, params, headers, None))
        if path in self.gets:
            found = self.gets[path]
            if isinstance(found, Exception):
                raise found
            return found
        return {"items": self.statuses}

    def message(self, text):
        return text


def actions(answer=None, error=None, statuses=None, **options):
    settings_ = {"url": "https://kibana.example", "api_key": "k" * 20, "action": "upgrade", "agents": ["a1", "a2"],
                 "version": "8.15.0", "include_raw": True}
    settings_.update(options)
    client = FakeClient(answer, error, statuses)
    return FleetActions(settings_, client=client), client


def posts(client):
    return [c for c in client.calls if c[0] == "POST"]


# ---- the request ---------------------------------------------------------------------------------

def test_new_options_are_sent_with_kibanas_names_only_when_set():
    vendor, _client = actions(batch_size=500, include_inactive=True, dry_run=True, agents="policy_id:p1")
    path, body = vendor.call()
    assert path == "/api/fleet/agents/bulk_upgrade"
    assert body == {"agents": "policy_id:p1", "version": "8.15.0", "force": False, "batchSize": 500,
                    "includeInactive": True, "dryRun": True}
    plain, _client = actions(include_inactive=False, dry_run=False)
    assert set(plain.call()[1]) == {"agents", "version", "force"}
    unenroll, _client = actions(action="unenroll", batch_size=1, space_id="ops")
    assert unenroll.call() == ("/s/ops/api/fleet/agents/bulk_unenroll",
                               {"agents": ["a1", "a2"], "force": False, "revoke": False, "batchSize": 1})


@pytest.mark.parametrize("agents, message", [
    (["a1", "a1"], "agents lists 'a1' more than once"),
    (["a1", " "], r"agents has a blank item \(position 2\)"),
    (["a%d" % i for i in range(10001)], "agents lists 10001 targets; Kibana's bulk routes takes at most 10000"),
    ([], "agents must be a non-empty list of agent ids"),
    ("  ", "agents must be a non-empty list of agent ids"),
])
def test_agents_are_checked_before_any_request(agents, message):
    vendor, client = actions(agents=agents)
    with pytest.raises(ConfigError, match=message):
        vendor.run()
    assert client.calls == []


def test_ten_thousand_ids_are_one_request():
    ids = ["a%d" % i for i in range(10000)]
    vendor, client = actions(answer={"actionId": "x1"}, agents=ids)
    assert vendor.run()["action_ids"] == ["x1"] and len(posts(client)[0][2]["agents"]) == 10000


@pytest.mark.parametrize("value", [0, 10001, -1])
def test_batch_size_outside_its_range_is_refused_before_any_request(value):
    with pytest.raises(ConfigError, match="batch_size must be between 1 and 10000"):
        FleetActions({"url": "https://kibana.example", "api_key": "k" * 20, "action": "upgrade", "agents": ["a1"],
                      "version": "8.15.0", "batch_size": value})


@pytest.mark.parametrize("options", [{"dry_run": True}, {"include_inactive": True}, {"batch_size": 10}])
def test_the_bulk_options_are_refused_with_cancel(options):
    vendor, client = actions(action="cancel", action_id="abc", **options)
    with pytest.raises(ConfigError, match="cannot be used with action=cancel"):
        vendor.run()
    assert client.calls == []


# ---- the start and its result ------------------------------------------------------------------------

def test_a_start_is_one_post_never_retried_and_the_result_has_action_id_and_action_ids():
    status = {"actionId": "act-1", "status": "IN_PROGRESS", "type": "UPGRADE", "nbAgentsActioned": 2,
              "latestErrors": [{"agentId": "a2", "error": "Agent a2 is not upgradeable: agent was upgraded less "
                                "than 10 minutes ago", "timestamp": "t"}]}
    vendor, client = actions(answer={"actionId": "act-1"}, statuses=[status])
    result = vendor.run()
    assert result["action_id"] == "act-1" and result["action_ids"] == ["act-1"] and result["changed"] is True
    assert result["raw"] == {"actionId": "act-1"} and result["agents"] == ["a1", "a2"]
    assert [r["agent"] for r in result["refused"]] == ["a2"]
    assert "skipped" not in result
    (post,) = posts(client)
    assert post[1] == "/api/fleet/agents/bulk_upgrade" and post[3] == {"kbn-xsrf": "true"} and post[4] is False


def test_include_raw_false_leaves_the_answer_out():
    vendor, _client = actions(answer={"actionId": "act-2"}, include_raw=False)
    assert "raw" not in vendor.run()


def test_check_mode_sends_nothing_and_shows_the_request():
    vendor, client = actions(batch_size=20, revoke=True, action="unenroll")
    result = vendor.run(check_mode=True)
    assert client.calls == [] and result["changed"] is True and result["action_id"] is None
    assert result["action_ids"] == [] and result["requests"] == [{
        "method": "POST", "path": "/api/fleet/agents/bulk_unenroll",
        "body": {"agents": ["a1", "a2"], "force": False, "revoke": True, "batchSize": 20}}]
    assert "invalidates their API keys" in result["warnings"][0]
    assert "k" * 20 not in repr(result)


def test_dry_run_returns_the_count_no_id_and_changed_false():
    vendor, client = actions(answer={"count": 7}, dry_run=True, agents="policy_id:p1")
    result = vendor.run()
    assert result == {"changed": False, "action_id": None, "action_ids": [], "action": "upgrade",
                      "agents": "policy_id:p1", "dry_run": True, "count": 7, "raw": {"count": 7}}
    assert len(client.calls) == 1  # no refusal read: nothing was written
    checked, client = actions(dry_run=True)
    assert checked.run(check_mode=True)["changed"] is False and client.calls == []


@pytest.mark.parametrize("answer, message", [
    ({}, "the answer has no count"),
    ({"count": "7"}, "count that is a whole number: it is a string"),
    ({"count": 2.5}, "count that is a whole number"),
    ([], "the answer has no count"),
])
def test_a_dry_run_answer_without_a_count_may_have_started(answer, message):
    vendor, _client = actions(answer=answer, dry_run=True)
    with pytest.raises(StartFailed) as caught:
        vendor.run()
    assert caught.value.may_have_started is True and message in str(caught.value)
    assert "MAY HAVE STARTED" in str(caught.value)


def test_a_dry_run_answered_with_an_action_id_says_it_started():
    vendor, _client = actions(answer={"actionId": "oops-1"}, dry_run=True)
    with pytest.raises(StartFailed) as caught:
        vendor.run()
    text = str(caught.value)
    assert "answered the dry run with actionId oops-1" in text and "Already started by this task: oops-1" in text


def test_an_answer_without_an_action_id_may_have_started_and_says_where_to_look():
    vendor, _client = actions(answer={"nope": 1})
    with pytest.raises(StartFailed) as caught:
        vendor.run()
    text = str(caught.value)
    assert text.startswith("Elastic Fleet upgrade of 2 agents failed: the answer has no actionId")
    assert "MAY HAVE STARTED" in text and "fleet_action_status (without action_ids)" in text
    assert "new UPGRADE action" in text


@pytest.mark.parametrize("error, may_have_started, sentence", [
    (ApiError("HTTP 503 busy", 503), True, "MAY HAVE STARTED"),
    (TransportError("Could not reach Elastic Fleet: reset"), True, "MAY HAVE STARTED"),
    (ApiError("HTTP 400 bad", 400), False, "Nothing started: the request was refused (HTTP 400)"),
    (ApiError("HTTP 403 no", 403), False, "Nothing started: the request was refused (HTTP 403)"),
])
def test_a_failed_start_says_whether_it_may_have_started(error, may_have_started, sentence):
    vendor, client = actions(error=error, action="unenroll", revoke=True)
    with pytest.raises(StartFailed) as caught:
        vendor.run()
    assert caught.value.may_have_started is may_have_started and sentence in str(caught.value)
    assert len(client.calls) == 1
    if may_have_started:
        assert "new FORCE_UNENROLL action" in str(caught.value)


def test_cancel_keeps_its_result_through_start_result():
    vendor, client = actions(answer={"item": {"id": "cancel-9", "type": "CANCEL"}}, action="cancel", action_id=" act-3 ")
    result = vendor.run()
    assert result["action_id"] == "act-3" and result["action_ids"] == ["act-3"]
    assert result["cancel_action_id"] == "cancel-9" and result["changed"] is True and "agents" not in result
    assert posts(client)[0][1] == "/api/fleet/agents/actions/act-3/cancel"


def test_include_inactive_with_a_list_of_ids_warns():
    vendor, _client = actions(include_inactive=True)
    assert any("no effect with a list of agent ids" in w for w in vendor.warnings())
    query, _client = actions(include_inactive=True, agents="policy_id:p1")
    assert query.warnings() == []


# ---- an old Kibana's schema 400 ----------------------------------------------------------------------

@pytest.mark.parametrize("key, option, since", list(NEWER_KEYS))
def test_an_old_kibana_refusing_a_key_is_explained_naming_the_option_and_the_release(key, option, since):
    error = ApiError("Elastic Fleet POST /api/fleet/agents/bulk_upgrade failed: HTTP 400 [request body.%s]: "
                     "definition for this key is missing" % key, 400)
    text = explain(error)
    assert option in text and since in text and key in text
    vendor, _client = actions(error=error, **{option: 5 if option == "batch_size" else True})
    with pytest.raises(StartFailed) as caught:
        vendor.run()
    assert caught.value.may_have_started is False
    assert "Nothing started: the request was refused (HTTP 400)" in str(caught.value) and since in str(caught.value)


@pytest.mark.parametrize("error", [
    ApiError("HTTP 400 [request body.version]: expected value of type [string]", 400),
    ApiError("HTTP 400 [request body.other]: definition for this key is missing", 400),
    ApiError("HTTP 500 [request body.dryRun]: definition for this key is missing", 500),
    TransportError("reset"),
])
def test_other_errors_get_no_explanation(error):
    assert explain(error) is None


def test_the_versions_named_come_from_the_documented_sources():
    text = " ".join(since for _key, _option, since in NEWER_KEYS)
    for source in ("8.5.0", "#138870", "8.11.1", "#170249", "#276377", "#276644", "#276654"):
        assert source in text


# ---- fleet_agent_info: available_versions -------------------------------------------------------------

def agents_info(gets, **options):
    settings_ = {"url": "https://kibana.example", "api_key": "k", "agents": [], "per_page": 100,
                 "available_versions": True}
    settings_.update(options)
    client = FakeClient(gets=gets)
    return FleetAgents(settings_, client=client), client


def test_only_the_versions_are_read_without_agents_or_kuery():
    vendor, client = agents_info({"/api/fleet/agents/available_versions": {"items": ["8.15.1", " 8.15.0 "]}})
    assert vendor.run() == {"changed": False, "available_versions": ["8.15.1", "8.15.0"]}
    assert [c[1] for c in client.calls] == ["/api/fleet/agents/available_versions"]


def test_versions_and_agents_together_in_a_space():
    vendor, client = agents_info({
        "/s/ops/api/fleet/agents/available_versions": {"items": ["8.15.0"]},
        "/s/ops/api/fleet/agents": {"items": [{"id": "a1", "agent": {"version": "8.15.0"}}], "total": 1}},
        agents=["a1"], version="8.15.0", space_id="ops")
    result = vendor.run()
    assert result["available_versions"] == ["8.15.0"] and result["at_version"] == ["a1"] and result["total"] == 1


def test_a_kibana_without_the_endpoint_gives_null_and_a_warning():
    vendor, _client = agents_info({"/api/fleet/agents/available_versions": ApiError("HTTP 404 Not Found", 404)})
    result = vendor.run()
    assert result["available_versions"] is None and "older than 8.4.0" in result["warnings"][0]


def test_another_failure_of_the_versions_read_is_the_runs_error():
    vendor, _client = agents_info({"/api/fleet/agents/available_versions": ApiError("HTTP 500 boom", 500)})
    with pytest.raises(ApiError, match="HTTP 500"):
        vendor.run()


@pytest.mark.parametrize("body, what", [
    ([], "without an items list"),
    ({"items": "8.15.0"}, "without an items list"),
    ({"items": ["8.15.0", 8.15]}, "with item 2 that is a number (8.15), not a version"),
    ({"items": ["  "]}, "with item 1 that is"),
])
def test_a_versions_answer_of_another_shape_is_the_collections_error(body, what):
    vendor, _client = agents_info({"/api/fleet/agents/available_versions": body})
    with pytest.raises(ApiError) as caught:
        vendor.run()
    assert "GET /api/fleet/agents/available_versions " + what in str(caught.value)
    assert caught.value.status == 200
