"""The fixtures of this directory's tests: the vendor simulator (tests/simulator/fixtures.py) and the
adversarial two-origin server (tests/adversarial/fixtures.py), one of each per test session."""

from __future__ import annotations

from tests.adversarial.fixtures import adversary, adversary_session
from tests.simulator.fixtures import simulator, simulator_session

# pytest finds fixtures by name in a conftest's namespace; __all__ says these imports are for that.
__all__ = ("adversary", "adversary_session", "simulator", "simulator_session")
