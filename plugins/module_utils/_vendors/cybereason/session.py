# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason's session side: the form login, a second login when the session is gone, the logout,
and ``GET /rest/sensors/allActions`` (docs/dev/vendors/cybereason.md). What an answer means is
``parse.py``'s job.

Login is a browser form (``POST /login.html``) that answers HTTP 200 with HTML even when it fails;
the ``JSESSIONID`` cookie then authorises every call until it expires (8 h), after which REST calls
get a redirect to the login page, the page itself, or a 401 or 403 instead of JSON. ``GET /logout``
ends the session (forensic-security/cybereason ``src/cybereason/client.py``, ``logout``).
``allActions`` has no parameters: one read lists every current or queued batch, and finished
batches drop off it after a while.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionGateError, ApiError, AuthError, ConfigError, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.argspec import OPTIONS, SECRET_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.parse import (
    ACTIONS_PATH, batch_key, parse_actions, parse_listing, shape_error,
)

LOGIN_PATH = "/login.html"
LOGOUT_PATH = "/logout"
# The logout's own time budget (seconds): a run never waits longer than this to end its session.
LOGOUT_SECONDS = 2.0
SESSION_COOKIE = "JSESSIONID"
# REST calls must carry this header (api-doc retrieveActions.html); the login form must not.
REST_HEADERS = {"Content-Type": "application/json"}


def scrubbed(error, message):
    """``error`` with ``message`` (the client's secret scrubber) applied to its text."""
    error.message = message(error.message)
    error.args = (error.message,) + tuple(error.args[1:])
    return error


