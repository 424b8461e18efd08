# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the fleet_agent_info module's read in the worker process when the task runs on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents
from ansible_collections.actiongate.agents.plugins.plugin_utils._module_action import ModuleAction


class ActionModule(ModuleAction):
    VENDOR = FleetAgents

    def work(self, vendor):
        return vendor.run()
