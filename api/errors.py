"""The one place that maps error kinds to HTTP statuses, and the errors of the HTTP layer.

Every error a client can cause becomes a short answer naming the problem, with its status;
only our own faults become 500, and those are logged with their traceback. The answer is
``text/plain`` for the SPARQL endpoint, the Graph Store, ``/validate``, badges and any
client that prefers plain text to HTML; on the pages (anything else) it is an HTML page with
the site's navigation (:func:`wants_page`). The JSON API answers its own errors in JSON.

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

from flask import Flask, Response, has_request_context, json, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from mofkg.graphstore.errors import (
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
from mofkg.graphstore.store.remote_http import BackendError, BackendUnsupported

from .protocol.negotiation import best_match
from .server.frames import ClientGone

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
    (BackendUnsupported, 501),
    (BackendError, 502),
    (NotFoundError, 404),
    (MofkgError, 400),
    (ClientGone, 400),  # nobody is left to read it: not logged as an internal error
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
    page = _error_page(status, message) if wants_page() else None
    if has_request_context() and _under(request.path, JSON_PATH):
        body = json.dumps({"error": {"status": status, "message": message}})
        response = Response(body + "\n", status=status, content_type="application/json")
    elif page is not None:
        response = Response(page, status=status, content_type="text/html; charset=utf-8")
    else:
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


#: Paths whose clients are programs: their errors stay plain text (``/api`` answers JSON).
MACHINE_PATHS = ("/sparql", "/store", "/validate", "/api", "/badge")
#: The JSON API: every error under it, a route of its own or not, is a JSON object.
JSON_PATH = "/api"


def _under(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or below it (``/api/v1``, not ``/apis``)."""
    return path == prefix or path.startswith(prefix + "/")


def wants_page() -> bool:
    """Whether the current request's error is answered as an HTML page: a request for a page
    (not under :data:`MACHINE_PATHS`) from any client but one that prefers plain text to
    HTML (``Accept: text/plain``). False outside a request."""
    if not has_request_context():
        return False
    if any(_under(request.path, path) for path in MACHINE_PATHS):
        return False
    accept = request.headers.get("Accept")
    if accept is None or not accept.strip():
        return True
    return best_match(accept, ["text/html", "text/plain"]) != "text/plain"


def _error_page(status: int, message: str) -> str | None:
    """The HTML error page, in the site's layout; None when it cannot be rendered (an app
    without the pages blueprint), so that the plain-text answer is given instead."""
    try:
        return render_template(
            "error.html",
            status=status,
            reason=HTTP_STATUS_CODES.get(status, "Error"),
            message=message,
        )
    except Exception:  # noqa: BLE001 - the error being answered matters more than this one
        log.warning("could not render the error page for %s", request.path, exc_info=True)
        return None


def register_error_handlers(app: Flask) -> None:
    """Answer every error raised in a view through :func:`error_response`."""
    app.register_error_handler(MofkgError, error_response)
    app.register_error_handler(HTTPException, error_response)
    app.register_error_handler(Exception, error_response)
