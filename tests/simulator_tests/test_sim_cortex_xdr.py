"""The Cortex XDR part of the simulator: both key types, error envelopes, actions, control API."""

from __future__ import annotations

import hashlib
import secrets
import string
import time

import pytest
import requests

STATUS = "/public_api/v1/actions/get_action_status/"
ALNUM = string.ascii_letters + string.digits


def standard(key_id: str = "1", key: str = "sim-standard-key") -> dict[str, str]:
    return {"x-xdr-auth-id": key_id, "Authorization": key}


def advanced(key_id: str = "2", key: str = "sim-advanced-key", *, nonce: str | None = None,
             stamp: str | None = None) -> dict[str, str]:
    """The recipe of the vendor's "Advanced Key Python 3 Example" (docs/dev/vendors/cortex_xdr.md, "Authentication")."""
    nonce = nonce or "".join(secrets.choice(ALNUM) for _index in range(64))
    stamp = stamp or str(int(time.time() * 1000))
    digest = hashlib.sha256((key + nonce + stamp).encode()).hexdigest()
    return {"x-xdr-auth-id": key_id, "Authorization": digest, "x-xdr-nonce": nonce, "x-xdr-timestamp": stamp}


def post(simulator, path: str, body: object, headers: dict[str, str] | None = None,
         base: str | None = None, **kwargs: object) -> requests.Response:
    return requests.post((base or simulator.http_url) + path, json=body,
                         headers=standard() if headers is None else headers, timeout=10, **kwargs)


def status_of(simulator, action_id: object, headers: dict[str, str] | None = None) -> dict:
    response = post(simulator, STATUS, {"request_data": {"group_action_id": action_id}}, headers)
    assert response.status_code == 200, response.text
    return response.json()["reply"]


def freeze(simulator) -> None:
    simulator.control("POST", "/clock", {"speed": 0})


def advance(simulator, seconds: float) -> None:
    simulator.control("POST", "/clock", {"advance": seconds})


def create(simulator, **spec: object) -> tuple[int, list[str]]:
    made = simulator.control("POST", "/cortex_xdr/actions", spec)
    return made["action_id"], made["endpoints"]


def create_id(simulator, **spec: object) -> int:
    return create(simulator, **spec)[0]


