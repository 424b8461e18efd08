# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only connection: a "remote" host that is this machine, with an environment of its own.

Ansible ships modules to it and runs them exactly as over ssh (a temporary directory, AnsiballZ,
its interpreter), but the commands run locally, with ``target_env`` added to their environment
only: what a jump host's own environment would hold. A status module that finds credentials
there ran on this host, not in the controller's worker. Its name is not ``local``, which is
what the collection's action plugins look at."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = r"""
name: actiongate_target
short_description: a local "remote" host with its own environment, for the integration tests
description:
  - Runs commands on this machine through the full remote-module path, with O(target_env) added.
author: actiongate.agents contributors
options:
  target_env:
    description: Environment variables only the commands run on this host see.
    type: dict
    default: {}
    vars:
      - name: actiongate_target_env
  become_success_timeout:
    description: As for P(ansible.builtin.local#connection).
    type: int
    default: 10
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    description: As for P(ansible.builtin.local#connection).
    type: bool
    default: true
    vars:
      - name: ansible_local_become_strip_preamble
extends_documentation_fragment:
  - connection_pipelining
"""


class Connection(LocalConnection):
    transport = "actiongate_target"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        assignments = " ".join("%s=%s" % (k, shlex.quote(str(v))) for k, v in (self.get_option("target_env") or {}).items())
        if assignments:
            cmd = "env %s %s" % (assignments, cmd)
        return super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
