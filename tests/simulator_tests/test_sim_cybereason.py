"""The Cybereason part of the simulator: session login, allActions, batch actions, abort, control."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.simulator.cybereason import DEFAULT_PASSWORD, DEFAULT_USER, RECENT_STATS_KEYS, STATS_KEYS

ACTIONS = "/rest/sensors/allActions"


def login(base: str, *, user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD,
          verify: object = True) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    session.verify = verify
    # verify per request too: REQUESTS_CA_BUNDLE in the environment beats Session.verify (requests #3829)
    response = session.post(base + "/login.html", data={"username": user, "password": password},
                            verify=verify, timeout=10)
    return session, response


def batches(session: requests.Session, base: str) -> dict[int, dict]:
    response = session.get(base + ACTIONS, headers={"Content-Type": "application/json"},
                           allow_redirects=False, verify=session.verify, timeout=10)
    assert response.status_code == 200, response.text
    return {item["batchId"]: item for item in response.json()}


def advance(simulator, seconds: float) -> None:
    simulator.control("POST", "/clock", {"advance": seconds})


def create(simulator, **spec: object) -> int:
    return simulator.control("POST", "/cybereason/batches", spec)["batchId"]


def test_login_sets_session_cookie_and_redirects_home(simulator):
    session, response = login(simulator.http_url)
    assert response.status_code == 200
    assert response.history[0].status_code == 302
    assert "error" not in response.url
    assert "<app-login>" not in response.text
    assert session.cookies.get("JSESSIONID")
    assert isinstance(batches(session, simulator.http_url), dict)


def test_login_form_is_required(simulator):
    response = requests.post(simulator.http_url + "/login.html",
                             json={"username": DEFAULT_USER, "password": DEFAULT_PASSWORD}, timeout=10)
    assert "error" in response.url


def test_failed_login_is_200_html_with_an_unauthenticated_cookie(simulator):
    session, response = login(simulator.http_url, password="wrong")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "error" in response.url and "<app-login>" in response.text
    # The cookie exists but opens nothing: success cannot be judged by the cookie alone.
    assert session.cookies.get("JSESSIONID")
    denied = session.get(simulator.http_url + ACTIONS, allow_redirects=False, timeout=10)
    assert denied.status_code == 302
    assert simulator.control("GET", "/cybereason/sessions")["failed_logins"] == 1


def test_failed_login_page_mode(simulator):
    simulator.control("POST", "/cybereason/config", {"login_failure": "page", "failed_login_sets_cookie": False})
    session, response = login(simulator.http_url, password="wrong")
    assert response.status_code == 200 and not response.history
    assert "<app-login>" in response.text
    assert not session.cookies.get("JSESSIONID")


def test_no_session_redirects_to_login_or_serves_html(simulator):
    response = requests.get(simulator.http_url + ACTIONS, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login.html")
    simulator.control("POST", "/cybereason/config", {"unauthenticated": "html"})
    response = requests.get(simulator.http_url + ACTIONS, timeout=10)
    assert response.status_code == 200 and "<app-login>" in response.text


def test_no_session_can_answer_401_or_403(simulator):
    for code in (401, 403):
        simulator.control("POST", "/cybereason/config", {"unauthenticated": str(code)})
        response = requests.get(simulator.http_url + ACTIONS, allow_redirects=False, timeout=10)
        assert response.status_code == code and response.headers["Content-Type"].startswith("text/html")
        assert "HTTP Status %d" % code in response.text
    session = login(simulator.http_url)[0]
    assert isinstance(batches(session, simulator.http_url), dict)  # a valid session still passes


def test_sessions_expire_by_lifetime_and_on_demand(simulator):
    simulator.control("POST", "/cybereason/config", {"session_lifetime": 60})
    session = login(simulator.http_url)[0]
    batches(session, simulator.http_url)
    advance(simulator, 61)
    assert session.get(simulator.http_url + ACTIONS, allow_redirects=False, timeout=10).status_code == 302
    session = login(simulator.http_url)[0]
    assert simulator.control("POST", "/cybereason/sessions/expire")["expired"] >= 1
    assert session.get(simulator.http_url + ACTIONS, allow_redirects=False, timeout=10).status_code == 302
    assert simulator.control("GET", "/cybereason/sessions") == {"active": 0, "logins": 2, "failed_logins": 0,
                                                                "logouts": 0, "refused": 2}


def test_logout_ends_the_session_and_is_counted(simulator):
    session = login(simulator.http_url)[0]
    other = login(simulator.http_url)[0]
    response = session.get(simulator.http_url + "/logout", allow_redirects=False, timeout=10)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login.html")
    assert session.get(simulator.http_url + ACTIONS, allow_redirects=False, timeout=10).status_code == 302
    assert isinstance(batches(other, simulator.http_url), dict)  # only that session ended
    counts = simulator.control("GET", "/cybereason/sessions")
    assert (counts["logouts"], counts["active"]) == (1, 1)
    # a logout without a live session is sent to the login page and counts nothing
    assert requests.get(simulator.http_url + "/logout", allow_redirects=False, timeout=10).status_code == 302
    assert simulator.control("GET", "/cybereason/sessions")["logouts"] == 1


def test_secure_cookie_over_https(simulator):
    session, response = login(simulator.https_url, verify=simulator.ca_path)
    cookie = next(c for c in session.cookies if c.name == "JSESSIONID")
    assert cookie.secure
    assert isinstance(batches(session, simulator.https_url), dict)


def test_batch_progresses_to_final_state_with_full_stats(simulator):
    batch_id = create(simulator, actionType="Upgrade", count=4, sensor_seconds=10, batchId=-2012506538)
    session = login(simulator.http_url)[0]
    first = batches(session, simulator.http_url)[-2012506538]
    assert list(first["globalStats"]["stats"]) == list(STATS_KEYS)
    assert first["finalState"] is False and first["totalNumberOfProbes"] == 4
    assert first["globalStats"]["stats"]["Pending"] == 4
    advance(simulator, 15)
    middle = batches(session, simulator.http_url)[batch_id]["globalStats"]["stats"]
    assert middle["Succeeded"] == 1 and middle["Pending"] + middle["SendingMsi"] + middle["Started"] == 3
    advance(simulator, 30)
    done = batches(session, simulator.http_url)[batch_id]
    assert done["finalState"] is True and done["globalStats"]["stats"]["Succeeded"] == 4
    assert done["aborterUser"] is None and done["abortTime"] == 0 and done["abortTimeout"] is False


def test_outcome_mix_and_retention(simulator):
    simulator.control("POST", "/cybereason/config", {"mix": {"Succeeded": 3, "Failed": 1}, "retention_seconds": 100})
    batch_id = create(simulator, count=8, duration=8)
    session = login(simulator.http_url)[0]
    advance(simulator, 10)
    stats = batches(session, simulator.http_url)[batch_id]["globalStats"]["stats"]
    assert (stats["Succeeded"], stats["Failed"]) == (6, 2)
    advance(simulator, 100)  # finished at 8 s, listed until 108 s
    assert batch_id not in batches(session, simulator.http_url)
    assert simulator.control("GET", "/cybereason/batches/%d" % batch_id)["listed"] is False


def test_stuck_and_unknown_outcomes(simulator):
    batch_id = create(simulator, count=3, duration=3, outcomes={"Succeeded": 1, "Disconnected": 1, "BrandNewKey": 1})
    session = login(simulator.http_url)[0]
    advance(simulator, 3600)
    item = batches(session, simulator.http_url)[batch_id]
    assert item["finalState"] is False
    assert item["globalStats"]["stats"]["Disconnected"] == 1
    assert item["globalStats"]["stats"]["BrandNewKey"] == 1


def test_upgrade_returns_batch_and_unknown_sensors_give_204(simulator):
    session = login(simulator.http_url)[0]
    url = simulator.http_url + "/rest/sensors/action/upgrade"
    response = session.post(url, json={"filters": [{"fieldName": "pylumId", "operator": "ContainsIgnoreCase",
                                                    "values": ["host-01_", "HOST-02_"]}]}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["actionType"] == "Upgrade" and body["totalNumberOfProbes"] == 2
    assert body["initiatorUser"] == DEFAULT_USER
    assert body["batchId"] in batches(session, simulator.http_url)
    empty = session.post(url, json={"sensorsIds": ["no-such-sensor"]}, timeout=10)
    assert empty.status_code == 204 and empty.content == b""
    assert session.post(url, data="x", timeout=10).status_code == 400


def test_restart_and_scheduler_scan(simulator):
    session = login(simulator.http_url)[0]
    sensor = "5e7788000000000000000000:PYLUMCLIENT_SIM_HOST-03_08002700AA03"
    restart = session.post(simulator.http_url + "/rest/sensors/action/restart", json={"sensorsIds": [sensor]}, timeout=10)
    scan = session.post(simulator.http_url + "/rest/sensors/action/schedulerScan",
                        json={"sensorsIds": [sensor], "argument": "FULL"}, timeout=10)
    assert restart.json()["actionType"] == "Restart"
    assert scan.json()["actionType"] == "SchedulerScan" and scan.json()["actionArguments"] == ["FULL"]


def test_sensor_with_fixed_outcome(simulator):
    simulator.control("POST", "/cybereason/sensors", [{"pylumId": "PYLUMCLIENT_SIM_HOST-05_08002700AA05",
                                                       "outcome": "MsiFileCorrupted"}])
    session = login(simulator.http_url)[0]
    body = session.post(simulator.http_url + "/rest/sensors/action/upgrade",
                        json={"sensorsIds": ["PYLUMCLIENT_SIM_HOST-05_08002700AA05"]}, timeout=10).json()
    advance(simulator, 60)
    item = batches(session, simulator.http_url)[body["batchId"]]
    assert item["finalState"] and item["globalStats"]["stats"]["MsiFileCorrupted"] == 1


def test_abort_stops_unsent_sensors_only(simulator):
    batch_id = create(simulator, count=3, sensor_seconds=30)
    session = login(simulator.http_url)[0]
    advance(simulator, 15)  # sensor 1 in flight, sensors 2 and 3 still pending
    response = session.get(simulator.http_url + "/rest/sensors/abort/%d" % batch_id, timeout=10)
    assert response.status_code == 200
    assert response.json()["aborterUser"] == DEFAULT_USER and response.json()["abortTime"] > 0
    advance(simulator, 100)
    item = batches(session, simulator.http_url)[batch_id]
    assert item["finalState"] is True
    assert item["globalStats"]["stats"]["Aborted"] == 2 and item["globalStats"]["stats"]["Succeeded"] == 1


def test_abort_unknown_batch_is_400(simulator):
    session = login(simulator.http_url)[0]
    for bad in ("12345", "not-a-number"):
        response = session.get(simulator.http_url + "/rest/sensors/abort/" + bad, timeout=10)
        assert response.status_code == 400 and response.json()["message"] == "UNKNOWN BATCH"


def test_abort_by_timeout_control(simulator):
    batch_id = create(simulator, count=2, outcomes={"Disconnected": 2})
    result = simulator.control("POST", "/cybereason/batches/%d/abort" % batch_id, {"timeout": True})
    item = result["item"]
    assert item["abortTimeout"] is True and item["aborterUser"] is None and item["finalState"] is True
    assert item["globalStats"]["stats"]["AbortTimeout"] == 2


def test_one_sensor_ending_in_abort_timeout_without_an_abort(simulator):
    batch_id = create(simulator, count=4, duration=4, outcomes={"AbortTimeout": 1})
    advance(simulator, 5)
    item = simulator.control("GET", "/cybereason/batches/%d" % batch_id)["item"]
    assert item["finalState"] is True and item["aborterUser"] is None and item["abortTimeout"] is False
    assert (item["globalStats"]["stats"]["AbortTimeout"], item["globalStats"]["stats"]["Succeeded"]) == (1, 3)


def test_flags_as_strings(simulator):
    simulator.control("POST", "/cybereason/config", {"flags_as_strings": True})
    batch_id = create(simulator, count=1, duration=60)
    session = login(simulator.http_url)[0]
    assert batches(session, simulator.http_url)[batch_id]["finalState"] == "false"
    advance(simulator, 61)
    item = batches(session, simulator.http_url)[batch_id]
    assert (item["finalState"], item["abortTimeout"]) == ("true", "false")


def test_unknown_config_key_rejected(simulator):
    response = requests.post(simulator.http_url + "/_sim/cybereason/config", json={"nope": 1}, timeout=10)
    assert response.status_code == 400


def test_common_faults_apply(simulator):
    session = login(simulator.http_url)[0]
    simulator.fault(path=ACTIONS, status=429, retry_after=3)
    response = session.get(simulator.http_url + ACTIONS, timeout=10)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert len(simulator.requests_log(ACTIONS)) == 1


# ---- starting actions (cybereason_sensor_action) ---------------------------------------------------

RECORDED = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "recorded" / "cybereason"
SENSOR = "PYLUMCLIENT_SIM_HOST-%02d_08002700AA%02X"


def test_unknown_sensor_ids_are_left_out_of_the_batch(simulator):
    session = login(simulator.http_url)[0]
    body = session.post(simulator.http_url + "/rest/sensors/action/upgrade", timeout=10,
                        json={"sensorsIds": [SENSOR % (1, 1), "PYLUMCLIENT_NOPE", SENSOR % (2, 2)]}).json()
    assert body["totalNumberOfProbes"] == 2 and body["actionType"] == "Upgrade"
    assert sum(body["globalStats"]["stats"].values()) == 2


def test_uninstall_route_and_scan_argument_check(simulator):
    session = login(simulator.http_url)[0]
    uninstall = session.post(simulator.http_url + "/rest/sensors/action/uninstall", timeout=10,
                             json={"sensorsIds": [SENSOR % (3, 3)]})
    assert uninstall.status_code == 200 and uninstall.json()["actionType"] == "Uninstall"
    for argument in (None, "DEEP", "full"):
        scan = session.post(simulator.http_url + "/rest/sensors/action/schedulerScan", timeout=10,
                            json={"sensorsIds": [SENSOR % (3, 3)], "argument": argument})
        assert scan.status_code == 400
    assert len(simulator.state.vendor("cybereason").batches) == 1


def test_a_session_refused_on_a_prefix_answers_as_configured_and_creates_nothing(simulator):
    simulator.control("POST", "/cybereason/config", {"session_refused_on": "/rest/sensors/action/"})
    session = login(simulator.http_url)[0]
    assert isinstance(batches(session, simulator.http_url), dict)  # other calls keep the session
    url = simulator.http_url + "/rest/sensors/action/restart"
    response = session.post(url, json={"sensorsIds": [SENSOR % (1, 1)]}, allow_redirects=False, timeout=10)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login.html")
    simulator.control("POST", "/cybereason/config", {"unauthenticated": "html"})
    response = session.post(url, json={"sensorsIds": [SENSOR % (1, 1)]}, allow_redirects=False, timeout=10)
    assert response.status_code == 200 and "<app-login>" in response.text
    assert simulator.state.vendor("cybereason").batches == []
    assert simulator.control("GET", "/cybereason/sessions")["refused"] == 2


def test_the_recent_key_set_is_the_recorded_answers(simulator):
    recorded = json.loads((RECORDED / "rapid7_archive_sensor_response.json").read_text())["answer"][0]
    assert set(STATS_KEYS + RECENT_STATS_KEYS) == set(recorded["globalStats"]["stats"])
    assert len(STATS_KEYS + RECENT_STATS_KEYS) == len(set(STATS_KEYS + RECENT_STATS_KEYS)) == 47
    batch_id = create(simulator, count=1, duration=1)
    session = login(simulator.http_url)[0]
    assert len(batches(session, simulator.http_url)[batch_id]["globalStats"]["stats"]) == 32
    simulator.control("POST", "/cybereason/config", {"full_stats_keys": True})
    assert len(batches(session, simulator.http_url)[batch_id]["globalStats"]["stats"]) == 47


def test_a_downloaded_package_is_in_flight_and_never_ends(simulator):
    batch_id = create(simulator, count=2, duration=2, outcomes={"UpgradePackageDownloaded": 1, "Uninstalled": 1})
    advance(simulator, 60)
    item = simulator.control("GET", "/cybereason/batches/%d" % batch_id)["item"]
    assert item["finalState"] is False
    assert (item["globalStats"]["stats"]["UpgradePackageDownloaded"], item["globalStats"]["stats"]["Uninstalled"]) == (1, 1)


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"kind": "reset"}, {"status": 403},
                                   {"kind": "html"}])
def test_faults_apply_to_starts_and_create_nothing(simulator, fault):
    session = login(simulator.http_url)[0]
    simulator.fault(path="/rest/sensors/action/upgrade", method="POST", **fault)
    try:
        response = session.post(simulator.http_url + "/rest/sensors/action/upgrade", timeout=10,
                                json={"sensorsIds": [SENSOR % (1, 1)]})
        assert response.status_code in (200, 403, 500, 503) and "batchId" not in response.text
    except requests.ConnectionError:
        assert fault.get("kind") == "reset"
    assert len([r for r in simulator.requests_log("/rest/sensors/action/") if r["method"] == "POST"]) == 1
    assert simulator.state.vendor("cybereason").batches == []
