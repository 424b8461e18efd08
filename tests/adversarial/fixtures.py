"""Pytest fixtures for the adversarial server (see the package docstring).

Import both names into a test module (or a conftest) to use them::

    from tests.adversarial.fixtures import adversary, adversary_session  # noqa: F401
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
