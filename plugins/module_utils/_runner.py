# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The module shell: argument spec from the shared pieces, errors turned into ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionFailed,
    ActionGateError,
    ActionTimeout,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    scrub,
)
from ansible_collections.actiongate.agents.plugins.module_utils._query import ActionQuery
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC, WAIT_SPEC


def argument_spec(*pieces):
    """Merge argspec pieces; an ``env`` list on an option becomes an ``env_fallback``."""
    spec = {}
    for piece in pieces:
        for name, option in piece.items():
            option = copy.deepcopy(option)
            env = option.pop("env", None)
            if env:
                option["fallback"] = (env_fallback, list(env))
            spec[name] = option
    return spec


def status_module(vendor_cls, **kwargs):
    """The AnsibleModule of a vendor status module (connection, wait and vendor options)."""
    settings = dict(vendor_cls.MODULE_KWARGS, **kwargs)
    return AnsibleModule(
        argument_spec=argument_spec(CONNECTION_SPEC, WAIT_SPEC, vendor_cls.OPTIONS),
        supports_check_mode=True, **settings)


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))


def failure(error, secrets):
    """The error's message (scrubbed) and any partial result or details it carries, as a result
    dict. The module shell and the action plugin base (plugin_utils/_action.py) share it."""
    result = getattr(error, "result", None) or {}
    details = getattr(error, "details", None) or {}
    outcome = dict(details, **result)
    outcome["msg"] = scrub(str(error), secrets)
    return outcome


def fail(module, error, secrets):
    """``fail_json`` with the error's message (scrubbed) and any partial result it carries."""
    module.fail_json(**failure(error, secrets))


def run_status_module(vendor_cls):
    """The whole ``main()`` of a status module."""
    module = status_module(vendor_cls)
    require_requests(module)
    secrets = vendor_cls.secrets(module.params)
    try:
        query = ActionQuery(vendor_cls, module.params, check_mode=module.check_mode)
        result = query.run()
    except (ActionFailed, ActionTimeout, ActionGateError) as error:
        fail(module, error, secrets)
    module.exit_json(changed=False, **result)
