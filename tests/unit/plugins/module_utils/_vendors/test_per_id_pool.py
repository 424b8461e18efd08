"""Per-id vendors read a poll's ids with a bounded pool (docs/dev/options.md, max_concurrent_requests): Cortex XDR, Puppet jobs and
Rackspace backups and restores, against the simulator over real HTTP. The simulator's gauge counts the
requests in flight at once; its latency setting makes them overlap; its log counts every request."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Deadline
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, AuthError, ConfigError, DeadlineExceeded, OriginRefused,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient
from ansible_collections.actiongate.agents.plugins.module_utils._pool import map_bounded
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC, WAIT_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import STATUS_PATH, CortexXdr
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace.v2 import (
    RackspaceBackupAgentEvents, RackspaceBackupStatus,
)

POLICY = FailurePolicy("0")
XDR_FAST = {"pending_seconds": 0.1, "run_seconds": 0.2, "stagger_seconds": 0.05, "timeout_seconds": 0.3,
            "abort_seconds": 0.2, "expire_seconds": 30}
PUPPET_FAST = {"new_seconds": 0.1, "ready_seconds": 0.1, "node_seconds": 0.3}


def options(cls, **values):
    """Every option of ``cls`` at its default, then ``values`` (what the module shell would pass)."""
    settings = {}
    for spec in (CONNECTION_SPEC, WAIT_SPEC, cls.OPTIONS):
        settings.update((name, option.get("default")) for name, option in spec.items())
    settings.update(values)
    return settings


def concurrency(simulator):
    return simulator.control("GET", "/concurrency")


def latency(simulator, seconds, path="/"):
    simulator.control("POST", "/latency", {"seconds": seconds, "path": path})


# ---- Rackspace ------------------------------------------------------------------------------------

def rax(simulator, **values):
    return RackspaceBackupStatus(options(RackspaceBackupStatus, url=simulator.http_url, token="sim-token",
                                         project_id="123456", **values))


def backups(simulator, count):
    return [simulator.control("POST", "/rackspace/backups", {"age": 30})["id"] for _index in range(count)]


@pytest.mark.parametrize("workers", [1, 4])
def test_rackspace_reads_n_ids_with_n_requests_at_most_workers_at_once_in_order(simulator, workers):
    ids = backups(simulator, 16)
    latency(simulator, 0.1, "/v2/123456/backups/")
    simulator.control("DELETE", "/requests")
    vendor = rax(simulator, max_concurrent_requests=workers)
    started = time.monotonic()
    statuses = vendor.statuses(ids, POLICY)
    elapsed = time.monotonic() - started
    assert [s.action_id for s in statuses] == ids
    assert [s.raw["id"] for s in statuses] == ids and all(s.state == "succeeded" for s in statuses)
    reads = [r for r in simulator.requests_log("/v2/123456/backups/") if r["method"] == "GET"]
    assert sorted(r["path"].rsplit("/", 1)[1] for r in reads) == sorted(ids)  # exactly one request per id
    most = concurrency(simulator)["most"]
    if workers == 1:
        assert most == 1 and elapsed >= 16 * 0.1
    else:
        assert 2 <= most <= workers, most
        assert elapsed < 16 * 0.1 * 0.75, elapsed  # 1.6 s one by one; about 0.4 s four at a time


def test_rackspace_429_on_one_id_holds_back_every_worker(simulator):
    ids = backups(simulator, 12)
    latency(simulator, 0.05, "/v2/123456/backups/")
    simulator.fault(path="/v2/123456/backups/" + ids[0], status=429, retry_after=2, count=1)
    simulator.control("DELETE", "/requests")
    vendor = rax(simulator, max_concurrent_requests=4)
    vendor.client._jitter = lambda low, high: 0.0
    assert [s.action_id for s in vendor.statuses(ids, POLICY)] == ids
    log = simulator.requests_log("/v2/123456/backups/")
    refused = log[[r["path"] for r in log].index("/v2/123456/backups/" + ids[0])]["time"]
    during_hold = [r["path"] for r in log if refused + 0.15 < r["time"] < refused + 1.9]
    assert during_hold == [], during_hold  # no worker sent anything while the server asked to wait
    assert len(log) == len(ids) + 1  # the one retried id, and nothing else twice
    assert max(r["time"] for r in log) >= refused + 2


def test_rackspace_failing_id_fails_the_poll_naming_it_and_starts_no_more(simulator):
    ids = backups(simulator, 30)
    latency(simulator, 0.05, "/v2/123456/backups/")
    simulator.fault(path="/v2/123456/backups/" + ids[2], status=500, count=100)
    simulator.control("DELETE", "/requests")
    vendor = rax(simulator, max_concurrent_requests=3)
    with pytest.raises(ApiError) as caught:
        vendor.fetch(ids)
    assert ids[2] in str(caught.value) and "HTTP 500" in str(caught.value), str(caught.value)
    assert "sim-token" not in str(caught.value)
    reads = simulator.requests_log("/v2/123456/backups/")
    assert len(set(r["path"] for r in reads)) < len(ids)  # ids after the failure were not started


def test_rackspace_deadline_holds_across_the_pool(simulator):
    ids = backups(simulator, 40)
    latency(simulator, 0.4, "/v2/123456/backups/")
    simulator.control("DELETE", "/requests")
    vendor = rax(simulator, max_concurrent_requests=2)
    vendor.client.deadline = Deadline(1.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        vendor.fetch(ids)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 0.5 + 0.4 + 0.5, elapsed  # deadline, grace, one answer in flight, slack
    assert len(simulator.requests_log("/v2/123456/backups/")) < len(ids)


def test_rackspace_expired_token_is_renewed_once_for_all_workers(simulator):
    vendor = RackspaceBackupStatus(options(
        RackspaceBackupStatus, url=None, token=None, identity_url=simulator.http_url + "/v2.0", username="sim-user",
        api_key="sim-api-key", api_version="v2", max_concurrent_requests=8))
    ids = [simulator.control("POST", "/rackspace/backups", {"age": 30})["id"] for _index in range(16)]
    assert len(vendor.fetch(ids)) == 16
    simulator.control("POST", "/rackspace/tokens/expire", {})
    latency(simulator, 0.05, "/v2/")
    assert [s.action_id for s in vendor.statuses(ids, POLICY)] == ids
    assert len(simulator.requests_log("/v2.0/tokens")) == 2  # the first login and one renewal, not eight


@pytest.mark.parametrize("given_token", [None, "sim-token"])
def test_rackspace_refused_new_token_is_not_renewed_again_by_other_workers(simulator, given_token):
    """Identity hands out tokens that Cloud Backup refuses (they expire at once): a token just
    obtained is final; a token the user gave (expired) is renewed once for all eight workers."""
    ids = backups(simulator, 16)
    simulator.control("POST", "/rackspace/config", {"token_lifetime": 0})
    simulator.control("POST", "/rackspace/tokens/expire", {})
    vendor = RackspaceBackupStatus(options(
        RackspaceBackupStatus, url=simulator.http_url, token=given_token, identity_url=simulator.http_url + "/v2.0",
        username="sim-user", api_key="sim-api-key", project_id="123456", max_concurrent_requests=8))
    latency(simulator, 0.05, "/v2/123456/")
    with pytest.raises(AuthError, match="HTTP 401"):
        vendor.fetch(ids)
    assert len(simulator.requests_log("/v2.0/tokens")) == 1


def test_rackspace_v1_ids_are_checked_before_any_request(simulator):
    vendor = RackspaceBackupStatus(options(RackspaceBackupStatus, url=simulator.http_url + "/v1.0/123456",
                                           token="sim-token"))
    simulator.control("DELETE", "/requests")
    with pytest.raises(ConfigError, match="v1.0 backup ids are numbers"):
        vendor.fetch(["134332", "not-a-number"])
    assert simulator.requests_log("/v1.0/") == []


# ---- Cortex XDR -----------------------------------------------------------------------------------

XDR_KEYS = {"standard": ("1", "sim-standard-key"), "advanced": ("2", "sim-advanced-key")}


def xdr(simulator, auth_type="standard", **values):
    key_id, key = XDR_KEYS[auth_type]
    return CortexXdr(options(CortexXdr, url=simulator.http_url, api_key_id=key_id, api_key=key, auth_type=auth_type,
                             **values))


@pytest.mark.parametrize("auth_type", ["standard", "advanced"])
def test_cortex_reads_n_ids_with_n_requests_at_most_workers_at_once_in_order(simulator, auth_type):
    ids = [str(simulator.control("POST", "/cortex_xdr/actions", dict(XDR_FAST, count=2))["action_id"])
           for _index in range(12)]
    latency(simulator, 0.1, STATUS_PATH)
    simulator.control("DELETE", "/requests")
    vendor = xdr(simulator, auth_type, max_concurrent_requests=4)
    statuses = vendor.statuses(ids, POLICY)
    assert [s.action_id for s in statuses] == ids
    log = simulator.requests_log(STATUS_PATH)
    assert sorted(str(json.loads(r["body"])["request_data"]["group_action_id"]) for r in log) == sorted(ids)
    assert 2 <= concurrency(simulator)["most"] <= 4
    if auth_type == "advanced":  # every concurrent request signed with its own nonce, none refused
        nonces = [r["headers"]["x-xdr-nonce"] for r in log]
        assert len(set(nonces)) == len(ids)
        # each a secret only while its request ran: none kept once the reads returned
        assert not any(nonce in vendor.client.secrets.values for nonce in nonces)
        assert vendor.client.secrets.in_flight() == 0


def test_cortex_failing_id_is_named(simulator):
    ids = [str(simulator.control("POST", "/cortex_xdr/actions", dict(XDR_FAST, count=1))["action_id"])
           for _index in range(3)]
    simulator.fault(path=STATUS_PATH, status=400, count=1)
    with pytest.raises(ApiError) as caught:
        xdr(simulator, max_concurrent_requests=1).fetch(ids)
    assert str(caught.value).startswith("Cortex XDR group action %s: " % ids[0]), str(caught.value)
    assert "HTTP 400" in str(caught.value) and "sim-standard-key" not in str(caught.value)


def test_max_concurrent_requests_out_of_range_is_refused_before_any_request(simulator):
    for value in (0, 65):
        with pytest.raises(ConfigError, match=r"max_concurrent_requests must be between 1 and 64"):
            xdr(simulator, max_concurrent_requests=value)
    assert simulator.requests_log("/public_api/") == []


# ---- Puppet jobs ----------------------------------------------------------------------------------

def test_puppet_logs_in_once_then_reads_jobs_at_most_workers_at_once(simulator):
    jobs = [simulator.control("POST", "/puppet/jobs", dict(PUPPET_FAST, count=2))["job"]["name"] for _index in range(10)]
    latency(simulator, 0.1, "/orchestrator/v1/jobs/")
    simulator.control("DELETE", "/requests")
    vendor = PuppetJobStatus(options(PuppetJobStatus, url=simulator.http_url, rbac_url=simulator.http_url,
                                     username="deployer", password="puppetlabs", max_concurrent_requests=3))
    statuses = vendor.statuses(jobs, POLICY)
    assert [s.action_id for s in statuses] == jobs
    assert len(simulator.requests_log("/rbac-api/v1/auth/token")) == 1
    reads = [r["path"] for r in simulator.requests_log("/orchestrator/v1/jobs/")]
    assert sorted(p for p in reads if not p.endswith("/nodes")) == sorted("/orchestrator/v1/jobs/" + j for j in jobs)
    assert 2 <= concurrency(simulator)["most"] <= 3


def test_puppet_expired_token_is_renewed_once_for_all_workers(simulator):
    jobs = [simulator.control("POST", "/puppet/jobs", dict(PUPPET_FAST, count=1))["job"]["name"] for _index in range(16)]
    vendor = PuppetJobStatus(options(PuppetJobStatus, url=simulator.http_url, rbac_url=simulator.http_url,
                                     username="deployer", password="puppetlabs", max_concurrent_requests=8))
    assert len(vendor.fetch(jobs)) == 16
    simulator.control("POST", "/puppet/tokens/expire", {})
    latency(simulator, 0.05, "/orchestrator/v1/jobs/")
    assert [s.action_id for s in vendor.statuses(jobs, POLICY)] == jobs
    assert len(simulator.requests_log("/rbac-api/v1/auth/token")) == 2  # the first login and one renewal


def test_puppet_rbac_redirect_refusal_names_rbac_url(adversary):
    """The login goes to rbac_url's origin: a redirect away from it names rbac_url, not url."""
    adversary.route("b", "/rbac-api/v1/auth/token", redirect=307, to="plain")
    vendor = PuppetJobStatus(options(PuppetJobStatus, url=adversary.url("a"), rbac_url=adversary.url("b"),
                                     ca_path=adversary.ca_path, username="deployer", password="puppetlabs"))
    with pytest.raises(OriginRefused, match="(?i)set rbac_url to it") as caught:
        vendor.login()
    assert "puppetlabs" not in str(caught.value)


