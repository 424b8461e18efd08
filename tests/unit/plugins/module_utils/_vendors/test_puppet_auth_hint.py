"""Puppet's 401 hint says what the run tried (``PuppetVendor.auth_advice``): the token given, a
login with username and password, a renewal after a 401. On a scripted wire: no socket is opened."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils import _http
from ansible_collections.actiongate.agents.plugins.module_utils._errors import AuthError
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.activity import PuppetActivityEvents
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus

TOKEN_GIVEN = "given-token-0123456789"
PASSWORD = "pass-word-98765"
ORCHESTRATOR = "https://pe.example.com:8143"
CONSOLE = "https://pe.example.com:4433"
REFUSED = {"kind": "puppetlabs.rbac/token-expired", "msg": "The provided token has expired."}
JOB = {"name": "81", "state": "finished", "node_count": 1, "node_states": {"finished": 1}}


def answer(status, body):
    response = requests.models.Response()
    response.status_code, response._content, response._content_consumed = status, json.dumps(body).encode(), True
    response.url, response.reason = "https://pe.example.com/", "Reason"
    return response


@pytest.fixture
def wire(monkeypatch):
    """Each request takes the next scripted answer for its kind ("login" or "read")."""
    script, sent = {"login": [], "read": []}, []

    def send_once(session, lock, verify, budget, request, max_body):
        kind = "login" if request.url.endswith("/rbac-api/v1/auth/token") else "read"
        sent.append(kind)
        return None, answer(*script[kind].pop(0))

    monkeypatch.setattr(_http, "send_once", send_once)
    return script, sent


def job_status(**options):
    return PuppetJobStatus(dict({"url": ORCHESTRATOR, "action_ids": ["81"]}, **options))


def refusal(vendor):
    with pytest.raises(AuthError) as info:
        vendor.fetch(["81"])
    message = str(info.value)
    assert info.value.status == 401 and "HTTP 401" in message
    assert TOKEN_GIVEN not in message and PASSWORD not in message
    return message


def test_a_token_given_alone(wire):
    script, sent = wire
    script["read"] += [(401, REFUSED)]
    message = refusal(job_status(token=TOKEN_GIVEN))
    assert "The RBAC token given (token or PUPPET_TOKEN) was refused" in message and "one hour" in message
    assert "set username and password instead" in message and sent == ["read"]


def test_a_token_given_then_a_login_whose_token_is_refused_too(wire):
    script, sent = wire
    script["read"] += [(401, REFUSED), (401, REFUSED)]
    script["login"] += [(200, {"token": "fresh-token-1"})]
    message = refusal(job_status(token=TOKEN_GIVEN, username="deployer", password=PASSWORD))
    assert ("The RBAC token given (token or PUPPET_TOKEN) was refused, so this run logged in as user 'deployer' at "
            "%s and got a new token, which was refused too." % CONSOLE) in message
    assert "rbac_url names the console of the same Puppet Enterprise as url" in message
    assert "set username and password" not in message and sent == ["read", "login", "read"]


def test_a_login_whose_first_token_is_refused(wire):
    script, sent = wire
    script["login"] += [(200, {"token": "fresh-token-1"})]
    script["read"] += [(401, REFUSED)]
    message = refusal(job_status(username="deployer", password=PASSWORD, rbac_url=CONSOLE + "/"))
    assert "This run logged in as user 'deployer' at %s/ and got a token, which was refused." % CONSOLE in message
    assert "set username and password" not in message and sent == ["login", "read"]


def test_a_token_renewed_once_then_refused_again(wire):
    script, sent = wire
    script["login"] += [(200, {"token": "fresh-token-1"}), (200, {"token": "fresh-token-2"})]
    script["read"] += [(200, JOB), (401, REFUSED), (401, REFUSED)]
    vendor = job_status(username="deployer", password=PASSWORD)
    assert vendor.fetch(["81"])["81"].state == "succeeded"  # the first token worked
    message = refusal(vendor)
    assert ("This run logged in as user 'deployer' at %s, and again after a 401 (2 logins in all): the newest token "
            "was refused too." % CONSOLE) in message
    assert sent == ["login", "read", "read", "login", "read"]


def test_the_console_itself_needs_no_rbac_url_advice():
    vendor = PuppetActivityEvents({"url": CONSOLE, "username": "deployer", "password": PASSWORD})
    vendor.logins = 1
    hint = vendor.auth_advice(401, None)
    assert hint.startswith("This run logged in as user 'deployer' at %s and got a token" % CONSOLE)
    assert "rbac_url" not in hint


def test_a_token_given_with_credentials_but_no_renewal_yet():
    """A call that is not renewed (a start) with a token and username and password both set."""
    hint = job_status(token=TOKEN_GIVEN, username="deployer", password=PASSWORD).auth_advice(401, None)
    assert "leave token unset: username and password are set too" in hint


def test_403_keeps_the_permission_hint():
    vendor = job_status(token=TOKEN_GIVEN)
    assert vendor.auth_advice(403, None) == vendor.auth_hint(403, None)
    assert "permission" in vendor.auth_advice(403, None)
