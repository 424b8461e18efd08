# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Puppet Enterprise RBAC: the token both APIs take in ``X-Authentication``, or the exchange of
username and password for one at ``POST /rbac-api/v1/auth/token`` on the console (port 4433).

A token this run asks for lasts the run (``run_seconds``) plus ``TOKEN_MARGIN`` seconds, not PE's
one-hour default, and a long wait logs in again when it expires (``Vendor.get``). At the end of the
run, an interrupted one too, ``close`` revokes it (``DELETE /rbac-api/v2/tokens``); a token given in
``token`` is never revoked. The endpoints, the ``lifetime`` key and the default lifetime:
docs/dev/vendors/puppet.md ("RBAC tokens").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urlparse import urlsplit, urlunsplit

import math

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, AuthError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._http import envelope_message
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.argspec import SECRET_OPTIONS

TOKEN_PATH = "/rbac-api/v1/auth/token"
# Revokes the tokens listed in the body's revoke_tokens (any user may revoke a token it holds whole),
# 204 when done: https://help.puppet.com/pe/current/topics/rbac_api_v2_revoke_tokens_delete_tokens.htm
REVOKE_PATH = "/rbac-api/v2/tokens"
# The revocation's own budget at the end of the run (``client.short_budget``), also after the wait
# used up wait_timeout or was interrupted.
REVOKE_SECONDS = 2.0
RBAC_PORT = 4433  # console services (RBAC, activity); the orchestrator listens on 8143
# Seconds a requested token outlives the run's wait (or its request timeout without a wait).
TOKEN_MARGIN = 300


