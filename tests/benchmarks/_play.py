"""What the benchmarks that run ansible-playbook share: run one play and measure it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent


def run_measured(play: list, path: Path, collections: Path) -> tuple[float, float]:
    """Write ``play`` to ``path``, run it with ansible-playbook with the collection from
    ``collections``, and return (CPU seconds of it and all its children, wall seconds)."""
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    started = time.monotonic()
    proc = subprocess.Popen([str(BIN / "ansible-playbook"), str(path)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("benchmark play failed:\n" + output[-3000:])
    return usage.ru_utime + usage.ru_stime, wall
