# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Rackspace Cloud Backup: agent events (v2), and the state of backups and restores (v1.0 and v2).

Facts from ``rackerlabs/docs-cloud-backup`` and research §5: every call carries ``X-Auth-Token``,
a token from Rackspace Identity v2.0 (``POST /tokens``, about a day long) whose service catalog
names the regional endpoint (type ``rax:backup``). Real catalogs name the public v1.0 API
(``https://dfw.backup.api.rackspacecloud.com/v1.0/<tenant>``,
api-docs/cloud-backup-v1/common-gs/samples/service-catalog-endpoint.rst); v2 is "not yet
launched externally" (the v2 README). v1.0 gives a backup's ``CurrentState`` on
``GET /v1.0/<tenant>/backup/<id>`` and a restore's ``RestoreStateId`` on ``/restore/<id>``, with
counts in ``/backup/report/<id>`` and ``/restore/report/<id>``; v2 gives ``state`` on
``/v2/<project>/backups/<id>`` and ``/restores/<id>``. Agent events exist in v2 only; they are
transient ("might disappear after a minute or so") and are read forward with ``marker``.

Every parser here checks the shape it reads: any JSON value gives statuses or an ApiError naming
Cloud Backup, the call and what was unexpected, never a Python exception.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import re

from urllib.parse import parse_qs, urlparse, urlsplit, urlunsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionNotFound, ApiError, AuthError, ConfigError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._options import summarise
from ansible_collections.actiongate.agents.plugins.module_utils._pool import PER_ID_OPTIONS, PER_ID_RANGES, read_each
from ansible_collections.actiongate.agents.plugins.module_utils._status import (
    CANCELLED, FAILED, PARTIAL, PENDING, RUNNING, SUCCEEDED, UNKNOWN,
    ActionStatus, error_entry, targets_dict,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor, segment

LABEL = "Rackspace Cloud Backup"
IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0"
CATALOG_TYPE = "rax:backup"  # the Cloud Backup entry of the service catalog (research §5b)
MAX_PAGES = 1000
V1, V2 = "v1.0", "v2"
API_VERSIONS = (V1, V2)
_VERSION_SEGMENT = re.compile(r"^v\d+(\.\d+)?$")
# .NET JSON dates of v1.0: "/Date(1358530097000)/", perhaps with an offset ("/Date(1358530097000-0600)/").
_NET_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")

# Resource state -> normalised state (research §5a). The v2 terminal set is the one the 409 of
# PATCH lists: completed, completed_with_errors, failed, stopped, skipped, missed. v1.0 states are
# the same words in CamelCase (get-list-backup-details-v1.0-...backupid.rst) plus Creating
# (rackerlabs/cbu-sdk-python rcbu/common/status.py): they are matched as snake_case.
BACKUP_STATES = {
    "start_requested": PENDING,
    "start_scheduled": PENDING,
    "queued": PENDING,
    "preparing": RUNNING,
    "in_progress": RUNNING,
    "stop_requested": RUNNING,
    "completed": SUCCEEDED,
    "completed_with_errors": PARTIAL,
    "failed": FAILED,
    "missed": FAILED,
    "skipped": FAILED,
    "stopped": CANCELLED,
}
# Restores have no missed or skipped (get-list-details-about-a-restore lists the valid states).
RESTORE_STATES = dict((k, v) for k, v in BACKUP_STATES.items() if k not in ("start_scheduled", "missed", "skipped"))
STATE_TABLES = {
    (V2, "backup"): BACKUP_STATES,
    (V2, "restore"): RESTORE_STATES,
    (V1, "backup"): dict(BACKUP_STATES, creating=PENDING),
    (V1, "restore"): dict(RESTORE_STATES, creating=PENDING),
}
# v1.0 restores give a number (get-list-details-about-a-restore-v1.0-...restoreid.rst, and
# rcbu/common/status.py _int_to_status).
RESTORE_STATE_IDS = {0: "Creating", 1: "Queued", 2: "InProgress", 3: "Completed", 4: "Stopped", 5: "Failed",
                     6: "StartRequested", 7: "StopRequested", 8: "CompletedWithErrors", 9: "Preparing"}
# completed_with_errors: partial lets allowed_failures (counted in files) decide.
COMPLETED_WITH_ERRORS = {"partial": PARTIAL, "success": SUCCEEDED, "failure": FAILED}
# Paths of one backup or restore, and of its v1.0 report, under the endpoint.
RESOURCE_PATHS = {(V2, "backup"): "/backups/%s", (V2, "restore"): "/restores/%s",
                  (V1, "backup"): "/backup/%s", (V1, "restore"): "/restore/%s"}
REPORT_PATHS = {"backup": "/backup/report/%s", "restore": "/restore/report/%s"}

# Agent event -> state of its request, decided by the request's latest event (issue 6).
EVENT_STATES = {"logfile_upload": RUNNING, "logfile_started": RUNNING}
EVENT_SUFFIX_STATES = (("_in_progress", RUNNING), ("_completed", SUCCEEDED), ("_failed", FAILED))

CONNECTION_OPTIONS = {
    "url": {"type": "str", "env": ["RAX_BACKUP_URL"]},
    "token": {"type": "str", "no_log": True, "env": ["RAX_AUTH_TOKEN"]},
    "identity_url": {"type": "str", "default": IDENTITY_URL, "env": ["RAX_IDENTITY_URL"]},
    "username": {"type": "str", "env": ["RAX_USERNAME"]},
    "api_key": {"type": "str", "no_log": True, "env": ["RAX_API_KEY"]},
    "password": {"type": "str", "no_log": True, "env": ["RAX_PASSWORD"]},
    "region": {"type": "str", "env": ["RAX_REGION"]},
    "project_id": {"type": "str", "env": ["RAX_PROJECT_ID"]},
}


class _Overlay:
    """``get(name)`` over options with a few values replaced (options may be a lookup's reader)."""

    def __init__(self, options, **values):
        self.options, self.values = options, values

    def get(self, name, default=None):
        return self.values[name] if name in self.values else self.options.get(name, default)


def unexpected(where, what, body=None):
    """The collection's error for an answer of the wrong shape (the caller scrubs secrets)."""
    label = LABEL
    if where.startswith("Identity "):  # Rackspace Identity's answer, not Cloud Backup's
        label, where = "Rackspace Identity", where[len("Identity "):]
    text = "%s answered %s %s" % (label, where, what)
    if body is not None:
        text += ": %.200s" % (body,)
    return ApiError(text, 200, body)


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
    paths, service-access-endpoints.rst). ``version`` None keeps the URL's (v2 for a bare host)."""
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


