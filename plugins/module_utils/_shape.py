# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one shape reader: how every parser reads a count, a string, a timestamp, an id or an enum
out of a vendor's JSON (docs/dev/architecture.md, "The parse side").

Two layers:

- pure readers (``whole_number``, ``digits``, ``text``, ``ident``, ``timestamp``, ``enum``,
  ``describe``) that answer a value or None and never raise: any JSON value goes in;
- ``Shape``, one answer being read, whose methods call those readers and turn a surprise into the
  collection's malformed-answer error (``ApiError``, status 200) naming the service, the endpoint
  and the field, never the value's content (answers can echo secrets).

Every rule here is the fail-safe one: a count is a whole number at least 0 (a fraction, a
boolean, NaN, infinity, a negative number or non-ASCII digits such as "²" or Arabic-Indic digits
are not counts: reading them as 0 or rounding them could let failures pass).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError

# ASCII digits only: str.isdigit() also takes "²" and other Unicode digits, which int() refuses
# (or, for Arabic-Indic digits, reads): a vendor's count is never written that way.
_DIGITS = re.compile(r"\A[0-9]+\Z")
_SIGNED = re.compile(r"\A-?[0-9]+\Z")
# More digits than this is not a count any vendor sends (and int() of a huge string is slow).
MAX_DIGITS = 30

JSON_NAMES = ((bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
              ((int, float), "a number"))
DEFAULT_ADVICE = "If the service is healthy, report this with its version."


def kind(value):
    """``value``'s JSON type in words, never its content."""
    if value is None:
        return "null"
    return next((name for types, name in JSON_NAMES if isinstance(value, types)), type(value).__name__)


def describe(value):
    """A short description for messages: the kind, with the size of a container or the start of a
    scalar (use ``kind`` where the value could be a secret)."""
    if isinstance(value, (dict, list)):
        return "%s of %d item%s" % (kind(value), len(value), "" if len(value) == 1 else "s")
    if value is None:
        return "null"
    return "%s (%.60r)" % (kind(value), value)


def digits(value, signed=False):
    """The int written by ``value`` when it is text of ASCII digits (``-`` first when ``signed``),
    surrounding blanks allowed; else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > MAX_DIGITS or not (_SIGNED if signed else _DIGITS).match(value):
        return None
    return int(value)


def whole_number(value, allow_text=True):
    """A count: an int >= 0, a float with no fraction >= 0 (JSON has one number type), or, when
    ``allow_text``, ASCII digits in a string. None for anything else (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None  # NaN, inf: not integer
    return digits(value) if allow_text else None


def text(value):
    """A non-empty string as is; None for anything else (a number is not taken for text)."""
    return value if isinstance(value, str) and value else None


def ident(value):
    """An id as the collection keeps it: a non-blank string, or a whole number written as digits;
    None for anything else (a boolean, a float, an object)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def timestamp(value):
    """A time as the vendor wrote it (ISO text kept as is; epoch numbers as text); None when absent
    or of no time-like type. Parsers never compare these: they are shown to the user."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


def enum(value, table, default=None, fold=True):
    """``table[word]`` for a string ``value`` (case- and blank-insensitive when ``fold``); ``default``
    for a word the table lacks or a value that is not a string. ``table`` keys are lower case when
    ``fold``. An unknown word must map to a state that never passes (the caller's ``default``)."""
    if not isinstance(value, str):
        return default
    return table.get(value.strip().lower() if fold else value, default)


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


class Shape:
    """One answer being read: every surprise is the collection's malformed-answer error (``ApiError``
    with status 200) naming ``where`` (the service and endpoint) and the field's path."""

    def __init__(self, where, body=None, advice=DEFAULT_ADVICE):
        self.where, self.body, self.advice = where, body, advice

    def fail(self, path, what):
        raise ApiError("%s answered with an unexpected shape: %s %s. %s" % (
            self.where, path, what, self.advice), 200, self.body)

    def check(self, value, types, path):
        """``value`` when it is one of ``types`` (a number is never a boolean here)."""
        types = _as_tuple(types)
        if isinstance(value, types) and not (isinstance(value, bool) and bool not in types):
            return value
        wanted = " or ".join(kind(t()) for t in types)
        return self.fail(path, "is %s, not %s" % (kind(value), wanted))

    def field(self, obj, key, types, path, required=False):
        """``obj[key]`` checked against ``types``; None when absent or null (unless required)."""
        value = obj.get(key)
        where = "%s.%s" % (path, key) if path else key
        if value is None:
            if required:
                self.fail(where, "is missing")
            return None
        return self.check(value, types, where)

    def objects(self, value, path):
        """A list whose every item is an object."""
        for index, item in enumerate(self.check(value, list, path)):
            self.check(item, dict, "%s[%d]" % (path, index))
        return value

    def count(self, value, path, allow_text=True, missing=None):
        """A count (``whole_number``); ``missing`` when absent or null; anything else fails."""
        if value is None:
            return missing
        number = whole_number(value, allow_text=allow_text)
        if number is None:
            return self.fail(path, "is %s, not a count" % kind(value))
        return number

    def ident(self, value, path):
        """A required id (``ident``): fails when absent, blank or not an id."""
        found = ident(value)
        if found is None:
            return self.fail(path, "is %s, not an id" % kind(value))
        return found

    def text(self, value, path, required=False):
        """A string, or None when absent or null; another type fails, and so does a missing
        ``required`` one."""
        if value is None:
            return self.fail(path, "is missing") if required else None
        return self.check(value, str, path)
