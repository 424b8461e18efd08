"""fleet_agent_info's reading of Kibana's GET /api/fleet/agents: ids, paging, versions, and any JSON shape."""

from __future__ import annotations

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.agents import FleetAgents

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


class FakeClient:
    """Stands in for ApiClient: answers each GET with the next page, records the params."""

    def __init__(self, pages):
        self.pages = list(pages)
        self.params = []
        self.session = requests.Session()

    def get_json(self, path, params=None, headers=None):
        assert path == "/api/fleet/agents"
        self.params.append(dict(params))
        return self.pages.pop(0)

    def message(self, text):
        return text


def agent(agent_id, version="8.14.0", reported=None):
    return {"id": agent_id, "active": True, "status": "online",
            "local_metadata": {"elastic": {"agent": {"version": version}}, "host": {"hostname": "h-" + agent_id}},
            "agent": {"id": agent_id, "version": reported or version}}


def run(pages, **options):
    settings_ = {"url": "https://kibana.example", "api_key": "k", "agents": [], "per_page": 100}
    settings_.update(options)
    client = FakeClient(pages)
    return FleetAgents(settings_, client=client).run(), client


def test_ids_are_one_quoted_kuery_and_the_result_keeps_their_order():
    result, client = run([{"items": [agent("b", "8.15.0"), agent('a"1')], "total": 2, "page": 1, "perPage": 100}],
                         agents=['a"1', " b ", "", "missing", "b"], version="8.15.0")
    assert client.params == [{"perPage": 100, "showInactive": "false", "page": 1,
                              "kuery": 'agent.id:("a\\"1" or "b" or "missing")'}]
    assert [a["id"] for a in result["agents"]] == ['a"1', "b"] and result["missing"] == ["missing"]
    assert result["at_version"] == ["b"] and result["not_at_version"] == ['a"1', "missing"]


def test_versions_that_disagree_are_not_on_the_version():
    result, _client = run([{"items": [agent("a", "8.15.0", reported="8.14.0")], "total": 1}], agents=["a"],
                          version="8.15.0")
    assert result["agents"][0]["versions"] == ["8.14.0", "8.15.0"] and result["at_version"] == []


def test_pages_until_total_and_reads_the_kibana_7_list():
    result, client = run([{"list": [agent("a")], "total": 2}, {"list": [agent("b")], "total": 2}], per_page=1)
    assert [a["id"] for a in result["agents"]] == ["a", "b"] and [p["page"] for p in client.params] == [1, 2]
    assert "kuery" not in client.params[0] and "missing" not in result


def test_a_query_past_kibanas_10000_agents_is_refused():
    full = {"items": [agent("x%d" % i) for i in range(1000)], "total": 50000}
    try:
        run([full] * 10, per_page=1000)
    except ActionGateError as error:
        assert "at most 10000 agents" in str(error)
    else:
        raise AssertionError("no error past the search limit")


EXAMPLES = []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=JSON | st.builds(lambda items, total: {"items": items, "total": total}, st.lists(JSON, max_size=3), JSON))
def test_any_json_answer_gives_agents_or_the_collections_error(body):
    EXAMPLES.append(body)
    try:
        result, _client = run([body, body], agents=["a", "b"], version="8.15.0")
    except ActionGateError as error:
        assert "Elastic Fleet answered GET /api/fleet/agents" in str(error)
    else:
        assert all(isinstance(a["id"], str) for a in result["agents"])


def test_examples_were_run(capsys):
    with capsys.disabled():
        print("\nhypothesis examples run for the fleet_agent_info parser: %d" % len(EXAMPLES))
