"""The guard, without a socket: the origin rule, redirect checks, the method a redirect keeps, the
size cap. (Against the adversarial server over real HTTPS:
tests/integration/module_utils/test_http_origin_sockets.py.)"""

from __future__ import annotations

import io

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import Budget
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, OriginRefused
from ansible_collections.actiongate.agents.plugins.module_utils._guard import OriginRule, public, read_body, redirected
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient, origin

TOKEN = 'tok&%"\\ +/=en-123'


def test_origin_is_scheme_host_and_explicit_port():
    assert origin("HTTPS://Kibana.Example:443/x") == ("https", "kibana.example", 443)
    assert origin("http://kibana.example/x") == ("http", "kibana.example", 80)
    assert origin("https://kibana.example:5601") != origin("https://kibana.example:5602")
    assert origin("https://kibana.example:notaport/x") != origin("https://kibana.example")


def test_origin_is_where_requests_connects_not_where_urlsplit_reads():
    # urlsplit takes the host after the last "@"; requests (urllib3) ends the authority at "\\".
    assert origin("https://evil.example:8443\\@kibana.example/x") == ("https", "evil.example", 8443)
    assert origin("https://[::1]:5601/x") == ("https", "::1", 5601)


def test_public_drops_user_info_query_and_fragment():
    assert public("https://user:pw@kibana.example:5601/api/x?token=t#frag") == "https://kibana.example:5601/api/x"
    assert public("https://kibana.example/api/x?token=t", path=False) == "https://kibana.example"
    assert public("/api/x?token=t#frag") == "/api/x"


def test_a_request_to_an_origin_not_configured_is_refused_before_sending():
    api = ApiClient("https://kibana.example:5601", "Kibana", secrets=[TOKEN])
    with pytest.raises(OriginRefused, match=r"^Kibana GET https://other.example/api/x was not sent: https://other.example "
                                            r"is not an origin configured for Kibana \(https://kibana.example:5601\)\."):
        api.get_json("https://other.example/api/x?token=" + TOKEN)
    with pytest.raises(OriginRefused):  # the same host on another port is another origin
        api.get_json("https://kibana.example:5602/api/x")
    assert api.requests_made == 0


def test_allow_origin_and_rebase_add_origins():
    api = ApiClient("https://kibana.example", "Kibana")
    api.allow_origin("https://rbac.example:4433/rbac-api", "rbac_url")
    api.rebase("https://catalog.example/v2/123/")
    assert api.base_url == "https://catalog.example/v2/123" and api.url("backups/1") == "https://catalog.example/v2/123/backups/1"
    assert api.origins == {("https", "kibana.example", 443), ("https", "rbac.example", 4433), ("https", "catalog.example", 443)}


def rule():
    checked = OriginRule("Kibana")
    checked.allow("https://a.example")
    checked.allow("http://plain.example", "identity_url")
    return checked


def test_a_redirect_within_the_origins_passes():
    rule().check_redirect("Kibana GET /x", "https://a.example/x", "https://a.example/x", "https://a.example/y")


def test_a_redirect_out_of_the_origins_names_the_option_of_the_call():
    with pytest.raises(OriginRefused, match=r"^Kibana GET /x was redirected to https://b.example/steal; set url to it"):
        rule().check_redirect("Kibana GET /x", "https://a.example/x", "https://a.example/x",
                              "https://u:pw@b.example/steal?token=t")
    with pytest.raises(OriginRefused, match="set identity_url to it"):
        rule().check_redirect("Kibana GET /x", "http://plain.example/x", "http://plain.example/x", "http://b.example/")


def test_https_down_to_http_is_refused_even_to_an_allowed_origin():
    with pytest.raises(OriginRefused, match=r"redirected from https to plain http \(http://plain.example/x\)"):
        rule().check_redirect("Kibana GET /x", "https://a.example/x", "https://a.example/x", "http://plain.example/x")


@pytest.mark.parametrize("status, method, kept", [
    (301, "POST", False), (302, "POST", False), (303, "POST", False), (303, "GET", False),
    (301, "GET", True), (307, "POST", True), (308, "POST", True), (303, "HEAD", True)])
def test_the_method_and_body_a_redirect_keeps(status, method, kept):
    headers = {"Content-Type": "application/json", "X-Auth": TOKEN}
    got = redirected(status, method, {"k": "v"}, None, headers)
    if kept:
        assert got == (method, {"k": "v"}, None, headers)
    else:
        assert got == ("GET", None, None, {"X-Auth": TOKEN})


class Raw:
    """urllib3's response body: ``read`` takes ``decode_content``."""

    def __init__(self, body):
        self.body = io.BytesIO(body)

    def read(self, size=-1, decode_content=True):
        return self.body.read(size)


class Answer:
    """What read_body uses of a requests.Response."""

    def __init__(self, body, headers=None):
        self.raw, self.headers, self.status_code, self.closed = Raw(body), headers or {}, 200, False

    def close(self):
        self.closed = True


def budget():
    return Budget("Kibana GET /big", 30, 6, message=lambda text: text.replace(TOKEN, "********"))


def test_the_body_is_read_whole_under_the_cap():
    answer = Answer(b"x" * 5000)
    read_body(budget(), answer, 4 * 1024 * 1024)
    assert answer._content == b"x" * 5000 and answer.closed


@pytest.mark.parametrize("headers", [{}, {"Content-Length": "8192"}])
def test_an_answer_over_the_cap_is_a_clear_error(headers):
    with pytest.raises(ApiError, match=r"^Kibana GET /big answered with more than 0 MiB \(HTTP 200\); narrow the query"):
        read_body(budget(), Answer(b"x" * 8192, headers), 4096)


@pytest.mark.parametrize("length", ["²", "١٢", "-1", "lots"])
def test_a_content_length_that_is_no_number_is_ignored_not_a_crash(length):
    answer = Answer(b'{"items": []}', {"Content-Length": length})
    read_body(budget(), answer, 4096)
    assert answer._content == b'{"items": []}'
