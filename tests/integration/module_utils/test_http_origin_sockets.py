"""The origin rule of ApiClient against the adversarial server over real HTTPS: credentials go
only to the origins configured; redirects are followed within them and refused elsewhere. (The
pure parts: tests/unit/plugins/module_utils/test__http_origin.py.)"""

from __future__ import annotations

import json

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, OriginRefused, TransportError
from ansible_collections.actiongate.agents.plugins.module_utils._http import ApiClient

TOKEN = 'tok&%"\\ +/=en-123'
PASSWORD = 'pa&%"\\ +/=ss-456'


def client(adv, name="a", **kwargs):
    api = ApiClient(adv.url(name), "Kibana", ca_path=adv.ca_path, secrets=[TOKEN, PASSWORD],
                    sleep=lambda s: None, **kwargs)
    api.session.headers["X-Auth-Token"] = TOKEN
    return api


def assert_never_reached(adv, name):
    assert adv.log(name) == [], "origin %s received %s" % (name, adv.log_text(name))


def test_request_to_an_origin_not_allowed_is_refused_before_sending(adversary):
    api = client(adversary)
    with pytest.raises(OriginRefused, match="was not sent: https://127.0.0.1:%d is not an origin configured"
                       % adversary.servers["b"].port):
        api.get_json(adversary.url("b") + "/api/x?token=abc")
    with pytest.raises(OriginRefused):  # same port, another host name: another origin
        api.get_json(adversary.url("a", host="localhost") + "/api/x")
    assert_never_reached(adversary, "b")
    assert_never_reached(adversary, "a")
    assert api.requests_made == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_origin_ends_the_call(adversary, status, method):
    adversary.redirect("a", status, "b")
    api = client(adversary)
    with pytest.raises(OriginRefused) as caught:
        api.request(method, "/api/fleet/agents/action_status?perPage=20", json_body={"password": PASSWORD},
                    params={"token": TOKEN})
    message = str(caught.value)
    assert message == ("Kibana %s /api/fleet/agents/action_status was redirected to %s/api/fleet/agents/action_status; "
                       "set url to it if you trust it." % (method, adversary.url("b")))
    assert_never_reached(adversary, "b")
    assert len(adversary.log("a")) == 1  # not retried either


def test_redirect_message_drops_userinfo_and_query(adversary):
    target = "https://user:%s@127.0.0.1:%d/steal?token=%s#frag" % ("pw-secret", adversary.servers["b"].port, "q-secret")
    adversary.route("a", "/", redirect=302, to=target)
    with pytest.raises(OriginRefused) as caught:
        client(adversary).get_json("/api/x")
    message = str(caught.value)
    assert "redirected to https://127.0.0.1:%d/steal;" % adversary.servers["b"].port in message
    for leaked in ("pw-secret", "q-secret", "user", "frag", "?"):
        assert leaked not in message
    assert_never_reached(adversary, "b")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_https_to_http_is_refused_even_to_an_allowed_origin(adversary, status):
    adversary.redirect("a", status, "plain")
    api = client(adversary)
    api.allow_origin(adversary.url("plain"))
    with pytest.raises(OriginRefused, match="redirected from https to plain http \\(%s/x\\)" % adversary.url("plain")):
        api.get_json("/x")
    assert_never_reached(adversary, "plain")


def test_login_post_is_never_resent_across_origins(adversary):
    """307/308 would re-post the form (with the password) to the other origin: the call ends."""
    for status in (307, 308):
        adversary.reset()
        adversary.redirect("a", status, "b", path="/login.html")
        with pytest.raises(OriginRefused):
            client(adversary).request("POST", "/login.html", data={"username": "u", "password": PASSWORD},
                                      expect_json=False, idempotent=True)
        assert_never_reached(adversary, "b")
        assert adversary.log("a")[0]["form"]["password"] == [PASSWORD]


@pytest.mark.parametrize("status, method, body_kept", [
    (301, "GET", False), (302, "GET", False), (303, "GET", False), (307, "POST", True), (308, "POST", True)])
def test_redirect_within_the_origin_is_followed_as_browsers_do(adversary, status, method, body_kept):
    adversary.redirect("a", status, "a", path="/old", to_path="/new")
    answer = client(adversary).request("POST", "/old", json_body={"k": "v"})
    assert answer.url == adversary.url("a") + "/new" and answer.status == 200
    hop = adversary.log("a")[1]
    assert hop["path"] == "/new" and hop["method"] == method
    assert (hop.get("json") == {"k": "v"}) is body_kept and (hop["body"] == "") is not body_kept
    assert "Content-Type" not in hop["headers"] or body_kept
    assert hop["headers"]["X-Auth-Token"] == TOKEN  # same origin: credentials go on


def test_redirect_to_a_second_configured_origin_is_followed(adversary):
    adversary.redirect("a", 307, "b")
    api = client(adversary)
    api.allow_origin(adversary.url("b"), "rbac_url")
    assert api.request("POST", "/api/x", json_body={"a": 1}).body["echo"]["json"] == {"a": 1}
    assert adversary.log("b")[0]["headers"]["X-Auth-Token"] == TOKEN


def test_hint_names_the_option_of_the_origin_called(adversary):
    adversary.redirect("b", 302, "plain")
    api = client(adversary)
    api.allow_origin(adversary.url("b"), "identity_url")
    with pytest.raises(OriginRefused, match="Set identity_url to it"):
        api.request("POST", adversary.url("b") + "/v2.0/tokens", json_body={"auth": PASSWORD})


