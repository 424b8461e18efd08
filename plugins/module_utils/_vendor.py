# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""What every vendor class shares: its client, its secrets, and the found/missing bookkeeping.

A vendor subclass declares ``NAME``, ``LABEL``, ``OPTIONS`` (its argspec piece, 1:1 with its
doc fragment), ``SECRET_OPTIONS``, and implements ``fetch(ids) -> {id: ActionStatus}`` and
``list_actions()``. It does no sleeping and imports nothing from Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

# CONNECTION_SPEC (every vendor module's options) and WAIT_SPEC (every status module's), declared in
# their own modules (docs/dev/options.md), are importable from here too.
from ansible_collections.actiongate.agents.plugins.module_utils._connection_options import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionNotFound, AuthError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient
from ansible_collections.actiongate.agents.plugins.module_utils._options import check_file, check_options, summarise, url_passwords
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import SecretRegistry
from ansible_collections.actiongate.agents.plugins.module_utils._wait_options import WAIT_SPEC

# The environment variable ``ca_path`` falls back to, per vendor (``Vendor.NAME``): what the AWX
# credential types in extensions/awx/credential_types/ set with their ``file`` injector. Read when
# the client is made, so the controller's environment (where AWX injects it) and, for the action
# plugins, the task's ``environment`` both count (docs/docsite/rst/authentication.rst).
CA_PATH_ENV = {
    "fleet": "FLEET_CA_PATH",
    "cortex_xdr": "CORTEX_XDR_CA_PATH",
    "cybereason": "CYBEREASON_CA_PATH",
    "puppet": "PUPPET_CA_PATH",
    "rackspace_backup": "RAX_CA_PATH",
}


def ca_path_from_env(vendor_name):
    """``<VENDOR>_CA_PATH``, or None. Empty counts as unset: an AWX credential with no CA injects ''."""
    name = CA_PATH_ENV.get(vendor_name)
    return (os.environ.get(name) or None) if name else None


def ca_path_setting(options, vendor_name):
    """The CA the client trusts: ``ca_path`` (checked with the other options), else
    ``<VENDOR>_CA_PATH``, whose file is checked here naming the variable (unless validate_certs is
    false: no CA is read then)."""
    if options.get("ca_path"):
        return options.get("ca_path")
    path = ca_path_from_env(vendor_name)
    if path and options.get("validate_certs") is not False:
        check_file("%s (the environment variable ca_path falls back to)" % CA_PATH_ENV[vendor_name], path, "ca")
    return path


def segment(value):
    """``value`` percent-encoded as exactly one URL path segment: ``/``, ``..``, ``?`` and ``#``
    cannot reach another path of the vendor's API with the caller's credentials."""
    text = str(value)
    if text in (".", ".."):
        raise ConfigError("%r is not a valid id." % (text,))
    return quote(text, safe="")