def _member(value, key, where, kind=dict, required=True):
    """``value[key]`` checked to be a ``kind`` (None when absent and not required)."""
    item = value.get(key) if isinstance(value, dict) else None
    if item is None and not required:
        return None
    if not isinstance(item, kind) or isinstance(item, bool):
        raise unexpected(where, "with %s %s" % (key, "missing" if item is None else "of type %s" % type(item).__name__))
    return item


def _items(value, key, where):
    """The list ``value[key]`` (empty when absent), each item an object."""
    items = _member(value, key, where, list, required=False) or []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise unexpected(where, "with %s item %d not an object" % (key, index))
    return items


def catalog_endpoints(body):
    """The ``rax:backup`` endpoints of an Identity v2.0 answer, each checked."""
    where = "Identity POST /tokens"
    access = _member(body, "access", where)
    endpoints = []
    for entry in _items(access, "serviceCatalog", where + " access"):
        if entry.get("type") == CATALOG_TYPE:
            endpoints.extend(_items(entry, "endpoints", where + " serviceCatalog " + CATALOG_TYPE))
    for endpoint in endpoints:
        _member(endpoint, "publicURL", where + " " + CATALOG_TYPE + " endpoint", str, required=False)
        _member(endpoint, "region", where + " " + CATALOG_TYPE + " endpoint", str, required=False)
    return access, endpoints


