"""Fleet's readers against odd numbers and ids: Unicode digits ("²", "٣"), booleans, floats, huge
(10**400, 1e308) and negative numbers in every count and id field of an action_status item, of a
latestErrors entry and of a GET /api/fleet/agents answer. Each ends in statuses (or agents) or the
collection's own ApiError, never another exception; counts follow ``_shape``'s rules (a missing
or null counter is 0, a whole float is its int, anything else is malformed), and the fast path of
``StatusReader.item`` answers what the checked path answers."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import whole_number
from ansible_collections.actiongate.agents.plugins.module_utils._status import FailurePolicy
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet import parse
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents
from tests.unit.plugins.module_utils._vendors.json_shapes import json_values

FIXTURES = Path(__file__).parents[3] / "fixtures"
ITEMS = [item for path in sorted((FIXTURES / "recorded" / "fleet").glob("*.json"))
         for item in json.loads(path.read_text())["items"]]
ITEMS += json.loads((FIXTURES / "fleet" / "action_status.json").read_text())["items"]
COUNTERS = ["nbAgentsActioned", "nbAgentsActionCreated", "nbAgentsAck", "nbAgentsFailed"]
# Unicode digits, booleans, floats, huge and negative numbers, and their neighbours.
ODD = [
    "²", "٣", "١٢", "12", " 7 ", "", "  ", "-3", "1e3", True, False, 0, 1, -1, -10 ** 400, 10 ** 400, 0.5, -0.5, 2.0, -0.0,
    1e308, -1e308, float("inf"), float("-inf"), float("nan"), None, [], [3], {}, {"a": 1},
]
ODD_VALUE = (st.sampled_from(ODD) | st.integers() | st.floats() | st.booleans() | st.none()
             | st.text(alphabet="0123456789²³¹٠١٢٣٤٥٦٧٨٩０１２ .-eE", max_size=6))
EXAMPLES = {"statuses": 0, "errors": 0, "agents": 0}


@pytest.fixture(scope="module", autouse=True)
def print_examples_run():
    yield
    print("\nfleet odd numbers and ids: %(statuses)d parsed, %(errors)d refused as malformed, "
          "%(agents)d agents answers" % EXAMPLES)


def read(item, policy="wait"):
    """(as_dict, None) or (None, the collection's error); the fast and the checked path must agree."""
    reader = parse.StatusReader(policy)
    outcomes = []
    for path in (reader.item, reader.checked):
        try:
            status = FailurePolicy("0").apply(path(copy.deepcopy(item), 0))
            json.dumps(status.as_dict(), default=str)
            outcomes.append((status.as_dict(), None))
        except ApiError as error:
            assert str(error).startswith("Elastic Fleet: Kibana's action_status item 0"), str(error)
            outcomes.append((None, str(error)))
    fast, checked = outcomes
    for outcome in outcomes:
        if outcome[0] is not None:
            outcome[0].pop("raw")
    assert fast == checked, item
    EXAMPLES["errors" if fast[1] else "statuses"] += 1
    return fast


def expected_count(value):
    """What a counter reads as: 0 when null, the whole number, or None (malformed)."""
    return 0 if value is None else whole_number(value, allow_text=False)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(ITEMS) - 1), changes=st.dictionaries(st.sampled_from(COUNTERS + ["actionId"]), ODD_VALUE,
                                                                     min_size=1, max_size=3),
       policy=st.sampled_from(["wait", "failure", "success"]))
@example(index=1, changes={"nbAgentsAck": "²"}, policy="wait")
@example(index=1, changes={"nbAgentsFailed": "٣"}, policy="wait")
@example(index=1, changes={"nbAgentsActioned": True}, policy="wait")
@example(index=1, changes={"nbAgentsActioned": 10 ** 400, "nbAgentsAck": 10 ** 400}, policy="wait")
@example(index=1, changes={"nbAgentsActioned": 1e308}, policy="wait")
@example(index=1, changes={"nbAgentsFailed": -1}, policy="wait")
@example(index=1, changes={"actionId": 10 ** 400}, policy="wait")
@example(index=1, changes={"actionId": -5}, policy="wait")
@example(index=1, changes={"actionId": 1e308}, policy="wait")
@example(index=1, changes={"actionId": True}, policy="wait")
@example(index=1, changes={"actionId": "٣"}, policy="wait")
def test_odd_counts_and_ids_give_statuses_or_the_collections_error(index, changes, policy):
    item = dict(ITEMS[index], **changes)
    result, error = read(item, policy)
    counts = dict((key, expected_count(item.get(key))) for key in COUNTERS)
    bad = sorted(key for key, count in counts.items() if count is None)
    action_id = item.get("actionId")
    id_ok = (isinstance(action_id, str) and action_id.strip()) or (isinstance(action_id, int) and not isinstance(action_id, bool))
    if not id_ok:
        assert error and "actionId" in error
    elif bad:
        assert error and any(key in error for key in bad) and "not a count" in error, error
    else:
        assert error is None, error
        assert result["action_id"] == str(action_id).strip()
        targets = result["targets"]
        assert targets["succeeded"] == counts["nbAgentsAck"]
        assert targets["total"] >= counts["nbAgentsAck"] + counts["nbAgentsFailed"]
        if result["succeeded"]:  # allowed_failures=0: only a COMPLETE with no failed agent passes
            assert item["status"] == "COMPLETE" and not counts["nbAgentsFailed"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent=ODD_VALUE, when=ODD_VALUE, message=ODD_VALUE | st.sampled_from(["Agent a1 is not upgradeable: x", "boom"]))
