# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Option checks made before any request, and the caps on what a message may hold.

Every refusal names the option and the range it accepts. A URL refusal never echoes the URL:
it may hold a password (``https://user:secret@host``) or a token in its query.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.actiongate.agents.plugins.module_utils._connection_options import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._wait_options import MAX_ALLOWED_FAILURES, WAIT_SPEC

# The keys an argspec entry may carry beside AnsibleModule's own (docs/dev/options.md):
#   env               environment variables the option falls back to (an empty one counts as unset)
#   range             (low, high): the values accepted, checked before any request
#   exclusive_low     True: the low end itself is refused (wait_timeout must be more than 0)
#   unit              what the number counts ("seconds"), named in the refusal
#   zero_or_at_least  a value other than 0 must be at least this (progress_interval: 0 or 1 second and more)
EXTENSION_KEYS = ("env", "range", "exclusive_low", "unit", "zero_or_at_least")
# The argspec pieces whose ranges apply to every vendor (a vendor adds its own OPTIONS).
SHARED_SPECS = (CONNECTION_SPEC, WAIT_SPEC)
MAX_MESSAGE = 4000
MAX_LISTED = 20
_COUNT = re.compile(r"^\d+$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")


def check_options(options, names, ranges=None, label=None, specs=None):
    """Refuse, with ConfigError, any option in ``names`` whose value could not work: URLs,
    non-finite numbers, the ``range`` of each option's entry in ``specs`` (argspec pieces, by
    default the shared connection and wait options), ``allowed_failures``, and the further
    ``ranges`` (``{"per_page": (1, 1000)}``, inclusive; a vendor's ``OPTION_RANGES``). A vendor's
    range names the vendor (``label``)."""
    for name in sorted(names):
        value = options.get(name)
        if value is None or value == "" or isinstance(value, bool):
            continue
        if name == "url" or name.endswith("_url"):
            check_url(name, value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ConfigError("%s must be a finite number, got %s." % (name, value))
    for spec in SHARED_SPECS if specs is None else specs:
        for name, entry in spec.items():
            if "range" in entry and name in names:
                check_range(name, options.get(name), entry, label)
    _check_intervals(options, names)
    if "allowed_failures" in names:
        check_allowed_failures(options.get("allowed_failures"))
    for name, (low, high) in sorted((ranges or {}).items()):
        check_range(name, options.get(name), {"range": (low, high)}, label)


def check_range(name, value, entry, label=None):
    """Refuse ``value`` unless it is within ``entry``'s ``range`` (and its ``exclusive_low``,
    ``unit`` and ``zero_or_at_least``). None, '' and booleans are not checked."""
    if value is None or value == "" or isinstance(value, bool):
        return
    low, high = entry["range"]
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError("%s must be a finite number, got %s." % (name, value))
    exclusive = entry.get("exclusive_low", False)
    if (number <= low if exclusive else number < low) or number > high:
        unit = entry.get("unit")
        if unit:
            raise ConfigError("%s must be %s %s and at most %s %s, got %s." % (
                name, "more than" if exclusive else "at least", _number(low), _number(high), unit, _number(value)))
        if exclusive:
            raise ConfigError("%s must be more than %s and at most %s%s, got %s." % (
                name, low, high, _whose(label), value))
        raise ConfigError("%s must be between %s and %s%s, got %s." % (name, low, high, _whose(label), value))
    floor = entry.get("zero_or_at_least")
    if floor is not None and number != 0 and number < floor:
        raise ConfigError("%s must be 0 (off) or at least %s %s, got %s." % (
            name, _number(floor), _unit(entry.get("unit"), floor), _number(value)))


def _whose(label):
    return " (%s's range)" % label if label else ""


def _unit(unit, amount):
    """``seconds``, or ``second`` for exactly 1."""
    unit = unit or ""
    return unit[:-1] if float(amount) == 1 and unit.endswith("s") else unit


def _check_intervals(options, names):
    if "wait_max_interval" not in names:
        return
    interval, longest = options.get("wait_interval"), options.get("wait_max_interval")
    if interval is not None and longest is not None and float(longest) < float(interval):
        raise ConfigError("wait_max_interval must be at least wait_interval (%s seconds), got %s." % (
            _number(interval), _number(longest)))


def check_allowed_failures(value):
    """A count 0..1,000,000 of failed targets, or a percentage 0..100 (``"5%"``)."""
    text = "0" if value in (None, "") else str(value).strip()
    accepted = "a whole number of targets from 0 to %d (such as 3) or a percentage from 0 to 100 (such as '5%%')" % (
        MAX_ALLOWED_FAILURES)
    match = _PERCENT.match(text)
    if match:
        if float(match.group(1)) <= 100:
            return
    elif _COUNT.match(text) and int(text) <= MAX_ALLOWED_FAILURES:
        return
    raise ConfigError("allowed_failures must be %s, got %s." % (accepted, cap(repr(text), 60)))


def check_url(name, value):
    """http or https, a host, no user info, no query and no fragment. Never echoes the URL."""
    text = str(value).strip()
    if _user_info(text) is not None:
        raise ConfigError("%s must not hold a user name or password (https://user:password@host); "
                          "give the credentials in the module's credential options instead." % name)
    try:
        parts = urlsplit(text)
        parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ConfigError("%s is not a valid URL (check the host and port)." % name)
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError("%s must start with https:// (or http://), got a URL with scheme %s." % (
            name, cap(repr(parts.scheme), 20) if parts.scheme else "none"))
    if not parts.hostname:
        raise ConfigError("%s must name a host, such as https://host.example.com:443." % name)
    if parts.query or "?" in text:
        raise ConfigError("%s must not have a query string (?...): give the base URL only." % name)
    if parts.fragment or "#" in text:
        raise ConfigError("%s must not have a fragment (#...): give the base URL only." % name)


def url_passwords(options, names):
    """The user info of any URL option (refused by ``check_url``, but masked until then)."""
    found = []
    for name in names:
        value = options.get(name)
        userinfo = _user_info(str(value)) if (name == "url" or name.endswith("_url")) and value else None
        if userinfo:
            found.extend(part for part in (userinfo, userinfo.partition(":")[2]) if part)
    return found


def _user_info(text):
    """What comes before the last ``@`` ahead of any query or fragment, or None. Wider than
    urlsplit's netloc on purpose: a password holding ``/`` (``https://u:a/b@host``) ends the
    netloc early, and must still be refused and masked whole."""
    rest = text.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    return rest.rsplit("@", 1)[0] if "@" in rest else None


def cap(text, size=MAX_MESSAGE):
    """``text`` cut to ``size`` characters, saying how much was left out."""
    text = str(text)
    if len(text) <= size:
        return text
    return "%s... (%d more characters)" % (text[:size], len(text) - size)


def summarise(items, limit=MAX_LISTED, render=repr):
    """``'a', 'b', ... and 180 more``: the first ``limit`` items of a long list."""
    items = list(items)
    shown = ", ".join(render(i) for i in items[:limit])
    if len(items) > limit:
        shown += " ... and %d more" % (len(items) - limit)
    return shown


def describe(value):
    """A short, safe description of an unexpected JSON value for messages (Cortex XDR, Cybereason)."""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    kind = kinds.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list)):
        return "%s of %d item%s" % (kind, len(value), "" if len(value) == 1 else "s")
    return "%s (%.60r)" % (kind, value)


def _number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value)
