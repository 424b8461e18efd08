# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The verdict on one batch of a rollout, whatever the vendor (docs/dev/rollouts.md): a package of
four files (``verdict``, ``fleet``, ``plan``, ``vendors``) whose names are all importable from here.

A batch is a list of targets (Fleet agents, Cortex XDR endpoints, Cybereason sensors, Puppet nodes,
Rackspace backup configurations) started with one or more actions, then waited on with the vendor's
status module. What decides whether the rollout goes on lives here, in plain functions of plain
data, so a role only passes its registered results in (through the filters of
``plugins/filter/rollout.py``) and every vendor's rollout judges a batch the same way:

- ``wait_allowance``: the ``allowed_failures`` the batch's wait is given. Targets the vendor refused
  when it wrote the action (Kibana's upgrade cool-down, a hosted policy) are errors of the action,
  counted failed by the status module, but not failures of the batch: the allowance grows by them,
  and a percentage applies to the other targets.
- ``batch_record``: the batch's record and verdict: ``passed`` when every action of the batch
  succeeded under that allowance (``FailurePolicy``, as the status module judges), with the failed
  targets named and a one-line message for the play's failure.
- ``fleet_batch``: the entry and breach message of the ``fleet_rollout`` role, made from
  ``batch_record`` (its keys are the role's documented result and do not change).
- ``plan``: the batches of a rollout, split as Ansible's ``serial`` splits a play's hosts.
- ``vendor_batch`` and ``rollout_summary``: the ``rollout`` role's record of one batch of any of the
  five vendors (from ``batch_record``, with what each vendor's start and status results say about
  its targets) and its whole result.

Pure: no I/O, no Ansible import; the inputs are never changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._rollout.fleet import fleet_batch
from ansible_collections.actiongate.agents.plugins.module_utils._rollout.plan import batch_sizes, plan, serial_size
from ansible_collections.actiongate.agents.plugins.module_utils._rollout.vendors import (
    ACTIONS, LEFT_OUT, TARGETS, each_allowance, rollout_summary, vendor_batch,
)
from ansible_collections.actiongate.agents.plugins.module_utils._rollout.verdict import batch_record, judge, one_line, truth, wait_allowance

__all__ = ("ACTIONS", "LEFT_OUT", "TARGETS", "batch_record", "batch_sizes", "each_allowance", "fleet_batch", "judge",
           "one_line", "plan", "rollout_summary", "serial_size", "truth", "vendor_batch", "wait_allowance")
