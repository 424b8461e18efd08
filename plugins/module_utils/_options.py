# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Option checks made before any request, and the caps on what a message may hold.

Every refusal names the option and the range it accepts. A URL refusal never echoes the URL:
it may hold a password (``https://user:secret@host``) or a token in its query; a refused header
value (``header``) is never echoed either: it is a key, a token or a password. The files of
``ca_path``, ``client_cert`` and ``client_key`` (``file``) are opened and read here, so a missing,
unreadable or non-PEM file is refused by name before any request (docs/dev/options.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import os
import re
import stat

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
#   header            True: the value goes as it is into an HTTP header (API keys, tokens, key ids);
#                     "encoded": it reaches the request encoded (Basic auth, a login body, a URL path
#                     segment). Either way control characters are refused (check_header_value).
#   file              "ca", "cert" or "key": the option names a PEM file, opened and read before any
#                     request (check_file; a "ca" may also be a directory of certificates)
EXTENSION_KEYS = ("env", "range", "exclusive_low", "unit", "zero_or_at_least", "header", "file")
# The argspec pieces whose ranges apply to every vendor (a vendor adds its own OPTIONS).
SHARED_SPECS = (CONNECTION_SPEC, WAIT_SPEC)
MAX_MESSAGE = 4000
MAX_LISTED = 20
_COUNT = re.compile(r"^\d+$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
# C0 controls and DEL: requests refuses CR and LF in a header value (after its retries, as an
# unreachable host), the others corrupt the request or the credential.
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_NAMES = {"\n": "a line feed", "\r": "a carriage return", "\x00": "a NUL", "\t": "a tab"}
# How much of a PEM file is read for its markers; a real CA bundle is a few hundred kilobytes.
MAX_PEM_BYTES = 16 * 1024 * 1024


def check_options(options, names, ranges=None, label=None, specs=None):
    """Refuse, with ConfigError, any option in ``names`` whose value could not work: URLs,
    non-finite numbers, the ``range`` of each option's entry in ``specs`` (argspec pieces, by
    default the shared connection and wait options), ``allowed_failures``, and the further
    ``ranges`` (``{"per_page": (1, 1000)}``, inclusive; a vendor's ``OPTION_RANGES``). A vendor's
    range names the vendor (``label``). Entries may also carry ``header`` (``check_header_value``)
    and ``file`` (``check_tls_files``)."""
    specs = SHARED_SPECS if specs is None else specs
    for name in sorted(names):
        value = options.get(name)
        if value is None or value == "" or isinstance(value, bool):
            continue
        if name == "url" or name.endswith("_url"):
            check_url(name, value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ConfigError("%s must be a finite number, got %s." % (name, value))
    for spec in specs:
        for name, entry in spec.items():
            if name not in names:
                continue
            if "range" in entry:
                check_range(name, options.get(name), entry, label)
            if entry.get("header"):
                check_header_value(name, options.get(name), entry)
    check_tls_files(options, names, specs)
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


def _option_label(name, entry):
    """``api_key (or FLEET_API_KEY)``: where the value may have come from."""
    env = entry.get("env") or ()
    return "%s (or %s)" % (name, " or ".join(env)) if env else name


def check_header_value(name, value, entry):
    """Refuse a value that cannot go into a request as the user meant it: any control character
    (C0 or DEL) and, for a value sent as it is in a header (``header: True``), a leading blank or a
    character outside Latin-1 (http.client cannot encode it). A trailing newline, what a file
    lookup leaves, says so. Never echoes the value."""
    if value is None or isinstance(value, bool):
        return
    text = value if isinstance(value, str) else str(value)
    label = _option_label(name, entry)
    raw = entry.get("header") is True
    where = "it would go into an HTTP header as it is" if raw else "it would be sent with the request as it is"
    if text.rstrip("\r\n") != text and not _CONTROL.search(text.rstrip("\r\n")):
        raise ConfigError("%s ends with a newline (a file lookup? use | trim): %s. Nothing was sent." % (label, where))
    found = _CONTROL.search(text)
    if found:
        char = found.group(0)
        at = "at its start" if found.start() == 0 else "at its end" if found.end() == len(text) else "inside it"
        raise ConfigError("%s holds a control character (%s, %s): %s. Check the value (not shown: it may be "
                          "a secret). Nothing was sent." % (
                              label, _CONTROL_NAMES.get(char, "character %d" % ord(char)), at, where))
    if raw and text[:1].isspace():
        raise ConfigError("%s begins with a blank (a copy and paste? use | trim): an HTTP header value cannot begin "
                          "with one. Nothing was sent." % label)
    if raw:
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            raise ConfigError("%s holds a character an HTTP header cannot carry (outside Latin-1): keys and tokens "
                              "are plain ASCII, so check the value (not shown: it may be a secret). "
                              "Nothing was sent." % label)


_WANTED = {
    "ca": "the PEM file (or a directory) of the CA certificates that signed the server's certificate",
    "cert": "the PEM file of the client certificate (it may hold the private key too)",
    "key": "the PEM file of the client certificate's private key",
}


def check_tls_files(options, names, specs):
    """The files of the ``file`` options among ``names`` (``ca_path``, ``client_cert``,
    ``client_key``), and ``client_key`` only beside ``client_cert``. The CA is not read when
    ``validate_certs`` is false: it is not used then."""
    entries = {}
    for spec in specs:
        for name, entry in spec.items():
            if name in names and entry.get("file"):
                entries[name] = entry
    if not entries:
        return
    cert_text = None
    for name in sorted(entries):
        kind, path = entries[name]["file"], options.get(name)
        if not path or (kind == "ca" and options.get("validate_certs") is False):
            continue
        text = check_file(name, path, kind)
        if kind == "cert":
            cert_text = text
    if options.get("client_key") and "client_key" in entries and not options.get("client_cert"):
        raise ConfigError("client_key is set without client_cert: give client_cert too (the certificate the key "
                          "belongs to), or leave client_key out.")
    if cert_text is not None and not options.get("client_key") and b"PRIVATE KEY-----" not in cert_text:
        raise ConfigError("client_cert names %s, which holds no private key: set client_key to the PEM file of the "
                          "certificate's key (or put the key in the certificate's file)." % _path(options.get("client_cert")))


def check_file(name, path, kind):
    """Refuse ``path`` (the value of option ``name``, or of the environment variable ``name``
    names) unless it is a readable PEM file of ``kind`` ("ca": certificates, or a readable
    directory of them; "cert": a certificate; "key": a private key without a passphrase). Returns
    the bytes read (None for a directory). Nothing is sent before this."""
    shown = _path(path)
    wanted = _WANTED[kind]
    try:
        info = os.stat(path)
    except OSError as error:
        if not os.path.lexists(path):
            raise ConfigError("%s names %s, which does not exist: give %s." % (name, shown, wanted))
        if os.path.islink(path) and not os.path.exists(path):
            raise ConfigError("%s names %s, a symbolic link to %s, which does not exist: give %s." % (
                name, shown, _path(os.path.realpath(path)), wanted))
        raise ConfigError("%s names %s, which cannot be reached (%s): give %s." % (
            name, shown, error.strerror or error, wanted))
    if stat.S_ISDIR(info.st_mode):
        if kind != "ca":
            raise ConfigError("%s names %s, which is a directory: give %s." % (name, shown, wanted))
        try:
            os.listdir(path)
        except OSError as error:
            raise ConfigError("%s names the directory %s, which cannot be read (%s): give %s." % (
                name, shown, error.strerror or error, wanted))
        return None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError("%s names %s, which is not a regular file: give %s." % (name, shown, wanted))
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_PEM_BYTES)
    except (OSError, IOError) as error:
        raise ConfigError("%s names %s, which cannot be read (%s): give %s, readable by the user the task runs "
                          "as." % (name, shown, getattr(error, "strerror", None) or error, wanted))
    _check_pem(name, shown, kind, text)
    return text


def _check_pem(name, shown, kind, text):
    if kind == "key":
        if b"PRIVATE KEY-----" not in text:
            raise ConfigError("%s names %s, which holds no PEM private key (no -----BEGIN ... PRIVATE KEY----- "
                              "line): give %s." % (name, shown, _WANTED[kind]))
    elif b"-----BEGIN CERTIFICATE-----" not in text and b"-----BEGIN TRUSTED CERTIFICATE-----" not in text:
        raise ConfigError("%s names %s, which holds no PEM certificate (no -----BEGIN CERTIFICATE----- line; a "
                          "DER file converts with openssl x509 -inform der -in FILE -out FILE.pem): give %s." % (
                              name, shown, _WANTED[kind]))
    if kind != "ca" and (b"ENCRYPTED PRIVATE KEY-----" in text or b"Proc-Type: 4,ENCRYPTED" in text):
        raise ConfigError("%s names %s, whose private key is encrypted: the modules cannot give its passphrase. "
                          "Give the key decrypted (openssl pkey -in FILE -out FILE.plain), readable only by the "
                          "user the task runs as." % (name, shown))


def _path(path):
    return cap(str(path), 300)


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
