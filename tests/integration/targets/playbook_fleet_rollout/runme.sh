#!/usr/bin/env bash
# ansible-test integration target: playbooks/fleet_rollout.yml run by its FQCN against the bundled
# simulator: a breaching batch stops the play, and a second run resumes, skipping upgraded agents.
set -eu
# shellcheck source=../setup_simulator/simulator.sh
. ../setup_simulator/simulator.sh
sim_url="$("$SIM_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["http"])' "$SIM_INFO")"
export FLEET_URL="$sim_url" FLEET_API_KEY=c2ltLWtleTpzZWNyZXQ=
post() {
    "$SIM_PYTHON" - "$sim_url$1" "$2" <<'PY'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], method="POST", data=sys.argv[2].encode(),
                                 headers={"Content-Type": "application/json"})
urllib.request.urlopen(request).read()
PY
}
run() {
    ansible-playbook actiongate.agents.fleet_rollout -e "ansible_python_interpreter=$SIM_PYTHON" -e rollout_version=8.15.0 \
        -e rollout_batch_size=2 -e rollout_interval=0.5 -e rollout_report_path="$SIM_STATE/report.json" \
        -e '{"rollout_agents": ["agent-01", "agent-02", "agent-03", "agent-04"]}' "$@"
}
post /_sim/fleet/config '{"ack_seconds": 0.1}'
post /_sim/fleet/agents '[{"id": "agent-03", "fails": "checksum mismatch", "ack_delay": 0.1}]'

# the second batch breaches: the play fails and batch 2 is named
if run >"$SIM_STATE/first.log" 2>&1; then cat "$SIM_STATE/first.log"; echo "a breaching rollout passed"; exit 1; fi
"$SIM_PYTHON" - "$SIM_STATE/report.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["succeeded"] is False and int(result["stopped_at"]) == 2, result
PY

# agent-03 is fixed; the rerun skips the agents upgraded in the first run and finishes
post /_sim/fleet/agents '[{"id": "agent-03", "fails": null, "ack_delay": 0.1}]'
run | tee "$SIM_STATE/second.log"
grep -q "failed=0" "$SIM_STATE/second.log"
"$SIM_PYTHON" - "$SIM_STATE/report.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["succeeded"] is True, result
skipped = [agent for batch in result["batches"] for agent in batch.get("skipped_agents") or []]
assert "agent-01" in skipped and "agent-02" in skipped, result
PY
