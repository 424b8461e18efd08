"""The adversarial server itself, driven with plain requests (no collection code)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from .server import basic


def get(adv, url, **kwargs):
    kwargs.setdefault("timeout", 10)
    return requests.request(kwargs.pop("method", "GET"), url, verify=adv.ca_path, **kwargs)


def test_two_https_origins_and_plain_http(adversary):
    urls = [adversary.url(n) for n in ("a", "b", "plain")]
    assert urls[0].startswith("https://127.0.0.1:") and urls[1].startswith("https://127.0.0.1:")
    assert urls[2].startswith("http://127.0.0.1:") and len(set(urls)) == 3
    assert get(adversary, adversary.url("a", host="localhost") + "/x").status_code == 200
    assert [e["host"].split(":")[0] for e in adversary.log("a")] == ["localhost"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_across_origins_keeps_path_and_query(adversary, status):
    adversary.redirect("a", status, "b")
    answer = get(adversary, adversary.url("a") + "/api/x?page=2", allow_redirects=False)
    assert answer.status_code == status
    assert answer.headers["Location"] == adversary.url("b") + "/api/x?page=2"


def test_redirect_within_origin_and_downgrade(adversary):
    adversary.redirect("a", 302, "a", path="/old", to_path="/new", keep_query=False)
    adversary.redirect("a", 301, "plain", path="/down")
    assert get(adversary, adversary.url("a") + "/old?q=1", allow_redirects=False).headers["Location"] == \
        adversary.url("a") + "/new"
    assert get(adversary, adversary.url("a") + "/down", allow_redirects=False).headers["Location"] == \
        adversary.url("plain") + "/down"


def test_307_replays_post_body_to_other_origin_and_log_shows_it(adversary):
    """What a naive client does (requests, cross-origin): the other origin's log proves it."""
    adversary.redirect("a", 307, "b", path="/login")
    get(adversary, adversary.url("a") + "/login", method="POST", data={"password": 'p&%"\\ +/='},
        headers={"X-Auth-Token": "tok-123"})
    entry = adversary.log("b")[-1]
    assert entry["method"] == "POST" and entry["form"] == {"password": ['p&%"\\ +/=']}
    assert entry["headers"]["X-Auth-Token"] == "tok-123"
    assert "tok-123" in adversary.log_text("b") and adversary.log("a")[0]["path"] == "/login"


@pytest.mark.parametrize("status", [200, 401, 500])
def test_json_echo_reflects_everything(adversary, status):
    adversary.echo("a", status)
    answer = get(adversary, adversary.url("a") + "/e?k=v%26w", json={"password": 'x"y'},
                 headers={"Authorization": basic("u", "p")}, cookies={"JSESSIONID": "c00kie"})
    assert answer.status_code == status
    body = answer.json()
    assert body["statusCode"] == status and json.loads(body["message"]) == body["echo"]
    echo = body["echo"]
    assert echo["args"] == {"k": ["v&w"]} and echo["json"] == {"password": 'x"y'}
    assert echo["cookies"] == {"JSESSIONID": "c00kie"} and echo["headers"]["Authorization"] == basic("u", "p")


def test_html_echo_reflects_raw_values(adversary):
    adversary.echo("a", 401, fmt="html")
    answer = get(adversary, adversary.url("a") + "/login.html", method="POST", data="username=u&password=p%26q",
                 headers={"Content-Type": "application/x-www-form-urlencoded", "X-Key": "a<b&c"})
    assert answer.status_code == 401 and answer.headers["Content-Type"].startswith("text/html")
    assert "X-Key: a<b&c" in answer.text and "password=p%26q" in answer.text


def test_template_count_cookies_and_rule_order(adversary):
    adversary.route("a", "/t", template={"items": [{"id": "1", "echo": "{{echo}}"}]}, echo=200, count=1,
                    set_cookies={"SESSION": "s3cr3t"})
    first = get(adversary, adversary.url("a") + "/t", headers={"X-K": "v"})
    assert first.json()["items"][0]["echo"]["headers"]["X-K"] == "v" and first.cookies["SESSION"] == "s3cr3t"
    assert "statusCode" in get(adversary, adversary.url("a") + "/t").json()  # rule used up: default echo
    adversary.route("a", "/j", json_body={"items": [1, 2]})
    assert get(adversary, adversary.url("a") + "/j").json() == {"items": [1, 2]}


def test_trickle_sends_bytes_per_second(adversary):
    adversary.route("a", "/slow", text="abcd", trickle=2)
    started = time.monotonic()
    assert get(adversary, adversary.url("a") + "/slow").text == "abcd"
    assert 1.5 <= time.monotonic() - started < 5


def test_reset_clears_rules_and_logs(adversary):
    adversary.echo("a", 500)
    get(adversary, adversary.url("a") + "/x")
    adversary.reset()
    assert adversary.log("a") == [] and get(adversary, adversary.url("a") + "/x").status_code == 200


def test_trickled_headers_defeat_a_per_read_timeout(adversary):
    adversary.route("a", "/slowhead", json_body={"ok": True}, trickle_headers=40)
    started = time.monotonic()
    answer = get(adversary, adversary.url("a") + "/slowhead", timeout=0.5)  # each read gets bytes within 0.5 s
    assert answer.json() == {"ok": True} and answer.headers["Connection"] == "close"
    assert time.monotonic() - started >= 1.5
