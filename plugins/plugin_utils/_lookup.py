# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one lookup base: options from ``set_options``, one normalised dict per action id."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionNotFound
from ansible_collections.actiongate.agents.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.actiongate.agents.plugins.module_utils._runner import lookup_options, plugin_name, requests_missing, run_query
from ansible_collections.actiongate.agents.plugins.plugin_utils._progress import Progress

display = Display()


class LookupOptions:
    """``get(name)`` over a lookup's options, so the module code reads them unchanged.

    Values are converted to native types: since ansible-core 2.19 variables may be
    subclasses of str/int that some libraries (requests headers) reject.
    """

    def __init__(self, lookup, overrides=None):
        self._lookup = lookup
        self._overrides = overrides or {}

    def get(self, name, default=None):
        if name in self._overrides:
            return self._overrides[name]
        try:
            value = self._lookup.get_option(name)
        except KeyError:
            return default
        return _native(value) if value is not None else default

    def __getitem__(self, name):
        return self.get(name)


def _native(value):
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return to_native(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return dict((to_native(k), _native(v)) for k, v in value.items())
    return value


class ActionStatusLookup(LookupBase):
    """Subclasses set ``VENDOR`` (a vendor class) and nothing else.

    Like the module: one secret registry for the run, options checked before any request, the
    vendor session closed at the end, and every return value, warning, progress line and error
    scrubbed. In check mode (``--check``) it reads once and never waits."""

    VENDOR = None

    def run(self, terms, variables=None, **kwargs):
        if not HAS_REQUESTS:
            raise AnsibleLookupError(requests_missing())
        lookup_options(self, variables, kwargs)  # an empty environment variable counts as unset
        ids = [to_native(t).strip() for t in _flatten(terms) if to_native(t).strip()]
        options = LookupOptions(self, {"action_ids": ids})
        secrets = self.VENDOR.secret_registry(options)
        progress = Progress(self.VENDOR.LABEL, options.get("progress_interval"), scrub=secrets.scrub)
        check_mode = bool((variables or {}).get("ansible_check_mode"))
        result, warnings = run_query(
            self.VENDOR, options, secrets, "%s lookup" % plugin_name(self._load_name),
            work=lambda query: {"actions": self._statuses(query, ids)},
            check_mode=check_mode, on_poll=progress.on_poll, sleep=progress.sleep, on_trouble=progress.on_trouble)
        for warning in warnings:
            display.warning(warning)
        if result.get("failed"):
            raise AnsibleLookupError(result["msg"])
        return result["actions"]

    def _statuses(self, query, ids):
        if not ids:
            return query.run()["actions"]
        if query.waiting:
            return query.run(ids)["actions"]
        on_missing = self.get_option("on_missing")
        found = query.vendor.fetch(ids)
        missing = [i for i in ids if i not in found]
        if missing and on_missing == "error":
            raise ActionNotFound(query.vendor.not_found_message(missing), missing)
        if missing and on_missing == "warn":
            query.warnings.append(query.vendor.not_found_message(missing))
        return [query.action_dict(query.policy.apply(found[i])) for i in ids if i in found]


def _flatten(terms):
    for term in terms:
        if isinstance(term, (list, tuple)):
            yield from _flatten(term)
        else:
            yield term
