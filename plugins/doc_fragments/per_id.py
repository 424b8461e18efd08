# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # PER_ID_OPTIONS in plugins/module_utils/_per_id_options.py declares this option (type, default,
    # range) of the plugins whose vendor answers one id per request (Cortex XDR, Puppet jobs,
    # Rackspace backups and restores); tests/unit/plugins/test_option_docs.py holds this text to it.
    # The same text for modules and lookups (the option has no environment variable).
    DOCUMENTATION = r"""
options:
  max_concurrent_requests:
    description:
      - The vendor answers one id per request, so each read (each poll while waiting) sends one request per id.
        At most this many of them are in flight at once; V(1) reads the ids one after the other.
      - The results keep the order of the ids asked, and every request stays within the one O(wait_timeout)
        deadline. A C(429) answer with C(Retry-After) to any of them holds back every request of the run until
        then; a login (or the renewal of an expired token) happens once, not once per request.
      - The first id whose read fails (in the order asked) fails the read, with a message naming it; reads not
        yet started are not started.
      - Must be a whole number from V(1) to V(64).
    type: int
    default: 8
"""
