"""ActionQuery and the shells' one run (run_query): the garbage-collector pause, the id and option
checks, include_raw, the deadline cut, close() and the last-resort catch, with a scripted vendor."""

from __future__ import annotations

import gc
import json
import sys
from urllib.parse import quote

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import (
    ActionTimeout,
    ApiError,
    ConfigError,
    DeadlineExceeded,
)
from ansible_collections.actiongate.agents.plugins.module_utils._query import ActionQuery, collector_paused
from ansible_collections.actiongate.agents.plugins.module_utils._runner import (
    failure,
    plugin_name,
    requests_missing,
    run_query,
    run_vendor_module,
)
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import encodings
from ansible_collections.actiongate.agents.plugins.module_utils._status import RUNNING, SUCCEEDED, ActionStatus
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_collector_paused_restores_the_collector_even_on_error():
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()


class Client:
    """A stand-in ApiClient: the run's registry and Deadline, as ``make_client`` hands them over."""

    def __init__(self, secrets, deadline=None):
        self.secrets, self.deadline = secrets, deadline


class RecordingVendor(Vendor):
    """Two polls: running, then succeeded; records whether the collector ran during each read."""

    NAME, LABEL, NOUN = "test", "Test", "action"
    SECRET_OPTIONS = ("api_key",)

    def __init__(self, options, client=None):
        super(RecordingVendor, self).__init__(options, client)
        self.reads = []
        self.states = [RUNNING, SUCCEEDED]

    @classmethod
    def make_client(cls, options, **overrides):
        cls.check_options(options)
        return Client(overrides.get("secrets"), overrides.get("deadline"))

    def statuses(self, action_ids, policy):
        self.reads.append(gc.isenabled())
        state = self.states.pop(0)
        return [policy.apply(ActionStatus(action_ids[0], "test", state, state.upper(),
                                          targets={"total": 1, "succeeded": int(state == SUCCEEDED)}))]

    def list_actions(self):
        self.reads.append(gc.isenabled())
        return [ActionStatus("listed", "test", SUCCEEDED, "DONE", targets={"total": 1, "succeeded": 1})]

    def result_extras(self):
        return {}


def test_reads_pause_the_collector_and_sleeps_do_not():
    sleeps = []
    now = [0.0]

    def sleep(seconds):
        sleeps.append(gc.isenabled())
        now[0] += seconds

    options = {"action_ids": ["a1"], "wait": True, "wait_timeout": 60, "wait_interval": 1, "wait_max_interval": 1}
    query = ActionQuery(RecordingVendor, options, clock=lambda: now[0], sleep=sleep)
    result = query.run()
    assert result["actions"][0]["state"] == SUCCEEDED and result["polls"] == 2
    assert query.vendor.reads == [False, False]
    assert sleeps and all(sleeps)
    assert gc.isenabled()


def test_one_deadline_on_the_runs_clock_goes_to_the_client_and_bounds_the_wait():
    now = [0.0]
    seen = []

    def sleep(seconds):
        now[0] += seconds

    options = {"action_ids": ["a1"], "wait": True, "wait_timeout": 60, "wait_interval": 1, "wait_max_interval": 1}
    query = ActionQuery(RecordingVendor, options, clock=lambda: now[0], sleep=sleep)
    deadline = query.deadline
    assert query.vendor.client.deadline is deadline and (deadline.at, str(deadline)) == (60.0, "wait_timeout=60")
    query.vendor.states = [RUNNING] * 100
    statuses = query.vendor.statuses

    def watched(ids, policy):
        seen.append(deadline.remaining())
        return statuses(ids, policy)

    query.vendor.statuses = watched
    outcome = query.wait_for(["a1"])
    assert outcome.reason == "timeout" and now[0] == 60.0 and seen[0] == 60.0 and seen[-1] == 0.0


@pytest.mark.parametrize("options", [{"action_ids": []}, dict(action_ids=["a1"], wait=False), dict(action_ids=["a1"], wait=True)])
def test_no_deadline_without_a_wait(options):
    query = ActionQuery(RecordingVendor, dict(options, wait_timeout=60), check_mode=options.get("wait", False))
    assert query.deadline is None and query.vendor.client.deadline is None


def test_listing_pauses_the_collector_too():
    query = ActionQuery(RecordingVendor, {"action_ids": []})
    assert [a["action_id"] for a in query.run()["actions"]] == ["listed"]
    assert query.vendor.reads == [False] and gc.isenabled()


class Scripted(RecordingVendor):
    """A vendor whose reads are scripted per test; counts close() calls."""

    SECRET_OPTIONS = ("api_key",)
    script = []
    closed = []

    def statuses(self, action_ids, policy):
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return [policy.apply(step)]

    def close(self):
        self.closed.append(True)
        if getattr(self, "close_error", None):
            raise self.close_error


KEY = 'k3y&%"\\ +/=canary'
OPTIONS = {"action_ids": ["a1"], "api_key": KEY, "wait": True, "wait_timeout": 60, "wait_interval": 1,
           "wait_max_interval": 1, "include_raw": True}


