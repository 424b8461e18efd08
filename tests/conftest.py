"""Root test configuration: only the import path. Simulator fixtures live in
tests/simulator/fixtures.py and are loaded by the conftest.py of each directory that needs them, so
this file imports nothing beyond the standard library (``ansible-test units`` reads it too)."""

from __future__ import annotations


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
    if root not in sys.path:  # ``tests.simulator`` and ``tests.adversarial`` (pytest.ini does it too)
        sys.path.insert(0, root)
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = base
    return base


COLLECTIONS_PATH = _collection_path()
