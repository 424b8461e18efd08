# -*- coding: utf-8 -*-
"""The secret registry: every registered secret, in every encoding, is masked in text and data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import html
import json
import threading
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import MASK, SecretRegistry, encodings, registry

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


# ---- secrets of one request (request_secrets blocks) -----------------------------------------------

NONCE = "n0NcE" * 12 + "abcd"  # 64 characters, as AdvancedKeyAuth makes them
HASH = "ab12" * 16


def test_a_request_secret_is_masked_in_every_form_while_its_block_runs():
    secrets = SecretRegistry(["run-key-1234"])
    with secrets.request_secrets():
        secrets.add(CANARY)
        for form in encodings(CANARY):
            assert secrets.scrub("echo %s end" % form) == "echo %s end" % MASK, form
        assert secrets.scrub_data({"k": "x " + CANARY}) == {"k": "x " + MASK}
        assert secrets.in_flight() == len(encodings(CANARY))


def test_a_retired_request_secret_is_not_kept_and_the_run_secrets_stay():
    secrets = SecretRegistry(["run-key-1234"])
    secrets.add("session-cookie-5678")
    before = secrets._snapshot()
    for _index in range(50):
        with secrets.request_secrets():
            secrets.add(NONCE)
            secrets.add(HASH)
    assert secrets.in_flight() == 0
    assert NONCE not in secrets.values and HASH not in secrets.values
    assert secrets._snapshot() == before  # what a scrub scans is back to the run's secrets
    assert secrets.scrub("nonce %s" % NONCE) == "nonce %s" % NONCE  # no longer scanned for
    for secret in ("run-key-1234", "session-cookie-5678"):
        for form in encodings(secret):
            assert secrets.scrub("x %s y" % form) == "x %s y" % MASK, form


def test_what_a_scrub_scans_does_not_grow_with_the_requests_made():
    secrets = SecretRegistry(["run-key-1234"])
    sizes = []
    for count in range(1, 1001):
        with secrets.request_secrets():
            secrets.add("%064d" % count)
            secrets.add("h%063d" % count)
            if count in (10, 1000):
                sizes.append(len(secrets._snapshot()))
    assert sizes[0] == sizes[1]
    assert len(secrets._snapshot()) == len(encodings("run-key-1234")) and not secrets._flight


def test_a_secret_of_a_request_in_flight_in_another_thread_is_masked():
    secrets = SecretRegistry()
    added, release = threading.Event(), threading.Event()

    def worker():
        with secrets.request_secrets():
            secrets.add(NONCE)
            added.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert added.wait(10)
        assert secrets.scrub("progress: %s" % NONCE) == "progress: " + MASK
        assert secrets.scrub_data(["x-xdr-nonce: " + NONCE]) == ["x-xdr-nonce: " + MASK]
    finally:
        release.set()
        thread.join(10)
    assert secrets.scrub(NONCE) == NONCE and secrets.in_flight() == 0


def test_a_block_takes_only_its_own_threads_secrets():
    secrets = SecretRegistry()
    with secrets.request_secrets():
        other = threading.Thread(target=secrets.add, args=("cookie-of-the-run-99",))
        other.start()
        other.join(10)
        secrets.add(NONCE)
    assert "cookie-of-the-run-99" in secrets.values and NONCE not in secrets.values
    assert secrets.scrub("cookie-of-the-run-99") == MASK


def test_concurrent_blocks_each_retire_only_their_own():
    secrets = SecretRegistry()
    barrier = threading.Barrier(8)
    seen = []

    def worker(index):
        nonce = "nonce-%02d-%s" % (index, "x" * 50)
        with secrets.request_secrets():
            secrets.add(nonce)
            barrier.wait(10)  # all eight in flight at once
            seen.append(secrets.scrub(" ".join("nonce-%02d-%s" % (i, "x" * 50) for i in range(8))))
            barrier.wait(10)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [" ".join([MASK] * 8)] * 8
    assert secrets.in_flight() == 0 and not secrets.values


@pytest.mark.parametrize("text", [
    '{"reply": {"echo": "x-xdr-nonce: %s"}}' % NONCE,
    '{"reply": {"echo": "%s"}}' % "".join("\\u%04x" % ord(c) for c in NONCE),  # every character \u-escaped
    '{"reply": {"%s": 1}}' % NONCE,  # a key
    '{"reply": {"echo": "%s"}}' % base64.b64encode(NONCE.encode()).decode().replace("/", "\\/"),
], ids=["plain", "unicode-escaped", "key", "base64-slash-escaped"])
def test_an_answer_that_echoes_a_request_secret_is_cleaned_before_the_secret_is_forgotten(text):
    secrets = SecretRegistry()
    with secrets.request_secrets() as made:
        secrets.add(NONCE)
        body = made.cleaned(json.loads(text), text)
    assert NONCE not in json.dumps(body) and base64.b64encode(NONCE.encode()).decode() not in json.dumps(body)
    assert MASK in json.dumps(body)


def test_an_answer_without_an_echo_is_returned_as_it_is():
    secrets = SecretRegistry()
    text = '{"reply": {"data": {"endpoint-1": "COMPLETED_SUCCESSFULLY"}}}'
    body = json.loads(text)
    with secrets.request_secrets() as made:
        secrets.add(NONCE)
        assert made.cleaned(body, text) is body
        assert made.cleaned(body) is body  # no text: the decoded answer is looked at


def test_an_error_leaving_the_block_has_its_secrets_masked():
    secrets = SecretRegistry()
    with pytest.raises(ApiError) as caught:
        with secrets.request_secrets():
            secrets.add(NONCE)
            raise ApiError("echo %s" % NONCE, 401, {"echo": {"x-xdr-nonce": NONCE}})
    assert caught.value.body == {"echo": {"x-xdr-nonce": MASK}}
    assert str(caught.value) == "echo " + MASK and NONCE not in repr(caught.value.args)
