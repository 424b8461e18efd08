# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Elastic Fleet: starting agent actions for ``fleet_agent_action`` (bulk upgrade, bulk unenroll,
cancel, and the dry run of a bulk upgrade or unenroll), and reading which agents Kibana refused.
The Kibana behaviour each request relies on (bulk routes, ``kbn-xsrf``, refusals,
``force``/``skip_rate_limit_check``/``revoke``, ``batchSize``/``includeInactive``/``dryRun`` and the
Kibana versions that take them) is in docs/dev/vendors/fleet.md, "Starting actions".

The one request goes through ``_start.send_once`` (sent once, never retried; a refusal says
nothing started, anything else that the action may have started) and the result is
``_start.start_result``'s.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ActionGateError, ApiError, ConfigError
from ansible_collections.actiongate.agents.plugins.module_utils._shape import describe, ident, whole_number
from ansible_collections.actiongate.agents.plugins.module_utils._start import (
    StartRequest, no_id, send_once, start_failure, start_result, targets,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import segment
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.argspec import (
    ACTION_MODULE_KWARGS, ACTION_OPTIONS, MAX_AGENT_IDS,
)
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.parse import action_id_of
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.fleet.session import Fleet

# The bulk endpoints always answer {"actionId": ...}; the single-agent ones answer {} with no id
# to wait on, so even one agent goes through bulk.
BULK_PATHS = {"upgrade": "agents/bulk_upgrade", "unenroll": "agents/bulk_unenroll"}
REFUSED_PAGE = 20  # the newest actions read once after a start, to find the new one's refusals
WRITE_HEADERS = {"kbn-xsrf": "true"}  # Kibana refuses a write without it (400)
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
# The body keys newer Kibana versions added, the option that sends each, and the release that
# added it (docs/dev/vendors/fleet.md "Starting actions", with the sources). A Kibana whose schema
# lacks a key refuses the whole request with 400 "[request body.<key>]: definition for this key is
# missing" (@kbn/config-schema refuses unknown keys): nothing starts.
NEWER_KEYS = (
    ("batchSize", "batch_size",
     "Kibana 8.5.0 (elastic/kibana#138870, bulk actions run in batches)"),
    ("includeInactive", "include_inactive",
     "Kibana 8.11.1 for bulk_unenroll (elastic/kibana#170249) and a later 8.x release for bulk_upgrade"),
    ("dryRun", "dry_run",
     "elastic/kibana#276377 (July 2026), backported to the 9.4 and 9.3 branches (elastic/kibana#276644, "
     "#276654); no 8.x backport is known"),
)
MISSING_KEY = "definition for this key is missing"
# The action types a start writes (action_status ``type``), for the sentence that says where to look.
TYPES = {"upgrade": "UPGRADE", "unenroll": "UNENROLL"}


def explain(error):
    """What a refusal of a start means when Kibana's schema lacks a key this module sent: the
    option, and the Kibana release that added the key (``_start.start_failure`` adds it)."""
    status = getattr(error, "status", None) if isinstance(error, ApiError) else None
    text = str(error)
    if status != 400 or MISSING_KEY not in text:
        return None
    for key, option, since in NEWER_KEYS:
        if "body.%s]" % key in text:
            return ("This Kibana does not know %s, which %s sends: it came with %s. Leave %s out, or upgrade Kibana."
                    % (key, option, since, option))
    return None


class FleetActions(Fleet):
    """Starts agent actions for ``fleet_agent_action``: bulk upgrade, bulk unenroll (or their dry
    run), cancel."""

    OPTIONS = ACTION_OPTIONS
    MODULE_KWARGS = ACTION_MODULE_KWARGS

    def run(self, check_mode=False):
        """The module result. In check mode nothing is sent: the request it would send."""
        action = self.options["action"]
        request = self.start_request()
        dry_run = bool(self.options.get("dry_run"))
        warnings = self.warnings()
        extra = {"action": action}
        if action != "cancel":
            extra["agents"] = request.body["agents"]
        if dry_run:
            extra["dry_run"] = True
        if check_mode:
            result = start_result([], requests=[request], check_mode=True, **extra)
        else:
            result = self.send(request, dry_run, warnings, extra)
        if dry_run:
            result["changed"] = False  # a dry run writes nothing (Kibana answers a count)
        if warnings:
            result["warnings"] = warnings
        return result

    def send(self, request, dry_run, warnings, extra):
        """Send the request once and read its answer: the action's id (and the agents Kibana
        refused), the cancelled action, or the dry run's count."""
        action = self.options["action"]
        where, look = self.where(dry_run), self.look()
        response = send_once(self.client, request, where, look, explain=explain)
        answer = response.body
        if self.options.get("include_raw") is not False:
            extra["raw"] = answer
        if action == "cancel":
            item = answer.get("item") if isinstance(answer, dict) else None
            extra["cancel_action_id"] = ident(item.get("id")) if isinstance(item, dict) else None
            return start_result([self.options["action_id"].strip()], **extra)
        if dry_run:
            extra["count"] = self.dry_run_count(answer, where, look)
            return start_result([], **extra)
        action_id = self.action_id_of(answer, where, look)
        extra["refused"] = self.refused(action_id, warnings)
        return start_result([action_id], **extra)

    def warnings(self):
        action = self.options["action"]
        found = [text for (name, flag), text in sorted(DESTRUCTIVE.items())
                 if name == action and self.options.get(flag)]
        if self.options.get("include_inactive") and isinstance(self.options.get("agents"), (list, tuple)):
            found.append("include_inactive=true has no effect with a list of agent ids: Kibana applies "
                         "includeInactive to a KQL query only (agents as one query string).")
        return found

    def start_request(self):
        """The ``_start.StartRequest`` of this action, every option checked before any request."""
        path, body = self.call()
        return StartRequest(path, body, headers=dict(WRITE_HEADERS))

    def call(self):
        """``(path, body)`` of the request this action needs."""
        action = self.options["action"]
        if action == "cancel":
            misplaced = [n for n in ("dry_run", "include_inactive") if self.options.get(n)]
            misplaced += ["batch_size"] if self.options.get("batch_size") is not None else []
            if misplaced:
                raise ConfigError("%s cannot be used with action=cancel (they are for action=upgrade or "
                                  "action=unenroll)." % ", ".join(misplaced))
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
        # Sent only when set: a Kibana older than the key refuses the whole request (NEWER_KEYS).
        if self.options.get("batch_size") is not None:
            body["batchSize"] = self.options["batch_size"]
        if self.options.get("include_inactive"):
            body["includeInactive"] = True
        if self.options.get("dry_run"):
            body["dryRun"] = True
        return self.path(BULK_PATHS[action]), body

    def agents(self):
        """A list of agent ids (``_start.targets``: no blank, none twice, at most 10,000), or one
        KQL query string (Kibana takes either)."""
        agents = self.options.get("agents")
        if isinstance(agents, (list, tuple)) and agents:
            return targets(self.options, "agents", limit=MAX_AGENT_IDS, label="Kibana's bulk routes")
        if isinstance(agents, str) and agents.strip():
            return agents.strip()
        raise ConfigError("agents must be a non-empty list of agent ids, or a KQL query such as "
                          "'policy_id:\"p1\"', got %r." % (agents,))

    def where(self, dry_run=False):
        """The start, as its failure names it."""
        action = self.options["action"]
        if action == "cancel":
            return "%s cancel of action %s" % (self.LABEL, str(self.options.get("action_id") or "").strip()[:80])
        agents = self.options.get("agents")
        if isinstance(agents, (list, tuple)):
            whom = "%d agent%s" % (len(agents), "" if len(agents) == 1 else "s")
        else:
            whom = "the agents matching %r" % str(agents).strip()[:80]
        return "%s %s%s of %s" % (self.LABEL, "dry run of an " if dry_run else "", action, whom)

    def look(self):
        """How to see whether a start whose answer was lost started anyway."""
        action = self.options["action"]
        if action == "cancel":
            return ("read action %s with fleet_action_status: CANCELLED means the cancel went through"
                    % str(self.options.get("action_id") or "").strip()[:80])
        kind = "FORCE_UNENROLL" if action == "unenroll" and self.options.get("revoke") else TYPES[action]
        return ("list the newest actions with fleet_action_status (without action_ids) and look for a new %s "
                "action on these agents, or open Agent activity in Kibana's Fleet app" % kind)

    def action_id_of(self, answer, where, look):
        """The new action's id (``_shape.ident``): a bulk route always answers ``{"actionId": ...}``;
        without one the action may have started (``_start.no_id``)."""
        action_id = ident(answer.get("actionId")) if isinstance(answer, dict) else None
        if action_id is None:
            raise no_id(where, look, "actionId", answer)
        return action_id

    def dry_run_count(self, answer, where, look):
        """A dry run's answer, ``{"count": N}`` (elastic/kibana#276377): the agents the action would
        take. An ``actionId`` instead means Kibana started the action; no count, that it may have."""
        if isinstance(answer, dict) and ident(answer.get("actionId")) is not None:
            started = ident(answer.get("actionId"))
            raise start_failure(ApiError(self.client.message(
                "Kibana answered the dry run with actionId %s, the answer of an action it started, not with a count"
                % started), 200, answer), where, look, started=[started])
        count = whole_number(answer.get("count"), allow_text=False) if isinstance(answer, dict) else None
        if count is None:
            what = "count" if not isinstance(answer, dict) or "count" not in answer else \
                "count that is a whole number: it is %s" % describe(answer["count"])[:80]
            raise no_id(where, look, what, answer)
        return count

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
