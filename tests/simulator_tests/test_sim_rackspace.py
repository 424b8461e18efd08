"""The Rackspace Cloud Backup part of the simulator: identity, auth, events paging and expiry,
backup and restore state machines, and its control API. Real HTTP, simulated clock."""

from __future__ import annotations

import re

import pytest
import requests

AGENT = "8f135b4f-7a69-4b8a-947f-5e80d772fd97"
CONFIG = "7c8ee069-568f-4d5a-932f-fb2af86b5fd5"
API_KEY_AUTH = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "sim-user", "apiKey": "sim-api-key"}}}
HEADERS = {"X-Auth-Token": "sim-token"}


def advance(simulator, seconds: float) -> None:
    simulator.control("POST", "/clock", {"advance": seconds})


def get(simulator, path: str, **kwargs) -> requests.Response:
    kwargs.setdefault("headers", HEADERS)
    return requests.get(simulator.http_url + path, timeout=10, **kwargs)


def events_of(simulator, path: str, **params) -> dict:
    response = get(simulator, path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def backup_endpoint(catalog: list, region: str) -> str:
    entry = next(e for e in catalog if e["type"] == "rax:backup")
    return next(ep["publicURL"] for ep in entry["endpoints"] if ep.get("region") == region)


# ---- identity and auth -------------------------------------------------------------------------

def test_identity_api_key_returns_token_and_catalog_on_each_listener(simulator):
    for base, verify in ((simulator.http_url, True), (simulator.https_url, simulator.ca_path)):
        response = requests.post(base + "/v2.0/tokens", json=API_KEY_AUTH, verify=verify, timeout=10)
        assert response.status_code == 200
        access = response.json()["access"]
        assert access["token"]["tenant"]["id"] == "123456"
        # real-shaped: v1.0 and the tenant, and a first entry without a region (the docs' sample)
        assert backup_endpoint(access["serviceCatalog"], None) == base + "/v1.0/123456"
        assert backup_endpoint(access["serviceCatalog"], "DFW") == base + "/v1.0/123456"
        assert backup_endpoint(access["serviceCatalog"], "ORD") == base + "/rax/ord/v1.0/123456"
        token = access["token"]["id"]
        events = requests.get(base + "/rax/ord/v2/123456/agents/%s/events" % AGENT,
                              headers={"X-Auth-Token": token}, verify=verify, timeout=10)
        assert events.status_code == 200 and "events" in events.json()


def test_identity_password_and_bad_credentials(simulator):
    url = simulator.http_url + "/v2.0/tokens"
    good = requests.post(url, json={"auth": {"passwordCredentials": {"username": "sim-user", "password": "sim-password"}}}, timeout=10)
    assert good.status_code == 200
    assert good.json()["access"]["token"]["RAX-AUTH:authenticatedBy"] == ["PASSWORD"]
    bad = requests.post(url, json={"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "sim-user", "apiKey": "nope"}}}, timeout=10)
    assert bad.status_code == 401
    assert bad.json()["unauthorized"]["message"] == "Username or api key is invalid."
    assert requests.post(url, json={"auth": {}}, timeout=10).status_code == 400


def test_token_missing_invalid_expired_and_reissued(simulator):
    path = "/v2/123456/agents/%s/events" % AGENT
    missing = get(simulator, path, headers={})
    assert missing.status_code == 401 and "X-Auth-Token" in missing.json()["message"]
    assert get(simulator, path, headers={"X-Auth-Token": "made-up"}).status_code == 401
    assert get(simulator, path).status_code == 200
    assert simulator.control("POST", "/rackspace/tokens/expire", {})["expired"] >= 1
    assert get(simulator, path).status_code == 401
    fresh = requests.post(simulator.http_url + "/v2.0/tokens", json=API_KEY_AUTH, timeout=10).json()
    assert get(simulator, path, headers={"X-Auth-Token": fresh["access"]["token"]["id"]}).status_code == 200


def test_token_lifetime_follows_the_clock(simulator):
    simulator.control("POST", "/rackspace/config", {"token_lifetime": 100})
    token = simulator.control("POST", "/rackspace/tokens", {})["token"]
    path = "/v2/agents/%s/events" % AGENT  # project id is optional in the path
    assert get(simulator, path, headers={"X-Auth-Token": token}).status_code == 200
    advance(simulator, 101)
    assert get(simulator, path, headers={"X-Auth-Token": token}).status_code == 401


def test_wrong_project_and_unknown_region_and_agent(simulator):
    assert get(simulator, "/v2/999/agents/%s/events" % AGENT).status_code == 403
    assert get(simulator, "/rax/xyz/v2/123456/agents/%s/events" % AGENT).status_code == 404
    unknown = get(simulator, "/v2/123456/agents/nobody/events")
    assert unknown.status_code == 404 and "nobody" in unknown.json()["message"]


# ---- agent events ------------------------------------------------------------------------------

def test_agent_request_events_paging_links_and_sorting(simulator):
    simulator.control("POST", "/rackspace/config", {"heartbeat_seconds": 0})
    path = "/v2/123456/agents/%s/events" % AGENT
    first = simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT,
                              {"event": "vault_db_download", "outcome": "failed", "step_seconds": 1})
    second = simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT,
                               {"event": "logfile", "step_seconds": 1})
    advance(simulator, 5)
    everything = events_of(simulator, path)["events"]
    ids = [int(e["id"]) for e in everything]
    assert ids == sorted(ids) and len(set(ids)) == 5 and all(e["id"].isdigit() for e in everything)
    by_request = {}
    for event in everything:
        by_request.setdefault(event["request_id"], []).append(event["event"])
    assert by_request[first["request_id"]] == ["vault_db_download_in_progress", "vault_db_download_failed"]
    assert by_request[second["request_id"]] == ["logfile_upload", "logfile_started", "logfile_completed"]

    page = events_of(simulator, path, limit=2)
    assert [e["id"] for e in page["events"]] == [e["id"] for e in everything[:2]]
    links = {link["rel"]: link["href"] for link in page["links"]}
    assert links["next"].startswith(simulator.http_url + path + "?marker=%s" % everything[1]["id"])
    followed = requests.get(links["next"], headers=HEADERS, timeout=10).json()
    assert [e["id"] for e in followed["events"]] == [e["id"] for e in everything[2:4]]

    newest_first = events_of(simulator, path, sort_dir="desc")["events"]
    assert [e["id"] for e in newest_first] == [e["id"] for e in reversed(everything)]
    older = events_of(simulator, path, sort_dir="desc", marker=everything[2]["id"])["events"]
    assert [e["id"] for e in older] == [everything[1]["id"], everything[0]["id"]]

    tail = events_of(simulator, path, marker=everything[-1]["id"])
    assert tail["events"] == [] and "links" not in tail


def test_events_expire_after_ttl_and_marker_walks_forward(simulator):
    simulator.control("POST", "/rackspace/config", {"heartbeat_seconds": 0, "event_ttl": 60})
    path = "/v2/123456/agents/%s/events" % AGENT
    simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT, {"event": "configuration_changed"})
    seen = events_of(simulator, path)["events"]
    assert [e["event"] for e in seen] == ["configuration_changed"]
    advance(simulator, 61)
    assert events_of(simulator, path)["events"] == []
    simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT, {"event": "host_browse"})
    later = events_of(simulator, path, marker=seen[-1]["id"])["events"]
    assert [e["event"] for e in later] == ["host_browse"] and int(later[0]["id"]) > int(seen[-1]["id"])


