"""The AWX/AAP credential types in extensions/awx/credential_types/: one per vendor.

Each file is checked as AWX checks a credential type when it is saved, its injectors are rendered
as AWX renders them when a job starts (an ``env`` value per variable, the ``file`` template
written to a private file whose path is ``tower.filename``), and the vendor's module then runs
ad hoc against the simulator over HTTPS with exactly that environment and nothing else: the CA
arrives only through ``<VENDOR>_CA_PATH``, so the file injector and the ``ca_path`` fallback are
both needed for the run to pass.

How AWX does it, mirrored below:
- saving: ``CredentialTypeInjectorField`` (ansible/awx awx/main/fields.py) validates the schema
  (``file`` keys ``template`` or ``template.<name>``; ``env`` names ``^[a-zA-Z_]+[a-zA-Z0-9_]*$``
  with ASCII values; no ``ANSIBLE_`` variables) and renders every template in an
  ``ImmutableSandboxedEnvironment(undefined=StrictUndefined)`` with each field set to
  ``"EXAMPLE"`` and ``tower.filename`` to ``"EXAMPLE_FILENAME"``;
- a job: ``CredentialType.inject_credential`` (ansible/awx awx/main/models/credential/__init__.py)
  puts only the non-empty inputs in the namespace, writes each ``file`` template (always, even
  when it renders empty) to a 0600 file, and renders each ``env`` template in an
  ``ImmutableSandboxedEnvironment()``: a field left empty renders as "". A field's ``default`` is
  not among them: it only fills AWX's form, so a credential created through the API without the
  field has none;
- before that, the job's pre-start check (ansible/awx awx/main/models/unified_jobs.py,
  ``missing_credential_inputs``) refuses to start when a credential lacks a field its type lists
  in ``required`` (``Credential.has_input``: absent, ``''`` or ``None``).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.actiongate.agents.plugins.module_utils._vendor import CA_PATH_ENV, ca_path_from_env
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import CortexXdr
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cybereason import Cybereason
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet import Fleet, FleetActions
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.activity import PuppetActivityEvents
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.rackspace import (
    RackspaceBackupAgentEvents,
    RackspaceBackupStart,
    RackspaceBackupStatus,
)
from tests.integration.helpers import BIN, ansible_env, run_adhoc, run_playbook

TYPES = Path(__file__).resolve().parents[2] / "extensions" / "awx" / "credential_types"
ENV_PREFIXES = ("FLEET_", "CORTEX_XDR_", "CYBEREASON_", "PUPPET_", "RAX_")
# The vendor classes whose options each credential type feeds.
VENDORS = {
    "fleet": (Fleet, FleetActions),
    "cortex_xdr": (CortexXdr,),
    "cybereason": (Cybereason,),
    "puppet": (PuppetActivityEvents, PuppetJobStatus),
    "rackspace": (RackspaceBackupStatus, RackspaceBackupAgentEvents, RackspaceBackupStart),
}


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((TYPES / (name + ".yml")).read_text())


def awx_validate(credential_type: dict[str, Any]) -> None:
    """What AWX checks when the credential type is saved (CredentialTypeInjectorField.validate)."""
    assert credential_type["kind"] in ("cloud", "net")
    fields = credential_type["inputs"]["fields"]
    ids = [f["id"] for f in fields]
    assert len(ids) == len(set(ids)) and all(f["label"] for f in fields)
    assert all(f.get("type", "string") in ("string", "boolean") for f in fields)
    assert set(credential_type["inputs"].get("required", [])) <= set(ids)
    injectors = credential_type["injectors"]
    assert set(injectors) <= {"env", "file", "extra_vars"}
    assert all(re.match(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$", k) for k in injectors.get("file", {}))
    for name, value in injectors["env"].items():
        assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", name) and not name.startswith("ANSIBLE_")
        assert value.isascii()
    namespace = dict((i, "EXAMPLE") for i in ids)
    namespace["tower"] = SimpleNamespace(filename="EXAMPLE_FILENAME")
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for injector in injectors.values():
        for template in injector.values():
            strict.from_string(template).render(namespace)


def awx_start_refusal(credential_type: dict[str, Any], inputs: dict[str, Any], name: str = "cred") -> str | None:
    """The job explanation AWX's pre-start check gives for a credential with ``inputs``, or None."""
    defined = [f["id"] for f in credential_type["inputs"]["fields"]]
    missing = [r for r in credential_type["inputs"].get("required", []) if r in defined and inputs.get(r) in ("", None)]
    if not missing:
        return None
    return "Job cannot start because Credential %s does not provide one or more required fields (%s)." % (
        name, ", ".join(sorted(missing)))


