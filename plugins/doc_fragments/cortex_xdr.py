# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # CortexXdr.OPTIONS (plugins/module_utils/_vendors/cortex_xdr/argspec.py) declares these options;
    # tests/unit/plugins/test_option_docs.py holds this text to it (docs/dev/options.md).
    # DOCUMENTATION: connection and credentials for modules (environment variables as fallbacks).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the tenant's API, V(https://api-<fqdn>) (the FQDN shown with the API key in
        Cortex XDR). A trailing C(/public_api/v1) is accepted too.
      - If not set, the value of the E(CORTEX_XDR_URL) environment variable is used.
    type: str
    required: true
  api_key_id:
    description:
      - The API key's ID (the ID column of the API Keys page), sent as C(x-xdr-auth-id).
      - If not set, the value of the E(CORTEX_XDR_API_KEY_ID) environment variable is used.
    type: str
    required: true
  api_key:
    description:
      - The API key. A standard key is sent as the C(Authorization) header as it is; an advanced key
        never leaves this host, only a SHA-256 hash of it with a fresh nonce and timestamp does. The key,
        and each hash and nonce made during the run, are masked in every message and result.
      - If not set, the value of the E(CORTEX_XDR_API_KEY) environment variable is used.
    type: str
    required: true
  auth_type:
    description:
      - The key's security level, chosen when the key was created.
      - V(advanced) signs every request with a 64-character nonce and the current time in
        milliseconds, so this host's clock must be close to the real time.
      - If not set, the value of the E(CORTEX_XDR_AUTH_TYPE) environment variable is used.
    type: str
    default: standard
    choices: [standard, advanced]
"""

    # PLUGINS: the same options for lookups, with their env entries.
    PLUGINS = r"""
options:
  url:
    description:
      - Base URL of the tenant's API, V(https://api-<fqdn>). A trailing C(/public_api/v1) is accepted too.
    type: str
    required: true
    env:
      - name: CORTEX_XDR_URL
  api_key_id:
    description:
      - The API key's ID, sent as C(x-xdr-auth-id).
    type: str
    required: true
    env:
      - name: CORTEX_XDR_API_KEY_ID
  api_key:
    description:
      - The API key. A standard key is sent as the C(Authorization) header as it is; an advanced key
        never leaves this host, only a SHA-256 hash of it with a fresh nonce and timestamp does.
    type: str
    required: true
    env:
      - name: CORTEX_XDR_API_KEY
  auth_type:
    description:
      - The key's security level, chosen when the key was created. V(advanced) signs every request
        with a nonce and the current time, so this host's clock must be close to the real time.
    type: str
    default: standard
    choices: [standard, advanced]
    env:
      - name: CORTEX_XDR_AUTH_TYPE
"""

    # QUERY: how to judge the endpoints, for modules and lookups alike.
    QUERY = r"""
options:
  completed_partial:
    description:
      - How an endpoint whose status is C(COMPLETED_PARTIAL) counts.
      - V(failure) counts it as a failed endpoint (within O(allowed_failures) the action can still
        succeed); V(success) counts it as a succeeded one.
    type: str
    default: failure
    choices: [failure, success]
"""