def running(raw=None):
    return ActionStatus("a1", "test", RUNNING, "RUNNING", targets={"total": 2}, raw=raw or {"echo": KEY})


def done():
    return ActionStatus("a1", "test", SUCCEEDED, "DONE", targets={"total": 2, "succeeded": 2}, raw={"echo": KEY})


@pytest.fixture
def scripted():
    Scripted.script, Scripted.closed = [], []
    yield Scripted


def fake_time():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds
    return (lambda: now[0]), sleep


@pytest.mark.parametrize("ids", [[], ["", "  "], None])
def test_wait_needs_an_id_before_any_client_is_made(scripted, monkeypatch, ids):
    made = []
    monkeypatch.setattr(Scripted, "make_client", classmethod(lambda cls, options, **kw: made.append(1)))
    with pytest.raises(ConfigError) as info:
        ActionQuery(Scripted, dict(OPTIONS, action_ids=ids))
    assert "wait=true needs at least one action id" in str(info.value) and "wait=false" in str(info.value)
    assert made == []


def test_listing_without_wait_still_works(scripted):
    result = ActionQuery(Scripted, dict(OPTIONS, action_ids=[], wait=False)).run()
    assert [a["action_id"] for a in result["actions"]] == ["listed"]


def test_the_client_shares_the_runs_registry(scripted):
    query = ActionQuery(Scripted, OPTIONS)
    assert query.vendor.client.secrets is query.secrets and KEY in query.secrets.values


@pytest.mark.parametrize("include_raw", [True, False])
def test_include_raw(scripted, include_raw):
    scripted.script = [running(), done()]
    clock, sleep = fake_time()
    result = ActionQuery(Scripted, dict(OPTIONS, include_raw=include_raw), clock=clock, sleep=sleep).run()
    assert result["succeeded"] and ("raw" in result["actions"][0]) is include_raw


def test_a_deadline_cut_ends_the_wait_as_a_timeout_with_the_last_statuses(scripted):
    cut = DeadlineExceeded("Test GET /status was still reading the answer when wait_timeout ran out.")
    scripted.script = [running(), cut]
    clock, sleep = fake_time()
    query = ActionQuery(Scripted, OPTIONS, clock=clock, sleep=sleep)
    with pytest.raises(ActionTimeout) as info:
        query.run()
    message = str(info.value)
    assert message.startswith("Timed out after 1s waiting for Test action a1 (wait_timeout=60). Last state: a1: running")
    assert message.endswith("The deadline passed during this call: " + str(cut))
    assert info.value.result["actions"][0]["state"] == RUNNING and info.value.result["polls"] == 2


def test_a_deadline_cut_on_the_first_poll_still_names_the_ids(scripted):
    scripted.script = [DeadlineExceeded("logging in took too long")]
    clock, sleep = fake_time()
    with pytest.raises(ActionTimeout) as info:
        ActionQuery(Scripted, OPTIONS, clock=clock, sleep=sleep).run()
    assert "Test action a1" in str(info.value) and "nothing read yet" in str(info.value)
    assert info.value.result["actions"] == [] and info.value.result["terminal"] is False


def test_long_lists_of_ids_are_summarised(scripted):
    ids = ["id-%d" % i for i in range(200)]
    query = ActionQuery(Scripted, dict(OPTIONS, action_ids=ids))
    assert query.noun([], ids).endswith("id-19 ... and 180 more")
    assert query.vendor.not_found_message(ids).count("'id-") == 20


@pytest.mark.parametrize("outcome", ["ok", "gate error", "bug"])
def test_run_query_closes_once_and_scrubs_everything(scripted, outcome):
    clock, sleep = fake_time()
    scripted.script = {
        "ok": [running(), done()],
        "gate error": [ApiError("Test GET /status failed: HTTP 500 echo %s" % KEY, 500)],
        "bug": [KeyError("token=%s" % quote(KEY, safe=""))],
    }[outcome]
    secrets = Scripted.secret_registry(OPTIONS)
    result, warnings = run_query(Scripted, OPTIONS, secrets, "actiongate.agents.test_status", clock=clock, sleep=sleep)
    assert scripted.closed == [True]
    text = json.dumps(result)
    for form in encodings(KEY):
        assert form not in text
    if outcome == "ok":
        assert result["succeeded"] and result["actions"][0]["raw"] == {"echo": "********"}
    elif outcome == "gate error":
        assert result["failed"] and result["msg"] == "Test GET /status failed: HTTP 500 echo ********"
    else:
        assert result["failed"] and result["msg"].startswith(
            "actiongate.agents.test_status failed unexpectedly (KeyError: 'token=********'). This is a bug")
        assert "please report it at https://github.com/actiongate/agents/issues" in result["msg"]


def test_a_close_that_fails_becomes_a_scrubbed_warning(scripted, monkeypatch):
    monkeypatch.setattr(Scripted, "close_error", ApiError("logout refused for %s" % KEY), raising=False)
    clock, sleep = fake_time()
    scripted.script = [done()]
    secrets = Scripted.secret_registry(OPTIONS)
    result, warnings = run_query(Scripted, OPTIONS, secrets, "actiongate.agents.test_status", clock=clock, sleep=sleep)
    assert result["succeeded"] and warnings == ["Could not end the Test session: logout refused for ********"]


