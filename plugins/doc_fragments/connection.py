# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # CONNECTION_SPEC in plugins/module_utils/_connection_options.py declares these options (type,
    # default, range); tests/unit/plugins/test_option_docs.py holds this text to it (docs/dev/options.md).
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
      - PEM file of the CA (or bundle) that signed the vendor server's certificate, such as a
        private or corporate CA. Without it the system's trusted CAs are used.
      - If not set, the vendor's environment variable is used (C(FLEET_CA_PATH), C(CORTEX_XDR_CA_PATH),
        C(CYBEREASON_CA_PATH), C(PUPPET_CA_PATH) or C(RAX_CA_PATH)); the AWX credential types set it.
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
      - Seconds to wait for one HTTP answer (connect and read). Must be more than V(0) and at
        most V(3600).
      - Without waiting, it is also the budget of each call with its retries. While waiting, no
        request, page or retry runs past the C(wait_timeout) deadline.
      - Reads (the status calls) are retried on connection errors, timeouts and HTTP 429, 502,
        503 and 504, with jittered backoff, honouring C(Retry-After); 401 and 403 never are. A
        call that starts or changes something (such as the bulk calls of
        M(actiongate.agents.fleet_agent_action)) is never retried.
    type: float
    default: 30
"""
