"""Configuration mistakes through ansible, against the simulator: a module and a lookup per case
fail with a message naming the option (or the environment variable) and what is wrong, never the
last-resort "please report" message nor a secret, and the simulator receives no request at all.
The checks themselves: tests/unit/plugins/module_utils/test__options_config.py."""

from __future__ import annotations

import pytest

from tests.integration.helpers import run_playbook
from tests.simulator.puppet import STATIC_TOKEN

SECRET = "s3cr3t-value-0451"
PREFIX = "actiongate.agents."
DER = bytes(bytearray([0x30, 0x82, 0x01, 0xb3, 0x30, 0x82, 0x01, 0x59, 0xa0, 0x03]))


def fleet(simulator):
    return "fleet_action_status", {"url": simulator.https_url, "api_key": "c2ltLWtleTpzZWNyZXQ=",
                                   "ca_path": simulator.ca_path}


def cortex_xdr(simulator):
    return "cortex_xdr_action_status", {"url": simulator.https_url, "api_key_id": "1", "api_key": "sim-standard-key",
                                        "ca_path": simulator.ca_path}


def cybereason(simulator):
    return "cybereason_action_status", {"url": simulator.https_url, "username": "admin@sim.local",
                                        "password": "changeme", "ca_path": simulator.ca_path}


def puppet(simulator):
    return "puppet_job_status", {"url": simulator.https_url, "token": STATIC_TOKEN, "ca_path": simulator.ca_path}


def rackspace(simulator):
    return "rackspace_backup_status", {"url": simulator.https_url, "token": "sim-token", "project_id": "123456",
                                       "ca_path": simulator.ca_path}


def run_both(simulator, tmp_path, vendor, env=None, drop=(), **bad):
    """The module, then the lookup, with the vendor's good options changed by ``bad`` (and those in
    ``drop`` left out); returns their two failure messages."""
    plugin, options = vendor(simulator)
    options = dict((k, v) for k, v in dict(options, **bad).items() if k not in drop)
    tasks = [
        {"name": "module", PREFIX + plugin: dict(options, action_ids=["81"]), "ignore_errors": True},
        {"name": "lookup", "vars": {"opts": options}, "ignore_errors": True,
         "ansible.builtin.debug": {"msg": "{{ lookup('%s%s', '81', **opts) }}" % (PREFIX, plugin)}},
    ]
    run = run_playbook(tmp_path, tasks, env=env)
    messages = []
    for name in ("module", "lookup"):
        result = run.task(name)
        assert result.get("failed") is True, (name, result)
        messages.append(result["msg"])
    for message in messages:
        assert "please report" not in message and "Traceback" not in message, message
        assert SECRET not in message and "Could not reach" not in message, message
    assert SECRET not in run.output
    assert simulator.requests_log("/") == []  # refused before any request
    return messages


def assert_both(messages, *words):
    for message in messages:
        for word in words:
            assert word in message, (word, message)


def test_missing_ca_path(simulator, tmp_path):
    missing = str(tmp_path / "no-such-ca.pem")
    assert_both(run_both(simulator, tmp_path, fleet, ca_path=missing),
                "ca_path names %s, which does not exist" % missing)


def test_missing_ca_from_the_vendor_environment_variable(simulator, tmp_path):
    missing = str(tmp_path / "no-such-puppet-ca.pem")
    assert_both(run_both(simulator, tmp_path, puppet, env={"PUPPET_CA_PATH": missing}, drop=("ca_path",)),
                "PUPPET_CA_PATH (the environment variable ca_path falls back to) names %s, which does not exist" % missing)


def test_a_ca_that_is_not_pem(simulator, tmp_path):
    der = tmp_path / "ca.der"
    der.write_bytes(DER)
    assert_both(run_both(simulator, tmp_path, rackspace, ca_path=str(der)),
                "ca_path names %s, which holds no PEM certificate" % der, "openssl x509 -inform der")


def test_client_cert_that_is_a_directory(simulator, tmp_path):
    assert_both(run_both(simulator, tmp_path, cortex_xdr, client_cert=str(tmp_path)),
                "client_cert names %s, which is a directory" % tmp_path)


def test_client_key_without_client_cert(simulator, tmp_path):
    assert_both(run_both(simulator, tmp_path, cybereason, client_key=simulator.client_key_path),
                "client_key is set without client_cert")


def test_a_key_read_from_a_file_with_its_newline(simulator, tmp_path):
    """The file lookup keeps the newline with rstrip=false (as slurp, pipe scripts or a vault may)."""
    (tmp_path / "api_key.txt").write_text(SECRET + "\n")
    key = "{{ lookup('ansible.builtin.file', '%s', rstrip=false) }}" % (tmp_path / "api_key.txt")
    assert_both(run_both(simulator, tmp_path, fleet, api_key=key),
                "api_key (or FLEET_API_KEY) ends with a newline (a file lookup? use | trim)")


def test_a_token_from_the_environment_with_its_newline(simulator, tmp_path):
    assert_both(run_both(simulator, tmp_path, rackspace, env={"RAX_AUTH_TOKEN": SECRET + "\n"}, drop=("token",)),
                "token (or RAX_AUTH_TOKEN) ends with a newline (a file lookup? use | trim)")


@pytest.mark.parametrize("vendor, option, value, words", [
    (cybereason, "password", "change\tme" + SECRET, "password (or CYBEREASON_PASSWORD) holds a control character "
                                                    "(a tab, inside it)"),
    (cortex_xdr, "api_key_id", "1\r", "api_key_id (or CORTEX_XDR_API_KEY_ID) ends with a newline"),
    (puppet, "token", " " + SECRET, "token (or PUPPET_TOKEN) begins with a blank"),
])
def test_control_characters_and_blanks_in_values_sent_with_the_request(simulator, tmp_path, vendor, option, value, words):
    assert_both(run_both(simulator, tmp_path, vendor, **{option: value}), words, "Nothing was sent.")


def test_puppet_401_after_a_login_says_what_was_tried(simulator, tmp_path):
    """Not a configuration check (requests are sent): the token given is refused, the module logs in
    with username and password, and the new token is refused too; the hint says so."""
    simulator.fault(path="/orchestrator/v1/jobs", status=401, count=4,
                    body={"kind": "puppetlabs.rbac/invalid-token", "msg": "The provided token is invalid."})
    task = {"name": "module", PREFIX + "puppet_job_status": {
        "url": simulator.http_url, "rbac_url": simulator.http_url, "token": SECRET, "username": "deployer",
        "password": "puppetlabs", "action_ids": ["81"]}, "ignore_errors": True}
    message = run_playbook(tmp_path, [task]).task("module")["msg"]
    assert "HTTP 401" in message and SECRET not in message
    assert ("The RBAC token given (token or PUPPET_TOKEN) was refused, so this run logged in as user 'deployer' at "
            "%s and got a new token, which was refused too." % simulator.http_url) in message
    assert "set username and password" not in message
    assert len(simulator.requests_log("/rbac-api/v1/auth/token")) == 1