def awx_inject(credential_type: dict[str, Any], inputs: dict[str, Any], private_dir: Path) -> dict[str, str]:
    """The environment AWX gives the job for a credential with ``inputs`` (inject_credential)."""
    tower = SimpleNamespace()
    namespace: dict[str, Any] = {"tower": tower}
    for name, value in inputs.items():
        if isinstance(value, bool) or len(value):
            namespace[name] = value
    sandbox = ImmutableSandboxedEnvironment()
    for label, template in credential_type["injectors"].get("file", {}).items():
        assert label == "template", "these types inject one file"
        path = private_dir / ("credential_" + label)
        path.write_text(sandbox.from_string(template).render(**namespace))
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        tower.filename = str(path)
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in credential_type["injectors"]["env"].items())


@pytest.fixture(autouse=True)
def only_the_injected_environment(monkeypatch):
    """The controller's environment holds no vendor variable but what a test injects."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_credential_type_is_valid_for_awx(name):
    awx_validate(load(name))


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_injectors_cover_every_variable_the_modules_read_and_secrets_are_marked(name):
    credential_type = load(name)
    fields = dict((f["id"], f) for f in credential_type["inputs"]["fields"])
    options = {}
    for vendor in VENDORS[name]:
        for option, spec in vendor.OPTIONS.items():
            for variable in spec.get("env") or ():
                options[variable] = spec
    ca_variable = CA_PATH_ENV[VENDORS[name][0].NAME]
    env = credential_type["injectors"]["env"]
    assert set(env) == set(options) | {ca_variable}
    assert env[ca_variable] == "{{ tower.filename if ca_cert else '' }}"
    assert credential_type["injectors"]["file"] == {"template": "{{ ca_cert }}"}
    for variable, template in env.items():
        if variable == ca_variable:
            continue
        field = re.fullmatch(r"\{\{ (\w+) \}\}", template).group(1)
        # a field is secret exactly when the option it feeds is no_log
        assert bool(fields[field].get("secret")) == bool(options[variable].get("no_log")), (variable, field)
        if "choices" in options[variable]:
            # left empty, the field is injected as "", which the modules read as unset: the
            # option's default applies, and the field shows that default in AWX's form
            assert fields[field]["choices"] == options[variable]["choices"]
            assert fields[field]["default"] == options[variable]["default"]
            assert fields[field]["default"] in fields[field]["choices"]
    assert not fields["ca_cert"].get("secret") and fields["ca_cert"]["multiline"] is True


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_a_field_with_a_default_is_not_required(name):
    """AWX never applies a field's default to a credential created through its API, so a required
    field with a default would make such a credential unable to start a job."""
    credential_type = load(name)
    for field in credential_type["inputs"]["fields"]:
        if "default" in field:
            assert field["id"] not in credential_type["inputs"].get("required", []), field["id"]


def test_a_cortex_xdr_credential_needs_url_and_key_only():
    credential_type = load("cortex_xdr")
    assert credential_type["inputs"]["required"] == ["url", "api_key_id", "api_key"]
    inputs = {"url": "https://api-tenant.xdr.example", "api_key_id": "1", "api_key": "k"}
    assert awx_start_refusal(credential_type, inputs) is None
    assert awx_start_refusal(credential_type, dict(inputs, api_key="")) == (
        "Job cannot start because Credential cred does not provide one or more required fields (api_key).")


def test_one_naming_scheme_for_the_ca_variables():
    assert CA_PATH_ENV == {"fleet": "FLEET_CA_PATH", "cortex_xdr": "CORTEX_XDR_CA_PATH",
                           "cybereason": "CYBEREASON_CA_PATH", "puppet": "PUPPET_CA_PATH",
                           "rackspace_backup": "RAX_CA_PATH"}
    for classes in VENDORS.values():
        for vendor in classes:
            assert vendor.NAME in CA_PATH_ENV


def test_ca_path_fallback_reads_the_environment_when_the_client_is_made(monkeypatch, tmp_path):
    injected, given = str(tmp_path / "run-ca.pem"), str(tmp_path / "etc-ca.pem")
    for path in (injected, given):  # the files are checked before any request: they must be PEM
        Path(path).write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert ca_path_from_env("fleet") is None
    monkeypatch.setenv("FLEET_CA_PATH", "")  # what a credential without a CA injects
    assert ca_path_from_env("fleet") is None
    monkeypatch.setenv("FLEET_CA_PATH", injected)
    assert ca_path_from_env("fleet") == injected
    assert Fleet.make_client({"url": "https://kibana.example"}).verify == injected
    assert Fleet.make_client({"url": "https://kibana.example", "ca_path": given}).verify == given
    assert ca_path_from_env("unknown_vendor") is None


# --- each credential type, injected, runs its vendor's module over HTTPS -----------------------

def fleet_case(simulator) -> tuple[dict[str, str], str, str]:
    action = simulator.control("POST", "/fleet/actions", {"count": 2, "ack_seconds": 0.01})["actionId"]
    return {"url": simulator.https_url, "api_key": "c2ltLWtleTpzZWNyZXQ="}, "fleet_action_status", action


def cortex_xdr_case(simulator) -> tuple[dict[str, str], str, str]:
    action = simulator.control("POST", "/cortex_xdr/actions", {"pending_seconds": 0.1, "run_seconds": 0.2})["action_id"]
    inputs = {"url": simulator.https_url, "api_key_id": "2", "api_key": "sim-advanced-key", "auth_type": "advanced"}
    return inputs, "cortex_xdr_action_status", str(action)


def cybereason_case(simulator) -> tuple[dict[str, str], str, str]:
    batch = simulator.control("POST", "/cybereason/batches", {"count": 2, "sensor_seconds": 0.1})["batchId"]
    inputs = {"url": simulator.https_url, "username": "admin@sim.local", "password": "changeme"}
    return inputs, "cybereason_action_status", str(batch)


def puppet_case(simulator) -> tuple[dict[str, str], str, str]:
    job = simulator.control("POST", "/puppet/jobs", {"count": 2, "new_seconds": 0.1, "ready_seconds": 0.1,
                                                     "node_seconds": 0.2})["job"]["name"]
    inputs = {"orchestrator_url": simulator.https_url, "rbac_url": simulator.https_url, "username": "deployer",
              "password": "puppetlabs"}
    return inputs, "puppet_job_status", str(job)


def rackspace_case(simulator) -> tuple[dict[str, str], str, str]:
    backup = simulator.control("POST", "/rackspace/backups", {})["id"]
    inputs = {"url": simulator.https_url, "token": "sim-token", "project_id": "123456"}
    return inputs, "rackspace_backup_status", str(backup)


CASES: dict[str, Callable[[Any], tuple[dict[str, str], str, str]]] = {
    "fleet": fleet_case, "cortex_xdr": cortex_xdr_case, "cybereason": cybereason_case, "puppet": puppet_case,
    "rackspace": rackspace_case}


@pytest.mark.parametrize("name", sorted(CASES))
def test_injected_environment_runs_the_vendor_module_over_https(name, simulator, tmp_path):
    inputs, module, action_id = CASES[name](simulator)
    inputs["ca_cert"] = Path(simulator.ca_path).read_text()
    env = awx_inject(load(name), inputs, tmp_path)
    assert Path(env[CA_PATH_ENV[VENDORS[name][0].NAME]]).read_text() == inputs["ca_cert"]
    run = run_adhoc("actiongate.agents." + module, "action_ids=%s" % action_id, env=env)
    result = run.adhoc()
    assert not result.get("failed"), result.get("msg")
    assert [a["action_id"] for a in result["actions"]] == [action_id]
    assert result["actions"][0]["state"] != "unknown"
    for field in load(name)["inputs"]["fields"]:
        if field.get("secret") and inputs.get(field["id"]):
            assert inputs[field["id"]] not in run.output


def test_a_cortex_xdr_credential_without_a_security_level_uses_a_standard_key(simulator, tmp_path):
    """A credential created through AWX's API without auth_type: the job starts, the variable is
    injected empty, and the module reads it as unset (standard)."""
    action = simulator.control("POST", "/cortex_xdr/actions", {"pending_seconds": 0.1, "run_seconds": 0.2})["action_id"]
    inputs = {"url": simulator.https_url, "api_key_id": "1", "api_key": "sim-standard-key",
              "ca_cert": Path(simulator.ca_path).read_text()}
    assert awx_start_refusal(load("cortex_xdr"), inputs) is None
    env = awx_inject(load("cortex_xdr"), inputs, tmp_path)
    assert env["CORTEX_XDR_AUTH_TYPE"] == ""
    run = run_adhoc("actiongate.agents.cortex_xdr_action_status", "action_ids=%s" % action, env=env)
    result = run.adhoc()
    assert not result.get("failed"), result.get("msg")
    assert [a["action_id"] for a in result["actions"]] == [str(action)]
    assert "sim-standard-key" not in run.output


def test_without_a_ca_the_empty_variable_is_unset_and_tls_fails_clearly(simulator, tmp_path):
    inputs, module, action_id = fleet_case(simulator)
    env = awx_inject(load("fleet"), inputs, tmp_path)
    assert env["FLEET_CA_PATH"] == "" and env["FLEET_USERNAME"] == "" and env["FLEET_SPACE_ID"] == ""
    run = run_adhoc("actiongate.agents." + module, "action_ids=%s" % action_id, env=env)
    result = run.adhoc()
    assert result["failed"] is True
    assert "TLS" in result["msg"] and "ca_path" in result["msg"]
    assert "Traceback" not in run.output


def test_a_project_playbook_imports_the_collection_playbook_by_name(tmp_path):
    """What a job template selects (docs/docsite/rst/awx.rst): a one-line playbook in the project
    importing the installed collection's playbook by its full name."""
    (tmp_path / "action_report.yml").write_text(yaml.safe_dump([{
        "name": "Agent action report from actiongate.agents",
        "ansible.builtin.import_playbook": "actiongate.agents.action_report"}], sort_keys=False))
    proc = subprocess.run([str(BIN / "ansible-playbook"), "action_report.yml", "--list-tasks"], capture_output=True,
                          text=True, env=ansible_env(json_results=False), cwd=str(tmp_path), timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "play #1 (localhost): Report recent agent actions" in proc.stdout


def test_a_lookup_reads_the_injected_ca_path_too(simulator, tmp_path):
    inputs, _unused, action_id = fleet_case(simulator)
    inputs["ca_cert"] = Path(simulator.ca_path).read_text()
    env = awx_inject(load("fleet"), inputs, tmp_path)
    run = run_playbook(tmp_path, [{"name": "read", "ansible.builtin.set_fact": {
        "read": "{{ lookup('actiongate.agents.fleet_action_status', '%s') }}" % action_id}}], env=env)
    assert run.task("read")["ansible_facts"]["read"]["action_id"] == action_id
