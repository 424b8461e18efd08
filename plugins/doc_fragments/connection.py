# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Mirrors CONNECTION_SPEC in plugins/module_utils/_vendor.py.
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
      - Leave this on; to trust a private CA set O(ca_path) instead.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA (or bundle) that signed the server's certificate, such as the
        Puppet CA or a corporate CA in front of Kibana.
    type: path
  client_cert:
    description:
      - PEM client certificate to present, for servers that require mutual TLS.
      - May contain the key too; otherwise set O(client_key).
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert).
    type: path
  request_timeout:
    description:
      - Seconds to wait for one HTTP answer (connect and read).
      - While waiting, a request never runs past the C(wait_timeout) deadline.
      - Connection errors, timeouts, HTTP 429, 502, 503 and 504 are retried with jittered
        backoff, honouring C(Retry-After); 401 and 403 never are.
    type: float
    default: 30
"""
