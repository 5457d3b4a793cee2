"""What the hostile-input tests check of an answer, and the raw HTTP client they send with.

:func:`exchange` writes a request byte for byte on a loopback socket (repeated headers, a
``Content-Length`` that lies, no ``Host``: what ``http.client`` would not send) and reads
the answer within a timeout. :class:`Endpoint` is a server under test with a digest of its
store's quads; :func:`judge` says what is wrong with an answer, if anything: a 5xx (other
than a 503 / 504 with a message), a traceback, a refused request that changed the store,
no answer in time, or a server that no longer answers.
"""

from __future__ import annotations

import hashlib
import re
import selectors
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

#: Seconds an answer may take; a fuzz input that gets none by then is reported as a hang.
ANSWER_TIMEOUT = 20.0


def store_digest(store: ox.Store) -> str:
    """A digest of every quad of ``store``, in an order that does not depend on the store's."""
    lines = sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def path_graph_size(path: str) -> Callable[[str], int]:
    """A graph-size function for the on-disk store at ``path`` (a fresh read-only open)."""

    def size(graph: str) -> int:
        store = ox.Store.read_only(path)
        return len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph))))

    return size


def path_digest(path: str) -> Callable[[], str]:
    """A digest function for the on-disk store at ``path``, read through a fresh read-only
    open (so it sees what other processes wrote)."""

    def digest() -> str:
        return store_digest(ox.Store.read_only(path))

    return digest


@dataclass
class Endpoint:
    """A server under test: its name, loopback port, and the digest of its store."""

    name: str
    port: int
    digest: Callable[[], str]
    alive: Callable[[], bool] = lambda: True
    #: How many triples a named graph of the store holds.
    graph_size: Callable[[str], int] = lambda graph: 0
    #: Statuses seen per entry point, for the summary.
    seen: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Answer:
    """What came back: a status (None: no answer), the header block and the body."""

    status: int | None
    head: str
    body: bytes
    error: str = ""

    def show(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        return f"{self.status} {self.body[:300]!r}"


def request_bytes(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    host: str | None,
    length: int | None | str = "auto",
) -> bytes:
    """An HTTP/1.1 request as sent: ``host`` None leaves out ``Host``; ``length`` "auto" sends
    the body's length, None no ``Content-Length``, an int that number (a lie, maybe)."""
    lines = [f"{method} {target} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in headers]
    if length == "auto":
        lines.append(f"Content-Length: {len(body)}")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def exchange(
    port: int, raw: bytes, *, timeout: float = ANSWER_TIMEOUT, half_close: bool = False
) -> Answer:
    """Send ``raw`` to the loopback ``port`` and read the whole answer (until the server
    closes: every request says ``Connection: close``). Sending and reading interleave, as a
    real client's do: a server may answer (401, 413) before it has read the whole body."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    pending = memoryview(raw)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.setblocking(False)
            with selectors.DefaultSelector() as selector:
                selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
                closed_write = False
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    events = selector.select(min(left, 1.0))
                    ready = events[0][1] if events else 0
                    if ready & selectors.EVENT_WRITE and pending:
                        try:
                            pending = pending[sock.send(pending[:65536]) :]
                        except (BrokenPipeError, ConnectionResetError):
                            pending = memoryview(b"")
                    if not pending and not closed_write:
                        closed_write = True
                        selector.modify(sock, selectors.EVENT_READ)
                        if half_close:
                            sock.shutdown(socket.SHUT_WR)
                    if ready & selectors.EVENT_READ:
                        try:
                            chunk = sock.recv(65536)
                        except ConnectionResetError:
                            break
                        if not chunk:
                            break
                        chunks.append(chunk)
                        if _complete(b"".join(chunks)):
                            break  # werkzeug keeps a connection open whose body it did not read
    except TimeoutError:
        return Answer(None, "", b"".join(chunks), f"nothing within {timeout} s: a hang")
    except OSError as exc:
        return Answer(None, "", b"", f"connection failed: {exc}")
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return Answer(None, head.decode("latin-1"), body, "the server closed without an answer")
    text = head.decode("latin-1")
    if "transfer-encoding: chunked" in text.lower():
        body = _dechunk(body)
    return Answer(status, text, body)


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole answer: its header and all the body it announces."""
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if match:
        return len(body) >= int(match.group(1))
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        return body.endswith(b"0\r\n\r\n")
    return False


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            return out + body
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


def send(
    endpoint: Endpoint,
    method: str,
    target: str,
    *,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    body: bytes = b"",
) -> Answer:
    """A well-formed request (right ``Host`` and ``Content-Length``) with these headers."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    host = f"127.0.0.1:{endpoint.port}"
    return exchange(endpoint.port, request_bytes(method, target, pairs, body, host=host))


def still_answers(endpoint: Endpoint) -> bool:
    """The server is up and answers a trivial query."""
    if not endpoint.alive():
        return False
    answer = send(endpoint, "GET", "/sparql?query=ASK%7B%7D", headers={"Accept": "text/csv"})
    return answer.status == 200


def judge(
    endpoint: Endpoint,
    entry: str,
    answer: Answer,
    before: str,
    *,
    may_write: bool,
    allowed: Sequence[int] = (),
    no_answer_ok: bool = False,
    needs_message: bool = True,
) -> list[str]:
    """What is wrong with ``answer`` to a request to ``entry`` (empty: nothing).

    ``before`` is the store's digest before the request; a request that was refused (or got
    no answer), or one that may not write at all, must leave the store as it was.
    ``allowed``, when given, lists the only statuses the request may get. A request whose
    HTTP framing is broken (``no_answer_ok``, ``needs_message`` False) may be refused by the
    HTTP server itself, which Granian does with an empty 400, or get no answer at all.
    """
    counts = endpoint.seen.setdefault(entry, {})
    counts[answer.status or 0] = counts.get(answer.status or 0, 0) + 1
    problems = []
    status = answer.status
    if status is None and not no_answer_ok:
        problems.append(f"{answer.show()}")
    elif status is not None:
        text = answer.body.decode("utf-8", "replace")
        if status >= 500 and not (status in (503, 504) and text.strip()):
            problems.append(f"a {status}: {answer.show()}")
        if "Traceback (most recent call last)" in text:
            problems.append(f"a traceback in the answer: {answer.show()}")
        # Granian refuses a request line over its limit (a GET of a 20 KB query) with an
        # empty 414 before any of our code runs: reported, not judged here.
        if status >= 400 and not text.strip() and needs_message and status != 414:
            problems.append(f"a {status} without a message")
        if allowed and status not in allowed:
            wanted = "a 4xx" if len(allowed) > 10 else f"one of {sorted(allowed)}"
            problems.append(f"status {status}, expected {wanted}: {answer.show()}")
    refused = status is None or status >= 400
    if refused or not may_write:
        try:
            after = endpoint.digest()
        except OSError as exc:
            after = f"unreadable: {exc}"
        if after != before:
            problems.append(f"the store changed though the request was refused: {answer.show()}")
    if not still_answers(endpoint):
        problems.append("the server no longer answers ASK {} afterwards")
    return problems


def local_triples(data: bytes, media_type: str, base_iri: str) -> int | None:
    """How many distinct triples pyoxigraph reads from ``data`` as ``media_type`` (None: it
    cannot read them): what a server that accepted ``data`` must have stored."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        return None
    try:
        return len({str(t) for t in ox.parse(data, format=fmt, base_iri=base_iri)})
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
