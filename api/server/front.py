"""The RSGI front of ``mofkg serve``: lookups on the event loop, everything else in Flask.

Granian serves this object in each server process (its RSGI interface). A plain
``GET /sparql?query=`` is answered on the process's event loop: negotiation, the policy and
a bounded query (:mod:`mofkg.api.server.bounded`) run there, and a query that needs a worker is
awaited in a thread, so the loop never waits on one. Every other request goes to the Flask app
through a WSGI bridge (:class:`_Exchange`) in one of ``threads`` threads, as under a WSGI
server: the body streams in, the answer streams out.

A slow client cannot hold those threads: a request body must come whole within the setting
``body_timeout`` (408 after it, and the thread is freed), and requests that carry a body get
at most half the threads (:func:`upload_slots`), so pages and lookups always find one.

Why not Granian's WSGI interface, as before: there each request runs in one of the
process's WSGI threads, and a lookup must win Python's lock (the GIL) against the others
at every step. Lookups one after the other on one thread are answered in a steadier time:
at four concurrent clients on the bench's 10,000-model store their 99th percentile went
from 2.8-3.9 to 1.3-2.2 times `oxigraph serve`'s (docs/endpoint.md, "Speed").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import itertools
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Protocol, TypeVar

from flask import Flask, Response

from ..errors import BodyTimeoutError, BusyError, error_response
from ..protocol import sparql
from .frames import ClientGone
from .lanes import Lane
from .state import EXTENSION, Endpoint
from .wsgi import (
    CLIENT_GONE,
    CORS_HEADERS,
    WsgiApp,
    add_cors,
    only_query,
    sparql_base_url,
    too_long_for,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: An answer longer than this is streamed to the client as the app yields it.
STREAM_AT = 256 * 1024


class Headers(Protocol):
    """RSGI request headers (lower-case names)."""

    def items(self) -> list[tuple[str, str]]: ...  # noqa: D102


class Scope(Protocol):
    """What RSGI tells of an HTTP request."""

    proto: str
    http_version: str
    server: str
    client: str
    scheme: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> Headers: ...  # noqa: D102


class Transport(Protocol):
    """An RSGI answer being streamed."""

    async def send_bytes(self, data: bytes) -> None: ...  # noqa: D102


class HTTPProtocol(Protocol):
    """RSGI's side of one HTTP exchange."""

    def __aiter__(self) -> Any: ...  # noqa: D105

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...  # noqa: D102

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Transport: ...  # noqa: D102

    def client_disconnect(self) -> Awaitable[None]: ...  # noqa: D102