def parse_access(body, region):
    """``(token, tenant, endpoint_url)`` from an identity v2.0 answer; the endpoint is the
    ``rax:backup`` one in ``region`` (else the user's default region, else the only one)."""
    # Identity's answer is never quoted in a message: it may hold a token not yet registered as a secret.
    if not isinstance(body, dict) or not isinstance(body.get("access"), dict):
        raise unexpected("Identity POST /tokens", "without access (a %s)" % type(body).__name__)
    access, endpoints = catalog_endpoints(body)
    token = _member(access, "token", "Identity POST /tokens access")
    if not isinstance(token.get("id"), str) or not token["id"]:
        raise unexpected("Identity POST /tokens", "without access.token.id")
    user = access.get("user") if isinstance(access.get("user"), dict) else {}
    wanted = region or (user.get("RAX-AUTH:defaultRegion") if isinstance(user.get("RAX-AUTH:defaultRegion"), str) else None)
    regional = [e for e in endpoints if e.get("region")]
    chosen = [e for e in regional if e["region"].upper() == wanted.upper()] if wanted else endpoints
    if not chosen or not chosen[0].get("publicURL"):
        where = " in region %s" % wanted if wanted else ""
        regions = ", ".join(sorted(e["region"] for e in regional)) or "none"
        raise ConfigError("The service catalog has no Cloud Backup (%s) endpoint%s (regions with one: %s). "
                          "Set region to one of those, or give url." % (CATALOG_TYPE, where, regions))
    tenant = token.get("tenant") if isinstance(token.get("tenant"), dict) else {}
    tenant_id = tenant.get("id") if isinstance(tenant.get("id"), (str, int)) and not isinstance(tenant.get("id"), bool) else None
    return token["id"], (None if tenant_id is None else str(tenant_id)), chosen[0]["publicURL"]


def identity_refusal(body):
    """The message of an identity fault such as {"unauthorized": {"code": 401, "message": ...}}."""
    for value in (body.values() if isinstance(body, dict) else ()):
        if isinstance(value, dict) and value.get("message"):
            return str(value["message"])
    return None


class RackspaceBackupBase(Vendor):
    """Token handling shared by the two Cloud Backup classes: a token given directly, or one
    from Rackspace Identity (and the endpoint from its catalog), renewed once on a 401."""

    NAME = "rackspace_backup"
    LABEL = LABEL
    SECRET_OPTIONS = ("token", "api_key", "password")

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
            raise ApiError(self.client.message(error.message), error.status, error.body)
        self.client.add_secret(token)
        if not self.options.get("url") and urlsplit(identity_url).scheme == "https" and urlsplit(endpoint).scheme != "https":
            raise ConfigError("Rackspace Identity at %s named a Cloud Backup endpoint that is not https, so the token "
                              "would travel unencrypted: give url (the https endpoint) if you trust it." % identity_url)
        self.client.set_header("X-Auth-Token", token)
        project = self.options.get("project_id") or (None if self.options.get("url") is None else tenant)
        self.point_at(self.options.get("url") or endpoint, project)

    def fail_shape(self, error):
        """An ApiError from a parser, its message scrubbed of the run's secrets."""
        return ApiError(self.client.message(error.message), error.status, error.body)

    def result_extras(self):
        return {"endpoint": self.client.message(self.client.base_url)}


