#!/usr/bin/env bash
# ansible-test integration target: playbooks/wait_for_action.yml (the AWX job template) run by its
# FQCN against the bundled simulator, with credentials in the environment as AWX injects them.
set -eu
# shellcheck source=../setup_simulator/simulator.sh
. ../setup_simulator/simulator.sh
sim_url="$("$SIM_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["http"])' "$SIM_INFO")"
export FLEET_URL="$sim_url" FLEET_API_KEY=c2ltLWtleTpzZWNyZXQ=
run() { ansible-playbook actiongate.agents.wait_for_action -e "ansible_python_interpreter=$SIM_PYTHON" "$@"; }

# an empty survey fails at once, naming the variable to fill, before any request
if run >"$SIM_STATE/empty.log" 2>&1; then cat "$SIM_STATE/empty.log"; echo "an empty survey passed the gate"; exit 1; fi
grep -q "wait_action_ids is empty" "$SIM_STATE/empty.log" || { cat "$SIM_STATE/empty.log"; exit 1; }

# a real action: the gate passes once the simulated agents have acknowledged it
action="$("$SIM_PYTHON" - "$sim_url" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/_sim/fleet/actions", method="POST",
                                 data=json.dumps({"type": "UPGRADE", "count": 3, "ack_seconds": 0.3}).encode(),
                                 headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request))["actionId"])
PY
)"
run -e "wait_action_ids=$action" -e wait_interval=0.5 | tee "$SIM_STATE/ok.log"
grep -q "failed=0" "$SIM_STATE/ok.log"
