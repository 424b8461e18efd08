# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The OPTIONS of PuppetActivityEvents, PuppetJobStatus and PuppetJobRun (plugins/module_utils/_vendors/puppet/argspec.py)
    # declare these options; tests/unit/plugins/test_option_docs.py holds this text to them (docs/dev/options.md).
    # puppet_job_run restates token and username in its own DOCUMENTATION (it has no wait options).
    # DOCUMENTATION: RBAC credentials for modules (environment variables as fallbacks).
    DOCUMENTATION = r"""
options:
  token:
    description:
      - RBAC authentication token, sent in the C(X-Authentication) header. Print yours with
        C(puppet-access show); tokens last one hour unless created with a longer C(--lifetime).
      - Takes precedence over O(username) and O(password); when both are set and the token is
        refused, a new token is requested with them.
      - If not set, the value of the E(PUPPET_TOKEN) environment variable is used.
    type: str
  username:
    description:
      - PE console user whose O(password) is exchanged for a token at C(POST /rbac-api/v1/auth/token),
        once per run and again whenever the token expires during a wait.
      - The token is requested with a C(lifetime) of the run's O(wait_timeout) (or O(request_timeout)
        when not waiting) plus 301 seconds, not PE's one-hour default, so it stops working soon after
        the run. It is masked in every output.
      - The user must be revocable (PE cannot issue tokens for C(admin) or C(api_user)).
      - If not set, the value of the E(PUPPET_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(PUPPET_PASSWORD) environment variable is used.
    type: str
"""

    # PLUGINS: the same options for lookups, with their env entries.
    PLUGINS = r"""
options:
  token:
    description:
      - RBAC authentication token, sent in the C(X-Authentication) header (C(puppet-access show)).
      - Takes precedence over O(username) and O(password); when both are set and the token is
        refused, a new token is requested with them.
    type: str
    env:
      - name: PUPPET_TOKEN
  username:
    description:
      - PE console user whose O(password) is exchanged for a token at C(POST /rbac-api/v1/auth/token).
      - The token is requested with a C(lifetime) of the run's O(wait_timeout) (or O(request_timeout)
        when not waiting) plus 301 seconds, not PE's one-hour default. It is masked in every output.
      - The user must be revocable (PE cannot issue tokens for C(admin) or C(api_user)).
    type: str
    env:
      - name: PUPPET_USERNAME
  password:
    description:
      - Password of O(username).
    type: str
    env:
      - name: PUPPET_PASSWORD
"""

    # ACTIVITY: the console URL, for the activity events module.
    ACTIVITY = r"""
options:
  url:
    description:
      - Base URL of the PE console services (activity service and RBAC), such as
        V(https://puppet.example.com:4433).
      - If not set, the value of the E(PUPPET_CONSOLE_URL) environment variable is used.
    type: str
    required: true
"""

    ACTIVITY_PLUGINS = r"""
options:
  url:
    description:
      - Base URL of the PE console services (activity service and RBAC), such as
        V(https://puppet.example.com:4433).
    type: str
    required: true
    env:
      - name: PUPPET_CONSOLE_URL
"""

    # ACTIVITY_QUERY: what to read from the activity service, for modules and lookups alike.
    ACTIVITY_QUERY = r"""
options:
  service_id:
    description:
      - Only events of this service, such as V(classifier), V(rbac), V(pe-console), V(code-manager)
        or the service that records orchestrator runs. All services when omitted.
    type: str
  offset:
    description:
      - Zero-based index of the first commit to return (0 to 2147483647).
    type: int
    default: 0
  order:
    description:
      - Order by commit time. The service defaults to V(desc) (newest first).
    type: str
    choices: [asc, desc]
  limit:
    description:
      - Commits per request, 1 to 1000 (the service's default page; no larger one is documented, use
        O(all_pages) to read more). The service defaults to 1000.
    type: int
  query:
    description:
      - Filters, each a dict; the service ORs the items together and ANDs a time range with them.
      - One item holds one of C(subject_id) (with optional C(subject_type), only V(users) exists),
        C(object_type) (with optional C(object_id)), C(ip_address) (partial match), or C(start)
        with C(end) (ISO-8601 times such as V(2019-11-01T21:32:39Z)).
      - Checked before sending, then sent as URL-encoded JSON in the C(query) parameter.
    type: list
    elements: dict
    default: []
  all_pages:
    description:
      - Follow O(offset) page by page until the C(pagination.total) the service reports.
    type: bool
    default: false
"""

    # JOBS: the orchestrator URL (and where to log in), for the job status module.
    JOBS = r"""
options:
  url:
    description:
      - Base URL of the PE orchestrator, such as V(https://puppet.example.com:8143).
      - If not set, the value of the E(PUPPET_ORCHESTRATOR_URL) environment variable is used.
    type: str
    required: true
  rbac_url:
    description:
      - Base URL of the console services, where O(username) and O(password) are exchanged for a token.
      - Defaults to the host of O(url) on port 4433. Used only with O(username) and O(password), whose
        login goes to this URL (a URL you configured, so its origin may receive it); a redirect from it
        to another origin ends the run.
      - If not set, the value of the E(PUPPET_RBAC_URL) environment variable is used.
    type: str
"""

    JOBS_PLUGINS = r"""
options:
  url:
    description:
      - Base URL of the PE orchestrator, such as V(https://puppet.example.com:8143).
    type: str
    required: true
    env:
      - name: PUPPET_ORCHESTRATOR_URL
  rbac_url:
    description:
      - Base URL of the console services, where O(username) and O(password) are exchanged for a token.
      - Defaults to the host of O(url) on port 4433. Used only with O(username) and O(password), whose
        login goes to this URL (a URL you configured, so its origin may receive it); a redirect from it
        to another origin ends the run.
    type: str
    env:
      - name: PUPPET_RBAC_URL
"""

    # JOBS_QUERY: options of the job status module and lookup.
    JOBS_QUERY = r"""
options:
  list_limit:
    description:
      - When no job ids are given, how many of the most recently changed jobs to list (1 to 1000).
    type: int
    default: 20
"""
