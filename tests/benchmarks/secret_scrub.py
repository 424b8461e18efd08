"""Benchmark: scrubbing cost and memory of a long Cortex XDR advanced-key run.

An advanced key signs every request with a fresh nonce and hash, each a secret while its request
can be echoed. They are registered inside the status read's ``request_secrets()`` block and
forgotten when it ends (``_secrets.RequestSecrets``), so what a scrub scans, and what the registry
holds, must not grow with the requests a long wait makes.

The run is the real one below the network: ``CortexXdr.fetch`` through ``_pool.read_each`` (8
workers), the real ``ApiClient``, ``AdvancedKeyAuth`` (called by requests while it prepares each
request, as on the wire) and the run's ``SecretRegistry``; only the socket is replaced by a canned
get_action_status answer. Measured after 100 and after 10,000 requests:

- the scrub of one wait's final result (16 group actions x 1,000 endpoints, ``raw`` included, as
  the shell scrubs it) and of 1,000 messages, the least CPU time of five rounds;
- the memory the process holds (tracemalloc, after a collection);
- the secret forms a scrub scans.

Printed with their ratios (flat is 1x). ``--baseline N`` runs the same reads with every nonce and
hash kept for the whole run (how it was before), after 100 and after N requests, for comparison.

Run: ``.venv/bin/python -m tests.benchmarks.secret_scrub [--requests 10000] [--baseline 1000]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
import tracemalloc

import requests

from tests.conftest import COLLECTIONS_PATH  # makes ansible_collections.actiongate.agents importable
from ansible_collections.actiongate.agents.plugins.module_utils import _http
from ansible_collections.actiongate.agents.plugins.module_utils._connection_options import CONNECTION_SPEC
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import SecretRegistry
from ansible_collections.actiongate.agents.plugins.module_utils._transport import prepare
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.cortex_xdr import CortexXdr
from ansible_collections.actiongate.agents.plugins.module_utils._wait_options import WAIT_SPEC

URL = "https://api-tenant.example"
KEY = "bench-advanced-key-0123456789"
ENDPOINTS_PER_ANSWER = 20
BATCH = 100  # ids per poll (one fetch through the pool)


def answer_bytes(count: int) -> bytes:
    data = dict(("endpoint-%04d" % index, "COMPLETED_SUCCESSFULLY") for index in range(count))
    return json.dumps({"reply": {"data": data}}).encode()


ANSWER = answer_bytes(ENDPOINTS_PER_ANSWER)


def canned_send_once(session, lock, verify, budget, request, max_body):
    """``_transport.send_once`` without the socket: the request is prepared as on the wire (the
    session's auth, AdvancedKeyAuth, signs it and registers its nonce and hash), then answered."""
    prepare(session, lock, verify, request)
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response.encoding = "utf-8"
    response._content = ANSWER
    response._content_consumed = True
    response.url = request.url
    return None, response


def vendor() -> CortexXdr:
    settings = {}
    for spec in (CONNECTION_SPEC, WAIT_SPEC, CortexXdr.OPTIONS):
        settings.update((name, option.get("default")) for name, option in spec.items())
    settings.update(url=URL, api_key_id="2", api_key=KEY, auth_type="advanced", max_concurrent_requests=8)
    return CortexXdr(settings)


def final_result(actions: int = 16, endpoints: int = 1000) -> dict:
    """A wait's result as the shell scrubs it: each action with its endpoints and ``raw``."""
    return {"actions": [{
        "action_id": str(1000 + a), "state": "running", "terminal": False, "succeeded": False,
        "endpoints": [{"endpoint_id": "endpoint-%04d" % e, "status": "IN_PROGRESS"} for e in range(endpoints)],
        "raw": {"data": dict(("endpoint-%04d" % e, "IN_PROGRESS") for e in range(endpoints))},
    } for a in range(actions)], "polls": 120, "elapsed": 60.0}


def best(rounds: int, work) -> float:
    """The least CPU time of ``rounds`` runs of ``work`` (CPU time: other load on a shared machine
    does not count)."""
    times = []
    for _round in range(rounds):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def measure(secrets: SecretRegistry, result: dict) -> dict:
    messages = ["Cortex XDR group action %d: waiting, 3 of 1000 endpoints done" % i for i in range(1000)]
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    return {
        "scrub_result": best(5, lambda: secrets.scrub_data(result)),
        "scrub_messages": best(5, lambda: [secrets.scrub(m) for m in messages]),
        "memory": held,
        "forms": len(secrets._snapshot()),
    }


def run(total: int, keep_all: bool) -> dict:
    """``{requests made: figures}`` after 100 and after ``total`` requests."""
    result = final_result()
    figures = {}
    saved = _http.send_once
    _http.send_once = canned_send_once
    tracemalloc.start()
    try:
        xdr = vendor()
        secrets = xdr.client.secrets
        if keep_all:  # as before: every nonce and hash registered for the rest of the run
            secrets.request_secrets = _KeepAll
        made = 0
        for checkpoint in (100, total):
            while made < checkpoint:
                ids = [str(10 ** 6 + made + i) for i in range(min(BATCH, checkpoint - made))]
                found = xdr.fetch(ids)
                assert len(found) == len(ids), "an id went missing"
                made += len(ids)
            assert xdr.client.requests_made == made, (xdr.client.requests_made, made)
            figures[made] = measure(secrets, result)
        figures["kept"] = {"values": len(secrets.values), "in_flight": secrets.in_flight()}
    finally:
        tracemalloc.stop()
        _http.send_once = saved
    return figures


class _KeepAll(contextlib.AbstractContextManager):
    """A block that keeps nothing of its own: the secrets added in it stay for the run (the baseline)."""

    def __exit__(self, *exc_info):
        return False

    @staticmethod
    def cleaned(body, text=None):
        return body


def report(label: str, figures: dict, total: int) -> None:
    low, high = figures[100], figures[total]
    growth = (high["memory"] - low["memory"]) / float(total - 100)
    print("%s" % label)
    print("  scrub of the final result: %7.3f s at 100 requests, %7.3f s at %d | %.2fx" % (
        low["scrub_result"], high["scrub_result"], total, high["scrub_result"] / low["scrub_result"]))
    print("  scrub of 1,000 messages:   %7.4f s at 100 requests, %7.4f s at %d | %.2fx" % (
        low["scrub_messages"], high["scrub_messages"], total, high["scrub_messages"] / low["scrub_messages"]))
    print("  memory held (tracemalloc): %7.1f MB at 100 requests, %7.1f MB at %d | %.2fx, %+.0f bytes a request" % (
        low["memory"] / 1e6, high["memory"] / 1e6, total, high["memory"] / float(low["memory"]), growth))
    print("  secret forms a scrub scans: %d at 100 requests, %d at %d | %.2fx; kept at the end: %d values, "
          "%d forms in flight" % (low["forms"], high["forms"], total, high["forms"] / float(low["forms"]),
                                  figures["kept"]["values"], figures["kept"]["in_flight"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--requests", type=int, default=10000, help="requests of the long run")
    parser.add_argument("--baseline", type=int, default=0,
                        help="also run with every nonce and hash kept (as before), to this many requests")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    if args.requests <= 100:
        parser.error("--requests must be more than 100")
    print("secret_scrub: Cortex XDR advanced key, %d requests through the pool (8 workers), %d endpoints an answer "
          "(collection: %s)" % (args.requests, ENDPOINTS_PER_ANSWER, COLLECTIONS_PATH))
    started = time.monotonic()
    figures = {"request_secrets": run(args.requests, keep_all=False)}
    report("request secrets forgotten when their read returns (%.0f s)" % (time.monotonic() - started),
           figures["request_secrets"], args.requests)
    if args.baseline > 100:
        started = time.monotonic()
        figures["baseline"] = run(args.baseline, keep_all=True)
        report("baseline, every nonce and hash kept for the run (%.0f s)" % (time.monotonic() - started),
               figures["baseline"], args.baseline)
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