class Cybereason(Vendor):
    NAME = "cybereason"
    LABEL = "Cybereason"
    NOUN = "batch"
    NOT_FOUND_HINT = ("allActions lists only current or queued batches, and finished batches drop off it "
                      "after a while: check the batch id (the batchId the action call returned), and read it "
                      "soon after it starts.")
    SECRET_OPTIONS = SECRET_OPTIONS
    OPTIONS = OPTIONS

    def __init__(self, options, client=None):
        super(Cybereason, self).__init__(options, client)
        if not options.get("username") or not options.get("password"):
            raise ConfigError("Cybereason needs username and password (or CYBEREASON_USERNAME and "
                              "CYBEREASON_PASSWORD).")
        for action_id in options.get("action_ids") or []:
            if str(action_id).strip():
                batch_key(action_id)  # refuse a malformed id before any request
        self.logged_in = False
        self.logged_out = False
        self.last_seen = {}

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return "Check username and password."
        return ("The user needs the System Admin role (and Sensor Admin L1 where sensor grouping is used) "
                "to read allActions.")

    # ---- session --------------------------------------------------------------------------------

    def login(self):
        """Form login (api-doc authentication.html); keeps the JSESSIONID cookie in the client session."""
        self.client.session.cookies.clear()
        response = self.client.request(
            "POST", LOGIN_PATH, data={"username": self.options["username"], "password": self.options["password"]},
            expect_json=False, idempotent=True)
        session_id = self.session_id()
        # Even a refused login can hand out a (useless) session cookie: mask it all the same.
        self.client.add_secret(session_id)
        problem = login_problem(response.url, response.text, session_id)
        if problem:
            raise AuthError(self.client.message("Cybereason login as %r at %s failed: %s" % (
                self.options["username"], self.client.base_url, problem)), response.status)
        self.logged_in = True

    def close(self):
        """Log out (``GET /logout``, as forensic-security/cybereason's client does on close), so the
        session this run opened does not stay valid for its 8 hours. One attempt with its own
        ``LOGOUT_SECONDS`` budget, also after a wait that used up ``wait_timeout`` (the run ends at
        most that much later). A session that is already gone (a redirect to the login page, 401,
        403) is fine; other trouble is raised for the shell to turn into a warning."""
        if not self.logged_in:
            return
        self.logged_in = False
        client = self.client
        try:
            with client.short_budget(LOGOUT_SECONDS):
                client.request("GET", LOGOUT_PATH, expect_json=False, allow_redirects=False, idempotent=False)
        except AuthError:
            return
        except ActionGateError as error:
            raise TransportError(client.message("Cybereason logout (GET %s) failed: %s The session ends by itself "
                                                "when it expires." % (LOGOUT_PATH, error)))
        self.logged_out = True

    def session_id(self):
        return next((c.value for c in self.client.session.cookies if c.name == SESSION_COOKIE), None)

    def all_actions(self):
        """The allActions answer; an expired session (a redirect or HTML page to the login, or a 401
        or 403) gets one fresh login, then a clear error."""
        if not self.logged_in:
            self.login()
        body = self.read_actions(session_may_be_gone=True)
        if body is None:
            self.login()
            body = self.read_actions(session_may_be_gone=False)
        if body is None:
            raise AuthError("Cybereason answered GET %s with its login page again right after a fresh login, "
                            "so it does not accept the session. Check that the user may use the API and that no "
                            "proxy drops the %s cookie." % (ACTIONS_PATH, SESSION_COOKIE))
        return body

    def read_actions(self, session_may_be_gone):
        """Parsed allActions, or None when the answer says the session is gone: a redirect or the
        login page (docs/dev/vendors/cybereason.md "Sessions"), or a 401 or 403 while the session
        may have expired. Right after a fresh login a 401 or 403 is a real refusal and is raised
        with its hint. An empty answer is the collection's shape error, not a sign of a lost session."""
        try:
            response = self.client.request("GET", ACTIONS_PATH, headers=REST_HEADERS, allow_redirects=False)
        except AuthError as error:
            if session_may_be_gone and error.status in (401, 403):
                return None
            raise
        except ApiError as error:
            if is_login_answer(error.status, error.body):
                return None
            raise
        if 300 <= response.status < 400:
            return None
        if response.body is None:  # an empty body, or JSON null: not the login page, so no second login
            raise scrubbed(shape_error("the answer is %s, not a list of batches" % (
                "null" if (response.text or "").strip() else "empty"), response.text), self.client.message)
        return response.body

    def parsed(self, parser, *args):
        """``parser(*args)`` (a ``parse`` function); its error's text is scrubbed of the run's secrets."""
        try:
            return parser(*args)
        except ApiError as error:
            raise scrubbed(error, self.client.message)

    # ---- statuses -------------------------------------------------------------------------------

    def fetch(self, action_ids):
        wanted = {}
        for action_id in action_ids:
            wanted.setdefault(batch_key(action_id), []).append(action_id)
        found = self.parsed(parse_actions, self.all_actions(), wanted)
        for action_id, status in found.items():
            self.last_seen[action_id] = status.summary()
        return found

    def list_actions(self):
        return self.parsed(parse_listing, self.all_actions(), self.options.get("action_types"))

    def not_found_message(self, missing):
        message = super(Cybereason, self).not_found_message(missing)
        seen = ["%s (last seen as %s)" % (i, self.last_seen[i]) for i in missing if i in self.last_seen]
        if seen:
            message += (" Listed earlier in this run, then gone: %s. A finished batch drops off allActions, "
                        "so its outcome can no longer be read." % "; ".join(seen))
        return message


def login_problem(url, text, session_id):
    """Why a login answer is not a logged-in session, or None. Failed logins are HTTP 200 HTML:
    the final URL carries ``error`` (``reset`` for an expired password) or the page is the
    ``<app-login>`` form again (docs/dev/vendors/cybereason.md "Login")."""
    parts = urlsplit(url or "")
    where = (parts.path + "?" + parts.query).lower()
    text = text or ""
    if "reset" in where:
        return "the password has expired. Set a new one in the Cybereason console."
    if "error" in where or "<app-login" in text:
        return "the server answered with its login page. Check username and password."
    if "Two factor authentication" in text:
        return ("the user has two-factor authentication, which this collection does not support. "
                "Use an API user without it.")
    if not session_id:
        return "the server set no %s session cookie." % SESSION_COOKIE
    return None


def is_login_answer(status, body):
    """A redirect or an HTML page where JSON was expected: the session is gone
    (docs/dev/vendors/cybereason.md "Sessions")."""
    if status is None or status >= 400:
        return False
    return 300 <= status < 400 or (isinstance(body, str) and body.lstrip().startswith("<"))
