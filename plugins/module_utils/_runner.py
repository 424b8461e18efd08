# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The module shell: argument spec from the shared pieces, errors turned into ``fail_json``, and
``run_query``, the one run that the module, its action plugin and its lookup share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
import platform
import sys

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.actiongate.agents.plugins.module_utils._connection_options import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError
from ansible_collections.actiongate.agents.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.actiongate.agents.plugins.module_utils._interrupt import Interrupted, Interrupts, signal_name
from ansible_collections.actiongate.agents.plugins.module_utils._options import EXTENSION_KEYS, cap, url_passwords
from ansible_collections.actiongate.agents.plugins.module_utils._query import ActionQuery
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import registry
from ansible_collections.actiongate.agents.plugins.module_utils._wait_options import WAIT_SPEC

ISSUES = "https://github.com/actiongate/agents/issues"


def argument_spec(*pieces):
    """Merge argspec pieces (a later piece's entry replaces an earlier one's) into an AnsibleModule
    argument spec: an ``env`` list on an option becomes its fallback (``env_fallback_set``), and
    the other extension keys (``range``, ..., checked by ``Vendor.check_options``) are left out."""
    spec = {}
    for piece in pieces:
        for name, entry in piece.items():
            option = dict((key, copy.deepcopy(value)) for key, value in entry.items() if key not in EXTENSION_KEYS)
            if entry.get("env"):
                option["fallback"] = (env_fallback_set, list(entry["env"]))
            spec[name] = option
    return spec


def env_fallback_set(*names, **_kwargs):
    """The value of the first of ``names`` that is set and not empty (an AWX credential with a
    blank field injects ``''``, which counts as unset, so the option's default applies)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def lookup_options(lookup, variables=None, direct=None, environ=None):
    """``lookup.set_options``, with an empty environment variable counting as unset, as it does for
    the modules (``env_fallback_set``): Ansible takes ``''`` from the environment as a value, which
    would fail a ``choices`` check (``CORTEX_XDR_AUTH_TYPE=''``) or hide a default. An option not
    given directly whose environment value is ``''`` gets its default (None without one)."""
    environ = os.environ if environ is None else environ
    direct = dict(direct or {})
    blank = []
    for name, definition in lookup.option_definitions.items():
        if name in direct or not _blank_env(definition, environ) or _from_variables(definition, variables):
            continue
        if definition.get("default") is not None:
            direct[name] = definition["default"]
        else:
            blank.append(name)
    lookup.set_options(var_options=variables, direct=direct)
    for name in blank:  # no default: unset, rather than ''
        lookup._options[name] = None
        getattr(lookup, "_origins", {})[name] = "default"
    return lookup


def _blank_env(definition, environ):
    """Whether the value Ansible would take from the environment is ``''`` (the last set variable wins)."""
    value = None
    for entry in definition.get("env") or []:
        if environ.get(entry.get("name")) is not None:
            value = environ.get(entry.get("name"))
    return value == ""


def _from_variables(definition, variables):
    return any(entry.get("name") in (variables or {}) for entry in definition.get("vars") or [])


def status_argument_spec(vendor_cls):
    """The options of a vendor's status module, its action plugin and (but ``action_ids``, its
    terms) its lookup: connection, wait and the vendor's ``OPTIONS``, the vendor's last."""
    return argument_spec(CONNECTION_SPEC, WAIT_SPEC, vendor_cls.OPTIONS)


def status_module(vendor_cls, **kwargs):
    """The AnsibleModule of a vendor status module (connection, wait and vendor options)."""
    settings = dict(vendor_cls.MODULE_KWARGS, **kwargs)
    return AnsibleModule(argument_spec=status_argument_spec(vendor_cls), supports_check_mode=True, **settings)


def require_requests(module):
    """Fail clearly when the Python that runs the module lacks requests."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))


def requests_missing(where="controller"):
    """The message for a plugin that runs on the controller: name that Python, not the target's
    interpreter (``ansible_python_interpreter`` cannot help an action plugin or a lookup)."""
    return ("The requests Python library is required, and is not installed for the Python that runs "
            "Ansible on the %s: %s. Install it there, for example with %s -m pip install requests "
            "(or add it to the execution environment). %s" % (
                where, sys.executable, sys.executable, REQUESTS_IMPORT_ERROR or ""))


def failure(error, secrets):
    """The error's message (scrubbed, capped) and any partial result or details it carries, as a
    result dict, scrubbed throughout. The module shell, the action plugin base and the lookup base
    share it."""
    secrets = registry(secrets)
    result = getattr(error, "result", None) or {}
    details = getattr(error, "details", None) or {}
    outcome = dict(details, **result)
    outcome["msg"] = cap(secrets.scrub(str(error)))
    return secrets.scrub_data(outcome)


def unexpected(plugin, error, secrets):
    """The message of the last-resort catch: a bug, said plainly, without a traceback or a secret."""
    return cap(registry(secrets).scrub(
        "%s failed unexpectedly (%s: %s). This is a bug in actiongate.agents: please report it at %s with "
        "the task (without its credentials) and this message." % (plugin, type(error).__name__, error, ISSUES)))


def interrupted(plugin, error):
    """The failure of a run a signal stopped, when the process did not stop with it (``_interrupt``)."""
    return {"failed": True, "msg": "%s was interrupted by %s before it ended (the vendor session it opened was "
                                   "closed first)." % (plugin, signal_name(error.signum))}


