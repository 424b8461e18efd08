"""Every option is declared once, in an argspec (the concern modules ``_connection_options``,
``_wait_options``, ``_per_id_options`` and each vendor class's ``OPTIONS``), and this test holds
every other place that states it to that declaration (docs/dev/options.md):

- the documentation of every module and lookup, as ansible-doc renders it with the doc fragments:
  names, types, defaults, choices, elements, required, aliases; the environment variables (a
  lookup's ``env`` entries, a module's ``E(NAME)`` in the description); each ``range`` in words;
- the lookups' own options (``_terms``, ``on_missing``): the same in every lookup;
- the roles' ``meta/argument_specs.yml``, for each role variable a task passes to a module option:
  the option's type, and the default that applies (the role's ``defaults/main.yml``, or the
  module's when the role leaves the option unset); wait_for_action restates no module default;
- README.md's table of the shared options: defaults and ranges.

Pure: ansible-doc runs in a subprocess, nothing opens a socket.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import yaml

from ansible_collections.actiongate.agents.plugins.module_utils import _runner
from ansible_collections.actiongate.agents.plugins.module_utils._connection_options import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import PER_ID_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._wait_options import WAIT_SPEC

ROOT = Path(__file__).resolve().parents[3]
COLLECTION = "actiongate.agents"
PACKAGE = "ansible_collections.actiongate.agents.plugins"
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))
LOOKUPS = sorted(p.stem for p in (ROOT / "plugins" / "lookup").glob("*.py") if not p.stem.startswith("_"))
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())
# Options a lookup has that its module has not: the ids are its terms, and what to do with an unknown id.
LOOKUP_ONLY = ("_terms", "on_missing")
# Keys of an option that must read the same in the documentation and the argspec.
KEYS = ("type", "default", "choices", "elements", "required", "aliases")
SHARED = dict(CONNECTION_SPEC, **dict(WAIT_SPEC, **PER_ID_OPTIONS))


def ansible_doc(plugin_type, names):
    """``ansible-doc --json`` for ``names`` (one run for all), as a user would see them."""
    command = shutil.which("ansible-doc", path=os.path.dirname(sys.executable)) or shutil.which("ansible-doc")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    proc = subprocess.run([command, "--json", "-t", plugin_type] + ["%s.%s" % (COLLECTION, n) for n in names],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    docs = json.loads(proc.stdout)
    assert sorted(docs) == sorted("%s.%s" % (COLLECTION, n) for n in names), proc.stderr[-3000:]
    return dict((name.rsplit(".", 1)[-1], value["doc"]) for name, value in docs.items())


@pytest.fixture(scope="module")
def module_docs():
    return ansible_doc("module", MODULES)


@pytest.fixture(scope="module")
def lookup_docs():
    return ansible_doc("lookup", LOOKUPS)


class _Built(Exception):
    pass


def module_argspec(name):
    """The argument spec ``name``'s ``main()`` gives AnsibleModule (built from the argspec pieces)."""
    module = importlib.import_module("%s.modules.%s" % (PACKAGE, name))
    seen = {}

    def built(*_args, **kwargs):
        seen.update(kwargs)
        raise _Built()

    with mock.patch.object(_runner, "AnsibleModule", built):
        if hasattr(module, "AnsibleModule"):
            with mock.patch.object(module, "AnsibleModule", built), pytest.raises(_Built):
                module.main()
        else:
            with pytest.raises(_Built):
                module.main()
    return seen["argument_spec"]


def lookup_argspec(name):
    """The options a lookup reads (LookupOptions): its status module's, but ``action_ids`` (the terms)."""
    lookup = importlib.import_module("%s.lookup.%s" % (PACKAGE, name))
    spec = _runner.status_argument_spec(lookup.LookupModule.VENDOR)
    spec.pop("action_ids", None)
    return spec


def env_names(entry):
    """The environment variables of an AnsibleModule argspec entry (``_runner.env_fallback_set``)."""
    fallback = entry.get("fallback")
    if not fallback:
        return []
    assert fallback[0] is _runner.env_fallback_set, "only env_fallback_set counts an empty variable as unset"
    return list(fallback[1])


