# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # WAIT_SPEC in plugins/module_utils/_wait_options.py declares these options (type, default,
    # range); tests/unit/plugins/test_option_docs.py holds this text to it (docs/dev/options.md).
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Poll until every action is terminal (or failures exceed O(allowed_failures), or
        O(wait_timeout) passes) instead of reading the status once.
      - Needs at least one non-blank id; with no ids the task fails at once (listing recent
        actions is only for V(false)).
      - In check mode the status is read once and never waited on; this holds for the lookups
        too when the play runs with C(--check).
      - The result's C(history) (changes of state or counts while waiting) is bounded - for each
        action its first change and its last ones, 10 entries at most, fewer when many actions share
        the limit of 500 entries, never fewer than the first and the last. C(history_total) counts
        every change seen and C(history_dropped) those left out.
      - A task that fails while waiting still returns C(actions) (the last state of each),
        C(polls), C(elapsed) and C(history), with C(msg) saying what failed.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait in all, for all actions together (one deadline).
      - On timeout the task fails and reports the last state and target counts of every action.
      - Must be more than V(0) and at most V(604800) (a week).
    type: float
    default: 1800
  wait_interval:
    description:
      - Seconds before the second poll. Later delays grow by half each time, with jitter, up to
        O(wait_max_interval). The last poll lands on the deadline.
      - At least V(0.5) and at most V(86400).
    type: float
    default: 5
  wait_max_interval:
    description:
      - The longest delay between two polls, in seconds.
      - At least O(wait_interval) (so at least V(0.5)) and at most V(86400).
    type: float
    default: 60
  wait_not_found_timeout:
    description:
      - While waiting, how many seconds an action id may be missing from the vendor's answer
        (a just-created action not yet listed) before the task fails naming it.
      - From V(0) to V(604800).
    type: float
    default: 30
  allowed_failures:
    description:
      - How many failed targets (agents, endpoints, sensors, nodes) an action may have and still
        count as succeeded. A whole number from V(0) to V(1000000) such as V(3), or a percentage of
        the targets from V(0%) to V(100%) such as V(5%).
      - While waiting, the wait stops early, and fails, as soon as failures exceed this.
    type: str
    default: "0"
  fail_on_failure:
    description:
      - When waiting, fail the task if an action ends unsuccessfully or failures exceed
        O(allowed_failures). When V(false), return the result with C(succeeded=false) instead.
      - A timeout always fails.
    type: bool
    default: true
  progress_interval:
    description:
      - While waiting, print a progress line (each action's state and target counts) at least
        every this many seconds, so a long wait shows in the play output that AWX streams.
      - When the task runs on the controller (connection C(local), or C(delegate_to) V(localhost),
        without C(become) or C(async)), a status module runs in the controller's process through
        the action plugin of the same name, so it can print while it waits, in one task run. On any
        other host, or with C(async), the module runs there as a normal module and prints nothing
        until it ends.
      - V(0) prints nothing; otherwise at least V(1) and at most V(86400). A value between V(0)
        and V(1) is refused before any request.
    type: float
    default: 60
  include_raw:
    description:
      - Whether each action carries C(raw), the vendor's record untouched.
      - C(raw) repeats the vendor's whole record for every action; V(false) keeps task results
        (and AWX job events) smaller. Nothing else in the result changes.
    type: bool
    default: true
"""