class PuppetVendor(Vendor):
    """RBAC token handling shared by the activity and orchestrator classes."""

    NAME = "puppet"
    NOUN = "job"
    SECRET_OPTIONS = SECRET_OPTIONS
    MODULE_KWARGS = {"required_together": [("username", "password")]}

    def __init__(self, options, client=None):
        super(PuppetVendor, self).__init__(options, client)
        # What this run tried, for the 401 hint (``auth_advice``): logins made with username and password.
        self.logins = 0
        # The token the last login obtained, revoked by ``close`` (never a token given in ``token``).
        self.obtained = None
        self.client.auth_hint = self.auth_advice
        if not options.get("token") and not (options.get("username") and options.get("password")):
            raise ConfigError("%s needs token (or PUPPET_TOKEN), or username and password (or PUPPET_USERNAME "
                              "and PUPPET_PASSWORD) to get one." % self.LABEL)
        if options.get("token"):
            self.use_token(options["token"])

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return ("The RBAC token is invalid or expired (tokens last one hour by default): get a new one "
                    "(puppet-access login) or set username and password so a token is requested for each run.")
        return "The RBAC user lacks the permission this call needs (activity: view; orchestrator: view jobs)."

    def auth_advice(self, status, body):
        """``auth_hint`` saying what this run tried before the 401: the token given, a login as the
        user (the run's first token), a renewal after a 401 (``Vendor.get``)."""
        if status != 401:
            return self.auth_hint(status, body)
        given = "The RBAC token given (token or PUPPET_TOKEN)"
        if not self.logins:
            if not self.options.get("token"):
                return self.auth_hint(status, body)
            if self.can_login():
                return ("%s was refused: it is invalid, expired (tokens last one hour by default) or revoked. Get a "
                        "new one, or leave token unset: username and password are set too, and would request a token "
                        "for each run." % given)
            return ("%s was refused: it is invalid, expired (tokens last one hour by default) or revoked. Get a new "
                    "one (puppet-access login), or set username and password instead so that each run requests its "
                    "own token." % given)
        login = "logged in as user %r at %s" % (self.options.get("username"), self.rbac_url())
        if self.options.get("token"):
            tried = "%s was refused, so this run %s and got a new token%s, which was refused too." % (
                given, login, " (%d logins)" % self.logins if self.logins > 1 else "")
        elif self.logins == 1:
            tried = "This run %s and got a token, which was refused." % login
        else:
            tried = "This run %s, and again after a 401 (%d logins in all): the newest token was refused too." % (
                login, self.logins)
        if self.rbac_url() != self.options.get("url"):
            return ("%s Check that rbac_url names the console of the same Puppet Enterprise as url (a token from "
                    "another console is not valid there), and that nothing revokes the user's tokens meanwhile." % tried)
        return "%s Check that nothing revokes the user's tokens meanwhile." % tried

    def rbac_url(self):
        return self.options.get("url")

    def can_login(self):
        return bool(self.options.get("username") and self.options.get("password"))

    def use_token(self, token):
        self.client.add_secret(token)
        self.client.set_header("X-Authentication", token)  # safe while pool workers send

    def run_seconds(self):
        """How long this run may still last, in seconds: what is left of the run's one deadline when
        it waits, else one request's ``request_timeout`` (``ApiClient.time_left``)."""
        return self.client.time_left()

    def token_lifetime(self):
        """RBAC ``lifetime`` in seconds ("331s"): the run (``run_seconds``) plus a margin, so a token
        this run obtained stops working soon after the run."""
        return "%ds" % (int(math.ceil(self.run_seconds())) + 1 + TOKEN_MARGIN)

    def login(self):
        """Exchange username and password for a token (RBAC ``POST /auth/token``)."""
        base = self.rbac_url().rstrip("/")
        self.client.allow_origin(base, "rbac_url")  # the user configured (or derived) it: credentials may go there
        body = {"login": self.options["username"], "password": self.options["password"],
                "lifetime": self.token_lifetime()}
        try:
            # Asking for a token changes nothing and a second token is harmless: retried as a read
            # (a 503 while the console restarts mid-wait is ridden out like any read).
            answer = self.client.post_json(base + TOKEN_PATH, body, idempotent=True)
        except AuthError as error:
            reason = envelope_message(error.body) or "HTTP %s" % error.status
            raise AuthError(self.client.message(
                "Puppet Enterprise RBAC at %s refused the login of user %r: %s. Check username and password "
                "(admin and api_user cannot get tokens)." % (self.rbac_url(), self.options["username"], reason)),
                error.status, error.body)
        token = _shape.text(answer.get("token")) if isinstance(answer, dict) else None
        if token is None:
            raise ApiError(self.client.message("Puppet Enterprise RBAC at %s answered the token request without a "
                                               "token (got %s)." % (self.rbac_url(), _shape.kind(answer))), 200, answer)
        self.logins += 1
        self.use_token(token)
        self.obtained = token

    def close(self):
        """Revoke the token this run obtained by logging in (``DELETE /rbac-api/v2/tokens`` with
        ``{"revoke_tokens": [token]}``: in the body, not the URL), so it does not outlive the run.
        Its own ``REVOKE_SECONDS`` budget. A token already refused (401, 403: expired or revoked)
        and a PE without the endpoint (404; the token expires with its lifetime) are fine; other
        trouble is raised for the shell to turn into a warning."""
        token, self.obtained = self.obtained, None
        if token is None:
            return
        url = self.rbac_url().rstrip("/") + REVOKE_PATH
        try:
            with self.client.short_budget(REVOKE_SECONDS):
                self.client.request("DELETE", url, json_body={"revoke_tokens": [token]}, expect_json=False)
        except AuthError:
            return
        except ApiError as error:
            if error.status == 404:
                return
            raise ApiError(self.revoke_failed(error), error.status)
        except ActionGateError as error:
            raise ApiError(self.revoke_failed(error), None)

    def revoke_failed(self, error):
        return self.client.message("Puppet Enterprise RBAC at %s: revoking the token this run obtained (DELETE %s) "
                                   "failed: %s It stays valid until its lifetime ends (the run's length plus %d seconds, from the "
                                   "login)." % (self.rbac_url(), REVOKE_PATH, str(error).rstrip(".") + ".", TOKEN_MARGIN))

    def ensure_login(self):
        """With username and password, log in on first use (Vendor.get re-logs in once per expiry)."""
        if "X-Authentication" in self.client.session.headers:
            return False
        self.login()
        return True


def console_url(url):
    """The console (RBAC) URL of an orchestrator URL: same scheme and host, port 4433."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = "[%s]" % host  # IPv6 literal
    return urlunsplit((parts.scheme, "%s:%d" % (host, RBAC_PORT), "", "", ""))
