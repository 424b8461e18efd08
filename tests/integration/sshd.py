"""An OpenSSH server on loopback for the jump-host test: a second host that Ansible reaches over ssh.

It runs ``sshd -D`` with its own configuration, host key and authorized key in a temporary
directory, listens on 127.0.0.1 only, accepts only that key for the current user, and stops when
the block ends. Sessions get sshd's own minimal environment, not the test's, as on a real host.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackSshd:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.user = getpass.getuser()
        self.client_key = directory / "client_ed25519"
        self.process: subprocess.Popen | None = None

    def _configure(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        for key in (self.directory / "host_ed25519", self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        (self.directory / "authorized_keys").write_text(Path(str(self.client_key) + ".pub").read_text())
        config = self.directory / "sshd_config"
        config.write_text("\n".join([
            "Port %d" % self.port, "ListenAddress 127.0.0.1", "HostKey %s" % (self.directory / "host_ed25519"),
            "PidFile %s" % (self.directory / "sshd.pid"), "AuthorizedKeysFile %s" % (self.directory / "authorized_keys"),
            "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
            "StrictModes no", "PermitRootLogin prohibit-password", "AllowUsers %s" % self.user, ""]))
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation directory
        checked = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError("sshd refuses its test configuration: %s" % checked.stderr.strip())
        return config

    def __enter__(self) -> "LoopbackSshd":
        config = self._configure()
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=open(self.directory / "sshd.log", "w"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("sshd exited: %s" % (self.directory / "sshd.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("sshd did not listen on 127.0.0.1:%d within 15 s" % self.port)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def host_vars(self) -> dict[str, object]:
        """Inventory variables that reach this server with ansible's ssh connection."""
        return {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": self.port,
                "ansible_user": self.user, "ansible_ssh_private_key_file": str(self.client_key),
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                # no connection left behind when the test ends (the default keeps one for 60 s)
                "ansible_ssh_args": "-o ControlMaster=no -o ControlPersist=no"}
