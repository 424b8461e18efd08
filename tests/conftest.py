"""Root test configuration: only the import path. Simulator fixtures live in
tests/simulator/fixtures.py and are loaded by the conftest.py of each directory that needs them, so
this file imports nothing beyond the standard library (``ansible-test units`` reads it too)."""

from __future__ import annotations


def _collection_path():
    """Make ``ansible_collections.actiongate.agents`` importable and findable by ansible.

    In a checkout, a symlink under .build/collections points at the repo root (the collection
    root). Under ansible-test the checkout already is ``.../ansible_collections/actiongate/agents``
    and ansible-test's collection loader owns the import path: only the root is added, for
    ``tests.simulator``."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:  # ``tests.simulator`` and ``tests.adversarial`` (pytest.ini does it too)
        sys.path.insert(0, root)
    parts = root.split(os.sep)
    if parts[-3:] == ["ansible_collections", "actiongate", "agents"]:
        base = os.sep.join(parts[:-3])
        os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", base)
        return base
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


def _hypothesis_profile():
    """Property tests run the same examples on every run (``derandomize``), so CI gives the answer
    this checkout gives; ``HYPOTHESIS_PROFILE=default`` explores new random examples instead (a
    failing one is then pinned with ``@example``)."""
    import os

    try:
        from hypothesis import settings
    except ImportError:  # the smoke venvs run no property tests
        return
    settings.register_profile("repeatable", derandomize=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


_hypothesis_profile()
