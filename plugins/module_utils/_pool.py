# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""A bounded pool for vendors that answer one id per request.

``map_bounded(fn, items, max_workers, deadline)`` calls ``fn(item)`` for every item with at most
``max_workers`` calls at once and returns the results in the order of ``items``. The workers share
one ``ApiClient`` (it is safe for concurrent GETs, and a 429 Retry-After seen by any worker holds
back every worker's next request), so the run keeps one deadline and one secret registry; the pool
is handed that same ``Deadline`` and starts no item past it (docs/dev/architecture.md, "The deadline").

A read of one id that meets a retryable answer (a 503, a 500, a reset) is retried by the client
like any read, until the deadline (docs/dev/architecture.md, "Retries"): the other ids go on,
and the poll ends when every id has its answer. Only an error the client gives up on (a refusal,
a malformed answer, or the deadline) ends the poll, and with it the wait.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
    HAS_FUTURES = True
except ImportError:  # pragma: no cover - Python 3 always has it
    HAS_FUTURES = False

from ansible_collections.actiongate.agents.plugins.module_utils._deadline import DEADLINE_GRACE
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError, DeadlineExceeded

# The option of every plugin that reads one id per request (``max_concurrent_requests``), declared
# in _per_id_options.py.
from ansible_collections.actiongate.agents.plugins.module_utils._per_id_options import (
    DEFAULT_WORKERS,
    MAX_WORKERS,
    OPTION,
)


def read_each(fn, ids, options, deadline, noun="id"):
    """``[fn(i) for i in ids]`` for one poll of a per-id vendor: at most ``max_concurrent_requests``
    at once (default 8), under the run's ``deadline`` (``self.client.deadline``: a Deadline, or
    None without a wait), in the order asked."""
    workers = options.get(OPTION)
    return map_bounded(fn, ids, max_workers=DEFAULT_WORKERS if workers is None else workers,
                       deadline=deadline, label="the read of %s" % noun)


def naming(error, prefix):
    """``error`` (an ActionGateError, its type kept) with ``prefix`` before its message: which id failed."""
    error.message = prefix + error.message
    error.args = (error.message,) + tuple(error.args[1:])
    return error


def map_bounded(fn, items, max_workers=DEFAULT_WORKERS, deadline=None, label="requests"):
    """``[fn(item) for item in items]``, at most ``max_workers`` at once, in input order.

    ``deadline`` (the run's Deadline, or None): no item starts after it (plus ``DEADLINE_GRACE``,
    for the poll that lands on it), and ``DeadlineExceeded`` names the first item that could not
    start. The first error (in input order) of the calls that ran is raised once the running calls
    have ended; items not yet started are not started. ``max_workers`` of 1, or a single item, runs
    in the calling thread.
    """
    items = list(items)
    workers = _workers(max_workers)
    if workers == 1 or len(items) <= 1 or not HAS_FUTURES:
        return [_call(fn, item, deadline, index, len(items), label) for index, item in enumerate(items)]
    executor = ThreadPoolExecutor(max_workers=min(workers, len(items)))
    futures, wait_for_running = [], True
    try:
        for index, item in enumerate(items):
            futures.append(executor.submit(_call, fn, item, deadline, index, len(items), label))
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        if pending:  # one failed: start no more, let the running ones end (each bounded by the deadline)
            for future in pending:
                future.cancel()
            wait(pending)
        for future in futures:
            if not future.cancelled() and future.exception() is not None:
                raise future.exception()
        return [future.result() for future in futures]
    except BaseException as error:
        if not isinstance(error, Exception):
            # An interrupt (_interrupt.Interrupted) in the waiting thread: start nothing more, and let
            # the run end its session now rather than after the calls still running.
            wait_for_running = False
            for future in futures:
                future.cancel()
        raise
    finally:
        executor.shutdown(wait=wait_for_running)


def _call(fn, item, deadline, index, total, label):
    if deadline is not None and deadline.expired(DEADLINE_GRACE):
        raise DeadlineExceeded("Ran out of time (%s) before %s %d of %d could start." % (deadline, label, index + 1, total))
    return fn(item)


def _workers(max_workers):
    try:
        workers = int(max_workers)
    except (TypeError, ValueError):
        workers = 0
    if not 1 <= workers <= MAX_WORKERS:
        raise ConfigError("max_concurrent_requests must be a whole number from 1 to %d, not %r." % (
            MAX_WORKERS, max_workers))
    return workers
