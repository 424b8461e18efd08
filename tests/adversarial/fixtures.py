"""Pytest fixtures for the adversarial server (see the package docstring).

The conftest.py of tests/unit, tests/integration and tests/adversarial load them, so every test
there can ask for ``adversary``.
"""

from __future__ import annotations

import pytest

from .server import Adversary


@pytest.fixture(scope="session")
def adversary_session(tmp_path_factory):
    adv = Adversary(str(tmp_path_factory.mktemp("adversary"))).start()
    yield adv
    adv.stop()


@pytest.fixture
def adversary(adversary_session):
    adversary_session.reset()
    yield adversary_session
