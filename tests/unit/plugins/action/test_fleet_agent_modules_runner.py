"""The last-resort catch of the modules that are not status modules (fleet_agent_action,
fleet_agent_info): their plain-module ``main()`` (run_vendor_module) and their action plugin in the
worker process (ModuleAction.outcome) share one run, ``_runner.vendor_result``, so an unexpected
exception becomes the same clean failure on both paths: the plugin named, no traceback, no secret.

No answer a server can send reaches that catch (the vendor code turns any JSON into the collection's
own error: fleet_agent_info's reading is fed arbitrary JSON in test_fleet_agents.py, and 3,000
arbitrary answers to fleet_agent_action's POST and refusal read raised nothing else), so a vendor
whose work raises stands in for a bug here."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.actiongate.agents.plugins.action import fleet_agent_action as action_agent_action
from ansible_collections.actiongate.agents.plugins.action import fleet_agent_info as action_agent_info
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._runner import ISSUES, vendor_result
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.actions import FleetActions
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents
from ansible_collections.actiongate.agents.plugins.modules import fleet_agent_action, fleet_agent_info

SECRET = "Zx9/q+Lm=42-fleet-api-key"  # its URL-encoded and base64 forms differ from it
FORMS = (SECRET, quote(SECRET, safe=""), base64.b64encode(SECRET.encode()).decode())
URL = "https://kibana.example:5601"

# module, its action plugin, the vendor class, the task's arguments
PLUGINS = {
    "fleet_agent_action": (fleet_agent_action, action_agent_action, FleetActions,
                           {"url": URL, "api_key": SECRET, "action": "upgrade", "agents": ["a1"], "version": "8.15.0"}),
    "fleet_agent_info": (fleet_agent_info, action_agent_info, FleetAgents,
                         {"url": URL, "api_key": SECRET, "agents": ["a1"], "version": "8.15.0"}),
}


def bug(self, *args, **kwargs):
    """A vendor whose work hits a bug, the message quoting the key in every form it can take."""
    raise KeyError("answer field missing while holding %s" % " ".join(FORMS))


def assert_clean_failure(result, name):
    text = json.dumps(result)
    assert result["failed"] is True
    assert result["msg"].startswith("actiongate.agents.%s failed unexpectedly (KeyError: " % name), result["msg"]
    assert "This is a bug in actiongate.agents: please report it at %s" % ISSUES in result["msg"]
    assert "Traceback" not in text and "exception" not in result
    for form in FORMS:
        assert form not in text, form


def module_result(name, capsys):
    """The plain module's ``main()``, run in this process as AnsiballZ runs it."""
    module, _action, _vendor, args = PLUGINS[name]
    with patch_module_args(dict(args, _ansible_module_name="actiongate.agents.%s" % name)):
        with pytest.raises(SystemExit) as exited:
            module.main()
    assert exited.value.code == 1
    return json.loads(capsys.readouterr().out)


def action_result(name, check_mode=False):
    """The action plugin's run in the worker process (the task on the controller)."""
    _module, plugin, _vendor, args = PLUGINS[name]
    action = plugin.ActionModule.__new__(plugin.ActionModule)
    action._task = SimpleNamespace(args=dict(args), action=name, resolved_action="actiongate.agents.%s" % name,
                                   check_mode=check_mode)
    return action.run_here({})


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_an_unexpected_exception_in_the_plain_module_is_a_clean_failure_naming_it(name, monkeypatch, capsys):
    monkeypatch.setattr(PLUGINS[name][2], "run", bug)
    result = module_result(name, capsys)
    assert_clean_failure(result, name)
    assert result["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_the_action_plugin_fails_the_same_way_as_the_module(name, monkeypatch, capsys):
    monkeypatch.setattr(PLUGINS[name][2], "run", bug)
    in_process = action_result(name)
    assert_clean_failure(in_process, name)
    assert in_process["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert in_process["msg"] == module_result(name, capsys)["msg"]


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_the_collections_own_error_keeps_its_message_on_both_paths(name, monkeypatch, capsys):
    def refused(self, *args, **kwargs):
        raise ConfigError("agents: refused while holding %s" % " ".join(FORMS))

    monkeypatch.setattr(PLUGINS[name][2], "run", refused)
    for result in (module_result(name, capsys), action_result(name)):
        assert result["failed"] is True and result["msg"].startswith("agents: refused while holding ")
        assert "unexpectedly" not in result["msg"]
        assert not any(form in json.dumps(result) for form in FORMS)


def test_vendor_result_builds_the_vendor_with_the_runs_registry_and_returns_the_work_scrubbed():
    seen = []

    def work(vendor):
        seen.append(vendor)
        return {"changed": False, "echo": "the key was %s" % SECRET}

    params = dict(PLUGINS["fleet_agent_info"][3], space_id=None, username=None, password=None)
    result = vendor_result(FleetAgents, params, work, "actiongate.agents.fleet_agent_info")
    assert isinstance(seen[0], FleetAgents) and seen[0].client.base_url.startswith(URL)
    assert result == {"changed": False, "echo": "the key was ********"}