def normalised(entry, key):
    value = entry.get(key)
    if key == "type":
        return value or "str"
    if key == "required":
        return bool(value)
    if key == "aliases":
        return sorted(value or [])
    if key == "default" and value is not None and entry.get("type") == "float":
        return float(value)
    if key == "default" and entry.get("type") == "list" and value == []:
        return None  # an empty list and no default read the same: ansible-doc shows none for either
    return value


def differences(doc_options, spec):
    """Lines naming each disagreement between documented options and an AnsibleModule argspec."""
    found = []
    for name in sorted(set(doc_options) | set(spec)):
        if name not in spec:
            found.append("%s is documented but not in the argspec" % name)
        elif name not in doc_options:
            found.append("%s is in the argspec but not documented" % name)
        else:
            for key in KEYS:
                documented, declared = normalised(doc_options[name], key), normalised(spec[name], key)
                if documented != declared:
                    found.append("%s: %s documented %r, declared %r" % (name, key, documented, declared))
    return found


def description(option):
    text = option.get("description") or []
    return " ".join(text) if isinstance(text, list) else str(text)


def number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value)


def mentions(text, value):
    """Whether ``text`` states the number ``value`` (``V(604800)``, ``1 to 1000``, not ``16048``)."""
    return re.search(r"(?<![\w.])%s(?!\.?\d)" % re.escape(number(value)), text) is not None


def range_words(name, entry, text):
    """What ``text`` (an option's description) leaves out of ``entry``'s range, as lines."""
    if "range" not in entry:
        return []
    ends = list(entry["range"]) + ([entry["zero_or_at_least"]] if "zero_or_at_least" in entry else [])
    return ["%s: the description does not state %s of its range %r" % (name, number(end), tuple(entry["range"]))
            for end in ends if not mentions(text, end)]


def raw_entries(pieces):
    """The argspec entries as declared (with their ``range``), a later piece's replacing an earlier one's."""
    merged = {}
    for piece in pieces:
        merged.update(piece)
    return merged


def module_pieces(name):
    """The declared entries of a module's options, for their ranges: the shared ones and the vendor's."""
    module = importlib.import_module("%s.modules.%s" % (PACKAGE, name))
    vendors = [v for v in vars(module).values() if isinstance(v, type) and hasattr(v, "OPTIONS") and hasattr(v, "LABEL")]
    return [CONNECTION_SPEC, WAIT_SPEC] + [v.OPTIONS for v in vendors]


# --- modules and lookups ---------------------------------------------------------------------

def test_every_plugin_is_found():
    assert len(MODULES) >= 9 and len(LOOKUPS) >= 7


@pytest.mark.parametrize("name", MODULES)
def test_module_documents_its_argspec(module_docs, name):
    doc, spec = module_docs[name], module_argspec(name)
    assert differences(doc["options"], spec) == []
    for option, entry in sorted(spec.items()):
        for variable in env_names(entry):
            assert "E(%s)" % variable in description(doc["options"][option]), (
                "%s: the description does not name its environment variable E(%s)" % (option, variable))


@pytest.mark.parametrize("name", LOOKUPS)
def test_lookup_documents_its_argspec_and_environment(lookup_docs, name):
    doc, spec = lookup_docs[name], lookup_argspec(name)
    options = dict((k, v) for k, v in doc["options"].items() if k not in LOOKUP_ONLY)
    assert differences(options, spec) == []
    wrong = []
    for option, entry in sorted(spec.items()):
        documented = [e["name"] for e in options[option].get("env") or []]
        if documented != env_names(entry):
            wrong.append("%s: env documented %r, declared %r" % (option, documented, env_names(entry)))
    assert wrong == []


