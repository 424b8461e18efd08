#!/usr/bin/env bash
# ansible-test integration target: the rollout role against the bundled simulator, for each of the five
# vendors: three batches that pass, then a breaching batch 2 that stops the rollout before batch 3.
set -eu
# shellcheck source=../setup_simulator/simulator.sh
. ../setup_simulator/simulator.sh
ansible-playbook test.yml -i localhost, -c local -e "sim_info_file=$SIM_INFO" -e "ansible_python_interpreter=$SIM_PYTHON" "$@"
