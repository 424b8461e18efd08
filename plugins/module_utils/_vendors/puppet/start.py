# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Puppet Enterprise's start side: ``POST /orchestrator/v1/command/deploy`` (a Puppet run) or
``POST /orchestrator/v1/command/task`` (a task) on a list of nodes, for ``puppet_job_run``
(docs/dev/vendors/puppet.md, "Starting actions").

``start_request`` checks the options and builds the one request (pure); ``read_job_name`` reads the
job name out of its answer and ``left_out`` compares the nodes asked with the nodes the job has
(pure). ``PuppetJobRun`` is the status side's session (``PuppetJobStatus``: one RBAC token serves
the start and the reads after it): it sends the request once through ``_start.send_once``, then
reads the job back for its ``node_count`` and, when PE left nodes out, its node list.

A start is never sent twice, so a 401 on it is not answered with a new token and a second start:
a token that may be stale (a fixed ``token`` with ``username`` and ``password`` also set) is
checked by a read before the start, renewed there if refused (``Vendor.get``), and the start goes
out once with the token that read proved.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionGateError, ApiError, AuthError, ConfigError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._options import summarise
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartRequest, no_id, not_sent, send_once, start_result, targets,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.argspec import (
    START_COMMANDS, START_OPTIONS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import JOB_URL, shape
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.parse_orchestrator import (
    JOBS_PATH, SERVICE, check_job,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.rbac import PuppetVendor

# One path per command (POST /command/deploy, POST /command/task pages).
PATHS = {"deploy": "/orchestrator/v1/command/deploy", "task": "/orchestrator/v1/command/task"}
# The options that go with one command only, and why the other command refuses them.
ONLY_FOR = {"task": "task", "params": "task", "timeout": "task", "concurrency": "deploy"}
WHY = {
    "task": "a Puppet run runs no task",
    "params": "params are the task's parameters",
    "timeout": "command/deploy has no per-node timeout; timeout is a task's seconds per node",
    "concurrency": ("the command/task page lists no concurrency key: how many nodes a task runs on at once is "
                    "the orchestrator's task_concurrency setting"),
}
# What the orchestrator's error kinds (``{"kind", "msg", "details"}``) mean for a start; every one
# of them is a refusal (4xx): nothing started.
KINDS = {
    "unknown-environment": "The environment does not exist on the primary server: check environment.",
    "empty-environment": "The environment has no code deployed: deploy it first (Code Manager).",
    "empty-target": ("The scope resolved to no node the orchestrator can run on: check the certnames in nodes "
                     "(and that the RBAC user may run on them)."),
    "not-permitted": ("The RBAC user may not start this job: it needs the Job orchestrator permission 'Start, stop "
                      "and view jobs', and 'Puppet agent: Run Puppet on agent nodes' for command=deploy or "
                      "'Tasks: Run tasks' for the task for command=task."),
    "validation-error": "The orchestrator refused the request's body: the message names the key.",
}
REFUSED_TOKEN = ("A start is sent once, never again with a new token: run the task again (with username and password "
                 "and no token, each run logs in for a fresh one).")


def start_request(options):
    """``(StartRequest, nodes)`` for the options, every check made before any request: the
    command, one or more certnames (non-blank, none twice, no blank inside), the options of that
    command only, a non-blank environment, and for a task its name and ``params`` (``{}`` when
    not given: the API requires the key). A ConfigError names the option."""
    command = options.get("command")
    if command not in START_COMMANDS:
        raise ConfigError("command must be one of %s, not %.60r." % (", ".join(START_COMMANDS), command))
    nodes = targets(options, "nodes", check=_certname)
    misplaced = [name for name, owner in sorted(ONLY_FOR.items()) if owner != command and options.get(name) is not None]
    if misplaced:
        raise ConfigError("%s cannot be used with command=%s (%s)." % (
            ", ".join(misplaced), command, "; ".join("%s: %s" % (name, WHY[name]) for name in misplaced)))
    body = {"environment": _text(options, "environment", "the Puppet environment, such as production"),
            "scope": {"nodes": nodes}}
    if command == "task":
        body["task"] = _text(options, "task", "the task's name, such as puppet_agent::install")
        params = options.get("params")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ConfigError("params must be a dict of the task's parameters, not %s." % _shape.kind(params))
        body["params"] = params
        _number(options, "timeout", body)
    else:
        _number(options, "concurrency", body)
    if options.get("noop") is not None:
        body["noop"] = bool(options["noop"])
    description = options.get("description")
    if description is not None and str(description).strip():
        body["description"] = str(description)
    return StartRequest(PATHS[command], body), nodes


def _certname(item):
    if any(character.isspace() for character in item):
        return "is not a certname (it holds a blank)"
    return None


def _text(options, name, what):
    value = options.get(name)
    if value is None or not str(value).strip():
        if value is None and name != "environment":
            raise ConfigError("%s is required with command=%s: %s." % (name, options.get("command"), what))
        raise ConfigError("%s is blank: give %s." % (name, what))
    return str(value).strip()


def _number(options, name, body):
    """A whole number of at least 1 (``Vendor.check_options`` checks the range's top)."""
    value = options.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("%s must be a whole number of at least 1, not %.60r." % (name, value))
    body[name] = value


def read_job_name(answer):
    """``(name, job)`` of a start's answer ``{"job": {"id": <URL>, "name": "81"}}``: ``name`` the job
    name as text (ASCII digits, as ``puppet_job_status`` takes it) or None; ``job`` the ``job``
    object or None."""
    job = answer.get("job") if isinstance(answer, dict) else None
    if not isinstance(job, dict):
        return None, None
    name = _shape.ident(job.get("name"))
    if name is None or _shape.digits(name) is None:
        return None, job
    return name, job


def left_out(asked, listed):
    """The nodes of ``asked`` that are not among the ``listed`` node names, in the order asked."""
    present = set(listed)
    return [node for node in asked if node not in present]


def explain(error):
    """What the orchestrator means by an error answer (``_start.start_failure`` adds it)."""
    body = getattr(error, "body", None) if isinstance(error, ApiError) else None
    kind = _shape.text(body.get("kind")) if isinstance(body, dict) else None
    if kind is not None and kind.startswith("puppetlabs.") and kind.rsplit("/", 1)[-1] in KINDS:
        return KINDS[kind.rsplit("/", 1)[-1]]
    status = getattr(error, "status", None)
    if status == 401:
        return REFUSED_TOKEN
    if status == 403:
        return KINDS["not-permitted"]
    return None


class PuppetJobRun(PuppetJobStatus):
    """Starts one orchestrator job (a Puppet run or a task) on a list of nodes."""

    OPTIONS = START_OPTIONS
    MODULE_KWARGS = dict(PuppetVendor.MODULE_KWARGS, required_if=[("command", "task", ("task",))])

    @staticmethod
    def auth_hint(status, body):
        if status == 401:
            return PuppetVendor.auth_hint(status, body)
        return "The RBAC user lacks a permission this call needs."

    def run(self, check_mode=False):
        """The module result: in check mode the request it would send (after the login, which only
        reads); else the job's name, with ``node_count`` and ``skipped_nodes`` read back."""
        request, nodes = start_request(self.options)
        command = self.options["command"]
        where = "%s command/%s on %d node%s" % (SERVICE, command, len(nodes), "" if len(nodes) == 1 else "s")
        what = "Puppet run" if command == "deploy" else "task %s" % request.body["task"]
        look = ("run puppet_job_status without action_ids (it lists the newest jobs) or open Jobs in the PE console, "
                "and look for a new %s job of these nodes" % what)
        extra = {"command": command, "nodes": nodes}
        self.authenticate(where)
        if check_mode:
            return start_result([], requests=[request], check_mode=True, **extra)
        answer = send_once(self.client, request, where, look, explain=explain).body
        name, job = read_job_name(answer)
        if name is None:
            raise self.no_job_name(where, look, answer, job)
        warnings = []
        extra["node_count"], extra["skipped_nodes"] = self.read_back(name, nodes, warnings)
        if self.options.get("include_raw") is not False:
            extra["raw"] = answer
        if warnings:
            extra["warnings"] = warnings
        return start_result([name], **extra)

    def authenticate(self, where):
        """Before the start: log in when there is no token (a token this run obtains); with a fixed
        token and username and password both set, check the token with one read (``GET /jobs?limit=1``,
        which ``Vendor.get`` repeats once after a new login if the token is refused). Any failure
        here is ``_start.not_sent``: nothing started."""
        try:
            if self.ensure_login() or not (self.options.get("token") and self.can_login()):
                return
            self.check_token()
        except ActionGateError as error:
            raise not_sent(error, where)

    def check_token(self):
        """One read with the token: a 401 (after the one renewal) fails; any other error answer
        means the token was not refused, and the start goes on."""
        try:
            self.get(JOBS_PATH, params={"limit": 1})
        except AuthError as error:
            if error.status == 401:
                raise
        except ApiError:
            pass

    def read_back(self, name, nodes, warnings):
        """``(node_count, skipped_nodes)`` of the job just started: ``GET /jobs/{name}``, and its
        nodes (``/jobs/{name}/nodes``) when it counts fewer than were asked. PE leaves out, without
        an error, the nodes the RBAC user may not run on. ``(None, None)`` with a warning when the
        read fails: the job started all the same."""
        try:
            body = self.job(name)
            if body is None:
                warnings.append("Puppet Enterprise started job %s, but the orchestrator does not list it yet (unknown-job), "
                                "so node_count and skipped_nodes are unknown (null). Wait on it with puppet_job_status, "
                                "which counts only the nodes the job has." % name)
                return None, None
            where = "%s GET %s/%s" % (self.LABEL, JOBS_PATH, name)
            record = check_job(shape(where, body), body)
            count = record["node_count"]
            if count is not None and count >= len(nodes):
                return count, []
            listed = [item["name"] for item in self.nodes(name, count)]
        except ActionGateError as error:
            warnings.append("Puppet Enterprise started job %s, but reading it back failed, so node_count and skipped_nodes "
                            "are unknown (null): %s Wait on it with puppet_job_status, which counts only the nodes the "
                            "job has." % (name, str(error).rstrip()))
            return None, None
        count = count if count is not None else len(listed)
        skipped = left_out(nodes, listed)
        if skipped:
            warnings.append(self.skipped_warning(name, nodes, count, skipped, body))
        return count, skipped

    def skipped_warning(self, name, nodes, count, skipped, body):
        text = ("Puppet Enterprise left %d of the %d nodes asked out of job %s (%s): PE skips, without an error, the "
                "nodes the RBAC user may not run on. They are in skipped_nodes; the job has %d node%s, and "
                "puppet_job_status counts only those, so waiting on it does not cover the skipped ones." % (
                    len(skipped), len(nodes), name, summarise(skipped, render=str), count, "" if count == 1 else "s"))
        if _state(body) == "new":
            text += (" The job was still new (recording its details) when read: a node listed here may yet be added; "
                     "puppet_job_status shows the job's nodes.")
        return text

    def no_job_name(self, where, look, answer, job):
        """The may-have-started failure (``_start.no_id``) of a success that names no job."""
        if job is None:
            return no_id(where, look, "job object", answer)
        what = "job.name that is a job number (digits)"
        if "name" in job:
            what += ": its name is %s" % _shape.kind(job["name"])
        else:
            what += ": the job's keys are %s" % (", ".join(sorted(str(k)[:40] for k in job)[:10]) or "none")
        match = JOB_URL.search(job["id"]) if isinstance(job.get("id"), str) else None
        if match:
            look += "; its job.id names job %s, which puppet_job_status can show" % match.group(1)
        return no_id(where, look, what, answer)


def _state(body):
    """The job's state word: ``state``, else the ``status`` entry it is in (the doc's example has no ``state``)."""
    state = _shape.text(body.get("state")) if isinstance(body, dict) else None
    if state is None and isinstance(body, dict) and isinstance(body.get("status"), list) and body["status"]:
        last = body["status"][-1]
        state = _shape.text(last.get("state")) if isinstance(last, dict) else None
    return state