@pytest.mark.parametrize("option, keys", [("_terms", ("type", "elements")), ("on_missing", KEYS)])
def test_the_lookups_own_options_read_the_same_in_every_lookup(lookup_docs, option, keys):
    """(Whether the terms are required differs: a vendor that cannot list needs ids.)"""
    seen = dict((name, dict((k, normalised(doc["options"][option], k)) for k in keys)) for name, doc in lookup_docs.items())
    assert len(set(json.dumps(v, sort_keys=True) for v in seen.values())) == 1, seen


@pytest.mark.parametrize("name", MODULES)
def test_module_documents_each_range(module_docs, name):
    doc = module_docs[name]
    entries = raw_entries(module_pieces(name))
    found = []
    for option, entry in sorted(entries.items()):
        if option in doc["options"]:
            found.extend(range_words(option, entry, description(doc["options"][option])))
    assert found == []


@pytest.mark.parametrize("name", LOOKUPS)
def test_lookup_documents_each_range(lookup_docs, name):
    doc = lookup_docs[name]
    lookup = importlib.import_module("%s.lookup.%s" % (PACKAGE, name))
    entries = raw_entries([CONNECTION_SPEC, WAIT_SPEC, lookup.LookupModule.VENDOR.OPTIONS])
    found = []
    for option, entry in sorted(entries.items()):
        if option in doc["options"]:
            found.extend(range_words(option, entry, description(doc["options"][option])))
    assert found == []


def test_a_default_changed_in_one_place_fails(module_docs):
    """The check itself: a default declared once and documented otherwise is a difference."""
    spec = module_argspec("fleet_action_status")
    spec["wait_timeout"] = dict(spec["wait_timeout"], default=3600.0)
    assert differences(module_docs["fleet_action_status"]["options"], spec) == [
        "wait_timeout: default documented 1800.0, declared 3600.0"]


# --- roles -----------------------------------------------------------------------------------

_PASSED = re.compile(r"^\{\{\s*([A-Za-z_][\w.]*)\s*(\|\s*default\(omit\)\s*)?\}\}$")


def role_passes(role):
    """``{role variable (or variable.key): [(module, option, omitted)]}``: what the role's tasks pass
    to the collection's modules, ``omitted`` when ``| default(omit)`` leaves the module's default."""
    passes = {}
    for path in sorted((ROOT / "roles" / role / "tasks").glob("*.yml")):
        for task in _tasks(yaml.safe_load(path.read_text()) or []):
            for key, args in task.items():
                if not key.startswith(COLLECTION + ".") or not isinstance(args, dict):
                    continue
                for option, value in args.items():
                    match = _PASSED.match(str(value).strip())
                    if match:
                        passes.setdefault(match.group(1), []).append((key.rsplit(".", 1)[-1], option, bool(match.group(2))))
    return passes


def _tasks(items):
    for task in items:
        if isinstance(task, dict):
            yield task
            for block in ("block", "rescue", "always"):
                yield from _tasks(task.get(block) or [])


def role_spec(role):
    data = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return data["argument_specs"]["main"]["options"]


def role_defaults(role):
    path = ROOT / "roles" / role / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


@pytest.fixture(scope="module")
def argspecs():
    return dict((name, module_argspec(name)) for name in MODULES)


@pytest.mark.parametrize("role", ROLES)
def test_role_variables_are_held_to_the_module_options(argspecs, role):
    """Each role variable a task passes to a module option has that option's type, and its
    documented default is the one that applies: the role's own (defaults/main.yml), or the
    module's when the role leaves the option unset."""
    spec, defaults, found = role_spec(role), role_defaults(role), []
    for variable, uses in sorted(role_passes(role).items()):
        top, _dot, key = variable.partition(".")
        if top not in spec:
            continue
        entry = spec[top]
        if key:
            entry = (entry.get("options") or {}).get(key)
            if entry is None:
                found.append("%s: passed to a module, not in argument_specs" % variable)
                continue
        for module, option, omitted in uses:
            declared = argspecs[module][option]
            if normalised(entry, "type") != normalised(declared, "type"):
                found.append("%s: type %s, %s's %s is %s" % (
                    variable, normalised(entry, "type"), module, option, normalised(declared, "type")))
            if key:
                continue
            applies = defaults[top] if top in defaults else (declared.get("default") if omitted else None)
            if normalised(dict(entry, default=entry.get("default")), "default") != normalised(dict(entry, default=applies), "default"):
                found.append("%s: argument_specs shows default %r, %r applies" % (variable, entry.get("default"), applies))
    assert found == []


