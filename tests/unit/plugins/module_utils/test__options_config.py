"""Configuration mistakes refused before any request (docs/dev/options.md, "Values checked before
any request"): the PEM files of ``ca_path``, ``client_cert`` and ``client_key`` (and the vendor's
``<VENDOR>_CA_PATH``), and control characters in values that go into a request (``header``).

Pure: files under tmp_path, and a ``send_once`` that fails the test if anything is sent.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils import _http, _options
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._options import (
    EXTENSION_KEYS,
    check_header_value,
    check_options,
)
from ansible_collections.actiongate.agents.plugins.module_utils._runner import argument_spec, run_query
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import (
    CA_PATH_ENV,
    CONNECTION_SPEC,
    WAIT_SPEC,
    ca_path_setting,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet

CERT = b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"
ENCRYPTED = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHsMFcGCSqGSIb3DQEF\n-----END ENCRYPTED PRIVATE KEY-----\n"
OLD_ENCRYPTED = (b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIE\n"
                 b"-----END RSA PRIVATE KEY-----\n")
DER = bytes(bytearray([0x30, 0x82, 0x01, 0xb3, 0x30, 0x82, 0x01, 0x59, 0xa0, 0x03]))
SECRET = "s3cr3t-KEY-value"
NAMES = set(CONNECTION_SPEC) | set(WAIT_SPEC)
DEFAULTS = dict((name, entry.get("default")) for name, entry in dict(CONNECTION_SPEC, **WAIT_SPEC).items())
VENDOR_PACKAGE = "ansible_collections.actiongate.agents.plugins.module_utils._vendors"


def vendor_classes():
    """Every Vendor class of every vendor package (status, start and other modules alike)."""
    package = importlib.import_module(VENDOR_PACKAGE)
    for info in pkgutil.walk_packages(package.__path__, VENDOR_PACKAGE + "."):
        importlib.import_module(info.name)
    found, todo = {}, [Vendor]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.OPTIONS and cls.__module__.startswith(VENDOR_PACKAGE):
                found[cls.__name__] = cls
    return [found[name] for name in sorted(found)]


VENDORS = vendor_classes()


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def tls(**options):
    check_options(dict(DEFAULTS, **options), NAMES)


def refusal(**options):
    with pytest.raises(ConfigError) as info:
        tls(**options)
    return str(info.value)


# ---- ca_path, client_cert, client_key ---------------------------------------------------------

def test_good_files_pass(tmp_path):
    tls(ca_path=write(tmp_path, "ca.pem", CERT), client_cert=write(tmp_path, "c.pem", CERT),
        client_key=write(tmp_path, "c.key", KEY))
    tls(client_cert=write(tmp_path, "both.pem", CERT + KEY))  # the key in the certificate's file
    tls(ca_path=write(tmp_path, "bundle.pem", b"# a comment\n" + CERT * 3))
    tls(ca_path=write(tmp_path, "trusted.pem", CERT.replace(b"CERTIFICATE", b"TRUSTED CERTIFICATE")))


def test_a_ca_directory_is_accepted(tmp_path):
    """requests takes a directory of (hashed) CA certificates as ``verify``: it keeps working."""
    (tmp_path / "certs").mkdir()
    tls(ca_path=str(tmp_path / "certs"))


@pytest.mark.parametrize("name", ["ca_path", "client_cert", "client_key"])
def test_a_missing_file_names_the_option_and_the_path(tmp_path, name):
    options = {name: str(tmp_path / "nope.pem")}
    if name == "client_key":
        options["client_cert"] = write(tmp_path, "c.pem", CERT)
    message = refusal(**options)
    assert message.startswith("%s names %s, which does not exist: give the PEM file" % (name, tmp_path / "nope.pem"))


def test_a_dangling_link_says_so(tmp_path):
    os.symlink(str(tmp_path / "gone.pem"), str(tmp_path / "link.pem"))
    assert "a symbolic link to" in refusal(ca_path=str(tmp_path / "link.pem"))


@pytest.mark.parametrize("name", ["client_cert", "client_key"])
def test_a_directory_where_a_file_is_expected(tmp_path, name):
    options = {name: str(tmp_path)}
    if name == "client_key":
        options["client_cert"] = write(tmp_path, "c.pem", CERT)
    assert refusal(**options) == "%s names %s, which is a directory: give %s." % (name, tmp_path, _options._WANTED[
        "cert" if name == "client_cert" else "key"])


def test_a_fifo_is_not_opened(tmp_path):
    """Opening a named pipe would block the run: it is refused from its stat."""
    os.mkfifo(str(tmp_path / "pipe"))
    assert "which is not a regular file" in refusal(ca_path=str(tmp_path / "pipe"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_by_its_mode(tmp_path):
    path = write(tmp_path, "ca.pem", CERT)
    os.chmod(path, 0)
    assert "which cannot be read (Permission denied)" in refusal(ca_path=path)


def test_an_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "ca.pem", CERT)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_options, "open", denied, raising=False)
    message = refusal(ca_path=path)
    assert message.startswith("ca_path names %s, which cannot be read (Permission denied)" % path)


def test_an_unreadable_ca_directory(tmp_path, monkeypatch):
    (tmp_path / "certs").mkdir()

    def denied(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_options.os, "listdir", denied)
    assert "the directory %s, which cannot be read (Permission denied)" % (tmp_path / "certs") in refusal(
        ca_path=str(tmp_path / "certs"))


@pytest.mark.parametrize("name, data, words", [
    ("ca_path", DER, "holds no PEM certificate (no -----BEGIN CERTIFICATE----- line; a DER file converts with"),
    ("ca_path", b"", "holds no PEM certificate"),
    ("ca_path", KEY, "holds no PEM certificate"),
    ("client_cert", DER, "holds no PEM certificate"),
    ("client_key", CERT, "holds no PEM private key"),
    ("client_key", ENCRYPTED, "whose private key is encrypted: the modules cannot give its passphrase"),
    ("client_key", OLD_ENCRYPTED, "whose private key is encrypted"),
    ("client_cert", CERT + ENCRYPTED, "whose private key is encrypted"),
])
def test_files_that_are_not_what_the_option_needs(tmp_path, name, data, words):
    options = {name: write(tmp_path, "file", data)}
    if name == "client_key":
        options["client_cert"] = write(tmp_path, "c.pem", CERT)
    message = refusal(**options)
    assert message.startswith("%s names %s, " % (name, tmp_path / "file")) and words in message


def test_client_key_without_client_cert(tmp_path):
    assert refusal(client_key=write(tmp_path, "c.key", KEY)) == (
        "client_key is set without client_cert: give client_cert too (the certificate the key belongs to), "
        "or leave client_key out.")


def test_client_cert_without_any_key(tmp_path):
    path = write(tmp_path, "c.pem", CERT)
    assert refusal(client_cert=path).startswith("client_cert names %s, which holds no private key: set client_key" % path)


def test_no_ca_is_read_when_validate_certs_is_false(tmp_path, monkeypatch):
    tls(validate_certs=False, ca_path=str(tmp_path / "nope.pem"))
    monkeypatch.setenv("FLEET_CA_PATH", str(tmp_path / "nope.pem"))
    assert ca_path_setting({"validate_certs": False}, "fleet") == str(tmp_path / "nope.pem")
    # the client certificate is still used without verification: still checked
    assert "does not exist" in refusal(validate_certs=False, client_cert=str(tmp_path / "nope.pem"))


def test_the_files_are_the_spec_entries_with_file():
    assert dict((n, e["file"]) for n, e in CONNECTION_SPEC.items() if e.get("file")) == {
        "ca_path": "ca", "client_cert": "cert", "client_key": "key"}
    assert {"header", "file"} <= set(EXTENSION_KEYS)
    built = argument_spec(CONNECTION_SPEC, Fleet.OPTIONS)
    assert not any(set(entry) & {"header", "file"} for entry in built.values())  # AnsibleModule never sees them


# ---- <VENDOR>_CA_PATH ---------------------------------------------------------------------------

@pytest.mark.parametrize("vendor, variable", sorted(CA_PATH_ENV.items()))
def test_the_environment_ca_names_the_variable(tmp_path, monkeypatch, vendor, variable):
    monkeypatch.setenv(variable, str(tmp_path / "nope.pem"))
    with pytest.raises(ConfigError) as info:
        ca_path_setting({"validate_certs": True}, vendor)
    assert str(info.value).startswith("%s (the environment variable ca_path falls back to) names %s, which does not "
                                      "exist" % (variable, tmp_path / "nope.pem"))


def test_the_environment_ca_when_it_is_good_or_unset(tmp_path, monkeypatch):
    good = write(tmp_path, "ca.pem", CERT)
    monkeypatch.setenv("PUPPET_CA_PATH", good)
    assert ca_path_setting({}, "puppet") == good
    monkeypatch.setenv("PUPPET_CA_PATH", "")
    assert ca_path_setting({}, "puppet") is None
    monkeypatch.setenv("PUPPET_CA_PATH", str(tmp_path / "nope.pem"))
    assert ca_path_setting({"ca_path": good}, "puppet") == good  # the option wins: the variable is not read


# ---- control characters -------------------------------------------------------------------------

RAW = {"header": True, "env": ["FLEET_API_KEY"]}
ENCODED = {"header": "encoded"}


@pytest.mark.parametrize("value", [SECRET + "\n", SECRET + "\r\n", SECRET + "\n\n", "\n"])
def test_a_trailing_newline_says_file_lookup_and_trim(value):
    with pytest.raises(ConfigError) as info:
        check_header_value("api_key", value, RAW)
    assert str(info.value) == ("api_key (or FLEET_API_KEY) ends with a newline (a file lookup? use | trim): it would "
                               "go into an HTTP header as it is. Nothing was sent.")


@pytest.mark.parametrize("value, what", [
    ("s3cr\r3t", "a carriage return, inside it"),
    ("s3cr\n3t\n", "a line feed, inside it"),
    ("\x00s3cr3t", "a NUL, at its start"),
    ("s3cr3t\t", "a tab, at its end"),
    ("s3\x1bcr3t", "character 27, inside it"),
    ("s3cr3t\x7f", "character 127, at its end"),
])
@pytest.mark.parametrize("entry", [RAW, ENCODED])
def test_control_characters_are_refused_without_echoing_the_value(value, what, entry):
    with pytest.raises(ConfigError) as info:
        check_header_value("password", value, entry)
    message = str(info.value)
    assert message.startswith("password") and "holds a control character (%s)" % what in message
    assert "s3" not in message and "cr3t" not in message


def test_a_raw_header_value_starts_with_no_blank_and_stays_within_latin_1():
    for value in (" " + SECRET, "\u00a0" + SECRET):
        with pytest.raises(ConfigError, match="begins with a blank"):
            check_header_value("token", value, {"header": True})
    with pytest.raises(ConfigError, match="cannot carry \\(outside Latin-1\\)") as info:
        check_header_value("token", SECRET + "\u20ac", {"header": True})
    assert SECRET not in str(info.value)
    check_header_value("token", SECRET + " ", {"header": True})  # a trailing blank is the server's to judge
    check_header_value("token", "caf\u00e9", {"header": True})  # Latin-1: http.client can send it


def test_an_encoded_value_may_hold_any_printable_character():
    for value in (" p\u00e4ss w\u00f6rd \u20ac ", "\u65e5\u672c"):
        check_header_value("password", value, ENCODED)
    for value in (None, "", 12345, True):
        check_header_value("password", value, ENCODED)


def test_the_vendor_classes_are_all_found():
    names = set(v.__name__ for v in VENDORS)
    assert {"Fleet", "CortexXdr", "Cybereason", "PuppetJobStatus", "RackspaceBackupStatus"} <= names and len(names) >= 10


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.__name__)
def test_every_secret_and_key_id_of_every_vendor_is_checked(vendor):
    """The secrets, key ids, user names and ids sent with the request carry ``header`` in the
    vendor's OPTIONS: one check, in check_options, for every vendor."""
    flagged = set(name for name, entry in vendor.OPTIONS.items() if entry.get("header"))
    assert set(vendor.SECRET_OPTIONS) <= flagged
    assert (set(vendor.OPTIONS) & {"username", "api_key_id", "space_id", "project_id"}) <= flagged
    for name in sorted(flagged):
        options = dict(DEFAULTS, **{name: SECRET + "\n"})
        with pytest.raises(ConfigError, match="^%s .*ends with a newline" % name) as info:
            vendor.check_options(options)
        assert SECRET not in str(info.value)


