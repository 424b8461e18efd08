"""Pytest fixtures for tests that talk to the simulator: one simulator per test session, reset
before each test. Loaded by the conftest.py of each test directory that needs it
(tests/integration, tests/simulator_tests, tests/unit), never by the root tests/conftest.py, so
``ansible-test units`` and tests that need no simulator do not need Flask."""

from __future__ import annotations

import logging

import pytest
import requests

from tests.simulator.server import Simulator

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class SimHandle:
    """The running simulator plus small helpers for its control API."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.http_url = sim.http_url
        self.https_url = sim.https_url
        self.ca_path = sim.ca_path
        self.mtls_url = sim.mtls_url
        self.client_cert_path = sim.client_cert_path
        self.client_key_path = sim.client_key_path
        self.state = sim.state

    def control(self, method: str, path: str, body: object = None) -> object:
        response = requests.request(method, self.http_url + "/_sim" + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(self, **spec: object) -> None:
        self.control("POST", "/faults", spec)

    def requests_log(self, path_prefix: str = "/") -> list:
        return [r for r in self.control("GET", "/requests") if r["path"].startswith(path_prefix)]


@pytest.fixture(scope="session")
def simulator_session(tmp_path_factory):
    sim = Simulator(state_dir=str(tmp_path_factory.mktemp("sim"))).start()
    yield SimHandle(sim)
    sim.stop()


@pytest.fixture
def simulator(simulator_session):
    simulator_session.state.reset()
    yield simulator_session
