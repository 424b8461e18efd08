"""Option checks made before any request: URLs, finite numbers, ranges, allowed_failures."""

from __future__ import annotations

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._options import (
    cap,
    check_allowed_failures,
    check_options,
    check_range,
    check_url,
    summarise,
    url_passwords,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CONNECTION_SPEC, WAIT_SPEC

NAMES = set(CONNECTION_SPEC) | set(WAIT_SPEC) | {"url", "rbac_url", "per_page"}
DEFAULTS = dict((name, spec.get("default")) for name, spec in dict(CONNECTION_SPEC, **WAIT_SPEC).items())


def check(ranges=None, **options):
    values = dict(DEFAULTS, url="https://kibana.example.com:5601")
    values.update(options)
    check_options(values, NAMES, ranges, "Test vendor")


def refusal(ranges=None, **options):
    with pytest.raises(ConfigError) as info:
        check(ranges, **options)
    return str(info.value)


def test_defaults_pass():
    check()


@pytest.mark.parametrize("url", ["https://h", "http://127.0.0.1:8080", "https://h.example.com:5601/kibana/",
                                 "https://[::1]:8443", "HTTPS://H.EXAMPLE.COM"])
def test_good_urls_pass(url):
    check_url("url", url)


@pytest.mark.parametrize("url", ["https://admin:s3cr%26t@h.example.com", "https://admin:s3cr&t@h.example.com/x",
                                 "https://admin:s3cr/t@h:1/p",
                                 "ftp://admin:s3cr&t@h.example.com", "https://s3cr&t@h.example.com"])
def test_user_info_is_refused_without_echoing_it(url):
    message = refusal(rbac_url=url)
    assert message.startswith("rbac_url must not hold a user name or password")
    assert "s3cr" not in message and "admin" not in message


@pytest.mark.parametrize("url, words", [
    ("ftp://h.example.com", "must start with https://"),
    ("file:///etc/passwd", "must start with https://"),
    ("h.example.com:5601", "must start with https://"),
    ("https://", "must name a host"),
    ("https://h.example.com/?token=abcdef", "must not have a query string"),
    ("https://h.example.com/#frag", "must not have a fragment"),
    ("https://h.example.com:99999", "is not a valid URL"),
])
def test_bad_urls_are_refused(url, words):
    message = refusal(url=url)
    assert message.startswith("url ") and words in message
    assert "abcdef" not in message and "passwd" not in message


@pytest.mark.parametrize("name", ["wait_timeout", "wait_interval", "wait_max_interval", "request_timeout",
                                  "wait_not_found_timeout", "progress_interval"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_numbers_must_be_finite(name, value):
    assert refusal(**{name: value}).startswith("%s must be a finite number" % name)


@pytest.mark.parametrize("options, message", [
    ({"wait_timeout": 0.0}, "wait_timeout must be more than 0 and at most 604800 seconds, got 0."),
    ({"wait_timeout": -5.0}, "wait_timeout must be more than 0 and at most 604800 seconds, got -5."),
    ({"wait_interval": 0.0}, "wait_interval must be at least 0.5 and at most 86400 seconds, got 0."),
    ({"wait_interval": 0.001}, "wait_interval must be at least 0.5 and at most 86400 seconds, got 0.001."),
    ({"wait_interval": 10.0, "wait_max_interval": 5.0},
     "wait_max_interval must be at least wait_interval (10 seconds), got 5."),
    ({"request_timeout": 0.0}, "request_timeout must be more than 0 and at most 3600 seconds, got 0."),
    ({"progress_interval": -1.0}, "progress_interval must be at least 0 and at most 86400 seconds, got -1."),
    ({"progress_interval": 0.001}, "progress_interval must be 0 (off) or at least 1 second, got 0.001."),
    ({"progress_interval": 0.999}, "progress_interval must be 0 (off) or at least 1 second, got 0.999."),
    ({"wait_not_found_timeout": 604800.5},
     "wait_not_found_timeout must be at least 0 and at most 604800 seconds, got 604800.5."),
])
def test_ranges_name_the_option_and_the_range(options, message):
    assert refusal(**options) == message


def test_edges_of_the_ranges_pass():
    check(wait_timeout=0.001, wait_interval=0.5, wait_max_interval=0.5, request_timeout=0.1, progress_interval=0.0)
    check(wait_timeout=604800.0, wait_interval=86400.0, wait_max_interval=86400.0, request_timeout=3600.0,
          progress_interval=1.0, wait_not_found_timeout=0.0)
    check(progress_interval=86400.0)


def test_the_ranges_are_read_from_the_specs():
    """A range declared on an entry (the shared specs or a vendor's OPTIONS) is the one checked."""
    spec = {"per_page": {"type": "int", "range": (1, 10)}, "skew": {"type": "float", "range": (0, 5), "exclusive_low": True}}
    check_options({"per_page": 10, "skew": 5.0}, {"per_page", "skew"}, None, "Test vendor", specs=(spec,))
    with pytest.raises(ConfigError, match=r"^per_page must be between 1 and 10 \(Test vendor's range\), got 11\.$"):
        check_options({"per_page": 11}, {"per_page"}, None, "Test vendor", specs=(spec,))
    with pytest.raises(ConfigError, match=r"^skew must be more than 0 and at most 5 \(Test vendor's range\), got 0\.0\.$"):
        check_options({"skew": 0.0}, {"skew"}, None, "Test vendor", specs=(spec,))
    with pytest.raises(ConfigError, match="^wait_timeout must be more than 0"):
        check_options(dict(DEFAULTS, wait_timeout=0.0), NAMES)  # the shared specs by default
    check_options(dict(DEFAULTS, wait_timeout=0.0), NAMES, specs=())  # ... and only the specs given


def test_every_shared_default_is_within_its_range():
    for name, entry in dict(CONNECTION_SPEC, **WAIT_SPEC).items():
        if "range" in entry:
            check_range(name, entry["default"], entry)


def test_vendor_ranges_name_the_vendor():
    ranges = {"per_page": (1, 1000)}
    check(ranges, per_page=1000)
    assert refusal(ranges, per_page=0) == "per_page must be between 1 and 1000 (Test vendor's range), got 0."
    assert refusal(ranges, per_page=1001).startswith("per_page must be between 1 and 1000")


@pytest.mark.parametrize("value", ["0", "3", " 1000000 ", "0%", "5%", "100%", "12.5 %", 7, None, ""])
def test_allowed_failures_accepted(value):
    check_allowed_failures(value)


@pytest.mark.parametrize("value", ["1000001", "-1", "101%", "5.5", "nan", "inf%", "1e3", "lots", "%"])
def test_allowed_failures_refused(value):
    with pytest.raises(ConfigError) as info:
        check_allowed_failures(value)
    assert str(info.value).startswith("allowed_failures must be a whole number of targets from 0 to 1000000")
    assert "percentage from 0 to 100" in str(info.value)


def test_url_passwords_finds_user_info():
    options = {"url": "https://admin:pa%40ss@h", "rbac_url": "https://tok@h:4433", "other": "x@y",
               "identity_url": "https://u:a/b=@h/x?q=@", "fine_url": "https://h/?q=a@b"}
    found = url_passwords(options, ["url", "rbac_url", "other", "identity_url", "fine_url"])
    assert sorted(found) == ["a/b=", "admin:pa%40ss", "pa%40ss", "tok", "u:a/b="]


def test_cap_and_summarise():
    assert cap("x" * 10, 4) == "xxxx... (6 more characters)"
    assert cap("short") == "short"
    ids = ["id-%d" % i for i in range(200)]
    text = summarise(ids)
    assert text.startswith("'id-0', 'id-1'") and text.endswith("'id-19' ... and 180 more")
    assert summarise(["a", "b"]) == "'a', 'b'"
