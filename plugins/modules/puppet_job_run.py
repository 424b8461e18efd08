#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puppet_job_run
short_description: Start a Puppet Enterprise orchestrator job (a Puppet run or a task) on a list of nodes
version_added: 1.0.0
description:
  - Starts one Puppet Enterprise orchestrator job on a list of nodes and returns its job name, the id
    M(actiongate.agents.puppet_job_status) waits on.
  - V(deploy) runs Puppet on the nodes (C(POST /orchestrator/v1/command/deploy)); V(task) runs a task on
    them, such as C(puppet_agent::install) to upgrade the agents (C(POST /orchestrator/v1/command/task)).
    The nodes are always named by certname (C(scope.nodes)), never by a query or a node group.
  - Every run starts a new job, so the module always reports C(changed=true).
  - The request is sent once and never retried, not even on HTTP 429, 502, 503 or 504, so a job is never
    started twice. A refusal (HTTP 400, 401, 403, 404, ..., such as the orchestrator's C(unknown-environment),
    C(empty-target), C(not-permitted) or C(validation-error)) fails saying that nothing started. Any other
    failure (a 5xx, a reset, a timeout, an answer without C(job.name)) fails saying the job B(may have
    started), and how to look for it before running again.
  - After the start, the module reads the job once (C(GET /orchestrator/v1/jobs/{name})) for its
    C(node_count). PE leaves out of a job, without an error, the nodes the RBAC user may not run on; when
    the job has fewer nodes than were asked, the module reads the job's nodes, returns the ones left out
    in RV(skipped_nodes) and warns. If that read fails, the job has started all the same, so the
    module returns its name with a warning, and RV(node_count) and RV(skipped_nodes) are V(null).
author:
  - Actiongate maintainers (@actiongate)
requirements:
  - requests
