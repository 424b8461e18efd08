# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The batches of a rollout, split exactly as Ansible's ``serial`` splits a play's hosts (a number,
a percentage of all the targets, or a list of them, the last repeating; docs/dev/rollouts.md). Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._rollout.verdict import (
    _text,
)

_WORDS = re.compile(r"[\s,]+")


def serial_size(value, total):
    """One value of Ansible's ``serial`` as a number of targets out of ``total`` targets, exactly as
    ansible-core reads it: ``pct_to_int(value, total)`` (``lib/ansible/utils/helpers.py``), called
    by ``PlaybookExecutor._get_serialized_batches`` (``lib/ansible/executor/playbook_executor.py``).

    - a string ending in ``%`` is a whole-number percentage of the whole list, computed with the
      same float arithmetic, ``int(int("10") / 100.0 * total)``, so rounded down (``"29%"`` of 100
      is 28, as ``serial`` makes it), and at least 1 (``"0%"`` is 1);
    - anything else is ``int(value)``: ``2.7`` is 2, ``"2.5"`` is refused;
    - 0 or less means every target left, in one batch.

    A value ``int`` refuses is a ``ConfigError`` naming ``rollout_batch_size``."""
    if value is None or isinstance(value, bool):
        raise ConfigError("rollout_batch_size: %r is not a number of targets (such as 10) or a percentage of them "
                          "(such as '10%%')" % (value,))
    try:
        if isinstance(value, str) and value.endswith("%"):
            return int((int(value.replace("%", "")) / 100.0) * total) or 1
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError("rollout_batch_size: %r is not a number of targets (such as 10) or a percentage of them "
                          "(such as '10%%')" % (value,))


def batch_sizes(batch_size):
    """``rollout_batch_size`` as the list of ``serial`` values: a list as given, one number or
    percentage, or text listing several separated by commas (``"1, 10%, 100%"``, as a survey
    answer gives them; each part trimmed, blank parts dropped)."""
    if batch_size is None:
        return []
    if isinstance(batch_size, (list, tuple)):
        return list(batch_size)
    if isinstance(batch_size, str):
        return [part.strip() for part in batch_size.split(",") if part.strip()]
    return [batch_size]


def _id_list(value, name):
    """``value`` as a list of ids: each item as text, trimmed; blanks and nulls dropped."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ConfigError("%s must be a list, not %s" % (name, type(value).__name__))
    found = []
    for item in value:
        if item is None or isinstance(item, (dict, list, tuple)):
            if item is None:
                continue
            raise ConfigError("%s holds %s, not an id" % (name, type(item).__name__))
        text = _text(item).strip()
        if text:
            found.append(text)
    return found


def plan(targets=(), batch_size=None, batches=None):
    """The batches of a rollout: a list of lists of target ids.

    - ``batches`` (a list of lists), when not empty, is the plan as given: each id as text,
      trimmed, blanks dropped; an empty batch, or an id in two batches (or twice in one), is refused
      (a target would be acted on twice).
    - Otherwise ``targets`` (ids as text, trimmed, blanks dropped, each kept once, first place
      kept, as Ansible keeps each host of a play once; text, such as a survey's answer, is ids
      separated by new lines, commas or spaces) are split as ``serial`` splits a play's
      hosts (``batch_sizes`` of ``batch_size``): each batch takes the next value of the list
      (``serial_size``, a percentage being of the whole list), the last value repeating until every
      target is in a batch; a value of 0 or less puts every target left in one batch; no value
      (``None`` or ``[]``) is one batch of them all. Every value is checked first, even those the
      split does not reach.

    ``[1, "10%", "100%"]`` over 40 targets is a canary of 1, then 4, then the other 35. Refusals
    are ``ConfigError`` naming the variable (``rollout_targets``, ``rollout_batches``,
    ``rollout_batch_size``)."""
    if batches is not None and not isinstance(batches, (list, tuple)):
        raise ConfigError("rollout_batches must be a list of lists of ids, not %s" % type(batches).__name__)
    if batches:
        found, seen = [], {}
        for number, batch in enumerate(batches, 1):
            ids = _id_list(batch, "rollout_batches[%d]" % (number - 1))
            if not ids:
                raise ConfigError("rollout_batches: batch %d is empty: every batch needs at least one target" % number)
            for target in ids:
                if target in seen:
                    raise ConfigError("rollout_batches: %s is in batch %d and again in batch %d: a target may be in "
                                      "one batch only, once" % (target, seen[target], number))
                seen[target] = number
            found.append(ids)
        return found
    if isinstance(targets, str):
        targets = _WORDS.split(targets)
    ids = []
    for target in _id_list(targets, "rollout_targets"):
        if target not in ids:
            ids.append(target)
    if not ids:
        raise ConfigError("rollout_targets (or rollout_batches) is empty: give the ids of the targets to roll out")
    sizes = batch_sizes(batch_size) or [-1]
    for value in sizes:
        serial_size(value, len(ids))
    found, left, item = [], ids, 0
    while left:
        size = serial_size(sizes[item], len(ids))
        if size <= 0:
            found.append(left)
            break
        found.append(left[:size])
        left = left[size:]
        item = min(item + 1, len(sizes) - 1)
    return found
