"""Run the simulator on loopback over plain HTTP and HTTPS (with a CA it generates)."""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any

import trustme
from werkzeug.serving import make_server

from .app import create_app
from .core import SimState


class Simulator:
    """The listeners of one simulator, sharing one state.

    ``http_url`` and ``https_url`` are the base URLs; ``ca_path`` is the PEM file of the
    CA that signed the HTTPS certificate (for ``ca_path`` in the collection's options).
    ``mtls_url`` is HTTPS that requires a client certificate signed by the same CA; one is
    written to ``client_cert_path`` and ``client_key_path``.
    """

    def __init__(self, *, state_dir: str, host: str = "127.0.0.1", http_port: int = 0,
                 https_port: int = 0, mtls_port: int = 0, speed: float = 1.0) -> None:
        self.state = SimState(speed=speed)
        self.app = create_app(self.state)
        os.makedirs(state_dir, exist_ok=True)
        self.ca_path = os.path.join(state_dir, "ca.pem")
        self.client_cert_path = os.path.join(state_dir, "client.pem")
        self.client_key_path = os.path.join(state_dir, "client.key")
        context, mutual = self._tls_contexts(host)
        self._servers = [
            make_server(host, http_port, self.app, threaded=True),
            make_server(host, https_port, self.app, threaded=True, ssl_context=context),
            make_server(host, mtls_port, self.app, threaded=True, ssl_context=mutual),
        ]
        self.http_url = "http://%s:%d" % (host, self._servers[0].server_port)
        self.https_url = "https://%s:%d" % (host, self._servers[1].server_port)
        self.mtls_url = "https://%s:%d" % (host, self._servers[2].server_port)
        self.state.base_urls.update(http=self.http_url, https=self.https_url)
        self._threads: list[threading.Thread] = []

    def _tls_contexts(self, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
        """Server-only TLS, and mutual TLS trusting client certificates from the same CA."""
        ca = trustme.CA(organization_name="actiongate simulator CA")
        ca.cert_pem.write_to_path(self.ca_path)
        cert = ca.issue_cert(host, "localhost")
        client = ca.issue_cert("actiongate-client@example.com")
        client.cert_chain_pems[0].write_to_path(self.client_cert_path)
        client.private_key_pem.write_to_path(self.client_key_path)
        contexts = []
        for mutual in (False, True):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            cert.configure_cert(context)
            if mutual:
                context.verify_mode = ssl.CERT_REQUIRED
                ca.configure_trust(context)
            contexts.append(context)
        return contexts[0], contexts[1]

    def start(self) -> "Simulator":
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def describe(self) -> dict[str, Any]:
        return {"http": self.http_url, "https": self.https_url, "ca_path": self.ca_path, "mtls": self.mtls_url,
                "client_cert": self.client_cert_path, "client_key": self.client_key_path}
