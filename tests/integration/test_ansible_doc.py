"""ansible-doc renders every module, lookup and role entry point of the collection."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.integration.helpers import BIN, ansible_env

ROOT = Path(__file__).resolve().parents[2]


def names(kind):
    if kind == "role":
        return sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())
    return sorted(p.stem for p in (ROOT / "plugins" / kind).glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("kind, directory", [("module", "modules"), ("lookup", "lookup"), ("role", None)])
def test_ansible_doc_renders_everything(kind, directory):
    found = names(directory or "role")
    assert found, kind
    fqcns = ["actiongate.agents.%s" % name for name in found]
    proc = subprocess.run([str(BIN / "ansible-doc"), "-t", kind] + fqcns, capture_output=True, text=True,
                          env=ansible_env(json_results=False), timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[WARNING]" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-3000:]
    for fqcn in fqcns:
        assert fqcn in proc.stdout, fqcn
    if kind == "role":
        assert "ENTRY POINT: *main*" in proc.stdout and "wait_for_action_vendor" in proc.stdout
        assert "fleet_rollout_batch_size" in proc.stdout
