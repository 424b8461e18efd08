# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The session side of Puppet Enterprise orchestrator jobs (port 8143): ``GET /orchestrator/v1/jobs``
when no id is given, else ``GET /jobs/{id}`` per job (a bounded pool), with node counts and failed
nodes from ``/jobs/{id}/nodes`` page by page. Parsing is ``parse_orchestrator.py``.

Why the nodes are read (the job record documents no ``node_states``) and how they page:
docs/dev/vendors/puppet.md ("Orchestrator jobs").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._pool import read_each
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.argspec import JOB_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.jobs import NODE_FAILED, job_name, shape
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.parse_orchestrator import (
    JOBS_PATH, SERVICE, check_job, job_items, job_status, node_counts, node_errors, parse_nodes, unknown_job,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.rbac import PuppetVendor, console_url

# /jobs/{id}/nodes page size (limit and offset are documented; no maximum is).
NODES_PAGE = 1000
MAX_NODE_PAGES = 100  # when the job record gives no node_count


class PuppetJobStatus(PuppetVendor):
    """``GET /orchestrator/v1/jobs/{id}``; node counts and failed nodes from ``/jobs/{id}/nodes``."""

    LABEL = SERVICE
    NOT_FOUND_HINT = ("The orchestrator answered unknown-job: check the id (the job name that command/deploy or "
                      "command/task returned, such as 81).")
    OPTIONS = JOB_OPTIONS

    def __init__(self, options, client=None):
        # Every id is checked before any request (job ids are digits, jobs endpoint doc).
        self.names = dict((str(i).strip(), job_name(i)) for i in options.get("action_ids") or [] if str(i).strip())
        super(PuppetJobStatus, self).__init__(options, client)
        # job -> (node counts, errors): read the nodes again only when the counts change. One
        # entry per job, each written by the one worker reading that job.
        self._errors = {}

    def rbac_url(self):
        return self.options.get("rbac_url") or console_url(self.options["url"])

    def fetch(self, action_ids):
        """The jobs (and their nodes where needed) read by at most max_concurrent_requests workers,
        after one login."""
        self.login_first()
        statuses = read_each(self.read_one, action_ids, self.options, self.client.deadline, "job")
        return dict((i, s) for i, s in zip(action_ids, statuses) if s is not None)

    def read_one(self, action_id):
        """One job's status, or None when the orchestrator answers unknown-job."""
        name = self.names.get(action_id) or job_name(action_id)
        body = self.job(name)
        return None if body is None else self.parse(body, "GET %s/%s" % (JOBS_PATH, name))

    def list_actions(self):
        params = {"order_by": "timestamp", "order": "desc", "limit": self.options.get("list_limit") or 20}
        where = "GET %s" % JOBS_PATH
        items = job_items(self.get(JOBS_PATH, params=params), "%s %s" % (self.LABEL, where))
        return [self.parse(item, where, "items[%d]" % index) for index, item in enumerate(items)]

    def job(self, name):
        """The job record, or None when the orchestrator answers unknown-job."""
        try:
            return self.get("%s/%s" % (JOBS_PATH, segment(name)))
        except ApiError as error:
            if unknown_job(error.status, error.body):
                return None
            raise

    def parse(self, body, where, path="the answer"):
        """One job record -> ActionStatus. ``node_states`` is documented on the /jobs list only, so
        without it the counts come from ``/jobs/{id}/nodes``."""
        job = check_job(shape("%s %s" % (self.LABEL, where), body), body, path)
        name = job["name"]
        counts, nodes = job["node_states"], None
        if counts is None:
            nodes = self.nodes(name, job["node_count"])
            counts = node_counts(nodes)
        errors = []
        if any(counts.get(s) for s in NODE_FAILED):
            key = tuple(sorted(counts.items()))
            cached = self._errors.get(name)
            if cached is None or cached[0] != key:
                listed = nodes if nodes is not None else self.nodes(name, job["node_count"])
                cached = self._errors[name] = (key, node_errors(listed))
            errors = cached[1]
        return job_status(body, job, counts, errors)

    def nodes(self, name, node_count=None):
        """Every node of a job, page by page (``limit``/``offset``, ordered by name). Stops at a short
        page, or at a page that brings no new node (a server that ignores paging); a server that keeps
        sending new full pages past the job's ``node_count`` (or 100 pages) is an error."""
        path = "%s/%s/nodes" % (JOBS_PATH, segment(name))
        found, offset = {}, 0
        cap = (node_count // NODES_PAGE + 2) if node_count is not None else MAX_NODE_PAGES
        for _page in range(cap):
            params = {"limit": NODES_PAGE, "offset": offset, "order_by": "name", "order": "asc"}
            items = parse_nodes(self.get(path, params=params), "%s GET %s" % (self.LABEL, path))
            fresh = [i for i in items if i["name"] not in found]
            for item in items:
                found[item["name"]] = item
            if len(items) < NODES_PAGE or not fresh:
                return list(found.values())
            offset += len(items)
        raise ApiError(self.client.message("%s GET %s kept answering full pages of new nodes past %d nodes (the job "
                                           "has %s): stopped reading. Check the orchestrator's paging." % (
                                               self.LABEL, path, len(found), node_count)), 200, None)
