"""The simulator's shared control API: holding the clock until a client first asks."""

from __future__ import annotations

import time

import requests

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS = "/api/fleet/agents/action_status"


def status(simulator, action_id: str) -> dict:
    response = requests.get(simulator.http_url + STATUS, headers={"Authorization": "ApiKey " + API_KEY}, timeout=10)
    response.raise_for_status()
    return next(item for item in response.json()["items"] if item["actionId"] == action_id)


def test_held_clock_restarts_on_the_first_request_to_the_path(simulator):
    action = simulator.control("POST", "/fleet/actions", {"count": 1, "ack_seconds": 0.2})["actionId"]
    held = simulator.control("POST", "/clock", {"resume_on": STATUS})
    assert held["speed"] == 0 and held["resume_on"] == STATUS
    time.sleep(0.5)  # longer than the action needs, but simulated time stands still
    requests.get(simulator.http_url + "/api/fleet/agents", timeout=10)  # another path leaves it held
    assert simulator.control("POST", "/clock", {})["now"] == held["now"]
    first = status(simulator, action)
    assert first["status"] != "COMPLETE" and first["nbAgentsAck"] == 0
    resumed = simulator.control("POST", "/clock", {})
    assert resumed["speed"] == 1 and resumed["resume_on"] is None
    time.sleep(0.5)
    assert status(simulator, action)["status"] == "COMPLETE"


def test_setting_the_speed_cancels_a_hold(simulator):
    simulator.control("POST", "/clock", {"resume_on": STATUS})
    cancelled = simulator.control("POST", "/clock", {"speed": 1})
    assert cancelled["speed"] == 1 and cancelled["resume_on"] is None
    time.sleep(0.2)
    assert simulator.control("POST", "/clock", {})["now"] >= cancelled["now"] + 0.15


def test_reset_cancels_a_hold(simulator):
    simulator.control("POST", "/clock", {"resume_on": STATUS})
    simulator.control("POST", "/reset")
    after = simulator.control("POST", "/clock", {})
    assert after["speed"] == 1 and after["resume_on"] is None
