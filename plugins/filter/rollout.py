# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that judge a rollout batch: the logic is ``plugins/module_utils/_rollout/``
(docs/dev/rollouts.md); these only hand the role's registered results to it. Each filter's
documentation is the ``.yml`` file of its name beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._rollout import (
    batch_record, each_allowance, fleet_batch, plan, rollout_summary, vendor_batch, wait_allowance,
)


def _mapping(value, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s must be a dict (a registered result), not %s" % (name, type(value).__name__))
    return value


def _list(value, name):
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise AnsibleFilterError("%s must be a list, not %s" % (name, type(value).__name__))
    return list(value)


def rollout_allowance(allowed_failures, total, refused=0, each=False):
    """``allowed_failures`` for a batch's wait, grown by the targets the vendor refused; with
    ``each``, for a batch of one action per target (``_rollout.each_allowance``)."""
    if isinstance(refused, (list, tuple)):
        refused = len(refused)
    try:
        if each:
            return each_allowance(allowed_failures, int(total))
        return wait_allowance(allowed_failures, int(total), int(refused or 0))
    except (TypeError, ValueError) as error:
        raise AnsibleFilterError("rollout_allowance: %s" % error)


def rollout_plan(targets, batch_size=None, batches=None):
    """The batches of a rollout, split as ``serial`` splits hosts (``_rollout.plan``)."""
    try:
        return plan(targets, batch_size, batches)
    except ConfigError as error:
        raise AnsibleFilterError(str(error))


def rollout_batch(waited, vendor, index, plan_length, targets, started=None, allowed_failures="0", check_mode=False,
                  action=""):
    """The rollout role's record and breach message of one batch (``_rollout.vendor_batch``)."""
    try:
        return vendor_batch(vendor, int(index), int(plan_length), _list(targets, "targets"), _mapping(started, "started"),
                            _mapping(waited, "the wait result"), allowed_failures, check_mode, action)
    except ConfigError as error:
        raise AnsibleFilterError("rollout_batch: %s" % error)
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError("rollout_batch could not read the batch's results (%s: %s)" % (type(error).__name__, error))


def rollout_result(records, vendor, action, batches, start_batch=1, check_mode=False, breach=""):
    """The rollout role's whole result from its plan and the records of its batches (``_rollout.rollout_summary``)."""
    try:
        return rollout_summary(vendor, action, _list(batches, "batches"), _list(records, "records"), int(start_batch),
                               check_mode, breach or "")
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError("rollout_result could not read the records (%s: %s)" % (type(error).__name__, error))


def rollout_batch_record(wait, batch, targets, action_ids=None, allowed_failures="0", refused=None, start_error=None,
                         target_key="target"):
    """The vendor-neutral record and verdict of one batch (``_rollout.batch_record``)."""
    return batch_record(batch, _list(targets, "targets"), _list(action_ids, "action_ids") if not isinstance(
        action_ids, str) else [action_ids], _mapping(wait, "the wait result"), allowed_failures,
        _list(refused, "refused"), start_error, target_key)


def fleet_rollout_batch(waited, index, plan_length, agents, todo, read_failed=False, info=None, started=None,
                        check_mode=False, action="upgrade", version="", allowed_failures="0"):
    """The fleet_rollout role's entry and breach message of one batch (``_rollout.fleet_batch``)."""
    try:
        return fleet_batch(int(index), int(plan_length), _list(agents, "agents"), _list(todo, "todo"), read_failed,
                           _mapping(info, "info"), _mapping(started, "started"), _mapping(waited, "the wait result"),
                           check_mode, action, version, allowed_failures)
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError("fleet_rollout_batch could not read the batch's results (%s: %s)"
                                 % (type(error).__name__, error))


class FilterModule(object):
    def filters(self):
        return {
            "rollout_allowance": rollout_allowance,
            "rollout_batch_record": rollout_batch_record,
            "fleet_rollout_batch": fleet_rollout_batch,
            "rollout_plan": rollout_plan,
            "rollout_batch": rollout_batch,
            "rollout_result": rollout_result,
        }
