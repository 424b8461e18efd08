"""The action plugin base: where a status task runs, and the task's environment while it runs."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from ansible_collections.actiongate.agents.plugins.plugin_utils._action import ActionStatusAction, environment


def plugin(load_name, become=False):
    """The base with only what runs_on_controller reads: the task's connection and play context."""
    action = ActionStatusAction.__new__(ActionStatusAction)
    action._connection = SimpleNamespace(_load_name=load_name, transport=load_name.rpartition(".")[2])
    action._play_context = SimpleNamespace(become=become)
    return action


@pytest.mark.parametrize("load_name, become, here", [
    ("ansible.builtin.local", False, True),  # connection: local, and delegate_to: localhost
    ("local", False, True),
    ("ansible.builtin.local", True, False),  # become: run as the module would, as that user
    ("ansible.builtin.ssh", False, False),
    ("ansible.builtin.paramiko_ssh", False, False),
    ("community.docker.docker", False, False),
    ("actiongate_target", False, False),
])
def test_runs_on_controller_only_for_a_local_connection_without_become(load_name, become, here):
    assert plugin(load_name, become).runs_on_controller() is here


def test_environment_overlays_then_restores_exactly(monkeypatch):
    monkeypatch.setenv("ACTIONGATE_TEST_KEPT", "controller")
    monkeypatch.setenv("ACTIONGATE_TEST_SHADOWED", "controller")
    monkeypatch.delenv("ACTIONGATE_TEST_ADDED", raising=False)
    before = dict(os.environ)
    with environment({"ACTIONGATE_TEST_SHADOWED": "task", "ACTIONGATE_TEST_ADDED": 8080}):
        assert os.environ["ACTIONGATE_TEST_SHADOWED"] == "task"
        assert os.environ["ACTIONGATE_TEST_ADDED"] == "8080"  # environment values are strings
        assert os.environ["ACTIONGATE_TEST_KEPT"] == "controller"
        os.environ["ACTIONGATE_TEST_SET_DURING_RUN"] = "x"
        del os.environ["ACTIONGATE_TEST_KEPT"]
    assert dict(os.environ) == before


def test_environment_is_restored_when_the_run_raises(monkeypatch):
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    before = dict(os.environ)
    with pytest.raises(RuntimeError):
        with environment({"HTTPS_PROXY": "http://proxy.example:3128"}):
            raise RuntimeError("boom")
    assert dict(os.environ) == before