def test_rebase_allows_the_new_origin(adversary):
    api = client(adversary)
    api.rebase(adversary.url("b") + "/v2/123456/")
    assert api.base_url == adversary.url("b") + "/v2/123456"
    assert api.get_json("backups/1")["echo"]["path"] == "/v2/123456/backups/1"


def test_caller_that_does_not_follow_gets_the_3xx(adversary):
    adversary.redirect("a", 302, "b", path="/rest")
    answer = client(adversary).request("GET", "/rest/sensors/allActions", allow_redirects=False, expect_json=False)
    assert answer.status == 302 and answer.headers["Location"].startswith(adversary.url("b"))
    assert_never_reached(adversary, "b")


def test_cookie_set_on_a_redirect_goes_to_the_next_hop_in_the_origin_only(adversary):
    adversary.route("a", "/login", redirect=302, to="a", to_path="/home", set_cookies={"JSESSIONID": "sess-0123"})
    adversary.redirect("a", 302, "b", path="/home")
    api = client(adversary)
    with pytest.raises(OriginRefused):
        api.request("POST", "/login", data={"password": PASSWORD}, expect_json=False)
    assert adversary.log("a")[1]["cookies"] == {"JSESSIONID": "sess-0123"}
    assert_never_reached(adversary, "b")


def test_redirect_to_a_location_with_a_bad_port_is_refused(adversary):
    # written on the raw socket (fast): werkzeug itself would refuse to send such a Location
    adversary.route("a", "/", status=302, text="", headers={"Location": "https://127.0.0.1:%d:99/x" % adversary.servers["a"].port},
                    trickle_headers=100000)
    with pytest.raises(OriginRefused, match="was redirected to"):
        client(adversary).get_json("/api/x")


def test_a_location_read_two_ways_is_refused_where_requests_would_connect(adversary):
    """``https://127.0.0.1:<b>\\@127.0.0.1:<a>/x``: urlsplit reads origin a, requests connects to b."""
    sneaky = "https://127.0.0.1:%d\\@127.0.0.1:%d/x" % (adversary.servers["b"].port, adversary.servers["a"].port)
    adversary.route("a", "/", status=302, text="", headers={"Location": sneaky}, trickle_headers=100000)
    with pytest.raises(OriginRefused, match="was redirected to https://127.0.0.1:%d/" % adversary.servers["b"].port):
        client(adversary).get_json("/api/x")
    with pytest.raises(OriginRefused, match="https://127.0.0.1:%d is not an origin configured" % adversary.servers["b"].port):
        client(adversary).get_json(sneaky)  # an absolute URL from an answer (a next page link): refused too
    assert_never_reached(adversary, "b")


def test_redirect_loop_ends_after_the_hop_limit(adversary):
    adversary.redirect("a", 302, "a")
    with pytest.raises(TransportError, match="redirected more than 5 times"):
        client(adversary).get_json("/loop")
    assert len(adversary.log("a")) == 6


def test_relative_location_is_resolved_against_the_current_url(adversary):
    adversary.route("a", "/rel/sub", headers={"Location": "../done?x=1"}, status=302, text="")
    answer = client(adversary).get_json("/rel/sub/x")
    assert answer["echo"]["path"] == "/rel/done" and answer["echo"]["query"] == "x=1"


@pytest.mark.parametrize("chunked", [False, True])
def test_answers_over_the_cap_end_with_a_clear_error(adversary, chunked):
    adversary.route("a", "/big", json_body={"items": ["x" * 5000]}, chunked=chunked)
    with pytest.raises(ApiError, match="Kibana GET /big answered with more than 0 MiB"):
        client(adversary, max_body=4096).get_json("/big?token=" + TOKEN)
    assert len(client(adversary).get_json("/big")["items"][0]) == 5000


def test_errors_from_an_echoing_origin_are_scrubbed(adversary):
    adversary.echo("a", 401, fmt="html")
    api = client(adversary)
    with pytest.raises(ApiError) as caught:
        api.request("POST", "/login.html", data={"username": "u", "password": PASSWORD}, expect_json=False)
    text = str(caught.value)
    assert "HTTP 401" in text
    for form in (PASSWORD, TOKEN, json.dumps(PASSWORD)[1:-1]):
        assert form not in text


def test_an_envelope_listing_thousands_of_errors_is_cut_in_the_message(adversary):
    adversary.route("a", "/v2/backups", json_body={"message": "Validation failed.", "errors": ["bad id %d" % i for i in range(5000)]},
                    status=400)
    with pytest.raises(ApiError) as caught:
        client(adversary).get_json("/v2/backups")
    text = str(caught.value)
    assert text.startswith("Kibana GET /v2/backups failed: HTTP 400 Validation failed. (bad id 0; bad id 1;")
    assert text.endswith("...") and len(text) < 1100
    assert len(caught.value.body["errors"]) == 5000  # the whole answer stays on the error for callers


@pytest.mark.parametrize("status, start", [
    (200, "Kibana GET /deep returned application/json where JSON was expected (HTTP 200): [[["),
    (500, "Kibana GET /deep failed: HTTP 500 [[["),
])
def test_json_nested_too_deep_is_a_clear_error(adversary, status, start):
    """json.loads raises RecursionError, not ValueError, for arrays nested thousands deep."""
    adversary.route("a", "/deep", text="[" * 100000, status=status, headers={"Content-Type": "application/json"})
    with pytest.raises(ApiError) as caught:
        client(adversary).get_json("/deep")
    assert str(caught.value).startswith(start) and caught.value.status == status
