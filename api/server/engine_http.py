"""One query sent to an ``oxigraph serve-read-only`` engine on loopback, and its answer
turned into the :class:`QueryOutcome` a query worker gives (:mod:`mofkg.api.server.engine`).

The front asks the engine for SPARQL TSV (solutions, booleans) or N-Triples (graphs): both
have one row per line, so the row cap is counted as the answer streams in, and the engine's
connection is closed once row ``max_rows + 1`` has come. The rows kept are then written in
the negotiated format exactly as a worker writes them (:func:`solutions_outcome`,
:func:`graph_outcome`). The prefixes and base IRI of :func:`mofkg.api.server.queries.execute`
come first in the query's text, as one line; positions in the engine's syntax errors are
given back against the query as sent.
"""

from __future__ import annotations

import asyncio
import re
import socket
import urllib.parse
from dataclasses import dataclass

import pyoxigraph as ox

from mofkg.graphstore.namespaces import PREFIXES
from mofkg.graphstore.rdfio.formats import format_by_name

from ..errors import NotAcceptableError
from .queries import CappedResults, QueryJob, QueryOutcome, prefixes_for, solutions_outcome

#: What the engine is asked for: solutions and booleans as TSV, graphs as N-Triples.
ACCEPT = "text/tab-separated-values, application/n-triples"
TSV = "text/tab-separated-values"
NTRIPLES = "application/n-triples"
#: Longest status line and headers an engine's answer may have.
MAX_HEAD = 64 * 1024
_POSITION = re.compile(r"^error at (\d+):(\d+)")


class EngineGone(Exception):
    """The engine's connection ended before its answer did (it died, or was stopped)."""


@dataclass(frozen=True)
class EngineAnswer:
    """The part of an engine's answer the front keeps: status, media type, body, whether the
    body was cut at the row cap, and whether the connection may be used again."""

    status: int
    media_type: str
    body: bytes
    truncated: bool
    reusable: bool


def prologue(base_iri: str | None) -> str:
    """The line put before a query: its base IRI and the store's prefixes, as
    :func:`mofkg.api.server.queries.execute` gives them (the query's own win, as there).

    >>> prologue("http://e/sparql").startswith("BASE <http://e/sparql> PREFIX ")
    True
    >>> prologue(None).endswith("\\n")
    True
    """
    parts = [f"BASE <{base_iri}>"] if base_iri else []
    parts += [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items()]
    return " ".join(parts) + "\n"


