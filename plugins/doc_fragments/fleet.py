# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Fleet.OPTIONS (plugins/module_utils/_vendors/fleet/argspec.py) declares these options;
    # tests/unit/plugins/test_option_docs.py holds this text to it (docs/dev/options.md).
    # DOCUMENTATION: connection and credentials for modules (environment variables as fallbacks).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of Kibana, such as V(https://kibana.example.com:5601).
      - If not set, the value of the E(FLEET_URL) environment variable is used.
    type: str
    required: true
  space_id:
    description:
      - Kibana space; requests go to C(/s/<space_id>/api/fleet/...). Omit for the default space.
      - If not set, the value of the E(FLEET_SPACE_ID) environment variable is used.
    type: str
  api_key:
    description:
      - Kibana API key, the encoded value (base64 of C(id:api_key)) that Elasticsearch returns
        when the key is created. It is sent in the C(Authorization) header as C(ApiKey <api_key>).
      - Takes precedence over O(username) and O(password).
      - If not set, the value of the E(FLEET_API_KEY) environment variable is used.
    type: str
  username:
    description:
      - User for basic authentication, with O(password).
      - If not set, the value of the E(FLEET_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(FLEET_PASSWORD) environment variable is used.
    type: str
"""

    # PLUGINS: the same options for lookups, with their env entries.
    PLUGINS = r"""
options:
  url:
    description:
      - Base URL of Kibana, such as V(https://kibana.example.com:5601).
    type: str
    required: true
    env:
      - name: FLEET_URL
  space_id:
    description:
      - Kibana space; requests go to C(/s/<space_id>/api/fleet/...). Omit for the default space.
    type: str
    env:
      - name: FLEET_SPACE_ID
  api_key:
    description:
      - Kibana API key, the encoded value (base64 of C(id:api_key)). It is sent in the C(Authorization) header as C(ApiKey <api_key>).
      - Takes precedence over O(username) and O(password).
    type: str
    env:
      - name: FLEET_API_KEY
  username:
    description:
      - User for basic authentication, with O(password).
    type: str
    env:
      - name: FLEET_USERNAME
  password:
    description:
      - Password of O(username).
    type: str
    env:
      - name: FLEET_PASSWORD
"""

    # QUERY: what to read, for modules and lookups alike.
    QUERY = r"""
options:
  types:
    description:
      - When listing (no action ids), only actions of these types, such as V(UPGRADE) or V(UNENROLL).
    type: list
    elements: str
    default: []
  per_page:
    description:
      - Actions per page of C(action_status), from V(1) to V(10000). The endpoint cannot filter by
        id, so pages are read (0-based) until every id is found or a page comes back short.
      - Kibana reads C((page + 1) * per_page) action documents for each page, and Elasticsearch
        refuses to read past its 10,000-result window, so paging stops before it. An id not found
        by then fails as "not among the newest N actions"; narrow the search with O(date) or
        O(latest).
    type: int
    default: 100
  date:
    description:
      - Only actions created in the day starting at this ISO-8601 time (Kibana's C(date) parameter,
        which it applies as a one-day window).
    type: str
  latest:
    description:
      - Only actions created in the last O(latest) milliseconds (Kibana applies C(latest) as a time
        window, not as a number of actions).
    type: int
  error_size:
    description:
      - How many of the latest agent errors to return per action, from V(0) to V(10) (Kibana
        returns at most 10).
      - Kibana versions whose query schema lacks C(errorSize) refuse it as an unknown key; the
        read is then made again without it, once, and the rest of the run leaves it out (Kibana's
        default of 5 errors applies).
    type: int
    default: 5
  rollout_passed:
    description:
      - What C(ROLLOUT_PASSED) means. Kibana reports it when an upgrade's rollout window has passed
        but some agents (usually offline) have not upgraded; they may still upgrade later.
      - V(wait) treats it as still running (a wait ends on O(wait_timeout) unless the agents finish).
      - V(failure) and V(success) end the wait. The agents that have not upgraded count as failed
        (the collection's one target-accounting rule), so O(allowed_failures) decides whether the
        action succeeded; V(failure) reports the state as V(failed), V(success) as V(partial) (or
        V(failed) when no agent upgraded). Neither lets agents that never upgraded pass unless
        O(allowed_failures) allows them.
    type: str
    default: wait
    choices: [wait, failure, success]
"""
