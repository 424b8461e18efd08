"""The Elastic Fleet part of the simulator added for rollouts: GET /api/fleet/agents/available_versions
(a list, or 404 for a Kibana without the route), and batchSize, includeInactive and dryRun on
bulk_upgrade and bulk_unenroll, with the schema's 400 for keys an older Kibana does not know.
Real HTTP."""

from __future__ import annotations

import pytest
import requests

AUTH = {"Authorization": "ApiKey c2ltLWtleTpzZWNyZXQ="}
WRITE = dict(AUTH, **{"kbn-xsrf": "true"})


def get(simulator, path: str) -> requests.Response:
    return requests.get(simulator.http_url + path, headers=AUTH, timeout=10)


def post(simulator, path: str, body: dict) -> requests.Response:
    return requests.post(simulator.http_url + path, headers=WRITE, json=body, timeout=10)


def actions(simulator) -> list:
    response = get(simulator, "/api/fleet/agents/action_status?perPage=100")
    assert response.status_code == 200, response.text
    return response.json()["items"]


# ---- available_versions ----------------------------------------------------------------------------

def test_available_versions_lists_the_configured_versions_in_every_space(simulator):
    default = get(simulator, "/api/fleet/agents/available_versions")
    assert default.status_code == 200 and default.json()["items"][:2] == ["8.15.1", "8.15.0"]
    simulator.control("POST", "/fleet/config", {"available_versions": ["9.1.0", "9.0.3"]})
    for path in ("/api/fleet/agents/available_versions", "/s/ops/api/fleet/agents/available_versions"):
        assert get(simulator, path).json() == {"items": ["9.1.0", "9.0.3"]}


def test_available_versions_is_404_on_an_old_kibana_and_needs_credentials(simulator):
    simulator.control("POST", "/fleet/config", {"available_versions": None})
    old = get(simulator, "/api/fleet/agents/available_versions")
    assert old.status_code == 404 and old.json() == {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
    anonymous = requests.get(simulator.http_url + "/api/fleet/agents/available_versions", timeout=10)
    assert anonymous.status_code == 401


# ---- batchSize, includeInactive, dryRun ------------------------------------------------------------

@pytest.mark.parametrize("route, body", [
    ("/api/fleet/agents/bulk_upgrade", {"agents": ["agent-01", "agent-02"], "version": "8.15.0"}),
    ("/api/fleet/agents/bulk_unenroll", {"agents": ["agent-01", "agent-02"]}),
])
def test_dry_run_answers_a_count_and_writes_nothing(simulator, route, body):
    answer = post(simulator, route, dict(body, dryRun=True))
    assert answer.status_code == 200 and answer.json() == {"count": 2}
    assert actions(simulator) == []
    assert simulator.control("GET", "/fleet/dry_runs") == [{"route": route.rsplit("/", 1)[1], "count": 2}]
    # the agents are untouched: an unenroll dry run leaves them enrolled, an upgrade one starts no cool-down
    assert post(simulator, route, body).status_code == 200
    assert actions(simulator)[0]["nbAgentsActioned"] == 2 and not actions(simulator)[0]["latestErrors"]


def test_dry_run_of_a_query_counts_the_agents_it_matches_inactive_ones_only_when_asked(simulator):
    assert post(simulator, "/api/fleet/agents/bulk_unenroll", {"agents": ["agent-03"], "revoke": True}).status_code == 200
    query = {"agents": "local_metadata.host.hostname:host-agent-03", "version": "8.15.0", "dryRun": True}
    assert post(simulator, "/api/fleet/agents/bulk_upgrade", query).json() == {"count": 0}
    assert post(simulator, "/api/fleet/agents/bulk_upgrade", dict(query, includeInactive=True)).json() == {"count": 1}
    assert post(simulator, "/api/fleet/agents/bulk_upgrade", dict(query, agents="*")).json() == {"count": 19}


def test_batch_size_and_include_inactive_are_kept_on_the_action(simulator):
    post(simulator, "/api/fleet/agents/bulk_unenroll", {"agents": ["agent-04"], "revoke": True})
    started = post(simulator, "/api/fleet/agents/bulk_upgrade", {
        "agents": "local_metadata.host.hostname:host-agent-04", "version": "8.15.0", "batchSize": 50,
        "includeInactive": True}).json()["actionId"]
    shown = simulator.control("GET", "/fleet/actions/%s" % started)
    assert shown["batch_size"] == 50 and shown["include_inactive"] is True
    assert shown["status"]["nbAgentsActioned"] == 1
    without = post(simulator, "/api/fleet/agents/bulk_upgrade", {
        "agents": "local_metadata.host.hostname:host-agent-04", "version": "8.15.0"}).json()["actionId"]
    assert simulator.control("GET", "/fleet/actions/%s" % without)["status"]["nbAgentsActioned"] == 0


@pytest.mark.parametrize("key, value, expected", [
    ("batchSize", "10", "[request body.batchSize]: expected value of type [number] but got [str]"),
    ("batchSize", True, "[request body.batchSize]: expected value of type [number] but got [bool]"),
    ("includeInactive", "yes", "[request body.includeInactive]: expected value of type [boolean] but got [str]"),
    ("dryRun", 1, "[request body.dryRun]: expected value of type [boolean] but got [int]"),
    ("rolloutDuration", 600, "[request body.rolloutDuration]: definition for this key is missing"),
])
def test_body_keys_are_checked_as_the_schema_does(simulator, key, value, expected):
    answer = post(simulator, "/api/fleet/agents/bulk_upgrade", {"agents": ["agent-05"], "version": "8.15.0", key: value})
    assert answer.status_code == 400 and answer.json()["message"] == expected
    assert actions(simulator) == []


@pytest.mark.parametrize("route, body", [
    ("/api/fleet/agents/bulk_upgrade", {"agents": ["agent-06"], "version": "8.15.0"}),
    ("/api/fleet/agents/bulk_unenroll", {"agents": ["agent-06"]}),
])
@pytest.mark.parametrize("key, value", [("batchSize", 100), ("includeInactive", True), ("dryRun", True)])
def test_an_old_kibana_refuses_the_newer_keys_and_starts_nothing(simulator, route, body, key, value):
    simulator.control("POST", "/fleet/config", {"old_kibana": True})
    answer = post(simulator, route, dict(body, **{key: value}))
    assert answer.status_code == 400
    assert answer.json()["message"] == "[request body.%s]: definition for this key is missing" % key
    assert actions(simulator) == [] and simulator.control("GET", "/fleet/dry_runs") == []
    # the same Kibana takes a request without them
    assert post(simulator, route, body).status_code == 200


def test_reject_body_keys_plays_a_kibana_that_lacks_only_some_keys(simulator):
    simulator.control("POST", "/fleet/config", {"reject_body_keys": ["dryRun"]})
    base = {"agents": ["agent-07"], "version": "8.15.0"}
    assert post(simulator, "/api/fleet/agents/bulk_upgrade", dict(base, dryRun=True)).status_code == 400
    assert post(simulator, "/api/fleet/agents/bulk_upgrade", dict(base, batchSize=5)).status_code == 200
    simulator.control("POST", "/fleet/config", {"old_kibana": False})
    assert post(simulator, "/api/fleet/agents/bulk_upgrade", dict(base, dryRun=True)).json() == {"count": 1}