class RackspaceBackupStatus(RackspaceBackupBase):
    """The gate for backups and restores: ``GET /v1.0/<tenant>/backup/<id>`` (``/restore/<id>``)
    or ``GET /v2/<project>/backups/<id>`` (``/restores/<id>``), by the endpoint's version."""

    NOT_FOUND_HINT = "Check the id, resource (backup or restore), api_version, project_id and region."
    OPTIONS = dict(CONNECTION_OPTIONS, **dict(PER_ID_OPTIONS, **{
        "action_ids": {"type": "list", "elements": "str", "required": True},
        "resource": {"type": "str", "default": "backup", "choices": ["backup", "restore"]},
        "completed_with_errors": {"type": "str", "default": "partial", "choices": ["partial", "success", "failure"]},
        "api_version": {"type": "str", "default": "auto", "choices": ["auto", V1, V2]},
    }))
    # One backup or restore per request: the ids of a poll are read by a bounded pool.
    OPTION_RANGES = PER_ID_RANGES

    def __init__(self, options, client=None):
        super(RackspaceBackupStatus, self).__init__(options, client)
        self.resource = options.get("resource") or "backup"
        self.NOUN = self.resource
        self.version = None

    def api_version(self, named):
        chosen = self.options.get("api_version") or "auto"
        return (named or V2) if chosen == "auto" else chosen

    def fetch(self, action_ids):
        """Log in once (the version is known once the endpoint is), check every id, then read them
        with at most max_concurrent_requests at once."""
        if not self.ready:
            self.login_first()
        paths = [RESOURCE_PATHS[(self.version, self.resource)] % self.path_id(i) for i in action_ids]
        statuses = read_each(lambda pair: self.read_one(*pair), list(zip(action_ids, paths)), self.options,
                             self.client, self.resource)
        return dict((i, s) for i, s in zip(action_ids, statuses) if s is not None)

    def read_one(self, action_id, path):
        """One backup or restore (and its v1.0 report), or None when Cloud Backup answers 404."""
        try:
            record = self.get(path)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return self.read_status(record, action_id, path)

    def path_id(self, action_id):
        """v1.0 ids are integers (BackupId, RestoreId); v2 ids are UUIDs. Always one path segment."""
        if self.version == V1 and not str(action_id).isdigit():
            raise ConfigError("%s v1.0 %s ids are numbers (such as 134332), not %r. For a v2 %s (a UUID), set "
                              "api_version=v2." % (LABEL, self.resource, str(action_id), self.resource))
        return segment(action_id)

    def read_status(self, record, action_id, path):
        try:
            if self.version == V1:
                report = self.v1_report(action_id) if self.v1_has_report(record, "GET " + path) else None
                return self.parse_v1(record, action_id, path, report)
            return self.parse(record, action_id, "GET " + path)
        except ApiError as error:
            if error.status == 200:
                raise self.fail_shape(error)
            raise

    def list_actions(self):
        raise ConfigError("rackspace_backup_status needs the ids of the backups or restores (action_ids, or the "
                          "lookup's terms): v1.0 gives the id in the answer to POST /v1.0/<tenant>/backup/action-requested, "
                          "v2 in the answer to POST /v2/<project_id>/%ss." % self.resource)

    def state_of(self, vendor_state, version=V2):
        """The normalised state of a vendor word (v1.0 CamelCase is matched as snake_case)."""
        key = vendor_state if version == V2 else snake(vendor_state)
        state = STATE_TABLES[(version, self.resource)].get(key, UNKNOWN)
        if state == PARTIAL:
            return COMPLETED_WITH_ERRORS[self.options.get("completed_with_errors") or "partial"]
        return state

    # ---- v2 ----------------------------------------------------------------------------------

    def parse(self, record, action_id=None, where=None):
        """A v2 backup or restore record -> ActionStatus. Targets count files (see file_targets)."""
        where = where or "GET /%ss/<id>" % self.resource
        if not isinstance(record, dict):
            raise unexpected(where, "with a %s where a %s object was expected" % (type(record).__name__, self.resource), record)
        vendor_state = _member(record, "state", where, str)
        errors = _member(record, "errors", where, dict, required=False) or {}
        counts = {
            "errors": _count(errors, "count", where + " errors"),
            "searched": _count(record, "files_searched", where),
            "good": _count(record, "files_backed_up" if self.resource == "backup" else "files_restored", where),
        }
        state = self.state_of(vendor_state)
        agent = record.get("agent") if self.resource == "backup" else record.get("destination_agent")
        report = {"count": counts["errors"], "reason": _text(errors.get("reason")),
                  "diagnostics": _text(errors.get("diagnostics")), "target": _ref_id(agent), "time": _text(record.get("ended_time"))}
        return ActionStatus(
            action_id=_id_text(record.get("id")) or action_id, vendor=self.NAME, state=state, vendor_status=vendor_state,
            targets=self.file_targets(state, counts), errors=error_summary(report),
            started_at=_text(record.get("started_time")), finished_at=_text(record.get("ended_time")), raw=record,
            extra={"resource": self.resource, "api_version": V2})

    # ---- v1.0 --------------------------------------------------------------------------------

    def parse_v1(self, record, action_id, path, report=None):
        """A v1.0 backup (``CurrentState``) or restore (``RestoreStateId``) -> ActionStatus, with
        its report (``CompletedWithErrors`` and ``Failed`` ones: the error count is only there)."""
        where = "GET " + path
        vendor_state = self.v1_state(record, where)
        state = self.state_of(vendor_state, V1)
        counts, summary = v1_counts(report, self.resource, "GET " + REPORT_PATHS[self.resource] % action_id)
        if report is None and snake(vendor_state) == "completed_with_errors":
            summary = {"reason": "no_report", "diagnostics": "Cloud Backup gave no report for this %s, so the number "
                       "of files with errors is unknown: counted as failed" % self.resource}
        summary.update(target=_id_text(record.get("MachineAgentId" if self.resource == "backup" else "DestinationMachineId")))
        changed = net_date(record.get("StateChangeTime"))
        summary.setdefault("time", changed)
        terminal = state not in (PENDING, RUNNING, UNKNOWN)
        return ActionStatus(
            action_id=_id_text(record.get("BackupId" if self.resource == "backup" else "RestoreId")) or action_id,
            vendor=self.NAME, state=state, vendor_status=vendor_state, targets=self.file_targets(state, counts),
            errors=error_summary(summary), started_at=summary.get("started"),
            finished_at=(summary.get("finished") or changed) if terminal else None, raw=record,
            extra={"resource": self.resource, "api_version": V1, "state_changed_at": changed, "report": report})

    def v1_state(self, record, where):
        if not isinstance(record, dict):
            raise unexpected(where, "with a %s where a %s object was expected" % (type(record).__name__, self.resource), record)
        if self.resource == "backup":
            return _member(record, "CurrentState", where, str)
        number = _count(record, "RestoreStateId", where)
        if number is None:
            raise unexpected(where, "with RestoreStateId missing", record)
        return RESTORE_STATE_IDS.get(number, "RestoreStateId %d" % number)

    def v1_has_report(self, record, where):
        """Whether the report holds what the state needs: the errors of a run that had some."""
        return snake(self.v1_state(record, where)) in ("completed_with_errors", "failed")

    def v1_report(self, action_id):
        """The v1.0 report of a finished backup or restore, or None when Cloud Backup has none (404)."""
        try:
            return self.get(REPORT_PATHS[self.resource] % segment(action_id))
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    # ---- both --------------------------------------------------------------------------------

    def file_targets(self, state, counts):
        """Targets are files, so ``allowed_failures`` is a number or share of files with errors.

        - A backup's base is ``files_searched`` (v1.0 ``FilesSearched``): ``files_backed_up`` is
          only the files changed since the last backup, no base for a share. A restore's base is
          the files restored plus the files with errors.
        - Where the counts are missing, or the errors outnumber the base, the error count is the
          whole base and nothing counts as succeeded: it cannot pass (fails safe).
        - A failed, missed, skipped or stopped run counts every file as failed.
        """
        errors, searched, good = counts.get("errors"), counts.get("searched"), counts.get("good")
        base = searched if self.resource == "backup" else (None if good is None else good + (errors or 0))
        if state == SUCCEEDED:  # completed, or completed_with_errors accepted by the option
            total = base if base is not None else (good or 0)
            return targets_dict(total=total, succeeded=total, failed=0)
        if state == PARTIAL:
            if not errors:  # with errors, yet no count of them (or a count of 0): unknown, so never a pass
                total = max(base or 0, 1)
                return targets_dict(total=total, succeeded=0, failed=total)
            if base is None or base < errors:
                return targets_dict(total=errors, succeeded=0, failed=errors)
            return targets_dict(total=base, succeeded=base - errors, failed=errors)
        if state in (FAILED, CANCELLED):
            total = max(base or 0, errors or 0, 1)
            return targets_dict(total=total, succeeded=0, failed=total)
        return targets_dict(total=0)


