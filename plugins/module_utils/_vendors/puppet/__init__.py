# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this package is not a public API of the collection and may change without notice.
"""Puppet Enterprise: the activity service and orchestrator jobs, one file per API.

- ``argspec``: the options of the modules (RBAC credentials, ranges on their entries);
- ``rbac``: the RBAC token (``X-Authentication``), login with username and password, renewal;
- ``activity``: ``GET /activity-api/v2/events`` (``PuppetActivityEvents``), the session side;
- ``orchestrator``: ``GET /orchestrator/v1/jobs`` and ``/jobs/{id}/nodes`` (``PuppetJobStatus``);
- ``start``: ``POST /orchestrator/v1/command/deploy`` and ``command/task`` (``PuppetJobRun``, the
  orchestrator session above; the request and answer readers pure);
- ``parse_activity``, ``parse_orchestrator``: pure parsers, any JSON to statuses or the
  malformed-answer ApiError (they import nothing that sends a request);
- ``jobs``: what both parsers share (the state tables, node counts, job names).

The facts the code relies on, with their public sources: docs/dev/vendors/puppet.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