def request_bytes(job: QueryJob, host: str) -> bytes:
    """The HTTP request that asks the engine for ``job`` (its dataset as parameters)."""
    params: list[tuple[str, str]] = []
    if job.default_graphs is None and job.named_graphs is None:
        params.append(("union-default-graph", ""))
    else:
        params += [("default-graph-uri", g) for g in job.default_graphs or ()]
        params += [("named-graph-uri", g) for g in job.named_graphs or ()]
    body = (prologue(job.base_iri) + job.query).encode("utf-8")
    head = (
        f"POST /query?{urllib.parse.urlencode(params)} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Content-Type: application/sparql-query; charset=utf-8\r\n"
        f"Accept: {ACCEPT}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class _Reader:
    """Buffered reads from a non-blocking socket on the running event loop."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.loop = asyncio.get_running_loop()

    async def more(self) -> None:
        data = await self.loop.sock_recv(self.sock, 256 * 1024)
        if not data:
            raise EngineGone("the engine closed the connection")
        self.buffer += data

    async def line(self, limit: int = MAX_HEAD) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > limit:
                raise EngineGone("the engine's answer has a line that does not end")
            await self.more()
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    async def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            await self.more()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


class _Cap:
    """The body kept so far, cut after ``lines`` lines (header included for TSV)."""

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.seen = 0
        self.parts: list[bytes] = []
        self.full = False

    def add(self, chunk: bytes) -> None:
        room = self.lines - self.seen
        count = chunk.count(b"\n")
        if count < room or (count == room and chunk.endswith(b"\n")):
            self.parts.append(chunk)
            self.seen += count
            return
        cut = -1
        for _ in range(room):
            cut = chunk.index(b"\n", cut + 1)
        self.parts.append(chunk[: cut + 1])
        self.seen = self.lines
        self.full = True


async def exchange(sock: socket.socket, request: bytes, *, max_rows: int) -> EngineAnswer:
    """Send ``request`` on ``sock`` and read the answer, the body cut after ``max_rows`` rows.

    Raises :class:`EngineGone` when the connection ends first.
    """
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_sendall(sock, request)
        reader = _Reader(sock)
        status_line = await reader.line()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise EngineGone(f"the engine answered {status_line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while line := await reader.line():
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        media_type = headers.get("content-type", "").split(";")[0].strip()
        cap = _Cap(max_rows + 1 if media_type == TSV else max_rows)
        chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        reusable = headers.get("connection", "").lower() != "close"
        if chunked:
            while not cap.full:
                size = int((await reader.line()).split(b";")[0], 16)
                if size == 0:
                    await reader.line()  # no trailers: the empty line that ends the body
                    break
                cap.add(await reader.exactly(size))
                await reader.exactly(2)
        elif "content-length" in headers:
            cap.add(await reader.exactly(int(headers["content-length"])))
        else:
            reusable = False
            try:
                while not cap.full:
                    await reader.more()
                    cap.add(bytes(reader.buffer))
                    reader.buffer.clear()
            except EngineGone:
                pass  # the body ends with the connection
    except (OSError, ValueError) as exc:
        raise EngineGone(f"the engine's connection failed: {exc}") from exc
    body = b"".join(cap.parts)
    # The last line may have been cut (a partial answer from a full cap keeps whole lines).
    return EngineAnswer(status, media_type, body, cap.full, reusable and not cap.full)


def outcome(answer: EngineAnswer, job: QueryJob) -> QueryOutcome:
    """The engine's answer as a worker's :class:`QueryOutcome` for ``job``."""
    if answer.status != 200:
        return QueryOutcome(error_kind="QueryError", error=error_message(answer))
    try:
        if answer.media_type == NTRIPLES:
            return graph_outcome(answer.body, answer.truncated, job)
        if answer.body in (b"true", b"false"):
            return solutions_outcome(answer.body == b"true", job)
        rows = max(answer.body.count(b"\n") - 1, 0)
        return solutions_outcome(CappedResults(answer.body, rows, answer.truncated), job)
    except NotAcceptableError as exc:
        return QueryOutcome(error_kind="NotAcceptableError", error=str(exc))
    except (SyntaxError, ValueError, OSError) as exc:
        return QueryOutcome(error_kind="QueryError", error=f"query failed: {exc}")


def graph_outcome(ntriples: bytes, truncated: bool, job: QueryJob) -> QueryOutcome:
    """A graph's triples (N-Triples, already cut at the row cap) in the job's RDF format."""
    if job.rdf_format is None:
        raise NotAcceptableError("the client accepts no RDF format for this graph result")
    fmt = format_by_name(job.rdf_format)
    triples = [q.triple for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes_for(fmt.name))
    return QueryOutcome(body or b"", fmt.media_type, truncated, len(triples))


def error_message(answer: EngineAnswer) -> str:
    """The engine's error as the worker words it: a syntax error's position counted in the
    query as sent (without the prologue line), other errors as "query failed".

    >>> error_message(EngineAnswer(400, "text/plain", b"error at 2:7: expected", False, True))
    'malformed query: error at 1:7: expected'
    >>> error_message(EngineAnswer(500, "text/plain", b"no such function", False, True))
    'query failed: no such function'
    """
    text = answer.body.decode("utf-8", "replace").strip()
    found = _POSITION.match(text)
    if found is None:
        return f"query failed: {text}"
    line = int(found.group(1)) - 1
    return f"malformed query: error at {line}:{found.group(2)}{text[found.end() :]}"


def quiet(sock: socket.socket) -> bool:
    """Whether a kept connection has nothing to read: the engine has neither closed it nor
    sent anything on it unasked (an answer to no request, such as a 408)."""
    try:
        sock.recv(1, socket.MSG_PEEK)  # b"" (closed) or unasked bytes: not to be used
    except BlockingIOError:
        return True
    except OSError:
        pass
    return False


def close_when_done(sock: socket.socket | None, _: object) -> None:
    """A done-callback that closes ``sock`` once the task reading it has ended."""
    if sock is not None:
        sock.close()