# ---- the shared session under concurrency ----------------------------------------------------------

def test_a_header_change_waits_for_a_request_being_prepared():
    """Preparing a request (headers merged, auth called) and ``set_header`` exclude each other."""
    client = ApiClient("http://127.0.0.1:9", "Rackspace Cloud Backup")
    seen = {}

    def auth(prepared):
        changer = threading.Thread(target=client.set_header, args=("X-Auth-Token", "renewed"))
        changer.start()
        changer.join(0.3)
        seen["blocked"] = changer.is_alive()  # still waiting for the lock this preparation holds
        seen["thread"] = changer
        return prepared

    client.session.auth = auth
    prepared, _settings = client._prepare("GET", "http://127.0.0.1:9/x", None, None, None, None)
    seen["thread"].join(5)
    assert seen["blocked"] is True
    assert client.session.headers["X-Auth-Token"] == "renewed" and "X-Auth-Token" not in prepared.headers


def test_one_session_under_load_while_headers_and_cookies_change(simulator):
    """A smoke test over real HTTP (the GIL rarely switches inside one iteration, so it cannot prove
    the two tests above): eight workers send while another thread renews the token header, adds and
    drops a header and cookies; no request fails and every request carries one whole token."""
    simulator.control("POST", "/rackspace/tokens", {"id": "token-a"})
    simulator.control("POST", "/rackspace/tokens", {"id": "token-b"})
    ids = backups(simulator, 8)
    client = ApiClient(simulator.http_url, "Rackspace Cloud Backup")
    client.set_header("X-Auth-Token", "token-a")
    stop = threading.Event()

    def flip():  # headers and cookies come and go (a dict that changes size while a request iterates it)
        count = 0
        while not stop.is_set():
            count += 1
            client.set_header("X-Auth-Token", "token-b")
            client.set_header("X-Trace", str(count) if count % 2 else None)
            client.session.cookies.set("lb%d" % (count % 50), str(count))
            if count % 50 == 0:
                client.session.cookies.clear()
            client.set_header("X-Auth-Token", "token-a")

    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        for _index in range(20):
            got = map_bounded(lambda i: client.get_json("/v2/123456/backups/" + i)["id"], ids, max_workers=8)
            assert got == ids
    finally:
        stop.set()
        flipper.join()
    tokens = set(r["headers"].get("x-auth-token") for r in simulator.requests_log("/v2/123456/backups/"))
    assert tokens <= {"token-a", "token-b"} and tokens, tokens


def test_rackspace_agent_events_not_found_message_summarises_long_id_lists():
    vendor = RackspaceBackupAgentEvents(options(RackspaceBackupAgentEvents, url="http://127.0.0.1:9", token="t" * 32,
                                                agent_id="agent-1"))
    message = vendor.not_found_message(["request-%03d" % i for i in range(30)])
    assert "'request-019'" in message and "request-020" not in message and "... and 10 more" in message
    assert "on agent agent-1" in message
