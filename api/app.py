"""The Flask app factory, and :func:`serve`, which runs it under Granian.

``create_app(settings)`` opens the on-disk store, starts the query workers and registers
one blueprint per concern: the SPARQL endpoint and the Graph Store Protocol here, and any
``blueprints=`` a caller adds (pages, badges, the JSON API). Every answer allows any
origin (CORS, without credentials); errors are answered by :mod:`mofkg.api.errors`.
"""

from __future__ import annotations

import atexit
import io
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import Any
from urllib.parse import parse_qsl, unquote

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_current_url, get_host

from mofkg.graphstore.errors import SettingsError
from mofkg.graphstore.generation import StoreGeneration
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store import Store

from . import (
    badges,
    catalog,
    dumps_routes,
    graphstore_protocol,
    models_api,
    ontology,
    pages,
    sparql,
    structured_data,
    validate,
    void,
)
from .errors import BadRequestError, error_response, register_error_handlers
from .query_worker import QueryPool
from .shared import open_store
from .state import EXTENSION, Endpoint

#: The blueprints every app has; others are passed to :func:`create_app`.
CORE_BLUEPRINTS: tuple[Blueprint, ...] = (
    sparql.bp,
    graphstore_protocol.bp,
    pages.blueprint,
    ontology.blueprint,
    badges.blueprint,
    models_api.blueprint,
    validate.bp,
    catalog.blueprint,
    dumps_routes.blueprint,
    void.blueprint,
    structured_data.blueprint,
)

EXPOSED_HEADERS = "Location, Warning, X-Mofkg-Truncated"

#: The CORS headers of every answer: any origin, no credentials (cookies are never involved).
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type"),
    ("Access-Control-Max-Age", "86400"),
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _cors(response: Response) -> Response:
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
def _base_url(scheme: str, host: str | None, server: str, port: str, root: str) -> str:
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


def _check_host() -> None:
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
    (``MAX_CONTENT_LENGTH``) and this stream, under werkzeug's, raises on that byte. The
    body is read only when a view reads it, after its checks (a write without the token is
    401 whatever it sends).
    """

    def __init__(self, inner: WsgiApp, max_body: int) -> None:
        self.inner = inner
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"] = _CappedInput(environ["wsgi.input"], self.max_body)
        return self.inner(environ, start_response)


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


class QueryFastPath:
    """WSGI middleware: a plain ``GET /sparql?query=...`` skips Flask's request machinery.

    Only a GET whose query string holds exactly one parameter, ``query``, takes this path;
    it runs :func:`mofkg.api.sparql.answer_query`, the view's own code (negotiation, policy, the
    killable worker, the row cap), and answers errors with :func:`mofkg.api.errors.error_response`
    and the same CORS headers. Everything else (POST, ``format=``, dataset parameters, the
    service description, other paths) goes to Flask unchanged.
    """

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.state: Endpoint = app.extensions[EXTENSION]
        self.inner = inner

    def _query(self, environ: dict[str, Any]) -> str | None:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
            return None
        try:
            raw: str = environ.get("QUERY_STRING", "")
            text = raw.encode("latin-1").decode()
        except UnicodeError:
            return None
        return only_query(text)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = self._query(environ)
        if query is None:
            return self.inner(environ, start_response)
        try:
            self.state.refresh()
        except Exception as exc:  # noqa: BLE001 - a failed reopen is answered like in Flask
            return _cors(error_response(exc))(environ, start_response)
        try:
            base = _base_url(
                environ.get("wsgi.url_scheme", "http"),
                environ.get("HTTP_HOST"),
                environ.get("SERVER_NAME", ""),
                str(environ.get("SERVER_PORT", "")),
                environ.get("SCRIPT_NAME", ""),
            )
            job = sparql.query_job(
                self.state, query, accept=environ.get("HTTP_ACCEPT"), base_iri=base
            )
            answer = sparql.answer_query(self.state, job)
        except Exception as exc:  # noqa: BLE001 - every error gets its status, as in Flask
            return _cors(error_response(exc))(environ, start_response)
        headers = [("Content-Length", str(len(answer.body))), *answer_headers(answer)]
        start_response("200 OK", headers)
        return [answer.body]


def answer_headers(answer: sparql.QueryAnswer) -> list[tuple[str, str]]:
    """The headers of a query's answer on the fast paths: its own and the CORS ones."""
    return [("Content-Type", answer.content_type), *answer.headers, *CORS_HEADERS]


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    blueprints: Iterable[Blueprint] = (),
) -> Flask:
    """A mofkg app over ``store``, or over the on-disk store at ``settings.store``.

    The store must be on disk: queries run in worker processes that open it read-only.
    Given a ``store``, the app owns it and writes into it. Without one, the app shares the
    store at ``settings.store`` with other server processes (:mod:`mofkg.api.shared`): it opens it
    read-only and writes through the writers' lock. Each app runs up to ``workers`` queries at
    once in its query worker.
    """
    shared: StoreGeneration | None = None
    seen = 0
    if store is None:
        settings.store.mkdir(parents=True, exist_ok=True)
        shared = StoreGeneration(settings.store)
        with shared.exclusive():  # the processes start together: one creates the store
            if not (settings.store / "CURRENT").exists():
                open_store(settings.store, read_only=False).close()
            seen = shared.current()  # before opening, so a write meanwhile means a reopen
            store = open_store(settings.store, read_only=True)
    if store.path is None:
        raise SettingsError(
            "the SPARQL endpoint needs an on-disk store (its query workers open it read-only); "
            "give Store(path)"
        )
    app = Flask("mofkg.api")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body + 1  # BodyCap raises on that byte
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body
    # One worker process whose threads share its open of the store (and RocksDB's caches).
    workers = settings.workers
    pool = QueryPool(
        store.path,
        size=workers,
        timeout=settings.query_timeout,
        threads=workers,
        memory_limit=settings.memory_limit,
    )
    atexit.register(pool.close)
    state = Endpoint(settings=settings, store=store, pool=pool, shared=shared, seen=seen)
    app.extensions[EXTENSION] = state
    for bp in (*CORE_BLUEPRINTS, *blueprints):
        app.register_blueprint(bp)
    app.before_request(state.refresh)
    app.before_request(_check_host)
    app.after_request(_cors)
    register_error_handlers(app)
    inner = BodyCap(app.wsgi_app, settings.max_body)
    app.wsgi_app = QueryFastPath(app, inner)  # type: ignore[method-assign]
    return app


