"""Cortex XDR advanced key: each request's nonce and hash are secrets while the request can be
echoed, and forgotten once its read returns (the real ApiClient and AdvancedKeyAuth, pool
workers included; only the socket is replaced by a canned answer)."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils import _http
from ansible_collections.actiongate.agents.plugins.module_utils._connection_options import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._errors import AuthError
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import MASK
from ansible_collections.actiongate.agents.plugins.module_utils._transport import prepare
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import CortexXdr
from ansible_collections.actiongate.agents.plugins.module_utils._wait_options import WAIT_SPEC

KEY = "unit-advanced-key-0123456789"


class Wire:
    """Stands in for ``_transport.send_once``: prepares each request as on the wire (AdvancedKeyAuth
    signs it), records its headers, and answers ``status`` with ``body(headers)``."""

    def __init__(self, status=200, echo=False):
        self.status, self.echo = status, echo
        self.sent = []
        self.lock = threading.Lock()

    def __call__(self, session, lock, verify, budget, request, max_body):
        prepared, _settings = prepare(session, lock, verify, request)
        headers = dict(prepared.headers)
        with self.lock:
            self.sent.append(headers)
        reply = {"data": {"endpoint-1": "COMPLETED_SUCCESSFULLY"}}
        if self.echo:
            reply["echo"] = {"x-xdr-nonce": headers["x-xdr-nonce"], "Authorization": headers["Authorization"]}
        response = requests.Response()
        response.status_code = self.status
        response.headers["Content-Type"] = "application/json"
        response.encoding = "utf-8"
        response._content = json.dumps({"reply": reply} if self.status < 400 else {
            "reply": {"err_code": self.status, "err_msg": "refused", "err_extra": json.dumps(reply["echo"])}}).encode()
        response._content_consumed = True
        response.url = request.url
        return None, response


@pytest.fixture
def wire(monkeypatch):
    def install(**kwargs):
        fake = Wire(**kwargs)
        monkeypatch.setattr(_http, "send_once", fake)
        return fake
    return install


def vendor(workers=4):
    settings = {}
    for spec in (CONNECTION_SPEC, WAIT_SPEC, CortexXdr.OPTIONS):
        settings.update((name, option.get("default")) for name, option in spec.items())
    settings.update(url="https://api-tenant.example", api_key_id="2", api_key=KEY, auth_type="advanced",
                    max_concurrent_requests=workers)
    return CortexXdr(settings)


def secrets_sent(wire):
    return [h[name] for h in wire.sent for name in ("x-xdr-nonce", "Authorization")]


def test_no_nonce_or_hash_is_kept_after_the_reads_and_the_scrub_scans_the_run_secrets_only(wire):
    fake = wire()
    xdr = vendor()
    before = xdr.client.secrets._snapshot()
    found = xdr.fetch([str(1000 + i) for i in range(40)])
    assert len(found) == 40 and len(fake.sent) == 40
    assert len(set(h["x-xdr-nonce"] for h in fake.sent)) == 40
    secrets = xdr.client.secrets
    assert secrets.in_flight() == 0 and secrets.values == {KEY}
    assert secrets._snapshot() == before
    assert xdr.client.message(KEY) == MASK  # the run's key stays masked


def test_an_answer_echoing_its_request_reaches_raw_masked(wire):
    fake = wire(echo=True)
    xdr = vendor()
    found = xdr.fetch([str(1000 + i) for i in range(12)])
    text = json.dumps([status.raw for status in found.values()])
    assert not [secret for secret in secrets_sent(fake) if secret in text]
    assert text.count(MASK) == 24
    assert xdr.client.secrets.in_flight() == 0


def test_an_error_page_echoing_the_request_fails_with_the_secrets_masked(wire):
    fake = wire(status=401, echo=True)
    xdr = vendor(workers=1)
    with pytest.raises(AuthError) as caught:
        xdr.fetch(["1001"])
    text = str(caught.value) + json.dumps(caught.value.body)
    assert "refused" in text and MASK in text
    assert not [secret for secret in secrets_sent(fake) if secret in text]
    assert xdr.client.secrets.in_flight() == 0