def run_query(vendor_cls, options, secrets, plugin, work=None, **query_kwargs):
    """One run of a status module, its action plugin or its lookup: the query (``work(query)``,
    by default ``query.run()``), the vendor session closed once whatever happens, a SIGINT or
    SIGTERM included (``_interrupt.Interrupts``: the session is ended, then the signal goes on to
    whoever handled it before), and every byte that leaves scrubbed. Returns ``(result,
    warnings)``; a failure is ``failed`` and ``msg``."""
    query = None
    interrupts = Interrupts()
    try:
        with interrupts:
            try:
                query = ActionQuery(vendor_cls, options, secrets=secrets, **query_kwargs)
                result = work(query) if work is not None else query.run()
            except ActionGateError as error:
                result = dict(failure(error, secrets), failed=True)
            except Exception as error:  # the last-resort catch: no traceback
                result = {"failed": True, "msg": unexpected(plugin, error, secrets)}
            finally:
                if query is not None:
                    with interrupts.held():
                        query.close()
    except Interrupted as error:  # the handler before ours let the process go on
        result = interrupted(plugin, error)
    warnings = [cap(secrets.scrub(w)) for w in (query.warnings if query is not None else [])]
    return secrets.scrub_data(result), warnings


def vendor_result(vendor_cls, params, work, plugin, secrets=None):
    """What a module that is not a status module returns (fleet_agent_action, ...): ``work(vendor)``,
    or ``failed`` with the error's message, any unexpected exception a clean failure naming
    ``plugin`` (the last-resort catch), the whole result scrubbed. A SIGINT or SIGTERM ends the
    vendor's session (``close``) before the signal goes on (``_interrupt.Interrupts``). The module's ``main()``
    (run_vendor_module) and its action plugin in the worker process (``_module_action``) share it."""
    secrets = secrets if secrets is not None else vendor_cls.secret_registry(params)
    vendor = None
    try:
        with Interrupts():
            try:
                vendor = vendor_cls(params, client=vendor_cls.make_client(params, secrets=secrets))
                result = work(vendor)
            except ActionGateError as error:
                result = dict(failure(error, secrets), failed=True)
            except Exception as error:  # the last-resort catch: no traceback
                result = {"failed": True, "msg": unexpected(plugin, error, secrets)}
            except Interrupted:  # later signals are ignored until the block ends
                if vendor is not None:
                    end_session(vendor)
                raise
    except Interrupted as error:  # the handler before ours let the process go on
        result = interrupted(plugin, error)
    return secrets.scrub_data(result)


def end_session(vendor):
    """``vendor.close()`` (a logout, a token revoked) of an interrupted run; its trouble is dropped."""
    try:
        vendor.close()
    except Exception:  # the run is being stopped: nobody would read a warning
        pass


def exit_module(module, result, warnings=()):
    """``fail_json`` when the result says ``failed``, else ``exit_json``; warnings first."""
    for warning in warnings:
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


def run_vendor_module(module, vendor_cls, work):
    """The ``main()`` body of a module that is not a status module: ``work(vendor)`` returns the
    result (vendor_result). One secret registry shared with the client, and the URL's user info
    masked in ``invocation``."""
    secrets = vendor_cls.secret_registry(module.params)
    module.no_log_values.update(secrets.values)
    module.no_log_values.update(url_passwords(module.params, list(module.params)))
    exit_module(module, vendor_result(vendor_cls, module.params, work, plugin_name(module._name), secrets))


def plugin_name(name):
    """The plugin's fully qualified name, for messages."""
    name = str(name or "module")
    return name if "." in name else "actiongate.agents.%s" % name


def run_status_module(vendor_cls):
    """The whole ``main()`` of a status module."""
    module = status_module(vendor_cls)
    require_requests(module)
    secrets = vendor_cls.secret_registry(module.params)
    # AnsibleModule masks these in every result and in ``invocation`` (a URL's password among them).
    module.no_log_values.update(secrets.values)
    module.no_log_values.update(url_passwords(module.params, vendor_cls.option_names()))
    result, warnings = run_query(vendor_cls, module.params, secrets, plugin_name(module._name),
                                 check_mode=module.check_mode)
    if not result.get("failed"):
        result["changed"] = False
    exit_module(module, result, warnings)


def require_requests_on_target(module):
    """A module that runs on the target host (not through its action plugin): the message names
    that host and its Python, which is what the user can fix."""
    if not HAS_REQUESTS:
        module.fail_json(
            msg="%s runs on the target host (%s) with its Python (%s), which cannot import the Python library "
                "requests. Install requests for that Python, or run the task where it is installed "
                "(delegate_to: localhost)." % (plugin_name(module._name), platform.node(), sys.executable),
            exception=str(REQUESTS_IMPORT_ERROR))


def run_start_module(vendor_cls):
    """The whole ``main()`` of a module that is not a status module (a start module, an info
    module): connection and vendor options, check mode, ``vendor.run(check_mode=...)``."""
    module = AnsibleModule(argument_spec=argument_spec(CONNECTION_SPEC, vendor_cls.OPTIONS),
                           supports_check_mode=True, **vendor_cls.MODULE_KWARGS)
    require_requests_on_target(module)
    run_vendor_module(module, vendor_cls, lambda vendor: vendor.run(check_mode=module.check_mode))
