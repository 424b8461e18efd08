# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Action plugin base for the modules that are not status modules (fleet_agent_info,
fleet_agent_action): their work, in the worker process, when the task runs on the controller.

A module run costs about a third of a CPU second (a new Python process that imports requests);
the fleet_rollout role reads versions and starts an action for every batch, so these run in the
worker process, as the status modules' waits do (``_action.ActionStatusAction``: where it runs,
the task's environment, masking). The argument spec is the module's own (connection options and
the vendor class's ``OPTIONS``, no wait options), so defaults, fallbacks, ``no_log`` masking and
failures are those of the module. On any other connection, or when the task names another Python
(``ansible_python_interpreter`` set to a path that is not the controller's), the module runs as a
module, on that host with that Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.actiongate.agents.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.actiongate.agents.plugins.module_utils._runner import (
    argument_spec,
    plugin_name,
    requests_missing,
    vendor_result,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.plugin_utils._action import ActionStatusAction, masked
from ansible_collections.actiongate.agents.plugins.plugin_utils._lookup import _native


class ModuleAction(ActionStatusAction):
    """Subclasses set ``VENDOR`` and implement ``work(vendor)``: what the module's ``main()`` does
    with the vendor object, returning the module's result."""

    _same_python = True

    def run(self, tmp=None, task_vars=None):
        self._same_python = self.uses_our_python(task_vars or {})
        return super(ModuleAction, self).run(tmp, task_vars)

    def runs_on_controller(self):
        return self._same_python and super(ModuleAction, self).runs_on_controller()

    def uses_our_python(self, task_vars):
        """False when the task names a Python other than the controller's: the module must run with it."""
        wanted = task_vars.get("ansible_python_interpreter")
        if wanted is not None:
            wanted = self._templar.template(wanted)
        if not wanted or str(wanted).startswith("auto"):
            return True
        # The same interpreter file *and* the same bin directory: every venv's python resolves to its
        # base interpreter, so comparing real paths alone would take a venv without requests for ours.
        wanted = str(wanted)
        return (os.path.realpath(wanted) == os.path.realpath(sys.executable)
                and os.path.realpath(os.path.dirname(wanted)) == os.path.realpath(os.path.dirname(sys.executable)))

    def run_here(self, task_vars):
        vendor = self.VENDOR
        validator = ArgumentSpecValidator(argument_spec(CONNECTION_SPEC, vendor.OPTIONS), **vendor.MODULE_KWARGS)
        validation = validator.validate(dict(self._task.args))
        params = _native(validation.validated_parameters)
        if validation.error_messages:
            outcome = {"failed": True, "msg": self.invalid(validation)}
        else:
            outcome = self.outcome(params, None)
        outcome["invocation"] = {"module_args": params}
        # Then every other form of a secret (encodings, a URL's user info) in invocation too.
        return vendor.secret_registry(params).scrub_data(masked(outcome, validation._no_log_values))

    def outcome(self, params, host):
        """The module's result, computed here: the same run as the module's ``main()`` (vendor_result)."""
        if not HAS_REQUESTS:
            return {"failed": True, "msg": requests_missing()}
        return vendor_result(self.VENDOR, params, self.work, plugin_name(self._task.resolved_action or self._task.action))

    def work(self, vendor):
        raise NotImplementedError
