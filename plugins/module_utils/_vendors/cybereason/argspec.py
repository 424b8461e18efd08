# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason options: the argspec pieces of ``cybereason_action_status`` (module, action plugin and
lookup: ``OPTIONS``) and of ``cybereason_sensor_action`` (module and action plugin: ``START_OPTIONS``),
1:1 with ``plugins/doc_fragments/cybereason.py`` and each module's DOCUMENTATION.

An entry may carry ``env`` (environment fallbacks) and ``range`` (inclusive bounds, checked by
``Vendor.check_options`` before any request) beside its Ansible keys; no Cybereason option is a
number, so none has a range.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SECRET_OPTIONS = ("password",)

# The server and the user: every Cybereason module's (doc fragment ``cybereason``).
CREDENTIALS = {
    "url": {"type": "str", "required": True, "env": ["CYBEREASON_URL"]},
    "username": {"type": "str", "required": True, "env": ["CYBEREASON_USERNAME"], "header": "encoded"},
    "password": {"type": "str", "required": True, "no_log": True, "env": ["CYBEREASON_PASSWORD"], "header": "encoded"},
}

OPTIONS = dict(CREDENTIALS, **{
    "action_ids": {"type": "list", "elements": "str", "default": []},
    "action_types": {"type": "list", "elements": "str", "default": []},
})

# cybereason_sensor_action (start.py): one sensor action on up to MAX_SENSORS sensors
# (docs/dev/vendors/cybereason.md, "Starting actions"). scan_type goes with action=scan only, and
# the sensor limit, blank and repeated ids are checked by ``start.start_request`` before any request.
START_ACTIONS = ("upgrade", "restart", "scan")
SCAN_TYPES = ("FULL", "QUICK")
# Cybereason documents no limit on sensorsIds; this is the collection's own bound on one request
# (a rollout sends batches), so that one mistaken list cannot reach a whole estate at once.
MAX_SENSORS = 1000
START_OPTIONS = dict(CREDENTIALS, **{
    "action": {"type": "str", "required": True, "choices": list(START_ACTIONS)},
    "sensor_ids": {"type": "list", "elements": "str", "required": True},
    "scan_type": {"type": "str", "choices": list(SCAN_TYPES)},
    "include_raw": {"type": "bool", "default": True},
})
START_MODULE_KWARGS = {"required_if": [("action", "scan", ("scan_type",))]}
