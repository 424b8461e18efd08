# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the fleet_action_status module's work on the controller, printing progress while it waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet
from ansible_collections.actiongate.agents.plugins.plugin_utils._action import ActionStatusAction


class ActionModule(ActionStatusAction):
    VENDOR = Fleet
