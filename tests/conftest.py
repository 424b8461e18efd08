"""Shared pytest fixtures: one simulator for the whole session, reset before each test."""

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


def _collection_path():
    """Make ``ansible_collections.actiongate.agents`` importable and findable by ansible.

    A symlink under .build/collections points at the repo root (the collection root)."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    base = os.path.join(root, ".build", "collections")
    link = os.path.join(base, "ansible_collections", "actiongate", "agents")
    if not os.path.islink(link) and not os.path.isdir(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        try:
            os.symlink(root, link)
        except FileExistsError:  # another xdist worker won the race
            pass
    if base not in sys.path:
        sys.path.insert(0, base)
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = base
    return base


COLLECTIONS_PATH = _collection_path()
