"""Adversarial test server: two origins on loopback that redirect, echo requests and trickle.

Independent of ``plugins/`` and of the vendor simulator. It answers *any* path, so every module
and lookup can be pointed at it as its vendor URL, and it logs every request per origin so a
test can prove a credential never reached the other origin.

Listeners (one trustme CA signs both HTTPS ones; pass ``adversary.ca_path`` as ``ca_path``):

- ``a``: HTTPS, the origin a test configures as the vendor ``url``;
- ``b``: HTTPS on another port, the "other origin" redirects point to;
- ``plain``: plain HTTP, the target of https -> http downgrades.

``adversary.url("a", host="localhost")`` is the same listener under another host name, which is
another origin too (RFC 6454).

Python API (``tests.adversarial.server``)::

    from tests.adversarial.server import Adversary

    with Adversary(str(tmp_path)) as adv:          # or the ``adversary`` fixture, reset per test
        adv.url("a")                               # "https://127.0.0.1:PORT", no trailing slash
        adv.redirect("a", 307, "b")                # every path of a: 307 to the same path+query on b
        adv.redirect("a", 302, "a", path="/old", to_path="/new")     # within one origin
        adv.redirect("a", 301, "plain")            # https -> http downgrade
        adv.echo("b", 200)                         # JSON echo (the default answer of every origin)
        adv.echo("a", 401, path="/api", fmt="html")   # HTML page echoing the request, status 401
        adv.echo("a", 500, method="POST")          # rules match on path prefix and method
        adv.route("a", "/x", json_body={"items": [1, 2]})             # a fixed JSON answer
        adv.route("a", "/x", echo=200, template={"items": [{"id": "1", "echo": "{{echo}}"}]})
        adv.route("a", "/x", text="...", trickle=1)   # 1 byte a second, Content-Length announced
        adv.route("a", "/login", redirect=302, to="a", set_cookies={"SESSION": "s3cr3t"}, count=1)
        adv.log("b")                               # requests b received: method, path, query, args,
                                                   # headers, cookies, body, form, json, host, time
        adv.log_text("b")                          # the same as one JSON text, to grep for secrets
        adv.reset()                                # drop every rule and log

Rules (``Rule`` keyword arguments): ``redirect`` (301, 302, 303, 307, 308) with ``to`` (an origin
name or an absolute URL), ``to_path`` (default: the request's path) and ``keep_query`` (default
true); ``echo`` (a status, usually 200, 401 or 500) with ``fmt`` ``json`` or ``html``, or a
``template`` whose ``"{{echo}}"`` strings become the echo dict (to land an echo in a module's
``raw``); ``json_body`` (``"{{echo}}"`` filled the same way) or ``text`` with ``status``;
``headers``, ``set_cookies``, ``content_type``, ``delay`` (seconds before answering), ``trickle``
(bytes per second of the body), ``trickle_headers`` (bytes per second of the status line and
headers, written on the raw socket, then the connection is shut), ``chunked`` (no Content-Length:
chunked transfer) and ``count`` (how many requests the rule serves; None = all).
First matching rule wins, in the order added; unmatched requests get a JSON echo with 200.

Echo pages reflect like a careless server: the JSON echo is Kibana's error envelope
``{"statusCode", "error", "message", "echo"}`` whose ``message`` is the JSON dump of the request
(so envelope parsers print it, JSON-escaped), and the HTML echo puts headers, cookies and the raw
body, not HTML-escaped, in ``<pre>`` blocks.

Pytest: ``tests/adversarial/fixtures.py`` defines the session-scoped ``adversary_session`` and the
per-test ``adversary`` (reset before each test); the conftest.py of tests/unit and tests/integration
load them (and the simulator's) for every test there.
Run it by hand with ``python -m tests.adversarial`` (prints its URLs and CA path).
"""
