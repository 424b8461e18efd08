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

The run's secrets stay registered for the whole run. A secret made for one request (the Cortex XDR
advanced-key nonce and hash, new on every request) is registered inside a ``request_secrets()``
block: it is masked everywhere while the block runs, the block's answers are cleaned of it
(``RequestSecrets.cleaned``, errors on the way out), and it is forgotten when the block ends, so
the scrubbing cost and the registry's size do not grow with the number of requests a long wait makes.
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


def longest_first(forms):
    """``forms`` sorted longest first, so a secret that contains another is masked whole."""
    return tuple(sorted(forms, key=len, reverse=True))


def mask(text, ordered):
    """``text`` with every form of ``ordered`` (longest first) replaced by the mask."""
    for form in ordered:
        if form in text:
            text = text.replace(form, MASK)
    return text


def mask_data(data, ordered):
    """A copy of nested dicts, lists and strings with every form of ``ordered`` masked (keys too)."""
    if not ordered:
        return data
    if isinstance(data, str):
        return mask(data, ordered)
    if isinstance(data, dict):
        return dict((mask_data(k, ordered), mask_data(v, ordered)) for k, v in data.items())
    if isinstance(data, (list, tuple)):
        return [mask_data(v, ordered) for v in data]
    if isinstance(data, bytes):
        return mask(data.decode("utf-8", "replace"), ordered)
    return data


class SecretRegistry:
    """The secrets of one run. ``add`` them as they become known; ``scrub`` and ``scrub_data``
    remove every registered secret, in every encoding, from text and from nested data."""

    def __init__(self, values=()):
        # Pool workers (_pool.map_bounded) add and retire request secrets while others scrub: the
        # sets change under this lock, and a scrub reads one snapshot (``_snapshot``), so no scrub
        # misses a form added before it.
        self._lock = threading.RLock()
        self._forms = set()  # the run's secrets: kept until the run ends
        self._flight = {}  # RequestSecrets -> the forms of the requests of that open block
        self._ordered = ()
        self._local = threading.local()  # each thread's open request_secrets() blocks, innermost last
        self.values = set()
        for value in values:
            self.add(value)

    def __iter__(self):
        with self._lock:
            return iter(sorted(self.values))

    def __len__(self):
        return len(self.values)

    def add(self, value):
        """Register a secret (None and empty are ignored). Returns the value, for chaining.

        Inside a ``request_secrets()`` block of this thread, the value is that block's (a
        request's nonce or signature): masked until the block ends, then forgotten."""
        if value is None or value == "" or isinstance(value, bool):
            return value
        text = str(value)
        if len(text) < MIN_SECRET_LENGTH or text in self.values:
            return value
        forms = encodings(text)
        block = self.open_block()
        with self._lock:
            if block is not None:
                block.forms |= forms
                self._flight[block] = block.forms
            else:
                self.values.add(text)
                self._forms |= forms
            self._ordered = None  # sorted again on the next scrub, not on every add
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

    def request_secrets(self):
        """A block (``with registry.request_secrets() as made:``) whose ``add`` calls in this thread
        register the secrets of the block's own requests; see ``RequestSecrets``."""
        return RequestSecrets(self)

    def open_block(self):
        """This thread's innermost open ``request_secrets()`` block, or None."""
        blocks = getattr(self._local, "blocks", None)
        return blocks[-1] if blocks else None

    def _enter(self, block):
        blocks = getattr(self._local, "blocks", None)
        if blocks is None:
            blocks = self._local.blocks = []
        blocks.append(block)

    def _retire(self, block):
        blocks = getattr(self._local, "blocks", None) or []
        if block in blocks:
            blocks.remove(block)
        with self._lock:
            if self._flight.pop(block, None) is not None:
                self._ordered = None

    def in_flight(self):
        """How many secret forms of requests still in flight the registry holds (bounded by the
        open blocks, not by the requests made)."""
        with self._lock:
            return sum(len(forms) for forms in self._flight.values())

    def _snapshot(self):
        # Every form to mask now, longest first: the run's and those of the requests in flight.
        with self._lock:
            if self._ordered is None:
                self._ordered = longest_first(self._forms.union(*self._flight.values()))
            return self._ordered

    def scrub(self, text):
        """``text`` with every registered secret form replaced by the mask."""
        return mask("" if text is None else str(text), self._snapshot())

    def scrub_data(self, data):
        """A copy of nested dicts, lists and strings with every secret form masked (keys too)."""
        return mask_data(data, self._snapshot())


class RequestSecrets:
    """One block of one thread whose requests make their own secrets (a nonce and a hash per
    request, retries included): ``with registry.request_secrets() as made:``.

    While the block runs, every secret its thread adds is masked by the registry everywhere (in
    every thread's scrub, in every form). The block returns its answers through ``cleaned``, which
    masks those secrets in an answer that echoed one; an error leaving the block has them masked in
    its message and body. When the block ends, they cannot appear anywhere any more, and the
    registry forgets them. A secret of the run (a token, a cookie) must not be added inside a
    block: it would be forgotten with it."""

    def __init__(self, registry):
        self._registry = registry
        self.forms = set()

    def __enter__(self):
        self._registry._enter(self)
        return self

    def __exit__(self, kind, error, trace):
        try:
            if error is not None and self.forms:
                self._clean_error(error)
        finally:
            self._registry._retire(self)
        return False

    def _ordered(self):
        with self._registry._lock:
            return longest_first(self.forms)

    def echoed(self, body, text=None):
        """Whether an answer (``body`` decoded, ``text`` as received: a cheap look first) holds a
        form of this block's secrets in any string, key or value."""
        if not self.forms:
            return False
        if not isinstance(text, str) or "\\u" in text:
            # \u escapes hide the characters: look at the decoded answer written out plainly.
            try:
                probes = [json.dumps(body, ensure_ascii=False)]
            except (TypeError, ValueError):
                return True  # cannot tell: clean it
        else:
            # "/" may be sent escaped as "\/": look at the text both as sent and with it unescaped.
            probes = [text, text.replace("\\/", "/")] if "\\/" in text else [text]
        # A form in a decoded string is that form JSON-escaped in the text.
        wanted = [json.dumps(form, ensure_ascii=False)[1:-1] for form in self._ordered()]
        return any(form in probe for probe in probes for form in wanted)

    def cleaned(self, body, text=None):
        """``body``, an answer of a request of this block, with this block's secrets masked when the
        answer echoed any (``echoed``); as it is otherwise (no copy: the usual case costs a few
        substring searches of ``text``)."""
        if not self.echoed(body, text):
            return body
        return mask_data(body, self._ordered())

    def _clean_error(self, error):
        """Mask this block's secrets in an error leaving it (the client scrubbed its message while
        they were registered; its body, a parsed error page, may echo them)."""
        ordered = self._ordered()
        body = getattr(error, "body", None)
        if body is not None:
            try:
                error.body = mask_data(body, ordered)
            except AttributeError:
                pass
        message = getattr(error, "message", None)
        if isinstance(message, str) and mask(message, ordered) != message:
            error.message = mask(message, ordered)
            error.args = (error.message,) + tuple(error.args[1:])


def registry(secrets):
    """A SecretRegistry from a registry (returned as is), or from an iterable of values."""
    if isinstance(secrets, SecretRegistry):
        return secrets
    return SecretRegistry(secrets or ())
