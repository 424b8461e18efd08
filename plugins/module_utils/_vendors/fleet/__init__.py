# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this package is not a public API of the collection and may change without notice.
"""Elastic Fleet (Kibana's Fleet API), one file per job:

- ``argspec.py``: the options of every Fleet plugin, their ranges and secret options;
- ``parse.py``: reading an ``action_status`` answer (pure: JSON in, statuses or the collection's
  malformed-answer error out);
- ``session.py``: ``Fleet``, the Kibana session (auth, space path) and the action_status reads;
- ``actions.py``: ``FleetActions``, starting bulk upgrade, bulk unenroll (or their dry run) and
  cancel through ``_start.py``;
- ``agents.py``: ``FleetAgents``, reading agents and the available versions for ``fleet_agent_info``.

The Kibana facts the code relies on, with their sources: docs/dev/vendors/fleet.md. Plugins import
from the file that defines a name; the classes are also re-exported here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.actions import FleetActions
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents

__all__ = ("Fleet", "FleetActions", "FleetAgents")
