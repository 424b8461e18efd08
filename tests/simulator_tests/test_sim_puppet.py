"""The Puppet Enterprise part of the simulator: RBAC tokens, activity v2 events, orchestrator jobs."""

from __future__ import annotations

import json
import urllib.parse

import pytest
import requests

from tests.simulator.puppet import STATIC_TOKEN

TOKEN_PATH = "/rbac-api/v1/auth/token"
EVENTS = "/activity-api/v2/events"
ORCH = "/orchestrator/v1"


def freeze(simulator) -> None:
    """Stop simulated time so only explicit advances move the jobs."""
    simulator.control("POST", "/clock", {"speed": 0})


def advance(simulator, seconds: float) -> None:
    simulator.control("POST", "/clock", {"advance": seconds})


def configure(simulator, **settings: object) -> None:
    simulator.control("POST", "/puppet/config", settings)


def api(simulator, method: str, path: str, *, token: str | None = STATIC_TOKEN, **kwargs: object) -> requests.Response:
    headers = {"X-Authentication": token} if token else {}
    return requests.request(method, simulator.http_url + path, headers=headers, timeout=10, **kwargs)


def events(simulator, **params: object) -> dict:
    if "query" in params:
        params["query"] = json.dumps(params["query"])
    response = api(simulator, "GET", EVENTS, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def deploy(simulator, nodes: list[str], **extra: object) -> dict:
    body = {"environment": "production", "scope": {"nodes": nodes}, **extra}
    response = api(simulator, "POST", ORCH + "/command/deploy", json=body)
    assert response.status_code == 202, response.text
    return response.json()["job"]


def job(simulator, name: str) -> dict:
    response = api(simulator, "GET", "%s/jobs/%s" % (ORCH, name))
    assert response.status_code == 200, response.text
    return response.json()


def nodes_of(simulator, name: str, **params: object) -> dict:
    response = api(simulator, "GET", "%s/jobs/%s/nodes" % (ORCH, name), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def assert_envelope(response: requests.Response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["kind"] == kind
    assert body["msg"]
    return body


# ---- RBAC ------------------------------------------------------------------------------------


def test_token_login_and_use(simulator):
    response = requests.post(simulator.http_url + TOKEN_PATH, json={"login": "deployer", "password": "puppetlabs"},
                             timeout=10)
    assert response.status_code == 200
    token = response.json()["token"]
    assert token and token != STATIC_TOKEN
    assert api(simulator, "GET", EVENTS, token=token).status_code == 200
    # the token query parameter works as well as the header (rbac-client middleware)
    assert requests.get(simulator.http_url + EVENTS, params={"token": token}, timeout=10).status_code == 200


def test_token_login_rejects_bad_password_and_body(simulator):
    bad = requests.post(simulator.http_url + TOKEN_PATH, json={"login": "deployer", "password": "nope"}, timeout=10)
    assert_envelope(bad, 401, "puppetlabs.rbac/authentication-failed")
    malformed = requests.post(simulator.http_url + TOKEN_PATH, data="not json", timeout=10)
    assert_envelope(malformed, 400, "malformed-request")


@pytest.mark.parametrize("token, kind", [
    (None, "puppetlabs.rbac/user-unauthenticated"),
    ("not-a-token", "puppetlabs.rbac/invalid-token"),
])
def test_missing_or_unknown_token_is_401(simulator, token, kind):
    for path in (EVENTS, ORCH + "/jobs/1"):
        body = assert_envelope(api(simulator, "GET", path, token=token), 401, kind)
        assert "not-a-token" not in body["msg"]


def test_echo_token_in_errors_option_puts_token_in_message(simulator):
    configure(simulator, echo_token_in_errors=True)
    body = assert_envelope(api(simulator, "GET", EVENTS, token="leaky-secret"), 401, "puppetlabs.rbac/invalid-token")
    assert "leaky-secret" in body["msg"]


def test_token_expires_after_default_lifetime(simulator):
    freeze(simulator)
    token = requests.post(simulator.http_url + TOKEN_PATH, json={"login": "deployer", "password": "puppetlabs"},
                          timeout=10).json()["token"]
    advance(simulator, 3599)
    assert api(simulator, "GET", EVENTS, token=token).status_code == 200
    advance(simulator, 2)
    body = assert_envelope(api(simulator, "GET", EVENTS, token=token), 401, "puppetlabs.rbac/token-expired")
    assert "expired" in body["msg"]


def test_token_lifetime_from_request_and_config(simulator):
    freeze(simulator)
    configure(simulator, token_lifetime=30)
    short = requests.post(simulator.http_url + TOKEN_PATH, json={"login": "deployer", "password": "puppetlabs"},
                          timeout=10).json()["token"]
    longer = requests.post(simulator.http_url + TOKEN_PATH,
                           json={"login": "deployer", "password": "puppetlabs", "lifetime": "4m"}, timeout=10).json()["token"]
    advance(simulator, 31)
    assert api(simulator, "GET", EVENTS, token=short).status_code == 401
    assert api(simulator, "GET", EVENTS, token=longer).status_code == 200
    bad = requests.post(simulator.http_url + TOKEN_PATH,
                        json={"login": "deployer", "password": "puppetlabs", "lifetime": "soon"}, timeout=10)
    assert_envelope(bad, 400, "malformed-request")


def test_control_tokens_issue_expire_revoke(simulator):
    token = simulator.control("POST", "/puppet/tokens", {"token": "fixed-token"})["token"]
    assert token == "fixed-token"
    assert api(simulator, "GET", EVENTS, token=token).status_code == 200
    assert simulator.control("POST", "/puppet/tokens/expire", {"token": token})["expired"] == 1
    assert_envelope(api(simulator, "GET", EVENTS, token=token), 401, "puppetlabs.rbac/token-expired")
    simulator.control("POST", "/puppet/tokens/revoke", {})
    assert_envelope(api(simulator, "GET", EVENTS), 401, "puppetlabs.rbac/token-revoked")


def test_https_with_generated_ca(simulator):
    response = requests.post(simulator.https_url + TOKEN_PATH, json={"login": "deployer", "password": "puppetlabs"},
                             verify=simulator.ca_path, timeout=10)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(simulator.https_url + EVENTS, verify=True, timeout=10)


# ---- orchestrator ----------------------------------------------------------------------------


def test_deploy_returns_202_with_job_url_and_name(simulator):
    started = deploy(simulator, ["web1.example.com"])
    assert started["name"].isdigit()
    assert started["id"] == "%s%s/jobs/%s" % (simulator.http_url, ORCH, started["name"])
    assert job(simulator, started["name"])["owner"]["login"] == "deployer"


def test_job_record_has_no_node_states_unless_asked(simulator):
    # GET /jobs/{id} documents node_count and status[], not node_states (the /jobs list does).
    freeze(simulator)
    name = deploy(simulator, ["a.example.com"])["name"]
    assert "node_states" not in job(simulator, name) and job(simulator, name)["node_count"] == 1
    listed = api(simulator, "GET", ORCH + "/jobs").json()["items"]
    assert [j["node_states"] for j in listed] == [{"new": 1}]
    configure(simulator, job_node_states=True)
    assert job(simulator, name)["node_states"] == {"new": 1}


def test_job_moves_new_ready_running_finished(simulator):
    freeze(simulator)
    configure(simulator, new_seconds=10, ready_seconds=10, node_seconds=30, concurrency_cap=1, job_node_states=True)
    name = deploy(simulator, ["a.example.com", "b.example.com"])["name"]
    seen = [job(simulator, name)]
    for step in (10, 10, 30, 30):
        advance(simulator, step)
        seen.append(job(simulator, name))
    assert [j["state"] for j in seen] == ["new", "ready", "running", "running", "finished"]
    assert seen[3]["node_states"] == {"finished": 1, "running": 1}
    final = seen[-1]
    assert final["node_states"] == {"finished": 2}
    assert [s["state"] for s in final["status"]] == ["new", "ready", "running", "finished"]
    assert final["status"][-1]["exit_time"] is None and final["finished_timestamp"]
    assert final["node_count"] == 2 and final["type"] == "deploy"


def test_job_fails_when_a_node_fails_and_nodes_say_why(simulator):
    freeze(simulator)
    configure(simulator, fail_nodes={"bad.example.com": "Could not retrieve catalog"})
    name = deploy(simulator, ["good.example.com", "bad.example.com"])["name"]
    advance(simulator, 60)
    assert job(simulator, name)["state"] == "failed"
    items = {i["name"]: i for i in nodes_of(simulator, name)["items"]}
    assert items["bad.example.com"]["state"] == "failed"
    assert items["bad.example.com"]["details"]["message"] == "Could not retrieve catalog"
    assert items["bad.example.com"]["finish_timestamp"]
    assert items["good.example.com"]["state"] == "finished"
    failed_only = nodes_of(simulator, name, state="failed")["items"]
    assert [i["name"] for i in failed_only] == ["bad.example.com"]


def test_fail_fraction_mix_and_errored_nodes(simulator):
    freeze(simulator)
    configure(simulator, job_node_states=True)
    name = simulator.control("POST", "/puppet/jobs", {"count": 4, "fail_fraction": 0.5,
                                                      "errored": {"node01.example.com": "not connected"}})["job"]["name"]
    advance(simulator, 60)
    body = job(simulator, name)
    assert body["state"] == "failed"
    assert body["node_states"] == {"errored": 1, "finished": 1, "failed": 2}
    errored = [i for i in nodes_of(simulator, name)["items"] if i["state"] == "errored"][0]
    assert errored["result"]["kind"] == "puppetlabs.orchestrator/execution-failure"
    # only the documented state filter values are accepted
    response = api(simulator, "GET", "%s/jobs/%s/nodes" % (ORCH, name), params={"state": "errored"})
    assert_envelope(response, 400, "puppetlabs.orchestrator/validation-error")


def test_nodes_page_with_limit_offset_and_order(simulator):
    freeze(simulator)
    name = simulator.control("POST", "/puppet/jobs", {"count": 5})["job"]["name"]
    path = "%s/jobs/%s/nodes" % (ORCH, name)
    first = api(simulator, "GET", path, params={"limit": 2, "offset": 0, "order_by": "name"}).json()
    rest = api(simulator, "GET", path, params={"limit": 2, "offset": 2, "order_by": "name"}).json()
    assert set(first) == {"next-events", "items"}  # no pagination object (nodes doc)
    assert [i["name"] for i in first["items"] + rest["items"]] == ["node0%d.example.com" % i for i in range(1, 5)]
    down = api(simulator, "GET", path, params={"order_by": "name", "order": "desc", "limit": 1}).json()
    assert [i["name"] for i in down["items"]] == ["node05.example.com"]
    configure(simulator, nodes_ignore_paging=True)
    assert len(api(simulator, "GET", path, params={"limit": 2}).json()["items"]) == 5
    assert_envelope(api(simulator, "GET", path, params={"order_by": "colour"}), 400,
                    "puppetlabs.orchestrator/validation-error")


def test_skip_after_failure_skips_the_rest_and_fails_the_job(simulator):
    freeze(simulator)
    configure(simulator, job_node_states=True)
    name = simulator.control("POST", "/puppet/jobs", {
        "count": 3, "concurrency": 1, "new_seconds": 0, "ready_seconds": 0, "node_seconds": 10,
        "fail": {"node01.example.com": "boom"}, "skip_after_failure": True})["job"]["name"]
    advance(simulator, 30)
    final = job(simulator, name)
    assert final["state"] == "failed" and final["node_states"] == {"failed": 1, "skipped": 2}
    skipped = [i for i in nodes_of(simulator, name)["items"] if i["state"] == "skipped"]
    assert len(skipped) == 2 and all(i["start_timestamp"] is None for i in skipped)


def test_stop_lets_running_nodes_finish_then_stopped(simulator):
    freeze(simulator)
    configure(simulator, new_seconds=0, ready_seconds=0, node_seconds=20, concurrency_cap=1, job_node_states=True)
    name = deploy(simulator, ["n1.example.com", "n2.example.com", "n3.example.com"])["name"]
    advance(simulator, 5)
    stop = api(simulator, "POST", ORCH + "/command/stop", json={"job": name})
    assert stop.status_code == 202
    assert stop.json()["job"]["nodes"] == {"running": 1, "stopped": 2}
    assert job(simulator, name)["state"] == "stopping"
    advance(simulator, 20)
    final = job(simulator, name)
    assert final["state"] == "stopped"
    assert final["node_states"] == {"finished": 1, "stopped": 2}
    assert [s["state"] for s in final["status"]][-2:] == ["stopping", "stopped"]
    # stop is idempotent
    assert api(simulator, "POST", ORCH + "/command/stop", json={"job": name}).status_code == 202
    assert job(simulator, name)["state"] == "stopped"


def test_task_command(simulator):
    body = {"environment": "production", "task": "package", "params": {"action": "status", "name": "openssl"},
            "scope": {"nodes": ["db1.example.com"]}}
    response = api(simulator, "POST", ORCH + "/command/task", json=body)
    assert response.status_code == 202
    found = job(simulator, response.json()["job"]["name"])
    assert found["command"] == "task" and found["options"]["task"] == "package"


def task(simulator, nodes: list[str], **extra: object) -> requests.Response:
    body = {"environment": "production", "task": "puppet_agent::install", "params": {"version": "8.10.0"},
            "scope": {"nodes": nodes}, **extra}
    return api(simulator, "POST", ORCH + "/command/task", json=body)


def test_deploy_options_are_kept_on_the_job_and_a_failing_node_fails(simulator):
    freeze(simulator)
    configure(simulator, fail_nodes={"b.example.com": "Could not retrieve catalog"})
    name = deploy(simulator, ["a.example.com", "b.example.com"], noop=True, concurrency=1,
                  description="batch 1")["name"]
    record = job(simulator, name)
    assert (record["options"]["noop"], record["options"]["concurrency"], record["description"]) == (True, 1, "batch 1")
    advance(simulator, 60)
    assert job(simulator, name)["state"] == "failed"
    assert {i["name"]: i["state"] for i in nodes_of(simulator, name)["items"]} == {
        "a.example.com": "finished", "b.example.com": "failed"}


@pytest.mark.parametrize("concurrency", [0, "2", True])
def test_deploy_refuses_a_concurrency_that_is_not_a_positive_integer(simulator, concurrency):
    response = api(simulator, "POST", ORCH + "/command/deploy",
                   json={"environment": "production", "scope": {"nodes": ["a"]}, "concurrency": concurrency})
    assert_envelope(response, 400, "puppetlabs.orchestrator/validation-error")
    assert api(simulator, "GET", ORCH + "/jobs").json()["items"] == []


def test_task_keeps_its_timeout_and_refuses_a_bad_one(simulator):
    response = task(simulator, ["a.example.com"], timeout=600)
    assert response.status_code == 202
    assert job(simulator, response.json()["job"]["name"])["options"]["timeout"] == 600
    assert_envelope(task(simulator, ["a.example.com"], timeout=0), 400, "puppetlabs.orchestrator/validation-error")


def test_task_leaves_out_the_nodes_the_caller_may_not_run_on_without_an_error(simulator):
    configure(simulator, forbidden_nodes=["b.example.com"])
    response = task(simulator, ["a.example.com", "b.example.com", "c.example.com"])
    assert response.status_code == 202
    name = response.json()["job"]["name"]
    assert job(simulator, name)["node_count"] == 2
    assert [i["name"] for i in nodes_of(simulator, name)["items"]] == ["a.example.com", "c.example.com"]
    # deploy keeps them unless the test asks (the task page says it of tasks)
    assert job(simulator, deploy(simulator, ["a.example.com", "b.example.com"])["name"])["node_count"] == 2
    configure(simulator, forbid_commands=["deploy", "task"])
    assert job(simulator, deploy(simulator, ["a.example.com", "b.example.com"])["name"])["node_count"] == 1


def test_a_task_on_forbidden_nodes_only_is_an_empty_target(simulator):
    configure(simulator, forbidden_nodes=["b.example.com"])
    assert_envelope(task(simulator, ["b.example.com"]), 400, "puppetlabs.orchestrator/empty-target")
    assert api(simulator, "GET", ORCH + "/jobs").json()["items"] == []


def test_a_forbidden_task_is_not_permitted_and_starts_nothing(simulator):
    configure(simulator, forbidden_tasks=["puppet_agent::install"])
    assert_envelope(task(simulator, ["a.example.com"]), 403, "puppetlabs.orchestrator/not-permitted")
    assert api(simulator, "GET", ORCH + "/jobs").json()["items"] == []


def test_a_start_with_an_expired_token_is_refused_before_any_job(simulator):
    token = simulator.control("POST", "/puppet/tokens", {"lifetime": "1m"})["token"]
    simulator.control("POST", "/puppet/tokens/expire", {"token": token})
    response = api(simulator, "POST", ORCH + "/command/deploy", token=token,
                   json={"environment": "production", "scope": {"nodes": ["a"]}})
    assert_envelope(response, 401, "puppetlabs.rbac/token-expired")
    assert api(simulator, "GET", ORCH + "/jobs").json()["items"] == []


def test_start_faults_answer_before_the_job_or_after_it(simulator):
    """A status fault answers instead of the route (no job); a slow one answers late, after the job
    was created (a client that timed out may have started it)."""
    simulator.fault(path=ORCH + "/command/deploy", method="POST", status=503)
    body = {"environment": "production", "scope": {"nodes": ["a"]}}
    assert api(simulator, "POST", ORCH + "/command/deploy", json=body).status_code == 503
    assert api(simulator, "GET", ORCH + "/jobs").json()["items"] == []
    simulator.fault(path=ORCH + "/command/deploy", method="POST", kind="slow", delay=0.5)
    assert api(simulator, "POST", ORCH + "/command/deploy", json=body).status_code == 202
    assert len(api(simulator, "GET", ORCH + "/jobs").json()["items"]) == 1
    assert len([r for r in simulator.requests_log(ORCH + "/command/deploy") if r["method"] == "POST"]) == 2


@pytest.mark.parametrize("path, body, status, kind", [
    ("/command/deploy", {"scope": {"nodes": ["a"]}}, 400, "validation-error"),
    ("/command/deploy", {"environment": "nowhere", "scope": {"nodes": ["a"]}}, 404, "unknown-environment"),
    ("/command/deploy", {"environment": "production", "scope": {"nodes": []}}, 400, "empty-target"),
    ("/command/deploy", {"environment": "production", "scope": {"nodes": ["a"], "node_group": "x"}}, 400,
     "validation-error"),
    ("/command/task", {"task": "package", "scope": {"nodes": ["a"]}}, 400, "validation-error"),
    ("/command/stop", {"job": "999"}, 404, "unknown-job"),
    ("/command/stop", {"job": "abc"}, 400, "validation-error"),
])
def test_command_errors_use_the_envelope(simulator, path, body, status, kind):
    assert_envelope(api(simulator, "POST", ORCH + path, json=body), status, "puppetlabs.orchestrator/" + kind)


def test_unknown_and_invalid_job_ids(simulator):
    body = assert_envelope(api(simulator, "GET", ORCH + "/jobs/4242"), 404, "puppetlabs.orchestrator/unknown-job")
    assert "4242" in body["msg"]
    assert_envelope(api(simulator, "GET", ORCH + "/jobs/x1/nodes"), 400, "puppetlabs.orchestrator/validation-error")


# ---- activity service ------------------------------------------------------------------------


def test_events_pagination_values_are_strings(simulator):
    body = events(simulator)
    assert body["pagination"] == {"total": "2", "limit": "1000", "offset": "0"}
    configure(simulator, pagination_strings=False)
    assert events(simulator)["pagination"] == {"total": 2, "limit": 1000, "offset": 0}


def test_each_node_move_is_a_commit(simulator):
    freeze(simulator)
    configure(simulator, new_seconds=1, ready_seconds=1, node_seconds=10)
    name = deploy(simulator, ["x.example.com"])["name"]
    assert [c["events"][0]["state"] for c in events(simulator, service_id="orchestrator")["commits"]] == ["new"]
    advance(simulator, 5)
    advance(simulator, 10)
    commits = events(simulator, service_id="orchestrator", order="asc")["commits"]
    assert [c["events"][0]["state"] for c in commits] == ["new", "ready", "running", "finished"]
    finished = commits[-1]["events"][0]
    assert finished["message"].endswith('via orchestrator job "%s"' % name)
    assert finished["duration"] == 10 and finished["finish_timestamp"] and finished["type"] == "puppet_agent"
    assert "finish_timestamp" not in commits[2]["events"][0]  # in-progress events have no finish (the v2 events page)
    assert commits[-1]["objects"] == [{"id": "x.example.com", "name": "x.example.com", "type": "node"}]


def test_events_order_offset_limit(simulator):
    freeze(simulator)
    simulator.control("POST", "/puppet/commits", [
        {"service_id": "rbac", "age": 30 - i, "events": [{"message": "m%d" % i}]} for i in range(5)])
    desc = events(simulator, service_id="rbac", limit=2, offset=1)
    assert [c["events"][0]["message"] for c in desc["commits"]] == ["m3", "m2"]
    assert desc["pagination"] == {"total": "6", "limit": "2", "offset": "1"}
    asc = events(simulator, service_id="rbac", order="asc", limit=2)
    assert asc["commits"][0]["events"][0]["message"].startswith("Assigned role")
    assert asc["commits"][1]["events"][0]["message"] == "m0"


def test_query_or_between_objects_and_with_time_range(simulator):
    freeze(simulator)
    simulator.control("POST", "/puppet/commits", [
        {"service_id": "classifier", "timestamp": "2019-11-05T00:00:00Z", "subject_name": "alice",
         "ip_address": "10.1.2.3", "events": [{"message": "A"}]},
        {"service_id": "classifier", "timestamp": "2019-11-06T00:00:00Z", "subject_name": "bob",
         "objects": [{"id": "g1", "name": "G1", "type": "node_groups"}], "events": [{"message": "B"}]},
        {"service_id": "classifier", "timestamp": "2020-01-01T00:00:00Z", "subject_name": "bob",
         "objects": [{"id": "g1", "name": "G1", "type": "node_groups"}], "events": [{"message": "C"}]},
    ])
    alice = requests.get(simulator.http_url + EVENTS, headers={"X-Authentication": STATIC_TOKEN}, timeout=10,
                         params={"query": json.dumps([{"ip_address": "10.1."}])}).json()
    assert [c["events"][0]["message"] for c in alice["commits"]] == ["A"]
    group = [{"object_type": "node_groups", "object_id": "g1"}]
    assert [c["events"][0]["message"] for c in events(simulator, query=group)["commits"]] == ["C", "B"]
    either = [{"ip_address": "10.1.2"}, {"object_type": "node_groups", "object_id": "g1"},
              {"start": "2019-11-01T00:00:00Z", "end": "2019-12-01T00:00:00Z"}]
    assert [c["events"][0]["message"] for c in events(simulator, query=either)["commits"]] == ["B", "A"]
    subject = alice["commits"][0]["subject"]["id"]
    by_subject = events(simulator, query=[{"subject_id": subject, "subject_type": "users"}])
    assert [c["events"][0]["message"] for c in by_subject["commits"]] == ["A"]


def test_query_is_read_as_url_encoded_json(simulator):
    text = json.dumps([{"ip_address": "192.168.10"}])
    url = simulator.http_url + EVENTS + "?query=" + urllib.parse.quote(text)
    body = requests.get(url, headers={"X-Authentication": STATIC_TOKEN}, timeout=10).json()
    assert body["pagination"]["total"] == "2"
    logged = simulator.requests_log(EVENTS)[-1]
    assert "query=%5B" in logged["query"]


@pytest.mark.parametrize("params", [
    {"query": json.dumps([{"subject_type": "users"}])},
    {"query": json.dumps([{"object_id": "3"}])},
    {"query": json.dumps([{"start": "2019-11-01T00:00:00Z"}])},
    {"query": json.dumps([{"start": "yesterday", "end": "today"}])},
    {"query": json.dumps([{"colour": "blue"}])},
    {"query": json.dumps({"query": []})},
    {"query": "[not json"},
    {"order": "sideways"},
    {"limit": "0"},
    {"offset": "-1"},
])
def test_bad_event_parameters_are_400(simulator, params):
    response = api(simulator, "GET", EVENTS, params=params)
    assert_envelope(response, 400, "malformed-request")


def test_faults_from_the_shared_layer_apply(simulator):
    simulator.fault(path=EVENTS, status=429, retry_after=3)
    response = api(simulator, "GET", EVENTS)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert api(simulator, "GET", EVENTS).status_code == 200


def test_control_job_show_reports_schedule(simulator):
    freeze(simulator)
    name = simulator.control("POST", "/puppet/jobs", {"count": 2, "node_seconds": 4, "new_seconds": 0,
                                                      "ready_seconds": 0, "concurrency": 1})["job"]["name"]
    shown = simulator.control("GET", "/puppet/jobs/" + name)
    assert shown["state"] == "running"
    assert shown["node_states"] == {"running": 1, "new": 1}
    advance(simulator, 8)
    assert simulator.control("GET", "/puppet/jobs/" + name)["state"] == "finished"


def test_job_list_orders_and_pages(simulator):
    freeze(simulator)
    names = []
    for _index in range(3):
        names.append(deploy(simulator, ["a.example.com"])["name"])
        advance(simulator, 1)
    response = api(simulator, "GET", ORCH + "/jobs", params={"order_by": "name", "order": "desc", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert [j["name"] for j in body["items"]] == names[::-1][:2]
    assert body["pagination"] == {"limit": 2, "offset": 0, "total": 3}
    assert_envelope(api(simulator, "GET", ORCH + "/jobs", params={"limit": "x"}), 400,
                    "puppetlabs.orchestrator/validation-error")
