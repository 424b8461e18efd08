# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""Interrupts (SIGINT, SIGTERM) during a run: end what the run opened, then stop as the process
would have stopped without us (docs/dev/architecture.md, "Interrupts").

A Ctrl-C, a cancelled AWX or ansible-runner job, or a task timeout on another host signals the
process that waits: Ansible's worker (an action plugin or a lookup run there), the controller
process (a lookup templated there), or the module's own process on the target. Left alone, each
dies at once and the Cybereason session stays valid for its 8 hours, a Puppet token for the rest
of its lifetime. ``Interrupts`` is the one piece of code every shell runs its work in
(``_runner.run_query`` and ``_runner.vendor_result``):

- the first SIGINT or SIGTERM raises ``Interrupted`` in the main thread, which unwinds the wait
  (a sleep, a request, a pool of reads) like any error, so the ``finally`` of the run ends the
  vendor session (``ActionQuery.close``: Cybereason's logout, Puppet's token revocation, each under
  ``client.short_budget``, seconds);
- every later SIGINT or SIGTERM is ignored until the block ends: ansible-core sends its worker the
  SIGINT of a Ctrl-C and, while it cleans up, a SIGTERM (``TaskQueueManager.cleanup``), which must
  not cut the logout off; ``held()`` protects a logout of a run that was not interrupted the same way;
- when the block ends, the handlers that were there before are put back and the first signal is
  raised again, to them: Ansible's worker then ends its process group as it always does
  (``WorkerProcess._term``), the controller raises its KeyboardInterrupt, a module dies of the
  SIGTERM (or raises KeyboardInterrupt for a SIGINT), each with the exit Ansible gives that signal.
  A previous handler that returns leaves ``Interrupted`` to the caller (a failed result);
- in a process started by multiprocessing (Ansible's worker), a parent that goes away counts as a
  SIGTERM: ansible-runner cancels a job with SIGKILL to ansible-playbook's process group, which
  does not reach the worker (it runs in its own session), and the orphan would wait on to its
  deadline. ``PARENT_POLL`` seconds between looks.

Signal handlers can only be set in the main thread: elsewhere (a lookup run from a thread, a signal
the process ignores) the block does nothing and the run is stopped, or not, as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import threading
from contextlib import contextmanager

try:
    import multiprocessing
except ImportError:  # pragma: no cover - every supported Python has it
    multiprocessing = None

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))
PARENT_POLL = 0.5


def signal_name(signum):
    """``SIGINT`` for 2, ..."""
    try:
        return signal.Signals(signum).name
    except (ValueError, AttributeError):
        return "signal %s" % signum


class Interrupted(BaseException):
    """A SIGINT or SIGTERM arrived while a run was guarded by ``Interrupts``. A BaseException, as
    KeyboardInterrupt is: no ``except Exception`` of the run turns it into a result."""

    def __init__(self, signum):
        self.signum = signum
        BaseException.__init__(self, "Interrupted by %s" % signal_name(signum))


def in_child_process():
    """Whether this process was started by multiprocessing (Ansible's worker): its parent is the
    process that waits for its result."""
    parent_process = getattr(multiprocessing, "parent_process", None)
    try:
        return parent_process is not None and parent_process() is not None
    except Exception:  # pragma: no cover - defensive: never let the guard break a run
        return False


class Interrupts:
    """``with Interrupts() as guard:`` around a run, ``with guard.held():`` around its cleanup
    (see the module's docstring). ``signum`` is the first signal received, or None."""

    def __init__(self, watch_parent=None):
        self.signum = None
        self._watch_parent = watch_parent
        self._holding = 0
        self._previous = {}
        self._stop = None

    def __enter__(self):
        if not SIGNALS or threading.current_thread() is not threading.main_thread():
            return self
        for signum in SIGNALS:
            previous = signal.getsignal(signum)
            if previous is signal.SIG_IGN or previous is None:
                continue  # ignored by this process (nohup, a background job): it stays ignored
            try:
                signal.signal(signum, self._handle)
            except (ValueError, OSError):  # pragma: no cover - not the main thread after all
                continue
            self._previous[signum] = previous
        watch = in_child_process() if self._watch_parent is None else self._watch_parent
        if watch and signal.SIGTERM in self._previous:
            self._watch(os.getppid())
        return self

    def __exit__(self, kind, error, trace):
        if self._stop is not None:
            self._stop.set()
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous = {}
        if self.signum is not None:
            # The process stops as it would have: the previous handler gets the first signal.
            raise_signal(self.signum)
        return False

    @contextmanager
    def held(self):
        """A block no SIGINT or SIGTERM interrupts (the end of the session): one that comes is
        raised again when the whole run's block ends."""
        self._holding += 1
        try:
            yield self
        finally:
            self._holding -= 1

    def _handle(self, signum, frame):
        if self.signum is not None:
            return  # the run is already ending: let its cleanup finish
        self.signum = signum
        if not self._holding:
            raise Interrupted(signum)

    def _watch(self, parent):
        """Count the parent's end (the process is re-parented) as a SIGTERM."""
        stop = self._stop = threading.Event()

        def look():
            while not stop.wait(PARENT_POLL):
                if os.getppid() != parent:
                    os.kill(os.getpid(), signal.SIGTERM)
                    return

        thread = threading.Thread(target=look, name="actiongate-parent-watch")
        thread.daemon = True
        thread.start()


def raise_signal(signum):
    """Deliver ``signum`` to this process now, to whatever handles it (its Python handler runs
    before this returns, and an exception it raises comes out of here)."""
    raise_it = getattr(signal, "raise_signal", None)  # Python 3.8+
    if raise_it is not None:
        raise_it(signum)
    else:  # pragma: no cover - older Pythons on a target
        os.kill(os.getpid(), signum)
