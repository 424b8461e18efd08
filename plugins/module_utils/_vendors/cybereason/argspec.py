# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Cybereason options: the argspec piece of ``cybereason_action_status`` (module, action plugin and
lookup), 1:1 with ``plugins/doc_fragments/cybereason.py`` and the module's DOCUMENTATION.

An entry may carry ``env`` (environment fallbacks) and ``range`` (inclusive bounds, checked by
``Vendor.check_options`` before any request) beside its Ansible keys; no Cybereason option is a
number, so none has a range.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SECRET_OPTIONS = ("password",)

OPTIONS = {
    "url": {"type": "str", "required": True, "env": ["CYBEREASON_URL"]},
    "username": {"type": "str", "required": True, "env": ["CYBEREASON_USERNAME"]},
    "password": {"type": "str", "required": True, "no_log": True, "env": ["CYBEREASON_PASSWORD"]},
    "action_ids": {"type": "list", "elements": "str", "default": []},
    "action_types": {"type": "list", "elements": "str", "default": []},
}
