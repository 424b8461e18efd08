"""The canary sweep (docs/dev/architecture.md, "Secrets and the origin rule"): every module and every lookup, each credential style, at
-vvvv, against each fault of the adversarial server, with canary secrets holding ``&%"\\ +/=``.

Faults, one URL prefix each on origin ``a`` (the vendor URL the task configures):

- ``redirect``: every request answered 307 to the other origin ``b`` (a login POST included);
- ``echo401``: a JSON page (Kibana's envelope) echoing the request, status 401;
- ``echo500``: an HTML page echoing the request, status 500;
- ``raw``: logins succeed (handing out run-time canaries: a session cookie, an RBAC token, an
  Identity token) and the status answer is the vendor's own shape with the echoed request in
  each record, so it lands in ``raw``.

Every byte of output (stdout and stderr, results included), and the request logs of the other
origins, are searched for every encoding of every canary (``_secrets.encodings`` plus the Basic
pair). Expected: zero hits. One playbook run per plugin (its module and its lookup), every fault
and credential style a task.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._secrets import basic_pair, encodings
from tests.integration.helpers import run_playbook

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "fixtures"
USER = "canary-user"
KEY = 'Cnry&%"\\ +/=key1'
PASSWORD = 'Cnry&%"\\ +/=pw22'
TOKEN = 'Cnry&%"\\ +/=tok3'
# Handed out during the run by the "raw" fault (a cookie value cannot hold quotes or spaces).
SESSION = "CnrySession+/=4abc"
RBAC_TOKEN = 'Cnry&%"\\ +/=rbac5'
IDENTITY_TOKEN = 'Cnry&%"\\ +/=ident6'
SECRETS = (KEY, PASSWORD, TOKEN, SESSION, RBAC_TOKEN, IDENTITY_TOKEN)
FORMS = sorted(set().union(*(encodings(s) for s in SECRETS)) | {basic_pair(USER, PASSWORD)}, key=len, reverse=True)
FAULTS = ("redirect", "echo401", "echo500", "raw")
CREDENTIAL_HEADERS = ("authorization", "x-authentication", "x-auth-token", "cookie", "x-xdr-auth-id", "x-xdr-nonce")
ECHO = "{{echo}}"


def fixture(vendor, name):
    return json.loads((FIXTURES / vendor / name).read_text())


def with_echo(records):
    """Each record (a dict) with the echoed request in it, so it lands in ``raw``."""
    return [dict(record, echo=ECHO) for record in records]


def fleet_raw():
    return {"items": [{"actionId": "canary-action", "type": "UPGRADE", "status": "COMPLETE", "nbAgentsActioned": 1,
                       "nbAgentsActionCreated": 1, "nbAgentsAck": 1, "nbAgentsFailed": 0, "echo": ECHO}]}


def cybereason_raw():
    return with_echo(fixture("cybereason", "all_actions.json"))


def puppet_job_raw():
    return dict(fixture("puppet", "jobs.json")["finished"], name="81", echo=ECHO)


def puppet_events_raw():
    body = fixture("puppet", "events.json")
    return dict(body, commits=with_echo(body["commits"]))


def rackspace_backup_raw():
    return dict(fixture("rackspace", "backups.json")["completed"], id="b1", echo=ECHO)


def rackspace_events_raw():
    body = fixture("rackspace", "agent_events.json")
    return {"events": with_echo(body["events"]), "links": []}


def identity_answer():
    body = copy.deepcopy(fixture("rackspace", "identity.json"))
    body["access"]["token"]["id"] = IDENTITY_TOKEN
    body["access"]["token"]["expires"] = "2099-01-01T00:00:00.000Z"
    return body


# plugin -> module args shared by every style, {style: credential args}, the status answer of the
# "raw" fault (the echoed request in each record), and whether a lookup of the same name exists.
PLUGINS = {
    "fleet_action_status": dict(
        common={"action_ids": ["canary-action"]},
        styles={"api_key": {"api_key": KEY}, "basic": {"username": USER, "password": PASSWORD}},
        raw=fleet_raw, lookup=True),
    "fleet_agent_action": dict(
        common={"action": "upgrade", "agents": ["agent-1"], "version": "8.15.0"},
        styles={"api_key": {"api_key": KEY}, "basic": {"username": USER, "password": PASSWORD}},
        raw=lambda: {"actionId": "started-1", "echo": ECHO}, lookup=False),
    "fleet_agent_info": dict(
        common={"agents": ["agent-1"], "version": "8.15.0"},
        styles={"api_key": {"api_key": KEY}, "basic": {"username": USER, "password": PASSWORD}},
        raw=lambda: {"items": [{"id": "agent-1", "status": "online", "local_metadata": {"host": {"hostname": ECHO}}}],
                     "total": 1}, lookup=False),
    "cortex_xdr_action_status": dict(
        common={"action_ids": ["7"]},
        styles={"standard": {"api_key_id": "42", "api_key": KEY, "auth_type": "standard"},
                "advanced": {"api_key_id": "42", "api_key": KEY, "auth_type": "advanced"}},
        raw=lambda: {"reply": {"data": {"endpoint-1": "COMPLETED_SUCCESSFULLY"}, "echo": ECHO}}, lookup=True),
    "cortex_xdr_endpoint_action": dict(
        common={"action": "isolate", "endpoint_ids": ["endpoint-1"]},
        styles={"standard": {"api_key_id": "42", "api_key": KEY, "auth_type": "standard"},
                "advanced": {"api_key_id": "42", "api_key": KEY, "auth_type": "advanced"}},
        raw=lambda: {"reply": {"action_id": 7, "status": "1", "endpoints_count": "1", "echo": ECHO}}, lookup=False),
    "cybereason_action_status": dict(
        common={"action_ids": ["101"]},
        styles={"session": {"username": USER, "password": PASSWORD}},
        raw=cybereason_raw, lookup=True),
    "cybereason_sensor_action": dict(
        common={"action": "upgrade", "sensor_ids": ["sensor-1"]},
        styles={"session": {"username": USER, "password": PASSWORD}},
        raw=lambda: {"batchId": -5, "actionType": "Upgrade", "totalNumberOfProbes": 1, "echo": ECHO}, lookup=False),
    "puppet_job_status": dict(
        common={"action_ids": ["81"]},
        styles={"token": {"token": TOKEN}, "rbac": {"username": USER, "password": PASSWORD, "rbac_url": "{base}"}},
        raw=puppet_job_raw, lookup=True),
    "puppet_job_run": dict(
        common={"command": "deploy", "nodes": ["node-1.example.com"]},
        styles={"token": {"token": TOKEN}, "rbac": {"username": USER, "password": PASSWORD, "rbac_url": "{base}"}},
        raw=lambda: {"job": {"id": "https://orchestrator.example/orchestrator/v1/jobs/81", "name": "81"}, "echo": ECHO},
        lookup=False),
    "puppet_activity_events": dict(
        common={"service_id": "orchestrator"},
        styles={"token": {"token": TOKEN}, "rbac": {"username": USER, "password": PASSWORD}},
        raw=puppet_events_raw, lookup=True),
    "rackspace_backup_status": dict(
        common={"action_ids": ["b1"], "project_id": "110011", "api_version": "v2"},
        styles={"token": {"token": TOKEN},
                "api_key": {"username": USER, "api_key": KEY, "identity_url": "{base}/identity"},
                "password": {"username": USER, "password": PASSWORD, "identity_url": "{base}/identity"}},
        raw=rackspace_backup_raw, lookup=True),
    "rackspace_backup_start": dict(
        common={"configuration_ids": ["148325"], "project_id": "110011", "api_version": "v2", "wake_agents": False},
        styles={"token": {"token": TOKEN},
                "api_key": {"username": USER, "api_key": KEY, "identity_url": "{base}/identity"},
                "password": {"username": USER, "password": PASSWORD, "identity_url": "{base}/identity"}},
        raw=lambda: {"id": "b1", "state": "start_requested", "echo": ECHO}, lookup=False),
    "rackspace_backup_agent_events": dict(
        common={"agent_id": "agent-1", "project_id": "110011"},
        styles={"token": {"token": TOKEN},
                "api_key": {"username": USER, "api_key": KEY, "identity_url": "{base}/identity"},
                "password": {"username": USER, "password": PASSWORD, "identity_url": "{base}/identity"}},
        raw=rackspace_events_raw, lookup=True),
}


def configure(adv, plugin):
    """The adversary's rules for one plugin's run: one URL prefix per fault on origin ``a``."""
    adv.reset()
    adv.redirect("a", 307, "b", path="/redirect")
    adv.echo("a", 401, path="/echo401", fmt="json")
    adv.echo("a", 500, path="/echo500", fmt="html")
    adv.route("a", "/raw/login.html", method="POST", text="<html>welcome</html>", content_type="text/html",
              set_cookies={"JSESSIONID": SESSION})
    adv.route("a", "/raw/rbac-api/v1/auth/token", method="POST", json_body={"token": RBAC_TOKEN})
    adv.route("a", "/raw/identity/tokens", method="POST", json_body=identity_answer())
    adv.route("a", "/raw/logout", text="")
    adv.route("a", "/raw", json_body=PLUGINS[plugin]["raw"]())


def arguments(adv, plugin, fault, style):
    spec = PLUGINS[plugin]
    base = adv.url("a") + "/" + fault
    args = {"url": base, "ca_path": adv.ca_path, "request_timeout": 5}
    args.update(spec["common"])
    for name, value in spec["styles"][style].items():
        args[name] = value.format(base=base) if isinstance(value, str) and "{base}" in value else value
    return args


def tasks_for(adv, plugin):
    """Every fault x credential style, as a module task and a lookup task; values through vars."""
    tasks, variables = [], {}
    for fault in FAULTS:
        for style in PLUGINS[plugin]["styles"]:
            args = arguments(adv, plugin, fault, style)
            name = "%s %s" % (fault, style)
            tasks.append({"name": "module " + name, "actiongate.agents." + plugin: dict(args), "ignore_errors": True})
            if not PLUGINS[plugin]["lookup"]:
                continue
            ids = args.pop("action_ids", [])
            prefix = "v_%s_%s_" % (fault, style)
            variables.update((prefix + key, value) for key, value in args.items())
            variables[prefix + "ids"] = ids
            keywords = ", ".join("%s=%s%s" % (key, prefix, key) for key in args)
            tasks.append({"name": "lookup " + name, "ignore_errors": True, "ansible.builtin.set_fact": {
                "found": "{{ query('actiongate.agents.%s', *%sids, %s) }}" % (plugin, prefix, keywords)}})
            tasks.append({"name": "show " + name, "ansible.builtin.debug": {"var": "found"},
                          "when": "found is defined"})
    return tasks, variables


def hits(text):
    return [form for form in FORMS if form in text]


def credentials_sent(entries):
    """Requests in ``entries`` that carried a credential header, a cookie or a body."""
    return [e for e in entries if e["body"] or e["cookies"]
            or any(h.lower() in CREDENTIAL_HEADERS for h in e["headers"])]


def results(run):
    """``{task name: localhost result}`` from the test_results callback's JSON (the last line that
    holds it: -vvvv output comes before it)."""
    line = next(line for line in reversed(run.stdout.splitlines()) if line.startswith('{"plays"'))
    return dict((t["task"]["name"], t["hosts"].get("localhost", {})) for t in json.loads(line)["plays"][0]["tasks"])


@pytest.fixture(scope="module")
def sweep_counts():
    counts = {"pairs": 0, "runs": 0}
    yield counts
    print("\ncanary sweep: %d (plugin, fault) pairs checked in %d playbook runs, %d canary forms each, 0 hits"
          % (counts["pairs"], counts["runs"], len(FORMS)))


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_no_canary_leaves_its_origin_or_reaches_the_output(adversary, tmp_path, plugin, sweep_counts, capsys):  # noqa: F811
    configure(adversary, plugin)
    tasks, variables = tasks_for(adversary, plugin)
    run = run_playbook(tmp_path, tasks, extra_args=["-vvvv"], play={"vars": dict(
        variables, ansible_python_interpreter="{{ ansible_playbook_python }}")})
    found = results(run)
    problems = []
    output_hits = hits(run.output)
    if output_hits:
        problems.append("output holds %s" % output_hits)
    for other in ("b", "plain"):
        leaked = hits(adversary.log_text(other))
        sent = credentials_sent(adversary.log(other))
        if leaked or sent:
            problems.append("origin %s received %s / %d requests with credentials" % (other, leaked, len(sent)))
    for name, result in found.items():
        if name.startswith(("module ", "lookup ")) and "Traceback" in json.dumps(result):
            problems.append("%s: a traceback" % name)
    assert not problems, "\n".join(problems)
    # Each fault really happened: the redirect and the echo pages fail the task, and the raw echo
    # landed in a result (masked) where the plugin returns records.
    for fault in ("redirect", "echo401", "echo500"):
        for style in PLUGINS[plugin]["styles"]:
            assert found["module %s %s" % (fault, style)].get("failed") is True, (fault, style)
    if plugin == "fleet_agent_info":
        # Its agent records hold typed fields only: an object where Kibana sends a hostname reads as
        # null, so the echo cannot land in its result at all (the echo pages above test its masking).
        for style in PLUGINS[plugin]["styles"]:
            result = found["module raw %s" % style]
            assert result.get("failed") is not True and '"headers": {' not in json.dumps(result), (style, result)
    elif plugin != "fleet_agent_action":
        landed = [name for name, result in found.items()
                  if name.startswith(("module raw", "show raw")) and '"headers": {' in json.dumps(result)]
        assert landed, "the raw echo reached no result: %s" % json.dumps(
            dict((k, v.get("msg")) for k, v in found.items() if k.startswith("module raw")))[:2000]
        # ... carrying the request's credentials, masked
        assert all("********" in json.dumps(found[name]) for name in landed), landed
    assert adversary.log("a"), "nothing reached the configured origin"
    sweep_counts["pairs"] += len(FAULTS) * (2 if PLUGINS[plugin]["lookup"] else 1)
    sweep_counts["runs"] += 1
    with capsys.disabled():
        print("\n%s: %d tasks, %d canary forms searched, 0 hits" % (plugin, len(tasks), len(FORMS)))
