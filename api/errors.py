"""The one place that maps error kinds to HTTP statuses, and the errors of the HTTP layer.

Every error a client can cause becomes a short ``text/plain`` answer with its status; only
our own faults become 500, and those are logged with their traceback.

>>> status_for(QueryTimeoutError("too slow"))
504
>>> status_for(RdfSyntaxError("upload", "bad", line=1, column=2))
400
>>> status_for(MissingTokenError("no token"))
401
>>> error_response(BusyError("the store is busy")).headers["Retry-After"]
'1'
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from graphstore.errors import (
    MofkgError,
    NotFoundError,
    QueryError,
    QueryRefusedError,
    QueryTimeoutError,
    RdfSyntaxError,
    ReadOnlyError,
    TooLargeError,
    UnsafeInputError,
    UnsupportedFormatError,
)

log = logging.getLogger(__name__)


class MissingTokenError(MofkgError):
    """A write without the right ``Authorization: Bearer`` token."""


class NotAcceptableError(MofkgError):
    """No format the client accepts can carry the answer."""


class BadRequestError(MofkgError):
    """A request that breaks the protocol (two queries, a query and an update, ...)."""


class BusyError(MofkgError):
    """The server cannot take the request now, but may soon (503, with ``Retry-After``).

    Every query worker stayed busy for the whole timeout, or another process holds the store
    open for writing.
    """


class OutOfMemoryError(MofkgError):
    """A query or validation that needed more memory than the setting ``memory_limit``
    (503: the server is fine, but cannot give this request what it needs)."""


class BodyTimeoutError(MofkgError):
    """A request body that did not come whole within the setting ``body_timeout`` (408)."""


class ShapeViolationError(MofkgError):
    """Data that parses but breaks the shapes it must conform to."""


#: Seconds a client is asked to wait before it tries again after a 503.
RETRY_AFTER = 1

#: Error kinds and their statuses; the first class an error is an instance of wins,
#: so subclasses come before their bases.
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (MissingTokenError, 401),
    (NotAcceptableError, 406),
    (BusyError, 503),
    (OutOfMemoryError, 503),
    (BodyTimeoutError, 408),
    (ShapeViolationError, 422),
    (QueryTimeoutError, 504),
    (QueryRefusedError, 403),
    (QueryError, 400),
    (RdfSyntaxError, 400),
    (UnsafeInputError, 400),
    (BadRequestError, 400),
    (TooLargeError, 413),
    (UnsupportedFormatError, 415),
    (ReadOnlyError, 403),
    (NotFoundError, 404),
    (MofkgError, 400),
)


def status_for(error: Exception) -> int:
    """The HTTP status for an error: its kind's, or 500 for anything that is our fault."""
    if isinstance(error, HTTPException):
        return error.code or 500
    for kind, status in STATUSES:
        if isinstance(error, kind):
            return status
    return 500


def error_response(error: Exception) -> Response:
    """A plain-text answer naming the problem (and, for bad RDF, where it is)."""
    status = status_for(error)
    if status == 500:
        log.exception("internal error", exc_info=error)
        message = "internal error (logged on the server)"
    elif isinstance(error, HTTPException):
        message = f"{error.name}: {error.description}"
    else:
        message = str(error)
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mofkg"'
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    if isinstance(error, HTTPException) and status == 405:
        allowed = error.get_headers()
        for name, value in allowed:
            if name.lower() == "allow":
                response.headers["Allow"] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error raised in a view through :func:`error_response`."""
    app.register_error_handler(MofkgError, error_response)
    app.register_error_handler(HTTPException, error_response)
    app.register_error_handler(Exception, error_response)
