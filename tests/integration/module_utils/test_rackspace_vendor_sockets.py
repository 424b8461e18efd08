"""Rackspace Cloud Backup vendor classes against the simulator (moved out of the unit tests, which
open no socket): the catalog's endpoint and origins, token renewal, and waits whose agent events
expire between polls."""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionNotFound, ActionTimeout, AuthError, ConfigError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import origin
from ansible_collections.actiongate.agents.plugins.module_utils._query import ActionQuery
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import (
    RackspaceBackupAgentEvents, RackspaceBackupStatus,
)
from tests.unit.plugins.module_utils._vendors.test_rackspace import AGENT, options


def identity_options(simulator, **values):
    settings = {"url": None, "token": None, "identity_url": simulator.http_url + "/v2.0", "username": "sim-user",
                "api_key": "sim-api-key"}
    settings.update(values)
    return options(**settings)


def test_identity_endpoint_from_catalog_and_region(simulator):
    """The catalog names v1.0 endpoints (as the real one does): the backup is read with v1.0."""
    vendor = RackspaceBackupStatus(identity_options(simulator, region="ord"))
    backup = simulator.control("POST", "/rackspace/backups", {"age": 30, "id": "134332"})
    status = vendor.fetch([backup["id"]])[backup["id"]]
    assert (status.state, status.vendor_status, status.extra["api_version"]) == ("succeeded", "Completed", "v1.0")
    assert vendor.client.base_url == simulator.http_url + "/rax/ord/v1.0/123456"
    assert simulator.requests_log("/rax/ord/v1.0/123456/backup/134332")
    token = vendor.client.session.headers["X-Auth-Token"]
    assert token in vendor.client.secrets


def test_catalog_on_another_origin_gets_the_token_identity_the_credentials(simulator):
    """Identity on the plain listener, the catalog naming the TLS one (another origin, as
    identity.api.rackspacecloud.com and dfw.backup.api.rackspacecloud.com are): the client may
    send the token there because the catalog named it, and the credentials went only to Identity."""
    simulator.control("POST", "/rackspace/config", {"catalog_host": simulator.https_url})
    backup = simulator.control("POST", "/rackspace/backups", {"age": 30, "id": "5150"})
    vendor = RackspaceBackupStatus(identity_options(simulator, ca_path=simulator.ca_path))
    assert vendor.fetch(["5150"])["5150"].state == "succeeded"
    assert vendor.client.base_url == simulator.https_url + "/v1.0/123456"
    assert {origin(simulator.http_url), origin(simulator.https_url)} <= vendor.client.origins
    logged = simulator.requests_log("/")
    assert [r["method"] for r in logged if r["path"] == "/v2.0/tokens"] == ["POST"]
    assert any(r["path"] == "/v1.0/123456/backup/" + backup["id"] for r in logged)


def test_url_and_identity_on_different_origins(simulator):
    """A url on one origin and identity_url on another: the identity origin is allowed too."""
    simulator.control("POST", "/rackspace/backups", {"age": 30, "id": "5151"})
    vendor = RackspaceBackupStatus(identity_options(simulator, url=simulator.https_url, ca_path=simulator.ca_path))
    status = vendor.fetch(["5151"])["5151"]
    assert (status.vendor_status, status.extra["api_version"]) == ("completed", "v2")  # a bare url reads v2
    assert vendor.client.base_url == simulator.https_url + "/v2/123456"
    assert origin(simulator.http_url) in vendor.client.origins


def test_expired_token_renewed_once_with_identity(simulator):
    vendor = RackspaceBackupStatus(identity_options(simulator, api_version="v2"))
    backup = simulator.control("POST", "/rackspace/backups", {})
    vendor.fetch([backup["id"]])
    assert vendor.client.base_url == simulator.http_url + "/v2/123456"  # v2 on the catalog's v1.0 host
    simulator.control("POST", "/rackspace/tokens/expire", {})
    assert vendor.fetch([backup["id"]])[backup["id"]].state in ("pending", "running")
    assert len(simulator.requests_log("/v2.0/tokens")) == 2


