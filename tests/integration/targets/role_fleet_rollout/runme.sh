#!/usr/bin/env bash
# ansible-test integration target: the fleet_rollout role against the bundled simulator.
set -eu
# shellcheck source=../setup_simulator/simulator.sh
. ../setup_simulator/simulator.sh
ansible-playbook test.yml -i localhost, -c local -e "sim_info_file=$SIM_INFO" -e "ansible_python_interpreter=$SIM_PYTHON" "$@"