def test_request_created_in_the_past_has_already_expired(simulator):
    path = "/v2/123456/agents/%s/events" % AGENT
    old = simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT,
                            {"event": "vault_db_download", "age": 300})
    assert all(e.get("request_id") != old["request_id"] for e in events_of(simulator, path)["events"])


def test_heartbeats_and_injected_events(simulator):
    simulator.control("POST", "/rackspace/config", {"heartbeat_seconds": 10})
    advance(simulator, 25)
    names = [e["event"] for e in events_of(simulator, "/v2/123456/agents/%s/events" % AGENT)["events"]]
    assert names.count("agent_heartbeat") == 2
    ids = simulator.control("POST", "/rackspace/agents/%s/events" % AGENT,
                            [{"event": "vault_db_download_mystery", "request_id": "r-1"}])["ids"]
    events = events_of(simulator, "/v2/123456/agents/%s/events" % AGENT, marker=int(ids[0]) - 1)["events"]
    assert events[0]["event"] == "vault_db_download_mystery" and events[0]["request_id"] == "r-1"


def test_bad_paging_arguments_use_the_error_envelope(simulator):
    response = get(simulator, "/v2/123456/agents/%s/events" % AGENT,
                   params={"limit": "0", "sort_dir": "up", "marker": "abc"})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Validation failed." and len(body["errors"]) == 3


