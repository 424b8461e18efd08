"""The adversarial server's fixtures for the tests in this package."""

from tests.adversarial.fixtures import adversary, adversary_session

# pytest finds fixtures by name in a conftest's namespace; __all__ says these imports are for that.
__all__ = ("adversary", "adversary_session")