def test_failure_caps_long_messages():
    outcome = failure(ApiError("x" * 10000), [])
    assert len(outcome["msg"]) < 4100 and outcome["msg"].endswith("(6000 more characters)")


def test_missing_requests_names_the_controllers_python():
    message = requests_missing()
    assert sys.executable in message and "on the controller" in message
    assert "%s -m pip install requests" % sys.executable in message
    assert "ansible_python_interpreter" not in message


def test_plugin_names_are_fully_qualified_once():
    assert plugin_name("fleet_action_status") == "actiongate.agents.fleet_action_status"
    assert plugin_name("actiongate.agents.fleet_action_status") == "actiongate.agents.fleet_action_status"


class FakeModule:
    """What run_vendor_module uses of AnsibleModule; fail_json and exit_json end the run."""

    _name = "test_action"

    def __init__(self, params):
        self.params, self.no_log_values = params, set()

    def fail_json(self, **result):
        raise SystemExit(dict(result, failed=True))

    def exit_json(self, **result):
        raise SystemExit(result)


@pytest.mark.parametrize("work, expected", [
    (lambda vendor: {"changed": True, "echo": KEY}, {"changed": True, "echo": "********"}),
    (lambda vendor: 1 / 0, None),
])
def test_run_vendor_module_scrubs_and_catches(scripted, work, expected):
    module = FakeModule(dict(OPTIONS, url="https://u:%s@h" % "pw-in-url"))
    with pytest.raises(SystemExit) as info:
        run_vendor_module(module, Scripted, work)
    result = info.value.args[0]
    assert KEY in module.no_log_values and "pw-in-url" in module.no_log_values
    if expected is not None:
        assert result == expected
    else:
        assert result["failed"] is True and result["msg"].startswith(
            "actiongate.agents.test_action failed unexpectedly (ZeroDivisionError: division by zero)")


# ---- a failure mid-wait keeps what was known; the timeout's figures --------------------------------

def test_an_error_mid_wait_fails_with_the_last_actions_polls_and_history(scripted):
    scripted.script = [running(), ActionStatus("a1", "test", RUNNING, "RUNNING", targets={"total": 2, "succeeded": 1},
                                               raw={"echo": KEY}),
                       ApiError("Test GET /status failed: HTTP 400 no such field", 400)]
    clock, sleep = fake_time()
    secrets = Scripted.secret_registry(OPTIONS)
    result, _warnings = run_query(Scripted, OPTIONS, secrets, "actiongate.agents.test_status", clock=clock, sleep=sleep)
    assert result["failed"] and result["msg"] == "Test GET /status failed: HTTP 400 no such field"
    assert result["polls"] == 3 and result["elapsed"] == 2.0 and result["terminal"] is False
    assert result["actions"][0]["targets"]["succeeded"] == 1 and result["actions"][0]["raw"] == {"echo": "********"}
    assert [h["targets"]["succeeded"] for h in result["history"]] == [0, 1]
    assert (result["history_total"], result["history_dropped"]) == (2, 0)


def test_an_error_on_the_first_poll_still_says_how_far_the_wait_got(scripted):
    scripted.script = [ApiError("Test GET /status failed: HTTP 400", 400)]
    clock, sleep = fake_time()
    with pytest.raises(ApiError) as caught:
        ActionQuery(Scripted, OPTIONS, clock=clock, sleep=sleep).run()
    assert caught.value.result["actions"] == [] and caught.value.result["polls"] == 1
    assert caught.value.result["history"] == [] and caught.value.result["succeeded"] is False


def test_a_timeout_gives_the_runs_elapsed_time_and_wait_timeout_as_written(scripted):
    """The deadline starts with the run: time before the first poll (a login) counts, as
    wait_timeout counts it; wait_timeout reads as in the cut call's message (5, not 5.0)."""
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    class SlowLogin(Scripted):
        def statuses(self, action_ids, policy):
            if not self.reads:
                now[0] += 3  # logging in
            self.reads.append(True)
            return [policy.apply(running())]

    options = dict(OPTIONS, wait_timeout=5.0)
    with pytest.raises(ActionTimeout) as caught:
        ActionQuery(SlowLogin, options, clock=lambda: now[0], sleep=sleep).run()
    assert str(caught.value).startswith("Timed out after 5s waiting for Test action a1 (wait_timeout=5). Last state: a1:")
    assert caught.value.result["elapsed"] == 5.0


def test_retry_notices_reach_on_trouble_only_while_waiting(scripted):
    seen = []
    query = ActionQuery(Scripted, OPTIONS, on_trouble=seen.append)
    assert query.vendor.client.on_retry == seen.append
    query = ActionQuery(Scripted, dict(OPTIONS, wait=False), on_trouble=seen.append)
    assert getattr(query.vendor.client, "on_retry", None) is None
