"""The adversarial server's fixtures for the tests in this package."""

from tests.adversarial.fixtures import adversary, adversary_session  # noqa: F401
