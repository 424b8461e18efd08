# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet agents: ``GET /api/fleet/agents`` (Kibana), for ``fleet_agent_info``.

``page`` is 1-based, ``page * perPage`` may not exceed 10,000 (``SO_SEARCH_LIMIT``), ``kuery`` is
KQL over the agent fields (``agent.id``, ``agent.version``, ...), ``showInactive`` defaults to
false. The answer is ``{items, total, page, perPage}``; Kibana 8 also sends the same agents as
``list`` (deprecated), Kibana 7 only ``list``. The agent's version is ``agent.version`` and
``local_metadata.elastic.agent.version``. With ``available_versions``, also
``GET /api/fleet/agents/available_versions`` (``{"items": ["8.15.0", ...]}``; Kibana 8.4.0 and later,
a 404 before). Sources: docs/dev/vendors/fleet.md, "Agents" and "Available versions".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import describe, ident, text, timestamp, whole_number
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.argspec import (
    AGENTS_MODULE_KWARGS, AGENTS_OPTIONS, SEARCH_LIMIT,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet

IDS_PER_QUERY = 100  # keeps one kuery well under Kibana's maximum length
VERSIONS_ENDPOINT = "agents/available_versions"
# GetAvailableVersionsResponseSchema: items is an array of at most 10,000 strings.
MAX_VERSIONS = 10000


class FleetAgents(Fleet):
    """Reads agents (id, version, status) with the Fleet vendor's client and auth."""

    OPTIONS = AGENTS_OPTIONS
    MODULE_KWARGS = AGENTS_MODULE_KWARGS

    def run(self):
        """The module result: the agents, the ids not found, and (with ``version``) who is on it;
        with ``available_versions`` also the versions Kibana offers, and only those when neither
        ``agents`` nor ``kuery`` is given."""
        ids = self.agent_ids()
        kuery = (self.options.get("kuery") or "").strip()
        result = {"changed": False}
        if self.options.get("available_versions"):
            warnings = []
            result["available_versions"] = self.available_versions(warnings)
            if warnings:
                result["warnings"] = warnings
            if not ids and not kuery:
                return result
        agents = self.by_ids(ids) if ids else self.search(kuery)
        result.update(agents=agents, total=len(agents))
        if ids:
            found = set(a["id"] for a in agents)
            result["missing"] = [i for i in ids if i not in found]
        target = (self.options.get("version") or "").strip()
        if target:
            # Fail safe: an agent counts as on the version only when every version Kibana reports
            # for it is exactly that one. Missing agents (inactive, unknown) are never on it.
            on = set(a["id"] for a in agents if a["versions"] and all(v == target for v in a["versions"]))
            asked = ids or [a["id"] for a in agents]
            result["at_version"] = [i for i in asked if i in on]
            result["not_at_version"] = [i for i in asked if i not in on]
        return result

    def available_versions(self, warnings):
        """The Elastic Agent versions Kibana offers for an upgrade, in Kibana's order (newest first),
        or None with a warning when Kibana has no such endpoint (404: older than 8.4.0). Any other
        failure is the run's error. Read with ``_shape`` rules: a list of non-blank strings, or the
        malformed-answer ApiError."""
        path = self.path(VERSIONS_ENDPOINT)
        try:
            body = self.get(path)
        except ApiError as error:
            if error.status != 404:
                raise
            warnings.append("Kibana has no GET %s (HTTP 404): it is older than 8.4.0, which added it "
                            "(elastic/kibana#137099), so available_versions is null and no version was checked."
                            % path)
            return None
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise self.unexpected("without an items list", body, path)
        versions = []
        for position, item in enumerate(items[:MAX_VERSIONS]):
            version = item.strip() if isinstance(item, str) else ""
            if not version:
                raise self.unexpected("with item %d that is %s, not a version" % (position + 1, describe(item)[:60]),
                                      body, path)
            versions.append(version)
        return versions

    def agent_ids(self):
        ids = []
        for value in self.options.get("agents") or []:
            text = str(value).strip()
            if text and text not in ids:
                ids.append(text)
        return ids

    def by_ids(self, ids):
        """The agents with these ids, in the order asked, IDS_PER_QUERY ids per kuery."""
        found = {}
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = ids[start:start + IDS_PER_QUERY]
            kuery = "agent.id:(%s)" % " or ".join(_kql_string(i) for i in chunk)
            for agent in self.search(kuery):
                found.setdefault(agent["id"], agent)
        return [found[i] for i in ids if i in found]

    def search(self, kuery):
        """Every agent matching ``kuery``, page by page (1-based), within the search limit."""
        per_page = self.options.get("per_page") or 100
        params = {"perPage": per_page, "showInactive": "true" if self.options.get("show_inactive") else "false"}
        if kuery:
            params["kuery"] = kuery
        agents = []
        for page in range(1, SEARCH_LIMIT // per_page + 1):
            params["page"] = page
            items, total = self.page(params)
            agents.extend(self.parse_agent(item, len(agents)) for item in items)
            if len(items) < per_page or len(agents) >= total:
                return agents
        raise ConfigError("Kibana lists at most %d agents for one query (page * perPage); narrow the kuery or give "
                          "the agent ids." % SEARCH_LIMIT)

    def page(self, params):
        body = self.get(self.path("agents"), params=params)
        items = body.get("items", body.get("list")) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise self.unexpected("without an items list", body)
        # A total that is not a count (Kibana's schema: a number) stops the paging at this page.
        total = whole_number(body.get("total"), allow_text=False)
        return items, len(items) if total is None else total

    def parse_agent(self, item, position):
        """One agent record, read with the ``_shape`` rules: an id (``ident``) or the collection's
        error; words and times of another type read as None. A version that is not text is kept
        described (``a number (8.15)``), so it can never equal the version asked for (fail safe)."""
        agent_id = ident(item.get("id")) if isinstance(item, dict) else None
        if agent_id is None:
            raise self.unexpected("with item %d that has no id" % (position + 1), item)
        local = _dig(item, "local_metadata", "elastic", "agent", "version")
        reported = _dig(item, "agent", "version")
        versions = [v if isinstance(v, str) else describe(v) for v in (local, reported) if v not in (None, "")]
        upgrade = item.get("upgrade_details") if isinstance(item.get("upgrade_details"), dict) else {}
        active = item.get("active")
        return {
            "id": agent_id,
            "version": versions[0] if versions else None,
            "versions": sorted(set(versions)),
            "status": text(item.get("status")),
            "active": active if isinstance(active, bool) else None,
            "hostname": text(_dig(item, "local_metadata", "host", "hostname")),
            "policy_id": ident(item.get("policy_id")),
            "upgraded_at": timestamp(item.get("upgraded_at")),
            "upgrade_state": text(upgrade.get("state")),
            "upgrade_target_version": text(upgrade.get("target_version")),
        }

    def unexpected(self, what, body, path=None):
        return ApiError(self.client.message("Elastic Fleet answered GET %s %s: %.200s" % (
            path or self.path("agents"), what, body)), 200, body)


def _kql_string(value):
    """``value`` as a quoted KQL string: a backslash and a double quote are escaped."""
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def _dig(item, *keys):
    for key in keys:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item