@pytest.mark.parametrize("role", [
    "wait_for_action",
    pytest.param("fleet_rollout", marks=pytest.mark.xfail(
        reason="its defaults/main.yml restates the module defaults of the wait options; its tasks could omit them")),
])
def test_the_role_restates_no_module_default(argspecs, role):
    """A role variable that only carries a module option's default is left unset (the task omits
    the option) rather than written again in defaults/main.yml."""
    defaults, found = role_defaults(role), []
    for variable, uses in sorted(role_passes(role).items()):
        for module, option, _omitted in uses:
            declared = argspecs[module][option]
            if variable in defaults and declared.get("default") is not None:
                value = dict(declared, default=defaults[variable])
                if normalised(value, "default") == normalised(declared, "default"):
                    found.append("%s restates %s's %s default %r" % (variable, module, option, declared["default"]))
    assert found == []


# --- README ----------------------------------------------------------------------------------

def readme_options():
    """``{option: (default, meaning)}`` from README.md's table of the shared options."""
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        match = re.match(r"^\| `(\w+)` \| `([^`]*)` \| (.*) \|$", line)
        if match and match.group(1) in SHARED:
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def readme_default(entry):
    value = entry.get("default")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"%s"' % value
    return number(value) if value is not None else None


def test_readme_states_the_shared_defaults_and_ranges():
    rows = readme_options()
    documented = set(SHARED) - {"validate_certs", "ca_path", "client_cert", "client_key"}
    assert sorted(rows) == sorted(documented)
    found = []
    for name, (default, meaning) in sorted(rows.items()):
        if default != readme_default(SHARED[name]):
            found.append("%s: README default %s, declared %s" % (name, default, readme_default(SHARED[name])))
        found.extend(range_words(name, SHARED[name], meaning))
    assert found == []


# --- playbooks -------------------------------------------------------------------------------

def playbook_passes(path):
    """``[(role, role variable, play variable)]``: what a playbook's include_role tasks pass on."""
    found = []
    for play in yaml.safe_load(path.read_text()) or []:
        for task in _tasks(play.get("tasks") or []):
            include = task.get("ansible.builtin.include_role") or task.get("include_role")
            if not include:
                continue
            role = str(include["name"]).rsplit(".", 1)[-1]
            for variable, value in (task.get("vars") or {}).items():
                match = _PASSED.match(str(value).strip())
                if match and not match.group(2):
                    found.append((role, variable, match.group(1)))
    return found


@pytest.mark.parametrize("playbook", sorted(p.name for p in (ROOT / "playbooks").glob("*.yml")))
def test_playbook_defaults_are_the_ones_that_apply(argspecs, playbook):
    """A play variable handed to a role variable that reaches a module option defaults to what
    applies without it: the role's own default, else the module's (the AWX survey repeats the
    play's, tests/integration/test_playbooks.py holds that)."""
    path = ROOT / "playbooks" / playbook
    plays = yaml.safe_load(path.read_text()) or []
    play_vars = dict((k, v) for play in plays for k, v in (play.get("vars") or {}).items())
    found = []
    for role, variable, play_variable in playbook_passes(path):
        if play_variable not in play_vars:
            continue
        defaults = role_defaults(role)
        for module, option, _omitted in role_passes(role).get(variable, []):
            declared = argspecs[module][option]
            applies = defaults[variable] if variable in defaults else declared.get("default")
            if normalised(dict(declared, default=play_vars[play_variable]), "default") != normalised(
                    dict(declared, default=applies), "default"):
                found.append("%s: %s defaults to %r, %r applies (%s of %s)" % (
                    playbook, play_variable, play_vars[play_variable], applies, option, module))
    assert found == []