# ---- backups and restores ----------------------------------------------------------------------

def test_start_backup_moves_through_states_and_emits_events(simulator):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 10})
    response = requests.post(simulator.http_url + "/v2/123456/backups", headers=HEADERS, timeout=10,
                             json={"configuration_id": CONFIG, "state": "start_requested"})
    assert response.status_code == 201
    backup = response.json()
    assert backup["state"] == "start_requested" and backup["agent"]["id"] == AGENT
    location = response.headers["Location"]
    assert location == simulator.http_url + "/v2/123456/backups/" + backup["id"]
    seen = []
    for _step in range(4):
        advance(simulator, 10)
        seen.append(requests.get(location, headers=HEADERS, timeout=10).json()["state"])
    assert seen == ["queued", "preparing", "in_progress", "completed"]
    final = requests.get(location, headers=HEADERS, timeout=10).json()
    assert final["restorable"] is True and final["ended_time"] and final["snapshot_id"]
    names = [e["event"] for e in events_of(simulator, "/v2/123456/backups/%s/events" % backup["id"])["events"]]
    assert names == ["backup_start_request", "backup_queued", "backup_preparing", "backup_in_progress",
                     "backup_progress", "backup_completed"]


def test_second_backup_of_running_configuration_conflicts(simulator):
    body = {"configuration_id": CONFIG, "state": "start_requested"}
    url = simulator.http_url + "/v2/123456/backups"
    assert requests.post(url, headers=HEADERS, json=body, timeout=10).status_code == 201
    conflict = requests.post(url, headers=HEADERS, json=body, timeout=10)
    assert conflict.status_code == 409 and CONFIG in conflict.json()["message"]


