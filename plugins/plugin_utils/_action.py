# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one action plugin base: a status module's work, where the task runs.

A module cannot print while it runs, and AWX streams only the play output, so a 30-minute wait
inside a module is 30 silent minutes. When the task runs on the controller (connection
``local``, which ``delegate_to: localhost`` also gives, and no ``become``), the action plugin of
the same name runs the module's ActionQuery itself (one task run, one client, one wait),
printing a progress line through Display at least every ``progress_interval`` seconds. It
validates with the module's own argument spec (the validator behind
ActionBase.validate_argument_spec), so defaults, environment fallbacks, ``no_log`` masking,
check mode and failures are those of the module.

The task's ``environment`` is laid over the controller's environment (where AWX injects
credentials) for the whole in-process run, so it feeds the fallbacks and every request, as it
would a module: HTTP_PROXY, HTTPS_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE are read by requests
on each call, ``<VENDOR>_CA_PATH`` by the client. The controller's environment is restored
afterwards (the worker process runs one task for one host).

Any other connection (ssh to a jump host, a container, ``become``) runs the module on that
host as a normal module (``_execute_module``): its environment, the task's ``environment``,
its Python and its network path apply, and there are no live progress lines. So does a task
with ``async`` (on any connection), as it would for any module: the wait then runs in the
background job Ansible starts for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.actiongate.agents.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.actiongate.agents.plugins.module_utils._runner import (
    argument_spec,
    plugin_name,
    requests_missing,
    run_query,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC, WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import _native
from ansible_collections.actiongate.agents.plugins.plugin_utils._progress import Progress


@contextlib.contextmanager
def environment(overrides):
    """The task's ``environment`` on top of the controller's for the block, then the controller's
    environment exactly as it was (values added, changed or removed meanwhile are undone)."""
    saved = dict(os.environ)
    os.environ.update(dict((str(k), str(v)) for k, v in overrides.items()))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class ActionStatusAction(ActionBase):
    """Subclasses set ``VENDOR`` (the vendor class the module of the same name runs)."""

    VENDOR = None
    _supports_check_mode = True
    # ``async`` runs the module as a module (run_on_target), as ``normal`` would.
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionStatusAction, self).run(tmp, task_vars)
        del tmp
        if self._task.async_val or not self.runs_on_controller():
            return self.run_on_target(result, task_vars)
        task_environment = {}
        self._compute_environment_string(task_environment)
        with environment(task_environment):
            result.update(self.run_here(task_vars))
        return result

    def runs_on_controller(self):
        """True when a module would run on the controller as this user: connection ``local``
        (also what ``delegate_to: localhost`` gives) and no ``become``."""
        name = getattr(self._connection, "_load_name", None) or self._connection.transport
        return str(name).rsplit(".", maxsplit=1)[-1] == "local" and not self._play_context.become

    def run_on_target(self, result, task_vars):
        """The module itself, shipped to and run on the task's host, as ``normal`` runs a module
        (in the background when the task is ``async``: the job then still needs its files)."""
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def run_here(self, task_vars):
        """The module's result, computed in this process (the task's environment already applied)."""
        vendor = self.VENDOR
        # ActionBase.validate_argument_spec raises on bad input with a message naming this plugin's
        # Python path; the validator it wraps lets the result name the module, as AnsibleModule does.
        validator = ArgumentSpecValidator(argument_spec(CONNECTION_SPEC, WAIT_SPEC, vendor.OPTIONS),
                                          **vendor.MODULE_KWARGS)
        validation = validator.validate(dict(self._task.args))
        params = _native(validation.validated_parameters)
        if validation.error_messages:
            outcome = {"failed": True, "msg": self.invalid(validation)}
        else:
            outcome = self.outcome(params, (task_vars or {}).get("inventory_hostname"))
        outcome["invocation"] = {"module_args": params}
        # Then every other form of a secret (encodings, a URL's user info) in invocation too.
        return vendor.secret_registry(params).scrub_data(masked(outcome, validation._no_log_values))

    def invalid(self, validation):
        message = validation.errors.msg
        if isinstance(validation.errors[0], UnsupportedError):
            message = "Unsupported parameters for (%s) module: %s" % (self._task.resolved_action, message)
        return message

    def outcome(self, params, host):
        """What the module would return: its result, or ``failed`` with its message. One secret
        registry for the run; the result, warnings and progress lines are scrubbed with it, and
        any unexpected exception becomes a clean failure (_runner.run_query)."""
        if not HAS_REQUESTS:
            return {"failed": True, "msg": requests_missing()}
        vendor = self.VENDOR
        secrets = vendor.secret_registry(params)
        label = "%s%s" % ("[%s] " % host if host else "", vendor.LABEL)
        progress = Progress(label, params.get("progress_interval"), scrub=secrets.scrub)
        result, warnings = run_query(vendor, params, secrets, plugin_name(self._task.resolved_action or self._task.action),
                                     check_mode=self._task.check_mode, on_poll=progress.on_poll, sleep=progress.sleep,
                                     on_trouble=progress.on_trouble)
        if warnings:
            result["warnings"] = warnings
        if not result.get("failed"):
            result["changed"] = False
        return result


def masked(result, no_log_values):
    """``no_log`` values masked as AnsibleModule masks them (booleans and None kept)."""
    preserved = dict((k, v) for k, v in result.items() if v is None or isinstance(v, bool))
    result = remove_values(result, no_log_values)
    result.update(preserved)
    return result
