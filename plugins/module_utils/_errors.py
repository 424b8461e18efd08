# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The one error hierarchy. Nothing below the module and lookup shells exits or calls fail_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ActionGateError(Exception):
    """Base of every error the collection raises on purpose; ``str()`` is the user message.

    ``result`` is the partial result an error carries, if any: ActionTimeout and ActionFailed
    always, and any error that ends a wait (the last statuses, ``polls``, ``elapsed`` and
    ``history`` of the wait it cut short: ``_query.ActionQuery.run``). The shells return it
    beside ``msg``. ``outcome`` is the waiter's ``WaitOutcome`` of such a wait, for that."""

    result = None
    outcome = None

    def __init__(self, message, details=None):
        super(ActionGateError, self).__init__(message)
        self.message = message
        self.details = details or {}


class ConfigError(ActionGateError):
    """Options that cannot work together, or a value the vendor would refuse."""


class TransportError(ActionGateError):
    """No usable HTTP answer: connection refused or reset, TLS failure, timeout."""


class DeadlineExceeded(TransportError):
    """The run's one deadline (``wait_timeout``) passed during a request: connecting, waiting for
    or reading an answer, or before a page or a retry could start. The waiter turns it into a
    timeout that carries the last statuses it saw."""


class OriginRefused(TransportError):
    """A request or a redirect would have taken the run's credentials to an origin (scheme, host,
    port) the user did not configure for the service, or from https down to http."""


class ApiError(ActionGateError):
    """The vendor answered with an error status or a body that is not what it documents."""

    def __init__(self, message, status=None, body=None, details=None, retry_after=None):
        super(ApiError, self).__init__(message, details)
        self.status = status
        self.body = body
        # Seconds from the answer's Retry-After header, if it had one (a write call that is not
        # retried can still tell the user when to try again).
        self.retry_after = retry_after


class AuthError(ApiError):
    """Credentials refused (401/403, a login page, an expired session or token)."""


class ActionNotFound(ActionGateError):
    """The vendor does not know (or no longer lists) these action ids."""

    def __init__(self, message, action_ids):
        super(ActionNotFound, self).__init__(message, {"missing": list(action_ids)})
        self.action_ids = list(action_ids)


class ActionFailed(ActionGateError):
    """Waiting ended because actions failed, or failures exceeded ``allowed_failures``."""

    def __init__(self, message, result):
        super(ActionFailed, self).__init__(message)
        self.result = result


class ActionTimeout(ActionGateError):
    """``wait_timeout`` passed before every action was terminal; carries the last statuses."""

    def __init__(self, message, result):
        super(ActionTimeout, self).__init__(message)
        self.result = result
