"""The bounded name lookup under the client's connections (``_transport.resolve``), with a stand-in
resolver: no socket is opened. (A whole run against a stalled resolver: tests/integration/test_weather.py.)"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils import _transport
from ansible_collections.actiongate.agents.plugins.module_utils._transport import ResolveTimeout, numeric, resolve

ADDRESS = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.7", 443))]


@pytest.fixture
def resolver(monkeypatch):
    """socket.getaddrinfo replaced: names in ``stalled`` wait for ``release``; every call is counted."""
    state = {"calls": [], "stalled": set(), "release": threading.Event(), "fail": set()}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        state["calls"].append(host)
        if host in state["stalled"]:
            state["release"].wait(30)
        if host in state["fail"]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return ADDRESS

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield state
    state["release"].set()
    for _attempt in range(100):  # the held lookups end before the next test's resolver is set up
        if not _transport._LOOKUPS:
            break
        time.sleep(0.01)


def test_a_stalled_resolver_is_waited_for_only_as_long_as_the_attempt_has(resolver):
    resolver["stalled"].add("stalled.example")
    started = time.monotonic()
    with pytest.raises(ResolveTimeout):
        resolve("stalled.example", 443, seconds=0.3)
    assert 0.3 <= time.monotonic() - started < 1.0


def test_a_lookup_still_running_is_shared_not_started_again(resolver):
    resolver["stalled"].add("kibana.example")
    for _attempt in range(3):
        with pytest.raises(ResolveTimeout):
            resolve("kibana.example", 443, seconds=0.05)
    assert resolver["calls"] == ["kibana.example"]  # one thread held by the resolver, not three
    resolver["release"].set()
    assert resolve("kibana.example", 443, seconds=5) == ADDRESS
    assert resolve("kibana.example", 443, seconds=5) == ADDRESS
    assert resolver["calls"] == ["kibana.example", "kibana.example"]  # a lookup that ended is not cached


def test_a_name_that_does_not_resolve_raises_its_own_error(resolver):
    resolver["fail"].add("nowhere.example")
    with pytest.raises(socket.gaierror, match="Name or service not known"):
        resolve("nowhere.example", 443, seconds=5)
    assert _transport._LOOKUPS == {}


@pytest.mark.parametrize("host, is_address", [("127.0.0.1", True), ("::1", True), ("2001:db8::7", True),
                                              ("kibana.example", False), ("localhost", False), ("", False)])
def test_addresses_need_no_lookup_thread(resolver, host, is_address):
    assert numeric(host) is is_address
    if is_address:
        resolver["stalled"].add(host)
        resolver["release"].set()  # inline: the stand-in answers at once
        assert resolve(host, 80, seconds=0) == ADDRESS


def test_the_session_connects_through_resolving_connections():
    session, _verify = _transport.new_session()
    for prefix in ("http://", "https://"):
        manager = session.get_adapter(prefix + "kibana.example").poolmanager
        pool = manager.connection_from_url(prefix + "kibana.example")
        assert pool.ConnectionCls.__name__.startswith("Resolving") and type(pool).__name__.startswith("Watched")
    session.close()
