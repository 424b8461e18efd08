# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one secret registry: every secret of a run, registered once, scrubbed in every encoding.

Secrets come from options (API keys, passwords, tokens) and from the run itself (session
cookies, obtained tokens, the Cortex XDR advanced-key hash and nonce). Each is registered once
with ``add`` and then removed from any text or data that leaves the collection (messages,
warnings, progress lines, results with ``raw``, lookup errors), in every form a server or a
library could echo it: plain, URL-encoded (``quote`` and ``quote_plus``), JSON-escaped (with
and without ``ensure_ascii``, ``/`` escaped or not), HTML-escaped, and base64 of ``user:password``
for Basic auth.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import html
import json
import threading

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity's compile happy
    from urllib import quote, quote_plus  # type: ignore

MASK = "********"
# Shorter values (a 3-character password) would mask ordinary words in every message; the
# options' own no_log masking still covers them in results.
MIN_SECRET_LENGTH = 4


def encodings(secret):
    """The forms in which ``secret`` can appear in an echoed request or an error page."""
    secret = str(secret)
    forms = set([secret, quote(secret, safe=""), quote(secret), quote_plus(secret)])
    for ensure_ascii in (True, False):
        forms.add(json.dumps(secret, ensure_ascii=ensure_ascii)[1:-1])
    # A JSON-escaped form echoed inside another JSON string is escaped again; some encoders
    # (PHP, Jackson's option) also escape "/" as "\\/".
    forms.add(json.dumps(json.dumps(secret)[1:-1])[1:-1])
    forms |= set(f.replace("/", "\\/") for f in list(forms) if "/" in f)
    # An HTML error or login page echoes a value HTML-escaped (& < > and quotes).
    forms.add(html.escape(secret))
    forms.add(html.escape(secret, quote=False))
    forms.add(base64.b64encode(secret.encode("utf-8")).decode("ascii"))
    return set(f for f in forms if len(f) >= MIN_SECRET_LENGTH)


def basic_pair(user, password):
    """The base64 of ``user:password`` (Basic auth), which no single secret's encoding covers."""
    return base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")


class SecretRegistry:
    """The secrets of one run. ``add`` them as they become known; ``scrub`` and ``scrub_data``
    remove every registered secret, in every encoding, from text and from nested data."""

    def __init__(self, values=()):
        # Pool workers (_pool.map_bounded) add secrets (a nonce per request) while others scrub:
        # adding and sorting take this lock, so no scrub misses a form added before it.
        self._lock = threading.RLock()
        self._forms = set()
        self._ordered = ()
        self.values = set()
        for value in values:
            self.add(value)

    def __iter__(self):
        with self._lock:
            return iter(sorted(self.values))

    def __len__(self):
        return len(self.values)

    def add(self, value):
        """Register a secret (None and empty are ignored). Returns the value, for chaining."""
        if value is None or value == "" or isinstance(value, bool):
            return value
        text = str(value)
        if len(text) < MIN_SECRET_LENGTH or text in self.values:
            return value
        forms = encodings(text)
        with self._lock:
            self.values.add(text)
            self._forms |= forms
            self._ordered = None  # sorted again on the next scrub, not on every add (a nonce per request)
        return value

    def add_basic(self, user, password):
        """Register a Basic auth pair: the password and ``base64(user:password)``."""
        self.add(password)
        if user is not None and password:
            self._add_form(basic_pair(user, password))

    def _add_form(self, form):
        with self._lock:
            self._forms.add(form)
            self._ordered = None

    def _forms_longest_first(self):
        # Longest first, so a secret that contains another is masked whole.
        with self._lock:
            if self._ordered is None:
                self._ordered = tuple(sorted(self._forms, key=len, reverse=True))
            return self._ordered

    def scrub(self, text):
        """``text`` with every registered secret form replaced by the mask."""
        text = "" if text is None else str(text)
        for form in self._forms_longest_first():
            if form in text:
                text = text.replace(form, MASK)
        return text

    def scrub_data(self, data):
        """A copy of nested dicts, lists and strings with every secret form masked (keys too)."""
        if not self._forms:
            return data
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return dict((self.scrub_data(k), self.scrub_data(v)) for k, v in data.items())
        if isinstance(data, (list, tuple)):
            return [self.scrub_data(v) for v in data]
        if isinstance(data, bytes):
            return self.scrub(data.decode("utf-8", "replace"))
        return data


def registry(secrets):
    """A SecretRegistry from a registry (returned as is), or from an iterable of values."""
    if isinstance(secrets, SecretRegistry):
        return secrets
    return SecretRegistry(secrets or ())
