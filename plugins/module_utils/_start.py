# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""What every start module shares (docs/dev/architecture.md, "Starting actions"): its input checks,
the one request it sends, the sentence its failure carries, and the shape of its result.

A start is never retried: a retried start can start twice. ``send_once`` posts once through the
client (a POST is not idempotent, so the client never repeats it, whatever the answer), and turns
any failure into ``StartFailed``, which says whether the action may have started:

- the vendor refused the request (an HTTP status in ``REFUSED``: 400, 401, 403, 404, ...): nothing
  started and a re-run is safe once the cause is fixed;
- anything else (5xx, a reset, a timeout, an answer that names no id): the action MAY have
  started, and the message says where to look (the status module, the vendor's console) before a
  re-run. This is the fail-safe reading: claiming nothing started when something did would let a
  re-run start it twice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._options import summarise

# Statuses by which a vendor refuses a request before doing anything: nothing started (402: the
# tenant lacks the license the API needs, as Cortex XDR answers).
REFUSED = frozenset((400, 401, 402, 403, 404, 405, 409, 412, 415, 422, 429))


class StartFailed(ActionGateError):
    """A start's request failed. ``may_have_started`` is False only when the vendor refused it.
    ``started`` lists the ids already started by earlier requests of the same module run."""

    def __init__(self, message, may_have_started, started=(), details=None):
        super(StartFailed, self).__init__(message, details)
        self.may_have_started = may_have_started
        self.started = list(started)


class StartRequest:
    """One request a start module sends: what check mode shows, and what ``send_once`` posts.
    ``headers`` never hold credentials (the client adds those), so ``as_dict`` is safe to show."""

    def __init__(self, path, body=None, method="POST", headers=None, data=None, expect_json=True,
                 allow_redirects=True):
        self.method, self.path, self.body, self.headers, self.data = method, path, body, headers, data
        # False for a vendor that answers plain text (Rackspace v1.0 answers the BackupId as text).
        self.expect_json = expect_json
        # False to read a redirect as the answer (Cybereason redirects a request without a valid
        # session to its login page: the caller judges that redirect, it is never followed).
        self.allow_redirects = allow_redirects

    def as_dict(self):
        shown = {"method": self.method, "path": self.path}
        if self.body is not None:
            shown["body"] = self.body
        if self.data is not None:
            shown["data"] = self.data
        return shown


def send_once(client, request, where, look, started=(), explain=None):
    """Send ``request`` once and return the answer (``ApiResponse``: ``status``, ``headers``, ``body``
    parsed from JSON, ``text``). On failure raise ``StartFailed``: ``where``
    names the start ("Cortex XDR isolate of 3 endpoints"), ``look`` says how to see whether it
    started ("run cortex_xdr_action_status without action_ids, or open the Action Center"),
    ``explain(error)`` may add the vendor's meaning of that error (``start_failure``)."""
    try:
        return client.request(request.method, request.path, json_body=request.body, data=request.data,
                              headers=request.headers, idempotent=False, expect_json=request.expect_json,
                              allow_redirects=request.allow_redirects)
    except ActionGateError as error:
        raise start_failure(error, where, look, started, explain=explain)


def start_failure(error, where, look, started=(), explain=None, refused=None):
    """``StartFailed`` for ``error`` (from the one request of a start, or from reading its answer).
    ``explain(error)`` returns a sentence the vendor's answer means (a license missing, no target
    found) or None; it goes after the error's text and changes nothing about whether the action
    may have started, which only the status decides, unless ``refused`` (True or False) says so
    for an answer whose status alone does not (Cybereason: a 204 or a redirect to its login page
    is a refusal; docs/dev/vendors/cybereason.md "Starting actions")."""
    status = getattr(error, "status", None) if isinstance(error, ApiError) else None
    refused = status in REFUSED if refused is None else bool(refused)
    if refused and started:  # a re-run of everything would start the earlier targets again
        tail = ("Nothing started by this request: it was refused (HTTP %s), so re-running what did not start is safe "
                "once this is fixed." % status)
    elif refused:
        tail = "Nothing started: the request was refused (HTTP %s), so a re-run is safe once this is fixed." % status
    else:
        tail = ("The action MAY HAVE STARTED (the request was sent once and never retried, to start nothing "
                "twice): before re-running, %s." % look)
    if started:
        tail += " Already started by this task: %s." % summarise(list(started), render=str)
    text = str(error).rstrip()
    extra = explain(error) if explain is not None else None
    if extra:
        text = "%s. %s" % (text.rstrip("."), extra.strip())
    message = "%s failed: %s %s" % (where, text, tail)
    return StartFailed(message, may_have_started=not refused, started=started,
                       details=getattr(error, "details", None))


def not_sent(error, where):
    """``StartFailed`` for ``error`` raised before the start's request was sent (a login, a check of
    the credentials): nothing started, whatever the error was, so a re-run is safe once it is fixed."""
    message = "%s failed before its request was sent: %s Nothing started, so a re-run is safe once this is fixed." % (
        where, str(error).rstrip())
    return StartFailed(message, may_have_started=False, details=getattr(error, "details", None))


def no_id(where, look, what, body=None):
    """The answer was a success that names no id to wait on: the action may have started."""
    return start_failure(ApiError("the answer has no %s (got %s)" % (what, _kind(body)), 200, body), where, look)


def _kind(value):
    # imported late: _shape imports _errors only, but keep this module's import list short
    from ansible_collections.actiongate.agents.plugins.module_utils._shape import describe
    return describe(value)


def targets(options, name, limit=None, label=None, check=None):
    """The option ``name`` as a list of non-blank strings, checked before any request: not empty,
    no blank item, no duplicates, at most ``limit`` (the vendor's per-request limit, named in the
    message with ``label``); ``check(item)`` returns an error text for an item it refuses."""
    value = options.get(name)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        value = [] if value in (None, "") else [value]
    items = [str(item).strip() if item is not None else "" for item in value]
    if not items:
        raise ConfigError("%s must list at least one target, got none." % name)
    blank = [index for index, item in enumerate(items) if not item]
    if blank:
        raise ConfigError("%s has a blank item (position %s)." % (name, summarise([i + 1 for i in blank], render=str)))
    seen, twice = set(), []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.add(item)
    if twice:
        raise ConfigError("%s lists %s more than once." % (name, summarise(twice)))
    if limit is not None and len(items) > limit:
        raise ConfigError("%s lists %d targets; %s takes at most %d in one request: split them into batches "
                          "(the rollout role does)." % (name, len(items), label or "the vendor", limit))
    for item in items:
        problem = check(item) if check is not None else None
        if problem:
            raise ConfigError("%s: %r %s." % (name, item[:80], problem))
    return items


def start_result(action_ids, requests=None, check_mode=False, **extra):
    """The result of a start module: ``changed`` (also in check mode: it would change), ``action_id``
    (the first id, a string) and ``action_ids`` (every id, strings, in the order asked); in check mode
    ``requests`` (what would be sent) and no ids. Never a key named ``skipped`` (Ansible's own flag)."""
    if "skipped" in extra:
        raise ValueError("a start result never carries 'skipped' (Ansible would mark the task skipped)")
    ids = [str(i) for i in action_ids]
    result = {"changed": True, "action_id": ids[0] if ids else None, "action_ids": ids}
    if check_mode:
        result["requests"] = [r.as_dict() for r in requests or ()]
        result["msg"] = "Check mode: nothing was sent that changes anything; would send %d request%s." % (
            len(result["requests"]), "" if len(result["requests"]) == 1 else "s")
    result.update(extra)
    return result
