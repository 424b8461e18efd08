# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The wait options of every status module and lookup: declared here, once.

Entries as in ``_connection_options`` (argspec keys, then ``range``, ``exclusive_low``, ``unit``
and ``zero_or_at_least``: a value other than 0 must be at least this). The doc fragment ``wait``
documents them, and ``tests/unit/plugins/test_option_docs.py`` holds the two together. See
docs/dev/options.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

WEEK = 604800.0
DAY = 86400.0
# allowed_failures: a count of failed targets up to this, or a percentage (``_options.check_allowed_failures``).
MAX_ALLOWED_FAILURES = 1000000

WAIT_SPEC = {
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "float", "default": 1800.0, "range": (0.0, WEEK), "exclusive_low": True, "unit": "seconds"},
    "wait_interval": {"type": "float", "default": 5.0, "range": (0.5, DAY), "unit": "seconds"},
    # Also at least wait_interval (``_options.check_options``).
    "wait_max_interval": {"type": "float", "default": 60.0, "range": (0.5, DAY), "unit": "seconds"},
    "wait_not_found_timeout": {"type": "float", "default": 30.0, "range": (0.0, WEEK), "unit": "seconds"},
    "allowed_failures": {"type": "str", "default": "0"},
    "fail_on_failure": {"type": "bool", "default": True},
    # Read by the action plugins and lookups, which run on the controller and can print while
    # waiting; a module cannot (plugin_utils/_action.py). 0 prints nothing; below 1 second it
    # would print hundreds of lines a second.
    "progress_interval": {"type": "float", "default": 60.0, "range": (0.0, DAY), "unit": "seconds",
                          "zero_or_at_least": 1.0},
    # False leaves ``raw`` (the vendor's record, about half of a result) out of every action.
    "include_raw": {"type": "bool", "default": True},
}
