# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The action-group variants are named ACTION_GROUP_<VENDOR>, never just <VENDOR>: ansible-doc
    # resolves ``actiongate.agents.attributes.fleet`` to the vendor fragment doc_fragments/fleet.py
    # before it looks for a FLEET variable here, so the action_group attribute never showed.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Reads the status once and never waits.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
"""

    ACTION_GROUP_FLEET = r"""
attributes:
  action_group:
    description: Use C(group/actiongate.agents.fleet) or C(group/actiongate.agents.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - actiongate.agents.fleet
      - actiongate.agents.all
"""

    ACTION_GROUP_CORTEX_XDR = r"""
attributes:
  action_group:
    description: Use C(group/actiongate.agents.cortex_xdr) or C(group/actiongate.agents.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - actiongate.agents.cortex_xdr
      - actiongate.agents.all
"""

    ACTION_GROUP_CYBEREASON = r"""
attributes:
  action_group:
    description: Use C(group/actiongate.agents.cybereason) or C(group/actiongate.agents.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - actiongate.agents.cybereason
      - actiongate.agents.all
"""

    ACTION_GROUP_PUPPET = r"""
attributes:
  action_group:
    description: Use C(group/actiongate.agents.puppet) or C(group/actiongate.agents.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - actiongate.agents.puppet
      - actiongate.agents.all
"""

    ACTION_GROUP_RACKSPACE = r"""
attributes:
  action_group:
    description: Use C(group/actiongate.agents.rackspace) or C(group/actiongate.agents.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - actiongate.agents.rackspace
      - actiongate.agents.all
"""
