"""The adversarial test server: named origins on loopback that redirect, echo and trickle.

Independent of ``plugins/`` (it imports nothing from the collection) and of the vendor simulator:
it answers any path with whatever rule the test configured, so every module and lookup can be
pointed at it. See the package docstring (``tests/adversarial/__init__.py``) for the API.
"""

from __future__ import annotations

import base64
import html
import json
import os
import socket
import ssl
import tempfile
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# The listeners: name -> scheme. ``a`` and ``b`` are two HTTPS origins (two ports); ``plain`` is
# plain HTTP, the target of https -> http downgrades. ``localhost`` names the same listeners as
# 127.0.0.1 does but is another origin (RFC 6454: host differs), see ``Adversary.url``.
ORIGINS = (("a", "https"), ("b", "https"), ("plain", "http"))
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
ECHO_MARK = "{{echo}}"


class Rule:
    """What one origin answers for requests whose path starts with ``path`` (and ``method``).

    Exactly one of ``redirect``, ``echo``, ``json`` or ``text`` says what to answer; ``count``
    (None = forever) limits how many requests it serves before the next matching rule applies.
    """

    def __init__(self, path: str = "/", *, method: str | None = None, redirect: int | None = None,
                 to: str | None = None, to_path: str | None = None, keep_query: bool = True,
                 echo: int | None = None, fmt: str = "json", template: Any = None, json_body: Any = None,
                 text: str | None = None, status: int = 200, headers: dict[str, str] | None = None,
                 set_cookies: dict[str, str] | None = None, trickle: float | None = None, delay: float = 0.0,
                 count: int | None = None, content_type: str | None = None, chunked: bool = False,
                 trickle_headers: float | None = None) -> None:
        if redirect is not None and redirect not in REDIRECT_STATUSES:
            raise ValueError("redirect must be one of %s" % (REDIRECT_STATUSES,))
        if fmt not in ("json", "html"):
            raise ValueError("fmt is json or html")
        self.path, self.method = path, (method or "").upper()
        self.redirect, self.to, self.to_path, self.keep_query = redirect, to, to_path, keep_query
        self.echo, self.fmt, self.template = echo, fmt, template
        self.json_body, self.text, self.status = json_body, text, status
        self.headers, self.set_cookies = dict(headers or {}), dict(set_cookies or {})
        self.trickle, self.delay, self.count = trickle, delay, count
        self.content_type = content_type
        self.chunked = chunked
        self.trickle_headers = trickle_headers

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        return (not self.method or self.method == method) and path.startswith(self.path)


def reflect(request: Request) -> dict[str, Any]:
    """Everything the request carried: what a careless server echoes back."""
    body = request.get_data(as_text=True)
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "args": dict(parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True)),
        "headers": dict(request.headers.items()),
        "cookies": dict(request.cookies),
        "body": body,
    }
    if request.mimetype == "application/x-www-form-urlencoded":
        entry["form"] = {k: request.form.getlist(k) for k in request.form}
    elif request.mimetype == "application/json":
        try:
            entry["json"] = json.loads(body) if body else None
        except ValueError:
            entry["json"] = None
    return entry


def fill(template: Any, echo: dict[str, Any]) -> Any:
    """``template`` with every string equal to ``{{echo}}`` replaced by the echo dict."""
    if template == ECHO_MARK:
        return echo
    if isinstance(template, dict):
        return {k: fill(v, echo) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, echo) for v in template]
    return template


