# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Cybereason.OPTIONS (plugins/module_utils/_vendors/cybereason/argspec.py) declares these options;
    # tests/unit/plugins/test_option_docs.py holds this text to it (docs/dev/options.md).
    # DOCUMENTATION: connection and credentials for modules (environment variables as fallbacks).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Cybereason server, such as V(https://tenant.cybereason.net) or
        V(https://server:8443).
      - If not set, the value of the E(CYBEREASON_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - User to log in as, through the login form (C(POST /login.html)). The session cookie
        (C(JSESSIONID)) it gets is kept for the whole run, waiting included, and masked in every
        message; when the session expires (a redirect or page to the login, or HTTP 401 or 403) the
        module logs in again once. At the end of the run it logs out (C(GET /logout)).
      - The user needs the System Admin role (and Sensor Admin L1 where sensor grouping is used).
        Users with two-factor authentication are not supported.
      - If not set, the value of the E(CYBEREASON_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(CYBEREASON_PASSWORD) environment variable is used.
    type: str
    required: true
"""

    # PLUGINS: the same options for lookups, with their env entries.
    PLUGINS = r"""
options:
  url:
    description:
      - Base URL of the Cybereason server, such as V(https://tenant.cybereason.net) or
        V(https://server:8443).
    type: str
    required: true
    env:
      - name: CYBEREASON_URL
  username:
    description:
      - User to log in as, through the login form (C(POST /login.html)). One login serves the
        whole lookup, waiting included; when the session expires (a redirect or page to the login,
        or HTTP 401 or 403) the lookup logs in again once. At the end it logs out (C(GET /logout)).
      - The user needs the System Admin role (and Sensor Admin L1 where sensor grouping is used).
        Users with two-factor authentication are not supported.
    type: str
    required: true
    env:
      - name: CYBEREASON_USERNAME
  password:
    description:
      - Password of O(username).
    type: str
    required: true
    env:
      - name: CYBEREASON_PASSWORD
"""

    # QUERY: what to read, for modules and lookups alike.
    QUERY = r"""
options:
  action_types:
    description:
      - When listing (no batch ids), only batches of these action types, such as V(Upgrade),
        V(Restart) or V(SchedulerScan) (compared without regard to case).
    type: list
    elements: str
    default: []
"""
