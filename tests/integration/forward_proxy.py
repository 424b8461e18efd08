"""A loopback forward proxy for the tests: what HTTP_PROXY and HTTPS_PROXY point at.

Plain HTTP arrives as an absolute-form request (``GET http://host:port/path``, RFC 9112 §3.2.2)
and is forwarded to its origin; HTTPS arrives as ``CONNECT host:port`` (RFC 9110 §9.3.6) and is
tunnelled byte for byte, so TLS (and certificate checks) stay end to end between the client and
the server. Every request is logged as ``(method, target)`` so a test can tell which requests
went through the proxy and which went direct.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# RFC 9110 §7.6.1: connection-specific fields a proxy must not forward.
HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailer", "transfer-encoding", "upgrade"))


class ForwardProxy:
    """``with ForwardProxy() as proxy:`` listens on ``proxy.url`` and records ``proxy.log``."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def record(self, method: str, target: str) -> None:
        with self._lock:
            self.log.append((method, target))

    def __enter__(self) -> "ForwardProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(proxy: ForwardProxy) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: no pipelining to get wrong

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

        def do_CONNECT(self) -> None:  # noqa: N802 - http.server's naming
            proxy.record("CONNECT", self.path)
            host, _colon, port = self.path.rpartition(":")
            try:
                upstream = socket.create_connection((host, int(port)), timeout=10)
            except OSError as error:
                self.send_error(502, "cannot reach %s: %s" % (self.path, error))
                return
            self.send_response(200, "Connection established")
            self.end_headers()
            _tunnel(self.connection, upstream)

        def forward(self) -> None:
            proxy.record(self.command, self.path)
            target = urlsplit(self.path)
            if target.scheme != "http" or not target.hostname:
                self.send_error(400, "a forward proxy needs an absolute http:// URL, got %s" % self.path)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
            try:
                path = target.path or "/"
                upstream.request(self.command, path + ("?" + target.query if target.query else ""), body, headers)
                answer = upstream.getresponse()
                payload = answer.read()
            except OSError as error:
                self.send_error(502, "cannot reach %s: %s" % (target.netloc, error))
                return
            finally:
                upstream.close()
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = forward

    return Handler


def _tunnel(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _writable, broken = select.select(sockets, [], sockets, 30)
            if broken or not readable:
                return
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                (upstream if source is client else client).sendall(data)
    finally:
        upstream.close()