class Vendor:
    """Base of the five vendor classes."""

    NAME = None
    LABEL = None
    OPTIONS = {}
    SECRET_OPTIONS = ()
    URL_OPTION = "url"
    # What an id is called in messages ("action", "batch", "job", "backup").
    NOUN = "action"
    # Extra AnsibleModule arguments (required_together, required_one_of, ...).
    MODULE_KWARGS = {}
    # The vendor's accepted range of numeric options, inclusive, checked before any request:
    # ``{"per_page": (1, 1000)}``. Prefer a ``range`` key on the option's own entry in ``OPTIONS``
    # (``{"type": "int", "range": (1, 1000)}``): declared once, beside its type and default.
    OPTION_RANGES = {}

    def __init__(self, options, client=None):
        self.options = options
        self.client = client or self.make_client(options)
        # Renewals after a 401 (``get``): one lock, so the workers of a pool that all see the
        # same token refused log in once between them (_pool.read_each).
        self._renew_lock = threading.Lock()
        self._renewals = 0
        self._renewal_untried = False

    @classmethod
    def option_names(cls):
        """Every option this vendor's modules and lookups can take."""
        return set(CONNECTION_SPEC) | set(WAIT_SPEC) | set(cls.OPTIONS)

    @classmethod
    def check_options(cls, options):
        """Refuse options that cannot work (URLs, numbers, ranges) before any request: the ``range``
        of each entry of the shared specs and of ``OPTIONS``, and ``OPTION_RANGES``."""
        check_options(options, cls.option_names(), cls.OPTION_RANGES, cls.LABEL,
                      specs=(CONNECTION_SPEC, WAIT_SPEC, cls.OPTIONS))

    @classmethod
    def secret_registry(cls, options):
        """The run's one SecretRegistry, from the secret options (the client adds run-time ones)."""
        found = SecretRegistry(cls.secrets(options))
        for value in url_passwords(options, cls.option_names()):
            found.add(value)
        return found

    @classmethod
    def make_client(cls, options, **overrides):
        cls.check_options(options)
        url = options.get(cls.URL_OPTION)
        if not url:
            raise ConfigError("%s needs %s (the API base URL)." % (cls.LABEL, cls.URL_OPTION))
        settings = {
            "validate_certs": options.get("validate_certs") is not False,
            "ca_path": ca_path_setting(options, cls.NAME),
            "client_cert": options.get("client_cert"),
            "client_key": options.get("client_key"),
            "timeout": options.get("request_timeout") or 30.0,
            "secrets": cls.secrets(options),
            "auth_hint": cls.auth_hint,
        }
        settings.update(overrides)
        return ApiClient(url, cls.LABEL, **settings)

    @classmethod
    def secrets(cls, options):
        return [options.get(name) for name in cls.SECRET_OPTIONS if options.get(name)]

    @staticmethod
    def auth_hint(status, body):
        """A sentence telling the user what to check on 401/403 (vendors override)."""
        if status == 401:
            return "Check the credentials."
        return "The credentials lack a privilege this call needs."

    def fetch(self, action_ids):
        """``{action_id: ActionStatus}`` for the ids the vendor knows; missing ids are absent."""
        raise NotImplementedError

    def list_actions(self):
        """Recent or current actions, normalised, when no ids are asked for."""
        raise NotImplementedError

    def get(self, path, params=None):
        """GET JSON with the vendor's login: log in when needed, and once more on a 401 when the
        credentials allow a fresh login (a token or session that expired during a long wait)."""
        fresh = self.ensure_login()
        seen = self._renewals
        try:
            return self._worked(seen, self.client.get_json(path, params=params))
        except AuthError as error:
            if error.status != 401 or fresh or not self.can_login() or not self._renew(seen):
                raise
        seen = self._renewals
        return self._worked(seen, self.client.get_json(path, params=params))

    def _worked(self, seen, answer):
        """A request with the token of renewal ``seen`` was answered: if that is still the current
        token, it has worked, and may be renewed when it expires."""
        with self._renew_lock:
            if seen == self._renewals:
                self._renewal_untried = False
        return answer

    def _renew(self, seen):
        """Log in again after a 401 on the token of renewal ``seen``. A request sent before
        another worker's renewal just retries with the new token; a token from a renewal that has
        not yet worked is not renewed again (False: the 401 stands). At most one login per token."""
        with self._renew_lock:
            if self._renewals != seen:
                return True
            if self._renewal_untried:
                return False
            self.login()
            self._renewals += 1
            self._renewal_untried = True
            return True

    def ensure_login(self):
        """Log in if this run has not yet; True when it just did. Vendors with a login override it."""
        return False

    def login_first(self):
        """Log in before a pool of workers starts (each would log in otherwise). A token just
        obtained has not yet worked: a 401 on it stands, it is not renewed (``_renew``)."""
        if self.ensure_login():
            with self._renew_lock:
                self._renewal_untried = True

    def can_login(self):
        """Whether the options hold credentials for a fresh login (not just a fixed token)."""
        return False

    def login(self):
        raise NotImplementedError

    def close(self):
        """End what the run opened (a session: Cybereason logs out). Called once at the end of
        every run, success or failure; must not raise for a session that is already gone. Its
        requests go inside ``with self.client.short_budget(seconds):``, their own short budget,
        since the run's deadline may have passed (docs/dev/architecture.md, "The deadline")."""

    def result_extras(self):
        """Vendor-specific keys added to the module result (events, pagination, ...)."""
        return {}

    def statuses(self, action_ids, policy):
        """Statuses in the order asked, the policy applied; ActionNotFound names missing ids."""
        found = self.fetch(action_ids)
        missing = [i for i in action_ids if i not in found]
        if missing:
            raise ActionNotFound(self.not_found_message(missing), missing)
        return [policy.apply(found[i]) for i in action_ids]

    def not_found_message(self, missing):
        return "%s has no %s with id %s. %s" % (self.LABEL, self.NOUN, summarise(missing), self.NOT_FOUND_HINT)

    NOT_FOUND_HINT = "Check the id (and that the credentials can see it)."
