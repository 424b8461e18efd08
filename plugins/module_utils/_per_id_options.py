# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The option of every plugin whose vendor answers one id per request (Cortex XDR, Puppet jobs,
Rackspace backups and restores): declared here, once.

The vendor classes merge ``PER_ID_OPTIONS`` into their ``OPTIONS``, so ``Vendor.check_options``
checks its ``range`` before any request; ``_pool.read_each`` reads it. The doc fragment
``per_id`` documents it, and ``tests/unit/plugins/test_option_docs.py`` holds the two together.
See docs/dev/options.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

OPTION = "max_concurrent_requests"
DEFAULT_WORKERS = 8
MAX_WORKERS = 64

PER_ID_OPTIONS = {OPTION: {"type": "int", "default": DEFAULT_WORKERS, "range": (1, MAX_WORKERS)}}
# The same range for a vendor class that still lists it in ``OPTION_RANGES``.
PER_ID_RANGES = dict((name, tuple(spec["range"])) for name, spec in PER_ID_OPTIONS.items())
