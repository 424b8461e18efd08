"""Puppet Enterprise starts, pure: the request each option set gives, the checks made before any
request, the reading of the 202, the nodes PE left out, and the whole run through a stand-in client
that answers from a script (no socket)."""

from __future__ import annotations

import types

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._answer import ApiResponse
from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConfigError,
    TransportError,
)
from ansible_collections.actiongate.agents.plugins.module_utils._start import StartFailed
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.argspec import MAX_INT, START_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.start import (
    PATHS,
    PuppetJobRun,
    explain,
    left_out,
    read_job_name,
    start_request,
)

NODES = ["web01.example.com", "web02.example.com", "web03.example.com"]
ORCH = "https://puppet.example.com:8143"
TOKEN_URL = "https://puppet.example.com:4433/rbac-api/v1/auth/token"


def sent(**options):
    settings = {"command": "deploy", "nodes": NODES, "environment": "production"}
    settings.update(options)
    return start_request(settings)[0].as_dict()


# ---- the request -------------------------------------------------------------------------------


def test_deploy_sends_environment_and_the_nodes_as_scope():
    assert sent() == {"method": "POST", "path": "/orchestrator/v1/command/deploy",
                      "body": {"environment": "production", "scope": {"nodes": NODES}}}


def test_deploy_sends_the_keys_that_are_set():
    body = sent(environment=" staging ", noop=True, concurrency=2, description="canary batch 1")["body"]
    assert body == {"environment": "staging", "scope": {"nodes": NODES}, "noop": True, "concurrency": 2,
                    "description": "canary batch 1"}
    assert "noop" in sent(noop=False)["body"] and sent(noop=False)["body"]["noop"] is False


def test_task_sends_task_params_and_timeout():
    body = sent(command="task", task="puppet_agent::install", params={"version": "8.10.0"}, timeout=600)
    assert body == {"method": "POST", "path": "/orchestrator/v1/command/task", "body": {
        "environment": "production", "scope": {"nodes": NODES}, "task": "puppet_agent::install",
        "params": {"version": "8.10.0"}, "timeout": 600}}


def test_task_without_params_sends_an_empty_object_the_api_requires():
    assert sent(command="task", task="facts")["body"]["params"] == {}


def test_paths():
    assert PATHS == {"deploy": "/orchestrator/v1/command/deploy", "task": "/orchestrator/v1/command/task"}


def test_a_blank_description_is_not_sent():
    assert "description" not in sent(description="  ")["body"]


# ---- checks before any request -----------------------------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"command": "plan"}, "command must be one of deploy, task"),
    ({"nodes": []}, "nodes must list at least one target"),
    ({"nodes": ["a", " "]}, r"nodes has a blank item \(position 2\)"),
    ({"nodes": ["a", "b", "a"]}, "nodes lists 'a' more than once"),
    ({"nodes": ["web 01"]}, "'web 01' is not a certname"),
    ({"environment": " "}, "environment is blank"),
    ({"environment": None}, "environment is blank"),
    ({"command": "task"}, "task is required with command=task"),
    ({"command": "task", "task": " "}, "task is blank"),
    ({"command": "task", "task": "facts", "params": ["x"]}, "params must be a dict of the task's parameters, not an array"),
    ({"task": "facts"}, "task cannot be used with command=deploy"),
    ({"params": {}}, "params cannot be used with command=deploy"),
    ({"timeout": 60}, "timeout cannot be used with command=deploy .*no per-node timeout"),
    ({"command": "task", "task": "facts", "concurrency": 5}, "concurrency cannot be used with command=task .*task_concurrency"),
    ({"concurrency": 0}, "concurrency must be a whole number of at least 1"),
    ({"command": "task", "task": "facts", "timeout": True}, "timeout must be a whole number of at least 1"),
])
def test_bad_options_are_refused_naming_the_option(options, message):
    settings = {"command": "deploy", "nodes": NODES, "environment": "production"}
    settings.update(options)
    with pytest.raises(ConfigError, match=message):
        start_request(settings)


@pytest.mark.parametrize("name, value", [("concurrency", MAX_INT + 1), ("timeout", 0), ("timeout", MAX_INT + 1)])
def test_ranges_are_checked_before_any_request(name, value):
    with pytest.raises(ConfigError, match=name):
        PuppetJobRun.check_options({"url": ORCH, name: value})
    assert START_OPTIONS[name]["range"] == (1, MAX_INT)


def test_credentials_are_required_before_any_request():
    with pytest.raises(ConfigError, match="needs token"):
        PuppetJobRun({"url": ORCH, "command": "deploy", "nodes": NODES}, client=FakeClient({}))


