"""The Flask application: vendor blueprints, the control API, faults and the request log."""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from .core import SimState

# Vendor parts: each module exposes ``NAME``, ``blueprint`` (the vendor API), ``State``
# (with ``reset()``) and optionally ``control`` (its part of the control API under /_sim/<name>).
from . import fleet

VENDOR_MODULES = [fleet]

for _optional in ("cortex_xdr", "cybereason", "puppet", "rackspace"):
    try:
        VENDOR_MODULES.append(__import__("%s.%s" % (__package__, _optional), fromlist=["NAME"]))
    except ImportError:  # a vendor part not written yet
        pass

control = Blueprint("control", __name__, url_prefix="/_sim")

HTML_PAGE = "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Gateway error</h1></body></html>"


def sim() -> SimState:
    return current_app.config["SIM"]


@control.post("/reset")
def reset() -> Any:
    sim().reset()
    return jsonify(ok=True)


@control.post("/faults")
def add_fault() -> Any:
    body = request.get_json(force=True)
    try:
        for spec in body if isinstance(body, list) else [body]:
            sim().add_fault(spec)
    except (ValueError, TypeError) as error:
        return jsonify(ok=False, error=str(error)), 400
    return jsonify(ok=True)


@control.get("/requests")
def requests_log() -> Any:
    with sim().lock:
        return jsonify(list(sim().requests))


@control.delete("/requests")
def clear_requests() -> Any:
    with sim().lock:
        sim().requests.clear()
    return jsonify(ok=True)


@control.post("/latency")
def latency() -> Any:
    """``{"seconds": 0.1, "path": "/"}``: every vendor request under ``path`` answers that much later."""
    body = request.get_json(force=True)
    try:
        sim().set_latency(float(body.get("seconds", 0)), str(body.get("path", "/")))
    except (ValueError, TypeError) as error:
        return jsonify(ok=False, error=str(error)), 400
    return jsonify(ok=True)


@control.get("/concurrency")
def concurrency() -> Any:
    """Vendor requests in flight now and the most at once since the reset (``?restart=1`` starts over)."""
    return jsonify(sim().concurrency(restart=request.args.get("restart") == "1"))


@control.post("/clock")
def clock() -> Any:
    body = request.get_json(force=True)
    if "speed" in body:
        with sim().lock:
            sim().resume_on = None
            sim().clock.set_speed(float(body["speed"]))
    if "advance" in body:
        sim().clock.advance(float(body["advance"]))
    if "resume_on" in body:
        sim().hold_clock(str(body["resume_on"]))
    return jsonify(now=sim().clock.now(), speed=sim().clock.speed, resume_on=sim().resume_on)


def _reset_connection() -> Response:
    """Close the client socket with RST (SO_LINGER 0): the client sees a reset."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
    return Response("", status=500)


def _fault_response(fault: Any) -> Response | None:
    if fault.kind == "slow":
        time.sleep(fault.delay)
        return None
    if fault.kind == "trickle":
        g.trickle = fault.rate  # the route answers; _after sends its body slowly
        return None
    if fault.kind == "endless":
        return Response(_json_text(_full_page(fault)), status=200, content_type="application/json")
    if fault.kind == "reset":
        return _reset_connection()
    if fault.kind == "html":
        return Response(fault.body or HTML_PAGE, status=fault.status if fault.status != 503 else 200,
                        content_type="text/html; charset=utf-8")
    if fault.kind == "truncated":
        return Response(fault.body or '{"items": [{"actionId": "a', status=200, content_type="application/json")
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    body = fault.body if fault.body is not None else {"message": "injected fault %d" % fault.status}
    return Response(_json_text(body), status=fault.status, headers=headers, content_type="application/json")


def _json_text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body)


def _full_page(fault: Any) -> Any:
    """``fault.body`` with its list repeated to the page size this request asked for."""
    body = dict(fault.body or {fault.list_key: [{}]})
    items = list(body.get(fault.list_key) or [{}])
    try:
        size = int(request.args.get(fault.size_param, len(items)))
    except ValueError:
        size = len(items)
    body[fault.list_key] = [items[i % len(items)] for i in range(max(size, 1))]
    return body


def _trickled(response: Response, rate: float) -> Response:
    """Send ``response``'s body ``rate`` bytes a second: a client with only a per-read socket
    timeout never times out (a byte a second once held a wait_timeout=10 run for 125 s)."""
    data = response.get_data()
    step = max(int(rate), 1)
    pause = step / rate

    def drip() -> Any:
        for start in range(0, len(data), step):
            time.sleep(pause)
            yield data[start:start + step]

    response.response = drip()
    response.direct_passthrough = True
    response.headers["Content-Length"] = str(len(data))
    return response


def _teardown(_error: BaseException | None) -> None:
    if g.pop("counted", False):
        sim().request_ended()


def _after(response: Response) -> Response:
    rate = g.pop("trickle", None)
    return _trickled(response, rate) if rate else response


def _before() -> Response | None:
    if request.path.startswith("/_sim"):
        return None
    state = sim()
    state.request_started()
    g.counted = True
    state.log_request({
        "time": time.time(),
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": request.get_data(as_text=True)[:4096],
        "scheme": request.scheme,
    })
    latency = state.latency_for(request.path)
    if latency:
        time.sleep(latency)
    fault = state.take_fault(request.method, request.path)
    return _fault_response(fault) if fault else None


def create_app(state: SimState | None = None) -> Flask:
    app = Flask("actiongate_simulator")
    app.config["SIM"] = state = state or SimState()
    app.json.sort_keys = False
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
    app.register_blueprint(control)
    for module in VENDOR_MODULES:
        state.vendors[module.NAME] = module.State(state)
        app.register_blueprint(module.blueprint)
        if getattr(module, "control", None) is not None:
            app.register_blueprint(module.control)
    return app