def test_start_backup_validation(simulator):
    url = simulator.http_url + "/v2/123456/backups"
    response = requests.post(url, headers=HEADERS, json={"configuration_id": "nope", "state": "start_scheduled"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["message"] == "Validation failed."
    assert any("X-Agent-Id" in error for error in response.json()["errors"])


def test_stop_backup_then_conflict_when_terminal(simulator):
    backup = simulator.control("POST", "/rackspace/backups", {"step_seconds": 10})
    url = simulator.http_url + "/v2/123456/backups/" + backup["id"]
    stop = [{"op": "replace", "path": "/state", "value": "stop_requested"}]
    patch_headers = dict(HEADERS, **{"Content-Type": "application/json-patch+json"})
    first = requests.patch(url, headers=patch_headers, json=stop, timeout=10)
    assert first.status_code == 204 and first.content == b""
    assert requests.get(url, headers=HEADERS, timeout=10).json()["state"] == "stop_requested"
    advance(simulator, 10)
    assert requests.get(url, headers=HEADERS, timeout=10).json()["state"] == "stopped"
    again = requests.patch(url, headers=patch_headers, json=stop, timeout=10)
    assert again.status_code == 409
    assert again.json()["message"].startswith("Modifying a backup that is already in a state of ['completed'")
    names = [e["event"] for e in events_of(simulator, "/v2/123456/backups/%s/events" % backup["id"])["events"]]
    assert names[-2:] == ["backup_stop_request", "backup_stopped"]


def test_each_backup_outcome(simulator):
    expected_errors = {"completed": 0, "completed_with_errors": 1, "failed": 1, "missed": 0, "skipped": 0}
    for outcome, count in expected_errors.items():
        backup = simulator.control("POST", "/rackspace/backups", {"outcome": outcome, "age": 30})
        shown = get(simulator, "/v2/123456/backups/" + backup["id"]).json()
        assert shown["state"] == outcome
        assert shown["errors"]["count"] == count
        assert shown["restorable"] is (outcome in ("completed", "completed_with_errors"))


def test_restore_from_backup_and_its_outcomes(simulator):
    backup = simulator.control("POST", "/rackspace/backups", {"age": 30})
    body = {"backup_id": backup["id"], "destination_agent_id": "74124b09-5bd3-4436-b3e4-87ef362e4df5",
            "destination_path": "/tmp/restore", "overwrite_files": False,
            "inclusions": [{"type": "folder", "path": "/web/"}], "exclusions": []}
    simulator.control("POST", "/rackspace/config", {"restore_outcome": "failed", "step_seconds": 1})
    response = requests.post(simulator.http_url + "/v2/123456/restores", headers=HEADERS, json=body, timeout=10)
    assert response.status_code == 201 and response.json()["state"] == "start_requested"
    advance(simulator, 5)
    restore = requests.get(response.headers["Location"], headers=HEADERS, timeout=10).json()
    assert restore["state"] == "failed" and restore["errors"]["count"] == 1
    names = [e["event"] for e in events_of(simulator, "/v2/123456/restores/%s/events" % restore["id"])["events"]]
    assert names == ["restore_start_request", "restore_in_progress", "restore_progress", "restore_failed"]
    done = simulator.control("POST", "/rackspace/restores", {"outcome": "completed_with_errors", "age": 30})
    assert get(simulator, "/v2/123456/restores/" + done["id"]).json()["state"] == "completed_with_errors"


def test_restore_needs_a_restorable_backup(simulator):
    running = simulator.control("POST", "/rackspace/backups", {})
    body = {"backup_id": running["id"], "destination_agent_id": AGENT, "destination_path": None,
            "inclusions": [], "exclusions": []}
    response = requests.post(simulator.http_url + "/v2/123456/restores", headers=HEADERS, json=body, timeout=10)
    assert response.status_code == 409
    missing = requests.post(simulator.http_url + "/v2/123456/restores", headers=HEADERS, json={}, timeout=10)
    assert missing.status_code == 400 and len(missing.json()["errors"]) >= 4


def test_unknown_resources_and_backup_events_expire(simulator):
    assert get(simulator, "/v2/123456/backups/nope").status_code == 404
    assert get(simulator, "/v2/123456/restores/nope/events").status_code == 404
    backup = simulator.control("POST", "/rackspace/backups", {"age": 120})
    assert events_of(simulator, "/v2/123456/backups/%s/events" % backup["id"])["events"] == []
    assert get(simulator, "/v2/123456/backups/" + backup["id"]).json()["state"] == "completed"


# ---- control API and shared faults -------------------------------------------------------------

def test_control_rejects_unknown_outcomes_and_request_kinds(simulator):
    bad = requests.post(simulator.http_url + "/_sim/rackspace/backups", json={"outcome": "great"}, timeout=10)
    assert bad.status_code == 400
    bad_request = requests.post(simulator.http_url + "/_sim/rackspace/agents/%s/requests" % AGENT,
                                json={"event": "logfile", "outcome": "failed"}, timeout=10)
    assert bad_request.status_code == 400


def test_configuration_outcome_applies_to_vendor_started_backup(simulator):
    config = simulator.control("POST", "/rackspace/configurations", {"outcome": "completed_with_errors"})["id"]
    response = requests.post(simulator.http_url + "/v2/123456/backups", headers=HEADERS, timeout=10,
                             json={"configuration_id": config, "state": "start_requested"})
    advance(simulator, 60)
    shown = simulator.control("GET", "/rackspace/backups/" + response.json()["id"])
    assert shown["record"]["state"] == "completed_with_errors"


def test_shared_faults_apply_to_rackspace_routes(simulator):
    path = "/v2/123456/agents/%s/events" % AGENT
    simulator.fault(path=path, status=429, retry_after=3)
    throttled = get(simulator, path)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert get(simulator, path).status_code == 200
    assert [r["path"] for r in simulator.requests_log(path)] == [path, path]


# ---- v1.0 ---------------------------------------------------------------------------------------

def test_v1_backup_state_words_dates_and_report(simulator):
    simulator.control("POST", "/rackspace/backups", {"id": "134332", "outcome": "completed_with_errors",
                                                     "errors": {"count": 2}, "step_seconds": 10})
    for path in ("/v1.0/123456/backup/134332", "/v1.0/backup/134332", "/rax/ord/v1.0/123456/backup/134332"):
        body = get(simulator, path).json()
        assert body["BackupId"] == 134332 and body["CurrentState"] == "StartRequested", path
    assert get(simulator, "/v1.0/123456/backup/report/134332").status_code == 404  # not ended yet
    advance(simulator, 15)
    assert get(simulator, "/v1.0/123456/backup/134332").json()["CurrentState"] == "Queued"
    advance(simulator, 30)
    body = get(simulator, "/v1.0/123456/backup/134332").json()
    assert body["CurrentState"] == "CompletedWithErrors"
    assert re.match(r"^/Date\(\d+\)/$", body["StateChangeTime"])
    report = get(simulator, "/v1.0/123456/backup/report/134332").json()
    assert report["State"] == "CompletedWithErrors" and report["NumErrors"] == 2
    assert report["FilesSearched"] == "1222" and report["FilesBackedUp"] == "6"
    assert [e["Path"] for e in report["ErrorList"]] == ["/var/lib/app/locked-0.db", "/var/lib/app/locked-1.db"]


def test_v1_each_backup_outcome_word(simulator):
    words = {"completed": "Completed", "failed": "Failed", "missed": "Missed", "skipped": "Skipped"}
    for index, outcome in enumerate(words):
        simulator.control("POST", "/rackspace/backups", {"id": str(500 + index), "outcome": outcome, "age": 30})
    for index, word in enumerate(words.values()):
        assert get(simulator, "/v1.0/123456/backup/%d" % (500 + index)).json()["CurrentState"] == word


def test_v1_restore_state_id_and_report(simulator):
    simulator.control("POST", "/rackspace/backups", {"id": "133886", "age": 30})
    simulator.control("POST", "/rackspace/restores", {"id": "1394", "backup_id": "133886", "outcome": "completed_with_errors",
                                                      "step_seconds": 10})
    body = get(simulator, "/v1.0/123456/restore/1394").json()
    assert body["RestoreId"] == 1394 and body["BackupId"] == 133886 and body["RestoreStateId"] == 6
    assert "CurrentState" not in body  # v1.0 restores give a number only
    advance(simulator, 45)
    assert get(simulator, "/v1.0/123456/restore/1394").json()["RestoreStateId"] == 8
    report = get(simulator, "/v1.0/123456/restore/report/1394").json()
    assert report["NumErrors"] == "1" and report["NumFilesRestored"] == "2" and report["State"] == "CompletedWithErrors"


def test_v1_needs_token_right_project_and_known_id(simulator):
    simulator.control("POST", "/rackspace/backups", {"id": "7"})
    assert get(simulator, "/v1.0/123456/backup/7", headers={}).status_code == 401
    assert get(simulator, "/v1.0/999/backup/7").status_code == 403
    missing = get(simulator, "/v1.0/123456/backup/8")
    assert missing.status_code == 404 and missing.json() == {"message": "Backup 8 not found."}


# ---- v1.0 wake-up and manual starts (the start routes rackspace_backup_start sends) ------------

V1_CONFIG = "148325"
V1_START = "/v1.0/123456/backup/action-requested"


def v1_start(simulator, body, **kwargs) -> requests.Response:
    return requests.post(simulator.http_url + V1_START, headers=HEADERS, json=body, timeout=10, **kwargs)


def test_wake_up_agents_answers_200_without_a_body_and_is_counted(simulator):
    url = simulator.http_url + "/v1.0/123456/user/wakeupagents"
    assert requests.post(url, timeout=10).status_code == 401  # the token is needed here too
    woken = requests.post(url, headers=HEADERS, timeout=10)
    assert woken.status_code == 200 and woken.content == b""
    assert requests.post(simulator.http_url + "/rax/ord/v1.0/user/wakeupagents", headers=HEADERS, timeout=10).ok
    counted = simulator.control("GET", "/rackspace/wakeups")
    assert counted["count"] == 2 and counted["last_at"]


def test_v1_start_manual_answers_the_backup_id_which_the_status_routes_serve(simulator):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 10})
    started = v1_start(simulator, {"Action": "StartManual", "Id": int(V1_CONFIG)})
    assert started.status_code == 200 and started.text == "368785"
    assert started.headers["Content-Type"] == "application/json"
    shown = get(simulator, "/v1.0/123456/backup/368785").json()
    assert shown["BackupId"] == 368785 and shown["BackupConfigurationId"] == int(V1_CONFIG)
    assert shown["CurrentState"] == "StartRequested"
    # the docs: "A backup is created each time you run the job", also while one runs
    again = v1_start(simulator, {"Action": "StartManual", "Id": V1_CONFIG})  # the Id as text works too
    assert again.status_code == 200 and again.text == "368786"
    advance(simulator, 40)
    assert get(simulator, "/v1.0/123456/backup/368785").json()["CurrentState"] == "Completed"
    assert get(simulator, "/v2/123456/backups/368786").json()["state"] == "completed"


