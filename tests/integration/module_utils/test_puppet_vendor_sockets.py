"""Puppet Enterprise vendor classes against small test servers on a local socket (moved out of
the unit tests, which open none): node paging that never ends."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._vendors.puppet.orchestrator import PuppetJobStatus


class EndlessNodes(http.server.BaseHTTPRequestHandler):
    """A job of 1000 nodes whose /nodes answers a full page of new names at every offset."""

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/orchestrator/v1/jobs/5":
            body = {"name": "5", "state": "running", "node_count": 1000}
        else:
            offset = int(urllib.parse.parse_qs(url.query)["offset"][0])
            body = {"items": [{"name": "n%d" % (offset + i), "state": "running"} for i in range(1000)]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def endless_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EndlessNodes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_endless_node_pages_stop_past_the_node_count(endless_server):
    vendor = PuppetJobStatus({"url": endless_server, "token": "t" * 10, "action_ids": ["5"]})
    with pytest.raises(ApiError, match=r"kept answering full pages of new nodes past 3000 nodes \(the job has 1000\)"):
        vendor.fetch(["5"])
    assert vendor.client.requests_made == 4  # the record, then node_count // 1000 + 2 pages