def echo_body(rule: Rule, echo: dict[str, Any]) -> tuple[str, str]:
    """(content type, text) of an echo page. Both forms reflect the request unescaped in the
    ways a careless server does: JSON puts its dump in ``message`` (so envelope parsers print it)
    and HTML puts the raw values, not HTML-escaped, in a ``<pre>``."""
    if rule.template is not None:
        return "application/json", json.dumps(fill(rule.template, echo))
    dump = json.dumps(echo, sort_keys=True)
    if rule.fmt == "json":
        return "application/json", json.dumps({"statusCode": rule.echo, "error": "Echo", "message": dump, "echo": echo})
    lines = ["%s: %s" % (k, v) for k, v in echo["headers"].items()]
    lines += ["cookie %s=%s" % (k, v) for k, v in echo["cookies"].items()]
    page = ("<!DOCTYPE html><html><head><title>Echo %d</title></head><body><h1>%s %s?%s</h1><pre>%s</pre>"
            "<pre>%s</pre></body></html>" % (rule.echo, html.escape(echo["method"]), echo["path"], echo["query"],
                                             "\n".join(lines), echo["body"]))
    return "text/html; charset=utf-8", page


class OriginServer:
    """One listener: its rules, its request log, its thread."""

    def __init__(self, adversary: "Adversary", name: str, scheme: str, host: str,
                 ssl_context: ssl.SSLContext | None) -> None:
        self.adversary, self.name, self.scheme = adversary, name, scheme
        self.rules: list[Rule] = []
        self.log: list[dict[str, Any]] = []
        self.server = make_server(host, 0, self.wsgi, threaded=True, ssl_context=ssl_context)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        echo = reflect(request)
        with self.adversary.lock:
            self.log.append(dict(echo, time=time.time(), origin=self.name, host=request.host))
            rule = next((r for r in self.rules if r.matches(request.method, request.path)), None)
            if rule is not None and rule.count is not None:
                rule.count -= 1
        rule = rule or self.adversary.default
        response = self.answer(rule, request, echo)
        if rule.trickle_headers:
            return self.drip_raw(environ, response, rule.trickle_headers, start_response)
        return response(environ, start_response)

    @staticmethod
    def drip_raw(environ: dict[str, Any], response: Response, rate: float, start_response: Any) -> Any:
        """Write the whole answer on the raw socket, status line and headers ``rate`` bytes a
        second (``Connection: close``), then shut the socket: a client whose only bound is a
        per-read socket timeout waits for ever. Werkzeug's own answer then finds the socket shut."""
        sock = environ["werkzeug.socket"]
        body = response.get_data()
        head = ["HTTP/1.1 %s" % response.status, "Content-Length: %d" % len(body), "Connection: close"]
        head += ["%s: %s" % (k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            for start in range(len(data)):  # one byte every 1/rate seconds
                sock.sendall(data[start:start + 1])
                time.sleep(1.0 / rate)
            sock.sendall(body)
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    def answer(self, rule: Rule, request: Request, echo: dict[str, Any]) -> Response:
        if rule.delay:
            time.sleep(rule.delay)
        if rule.redirect is not None:
            response = Response("", status=rule.redirect, headers={"Location": self.location(rule, request)})
        elif rule.echo is not None:
            content_type, text = echo_body(rule, echo)
            response = self.body(text, rule.echo, rule.content_type or content_type, rule.trickle, rule.chunked)
        elif rule.json_body is not None:
            response = self.body(json.dumps(fill(rule.json_body, echo)), rule.status,
                                 rule.content_type or "application/json", rule.trickle, rule.chunked)
        else:
            response = self.body(rule.text or "", rule.status, rule.content_type or "text/plain", rule.trickle,
                                 rule.chunked)
        for key, value in rule.headers.items():
            response.headers[key] = value
        for key, value in rule.set_cookies.items():
            response.set_cookie(key, value, httponly=True, secure=self.scheme == "https")
        return response

    def location(self, rule: Rule, request: Request) -> str:
        target = rule.to or self.name
        base = target if "://" in target else self.adversary.url(target)
        if "://" in target and urlsplit(target).path not in ("", "/"):
            return target  # an absolute URL with its own path is used as given
        path = rule.to_path or request.path
        query = request.query_string.decode("latin-1") if rule.keep_query else ""
        return base.rstrip("/") + path + ("?" + query if query else "")

    @staticmethod
    def body(text: str, status: int, content_type: str, trickle: float | None, chunked: bool = False) -> Response:
        data = text.encode("utf-8")
        if chunked and not trickle:
            # No Content-Length: HTTP/1.1 chunked transfer, so a client cannot see the size up front.
            pieces = [data[i:i + 65536] for i in range(0, len(data), 65536)]
            return Response(iter(pieces), status=status, content_type=content_type)
        if not trickle:
            return Response(data, status=status, content_type=content_type)

        def drip() -> Any:
            step = max(int(trickle), 1)
            for start in range(0, len(data), step):
                time.sleep(1.0)
                yield data[start:start + step]

        # Bytes sent ``trickle`` per second (Content-Length announced unless chunked): a client
        # that only has a per-read socket timeout never times out.
        headers = {} if chunked else {"Content-Length": str(len(data))}
        return Response(drip(), status=status, content_type=content_type, headers=headers, direct_passthrough=True)


class Adversary:
    """Three listeners on loopback (two HTTPS origins ``a`` and ``b``, plain HTTP ``plain``)
    sharing one trustme CA. Use as a context manager or call ``start``/``stop``."""

    def __init__(self, state_dir: str | None = None, host: str = "127.0.0.1") -> None:
        self.lock = threading.RLock()
        self.host = host
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="adversary-")
        os.makedirs(self.state_dir, exist_ok=True)
        self.ca_path = os.path.join(self.state_dir, "adversary-ca.pem")
        ca = trustme.CA(organization_name="actiongate adversary CA")
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(host, "localhost").configure_cert(context)
        self.default = Rule(echo=200)
        self.servers = {name: OriginServer(self, name, scheme, host, context if scheme == "https" else None)
                        for name, scheme in ORIGINS}

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self) -> "Adversary":
        for server in self.servers.values():
            server.thread.start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.server.shutdown()
            server.server.server_close()

    def __enter__(self) -> "Adversary":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every rule and every logged request; the default answer is a JSON echo (200)."""
        with self.lock:
            self.default = Rule(echo=200)
            for server in self.servers.values():
                server.rules.clear()
                server.log.clear()

    # ---- configuration ----------------------------------------------------------------------

    def url(self, name: str = "a", *, host: str | None = None) -> str:
        """Base URL of listener ``name`` (no trailing slash). ``host="localhost"`` gives the same
        listener under another host name, which is another origin."""
        server = self.servers[name]
        return "%s://%s:%d" % (server.scheme, host or self.host, server.port)

    def route(self, name: str, path: str = "/", **kwargs: Any) -> Rule:
        """Add a rule to origin ``name`` (first match wins, in the order added); see ``Rule``."""
        rule = Rule(path, **kwargs)
        with self.lock:
            self.servers[name].rules.append(rule)
        return rule

    def redirect(self, name: str, status: int, to: str, path: str = "/", **kwargs: Any) -> Rule:
        """Shorthand: ``name`` answers ``status`` with Location on origin (or URL) ``to``."""
        return self.route(name, path, redirect=status, to=to, **kwargs)

    def echo(self, name: str, status: int = 200, path: str = "/", fmt: str = "json", **kwargs: Any) -> Rule:
        """Shorthand: ``name`` echoes the request with ``status`` as JSON or HTML."""
        return self.route(name, path, echo=status, fmt=fmt, **kwargs)

    # ---- what happened ----------------------------------------------------------------------

    def log(self, name: str) -> list[dict[str, Any]]:
        """Requests origin ``name`` received, oldest first (see ``reflect`` for the keys)."""
        with self.lock:
            return [dict(entry) for entry in self.servers[name].log]

    def log_text(self, name: str) -> str:
        """Origin ``name``'s log as one text, to grep for secrets (base64 Basic pairs included)."""
        return json.dumps(self.log(name), sort_keys=True)

    def describe(self) -> dict[str, Any]:
        return dict({name: self.url(name) for name in self.servers}, ca_path=self.ca_path)


def basic(user: str, password: str) -> str:
    """The ``Authorization`` value of Basic auth, to grep logs for."""
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