def test_only_the_options_named_are_checked():
    check_options({"api_key": SECRET + "\n"}, set(), specs=({"api_key": RAW},))
    with pytest.raises(ConfigError):
        check_options({"api_key": SECRET + "\n"}, {"api_key"}, specs=({"api_key": RAW},))


# ---- a run: refused before anything is sent -----------------------------------------------------

@pytest.fixture
def nothing_sent(monkeypatch):
    sent = []

    def send_once(*args, **kwargs):
        sent.append(args)
        raise AssertionError("a request was sent")

    monkeypatch.setattr(_http, "send_once", send_once)
    return sent


def fleet_options(**more):
    options = dict(DEFAULTS, url="https://kibana.example.com:5601", api_key=SECRET, action_ids=[], types=[],
                   per_page=100, error_size=5, rollout_passed="wait", allowed_failures="0")
    options.update(more)
    return options


@pytest.mark.parametrize("more, words", [
    ({"api_key": SECRET + "\n"}, "api_key (or FLEET_API_KEY) ends with a newline (a file lookup? use | trim)"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path names /nonexistent/ca.pem, which does not exist"),
    ({"client_cert": "/nonexistent/c.pem"}, "client_cert names /nonexistent/c.pem, which does not exist"),
    ({"username": "elastic\n", "password": "changeme", "api_key": None}, "username (or FLEET_USERNAME) ends with"),
])
def test_a_run_fails_clearly_before_any_request(nothing_sent, more, words):
    options = fleet_options(**more)
    result, warnings = run_query(Fleet, options, Fleet.secret_registry(options), "fleet_action_status")
    assert result["failed"] is True and words in result["msg"], result["msg"]
    assert "please report" not in result["msg"] and SECRET not in result["msg"]
    assert nothing_sent == [] and warnings == []


def test_a_run_with_a_missing_environment_ca_fails_clearly(nothing_sent, monkeypatch):
    monkeypatch.setenv("FLEET_CA_PATH", "/nonexistent/env-ca.pem")
    options = fleet_options()
    result, _warnings = run_query(Fleet, options, Fleet.secret_registry(options), "fleet_action_status")
    assert result["msg"].startswith("FLEET_CA_PATH (the environment variable ca_path falls back to) names "
                                    "/nonexistent/env-ca.pem, which does not exist")
    assert nothing_sent == []
