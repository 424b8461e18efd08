# shellcheck shell=bash
# Sourced by the runme.sh of the targets that need the vendor simulator (aliases:
# needs/target/setup_simulator): starts tests/simulator on loopback, stops it on exit, and sets
# SIM_INFO (the JSON file that says where it listens) and SIM_PYTHON.
#
# ansible-test runs a target from a copy under <collection>/tests/output/.tmp/...: the collection
# root (with tests/simulator) is the first directory above that holds galaxy.yml.
SIM_ROOT="$(pwd)"
while [ "$SIM_ROOT" != / ] && ! { [ -f "$SIM_ROOT/galaxy.yml" ] && [ -d "$SIM_ROOT/tests/simulator" ]; }; do
    SIM_ROOT="$(dirname "$SIM_ROOT")"
done
SIM_PYTHON="$(command -v python)"
SIM_STATE="$(mktemp -d)"
SIM_INFO="$SIM_STATE/sim.json"
(cd "$SIM_ROOT" && exec "$SIM_PYTHON" -m tests.simulator --info-file "$SIM_INFO" --state-dir "$SIM_STATE/sim") \
    >"$SIM_STATE/sim.log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true; rm -rf "$SIM_STATE"' EXIT
for _ in $(seq 150); do [ -s "$SIM_INFO" ] && break; sleep 0.2; done
[ -s "$SIM_INFO" ] || { cat "$SIM_STATE/sim.log"; exit 1; }
export SIM_INFO SIM_PYTHON SIM_ROOT