# ---- the answer --------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, name", [
    ({"job": {"id": ORCH + "/orchestrator/v1/jobs/81", "name": "81"}}, "81"),
    ({"job": {"name": 82}}, "82"),
    ({"job": {"name": " 83 "}}, "83"),
    ({"job": {"name": "eighty"}}, None),
    ({"job": {"name": "٨١"}}, None),  # Arabic-Indic digits are not a job number
    ({"job": {"name": True}}, None),
    ({"job": {"id": ORCH + "/orchestrator/v1/jobs/81"}}, None),
    ({"name": "81"}, None),  # the plan_run shape: no job wrapper
    ([], None),
    (None, None),
])
def test_the_job_name_is_read_through_shape(answer, name):
    assert read_job_name(answer)[0] == name


def test_left_out_keeps_the_order_asked():
    assert left_out(NODES, ["web03.example.com", "web01.example.com"]) == ["web02.example.com"]
    assert left_out(NODES, NODES) == []


@pytest.mark.parametrize("kind, status, words", [
    ("puppetlabs.orchestrator/unknown-environment", 404, "does not exist on the primary server"),
    ("puppetlabs.orchestrator/empty-target", 400, "resolved to no node"),
    ("puppetlabs.orchestrator/not-permitted", 403, "Start, stop and view jobs"),
    ("puppetlabs.orchestrator/validation-error", 400, "names the key"),
    ("puppetlabs.validators/validation-error", 400, "names the key"),
    ("puppetlabs.rbac/token-expired", 401, "sent once, never again"),
    (None, 403, "Tasks: Run tasks"),
])
def test_explain_reads_the_orchestrators_kinds(kind, status, words):
    body = {"kind": kind, "msg": "m"} if kind else None
    assert words in explain(ApiError("x", status, body))


def test_explain_says_nothing_of_other_errors():
    assert explain(ApiError("HTTP 500", 500, {"kind": "puppetlabs.orchestrator/unknown-error", "msg": "m"})) is None
    assert explain(TransportError("reset")) is None


# ---- the run, through a stand-in client ------------------------------------------------------


class FakeClient:
    """Stands in for ApiClient: answers each (method, path) from a script, in order; records every call."""

    def __init__(self, script):
        self.script = dict((key, list(value)) for key, value in script.items())
        self.calls = []
        self.session = types.SimpleNamespace(headers={})
        self.origins = []

    def time_left(self):
        return 30.0

    def set_header(self, name, value):
        self.session.headers[name] = value

    def add_secret(self, value):
        pass

    def allow_origin(self, url, option="url"):
        self.origins.append(url)

    def message(self, text):
        return text

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, idempotent=None,
                expect_json=True, **kwargs):
        self.calls.append((method, path, json_body, idempotent, dict(self.session.headers)))
        answers = self.script.get((method, path))
        assert answers, "unexpected %s %s" % (method, path)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return ApiResponse(202 if method == "POST" else 200, {}, answer, "", path)

    def get_json(self, path, params=None, headers=None):
        return self.request("GET", path, params=params).body

    def post_json(self, path, body=None, headers=None, idempotent=False):
        return self.request("POST", path, json_body=body, idempotent=idempotent).body


STARTED = {"job": {"id": ORCH + "/orchestrator/v1/jobs/81", "name": "81"}}
DEPLOY = ("POST", "/orchestrator/v1/command/deploy")
JOB = ("GET", "/orchestrator/v1/jobs/81")
JOB_NODES = ("GET", "/orchestrator/v1/jobs/81/nodes")
CHECK = ("GET", "/orchestrator/v1/jobs")
LOGIN = ("POST", TOKEN_URL)


def job(count, state="new"):
    return {"name": "81", "state": state, "node_count": count, "status": [{"state": state, "enter_time": "t"}]}


def nodes(*names):
    return {"items": [{"name": n, "state": "new"} for n in names]}


def run(script, check_mode=False, **options):
    settings = {"url": ORCH, "token": "tok-1", "command": "deploy", "nodes": NODES, "environment": "production",
                "include_raw": True}
    settings.update(options)
    client = FakeClient(script)
    vendor = PuppetJobRun(settings, client=client)
    return client, vendor.run(check_mode=check_mode)


def methods(client):
    return [(c[0], c[1]) for c in client.calls]


def test_a_start_posts_once_and_returns_the_job_name_and_node_count():
    client, result = run({DEPLOY: [STARTED], JOB: [job(3)]})
    assert methods(client) == [DEPLOY, JOB]
    assert client.calls[0][2:4] == ({"environment": "production", "scope": {"nodes": NODES}}, False)
    assert client.calls[0][4] == {"X-Authentication": "tok-1"}
    assert result == {"changed": True, "action_id": "81", "action_ids": ["81"], "command": "deploy", "nodes": NODES,
                      "node_count": 3, "skipped_nodes": [], "raw": STARTED}


