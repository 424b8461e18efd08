"""Rackspace: the token a run obtained from Identity is revoked when the run ends (``DELETE
<identity_url>/tokens``, the caller's own token); a token given in ``token`` never is."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC, WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import RackspaceBackupStatus

TOKENS = "/v2.0/tokens"


def vendor(simulator, **values):
    settings = {}
    for spec in (CONNECTION_SPEC, WAIT_SPEC, RackspaceBackupStatus.OPTIONS):
        settings.update((name, option.get("default")) for name, option in spec.items())
    settings.update(request_timeout=5)
    settings.update(values)
    return RackspaceBackupStatus(settings)


def with_identity(simulator):
    return vendor(simulator, identity_url=simulator.http_url + "/v2.0", username="sim-user", api_key="sim-api-key",
                  api_version="v2")


def backup(simulator):
    return simulator.control("POST", "/rackspace/backups", {"age": 30})["id"]


def revocations(simulator):
    return [r for r in simulator.requests_log(TOKENS) if r["method"] == "DELETE"]


def read_with(simulator, token):
    return requests.get(simulator.http_url + "/v2/123456/backups/x", headers={"X-Auth-Token": token}, timeout=10)


def test_the_token_identity_gave_is_revoked_at_close(simulator):
    name = backup(simulator)
    rax = with_identity(simulator)
    rax.fetch([name])
    token = rax.client.session.headers["X-Auth-Token"]
    rax.close()
    (revoke,) = revocations(simulator)
    assert revoke["headers"]["x-auth-token"] == token and token not in revoke["path"] + revoke["query"]
    assert simulator.control("GET", "/rackspace/tokens")["revoked"] == [token]
    assert read_with(simulator, token).status_code == 401
    rax.close()  # once only
    assert len(revocations(simulator)) == 1


def test_a_given_token_is_never_revoked(simulator):
    name = backup(simulator)
    given = vendor(simulator, url=simulator.http_url + "/v2/123456", token="sim-token")
    given.fetch([name])
    given.close()
    with_identity(simulator).close()  # no login: nothing to revoke
    assert revocations(simulator) == []


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_token_already_gone_is_fine(simulator, status):
    name = backup(simulator)
    rax = with_identity(simulator)
    rax.fetch([name])
    simulator.fault(path=TOKENS, method="DELETE", status=status, count=1)
    rax.close()


def test_other_trouble_is_an_error_without_the_token(simulator):
    name = backup(simulator)
    rax = with_identity(simulator)
    rax.fetch([name])
    token = rax.client.session.headers["X-Auth-Token"]
    simulator.fault(path=TOKENS, method="DELETE", status=500, count=1)
    with pytest.raises(ApiError) as caught:
        rax.close()
    assert "revoking the token this run obtained (DELETE /v2.0/tokens) failed" in str(caught.value)
    assert token not in str(caught.value)
