"""Interrupts: the first SIGINT or SIGTERM unwinds the run, its cleanup outlives a second one, and
the first signal then goes on to the handler that was there before (real signals, this process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from ansible_collections.actiongate.agents.plugins.module_utils import _interrupt
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ApiError
from ansible_collections.actiongate.agents.plugins.module_utils._interrupt import Interrupted, Interrupts
from ansible_collections.actiongate.agents.plugins.module_utils._pool import map_bounded
from ansible_collections.actiongate.agents.plugins.module_utils._runner import run_query, vendor_result
from ansible_collections.actiongate.agents.plugins.module_utils._secrets import SecretRegistry
from ansible_collections.actiongate.agents.plugins.module_utils._vendor import Vendor

pytestmark = pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                                reason="signal handlers are set in the main thread only")


@pytest.fixture
def previous():
    """A recording handler installed as the one before ours (for SIGINT and SIGTERM); restored after."""
    seen = []

    def handler(signum, frame):
        seen.append(signum)

    saved = dict((s, signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM))
    for signum in saved:
        signal.signal(signum, handler)
    try:
        yield seen
    finally:
        for signum, old in saved.items():
            signal.signal(signum, old)


def kill_later(signum, after=0.2):
    timer = threading.Timer(after, os.kill, args=(os.getpid(), signum))
    timer.daemon = True
    timer.start()
    return timer


def test_the_first_signal_unwinds_the_block_the_cleanup_survives_a_second_and_the_first_goes_on(previous):
    steps = []
    guard = Interrupts(watch_parent=False)
    with pytest.raises(Interrupted) as caught:
        with guard:
            try:
                kill_later(signal.SIGINT)
                time.sleep(30)
                steps.append("not interrupted")
            finally:
                os.kill(os.getpid(), signal.SIGTERM)  # Ansible's cleanup SIGTERM, during the logout
                time.sleep(0.2)
                steps.append("cleaned up")
    assert caught.value.signum == signal.SIGINT and "SIGINT" in str(caught.value)
    assert steps == ["cleaned up"]
    assert previous == [signal.SIGINT]  # once, after the cleanup; the SIGTERM was ignored
    assert signal.getsignal(signal.SIGINT) is not guard._handle  # handlers put back


def test_a_signal_during_a_held_cleanup_waits_for_the_blocks_end(previous):
    steps = []
    guard = Interrupts(watch_parent=False)
    with guard:
        with guard.held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
            steps.append("logged out")
        assert previous == []
        steps.append("block ends")
    assert steps == ["logged out", "block ends"] and previous == [signal.SIGTERM]


def test_the_default_sigint_handler_gets_its_keyboard_interrupt():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        with Interrupts(watch_parent=False):
            kill_later(signal.SIGINT)
            time.sleep(30)


def test_an_ignored_signal_stays_ignored():
    saved = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with Interrupts(watch_parent=False) as guard:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
        assert guard.signum is None and signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, saved)


def test_outside_the_main_thread_nothing_is_installed():
    seen = []

    def run():
        with Interrupts(watch_parent=False) as guard:
            seen.append(guard._previous)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert seen == [{}]


def test_a_parent_that_goes_away_counts_as_a_sigterm(tmp_path):
    """A child of a process that ends (ansible-runner's SIGKILL of ansible-playbook leaves the worker
    an orphan) is re-parented: its cleanup runs, then it dies of the SIGTERM."""
    marker = tmp_path / "cleaned"
    script = textwrap.dedent("""
        import os, sys, time
        sys.path[:0] = %r
        from ansible_collections.actiongate.agents.plugins.module_utils._interrupt import Interrupts
        if os.fork():
            time.sleep(0.5)
            os._exit(0)  # the parent ends; the child is re-parented
        with Interrupts(watch_parent=True):
            try:
                time.sleep(30)
            finally:  # the logout; then the SIGTERM kills the process (SIG_DFL)
                open(%r, "w").write("cleaned after %%s" %% sys.exc_info()[0].__name__)
        open(%r, "w").write("not killed")
        """) % (sys.path, str(marker), str(marker))
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.read_text() == "cleaned after Interrupted"


# ---- the shells' one run ------------------------------------------------------------------------

class Sleeper(Vendor):
    """A vendor whose read never ends and whose close records itself (and is signalled again)."""

    NAME = "sleeper"
    LABEL = "Sleeper"
    closed = []

    def fetch(self, action_ids):
        time.sleep(30)
        return {}

    def close(self):
        os.kill(os.getpid(), signal.SIGTERM)  # a second signal while the session ends
        time.sleep(0.2)
        Sleeper.closed.append("closed")


def options(**values):
    settings = {"url": "http://127.0.0.1:9", "action_ids": ["1"], "wait": False, "request_timeout": 5}
    settings.update(values)
    return settings


def test_run_query_ends_the_session_of_an_interrupted_run(previous):
    Sleeper.closed = []
    kill_later(signal.SIGINT)
    started = time.monotonic()
    result, _warnings = run_query(Sleeper, options(), SecretRegistry(), "actiongate.agents.sleeper_status")
    assert time.monotonic() - started < 10
    assert Sleeper.closed == ["closed"] and previous == [signal.SIGINT]
    assert result["failed"] is True and "interrupted by SIGINT" in result["msg"]


def test_vendor_result_ends_the_session_of_an_interrupted_start(previous):
    Sleeper.closed = []
    kill_later(signal.SIGTERM)

    def work(vendor):
        time.sleep(30)

    result = vendor_result(Sleeper, options(), work, "actiongate.agents.sleeper_start")
    assert Sleeper.closed == ["closed"] and previous == [signal.SIGTERM]
    assert result["failed"] is True and "interrupted by SIGTERM" in result["msg"]


def test_a_run_that_is_not_interrupted_is_unchanged(previous):
    class Failing(Sleeper):
        def fetch(self, action_ids):
            raise ApiError("Sleeper said no", 500)

        def close(self):
            Sleeper.closed.append("closed")

    Sleeper.closed = []
    result, _warnings = run_query(Failing, options(), SecretRegistry(), "actiongate.agents.sleeper_status")
    assert result["failed"] is True and result["msg"].startswith("Sleeper said no") and Sleeper.closed == ["closed"]
    assert previous == [] and signal.getsignal(signal.SIGINT) is not None


def test_interrupt_module_imports_nothing_of_the_collection():
    source = Path(_interrupt.__file__).read_text()
    assert "ansible_collections" not in source.replace("ansible_collections.actiongate", "")
    assert "from ansible_collections" not in source


def test_an_interrupted_pool_starts_no_more_reads_and_does_not_wait_for_the_running_ones(previous):
    started = []

    def read(item):
        started.append(item)
        time.sleep(1.0)
        return item

    began = time.monotonic()
    with pytest.raises(Interrupted):
        with Interrupts(watch_parent=False):
            kill_later(signal.SIGTERM, after=0.3)
            map_bounded(read, list(range(40)), max_workers=2)
    assert time.monotonic() - began < 1.0  # not after the running reads, nor the 38 queued ones
    time.sleep(1.2)
    assert len(started) == 2 and previous == [signal.SIGTERM]
