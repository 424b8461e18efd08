# -*- coding: utf-8 -*-
"""The secret registry: every registered secret, in every encoding, is masked in text and data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._secrets import MASK, SecretRegistry, registry

CANARY = 'p&a%s"s\\w o+r/d=ü'


@pytest.mark.parametrize("form", [
    CANARY,
    quote(CANARY, safe=""),
    quote(CANARY),
    quote_plus(CANARY),
    json.dumps(CANARY)[1:-1],
    json.dumps(CANARY, ensure_ascii=False)[1:-1],
    base64.b64encode(CANARY.encode()).decode(),
    json.dumps(CANARY)[1:-1].replace("/", "\\/"),
    html.escape(CANARY),
    html.escape(CANARY, quote=False),
], ids=["plain", "quote", "quote-path", "quote_plus", "json", "json-utf8", "base64", "json-slash", "html", "html-noquote"])
def test_every_encoding_is_masked(form):
    secrets = SecretRegistry([CANARY])
    text = "echo: <pre>%s</pre> end" % form
    assert secrets.scrub(text) == "echo: <pre>%s</pre> end" % MASK


def test_basic_pair_is_masked():
    secrets = SecretRegistry()
    secrets.add_basic("admin", CANARY)
    header = "Authorization: Basic " + base64.b64encode(("admin:" + CANARY).encode()).decode()
    assert secrets.scrub(header) == "Authorization: Basic " + MASK


def test_scrub_data_masks_nested_values_and_keys_and_keeps_other_types():
    secrets = registry(["tok-12345"])
    data = {"raw": [{"cookie": "JSESSIONID=tok-12345"}, 3, None, True], "tok-12345": 1.5}
    assert secrets.scrub_data(data) == {"raw": [{"cookie": "JSESSIONID=" + MASK}, 3, None, True], MASK: 1.5}


def test_runtime_secret_added_later_is_masked_and_short_values_are_ignored():
    secrets = SecretRegistry(["abc", None, ""])
    assert len(secrets) == 0
    assert secrets.scrub("abc") == "abc"
    secrets.add("session-9f8e")
    assert secrets.scrub("Cookie: session-9f8e") == "Cookie: " + MASK


def test_longest_secret_wins_when_one_contains_another():
    secrets = SecretRegistry(["abcd", "abcdefgh"])
    assert secrets.scrub("x abcdefgh y") == "x %s y" % MASK
