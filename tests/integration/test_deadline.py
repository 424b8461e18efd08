"""One deadline, end to end: real ``ansible -m`` runs against the simulator's slow and endless
faults end within wait_timeout plus a little, and say what they were doing when time ran out.

Prints (see it with ``-rA``) each case's overrun past wait_timeout and the worst one (the target:
under 2 s). The overrun counts from the module's first request to the simulator (the
deadline starts just before it) to the end of the ansible process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.integration.helpers import run_adhoc, run_playbook

API_KEY = "c2ltLWtleTpzZWNyZXQ="
STATUS_PATH = "/api/fleet/agents/action_status"
MODULE = "actiongate.agents.fleet_action_status"
WAIT_TIMEOUT = 5
TARGET = 2.0
OTHER = {"actionId": "other", "type": "UPGRADE", "status": "COMPLETE", "nbAgentsActioned": 1, "nbAgentsAck": 1,
         "nbAgentsFailed": 0, "creationTime": "2026-01-01T00:00:00.000Z"}

# name: (fault spec, extra module args, what the message must say it was doing)
CASES = {
    "body trickling 1 byte/s": ({"kind": "trickle", "path": STATUS_PATH, "rate": 1, "count": 1000}, "",
                                "while reading the answer of Elastic Fleet GET %s" % STATUS_PATH),
    "answer stalled 30 s": ({"kind": "slow", "path": STATUS_PATH, "delay": 30, "count": 1000}, "",
                            "while waiting for the answer of Elastic Fleet GET %s" % STATUS_PATH),
    "endless full pages": ({"kind": "endless", "path": STATUS_PATH, "body": {"items": [OTHER]}}, "per_page=1",
                           "Elastic Fleet GET %s" % STATUS_PATH),
}


def run_case(simulator, spec, extra):
    simulator.state.reset()
    action = simulator.control("POST", "/fleet/actions", {"count": 2, "ack_seconds": 1000})["actionId"]
    simulator.fault(**spec)
    args = ("url=%s api_key=%s action_ids=%s wait=true wait_timeout=%d request_timeout=3 wait_interval=0.5 "
            "wait_max_interval=0.5 %s" % (simulator.http_url, API_KEY, action, WAIT_TIMEOUT, extra))
    started = time.time()
    run = run_adhoc(MODULE, args, timeout=120)
    ended = time.time()
    polls = simulator.requests_log(STATUS_PATH)
    assert polls, run.output[-2000:]
    return run, ended - polls[0]["time"] - WAIT_TIMEOUT, ended - started, len(polls)


class LookupRun:
    """A lookup run looks like an ad-hoc one to the table: ``adhoc()`` is the task's result."""

    def __init__(self, run):
        self.run, self.output = run, run.output

    def adhoc(self):
        return self.run.task("lookup")


def run_lookup_case(simulator, spec, extra):
    """The lookup, on the controller, against the same trickling body."""
    simulator.state.reset()
    action = simulator.control("POST", "/fleet/actions", {"count": 2, "ack_seconds": 1000})["actionId"]
    simulator.fault(**spec)
    term = ("lookup('%s', '%s', url='%s', api_key='%s', wait=true, wait_timeout=%d, request_timeout=3, "
            "wait_interval=0.5, wait_max_interval=0.5)" % (MODULE, action, simulator.http_url, API_KEY, WAIT_TIMEOUT))
    task = {"name": "lookup", "ansible.builtin.set_fact": {"found": "{{ %s }}" % term}, "ignore_errors": True}
    started = time.time()
    run = run_playbook(Path(tempfile.mkdtemp(prefix="deadline-lookup-")), [task], timeout=120)
    ended = time.time()
    polls = simulator.requests_log(STATUS_PATH)
    assert polls, run.output[-2000:]
    return LookupRun(run), ended - polls[0]["time"] - WAIT_TIMEOUT, ended - started, len(polls)


def run_adversary_case(adversary):
    """Status line and headers a byte every half second (the adversarial server's raw socket)."""
    adversary.route("plain", STATUS_PATH, json_body={"items": []}, trickle_headers=2)
    args = ("url=%s api_key=%s action_ids=a1 wait=true wait_timeout=%d request_timeout=30 wait_interval=0.5 "
            "wait_max_interval=0.5" % (adversary.url("plain"), API_KEY, WAIT_TIMEOUT))
    started = time.time()
    run = run_adhoc(MODULE, args, timeout=120)
    ended = time.time()
    polls = adversary.log("plain")
    assert polls, run.output[-2000:]
    return run, ended - polls[0]["time"] - WAIT_TIMEOUT, ended - started, len(polls)


def test_every_slow_or_endless_fault_ends_near_wait_timeout(simulator, adversary):
    lines, worst, problems = [], 0.0, []
    cases = dict((name, (spec, extra, doing, run_case)) for name, (spec, extra, doing) in CASES.items())
    cases["lookup, body trickling"] = (CASES["body trickling 1 byte/s"][0], "", CASES["body trickling 1 byte/s"][2],
                                       run_lookup_case)
    cases["headers trickling 2 byte/s"] = (None, None, "while waiting for the answer of Elastic Fleet GET %s" % STATUS_PATH,
                                           lambda server, spec, extra: run_adversary_case(server))
    for name, (spec, extra, doing, runner) in cases.items():
        server = simulator if runner in (run_case, run_lookup_case) else adversary
        run, overrun, wall, requests_made = runner(server, spec, extra)
        result = run.adhoc()
        message = result.get("msg", "")
        said = "Ran out of time (wait_timeout=%d) " % WAIT_TIMEOUT
        if not result.get("failed") or said not in message or doing not in message.split(said, 1)[-1]:
            problems.append("%s: %s" % (name, message or run.output[-1500:]))
        if "Traceback" in run.output:
            problems.append("%s: traceback in output" % name)
        worst = max(worst, overrun)
        lines.append("  %-26s overrun %5.2f s  (run %5.2f s, %d requests)" % (name, overrun, wall, requests_made))
    print("deadline overrun past wait_timeout=%d per fault case:\n%s\nworst overrun past wait_timeout: %.2f s "
          "(target under %.0f s)" % (WAIT_TIMEOUT, "\n".join(lines), worst, TARGET))
    assert not problems, "\n".join(problems)
    assert worst < TARGET, "\n".join(lines)


def test_a_read_without_wait_where_nothing_listens_fails_fast_and_counts_attempts(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    run = run_adhoc(MODULE, "url=http://127.0.0.1:%d api_key=%s action_ids=a1" % (port, API_KEY), timeout=120)
    wall = time.monotonic() - started
    result = run.adhoc()
    assert result["failed"] and "Could not reach Elastic Fleet at http://127.0.0.1:%d" % port in result["msg"]
    assert "(3 attempts in " in result["msg"] and API_KEY not in run.output
    print("no-wait read to a closed port: %.1f s for the whole ansible run (was 20 to 25 s)" % wall)
    assert wall < 15
