"""The HTTP client against the simulator over real HTTP; only sleeping is faked. (The pure parts:
tests/unit/plugins/module_utils/test__http.py.)"""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError, AuthError, DeadlineExceeded, TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient, Deadline

KEY = "c2ltLWtleTpzZWNyZXQ="
PATH = "/api/fleet/agents/action_status"


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def client(simulator, key=KEY, **kwargs):
    sleeps = Sleeps()
    api = ApiClient(simulator.http_url, "Elastic Fleet", secrets=[key], sleep=sleeps, **kwargs)
    api.session.headers["Authorization"] = "ApiKey " + key
    return api, sleeps


def test_429_retry_after_seconds_honoured(simulator):
    simulator.fault(path=PATH, status=429, retry_after=7, count=1)
    api, sleeps = client(simulator)
    assert api.get_json(PATH) == {"items": []}
    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 8.1


def test_503_twice_then_success_with_backoff(simulator):
    simulator.fault(path=PATH, status=503, count=2)
    api, sleeps = client(simulator)
    assert api.get_json(PATH) == {"items": []}
    assert len(sleeps) == 2 and api.requests_made == 3


def test_gives_up_after_max_attempts_with_clear_message(simulator):
    simulator.fault(path=PATH, status=502, count=10, body={"statusCode": 502, "error": "Bad Gateway",
                                                           "message": "upstream down"})
    api, sleeps = client(simulator, max_attempts=3)
    with pytest.raises(ApiError, match="HTTP 502 upstream down.*gave up after 3 attempts"):
        api.get_json(PATH)
    assert api.requests_made == 3


def test_retry_never_passes_the_deadline(simulator):
    simulator.fault(path=PATH, status=429, retry_after=50, count=1)
    api, sleeps = client(simulator)
    api.deadline = Deadline(5)
    with pytest.raises(DeadlineExceeded, match=r"^Ran out of time \(wait_timeout=5\) while retrying: .*HTTP 429 .*"
                                               r"\(1 attempt in \d+\.\d s; the server asked to wait 50 s more \(Retry-After\)\)\.$"):
        api.get_json(PATH)
    assert sleeps == []


def test_401_never_retried_and_key_scrubbed(simulator):
    api, sleeps = client(simulator, key="d3Jvbmc6a2V5LXZhbHVl", auth_hint=lambda status, body: "Check api_key.")
    with pytest.raises(AuthError) as caught:
        api.get_json(PATH)
    assert "HTTP 401" in str(caught.value) and "Check api_key." in str(caught.value)
    assert "d3Jvbmc6a2V5LXZhbHVl" not in str(caught.value)
    assert api.requests_made == 1 and sleeps == []


def test_post_not_retried(simulator):
    simulator.fault(path="/api/fleet/agents/bulk_upgrade", status=503, count=1)
    api, sleeps = client(simulator)
    with pytest.raises(ApiError, match="HTTP 503"):
        api.post_json("/api/fleet/agents/bulk_upgrade", {"agents": ["agent-01"], "version": "8.15.0"},
                      headers={"kbn-xsrf": "true"})
    assert api.requests_made == 1


def test_html_body_is_an_error(simulator):
    simulator.fault(path=PATH, kind="html", count=1)
    api, sleeps = client(simulator)
    with pytest.raises(ApiError, match="text/html where JSON was expected"):
        api.get_json(PATH)


def test_connection_refused_retried_then_transport_error():
    sleeps = Sleeps()
    api = ApiClient("http://127.0.0.1:9", "Elastic Fleet", sleep=sleeps, max_attempts=3)
    with pytest.raises(TransportError, match="Could not reach Elastic Fleet at http://127.0.0.1:9"):
        api.get_json(PATH)
    assert len(sleeps) == 2


def test_reset_connection_is_retried(simulator):
    simulator.fault(path=PATH, kind="reset", count=1)
    api, sleeps = client(simulator)
    assert api.get_json(PATH) == {"items": []}
    assert len(sleeps) == 1


def test_slow_response_times_out(simulator):
    simulator.fault(path=PATH, kind="slow", delay=3, count=5)
    api, sleeps = client(simulator, timeout=0.5, max_attempts=2)
    with pytest.raises(TransportError, match="did not answer within"):
        api.get_json(PATH)


def test_tls_untrusted_then_ca_path(simulator):
    api = ApiClient(simulator.https_url, "Elastic Fleet")
    api.session.headers["Authorization"] = "ApiKey " + KEY
    with pytest.raises(TransportError, match="TLS verification failed"):
        api.get_json(PATH)
    trusted = ApiClient(simulator.https_url, "Elastic Fleet", ca_path=simulator.ca_path)
    trusted.session.headers["Authorization"] = "ApiKey " + KEY
    assert trusted.get_json(PATH) == {"items": []}
    insecure = ApiClient(simulator.https_url, "Elastic Fleet", validate_certs=False)
    insecure.session.headers["Authorization"] = "ApiKey " + KEY
    assert insecure.get_json(PATH) == {"items": []}


def test_client_certificate_refused_then_accepted(simulator):
    api = ApiClient(simulator.mtls_url, "Elastic Fleet", ca_path=simulator.ca_path, max_attempts=1)
    api.session.headers["Authorization"] = "ApiKey " + KEY
    with pytest.raises(TransportError, match="set client_cert and client_key"):
        api.get_json(PATH)
    trusted = ApiClient(simulator.mtls_url, "Elastic Fleet", ca_path=simulator.ca_path,
                        client_cert=simulator.client_cert_path, client_key=simulator.client_key_path)
    trusted.session.headers["Authorization"] = "ApiKey " + KEY
    assert trusted.get_json(PATH) == {"items": []}
