# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Rackspace Cloud Backup's start side: ``rackspace_backup_start`` starts one backup per backup
configuration, each with its own request (docs/dev/vendors/rackspace.md, "Starting actions").

- v1.0: ``POST /v1.0/<tenant>/user/wakeupagents`` once (``wake_agents``), a pause of
  ``wake_agents_delay`` seconds (the vendor says to wait 10 to 20), then
  ``POST /v1.0/<tenant>/backup/action-requested`` ``{"Action": "StartManual", "Id": <configuration>}``
  per configuration, whose answer is the new BackupId as text;
- v2: ``POST /v2/<project>/backups`` ``{"configuration_id": ..., "state": "start_requested"}`` per
  configuration, answered 201 with the backup's ``id``. v2 has no wake-up.

``planned_version``, ``configuration_ids``, ``start_request``, ``read_v1_answer``,
``read_v2_answer`` and ``explain`` are pure. ``RackspaceBackupStart`` logs in once with the status
side's session (``identity.RackspaceBackupBase``: one token for every request) and sends each start
once (``_start.send_once``: never retried); the run stops at the first start that fails, and its
failure lists the backups already started and the configurations not started.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from urllib.parse import unquote, urlsplit

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, DeadlineExceeded
from ansible_collections.actiongate.agents.plugins.module_utils._options import summarise
from ansible_collections.actiongate.agents.plugins.module_utils._shape import digits, ident
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartFailed, StartRequest, no_id, not_sent, send_once, start_result, targets,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.argspec import START_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.identity import (
    RackspaceBackupBase, url_version,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.records import V1, V2

WAKE_PATH = "/user/wakeupagents"
START_PATHS = {V1: "/backup/action-requested", V2: "/backups"}
# What the answer to a start names, for the may-have-started failure of one that names none.
ANSWER_ID = {V1: "BackupId (the answer's text, a number such as 368785)", V2: "backup id (id, or a Location ending in /backups/<id>)"}
V2_NO_WAKE = ("wake_agents applies to the v1.0 API only: Cloud Backup v2 has no wake-up operation, so none was sent "
              "and the backups were requested at once (set wake_agents=false with api_version=v2 to silence this).")


def chosen_version(options, named):
    """The API version to call, given the one the endpoint URL names (None for a bare host)."""
    chosen = options.get("api_version") or "auto"
    return (named or V2) if chosen == "auto" else chosen


def planned_version(options):
    """The API version known before any request (``api_version``, else the one ``url`` names, v2 for
    a bare host), or None when only the service catalog says (no ``url``: Identity answers first)."""
    if (options.get("api_version") or "auto") == "auto" and not options.get("url"):
        return None
    return chosen_version(options, url_version(options["url"]) if options.get("url") else None)


def _v1_problem(item):
    if digits(item) is None:
        return ("is not a v1.0 BackupConfigurationId (a number such as 148325); for a v2 configuration (a UUID) "
                "set api_version=v2")
    return None


def configuration_ids(options, version):
    """``configuration_ids`` checked (``_start.targets``: not empty, none blank or twice; ASCII digits
    for v1.0). Each is one request, so the vendor's per-request limit (one) needs no batching."""
    return targets(options, "configuration_ids", check=_v1_problem if version == V1 else None)


def wake_request():
    """The v1.0 wake-up: no body, no answer body."""
    return StartRequest(WAKE_PATH, expect_json=False)


def start_request(version, configuration_id):
    """The one request that starts a backup of ``configuration_id``. v1.0 sends the id as a number,
    as the docs' example and the vendor's SDK do; its answer is text (``expect_json=False``)."""
    if version == V1:
        return StartRequest(START_PATHS[V1], {"Action": "StartManual", "Id": digits(configuration_id)}, expect_json=False)
    return StartRequest(START_PATHS[V2], {"configuration_id": configuration_id, "state": "start_requested"})


def _digit_id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and digits(value) is not None:
        return value.strip()
    return None


def read_v1_answer(text):
    """The BackupId a v1.0 start answers, as ASCII digits, or None. The docs show the bare number
    (``368785``) and name it ``Id`` in the response table, so the number as text or JSON, a JSON
    string of digits, and ``{"Id": ...}`` or ``{"BackupId": ...}`` are read."""
    text = (text or "").strip()
    found = _digit_id(text)
    if found is not None:
        return found
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(body, dict):
        body = body.get("Id", body.get("BackupId"))
    return _digit_id(body)


def read_v2_answer(body, headers=None):
    """The new backup's id from a v2 start's answer: ``id`` (the docs' example; the vendor's SDK reads
    it), else the last segment of a ``Location`` ending in ``/backups/<id>``; None when neither names one."""
    found = ident(body.get("id")) if isinstance(body, dict) else None
    if found is not None:
        return found
    location = (headers or {}).get("Location")
    if not isinstance(location, str):
        return None
    segments = [s for s in urlsplit(location.strip()).path.split("/") if s]
    if len(segments) >= 2 and segments[-2] == "backups":
        return ident(unquote(segments[-1]))
    return None


def explain(error):
    """What Cloud Backup means by some refusals of a start (``_start.start_failure`` adds it)."""
    status = getattr(error, "status", None) if isinstance(error, ApiError) else None
    if status == 403:
        return ("Cloud Backup's own SDK repeats a start refused with 403 up to 20 times, a second apart: an agent that "
                "is not awake yet can refuse it (wake_agents and a wake_agents_delay of 10 to 20 seconds are for "
                "that). This module sends each start once.")
    if status == 404:
        return "Check the configuration id, api_version, project_id and region (a configuration belongs to one region)."
    if status == 409:
        return ("Cloud Backup lists 409 Conflict for this call without saying when; a backup of this configuration that "
                "is still running is the likely cause: wait for it with rackspace_backup_status.")
    return None


class RackspaceBackupStart(RackspaceBackupBase):
    """Starts one backup per configuration with one token (``RackspaceBackupBase.ensure_login``)."""

    OPTIONS = START_OPTIONS
    NOUN = "backup"

    def __init__(self, options, client=None):
        super(RackspaceBackupStart, self).__init__(options, client)
        self.version = None

    def api_version(self, named):
        return chosen_version(self.options, named)

    def run(self, check_mode=False):
        """The module result: in check mode the requests it would send (after a login to Identity
        when the catalog names the endpoint); else the backup ids, in the order asked."""
        ids = configuration_ids(self.options, planned_version(self.options))  # before any request
        self.login_first()
        ids = configuration_ids(self.options, self.version)  # the catalog may have named v1.0
        wanted = bool(self.options.get("wake_agents"))
        wake = wanted and self.version == V1
        extra = dict(self.result_extras(), configuration_ids=ids, api_version=self.version, wake_agents=wake)
        if wanted and not wake:
            extra["warnings"] = [V2_NO_WAKE]
        delay = float(self.options.get("wake_agents_delay") or 0)
        plan = [start_request(self.version, i) for i in ids]
        if check_mode:
            if wake:
                extra["wake_agents_delay"] = delay
            return start_result([], requests=([wake_request()] if wake else []) + plan, check_mode=True, **extra)
        if wake:
            self.wake(ids)
            self.pause(delay, ids)
        started, answers = [], []
        for index, request in enumerate(plan):
            backup_id, answer = self.start_one(request, ids, index, started)
            started.append(backup_id)
            answers.append(answer)
        extra["backups"] = [{"configuration_id": c, "backup_id": b} for c, b in zip(ids, started)]
        if self.options.get("include_raw") is not False:
            extra["raw"] = answers
        return start_result(started, **extra)

    def wake(self, ids):
        """``POST /user/wakeupagents``: it changes nothing that lasts, so the client may repeat it on
        transport trouble like a read. Its failure fails the run before any backup is requested."""
        try:
            self.client.request("POST", WAKE_PATH, idempotent=True, expect_json=False)
        except ActionGateError as error:
            raise self.not_started(error, ids)

    def pause(self, seconds, ids):
        """Wait ``seconds`` after the wake-up, on the client's sleep (a test's fake one), and never
        past the run's deadline when it has one: then fail before starting anything."""
        if seconds <= 0:
            return
        deadline = self.client.deadline
        if deadline is not None and deadline.remaining() < seconds:
            raise self.not_started(DeadlineExceeded("Waiting wake_agents_delay=%s seconds after the wake-up would pass the "
                                                    "run's deadline (%s)." % ("%g" % seconds, deadline)), ids)
        getattr(self.client, "_sleep", time.sleep)(seconds)

    def not_started(self, error, ids):
        """The failure of the wake-up or of the wait after it: no start was sent (``_start.not_sent``)."""
        failed = not_sent(error, "Starting backups of %d configuration%s (the agents are woken first)" % (
            len(ids), "" if len(ids) == 1 else "s"))
        failed = StartFailed("%s Or set wake_agents=false to start without waking the agents." % failed, False,
                             details=failed.details)
        failed.result = {"changed": False, "action_id": None, "action_ids": [], "not_started": list(ids),
                         "may_have_started": []}
        return failed

    def start_one(self, request, ids, index, started):
        """``(backup id, raw answer)`` of one start, sent once; any failure stops the run."""
        where = "Start of backup configuration %s (%d of %d)" % (ids[index], index + 1, len(ids))
        look = self.look(ids[index])
        try:
            answer = send_once(self.client, request, where, look, started=started, explain=explain)
            if self.version == V1:
                raw, backup_id = answer.text.strip(), read_v1_answer(answer.text)
            else:
                raw, backup_id = answer.body, read_v2_answer(answer.body, answer.headers)
            if backup_id is None:
                raise no_id(where, look, ANSWER_ID[self.version], raw)
        except StartFailed as failed:
            raise self.stopped(failed, ids, index, started)
        return backup_id, raw

    def look(self, configuration_id):
        """Where to see whether a start whose answer was lost started a backup."""
        if self.version == V1:
            where = "the tenant's activity (GET /v1.0/<tenant>/activity: a Backup whose ParentId is %s)" % configuration_id
        else:
            where = "the project's backups (GET /v2/<project_id>/backups) for one of configuration %s" % configuration_id
        return ("look for a new backup in %s or in the Cloud Backup control panel, and wait on it with "
                "rackspace_backup_status" % where)

    def stopped(self, failed, ids, index, started):
        """The run's failure when start ``index`` failed: the backups started, and the configurations
        not started (every later one, and this one when Cloud Backup refused it)."""
        unknown = [ids[index]] if failed.may_have_started else []
        not_started = ids[index + (1 if unknown else 0):]
        text = str(failed)
        if started and not failed.started:
            text += " Already started by this task: %s." % summarise(started, render=str)
        if not_started:
            text += " Not started: configuration%s %s; a re-run with configuration_ids set to %s is safe%s." % (
                "" if len(not_started) == 1 else "s", summarise(not_started, render=str),
                "it" if len(not_started) == 1 else "these only",
                " (a re-run of the whole list would start another backup of the others)" if started or unknown else "")
        error = StartFailed(text, failed.may_have_started, started, failed.details)
        error.result = {"changed": bool(started or unknown), "action_id": started[0] if started else None,
                        "action_ids": list(started), "not_started": not_started, "may_have_started": unknown}
        return error
