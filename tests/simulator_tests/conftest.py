"""The simulator fixtures (tests/simulator/fixtures.py) for the tests in this directory."""

from __future__ import annotations

from tests.simulator.fixtures import simulator, simulator_session

# pytest finds fixtures by name in a conftest's namespace; __all__ says these imports are for that.
__all__ = ("simulator", "simulator_session")