def v1_counts(report, resource, where):
    """``(counts, summary)`` from a v1.0 report (None: no report, so no counts)."""
    if report is None:
        return {}, {}
    if not isinstance(report, dict):
        raise unexpected(where, "with a %s where a report object was expected" % type(report).__name__, report)
    counts = {"errors": _count(report, "NumErrors", where)}
    if resource == "backup":
        counts.update(searched=_count(report, "FilesSearched", where), good=_count(report, "FilesBackedUp", where))
    else:
        counts["good"] = _count(report, "NumFilesRestored", where)
    paths = [_text(e.get("Path")) for e in _items(report, "ErrorList", where) if _text(e.get("Path"))]
    summary = {"count": counts["errors"], "reason": _text(report.get("Reason")),
               "diagnostics": _text(report.get("Diagnostics")), "started": net_date(report.get("StartTime")),
               "finished": net_date(report.get("CompletedTime"))}
    if paths:
        summary["paths"] = paths
    return counts, summary


def error_summary(report):
    """One error entry for a backup or restore with errors (none when it reports none)."""
    if not report.get("count") and not report.get("reason"):
        return []
    count = report.get("count") or 0
    message = "%s: %s (%d errors)" % (report.get("reason") or "error", report.get("diagnostics") or "no diagnostics", count)
    entry = error_entry(report.get("target"), message, report.get("time") or report.get("finished"))
    entry.update(count=count, reason=report.get("reason"), diagnostics=report.get("diagnostics"))
    if report.get("paths"):
        entry["paths"] = report["paths"]
    return [entry]


