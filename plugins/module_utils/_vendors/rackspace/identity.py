# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The session side of Rackspace Identity v2.0 and the Cloud Backup endpoint: the credentials, the
token (given, or from ``POST <identity_url>/tokens``, renewed once on a 401), and the endpoint URL
(given, or the catalog's ``rax:backup`` one) in the API version a class calls.

Every call carries ``X-Auth-Token``; a token lasts about a day. A token this run obtained is
revoked when the run ends, an interrupted one too (``close``: ``DELETE <identity_url>/tokens``, which
revokes the caller's own token); a token given in ``token`` never is. Identity's answer is read by
``parse_identity.py``. The facts and their sources: docs/dev/vendors/rackspace.md ("Identity v2.0
and the service catalog", "Endpoints and API versions").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, AuthError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor, segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.argspec import IDENTITY_URL, SECRET_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.parse_identity import (
    identity_refusal, parse_access,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import API_VERSIONS, LABEL, NAME, V2

_VERSION_SEGMENT = re.compile(r"\Av[0-9]+(\.[0-9]+)?\Z")
# "A user can revoke their own authentication token by submitting the DELETE request without
# specifying the tokenId parameter": 204, or 404 for a token that is not valid
# (rackerlabs/docs-cloud-identity src/rst/api-operations/DELETE_revoke_token_v2.0_tokens.rst).
REVOKE_SECONDS = 2.0


class _Overlay:
    """``get(name)`` over options with a few values replaced (options may be a lookup's reader)."""

    def __init__(self, options, **values):
        self.options, self.values = options, values

    def get(self, name, default=None):
        return self.values[name] if name in self.values else self.options.get(name, default)


def split_endpoint(url):
    """``(root, version, project)`` of a Cloud Backup URL: ``root`` is everything before the
    version segment (``/v1.0``, ``/v2``); version and project are None when the URL names none.
    A catalog ``publicURL`` names both; a regional host such as
    ``https://dfw.backup.api.rackspacecloud.com`` neither."""
    parts = urlsplit(url.strip().rstrip("/"))
    segments = [s for s in parts.path.split("/") if s]
    found = [i for i, s in enumerate(segments) if _VERSION_SEGMENT.match(s)]
    if not found:
        return url.strip().rstrip("/"), None, None
    index = found[-1]
    if len(segments) > index + 2:
        raise ConfigError("The Cloud Backup URL %s goes past <version>/<project_id>: give the endpoint only "
                          "(such as https://dfw.backup.api.rackspacecloud.com/v1.0/123456)." % url)
    version = segments[index]
    if version not in API_VERSIONS:
        raise ConfigError("The Cloud Backup URL %s names API version %s; Cloud Backup has v1.0 and v2." % (url, version))
    root = urlunsplit((parts.scheme, parts.netloc, "/".join([""] + segments[:index]), "", ""))
    return root, version, (segments[index + 1] if len(segments) > index + 1 else None)


def endpoint_base(url, project_id, version=None):
    """``<root>/<version>/<project_id>``, whether ``url`` is a bare host, ends in a version, or is
    a catalog ``publicURL`` that already names version and project (the project is optional in
    paths). ``version`` None keeps the URL's (v2 for a bare host)."""
    root, named_version, named_project = split_endpoint(url)
    if named_project and project_id and named_project != project_id:
        raise ConfigError("The Cloud Backup URL %s names project %s but project_id is %s; "
                          "leave one of them out or make them agree." % (url.rstrip("/"), named_project, project_id))
    project = segment(project_id) if project_id else named_project
    base = "%s/%s" % (root, version or named_version or V2)
    return base + ("/" + project if project else "")


def url_version(url):
    """The API version a URL names, or None (a bare host)."""
    return split_endpoint(url)[1]


def identity_credentials(options):
    """``(username, body)`` for the identity request, or None when none are given."""
    username = options.get("username")
    if options.get("api_key") and options.get("password"):
        raise ConfigError("Give api_key or password for Rackspace Identity, not both.")
    if not username:
        if options.get("api_key") or options.get("password"):
            raise ConfigError("api_key and password need username (or RAX_USERNAME).")
        return None
    if options.get("api_key"):
        return username, {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": options["api_key"]}}}
    if options.get("password"):
        return username, {"auth": {"passwordCredentials": {"username": username, "password": options["password"]}}}
    raise ConfigError("username needs api_key (or RAX_API_KEY) or password (or RAX_PASSWORD).")


class RackspaceBackupBase(Vendor):
    """Token handling shared by the two Cloud Backup classes: a token given directly, or one
    from Rackspace Identity (and the endpoint from its catalog), renewed once on a 401."""

    NAME = NAME
    LABEL = LABEL
    SECRET_OPTIONS = SECRET_OPTIONS

    def __init__(self, options, client=None):
        super(RackspaceBackupBase, self).__init__(options, client)
        self.client.auth_hint = self.auth_advice
        self.identity = identity_credentials(options)
        if not options.get("token") and not self.identity:
            raise ConfigError("Rackspace Cloud Backup needs token (or RAX_AUTH_TOKEN) with url, or username and "
                              "api_key (or RAX_USERNAME and RAX_API_KEY) to get a token from Rackspace Identity.")
        if not options.get("url") and not self.identity:
            raise ConfigError("A token alone does not say where Cloud Backup is: give url (the regional endpoint, "
                              "such as https://dfw.backup.api.rackspacecloud.com), or username and api_key.")
        if self.identity:  # the credentials may go to the identity service the user configured
            self.client.allow_origin(self.identity_url(), "identity_url")
        self.ready = False
        self.obtained = None  # the token the last authentication got, revoked by ``close``

    @classmethod
    def make_client(cls, options, **overrides):
        """Without ``url`` the endpoint comes from the catalog: start at the identity URL."""
        if not options.get("url"):
            options = _Overlay(options, url=options.get("identity_url") or IDENTITY_URL)
            overrides.setdefault("url_option", "identity_url")  # named in redirect refusals
        return super(RackspaceBackupBase, cls).make_client(options, **overrides)

    def identity_url(self):
        return (self.options.get("identity_url") or IDENTITY_URL).rstrip("/")

    def api_version(self, named):
        """The API version to call, given the one the endpoint URL names (None for a bare host)."""
        raise NotImplementedError

    def auth_advice(self, status, body):
        if status == 403:
            return ("The token may not use this project or Cloud Backup: check project_id and that the user "
                    "has a Cloud Backup role.")
        if self.identity:
            return ("A new token from Rackspace Identity for %s was refused too: check that the user may use "
                    "Cloud Backup in this region." % self.identity[0])
        return ("The token is invalid or expired (Rackspace tokens last about a day): get a new one, or give "
                "username and api_key so the module can authenticate itself.")

    # Vendor.get: with identity credentials a 401 (token expired, they last about a day)
    # re-authenticates once; with a token given directly it fails saying so.
    def ensure_login(self):
        if self.ready:
            return False
        if self.options.get("token") and self.options.get("url"):
            self.client.set_header("X-Auth-Token", self.options["token"])
            self.point_at(self.options["url"], self.options.get("project_id"))
            self.ready = True
            return False
        self.authenticate()
        self.ready = True
        return True

    def point_at(self, url, project):
        """Rebase the client on the endpoint of ``url`` in the API version this class calls."""
        self.version = self.api_version(url_version(url))
        self.client.rebase(endpoint_base(url, project, self.version))

    def can_login(self):
        return bool(self.identity)

    def login(self):
        self.authenticate()

    def authenticate(self):
        """POST <identity_url>/tokens; keep the token secret and point the client at the endpoint."""
        identity_url = self.identity_url()
        try:
            # Without the old token (None leaves a session header out of one request): the
            # session itself is not changed while pool workers may be sending with it.
            body = self.client.request("POST", identity_url + "/tokens", json_body=self.identity[1], idempotent=True,
                                       headers={"X-Auth-Token": None}).body
        except AuthError as error:
            raise AuthError(self.client.message(
                "Rackspace Identity at %s refused the credentials of %s: %s. Check username and api_key (or password), "
                "or RAX_USERNAME and RAX_API_KEY." % (identity_url, self.identity[0], identity_refusal(error.body) or error.message)),
                error.status, error.body)
        try:
            token, tenant, endpoint = parse_access(body, self.options.get("region"))
        except ApiError as error:
            raise self.fail_shape(error)
        self.client.add_secret(token)
        if not self.options.get("url") and urlsplit(identity_url).scheme == "https" and urlsplit(endpoint).scheme != "https":
            raise ConfigError("Rackspace Identity at %s named a Cloud Backup endpoint that is not https, so the token "
                              "would travel unencrypted: give url (the https endpoint) if you trust it." % identity_url)
        self.client.set_header("X-Auth-Token", token)
        self.obtained = token
        project = self.options.get("project_id") or (None if self.options.get("url") is None else tenant)
        self.point_at(self.options.get("url") or endpoint, project)

    def close(self):
        """Revoke the token this run obtained from Identity (``DELETE <identity_url>/tokens`` with it
        in ``X-Auth-Token``), within ``REVOKE_SECONDS``. A token already refused (401, 403) or not
        valid any more (404) is fine; other trouble is raised for the shell to turn into a warning."""
        token, self.obtained = self.obtained, None
        if token is None:
            return
        url = self.identity_url() + "/tokens"
        try:
            with self.client.short_budget(REVOKE_SECONDS):
                self.client.request("DELETE", url, headers={"X-Auth-Token": token}, expect_json=False)
        except AuthError:
            return
        except ApiError as error:
            if error.status == 404:
                return
            raise ApiError(self.revoke_failed(url, error), error.status)
        except ActionGateError as error:
            raise ApiError(self.revoke_failed(url, error), None)

    def revoke_failed(self, url, error):
        return self.client.message("Rackspace Identity at %s: revoking the token this run obtained (DELETE %s) failed: "
                                   "%s It stays valid until it expires (about a day)." % (
                                       self.identity_url(), urlsplit(url).path, str(error).rstrip(".") + "."))

    def fail_shape(self, error):
        """An ApiError from a parser, its message scrubbed of the run's secrets."""
        return ApiError(self.client.message(error.message), error.status, error.body)

    def result_extras(self):
        return {"endpoint": self.client.message(self.client.base_url)}