def test_nodes_pe_left_out_are_listed_in_skipped_nodes_with_a_warning():
    client, result = run({DEPLOY: [STARTED], JOB: [job(1)], JOB_NODES: [nodes("web02.example.com")]})
    assert methods(client) == [DEPLOY, JOB, JOB_NODES]
    assert result["node_count"] == 1 and result["skipped_nodes"] == ["web01.example.com", "web03.example.com"]
    assert "skipped" not in result
    (warning,) = result["warnings"]
    assert "left 2 of the 3 nodes asked out of job 81 (web01.example.com, web03.example.com)" in warning
    assert "still new" in warning


def test_a_running_job_missing_nodes_does_not_say_it_was_still_new():
    _client, result = run({DEPLOY: [STARTED], JOB: [job(2, "running")], JOB_NODES: [nodes(*NODES[:2])]})
    assert result["skipped_nodes"] == ["web03.example.com"] and "still new" not in result["warnings"][0]


def test_a_job_record_without_node_count_is_counted_from_its_nodes():
    _client, result = run({DEPLOY: [STARTED], JOB: [{"name": "81", "state": "ready"}], JOB_NODES: [nodes(*NODES)]})
    assert (result["node_count"], result["skipped_nodes"]) == (3, [])
    assert "warnings" not in result


@pytest.mark.parametrize("failure", [
    ApiError("HTTP 500 boom", 500), TransportError("connection reset"), ApiError("not JSON", 200),
])
def test_a_failed_read_back_keeps_the_started_job_and_warns(failure):
    client, result = run({DEPLOY: [STARTED], JOB: [failure]})
    assert result["action_id"] == "81" and result["changed"] is True
    assert result["node_count"] is None and result["skipped_nodes"] is None
    assert "started job 81, but reading it back failed, so node_count and skipped_nodes are unknown" in result["warnings"][0]
    assert methods(client).count(DEPLOY) == 1


def test_a_job_record_of_another_shape_is_a_failed_read_back():
    _client, result = run({DEPLOY: [STARTED], JOB: [{"name": "81", "node_count": "many"}]})
    assert result["skipped_nodes"] is None and "node_count is a string, not a count" in result["warnings"][0]


def test_an_unknown_job_right_after_the_start_warns():
    unknown = ApiError("HTTP 404", 404, {"kind": "puppetlabs.orchestrator/unknown-job", "msg": "no job"})
    _client, result = run({DEPLOY: [STARTED], JOB: [unknown]})
    assert result["action_id"] == "81" and result["skipped_nodes"] is None
    assert "does not list it yet (unknown-job)" in result["warnings"][0]


def test_include_raw_false_leaves_the_answer_out():
    assert "raw" not in run({DEPLOY: [STARTED], JOB: [job(3)]}, include_raw=False)[1]


@pytest.mark.parametrize("answer, words", [
    ({"job": {"id": ORCH + "/orchestrator/v1/jobs/90"}}, "its job.id names job 90"),
    ({"job": {"name": "x-1"}}, "its name is a string"),
    ({}, "no job object"),
])
def test_a_202_without_a_job_name_may_have_started(answer, words):
    with pytest.raises(StartFailed) as raised:
        run({DEPLOY: [answer]})
    assert raised.value.may_have_started is True
    assert words in str(raised.value) and "MAY HAVE STARTED" in str(raised.value)
    assert "puppet_job_status" in str(raised.value)


@pytest.mark.parametrize("failure, started", [
    (ApiError("HTTP 503", 503), True), (TransportError("read timed out"), True),
    (AuthError("HTTP 401 token-expired", 401, {"kind": "puppetlabs.rbac/token-expired", "msg": "m"}), False),
    (AuthError("HTTP 403", 403, {"kind": "puppetlabs.orchestrator/not-permitted", "msg": "m"}), False),
    (ApiError("HTTP 404", 404, {"kind": "puppetlabs.orchestrator/unknown-environment", "msg": "m"}), False),
    (ApiError("HTTP 400", 400, {"kind": "puppetlabs.orchestrator/empty-target", "msg": "m"}), False),
])
def test_a_failed_start_is_sent_once_and_says_whether_it_may_have_started(failure, started):
    client = FakeClient({DEPLOY: [failure]})
    vendor = PuppetJobRun({"url": ORCH, "token": "t", "command": "deploy", "nodes": NODES, "environment": "production"},
                          client=client)
    with pytest.raises(StartFailed) as raised:
        vendor.run()
    assert methods(client) == [DEPLOY]
    assert raised.value.may_have_started is started
    assert ("Nothing started" in str(raised.value)) is not started


