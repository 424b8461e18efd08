"""ansible-doc renders every module, lookup and role entry point of the collection."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.integration.helpers import BIN, ansible_env, run_playbook

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


def module_docs():
    fqcns = ["actiongate.agents.%s" % name for name in names("modules")]
    proc = subprocess.run([str(BIN / "ansible-doc"), "--json", "-t", "module"] + fqcns, capture_output=True, text=True,
                          env=ansible_env(json_results=False), timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict((fqcn, entry["doc"]) for fqcn, entry in json.loads(proc.stdout).items())


def runtime_groups():
    """{module: set of groups} from meta/runtime.yml, ``all`` extended by its extend_group list."""
    groups = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["action_groups"]
    members = {}
    for group, entries in groups.items():
        for entry in entries:
            if isinstance(entry, str):
                members.setdefault(entry, set()).add("actiongate.agents.%s" % group)
            else:
                for extended in entry["metadata"]["extend_group"]:
                    for module in groups[extended]:
                        if isinstance(module, str):
                            members.setdefault(module, set()).add("actiongate.agents.%s" % group)
    return members


def test_every_module_documents_its_action_groups_and_check_mode():
    docs = module_docs()
    members = runtime_groups()
    assert set(docs) == set("actiongate.agents.%s" % name for name in members), "runtime.yml and plugins/modules differ"
    for fqcn, doc in docs.items():
        attributes = doc.get("attributes") or {}
        assert "action_group" in attributes, fqcn
        assert set(attributes["action_group"]["membership"]) == members[fqcn.split(".")[-1]], fqcn
        assert attributes["check_mode"]["support"] == "full", fqcn


def test_every_module_really_runs_in_check_mode(simulator, tmp_path):
    """What the docs claim (check_mode: full) holds: in check mode no module is skipped, and none
    sends a write to the vendor (the simulator logs every request)."""
    docs = module_docs()
    tasks = []
    for fqcn, doc in sorted(docs.items()):
        args = {}
        for name, option in doc["options"].items():
            if not option.get("required"):
                continue
            if name.endswith("url"):
                args[name] = simulator.http_url
            elif option.get("type") == "list":
                args[name] = ["1"]
            else:
                args[name] = option.get("choices", ["1"])[0]
        if "agents" in doc["options"]:
            args.setdefault("agents", ["agent-1"])
        tasks.append({"name": fqcn, fqcn: args, "ignore_errors": True})
    run = run_playbook(tmp_path, tasks, extra_args=["--check"])
    for fqcn in docs:
        result = run.task(fqcn)
        assert not result.get("skipped"), (fqcn, result)
    writes = [r for r in simulator.requests_log() if r["method"] not in ("GET", "HEAD")
              and not r["path"].startswith("/_sim") and "login" not in r["path"] and "token" not in r["path"]
              and "get_action_status" not in r["path"]]
    assert writes == [], writes
