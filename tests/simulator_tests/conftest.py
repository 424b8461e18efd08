"""The simulator fixtures (tests/simulator/fixtures.py) for the tests in this directory."""

from __future__ import annotations

from tests.simulator.fixtures import SimHandle, simulator, simulator_session  # noqa: F401  (fixtures)
