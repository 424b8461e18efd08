"""Puppet Enterprise: the token a run obtained by logging in is revoked when the run ends
(``DELETE /rbac-api/v2/tokens``, the token in the body); a token given in ``token`` never is."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC, WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.rbac import REVOKE_PATH

JOBS = "/orchestrator/v1/jobs"


def vendor(simulator, **values):
    settings = {}
    for spec in (CONNECTION_SPEC, WAIT_SPEC, PuppetJobStatus.OPTIONS):
        settings.update((name, option.get("default")) for name, option in spec.items())
    settings.update(url=simulator.http_url, rbac_url=simulator.http_url, request_timeout=5)
    settings.update(values)
    return PuppetJobStatus(settings)


def job(simulator):
    return simulator.control("POST", "/puppet/jobs", {"count": 1, "node_seconds": 3600})["job"]["name"]


def read_with(simulator, token):
    return requests.get(simulator.http_url + JOBS, headers={"X-Authentication": token}, timeout=10)


def test_the_token_a_login_obtained_is_revoked_at_close(simulator):
    name = job(simulator)
    puppet = vendor(simulator, username="deployer", password="puppetlabs")
    puppet.fetch([name])
    token = puppet.client.session.headers["X-Authentication"]
    assert read_with(simulator, token).status_code == 200
    puppet.close()
    (revoke,) = simulator.requests_log(REVOKE_PATH)
    assert revoke["method"] == "DELETE" and json.loads(revoke["body"]) == {"revoke_tokens": [token]}
    assert token not in revoke["path"] and "revoke_tokens" not in revoke.get("query", "")  # never in the URL
    answer = read_with(simulator, token)
    assert answer.status_code == 401 and answer.json()["kind"] == "puppetlabs.rbac/token-revoked"
    assert simulator.control("GET", "/puppet/tokens")["revocations"] == 1
    puppet.close()  # once only
    assert len(simulator.requests_log(REVOKE_PATH)) == 1


def test_a_renewed_token_is_the_one_revoked(simulator):
    name = job(simulator)
    puppet = vendor(simulator, username="deployer", password="puppetlabs")
    puppet.fetch([name])
    simulator.control("POST", "/puppet/tokens/expire", {})
    puppet.fetch([name])  # a 401, one more login
    renewed = puppet.client.session.headers["X-Authentication"]
    puppet.close()
    (revoke,) = simulator.requests_log(REVOKE_PATH)
    assert json.loads(revoke["body"]) == {"revoke_tokens": [renewed]}


def test_a_given_token_is_never_revoked_and_no_login_means_nothing_to_revoke(simulator):
    name = job(simulator)
    given = vendor(simulator, token="sim-puppet-token")
    given.fetch([name])
    given.close()
    unused = vendor(simulator, username="deployer", password="puppetlabs")
    unused.close()
    assert simulator.requests_log(REVOKE_PATH) == []
    assert read_with(simulator, "sim-puppet-token").status_code == 200


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_token_already_gone_or_a_pe_without_the_endpoint_is_fine(simulator, status):
    name = job(simulator)
    puppet = vendor(simulator, username="deployer", password="puppetlabs")
    puppet.fetch([name])
    simulator.fault(path=REVOKE_PATH, status=status, count=1)
    puppet.close()  # no error


def test_other_trouble_is_an_error_without_the_token(simulator):
    name = job(simulator)
    puppet = vendor(simulator, username="deployer", password="puppetlabs")
    puppet.fetch([name])
    token = puppet.client.session.headers["X-Authentication"]
    simulator.fault(path=REVOKE_PATH, status=500, count=1)
    with pytest.raises(ApiError) as caught:
        puppet.close()
    assert "revoking the token this run obtained (DELETE /rbac-api/v2/tokens) failed" in str(caught.value)
    assert "HTTP 500" in str(caught.value) and token not in str(caught.value)