def close_app(app: Flask) -> None:
    """Stop the app's query workers (tests and servers call it when they stop)."""
    state: Endpoint = app.extensions[EXTENSION]
    state.pool.close()


def _load_front(settings: Settings) -> Any:
    """Granian's app loader: build the app inside the server process, after it has started,
    and cap the process's memory (:mod:`mofkg.api.limits`; its query workers cap their own)."""
    from .front import Front
    from .limits import limit_memory

    limit_memory(settings.memory_limit)
    return Front(create_app(settings), threads=max(2, settings.workers))


def granian_options(settings: Settings) -> dict[str, Any]:
    """Granian's settings: ``processes`` server processes sharing the store, each serving
    :class:`mofkg.api.front.Front` (RSGI); HTTP/1.1 only; no access log."""
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    # Granian's backpressure is left at its default (its listen backlog over the processes,
    # hundreds of connections each): it counts open connections, idle keep-alive ones
    # included, so a limit near the thread count let a few idle browsers lock every new
    # client out. Requests beyond the front's threads wait for one in its queue.
    return {
        "address": settings.host,
        "port": settings.port,
        "interface": Interfaces.RSGI,
        "workers": settings.processes,
        "http": HTTPModes.http1,
        "websockets": False,
        "log_level": LogLevels.error,
        "log_access": False,
        "workers_kill_timeout": 5,
        # A server process that dies (out of memory, killed) is started again; the others
        # answer meanwhile. Granian still stops when one dies again within 5.5 s of its
        # restart (a crash loop).
        "respawn_failed_workers": True,
    }


def serve(settings: Settings) -> None:
    """Serve the app with Granian (a production HTTP server written in Rust) until interrupted.

    Each app (its read-only open of the store and its query workers) is built in its Granian
    worker process, after that has started: an open RocksDB store belongs to one process.
    """
    from granian import Granian

    server = Granian("mofkg.api.front:Front", **granian_options(settings))
    server.serve(target_loader=partial(_load_front, settings), wrap_loader=False)
