"""What every answer of the app shares, and the WSGI layer under Flask.

- The CORS headers of every answer (:func:`add_cors`).
- The base URL of ``/sparql`` and the check of the ``Host`` header (:func:`check_host`).
- :class:`BodyCap`, which caps how far a request body is read, whatever its framing.
- :func:`only_query`, which recognises a plain ``GET /sparql?query=`` lookup.
- :data:`CLIENT_GONE`, the environ key of what tells a view that its client went away.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_current_url, get_host

from ..errors import BadRequestError, error_response

EXPOSED_HEADERS = "Location, Warning, X-Mofkg-Truncated"

#: The CORS headers of every answer: any origin, no credentials (cookies are never involved).
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type"),
    ("Access-Control-Max-Age", "86400"),
)

#: The WSGI environ key of a :class:`concurrent.futures.Future` done when the request's client
#: has gone away (set by :class:`mofkg.api.server.front.Front`; absent under other servers).
CLIENT_GONE = "mofkg.client_gone"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def add_cors(response: Response) -> Response:
    """Any origin may read answers; credentials (cookies) are never involved.

    ``Allow`` (405 and OPTIONS answers) lists its methods in order: Flask builds it from a
    set, whose order changes with each process's hash seed.
    """
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    allow = response.headers.get("Allow")
    if allow:
        response.headers["Allow"] = ", ".join(sorted(m.strip() for m in allow.split(",")))
    return response


@lru_cache(maxsize=64)
def sparql_base_url(scheme: str, host: str | None, server: str, port: str, root: str) -> str:
    """``request.base_url`` of ``/sparql``, as werkzeug computes it (few distinct hosts)."""
    environ = {
        "wsgi.url_scheme": scheme,
        "SERVER_NAME": server,
        "SERVER_PORT": port,
        "SCRIPT_NAME": root,
        "PATH_INFO": "/sparql",
    }
    if host is not None:
        environ["HTTP_HOST"] = host
    try:
        url = get_current_url(environ, strip_querystring=True)
    except UnicodeError as exc:  # werkzeug's IDNA codec, on a Host such as "xn--a"
        raise _bad_host(host) from exc
    if host is not None and not get_host(environ):
        raise _bad_host(host)
    return url


def _bad_host(host: str | None) -> BadRequestError:
    return BadRequestError(f"the Host header {host!r} is not a valid host name")


def check_host() -> None:
    """Refuse (400) a request whose Host header werkzeug cannot turn into a URL: every
    view that names itself (base IRI, Location, service description) would fail on it.

    That is a Host werkzeug's IDNA codec fails on ("xn--a"), and one that is no IRI
    authority ("x>y", "a b", ""), which werkzeug drops: a graph POSTed to /store was named
    ``http:///store/...``."""
    host = request.environ.get("HTTP_HOST")
    try:
        request.base_url  # noqa: B018 - computed (and cached) here for its error
    except UnicodeError as exc:
        raise _bad_host(host) from exc
    if host is not None and not request.host:
        raise _bad_host(host)


class BodyCap:
    """WSGI middleware: a request body is read at most ``max_body`` bytes far; the next
    byte raises 413 (``RequestEntityTooLarge``), whatever the framing.

    Werkzeug refuses a ``Content-Length`` over the cap before reading, but reads a body sent
    without one (chunked) up to the cap and stops there without a word: a chunked upload
    over the cap reached the views cut short, Turtle as a parse error (400) and N-Triples
    cut at a line end stored in part. So werkzeug's cap is set one byte higher
    (``MAX_CONTENT_LENGTH``) and this stream, under werkzeug's, raises on that byte.

    A ``Content-Length`` over the cap is 413 at once, before the app runs (with werkzeug's
    cap one byte higher, a length of ``max_body + 1`` was read in full first, or waited for
    until the body timeout). Any other body is read only when a view reads it, after its
    checks (a write without the token is 401 whatever it sends).
    """

    def __init__(self, inner: WsgiApp, max_body: int) -> None:
        self.inner = inner
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        too_long = too_long_for(environ.get("CONTENT_LENGTH"), self.max_body)
        if too_long is not None:
            return add_cors(error_response(too_long))(environ, start_response)
        environ["wsgi.input"] = _CappedInput(environ["wsgi.input"], self.max_body)
        return self.inner(environ, start_response)


def too_long_for(length: str | None, max_body: int) -> RequestEntityTooLarge | None:
    """The error for a ``Content-Length`` over ``max_body``; None for any other (or none).

    >>> too_long_for("11", 10).description
    'the request body is 11 bytes, more than 10 (setting max_body)'
    >>> too_long_for("10", 10) is None, too_long_for(None, 10) is None
    (True, True)
    """
    text = (length or "").strip()
    if not text.isdigit() or int(text) <= max_body:
        return None
    return RequestEntityTooLarge(
        f"the request body is {int(text)} bytes, more than {max_body} (setting max_body)"
    )


def no_type_without_body(response: Response) -> Response:
    """No ``Content-Type`` on an answer without a body: a 204 never has one, and a 201 that
    only names its ``Location`` has none (Flask labels every answer text/html)."""
    if response.status_code == 204 or (
        response.status_code == 201 and not response.is_streamed and not response.get_data()
    ):
        response.headers.pop("Content-Type", None)
    return response


class _CappedInput(io.RawIOBase):
    """A request body that raises 413 when more than ``cap`` bytes are read from it."""

    def __init__(self, stream: Any, cap: int) -> None:
        self.stream = stream
        self.cap = cap
        self.seen = 0

    def readable(self) -> bool:  # noqa: D102
        return True

    def readinto(self, buffer: Any) -> int:  # noqa: D102
        data = self.stream.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.cap:
            raise RequestEntityTooLarge(
                f"the request body is longer than {self.cap} bytes (setting max_body)"
            )
        buffer[: len(data)] = data
        return len(data)


def only_query(text: str) -> str | None:
    """The ``query`` of a query string that holds that one parameter, else ``None``.

    >>> only_query("query=ASK+%7B%7D")
    'ASK {}'
    >>> only_query("query=ASK+%7B%7D&format=csv") is None
    True
    """
    if text.startswith("query=") and "&" not in text:
        # What parse_qsl would give for this one pair, without splitting and looping.
        return unquote(text[6:].replace("+", " "), errors="werkzeug.url_quote")
    pairs = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    if len(pairs) != 1 or pairs[0][0] != "query":
        return None
    return pairs[0][1]