options:
  command:
    description:
      - V(deploy) runs Puppet on O(nodes) in O(environment); V(task) runs O(task) with O(params) on O(nodes).
    type: str
    required: true
    choices: [deploy, task]
  nodes:
    description:
      - The nodes, by certname (such as V(web01.example.com)), sent as C(scope.nodes).
      - At least one, none blank, none twice and none holding a blank; anything else fails before any request.
        The orchestrator documents no limit on how many nodes one request may name.
    type: list
    elements: str
    required: true
  environment:
    description:
      - The Puppet environment to run in (O(command=deploy)) or to load the task from (O(command=task)).
    type: str
    default: production
  task:
    description:
      - The task to run, such as V(puppet_agent::install) or V(package). Required for O(command=task),
        refused with O(command=deploy).
    type: str
  params:
    description:
      - The task's parameters, such as C(version) for C(puppet_agent::install). For O(command=task) only;
        V({}) when not given (the API requires the key).
      - They are shown in the result in check mode and in the task's invocation; set C(no_log) on the task
        when they hold a secret.
    type: dict
  noop:
    description:
      - Run in no-op mode (the orchestrator's C(noop)); Puppet reports what it would change, and so does a
        task that supports no-op. Sent only when set; the orchestrator's default is V(false).
    type: bool
  concurrency:
    description:
      - How many nodes Puppet runs on at once (the orchestrator's C(concurrency)); the orchestrator's own
        default and cap is its C(global_concurrent_compiles) setting. At least 1 and at most 2147483647.
      - For O(command=deploy) only. The C(command/task) page lists no C(concurrency) key (how many nodes a
        task runs on at once is the orchestrator's C(task_concurrency) setting), so the module refuses it
        with O(command=task) rather than send a key the orchestrator may reject or ignore.
    type: int
  description:
    description:
      - A description of the job, shown in the PE console's job list.
    type: str
  timeout:
    description:
      - Seconds the task may run on each node before the orchestrator ends it (the orchestrator's C(timeout);
        its C(default-task-node-timeout) setting applies when not given). At least 1 and at most 2147483647
        seconds. For O(command=task) only (C(command/deploy) has no per-node timeout).
    type: int
  include_raw:
    description:
      - Whether the result carries RV(raw), the orchestrator's answer to the start untouched.
    type: bool
    default: true
  token:
    description:
      - RBAC authentication token, sent in the C(X-Authentication) header. Print yours with
        C(puppet-access show); tokens last one hour unless created with a longer C(--lifetime).
      - Takes precedence over O(username) and O(password). When both are set, the module first checks the
        token with one read (C(GET /orchestrator/v1/jobs?limit=1)) and, if it is refused, requests a new
        token with them before the start; the start itself is never sent twice, so it is never repeated
        with a new token after a 401.
      - If not set, the value of the E(PUPPET_TOKEN) environment variable is used.
    type: str
  username:
    description:
      - PE console user whose O(password) is exchanged for a token at C(POST /rbac-api/v1/auth/token),
        once per run, before the start (also in check mode, which so checks the credentials).
      - The token is requested with a C(lifetime) of O(request_timeout) plus 301 seconds, not PE's
        one-hour default, so it stops working soon after the run. It is masked in every output.
      - The user must be revocable (PE cannot issue tokens for C(admin) or C(api_user)).
      - If not set, the value of the E(PUPPET_USERNAME) environment variable is used.
    type: str
  request_timeout:
    description:
      - Seconds to wait for each answer of the orchestrator (and of RBAC for a login). Must be more than
        V(0) and at most V(3600).
      - The request that starts the job is never retried (not on connection errors, timeouts, or HTTP 429,
        502, 503 or 504). If it times out, the job may have started, so look for it before running again.
      - The check of the token and the read of the job after the start are reads, retried like any other.
    type: float
    default: 30.0
extends_documentation_fragment:
  - actiongate.agents.puppet
  - actiongate.agents.puppet.jobs
  - actiongate.agents.connection
  - actiongate.agents.attributes
  - actiongate.agents.attributes.action_group_puppet
attributes:
  check_mode:
    support: full
    details:
      - Logs in with O(username) and O(password) (or checks O(token) when they are set too), sends no start,
        and reports C(changed=true) with the request it would send, without a job name.
notes:
  - The RBAC user needs the Job orchestrator permission C(Start, stop and view jobs), and C(Puppet agent) C(Run
    Puppet on agent nodes) for O(command=deploy) or C(Tasks) C(Run tasks) for the task for O(command=task).
  - When the task runs on the controller (connection C(local), or C(delegate_to) set to C(localhost)) with
    the controller's Python, its action plugin sends the requests from the task's worker process (no module
    process). On another host, or with C(ansible_python_interpreter) set to another Python, it runs as a
    module there, and that Python needs the C(requests) library.
  - The module does not start plans (C(command/plan_run)); their jobs are plan jobs, which
    M(actiongate.agents.puppet_job_status) does not read.
seealso:
  - module: actiongate.agents.puppet_job_status
  - name: POST /command/deploy
    description: The endpoint used for O(command=deploy).
    link: https://help.puppet.com/pe/current/topics/orchestrator_api_post_command_deploy.htm
  - name: POST /command/task
    description: The endpoint used for O(command=task).
    link: https://help.puppet.com/pe/current/topics/orchestrator_api_post_command_task.htm
"""

EXAMPLES = r"""
- name: Run Puppet on two nodes (URL and token from PUPPET_ORCHESTRATOR_URL and PUPPET_TOKEN)
  actiongate.agents.puppet_job_run:
    command: deploy
    nodes:
      - web01.example.com
      - web02.example.com
    description: web tier, batch 1
  register: run

- name: Wait until Puppet has run on them
  actiongate.agents.puppet_job_status:
    action_ids:
      - "{{ run.action_id }}"
    wait: true
    wait_timeout: 3600

- name: Upgrade the Puppet agent on a batch, logging in with username and password
  actiongate.agents.puppet_job_run:
    url: https://puppet.example.com:8143
    username: deployer
    password: "{{ puppet_password }}"
    ca_path: /etc/puppetlabs/puppet/ssl/certs/ca.pem
    command: task
    task: puppet_agent::install
    params:
      version: 8.10.0
    timeout: 900
    nodes: "{{ groups['canary'] }}"
  register: upgrade

- name: Stop unless the job has every node of the batch (null when the read after the start failed)
  ansible.builtin.assert:
    that: upgrade.skipped_nodes == []
    fail_msg: "PE left out of job {{ upgrade.action_id }}: {{ upgrade.skipped_nodes }}"

- name: Show what a Puppet run in no-op mode would send, without starting it
  actiongate.agents.puppet_job_run:
    command: deploy
    nodes: [db01.example.com]
    environment: staging
    noop: true
    concurrency: 1
  check_mode: true
"""

RETURN = r"""
action_id:
  description:
    - The job name (the orchestrator's C(job.name), digits as a string), for
      M(actiongate.agents.puppet_job_status).
    - V(null) in check mode.
  returned: always
  type: str
  sample: "81"
action_ids:
  description: The job names started, in order (one, the same as RV(action_id)); empty in check mode.
  returned: always
  type: list
  elements: str
  sample: ["81"]
command:
  description: The command sent, V(deploy) or V(task).
  returned: always
  type: str
  sample: task
nodes:
  description: The certnames sent, in the order given.
  returned: always
  type: list
  elements: str
  sample: [web01.example.com, web02.example.com]
node_count:
  description:
    - How many nodes the job runs on (the job's C(node_count), read once after the start).
    - V(null) when that read failed (a warning says why).
  returned: when not in check mode
  type: int
  sample: 2
skipped_nodes:
  description:
    - The nodes asked for that PE left out of the job (the nodes the RBAC user may not run on), in the order
      given; empty when the job has every node. A warning names them.
    - M(actiongate.agents.puppet_job_status) counts only the job's nodes, so waiting on the job does not
      cover these.
    - V(null) when the read of the job after the start failed (a warning says so).
  returned: when not in check mode
  type: list
  elements: str
  sample: []
raw:
  description: The orchestrator's answer to the start, untouched.
  returned: when not in check mode and O(include_raw=true)
  type: dict
  sample: {job: {id: "https://puppet.example.com:8143/orchestrator/v1/jobs/81", name: "81"}}
requests:
  description: The request the module would send, with C(method), C(path) and C(body) (no credentials).
  returned: in check mode
  type: list
  elements: dict
  sample: [{method: POST, path: /orchestrator/v1/command/deploy, body: {environment: production,
           scope: {nodes: [web01.example.com]}}}]
"""


from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_start_module
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.start import PuppetJobRun


def main():
    run_start_module(PuppetJobRun)


if __name__ == "__main__":
    main()
