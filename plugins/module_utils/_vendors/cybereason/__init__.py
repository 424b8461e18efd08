# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason: ``GET /rest/sensors/allActions`` behind a form login (docs/dev/vendors/cybereason.md).

- ``argspec``: the options (``OPTIONS``, ``START_OPTIONS``, ``SECRET_OPTIONS``);
- ``session``: the form login, a second login when the session is gone, the logout, the request;
- ``parse``: pure, any JSON answer -> ActionStatus list or the malformed-answer ``ApiError``;
- ``start``: ``CybereasonStart``, the start side of ``cybereason_sensor_action`` (one login, one
  sensor action request, one logout); imported from there, not here.

The names plugins and tests use are re-exported here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.parse import (
    ACTION_STATS_CLASS, STATS_CLASS, batch_key, item_key, stats_class,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason.session import (
    Cybereason, is_login_answer, login_problem,
)

__all__ = ("ACTION_STATS_CLASS", "STATS_CLASS", "Cybereason", "batch_key", "is_login_answer", "item_key", "login_problem",
           "stats_class")