def test_v1_start_refusals(simulator):
    assert v1_start(simulator, {"Action": "StartManual", "Id": 999}).status_code == 404
    for body in ({"Action": "StartManual", "Id": "7c8ee069"}, {"Action": "StartManual"},
                 {"Action": "StartManual", "Id": True}, {"Action": "Go", "Id": 148325}, ["StartManual"]):
        refused = v1_start(simulator, body)
        assert refused.status_code == 400 and refused.json()["message"] == "Validation failed.", body
    assert v1_start(simulator, {"Action": "StartManual", "Id": 148325}).status_code == 200
    no_token = requests.post(simulator.http_url + V1_START, json={"Action": "StartManual", "Id": 148325}, timeout=10)
    assert no_token.status_code == 401
    other_tenant = requests.post(simulator.http_url + "/v1.0/999/backup/action-requested", headers=HEADERS,
                                 json={"Action": "StartManual", "Id": 148325}, timeout=10)
    assert other_tenant.status_code == 403
    assert len([t for t in simulator.state.vendor("rackspace").tracks if t[0] == "backup"]) == 1


def test_v1_stop_manual_stops_the_backup(simulator):
    simulator.control("POST", "/rackspace/config", {"step_seconds": 10})
    backup_id = v1_start(simulator, {"Action": "StartManual", "Id": 148325}).text
    stopped = v1_start(simulator, {"Action": "StopManual", "Id": int(backup_id)})
    assert stopped.status_code == 204
    advance(simulator, 10)
    assert get(simulator, "/v1.0/123456/backup/" + backup_id).json()["CurrentState"] == "Stopped"
    assert v1_start(simulator, {"Action": "StopManual", "Id": int(backup_id)}).status_code == 400
    assert v1_start(simulator, {"Action": "StopManual", "Id": 1}).status_code == 404