def snake(name):
    """``CompletedWithErrors`` -> ``completed_with_errors`` (v1.0 words; case of the docs varies:
    the restore report lists ``startRequested`` and ``Stoprequested``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name)).lower().replace("stoprequested", "stop_requested")


def net_date(value):
    """ISO 8601 UTC from a v1.0 ``/Date(ms)/``; other strings are returned as they are."""
    if not isinstance(value, str):
        return None
    match = _NET_DATE.match(value)
    if not match:
        return value
    try:
        stamp = datetime.datetime.fromtimestamp(int(match.group(1)) / 1000.0, tz=datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return value
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class RackspaceBackupAgentEvents(RackspaceBackupBase):
    """``GET /v2/{project_id}/agents/{agent_id}/events``: the seed endpoint, one status per request_id.

    Events last about a minute, so a wait reads forward from the last event id it has seen
    (``marker``) and remembers every event of the run: nothing is lost between polls. Agent
    events exist in v2 only: a v1.0 catalog endpoint is read as v2 on the same host.
    """

    NOUN = "request"
    NOT_FOUND_HINT = ("Cloud Backup keeps agent events for about a minute only, so they may have expired before "
                      "the first read (or the request has not started, or the id or agent_id is wrong). Their "
                      "outcome is unknown from agent events; read a backup or restore with rackspace_backup_status.")
    OPTIONS = dict(CONNECTION_OPTIONS, **{
        "action_ids": {"type": "list", "elements": "str", "default": [], "aliases": ["request_ids"]},
        "agent_id": {"type": "str", "required": True},
        "marker": {"type": "str"},
        "limit": {"type": "int", "default": 100},
        "sort_dir": {"type": "str", "default": "asc", "choices": ["asc", "desc"]},
        "all_pages": {"type": "bool", "default": False},
        "event_types": {"type": "list", "elements": "str", "default": []},
        # Below the events' lifetime (about 60 s), so a slow poll cannot miss a request's events.
        "wait_max_interval": {"type": "float", "default": 20.0},
    })
    # The docs give limit a default of 100 and no maximum (seed 004); 1000 bounds one page.
    OPTION_RANGES = {"limit": (1, 1000)}

    def __init__(self, options, client=None):
        super(RackspaceBackupAgentEvents, self).__init__(options, client)
        if not options.get("agent_id"):
            raise ConfigError("rackspace_backup_agent_events needs agent_id.")
        self.marker = options.get("marker") or None
        self.events = []
        self.by_request = {}
        self.seen = set()

    def api_version(self, named):
        return V2

    def events_path(self):
        return "/agents/%s/events" % segment(self.options["agent_id"])

    def fetch(self, action_ids):
        """Read forward from the last event seen; every id gets a status (unknown without events)."""
        self.remember(self.read(self.marker, "asc", all_pages=True))
        return dict((i, self.request_status(i, self.by_request.get(i, []))) for i in action_ids)

    def statuses(self, action_ids, policy):
        """While waiting, a request with no events yet is "not found" (tolerated for
        wait_not_found_timeout, then a failure saying its outcome is unknown); otherwise it is
        reported with state unknown. Never success."""
        found = self.fetch(action_ids)
        unseen = [i for i in action_ids if i not in self.by_request]
        if unseen and self.options.get("wait"):
            raise ActionNotFound(self.not_found_message(unseen), unseen)
        return [policy.apply(found[i]) for i in action_ids]

    def not_found_message(self, missing):
        return "Rackspace Cloud Backup has no events for request %s on agent %s, so its state is unknown. %s" % (
            summarise(missing), self.options["agent_id"], self.NOT_FOUND_HINT)

    def list_actions(self):
        """The events of one page (or all pages), and one status per request_id among them."""
        events = self.read(self.marker, self.options.get("sort_dir") or "asc", bool(self.options.get("all_pages")))
        self.remember(events)
        ids = []
        for event in self.wanted(events):
            if event.get("request_id") and event["request_id"] not in ids:
                ids.append(event["request_id"])
        return [self.request_status(i, self.by_request[i]) for i in ids]

    def read(self, marker, sort_dir, all_pages):
        """Pages from ``marker`` on, following each ``next`` link until a page comes back empty, or
        brings no event not already read (a server that ignores ``marker``)."""
        events, ids = [], set()
        for _page in range(MAX_PAGES):
            params = {"limit": self.options.get("limit") or 100, "sort_dir": sort_dir}
            if marker:
                params["marker"] = marker
            body = self.get(self.events_path(), params=params)
            try:
                page = parse_events(body, "GET /v2/<project>/agents/<agent_id>/events")
            except ApiError as error:
                raise self.fail_shape(error)
            fresh = [e for e in page if str(e["id"]) not in ids]
            ids.update(str(e["id"]) for e in page)
            events.extend(fresh)
            if not fresh or not all_pages:
                break
            marker = next_marker(body, page)
        return events

    def remember(self, events):
        for event in events:
            if event.get("id") in self.seen:
                continue
            self.seen.add(event.get("id"))
            self.events.append(event)
            if event.get("request_id"):
                self.by_request.setdefault(event["request_id"], []).append(event)
        if self.events:
            self.marker = str(max(self.events, key=event_order)["id"])

    def wanted(self, events):
        patterns = self.options.get("event_types") or []
        return [e for e in events if not patterns or any(fnmatch.fnmatchcase(str(e.get("event")), p) for p in patterns)]

    def request_status(self, request_id, events):
        """A request's state is that of its latest event."""
        if not events:
            return ActionStatus(request_id, self.NAME, UNKNOWN, "no_events", targets={"total": 1},
                                errors=[error_entry(self.options["agent_id"], self.not_found_message([request_id]))],
                                extra={"request_id": request_id, "agent_id": self.options["agent_id"], "events": []})
        latest = max(events, key=event_order)
        name = str(latest.get("event") or "")
        state = event_state(name)
        agent_id = _ref_id(latest.get("agent")) or self.options["agent_id"]
        errors = [error_entry(agent_id, "%s for request %s" % (name, request_id), _text(latest.get("time")))] if state == FAILED else []
        return ActionStatus(
            request_id, self.NAME, state, name, errors=errors,
            targets=targets_dict(total=1, succeeded=int(state == SUCCEEDED), failed=int(state == FAILED)),
            started_at=_text(min(events, key=event_order).get("time")),
            finished_at=_text(latest.get("time")) if state in (SUCCEEDED, FAILED) else None,
            raw=latest, extra={"request_id": request_id, "agent_id": agent_id, "events": list(events)})

    def result_extras(self):
        extras = super(RackspaceBackupAgentEvents, self).result_extras()
        extras.update(events=self.wanted(self.events), next_marker=self.marker)
        return extras


