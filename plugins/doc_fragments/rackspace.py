# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The OPTIONS of RackspaceBackupStatus and RackspaceBackupAgentEvents (plugins/module_utils/_vendors/rackspace/argspec.py)
    # declare these options; tests/unit/plugins/test_option_docs.py holds this text to them (docs/dev/options.md).
    # DOCUMENTATION: endpoint and credentials for modules (environment variables as fallbacks).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - The regional Cloud Backup endpoint, such as V(https://dfw.backup.api.rackspacecloud.com), or the C(publicURL)
        of the service catalog, such as V(https://dfw.backup.api.rackspacecloud.com/v1.0/123456). A URL that names a
        version (C(/v1.0) or C(/v2), then perhaps the project) is used with that version's paths; a bare host gets
        C(/v2/<project_id>/...). Agent events are always read with v2, on the same host.
      - Required with O(token). With O(username), it overrides the endpoint found in the service catalog.
      - If not set, the value of the E(RAX_BACKUP_URL) environment variable is used.
    type: str
  token:
    description:
      - A Rackspace Identity token, sent as C(X-Auth-Token). Tokens last about a day; when it is refused
        the task fails saying so, unless O(username) and O(api_key) are also given, in which case a new
        token is obtained once.
      - If not set, the value of the E(RAX_AUTH_TOKEN) environment variable is used.
    type: str
  identity_url:
    description:
      - Rackspace Identity v2.0 endpoint; the token is requested from C(<identity_url>/tokens). The credentials are
        sent only to this URL's origin; the token only to the origin of O(url) or of the catalog endpoint.
      - If not set, the value of the E(RAX_IDENTITY_URL) environment variable is used.
    type: str
    default: https://identity.api.rackspacecloud.com/v2.0
  username:
    description:
      - Rackspace user to get a token for, with O(api_key) or O(password). The Cloud Backup endpoint then
        comes from the service catalog (type C(rax:backup)) in O(region). Real catalogs name the public v1.0 API
        (C(https://dfw.backup.api.rackspacecloud.com/v1.0/<tenant>)).
      - A token that expires during the run (HTTP 401) is renewed once.
      - If not set, the value of the E(RAX_USERNAME) environment variable is used.
    type: str
  api_key:
    description:
      - API key of O(username) (C(RAX-KSKEY:apiKeyCredentials)).
      - If not set, the value of the E(RAX_API_KEY) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username) (C(passwordCredentials)), instead of O(api_key).
      - If not set, the value of the E(RAX_PASSWORD) environment variable is used.
    type: str
  region:
    description:
      - Region of the catalog endpoint to use, such as V(DFW), V(ORD), V(IAD), V(LON), V(HKG) or V(SYD).
      - Defaults to the user's default region, or the only Cloud Backup endpoint in the catalog.
      - If not set, the value of the E(RAX_REGION) environment variable is used.
    type: str
  project_id:
    description:
      - Project (tenant, account) id in the paths. With O(username) it defaults to the token's tenant;
        with O(token) and a bare O(url) it may be left out, as Cloud Backup allows.
      - If not set, the value of the E(RAX_PROJECT_ID) environment variable is used.
    type: str
"""

    # PLUGINS: the same options for lookups, with their env entries.
    PLUGINS = r"""
options:
  url:
    description:
      - The regional Cloud Backup endpoint, such as V(https://dfw.backup.api.rackspacecloud.com), or the C(publicURL)
        of the service catalog (C(.../v1.0/<tenant>)). A URL that names a version is used with that version's paths;
        a bare host gets C(/v2/<project_id>/...). Agent events are always read with v2, on the same host.
      - Required with O(token). With O(username), it overrides the endpoint found in the service catalog.
    type: str
    env:
      - name: RAX_BACKUP_URL
  token:
    description:
      - A Rackspace Identity token, sent as C(X-Auth-Token). Tokens last about a day; when it is refused
        the lookup fails saying so, unless O(username) and O(api_key) are also given.
    type: str
    env:
      - name: RAX_AUTH_TOKEN
  identity_url:
    description:
      - Rackspace Identity v2.0 endpoint; the token is requested from C(<identity_url>/tokens).
    type: str
    default: https://identity.api.rackspacecloud.com/v2.0
    env:
      - name: RAX_IDENTITY_URL
  username:
    description:
      - Rackspace user to get a token for, with O(api_key) or O(password). The Cloud Backup endpoint then
        comes from the service catalog (type C(rax:backup)) in O(region).
    type: str
    env:
      - name: RAX_USERNAME
  api_key:
    description:
      - API key of O(username) (C(RAX-KSKEY:apiKeyCredentials)).
    type: str
    env:
      - name: RAX_API_KEY
  password:
    description:
      - Password of O(username) (C(passwordCredentials)), instead of O(api_key).
    type: str
    env:
      - name: RAX_PASSWORD
  region:
    description:
      - Region of the catalog endpoint to use, such as V(DFW) or V(LON). Defaults to the user's default region.
    type: str
    env:
      - name: RAX_REGION
  project_id:
    description:
      - Project (tenant, account) id in the paths. With O(username) it defaults to the token's tenant.
    type: str
    env:
      - name: RAX_PROJECT_ID
"""

    # AGENT_EVENTS: what rackspace_backup_agent_events reads, for the module and the lookup.
    AGENT_EVENTS = r"""
options:
  agent_id:
    description:
      - The Cloud Backup agent whose events are read.
    type: str
    required: true
  marker:
    description:
      - Event id to start after; only newer events are returned (older ones with O(sort_dir=desc)).
        Pass the previous run's C(next_marker) to resume without seeing events twice.
    type: str
  limit:
    description:
      - Events per page (Cloud Backup's default is 100), from V(1) to V(1000).
    type: int
    default: 100
  sort_dir:
    description:
      - Order of the events when listing. Reading request ids always walks forward (V(asc)).
    type: str
    default: asc
    choices: [asc, desc]
  all_pages:
    description:
      - When listing, follow the C(next) link (its marker, on the configured endpoint) until a page comes
        back empty, instead of reading one page. Reading request ids always reads every page.
    type: bool
    default: false
  event_types:
    description:
      - Only return events of these types (shell patterns such as V(vault_db_download_*) work), and when
        listing only the requests that have such events. The state of a request is always decided
        from all of its events.
    type: list
    elements: str
    default: []
  wait_max_interval:
    description:
      - The longest delay between two polls, in seconds. Agent events last about a minute, so keep this well
        below 60 or a request's events may come and go between two polls.
    type: float
    default: 20
"""

    # BACKUP_STATUS: what rackspace_backup_status reads, for the module and the lookup.
    BACKUP_STATUS = r"""
options:
  resource:
    description:
      - Whether the ids are backups (C(GET /v2/<project_id>/backups/<id>)) or restores (C(/restores/<id>)).
    type: str
    default: backup
    choices: [backup, restore]
  completed_with_errors:
    description:
      - What C(completed_with_errors) (v1.0 C(CompletedWithErrors)) means. V(partial) lets O(allowed_failures)
        decide, counting the files with errors (so with the default V(0) it is a failure); V(success) counts it as
        succeeded whatever the error count; V(failure) as failed.
      - A count in O(allowed_failures) is a number of files with errors (C(errors.count), v1.0 C(NumErrors) from
        C(GET /v1.0/<tenant>/backup/report/<id>)). A percentage is of the files the backup searched
        (C(files_searched), v1.0 C(FilesSearched)), not of C(files_backed_up), which counts only the files changed
        since the last backup; for a restore, of the files restored plus those with errors.
      - Where Cloud Backup gives no count (no report, a missing field) or more errors than files, the reading that
        fails safe is taken (every file counts as failed and none as succeeded, so it cannot pass).
    type: str
    default: partial
    choices: [partial, success, failure]
  api_version:
    description:
      - Which Cloud Backup API to read. V(v1.0) is the public API (C(GET /v1.0/<tenant>/backup/<id>) and
        C(/restore/<id>), ids are numbers); V(v2) is C(GET /v2/<project_id>/backups/<id>) (ids are UUIDs), which
        Rackspace documents as not launched externally.
      - V(auto) uses the version the endpoint names (O(url), or the catalog's C(publicURL), which names v1.0), and
        v2 for a bare host such as V(https://dfw.backup.api.rackspacecloud.com).
    type: str
    default: auto
    choices: [auto, v1.0, v2]
"""