def upload_slots(threads: int) -> int:
    """How many of ``threads`` request threads may serve requests with a body at once.

    >>> upload_slots(2), upload_slots(4), upload_slots(5)
    (1, 2, 2)
    """
    return max(1, threads // 2)


def _has_body(headers: list[tuple[str, str]]) -> bool:
    length = _header(headers, "content-length")
    return _header(headers, "transfer-encoding") is not None or (
        length is not None and length.strip() not in ("", "0")
    )


class Front:
    """The RSGI app of one server process: :meth:`__rsgi__` answers each request."""

    def __init__(self, app: Flask, *, threads: int) -> None:
        self.app = app
        self.wsgi: WsgiApp = app.wsgi_app
        self.state: Endpoint = app.extensions[EXTENSION]
        self.body_timeout = self.state.settings.body_timeout
        self.threads = ThreadPoolExecutor(threads, thread_name_prefix="mofkg-request")
        self.uploads = asyncio.Semaphore(upload_slots(threads))
        # Reopening the store after a write has a thread of its own: with every request
        # thread busy (slow uploads, queries waiting on workers) lookups would wait too.
        self.reopener = ThreadPoolExecutor(1, thread_name_prefix="mofkg-reopen")

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian stops the process: stop the threads and the query worker."""
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.reopener.shutdown(wait=False, cancel_futures=True)
        self.state.pool.close()

    async def __rsgi__(self, scope: Scope, proto: HTTPProtocol) -> None:
        """Answer one request (Granian calls it on the process's event loop)."""
        if scope.proto != "http":
            return  # websockets are not served: Granian refuses the upgrade
        if scope.method == "GET" and scope.path == "/sparql":
            query = only_query(scope.query_string)
            if query is not None:
                await self._query(scope, proto, query)
                return
        exchange = _Exchange(
            asyncio.get_running_loop(), proto, self.body_timeout, lane=self.state.lane
        )
        if not _has_body(scope.headers.items()):
            await exchange.run(self.threads, self.wsgi, scope)
            return
        length = _header(scope.headers.items(), "content-length")
        too_long = too_long_for(length, self.state.settings.max_body)
        if too_long is not None:  # at once: neither a thread nor an upload slot is waited for
            _send(proto, add_cors(error_response(too_long)))
            return
        try:
            await asyncio.wait_for(self.uploads.acquire(), self.body_timeout)
        except TimeoutError:
            busy = BusyError(
                "every thread for requests with a body stayed busy for "
                f"{self.body_timeout:g} s (setting body_timeout); try again later"
            )
            _send(proto, add_cors(error_response(busy)))
            return
        exchange.body_read = self._release_once()
        try:
            await exchange.run(self.threads, self.wsgi, scope)
        finally:
            exchange.body_read()

    def _release_once(self) -> Callable[[], None]:
        """A call that gives back the upload slot the first time it is made: once the body
        is read (the request's work, a query say, goes on without holding it), or at the end."""
        held = [True]

        def release() -> None:
            if held:
                held.clear()
                self.uploads.release()

        return release

    async def _query(self, scope: Scope, proto: HTTPProtocol, query: str) -> None:
        """``GET /sparql?query=``, as :func:`mofkg.api.protocol.sparql.answer_query_async`:
        a query that needs a worker is awaited, and stopped if the client goes away."""
        loop = asyncio.get_running_loop()
        state = self.state
        headers = scope.headers.items()
        try:
            if state.stale():
                await loop.run_in_executor(self.reopener, state.refresh)  # reopens: ~10 ms
            server, _, port = scope.server.rpartition(":")
            base = sparql_base_url(scope.scheme, _header(headers, "host"), server, port, "")
            job = sparql.query_job(state, query, accept=_header(headers, "accept"), base_iri=base)
            answer = await sparql.answer_query_async(state, job, watch=proto.client_disconnect)
        except ClientGone:
            log.info("the client went away; its query was stopped")
            return
        except Exception as exc:  # noqa: BLE001 - every error gets its status, as in Flask
            _send(proto, add_cors(error_response(exc)))
            return
        proto.response_bytes(200, answer_headers(answer), answer.body)


def answer_headers(answer: sparql.QueryAnswer) -> list[tuple[str, str]]:
    """The headers of a query's answer on the fast paths: its own and the CORS ones."""
    return [("Content-Type", answer.content_type), *answer.headers, *CORS_HEADERS]


def _tell_gone(gone: concurrent.futures.Future[None], watch: asyncio.Future[None]) -> None:
    """Set ``gone`` when RSGI's ``client_disconnect()`` has ended (not when it was cancelled)."""
    if watch.cancelled() or gone.done():
        return
    watch.exception()  # Granian's, if any: the client is gone all the same
    gone.set_result(None)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    """A request header's value, repeated ones joined with commas as in WSGI."""
    values = [value for key, value in headers if key == name]
    return ", ".join(values) if values else None


def _send(proto: HTTPProtocol, response: Response) -> None:
    proto.response_bytes(response.status_code, response.headers.to_wsgi_list(), response.get_data())


def environ_for(scope: Scope, body: Any) -> dict[str, Any]:
    """The WSGI environ of an RSGI request (PEP 3333), its body read from ``body``.

    Header names with ``_`` are dropped: ``X_Token`` and ``X-Token`` would both become
    ``HTTP_X_TOKEN``, and a proxy that checks one might pass the other.
    """
    server, _, port = scope.server.rpartition(":")
    client, _, client_port = scope.client.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # WSGI strings are bytes read as Latin-1; RSGI gives the path decoded as UTF-8.
        "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string.encode("utf-8", "surrogateescape").decode("latin-1"),
        "SERVER_NAME": server,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client,
        "REMOTE_PORT": client_port,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        if "_" in name:
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        text = value.encode("utf-8", "surrogateescape").decode("latin-1")
        if key in environ:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ", ") + text
        else:
            environ[key] = text
    if "CONTENT_LENGTH" not in environ:
        # A chunked body is read to its end. With a Content-Length, werkzeug reads that
        # many bytes and answers 400 when the body ends before them (the client went away).
        environ["wsgi.input_terminated"] = True
    return environ


class _Body(io.RawIOBase):
    """The request body for a WSGI thread: each chunk is awaited on the event loop."""

    def __init__(self, exchange: _Exchange, chunks: Any) -> None:
        self.exchange = exchange
        self.chunks = chunks
        self.left = memoryview(b"")
        self.ended = False
        #: The event loop's time by which the whole body must have come.
        self.deadline = exchange.loop.time() + exchange.body_timeout
        #: The body's announced length (``Content-Length``), and how much of it has come.
        self.expected: int | None = None
        self.received = 0

    def readable(self) -> bool:  # noqa: D102
        return True

    async def _next(self) -> bytes | None:
        left = self.deadline - asyncio.get_running_loop().time()
        try:
            chunk: bytes = await asyncio.wait_for(self.chunks.__anext__(), max(left, 0))
        except StopAsyncIteration:
            self.exchange.body_read()
            return None
        except TimeoutError:
            self.exchange.timed_out = True
            raise BodyTimeoutError(self.exchange.timeout_message()) from None
        except Exception as exc:  # noqa: BLE001 - Granian's, when the client is gone
            # An OSError is what werkzeug takes for a client that went away (400).
            raise OSError(f"the request body could not be read: {exc}") from exc
        self.received += len(chunk)
        if self.expected is not None and self.received >= self.expected:
            self.exchange.body_read()  # werkzeug reads no further than the length
        return chunk

    def readinto(self, buffer: Any) -> int:  # noqa: D102
        while not self.left and not self.ended:
            chunk = self.exchange.call(self._next())
            self.ended = chunk is None
            self.left = memoryview(chunk or b"")
        size = min(len(buffer), len(self.left))
        buffer[:size] = self.left[:size]
        self.left = self.left[size:]
        return size


class _Exchange:
    """One request through the Flask app, in a thread: the body read and the answer sent
    on the event loop, at the thread's call."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        proto: HTTPProtocol,
        body_timeout: float = 30.0,
        *,
        lane: Lane | None = None,
    ) -> None:
        self.loop = loop
        #: Held while the thread runs the app, given up while it waits on the event loop.
        self.lane = lane or Lane(1)
        self.proto = proto
        self.body_timeout = body_timeout
        #: The body did not come in time: whatever the app makes of that, the answer is 408.
        self.timed_out = False
        #: Called on the event loop once the whole body has come (and maybe again later).
        self.body_read: Callable[[], None] = lambda: None
        self.status: tuple[int, list[tuple[str, str]]] | None = None
        self.sent = False
        self.written: list[bytes] = []  # by the app's write(), not sent yet
        self.wrote = False  # write() was given data: the status is settled (PEP 3333)

    def call(self, step: Coroutine[Any, Any, T]) -> T:
        """Run a step on the event loop and wait for it (from the thread), the lane given up
        meanwhile."""
        with self.lane.waiting():
            return asyncio.run_coroutine_threadsafe(step, self.loop).result()

    async def run(self, threads: ThreadPoolExecutor, app: WsgiApp, scope: Scope) -> None:
        reader = _Body(self, self.proto.__aiter__())
        environ = environ_for(scope, io.BufferedReader(reader, 64 * 1024))
        length = environ.get("CONTENT_LENGTH", "")
        reader.expected = int(length) if length.isdigit() else None
        # The view may wait on a query worker: it learns that the client went away (a query
        # POSTed, or sent with format= ..., is stopped like a plain GET's).
        gone: concurrent.futures.Future[None] = concurrent.futures.Future()
        watch = asyncio.ensure_future(self.proto.client_disconnect())
        watch.add_done_callback(partial(_tell_gone, gone))
        environ[CLIENT_GONE] = gone
        try:
            await self.loop.run_in_executor(threads, self._serve, app, environ)
        except Exception as exc:  # noqa: BLE001 - answered 500 (and logged) as in Flask
            if not self.sent:
                late = BodyTimeoutError(self.timeout_message()) if self.timed_out else exc
                _send(self.proto, add_cors(error_response(late)))
                return
            # The answer has begun. With a Content-Length (every answer of the app has
            # one) the client sees it end early; a body without one would end as if whole,
            # since RSGI has no way to abort a chunked answer.
            log.exception("the app failed midway through %s %s", scope.method, scope.path)
        finally:
            watch.cancel()

    def timeout_message(self) -> str:
        return (
            f"the request body did not come whole within {self.body_timeout:g} s "
            "(setting body_timeout)"
        )

    def _start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and (self.sent or self.wrote):
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = (int(status.split(" ", 1)[0]), list(headers))
        return self._write

    def _write(self, data: bytes) -> None:
        """PEP 3333's write(): its bytes go out before what the app yields next."""
        if data:
            self.wrote = True
            self.written.append(data)

    def _parts(self, result: Iterator[bytes]) -> Iterator[bytes]:
        """The app's body with what it wrote put in place, in order."""
        for chunk in result:
            yield from self._take_written()
            yield chunk
        yield from self._take_written()

    def _take_written(self) -> list[bytes]:
        taken, self.written = self.written, []
        return taken

    def _serve(self, app: WsgiApp, environ: dict[str, Any]) -> None:
        """In a thread: run the app; send a short answer whole, a long one as it comes."""
        with self.lane.held():
            self._serve_laned(app, environ)

    def _serve_laned(self, app: WsgiApp, environ: dict[str, Any]) -> None:
        result = app(environ, self._start_response)
        try:
            chunks: list[bytes] = []
            size = 0
            parts = self._parts(iter(result))
            for chunk in parts:
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
                if size > STREAM_AT:
                    self._stream(chunks, parts)
                    return
            if self.timed_out:  # the app may have taken it for a client gone, or bad data
                late = add_cors(error_response(BodyTimeoutError(self.timeout_message())))
                self.call(self._respond(late.status_code, late.headers.to_wsgi_list(), late.data))
                return
            status, headers = self._started()
            self.call(self._respond(status, headers, b"".join(chunks)))
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _started(self) -> tuple[int, list[tuple[str, str]]]:
        if self.status is None:
            raise RuntimeError("the app returned without calling start_response")
        return self.status

    async def _respond(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.sent = True
        self.proto.response_bytes(status, headers, body)

    async def _open(self, status: int, headers: list[tuple[str, str]]) -> Transport:
        self.sent = True
        return self.proto.response_stream(status, headers)

    def _stream(self, first: list[bytes], rest: Iterator[bytes]) -> None:
        """Send the answer as the app yields it; stop quietly when the client goes away.

        An error of the app's in the middle is raised (and logged by :meth:`run`); the
        client sees the answer end early.
        """
        status, headers = self._started()
        transport = self.call(self._open(status, headers))
        for chunk in itertools.chain([b"".join(first)], rest):
            if not chunk:
                continue
            try:
                self.call(_send_bytes(transport, chunk))
            except Exception as exc:  # noqa: BLE001 - Granian's, when the client is gone
                log.info("the client went away during a streamed answer: %s", exc)
                return


async def _send_bytes(transport: Transport, data: bytes) -> None:
    """Send a part of a streamed answer (on the event loop, as RSGI objects must be used)."""
    await transport.send_bytes(data)