def parse_events(body, where):
    """The events of one page, each an object with an id (a number or numeric string, seed 004),
    an ``event`` name and, when present, a string ``request_id``."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise unexpected(where, "without an events list", body)
    for index, event in enumerate(body["events"]):
        if not isinstance(event, dict):
            raise unexpected(where, "with events item %d not an object" % index, event)
        if not isinstance(event.get("id"), (str, int)) or isinstance(event.get("id"), bool) or event.get("id") == "":
            raise unexpected(where, "with events item %d without an id" % index, event)
        if not isinstance(event.get("event"), str):
            raise unexpected(where, "with events item %d without an event name" % index, event)
        if event.get("request_id") is not None and not isinstance(event["request_id"], str):
            raise unexpected(where, "with events item %d whose request_id is not a string" % index, event)
    return body["events"]


def event_state(name):
    if name in EVENT_STATES:
        return EVENT_STATES[name]
    for suffix, state in EVENT_SUFFIX_STATES:
        if name.endswith(suffix):
            return state
    return UNKNOWN


def event_order(event):
    """Event ids are numeric strings (seed 004); compare them as numbers when they are."""
    value = str(event.get("id") or "")
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def next_marker(body, page):
    """The marker of the ``next`` link, else the last id of the page. Only the marker is taken,
    not the link's host: the token is never sent to a host the user did not configure."""
    links = body.get("links") if isinstance(body, dict) else None
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            values = parse_qs(urlparse(link["href"]).query).get("marker")
            if values:
                return values[0]
    return str(page[-1].get("id"))


def _count(record, key, where):
    """A documented count: a whole number or a numeric string (v1.0 reports send "11936"); None
    when absent or null. Anything else is an unexpected answer."""
    value = record.get(key) if isinstance(record, dict) else None
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise unexpected(where, "with %s %.60r, not a count" % (key, value))


def _text(value):
    return value if isinstance(value, str) else None


def _id_text(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def _ref_id(value):
    """The id of a reference such as ``{"id": ..., "links": [...]}``."""
    return _id_text(value.get("id")) if isinstance(value, dict) else None