def test_expired_token_given_directly_fails_saying_so(simulator):
    vendor = RackspaceBackupStatus(options(url=simulator.http_url, token="sim-token"))
    simulator.control("POST", "/rackspace/tokens/expire", {})
    with pytest.raises(AuthError, match="invalid or expired") as caught:
        vendor.fetch(["x"])
    assert "sim-token" not in str(caught.value) and caught.value.status == 401


def test_identity_refusal_is_readable_and_secret_free(simulator):
    vendor = RackspaceBackupStatus(identity_options(simulator, api_key="wrong-api-key-123"))
    with pytest.raises(AuthError, match="Username or api key is invalid") as caught:
        vendor.fetch(["x"])
    assert "wrong-api-key-123" not in str(caught.value)


def test_unknown_backup_is_missing(simulator):
    vendor = RackspaceBackupStatus(options(url=simulator.http_url, token="sim-token", project_id="123456"))
    with pytest.raises(ActionNotFound, match="no backup with id 'nope'"):
        vendor.statuses(["nope"], FailurePolicy("0"))


class SimTime:
    """The waiter's clock and sleep, moving the simulator's clock instead of sleeping."""

    def __init__(self, simulator):
        self.simulator, self.now = simulator, 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.simulator.control("POST", "/clock", {"advance": seconds})


def wait_query(simulator, ids, **values):
    spec = options(url=simulator.http_url, token="sim-token", wait=True, action_ids=ids, wait_interval=5.0,
                   wait_max_interval=20.0, **values)
    time = SimTime(simulator)
    return ActionQuery(RackspaceBackupAgentEvents, spec, clock=time.clock, sleep=time.sleep)


def test_wait_walks_forward_while_events_expire(simulator):
    simulator.control("POST", "/rackspace/config", {"heartbeat_seconds": 10})
    request = simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT,
                                {"event": "vault_db_download", "step_seconds": 150})
    result = wait_query(simulator, [request["request_id"]], wait_timeout=600).run()
    only = result["actions"][0]
    assert only["state"] == "succeeded" and only["vendor_status"] == "vault_db_download_completed"
    # the in_progress event expired long before the end, yet the run kept it
    assert [e["event"] for e in only["events"]] == ["vault_db_download_in_progress", "vault_db_download_completed"]
    markers = [r["query"] for r in simulator.requests_log("/v2/agents/%s/events" % AGENT)]
    assert all("marker=" in q for q in markers[2:])  # after the first read, always from the last id seen
    assert result["next_marker"] == max((e["id"] for e in result["events"]), key=int)


def test_wait_on_expired_request_fails_as_unknown(simulator):
    old = simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT, {"event": "logfile", "age": 600})
    query = wait_query(simulator, [old["request_id"]], wait_timeout=600, wait_not_found_timeout=30)
    with pytest.raises(ActionNotFound, match="state is unknown"):
        query.run()


def test_wait_times_out_on_running_request(simulator):
    request = simulator.control("POST", "/rackspace/agents/%s/requests" % AGENT,
                                {"event": "vault_db_download", "step_seconds": 5000})
    with pytest.raises(ActionTimeout, match="running \\(vault_db_download_in_progress\\)"):
        wait_query(simulator, [request["request_id"]], wait_timeout=60).run()


def test_catalog_endpoint_downgraded_to_http_gets_no_token(simulator):
    """Identity over https naming an http Cloud Backup endpoint: the token is not sent in the clear."""
    simulator.control("POST", "/rackspace/config", {"catalog_host": simulator.http_url})
    vendor = RackspaceBackupStatus(identity_options(simulator, identity_url=simulator.https_url + "/v2.0",
                                                    ca_path=simulator.ca_path))
    with pytest.raises(ConfigError, match="not https") as caught:
        vendor.fetch(["5150"])
    assert "sim-api-key" not in str(caught.value)
    assert not [r for r in simulator.requests_log("/") if r["path"] != "/v2.0/tokens"]
