# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the rackspace_backup_start module's requests in the worker process when the task runs on the
controller (no module process); on another host, the module runs there."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.start import RackspaceBackupStart
from ansible_collections.actiongate.agents.plugins.plugin_utils._module_action import ModuleAction


class ActionModule(ModuleAction):
    VENDOR = RackspaceBackupStart

    def work(self, vendor):
        return vendor.run(check_mode=self._task.check_mode)
