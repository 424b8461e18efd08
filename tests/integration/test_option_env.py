"""An empty environment variable counts as unset, for modules and lookups alike: an AWX credential
with a blank field injects ``''``, which must neither fail a ``choices`` check
(``CORTEX_XDR_AUTH_TYPE=''``) nor hide an option's default (docs/dev/options.md).

No request is made: every run here is refused by the option checks (a URL that cannot work)."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.errors import AnsibleFallbackNotFound
from ansible.module_utils.testing import patch_module_args

from ansible_collections.actiongate.agents.plugins.module_utils import _runner
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import CortexXdr
from tests.integration.helpers import run_playbook

# Blank, as an AWX credential with empty fields injects them.
BLANK = {"CORTEX_XDR_URL": "", "CORTEX_XDR_AUTH_TYPE": "", "CORTEX_XDR_API_KEY_ID": "key-id", "CORTEX_XDR_API_KEY": "k3y"}
CHOICES_WORDS = ("one of", "Invalid value", "auth_type")


def test_the_fallback_skips_empty_variables(monkeypatch):
    monkeypatch.setenv("FIRST", "")
    monkeypatch.setenv("SECOND", "two")
    assert _runner.env_fallback_set("FIRST", "SECOND") == "two"
    monkeypatch.setenv("SECOND", "")
    with pytest.raises(AnsibleFallbackNotFound):
        _runner.env_fallback_set("FIRST", "SECOND", "UNSET_ACTIONGATE_TEST_VARIABLE")


def test_the_argspec_falls_back_with_it():
    spec = _runner.argument_spec({"auth_type": {"type": "str", "default": "standard", "env": ["CORTEX_XDR_AUTH_TYPE"],
                                                "range": (1, 2), "unit": "seconds"}})
    assert spec == {"auth_type": {"type": "str", "default": "standard",
                                  "fallback": (_runner.env_fallback_set, ["CORTEX_XDR_AUTH_TYPE"])}}


def module_run(monkeypatch, capsys, args, env):
    """One run of the Cortex XDR status module's main() in this process: (params, result)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    seen = {}
    real = _runner.status_module

    def status_module(vendor_cls, **kwargs):
        module = real(vendor_cls, **kwargs)
        seen.update(module.params)
        return module

    monkeypatch.setattr(_runner, "status_module", status_module)
    with patch_module_args(dict(args, _ansible_module_name="actiongate.agents.cortex_xdr_action_status")):
        with pytest.raises(SystemExit):
            _runner.run_status_module(CortexXdr)
    return seen, json.loads(capsys.readouterr().out)


def test_module_empty_auth_type_is_the_default(monkeypatch, capsys):
    params, result = module_run(monkeypatch, capsys, {"url": "ftp://xdr.example.com", "action_ids": ["7"]}, BLANK)
    assert params["auth_type"] == "standard"
    assert result["failed"] is True and result["msg"].startswith("url must start with https://"), result["msg"]


def test_module_set_auth_type_still_applies(monkeypatch, capsys):
    params, result = module_run(monkeypatch, capsys, {"url": "ftp://xdr.example.com", "action_ids": ["7"]},
                                dict(BLANK, CORTEX_XDR_AUTH_TYPE="advanced"))
    assert params["auth_type"] == "advanced" and result["failed"] is True


def test_module_empty_url_is_unset(monkeypatch, capsys):
    _params, result = module_run(monkeypatch, capsys, {"action_ids": ["7"]}, BLANK)
    assert result["failed"] is True and result["msg"] == "missing required arguments: url"
    assert not any(word in result["msg"] for word in ("one of", "Invalid value")), result["msg"]


class _Lookup:
    """What ``lookup_options`` needs of a lookup plugin: its option definitions and set_options."""

    def __init__(self, definitions):
        self.option_definitions = definitions
        self._options, self._origins = {}, {}
        self.direct = None

    def set_options(self, var_options=None, direct=None):
        self.direct = dict(direct)
        self._options = dict((name, direct.get(name, "<as Ansible reads it>")) for name in self.option_definitions)


def test_lookup_options_take_the_default_for_an_empty_variable():
    definitions = {
        "auth_type": {"default": "standard", "env": [{"name": "AUTH"}]},
        "identity_url": {"default": "https://identity.example.com/v2.0", "env": [{"name": "IDENTITY"}]},
        "url": {"env": [{"name": "URL"}]},
        "token": {"env": [{"name": "TOKEN"}]},
        "region": {"env": [{"name": "OLD_REGION"}, {"name": "REGION"}]},
        "wait_timeout": {"default": 1800},
        "given": {"default": "x", "env": [{"name": "GIVEN"}]},
        "from_vars": {"default": "y", "env": [{"name": "VARS"}], "vars": [{"name": "from_vars_var"}]},
    }
    environ = {"AUTH": "", "IDENTITY": "", "URL": "", "TOKEN": "t0k", "OLD_REGION": "", "REGION": "ORD",
               "GIVEN": "", "VARS": ""}
    lookup = _runner.lookup_options(_Lookup(definitions), {"from_vars_var": "z"}, {"given": "mine"}, environ=environ)
    assert lookup.direct == {"auth_type": "standard", "identity_url": "https://identity.example.com/v2.0", "given": "mine"}
    assert lookup._options["url"] is None and lookup._origins["url"] == "default"
    assert lookup._options["token"] == "<as Ansible reads it>" and "token" not in lookup._origins
    assert "region" not in lookup.direct and "wait_timeout" not in lookup.direct and "from_vars" not in lookup.direct


def test_module_and_lookup_in_a_play_with_blank_credential_fields(tmp_path):
    """Through Ansible: the module (its action plugin on the controller) and the lookup. Without
    the rule, both fail Ansible's choices check on auth_type ('' is not standard or advanced)."""
    lookup = "lookup('actiongate.agents.cortex_xdr_action_status', '7'%s)"
    run = run_playbook(tmp_path, [
        {"name": "module", "actiongate.agents.cortex_xdr_action_status": {"url": "ftp://xdr.example.com", "action_ids": ["7"]},
         "ignore_errors": True},
        {"name": "lookup", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % ", url='ftp://xdr.example.com'")},
         "ignore_errors": True},
        {"name": "lookup without url", "ansible.builtin.set_fact": {"found": "{{ %s }}" % (lookup % "")},
         "ignore_errors": True},
    ], env=BLANK)
    for name, words in (("module", "url must start with https://"), ("lookup", "url must start with https://"),
                        ("lookup without url", "needs url")):
        result = run.task(name)
        assert result["failed"] is True and words in result["msg"], (name, result["msg"])
        assert not any(word in result["msg"] for word in CHOICES_WORDS[:2]), (name, result["msg"])
    assert "Traceback" not in run.output