@example(agent=10 ** 400, when=1e308, message="Agent ² already unenrolled")
@example(agent=True, when=-1, message=3)
def test_odd_error_entries_give_statuses(agent, when, message):
    """A latestErrors entry's fields are read with ``ident``, ``timestamp`` and ``text``: a value of
    another type reads as None, it is never an exception."""
    item = dict(ITEMS[1], latestErrors=[{"agentId": agent, "timestamp": when, "error": message, "hostname": agent}])
    result, error = read(item)
    assert error is None, error
    entry = result["errors"][0]
    assert entry["target"] is None or (isinstance(entry["target"], str) and entry["target"] == entry["target"].strip())
    assert all(entry[key] is None or isinstance(entry[key], str) for key in ("host", "message", "time"))
    assert bool(result.get("refused")) == bool(isinstance(message, str) and parse.REFUSAL.search(message))


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("isnotupgradeablhcyrISNOTUPGRADEABLHCY İıſK \u212a")), max_size=40)
       | st.text(max_size=60))
@example(text="Agent a1 İs not upgradeable: cool-down")
@example(text="Agent a1 ıs not upgradeable")
@example(text="Cannot unenroll x from a hoſted agent policy p")
@example(text="Agent X ALREADY UNENROLLED")
def test_is_refusal_is_refusal_search(text):
    """The fast refusal test answers what the case-insensitive REFUSAL does, for any text."""
    fast = len(text) >= parse.SHORTEST_REFUSAL and parse.is_refusal(text)
    assert fast == bool(parse.REFUSAL.search(text))


class FakeClient:
    """Answers each GET /api/fleet/agents with the next page."""

    def __init__(self, pages):
        self.pages, self.session = list(pages), requests.Session()

    def get_json(self, path, params=None, headers=None):
        return self.pages.pop(0)

    def message(self, text):
        return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent_id=ODD_VALUE, total=ODD_VALUE, version=ODD_VALUE)
@example(agent_id=10 ** 400, total=1e308, version=8.15)
@example(agent_id="²", total="٣", version="8.15.0")
@example(agent_id=True, total=-1, version=True)
def test_agents_answer_with_odd_ids_and_totals(agent_id, total, version):
    EXAMPLES["agents"] += 1
    body = {"items": [{"id": agent_id, "agent": {"version": version}, "local_metadata": {}}], "total": total}
    options = {"url": "https://kibana.example", "api_key": "k", "agents": [], "per_page": 100, "version": "8.15.0"}
    try:
        result = FleetAgents(options, client=FakeClient([body, body])).run()
    except ActionGateError as error:
        assert "Elastic Fleet answered GET /api/fleet/agents" in str(error)
        assert not ((isinstance(agent_id, str) and agent_id.strip()) or (isinstance(agent_id, int) and not isinstance(agent_id, bool)))
        return
    agent = result["agents"][0]
    assert agent["id"] == str(agent_id).strip()
    # A version that is not text can never be the version asked for.
    assert result["at_version"] == ([agent["id"]] if version == "8.15.0" else [])


ANSWER = json_values(words=["COMPLETE", "FAILED", "IN_PROGRESS", "ROLLOUT_PASSED", "²", "٣"],
                     keys=["items", "actionId", "status", "type", "creationTime", "latestErrors", "agentId"] + COUNTERS,
                     bits=1400, nan=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=ANSWER | st.fixed_dictionaries({"items": st.lists(ANSWER, max_size=3)}))
def test_parse_takes_any_json(body):
    """parse.parse: any JSON answer is a list of statuses or the collection's ApiError."""
    try:
        statuses = parse.parse(body, "success")
    except ApiError as error:
        assert str(error).startswith("Elastic Fleet: Kibana's action_status "), str(error)
        return
    assert len(statuses) == len(body["items"])


def test_parse_is_pure():
    """parse.py reads JSON only: it imports nothing of the session side (_http, _vendor, requests)."""
    path = Path(parse.__file__)
    modules = [node.module if isinstance(node, ast.ImportFrom) else alias.name
               for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, (ast.Import, ast.ImportFrom))
               for alias in node.names]
    allowed = {"__future__", "re"} | set("ansible_collections.actiongate.agents.plugins.module_utils.%s" % name
                                         for name in ("_errors", "_shape", "_status"))
    assert set(modules) <= allowed, sorted(set(modules) - allowed)