def test_username_and_password_log_in_once_then_start():
    client, result = run({LOGIN: [{"token": "fresh"}], DEPLOY: [STARTED], JOB: [job(3)]},
                         token=None, username="deployer", password="pw")
    assert methods(client) == [LOGIN, DEPLOY, JOB]
    assert client.calls[1][4] == {"X-Authentication": "fresh"}
    assert result["action_id"] == "81"


def test_a_401_on_the_start_is_not_answered_with_a_new_login_and_a_second_start():
    expired = AuthError("HTTP 401", 401, {"kind": "puppetlabs.rbac/token-expired", "msg": "m"})
    client = FakeClient({LOGIN: [{"token": "fresh"}], DEPLOY: [expired]})
    vendor = PuppetJobRun({"url": ORCH, "username": "deployer", "password": "pw", "command": "deploy", "nodes": NODES,
                           "environment": "production"}, client=client)
    with pytest.raises(StartFailed) as raised:
        vendor.run()
    assert methods(client) == [LOGIN, DEPLOY]
    assert raised.value.may_have_started is False and "sent once, never again" in str(raised.value)


def test_a_fixed_token_with_credentials_is_checked_by_a_read_and_renewed_before_the_one_start():
    expired = AuthError("HTTP 401", 401, {"kind": "puppetlabs.rbac/token-expired", "msg": "m"})
    client, result = run({CHECK: [expired, {"items": []}], LOGIN: [{"token": "fresh"}], DEPLOY: [STARTED],
                          JOB: [job(3)]}, username="deployer", password="pw")
    assert methods(client) == [CHECK, LOGIN, CHECK, DEPLOY, JOB]
    assert client.calls[3][4] == {"X-Authentication": "fresh"}
    assert result["action_id"] == "81"


@pytest.mark.parametrize("answer", [AuthError("HTTP 403", 403), ApiError("HTTP 500", 500)])
def test_a_token_check_that_is_not_a_401_lets_the_start_go(answer):
    client, result = run({CHECK: [answer], DEPLOY: [STARTED], JOB: [job(3)]}, username="deployer", password="pw")
    assert methods(client) == [CHECK, DEPLOY, JOB] and result["action_id"] == "81"


@pytest.mark.parametrize("script", [
    {CHECK: [AuthError("HTTP 401", 401), AuthError("HTTP 401", 401)], LOGIN: [{"token": "fresh"}]},
    {CHECK: [AuthError("HTTP 401", 401)], LOGIN: [AuthError("HTTP 401 authentication-failed", 401)]},
    {CHECK: [TransportError("connection refused")]},
])
def test_a_failed_token_check_or_login_fails_before_the_start_nothing_started(script):
    client = FakeClient(script)
    vendor = PuppetJobRun({"url": ORCH, "token": "t", "username": "deployer", "password": "pw", "command": "deploy",
                           "nodes": NODES, "environment": "production"}, client=client)
    with pytest.raises(StartFailed) as raised:
        vendor.run()
    assert DEPLOY not in methods(client)
    assert raised.value.may_have_started is False
    assert "failed before its request was sent" in str(raised.value) and "Nothing started" in str(raised.value)


def test_check_mode_logs_in_and_shows_the_request_without_sending_it():
    client, result = run({LOGIN: [{"token": "fresh"}]}, check_mode=True, token=None, username="deployer", password="pw",
                         command="task", task="puppet_agent::install", params={"version": "8.10.0"})
    assert methods(client) == [LOGIN]
    assert result["changed"] is True and result["action_id"] is None and result["action_ids"] == []
    assert result["requests"] == [{"method": "POST", "path": "/orchestrator/v1/command/task", "body": {
        "environment": "production", "scope": {"nodes": NODES}, "task": "puppet_agent::install",
        "params": {"version": "8.10.0"}}}]
    assert "fresh" not in str(result) and "pw" not in str(result["requests"])


def test_check_mode_with_a_token_alone_sends_nothing():
    client, result = run({}, check_mode=True)
    assert client.calls == [] and result["requests"][0]["path"] == "/orchestrator/v1/command/deploy"


def test_bad_input_fails_before_any_request():
    client = FakeClient({})
    vendor = PuppetJobRun({"url": ORCH, "username": "deployer", "password": "pw", "command": "deploy",
                           "nodes": ["a", "a"], "environment": "production"}, client=client)
    with pytest.raises(ConfigError):
        vendor.run()
    assert client.calls == []
