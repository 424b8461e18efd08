# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet: starting agent actions for ``fleet_agent_action`` (bulk upgrade, bulk unenroll,
cancel), and reading which agents Kibana refused. The Kibana behaviour each request relies on
(bulk routes, ``kbn-xsrf``, refusals, ``force``/``skip_rate_limit_check``/``revoke``) is in
docs/dev/vendors/fleet.md, "Starting actions".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import ident
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.argspec import ACTION_MODULE_KWARGS, ACTION_OPTIONS
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.parse import action_id_of
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet

# The bulk endpoints always answer {"actionId": ...}; the single-agent ones answer {} with no id
# to wait on, so even one agent goes through bulk.
BULK_PATHS = {"upgrade": "agents/bulk_upgrade", "unenroll": "agents/bulk_unenroll"}
REFUSED_PAGE = 20  # the newest actions read once after a start, to find the new one's refusals
# What each flag does, from Kibana's own code (upgradeBatch in upgrade_action_runner.ts,
# unenrollBatch in unenroll_action_runner.ts): the warning a result carries when one is set.
DESTRUCTIVE = {
    ("upgrade", "force"): "force=true lets Kibana upgrade agents on hosted policies (Fleet Server) and skips "
                          "the version checks; it does not skip the 10-minute upgrade cool-down.",
    ("upgrade", "skip_rate_limit_check"): "skip_rate_limit_check=true upgrades agents upgraded less than 10 minutes "
                                          "ago, which can roll back an upgrade still settling, and skips the "
                                          "version checks.",
    ("unenroll", "force"): "force=true unenrolls agents on hosted policies too, such as Fleet Server.",
    ("unenroll", "revoke"): "revoke=true removes the agents at once and invalidates their API keys: they cannot "
                            "reconnect without enrolling again (a FORCE_UNENROLL action, complete at once).",
}


class FleetActions(Fleet):
    """Starts agent actions for ``fleet_agent_action``: bulk upgrade, bulk unenroll, cancel."""

    OPTIONS = ACTION_OPTIONS
    MODULE_KWARGS = ACTION_MODULE_KWARGS

    def run(self, check_mode=False):
        """The module result. In check mode nothing is sent."""
        action = self.options["action"]
        path, body = self.call()
        result = {"changed": True, "action": action}
        warnings = self.warnings()
        if warnings:
            result["warnings"] = warnings
        if action != "cancel":
            result["agents"] = body["agents"]
        if check_mode:
            result.update(action_id=None, msg="Check mode: would POST %s" % path)
            return result
        answer = self.post(path, body)
        if action == "cancel":
            item = answer.get("item") if isinstance(answer, dict) else None
            result.update(action_id=self.options["action_id"],
                          cancel_action_id=ident(item.get("id")) if isinstance(item, dict) else None)
            return result
        result["action_id"] = self.action_id_of(answer, path)
        result["refused"] = self.refused(result["action_id"], warnings)
        if warnings:
            result["warnings"] = warnings
        return result

    def warnings(self):
        action = self.options["action"]
        return [text for (name, flag), text in sorted(DESTRUCTIVE.items())
                if name == action and self.options.get(flag)]

    def call(self):
        """``(path, body)`` of the request this action needs."""
        action = self.options["action"]
        if action == "cancel":
            action_id = str(self.options["action_id"] or "").strip()
            if not action_id:
                raise ConfigError("action_id must name the action to cancel, got %r." % (self.options["action_id"],))
            return self.path("agents/actions/%s/cancel" % segment(action_id)), {}
        body = {"agents": self.agents()}
        if action == "upgrade":
            body.update(version=self.options["version"], force=bool(self.options.get("force")))
            if self.options.get("skip_rate_limit_check"):
                body["skipRateLimitCheck"] = True
            for name in ("source_uri", "rollout_duration_seconds", "start_time"):
                if self.options.get(name) not in (None, ""):
                    body[name] = self.options[name]
        else:
            body.update(force=bool(self.options.get("force")), revoke=bool(self.options.get("revoke")))
        return self.path(BULK_PATHS[action]), body

    def agents(self):
        """A list of agent ids, or one KQL query string (Kibana takes either)."""
        agents = self.options.get("agents")
        if isinstance(agents, (list, tuple)):
            ids = [str(a).strip() for a in agents if str(a).strip()]
            if ids:
                return ids
        elif isinstance(agents, str) and agents.strip():
            return agents.strip()
        raise ConfigError("agents must be a non-empty list of agent ids, or a KQL query such as "
                          "'policy_id:\"p1\"', got %r." % (agents,))

    def post(self, path, body):
        # Kibana refuses writes without kbn-xsrf (400). A write is never retried by the client, so an
        # action is never started twice. The bulk routes never answer 429 for the upgrade cool-down:
        # they record refused agents as errors of the action (see refused()).
        return self.client.post_json(path, body, headers={"kbn-xsrf": "true"})

    def refused(self, action_id, warnings):
        """Agents Kibana refused when it wrote the action (cool-down, version, hosted policy, already
        unenrolled), from one read of the newest actions: at most 10 (Kibana's latestErrors limit),
        and only those written by now. None, with a warning, when the read failed or the action is
        not listed yet (Kibana writes a large action later, in batches): it started anyway."""
        try:
            for index, item in enumerate(self.page(0, REFUSED_PAGE)):
                if action_id_of(item, index) == action_id:
                    return self.parse_item(item, index).extra.get("refused", [])
        except ActionGateError as error:
            warnings.append("The action started, but reading which agents Kibana refused failed: %s" % error)
            return None
        warnings.append("The action started but is not among the %d newest actions yet (Kibana writes a large "
                        "action in batches): read refused from fleet_action_status later." % REFUSED_PAGE)
        return None

    def page(self, page, per_page=None, error_size=None):
        return super(FleetActions, self).page(page, per_page, 10 if error_size is None else error_size)

    def action_id_of(self, answer, path):
        """The new action's id (``_shape.ident``): a bulk route always answers ``{"actionId": ...}``."""
        action_id = ident(answer.get("actionId")) if isinstance(answer, dict) else None
        if action_id is None:
            raise ApiError(self.client.message("Elastic Fleet POST %s returned no actionId (got %.200s); the action "
                                               "may have started: check Fleet before retrying." % (path, answer)),
                           200, answer)
        return action_id