def test_v1_start_answer_forms(simulator):
    expected = {"json": ("368785", "application/json"), "text": ("368786", "text/plain; charset=utf-8"),
                "quoted": ('"368787"', "application/json"), "object": ('{"Id": 368788}', "application/json"),
                "empty": ("", None)}
    for form, (text, content_type) in expected.items():
        simulator.control("POST", "/rackspace/config", {"v1_start_answer": form})
        answer = v1_start(simulator, {"Action": "StartManual", "Id": 148325})
        assert answer.status_code == 200 and answer.text == text, form
        if content_type:
            assert answer.headers["Content-Type"] == content_type
    bad = requests.post(simulator.http_url + "/_sim/rackspace/config", json={"v1_start_answer": "xml"}, timeout=10)
    assert bad.status_code == 400


def test_a_configuration_in_the_failure_list_makes_its_backups_fail(simulator):
    simulator.control("POST", "/rackspace/configurations", {"id": "148326"})
    simulator.control("POST", "/rackspace/config", {"fail_configurations": ["148326", CONFIG]})
    good = v1_start(simulator, {"Action": "StartManual", "Id": 148325}).text
    bad = v1_start(simulator, {"Action": "StartManual", "Id": 148326}).text
    bad_v2 = requests.post(simulator.http_url + "/v2/123456/backups", headers=HEADERS, timeout=10,
                           json={"configuration_id": CONFIG, "state": "start_requested"}).json()["id"]
    advance(simulator, 60)
    assert get(simulator, "/v1.0/123456/backup/" + good).json()["CurrentState"] == "Completed"
    assert get(simulator, "/v1.0/123456/backup/" + bad).json()["CurrentState"] == "Failed"
    assert get(simulator, "/v1.0/123456/backup/report/" + bad).json()["NumErrors"] == 1
    assert get(simulator, "/v2/123456/backups/" + bad_v2).json()["state"] == "failed"


def test_shared_faults_on_the_start_routes_create_no_backup(simulator):
    simulator.fault(path=V1_START, method="POST", status=503)
    simulator.fault(path="/v2/123456/backups", method="POST", status=403)
    assert v1_start(simulator, {"Action": "StartManual", "Id": 148325}).status_code == 503
    refused = requests.post(simulator.http_url + "/v2/123456/backups", headers=HEADERS, timeout=10,
                            json={"configuration_id": CONFIG, "state": "start_requested"})
    assert refused.status_code == 403
    assert [t for t in simulator.state.vendor("rackspace").tracks if t[0] == "backup"] == []
    simulator.fault(path=V1_START, kind="reset")
    with pytest.raises(requests.ConnectionError):
        v1_start(simulator, {"Action": "StartManual", "Id": 148325})
    assert v1_start(simulator, {"Action": "StartManual", "Id": 148325}).text == "368785"
    assert len(simulator.requests_log(V1_START)) == 3