def assert_envelope(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    reply = response.json()["reply"]
    assert set(reply) == {"err_code", "err_msg", "err_extra"}
    assert reply["err_code"] == status and reply["err_msg"]
    return reply


def failures(simulator) -> list[str]:
    return [f["reason"] for f in simulator.control("GET", "/cortex_xdr/auth_failures")]


# ---- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [STATUS, STATUS.rstrip("/")])
def test_standard_key_with_and_without_trailing_slash(simulator, path):
    action_id = create_id(simulator, count=2)
    response = post(simulator, path, {"request_data": {"group_action_id": action_id}})
    assert response.status_code == 200
    assert len(response.json()["reply"]["data"]) == 2


@pytest.mark.parametrize("headers", [standard(key="wrong"), standard(key_id="9"), {"x-xdr-auth-id": "1"},
                                     standard(key_id="2", key="sim-advanced-key")])
def test_bad_standard_credentials_are_401_envelopes(simulator, headers):
    assert_envelope(post(simulator, STATUS, {"request_data": {"group_action_id": 1}}, headers), 401)


def test_advanced_key_hash_is_checked(simulator):
    action_id = create_id(simulator, count=1)
    assert list(status_of(simulator, action_id, advanced())["data"].values()) == ["PENDING"]
    wrong = advanced(key="not-the-key")
    assert_envelope(post(simulator, STATUS, {"request_data": {"group_action_id": action_id}}, wrong), 401)
    assert failures(simulator) == ["wrong advanced key hash"]


def test_echo_auth_failures_puts_the_request_headers_in_err_extra(simulator):
    wrong = advanced(key="not-the-key")
    body = {"request_data": {"group_action_id": 1}}
    assert assert_envelope(post(simulator, STATUS, body, wrong), 401)["err_extra"] is None
    simulator.control("POST", "/cortex_xdr/config", {"echo_auth_failures": True})
    wrong = advanced(key="not-the-key")
    extra = assert_envelope(post(simulator, STATUS, body, wrong), 401)["err_extra"]
    assert extra == {h: wrong[h] for h in ("Authorization", "x-xdr-nonce", "x-xdr-timestamp")}


def test_advanced_nonce_is_single_use(simulator):
    headers = advanced()
    body = {"request_data": {"group_action_id": 1}}
    assert post(simulator, STATUS, body, headers).status_code == 200
    assert_envelope(post(simulator, STATUS, body, headers), 401)
    assert failures(simulator) == ["nonce reused"]


@pytest.mark.parametrize("headers, reason", [
    (advanced(stamp=str(int((time.time() - 3600) * 1000))), "stale timestamp"),
    (advanced(nonce="short"), "x-xdr-nonce must be 64 characters [A-Za-z0-9]"),
    (advanced(stamp="2024-01-01T00:00:00Z"), "x-xdr-timestamp must be epoch milliseconds"),
    (standard(key_id="2", key="sim-advanced-key"), "x-xdr-nonce must be 64 characters [A-Za-z0-9]"),
])
def test_advanced_key_rejections(simulator, headers, reason):
    assert_envelope(post(simulator, STATUS, {"request_data": {"group_action_id": 1}}, headers), 401)
    assert failures(simulator) == [reason]


def test_server_clock_skew_makes_fresh_timestamps_stale(simulator):
    simulator.control("POST", "/cortex_xdr/config", {"clock_skew_seconds": 600})
    assert_envelope(post(simulator, STATUS, {"request_data": {"group_action_id": 1}}, advanced()), 401)
    simulator.control("POST", "/cortex_xdr/config", {"timestamp_window": 900})
    assert post(simulator, STATUS, {"request_data": {"group_action_id": 1}}, advanced()).status_code == 200


def test_expired_key_and_replaced_keys(simulator):
    simulator.control("POST", "/cortex_xdr/config", {"keys": {
        "7": {"key": "k7", "type": "standard"}, "8": {"key": "k8", "type": "advanced", "expired": True}}})
    body = {"request_data": {"group_action_id": 1}}
    assert post(simulator, STATUS, body, standard("7", "k7")).status_code == 200
    assert_envelope(post(simulator, STATUS, body, standard()), 401)
    assert_envelope(post(simulator, STATUS, body, advanced("8", "k8")), 401)
    assert failures(simulator) == ["unknown key id '1'", "key 8 expired"]


def test_license_and_role_errors(simulator):
    body = {"request_data": {"group_action_id": 1}}
    simulator.control("POST", "/cortex_xdr/config", {"licensed": False})
    assert_envelope(post(simulator, STATUS, body), 402)
    simulator.control("POST", "/cortex_xdr/config", {"licensed": True, "keys": {
        "1": {"key": "sim-standard-key", "type": "standard", "permissions": ["isolate"]}}})
    reply = assert_envelope(post(simulator, STATUS, body), 403)
    assert reply["err_extra"] == {"api": "get_action_status"}
    isolate = post(simulator, "/public_api/v1/endpoints/isolate/", {"request_data": {"filters": "all"}})
    assert isolate.status_code == 200 and isolate.json()["reply"]["action_id"]


# ---- request validation and errors ------------------------------------------------------------


@pytest.mark.parametrize("body", ["{not json", '{"group_action_id": 1}', '{"request_data": {}}',
                                  '{"request_data": {"group_action_id": "abc"}}',
                                  '{"request_data": {"group_action_id": true}}'])
def test_bad_bodies_are_400_envelopes(simulator, body):
    response = requests.post(simulator.http_url + STATUS, data=body, timeout=10,
                             headers={**standard(), "Content-Type": "application/json"})
    assert_envelope(response, 400)


def test_group_action_id_as_string_or_number_and_unknown_id(simulator):
    action_id = create_id(simulator, count=3)
    assert status_of(simulator, str(action_id)) == status_of(simulator, action_id)
    assert status_of(simulator, 999999) == {"data": {}}


def test_error_control_serves_vendor_500_then_recovers(simulator):
    error = {"status": 500, "count": 2, "api": "actions/get_action_status", "err_extra": "db down"}
    simulator.control("POST", "/cortex_xdr/errors", error)
    body = {"request_data": {"group_action_id": 1}}
    assert assert_envelope(post(simulator, STATUS, body), 500)["err_extra"] == "db down"
    assert_envelope(post(simulator, STATUS.rstrip("/"), body), 500)
    assert post(simulator, STATUS, body).status_code == 200


def test_https_with_generated_ca(simulator):
    action_id = create_id(simulator, count=1)
    response = post(simulator, STATUS, {"request_data": {"group_action_id": action_id}},
                    base=simulator.https_url, verify=simulator.ca_path)
    assert response.status_code == 200 and len(response.json()["reply"]["data"]) == 1


# ---- starting actions -------------------------------------------------------------------------


def test_isolate_one_endpoint_moves_pending_running_done(simulator):
    freeze(simulator)
    endpoint = simulator.control("GET", "/cortex_xdr/endpoints")[0]["id"]
    response = post(simulator, "/public_api/v1/endpoints/isolate", {"request_data": {"endpoint_id": endpoint}})
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply["status"] == "1" and reply["endpoints_count"] == "1"
    seen = [status_of(simulator, reply["action_id"])["data"]]
    for seconds in (2.5, 3):  # pending_seconds 2, run_seconds 3
        advance(simulator, seconds)
        seen.append(status_of(simulator, reply["action_id"])["data"])
    assert seen == [{endpoint: "PENDING"}, {endpoint: "IN_PROGRESS"}, {endpoint: "COMPLETED_SUCCESSFULLY"}]


def test_unisolate_by_filters_and_scan_all(simulator):
    endpoints = simulator.control("GET", "/cortex_xdr/endpoints")
    wanted = [endpoints[0]["id"], endpoints[1]["id"], "not-an-endpoint"]
    filters = [{"field": "endpoint_id_list", "operator": "in", "value": wanted}]
    unisolate = post(simulator, "/public_api/v1/endpoints/unisolate/", {"request_data": {"filters": filters}})
    assert unisolate.json()["reply"]["endpoints_count"] == "2"
    assert set(status_of(simulator, unisolate.json()["reply"]["action_id"])["data"]) == set(wanted[:2])
    by_host = [{"field": "hostname", "operator": "in", "value": [endpoints[2]["hostname"]]}]
    scan = post(simulator, "/public_api/v1/endpoints/scan", {"request_data": {"filters": by_host}})
    assert scan.json()["reply"]["endpoints_count"] == "1"
    scan_all = post(simulator, "/public_api/v1/endpoints/scan/", {"request_data": {"filters": "all"}})
    assert scan_all.json()["reply"]["endpoints_count"] == str(len(endpoints))
    assert scan_all.json()["reply"]["action_id"] != scan.json()["reply"]["action_id"]


@pytest.mark.parametrize("data", [{"endpoint_id": "x", "filters": "all"},
                                  {"filters": [{"field": "platform", "operator": "in", "value": ["linux"]}]},
                                  {"filters": [{"field": "endpoint_id_list", "operator": "in",
                                                "value": ["e%d" % i for i in range(1001)]}]},
                                  {"filters": [{"field": "endpoint_id_list", "operator": "in", "value": "x"}]},
                                  {"filters": "all", "incident_id": ""}, {}])
def test_isolate_rejects_bad_targets(simulator, data):
    assert_envelope(post(simulator, "/public_api/v1/endpoints/isolate", {"request_data": data}), 400)
    assert simulator.state.vendor("cortex_xdr").actions == {}


@pytest.mark.parametrize("path, data", [
    ("/public_api/v1/endpoints/isolate", {"endpoint_id": "unknown"}),
    ("/public_api/v1/endpoints/unisolate", {"filters": [{"field": "endpoint_id_list", "operator": "in", "value": ["nope"]}]}),
    ("/public_api/v1/endpoints/scan", {"filters": [{"field": "endpoint_id_list", "operator": "in", "value": ["nope"]}]}),
    ("/public_api/v1/scripts/run_script/", {"script_uid": "u", "parameters_values": {},
                                            "filters": [{"field": "endpoint_id_list", "operator": "in", "value": ["nope"]}]}),
    ("/public_api/v1/endpoints/upgrade", {"endpoint_ids": ["nope"], "target_versions": {"linux": "8.2.0"}}),
])
def test_a_start_that_matches_no_endpoint_is_the_tenants_500(simulator, path, data):
    reply = assert_envelope(post(simulator, path, {"request_data": data}), 500)
    assert "No endpoint was found for creating the requested action" in reply["err_msg"]
    assert reply["err_extra"].startswith("can't create group action id for ")
    assert simulator.state.vendor("cortex_xdr").actions == {}


def test_unknown_endpoints_are_left_out_and_incident_id_is_kept(simulator):
    endpoint = simulator.control("GET", "/cortex_xdr/endpoints")[0]["id"]
    filters = [{"field": "endpoint_id_list", "operator": "in", "value": [endpoint, "not-an-endpoint"]}]
    data = {"filters": filters, "incident_id": "413"}
    reply = post(simulator, "/public_api/v1/endpoints/isolate", {"request_data": data}).json()["reply"]
    assert reply["endpoints_count"] == "1"
    shown = simulator.control("GET", "/cortex_xdr/actions/%d" % reply["action_id"])
    assert shown["type"] == "ISOLATE" and shown["incident_id"] == "413" and shown["request"] == data
    assert list(shown["reply"]["data"]) == [endpoint]


def test_run_script_answers_numbers_and_its_action_is_tracked(simulator):
    freeze(simulator)
    endpoints = [e["id"] for e in simulator.control("GET", "/cortex_xdr/endpoints")[:3]]
    simulator.control("POST", "/cortex_xdr/endpoints", [{"id": endpoints[1], "outcome": "FAILED", "reason": "exit 2"}])
    data = {"script_uid": "43973479d389f2ac7e99b6db88eaee40", "parameters_values": {"path": "/tmp"}, "timeout": 30,
            "filters": [{"field": "endpoint_id_list", "operator": "in", "value": endpoints}], "incident_id": "9"}
    response = post(simulator, "/public_api/v1/scripts/run_script/", {"request_data": data})
    assert response.status_code == 200, response.text
    reply = response.json()["reply"]
    assert set(reply) == {"action_id", "endpoints_count"} and reply["endpoints_count"] == 3
    assert isinstance(reply["action_id"], int)
    advance(simulator, 3600)
    status = status_of(simulator, reply["action_id"])
    assert status["data"] == {endpoints[0]: "COMPLETED_SUCCESSFULLY", endpoints[1]: "FAILED",
                              endpoints[2]: "COMPLETED_SUCCESSFULLY"}
    assert status["errorReasons"][endpoints[1]]["errorDescription"] == "exit 2"
    shown = simulator.control("GET", "/cortex_xdr/actions/%d" % reply["action_id"])
    assert shown["type"] == "RUN_SCRIPT" and shown["request"] == data


@pytest.mark.parametrize("data", [
    {"parameters_values": {}, "filters": []}, {"script_uid": "u", "filters": []},
    {"script_uid": "u", "parameters_values": [], "filters": []},
    {"script_uid": "u", "parameters_values": {}, "filters": "all"},
    {"script_uid": "u", "parameters_values": {}, "filters": [], "timeout": 0},
])
def test_run_script_rejects_bad_bodies(simulator, data):
    assert_envelope(post(simulator, "/public_api/v1/scripts/run_script", {"request_data": data}), 400)


def test_upgrade_starts_an_action_on_the_known_endpoints(simulator):
    endpoints = [e["id"] for e in simulator.control("GET", "/cortex_xdr/endpoints")[:2]]
    data = {"endpoint_ids": endpoints + ["unknown"], "target_versions": {"windows": "8.2.0.1", "linux": "8.2.0.1"}}
    reply = post(simulator, "/public_api/v1/endpoints/upgrade", {"request_data": data}).json()["reply"]
    assert reply["endpoints_count"] == "2"
    shown = simulator.control("GET", "/cortex_xdr/actions/%d" % reply["action_id"])
    assert shown["type"] == "UPGRADE" and list(shown["reply"]["data"]) == endpoints


@pytest.mark.parametrize("data", [
    {"endpoint_ids": [], "target_versions": {"linux": "8"}}, {"endpoint_ids": ["a"]},
    {"endpoint_ids": ["a"], "target_versions": {"linux": 8.1}}, {"endpoint_ids": ["a"], "target_versions": {}},
    {"endpoint_ids": ["e%d" % i for i in range(1001)], "target_versions": {"linux": "8"}},
    {"endpoint_ids": ["a"], "target_versions": {"linux": "8"}, "incident_id": "1"},
])
def test_upgrade_rejects_bad_bodies(simulator, data):
    assert_envelope(post(simulator, "/public_api/v1/endpoints/upgrade", {"request_data": data}), 400)


def test_omit_action_id_starts_the_action_but_leaves_the_id_out(simulator):
    simulator.control("POST", "/cortex_xdr/config", {"omit_action_id": ["upgrade"]})
    endpoint = simulator.control("GET", "/cortex_xdr/endpoints")[0]["id"]
    data = {"endpoint_ids": [endpoint], "target_versions": {"linux": "8.2.0"}}
    reply = post(simulator, "/public_api/v1/endpoints/upgrade/", {"request_data": data}).json()["reply"]
    assert "action_id" not in reply and reply["endpoints_count"] == "1"
    assert [a["type"] for a in simulator.state.vendor("cortex_xdr").actions.values()] == ["UPGRADE"]
    isolate = post(simulator, "/public_api/v1/endpoints/isolate", {"request_data": {"endpoint_id": endpoint}})
    assert isolate.json()["reply"]["action_id"]
    response = requests.post(simulator.http_url + "/_sim/cortex_xdr/config", json={"omit_action_id": "upgrade"}, timeout=10)
    assert response.status_code == 400


def test_start_permissions_are_the_api_names(simulator):
    simulator.control("POST", "/cortex_xdr/config", {"keys": {
        "1": {"key": "sim-standard-key", "type": "standard", "permissions": ["isolate"]}}})
    endpoint = simulator.control("GET", "/cortex_xdr/endpoints")[0]["id"]
    filters = [{"field": "endpoint_id_list", "operator": "in", "value": [endpoint]}]
    refused = post(simulator, "/public_api/v1/scripts/run_script/",
                   {"request_data": {"script_uid": "u", "parameters_values": {}, "filters": filters}})
    assert assert_envelope(refused, 403)["err_extra"] == {"api": "run_script"}
    upgrade = post(simulator, "/public_api/v1/endpoints/upgrade",
                   {"request_data": {"endpoint_ids": [endpoint], "target_versions": {"linux": "8"}}})
    assert assert_envelope(upgrade, 403)["err_extra"] == {"api": "upgrade"}
    assert post(simulator, "/public_api/v1/endpoints/isolate", {"request_data": {"filters": filters}}).status_code == 200


def test_abort_scan_cancels_pending_and_aborts_running(simulator):
    freeze(simulator)
    scan = post(simulator, "/public_api/v1/endpoints/scan", {"request_data": {"filters": "all"}}).json()
    advance(simulator, 2.5)  # first endpoint picked up (stagger 1 s), the rest still pending
    abort = post(simulator, "/public_api/v1/endpoints/abort_scan", {"request_data": {"filters": "all"}})
    assert abort.status_code == 200 and abort.json()["reply"]["action_id"] != scan["reply"]["action_id"]
    statuses = sorted(status_of(simulator, scan["reply"]["action_id"])["data"].values())
    assert statuses == ["CANCELLED"] * 9 + ["PENDING_ABORT"]
    advance(simulator, 2)  # abort_seconds
    assert sorted(status_of(simulator, scan["reply"]["action_id"])["data"].values()) == ["ABORTED"] + ["CANCELLED"] * 9


# ---- state machine and control API ------------------------------------------------------------


def test_mix_gives_every_terminal_status_with_error_reasons(simulator):
    freeze(simulator)
    mix = {"COMPLETED_SUCCESSFULLY": 3, "COMPLETED_PARTIAL": 1, "FAILED": 2, "TIMEOUT": 1, "CANCELLED": 1,
           "ABORTED": 1, "EXPIRED": 1}
    action_id, endpoints = create(simulator, count=10, mix=mix, reasons={})
    first = status_of(simulator, action_id)
    assert set(first["data"].values()) == {"PENDING"} and "errorReasons" not in first
    advance(simulator, 3600)
    reply = status_of(simulator, action_id)
    counts = {s: list(reply["data"].values()).count(s) for s in mix}
    assert counts == mix
    failed = sorted(e for e, s in reply["data"].items() if s == "FAILED")
    assert sorted(reply["errorReasons"]) == failed
    assert all(reply["errorReasons"][e]["errorDescription"] for e in failed)
    assert list(reply["data"])[:3] == endpoints[:3]
    assert set(list(reply["data"].values())[:3]) == {"COMPLETED_SUCCESSFULLY"}  # successes first


def test_timeout_aborted_cancelled_and_expired_timelines(simulator):
    freeze(simulator)
    simulator.control("POST", "/cortex_xdr/config", {"stagger_seconds": 0, "expire_seconds": 30})
    outcomes = {"t": "TIMEOUT", "a": "ABORTED", "c": "CANCELLED", "d": "COMPLETED_SUCCESSFULLY"}
    action_id = create_id(simulator, endpoints=list(outcomes), outcomes=outcomes, disconnected=["d"])
    timeline = []
    for seconds in (1, 2, 3, 2, 5, 30):  # at 1, 3, 6, 8, 13, 43 simulated seconds
        advance(simulator, seconds)
        timeline.append(status_of(simulator, action_id)["data"])
    assert [row["t"] for row in timeline] == ["PENDING", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "TIMEOUT",
                                              "TIMEOUT"]
    assert [row["a"] for row in timeline] == ["PENDING", "IN_PROGRESS", "PENDING_ABORT", "ABORTED", "ABORTED",
                                              "ABORTED"]
    assert [row["c"] for row in timeline] == ["PENDING"] + ["CANCELLED"] * 5
    # an explicit outcome beats the disconnected list; a disconnected endpoint without one expires
    assert [row["d"] for row in timeline] == ["PENDING", "IN_PROGRESS"] + ["COMPLETED_SUCCESSFULLY"] * 4


def test_disconnected_endpoint_stays_pending_then_expires(simulator):
    freeze(simulator)
    endpoints = simulator.control("GET", "/cortex_xdr/endpoints")
    offline = endpoints[1]["id"]
    simulator.control("POST", "/cortex_xdr/endpoints", [{"id": offline, "connected": False}])
    action_id = create_id(simulator, endpoints=[endpoints[0]["id"], offline])
    advance(simulator, 59)
    expected = {endpoints[0]["id"]: "COMPLETED_SUCCESSFULLY", offline: "PENDING"}
    assert status_of(simulator, action_id)["data"] == expected
    advance(simulator, 1)
    assert status_of(simulator, action_id)["data"][offline] == "EXPIRED"


def test_endpoint_outcome_reason_and_tenant_without_error_reasons(simulator):
    freeze(simulator)
    simulator.control("POST", "/cortex_xdr/endpoints", [{"id": "bad-1", "outcome": "FAILED", "reason": "disk full"},
                                                        {"id": "bad-2", "outcome": "FAILED"}])
    action_id = create_id(simulator, endpoints=["bad-1", "bad-2"], reasons={"bad-2": None})
    advance(simulator, 60)
    reply = status_of(simulator, action_id)
    assert reply["data"] == {"bad-1": "FAILED", "bad-2": "FAILED"}
    assert list(reply["errorReasons"]) == ["bad-1"]
    assert reply["errorReasons"]["bad-1"]["errorDescription"] == "disk full"
    simulator.control("POST", "/cortex_xdr/config", {"error_reasons": False})
    assert "errorReasons" not in status_of(simulator, action_id)


def test_control_abort_show_and_pace(simulator):
    freeze(simulator)
    pace = {"pending_seconds": 10, "run_seconds": 20, "stagger_seconds": 0, "abort_seconds": 5}
    simulator.control("POST", "/cortex_xdr/config", pace)
    action_id, endpoints = create(simulator, count=2)
    shown = simulator.control("GET", "/cortex_xdr/actions/%d" % action_id)
    assert shown["terminal_at"] == pytest.approx(simulator.state.clock.now() + 30, abs=0.1)
    advance(simulator, 15)
    aborted = simulator.control("POST", "/cortex_xdr/actions/%d/abort" % action_id)
    assert set(aborted["data"].values()) == {"PENDING_ABORT"}
    advance(simulator, 5)
    assert set(status_of(simulator, action_id)["data"].values()) == {"ABORTED"}
    assert len(endpoints) == 2


@pytest.mark.parametrize("config, spelled", [
    ({"status_case": "lower"}, ["cancelled", "completed_successfully"]),
    ({"status_case": "title", "canceled_spelling": True}, ["Canceled", "Completed_Successfully"]),
    ({"canceled_spelling": True}, ["CANCELED", "COMPLETED_SUCCESSFULLY"]),
    ({}, ["CANCELLED", "COMPLETED_SUCCESSFULLY"]),
])
def test_status_spelling_settings(simulator, config, spelled):
    freeze(simulator)
    simulator.control("POST", "/cortex_xdr/config", config)
    outcomes = {"c": "CANCELLED", "d": "COMPLETED_SUCCESSFULLY"}
    action_id = create_id(simulator, endpoints=list(outcomes), outcomes=outcomes)
    advance(simulator, 3600)
    data = status_of(simulator, action_id)["data"]
    assert [data["c"], data["d"]] == spelled


@pytest.mark.parametrize("config", [{"mix": {"PENDING": 1}}, {"mix": {}}, {"mix": {"FAILED": 0}},
                                    {"keys": {"1": {"key": "k", "type": "basic"}}}, {"status_case": "shout"}])
def test_control_rejects_bad_config(simulator, config):
    response = requests.post(simulator.http_url + "/_sim/cortex_xdr/config", json=config, timeout=10)
    assert response.status_code == 400


def test_reset_restores_defaults(simulator):
    simulator.control("POST", "/cortex_xdr/config", {"licensed": False})
    create(simulator, count=1)
    simulator.control("POST", "/reset")
    assert post(simulator, STATUS, {"request_data": {"group_action_id": 1001}}).json() == {"reply": {"data": {}}}
