"""Queries run in worker processes that can be killed: a timeout really stops the work.

Oxigraph evaluates aggregates without returning to Python, so a thread cannot stop them.
A worker is a subprocess that opens the on-disk store read-only and runs up to ``threads``
:class:`QueryJob` at once, one per thread, each answered with a serialised
:class:`QueryOutcome`. The threads share the worker's open of the store, and so RocksDB's
caches: an aggregate ran 1.3-1.5x as fast in one process of four threads as in four
processes of one thread (Oxigraph releases the GIL while it evaluates).

When a query runs past the timeout its worker is killed, and with it the other queries it
was running; those are sent again to another worker, within their own time left (they only
read, so running them twice is harmless). A read-only open sees a snapshot, so writers bump
a generation number and a worker reopens the store (about 10 ms) before a job of a newer
generation.

The endpoint therefore needs an on-disk store; an in-memory one cannot be shared.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from mofkg.graphstore.errors import MofkgError, QueryError, QueryTimeoutError
from mofkg.graphstore.formats import format_by_name
from mofkg.graphstore.namespaces import PREFIXES

from .errors import BusyError, NotAcceptableError, OutOfMemoryError
from .limits import OUT_OF_MEMORY_STATUSES, describe_bytes, limit_memory
from .negotiation import result_format_by_name
from .results import serialize_boolean
from .shared import open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryJob:
    """A query to run: its text, dataset, and the formats negotiated for each result kind."""

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    result_format: str | None = "json"
    rdf_format: str | None = "turtle"
    max_rows: int = 10000
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised answer, or the error a query raised (its kind's name and message)."""

    body: bytes = b""
    media_type: str = ""
    truncated: bool = False
    rows: int = 0
    error_kind: str | None = None
    error: str = ""

    def raise_error(self) -> None:
        """Raise the error the worker reported, as its graphstore / api kind."""
        kinds: dict[str, type[MofkgError]] = {
            "BusyError": BusyError,
            "NotAcceptableError": NotAcceptableError,
            "QueryError": QueryError,
            "OutOfMemoryError": OutOfMemoryError,
        }
        if self.error_kind is not None:
            raise kinds.get(self.error_kind, QueryError)(self.error)


def run_job(store: ox.Store, job: QueryJob) -> QueryOutcome:
    """Run one job on a store and serialise its result (the worker's whole job)."""
    kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": job.base_iri}
    try:
        if job.default_graphs is not None or job.named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
        else:
            kwargs["use_default_graph_as_union"] = True
        result = store.query(job.query, **kwargs)
        if isinstance(result, ox.QueryTriples):
            if job.rdf_format is None:
                raise NotAcceptableError("the client accepts no RDF format for this graph result")
            fmt = format_by_name(job.rdf_format)
            triples = list(islice(result, job.max_rows + 1))
            truncated = len(triples) > job.max_rows
            triples = triples[: job.max_rows]
            body = ox.serialize(triples, format=fmt.oxigraph, prefixes=_prefixes_for(fmt.name))
            return QueryOutcome(body or b"", fmt.media_type, truncated, len(triples))
        if job.result_format is None:
            raise NotAcceptableError("the client accepts no SPARQL results format")
        rfmt = result_format_by_name(job.result_format)
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome(serialize_boolean(bool(result), rfmt.name), rfmt.media_type)
        capped = capped_tsv(result, job.max_rows)
        body = capped.tsv
        if rfmt.name != "tsv":
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
            assert isinstance(parsed, ox.QuerySolutions)
            body = parsed.serialize(format=rfmt.oxigraph) or b""
        return QueryOutcome(body, rfmt.media_type, capped.truncated, capped.rows)
    except NotAcceptableError as exc:
        return QueryOutcome(error_kind="NotAcceptableError", error=str(exc))
    except SyntaxError as exc:
        return QueryOutcome(error_kind="QueryError", error=f"malformed query: {exc.msg or exc}")
    except (ValueError, OSError, RuntimeError) as exc:  # RuntimeError: an unknown function
        return QueryOutcome(error_kind="QueryError", error=f"query failed: {exc}")


@dataclass(frozen=True)
class CappedResults:
    """Solutions as SPARQL TSV, cut after ``max_rows`` rows: the text, its rows, whether cut."""

    tsv: bytes
    rows: int
    truncated: bool


class _Enough(Exception):
    """Raised by :class:`_LineSink` to stop Oxigraph once the row cap is passed."""


class _LineSink:
    """A binary file that keeps what Oxigraph writes and stops it after ``lines`` lines.

    SPARQL TSV has one header line, then one line per solution (newlines inside literals are
    escaped), so counting ``\n`` counts rows.
    """

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.seen = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        room = self.lines - self.seen
        count = chunk.count(b"\n")
        if not chunk or count < room or (count == room and chunk.endswith(b"\n")):
            self.parts.append(chunk)
            self.seen += count
            return len(chunk)
        # Something follows the last line we keep: cut after it and stop the query.
        cut = -1
        for _ in range(room):
            cut = chunk.index(b"\n", cut + 1)
        self.parts.append(chunk[: cut + 1])
        self.seen = self.lines
        raise _Enough

    def flush(self) -> None:
        """Nothing to flush: the parts stay in memory."""


def capped_tsv(result: ox.QuerySolutions, max_rows: int) -> CappedResults:
    """Serialise solutions as SPARQL TSV in Oxigraph (Rust), keeping the first ``max_rows``.

    Evaluation stops as soon as row ``max_rows + 1`` is written. TSV is the one results
    format with a row per line; the worker turns it into the negotiated format by parsing it
    back in Oxigraph, which is lossless and much faster than building rows in Python.

    >>> store = ox.Store()
    >>> for i in range(3):
    ...     store.add(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"),
    ...                       ox.Literal("a\\nb")))
    >>> capped = capped_tsv(store.query("SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s"), 2)
    >>> capped.rows, capped.truncated
    (2, True)
    >>> capped.tsv.decode().splitlines()[1]
    '<http://e/0>\\t"a\\\\nb"'
    """
    sink = _LineSink(max_rows + 1)
    truncated = False
    try:
        result.serialize(cast("IO[bytes]", sink), format=ox.QueryResultsFormat.TSV)
    except _Enough:
        truncated = True
    return CappedResults(b"".join(sink.parts), max(sink.seen - 1, 0), truncated)


def _prefixes_for(name: str) -> dict[str, str] | None:
    return dict(PREFIXES) if name in ("turtle", "rdfxml") else None


_HEADER = struct.Struct(">I")
#: Times a job is sent again after the pool killed its worker for another job's timeout.
RESENDS = 3
#: Seconds one request may take past the timeout, its wait for a slot and every re-send
#: together: the least run a query that got its slot at the timeout's end is given.
GRACE = 1.0
#: Most seconds an abandoned job runs before it may be stopped (a quarter of the timeout
#: when that is less): see :meth:`QueryPool.run_async`.
STOP_AFTER = 5.0


def send_frame(sock: socket.socket, payload: bytes) -> None:
    """Send one message: its length (4 bytes, big-endian), then its bytes."""
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        if deadline is not None:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError("the other end closed the connection")
        got += n
    return buffer


def recv_frame(sock: socket.socket, *, deadline: float | None = None) -> bytes:
    """Receive one message sent by :func:`send_frame`; ``TimeoutError`` past ``deadline``
    (a :func:`time.monotonic` time), ``EOFError`` when the other end has closed.

    A plain socket with a timeout waits in one ``poll`` inside the socket module, where
    ``multiprocessing.connection`` built a selector per wait (a tenth of a lookup's cost).

    >>> a, b = socket.socketpair()
    >>> send_frame(a, b"ready")
    >>> recv_frame(b, deadline=time.monotonic() + 1)
    b'ready'
    >>> a.close(); b.close()
    """
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size, deadline))
    return bytes(_recv_exactly(sock, size, deadline))


class _FrameReader:
    """A frame read from a non-blocking socket in as many steps as its bytes come in."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray(_HEADER.size)
        self.got = 0
        self.header = True

    def step(self) -> bytes | None:
        """Read what has come: the whole frame once it is in, else ``None``."""
        while True:
            view = memoryview(self.buffer)[self.got :]
            try:
                n = self.sock.recv_into(view) if len(view) else 0
            except BlockingIOError:
                return None
            if len(view) and n == 0:
                raise EOFError("the other end closed the connection")
            self.got += n
            if self.got < len(self.buffer):
                continue
            if not self.header:
                return bytes(self.buffer)
            (size,) = _HEADER.unpack(self.buffer)
            self.buffer = bytearray(size)
            self.got = 0
            self.header = False
            if size == 0:
                return b""


class ClientGone(Exception):
    """The client of a query went away, and the query was stopped or never sent
    (:meth:`QueryPool.run_async`)."""


#: Seconds between checks of whether an abandoned query may be stopped yet.
GONE_CHECK = 0.25


async def recv_frame_async(
    sock: socket.socket,
    *,
    deadline: float,
    gone: asyncio.Future[Any] | None = None,
    stop: Callable[[], bool] = lambda: True,
) -> bytes:
    """:func:`recv_frame` on the running event loop, for a non-blocking socket: the loop
    watches it and reads each part as it comes; ``TimeoutError`` past ``deadline``.

    Once ``gone`` is done, ``stop()`` is asked at once and then every :data:`GONE_CHECK`
    seconds while the frame has not come; when it answers true (having stopped the sender),
    :class:`ClientGone` is raised. A frame that has already come is read first and returned.
    """
    reader = _FrameReader(sock)
    frame = reader.step()
    if frame is not None:
        return frame
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bytes] = loop.create_future()
    pending: list[asyncio.TimerHandle] = []  # the next check, once the client is gone

    def readable() -> None:
        if done.done():
            return
        try:
            got = reader.step()
        except (EOFError, OSError) as exc:
            done.set_exception(exc)
            return
        if got is not None:
            done.set_result(got)

    def late() -> None:
        if not done.done():
            done.set_exception(TimeoutError())

    def check() -> None:
        readable()  # an answer already here is kept, and its worker spared
        if done.done():
            return
        if stop():
            done.set_exception(ClientGone())
        else:
            pending[:] = [loop.call_later(GONE_CHECK, check)]

    def left(_: object) -> None:
        check()

    fd = sock.fileno()
    loop.add_reader(fd, readable)
    timer = loop.call_later(max(deadline - time.monotonic(), 0), late)
    if gone is not None:
        gone.add_done_callback(left)
    try:
        return await done
    finally:
        loop.remove_reader(fd)
        timer.cancel()
        for handle in pending:
            handle.cancel()
        if gone is not None:
            gone.remove_done_callback(left)


def _exit_with_parent(parent: int, *, every: float = 1.0) -> None:
    """End this worker when the server process that started it is gone, even mid-query.

    A worker whose server dies between jobs sees end-of-file and returns; one in the middle of
    a long query would otherwise run it to the end. Oxigraph releases the GIL while it
    evaluates, so this thread runs meanwhile.
    """
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _open(path: str) -> ox.Store:
    """Open the store read-only, retrying while a writer moves its files
    (:mod:`mofkg.api.shared`)."""
    return open_store(Path(path), read_only=True).oxigraph


class _SharedStore:
    """A worker's read-only open of the store, reopened for jobs of a newer generation."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.store = _open(path)
        self.seen = 0
        self.lock = threading.Lock()

    def at(self, generation: int) -> ox.Store:
        """The store as of ``generation`` or later."""
        if generation <= self.seen:
            return self.store
        with self.lock:
            if generation > self.seen:
                self.store = _open(self.path)
                self.seen = generation
            return self.store


def _answer(
    shared: _SharedStore, generation: int, job: QueryJob, memory_limit: int = 0
) -> QueryOutcome:
    try:
        store = shared.at(generation)
    except MofkgError as exc:  # answered, so the server does not wait out the timeout
        return QueryOutcome(error_kind="BusyError", error=f"the store could not be reopened: {exc}")
    try:
        return run_job(store, job)
    except MemoryError:  # Python's side ran out (Oxigraph's side aborts the worker)
        return QueryOutcome(error_kind="OutOfMemoryError", error=out_of_memory(memory_limit))


def _serve(shared: _SharedStore, conn: socket.socket, memory_limit: int = 0) -> None:
    """One thread of a worker: answer the jobs that come on ``conn`` until it closes."""
    while True:
        try:
            generation, job = pickle.loads(recv_frame(conn))
        except (EOFError, OSError):
            return
        outcome = _answer(shared, generation, job, memory_limit)
        send_frame(conn, pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))


#: What a query that ran out of its worker's memory is answered (:func:`out_of_memory`).
OUT_OF_MEMORY = "the query ran out of memory and was stopped"


def out_of_memory(limit: int) -> str:
    """The message for a query past a worker's memory ``limit`` (bytes; 0 for none).

    >>> out_of_memory(300 * 1024**2)
    'the query ran out of memory and was stopped (the limit is 300 MiB per query worker)'
    """
    if not limit:
        return OUT_OF_MEMORY
    return f"{OUT_OF_MEMORY} (the limit is {describe_bytes(limit)} per query worker)"


def worker_main(path: str, conns: list[socket.socket], *, memory_limit: int = 0) -> None:
    """A worker: open the store read-only, then a thread per connection answers its jobs.

    ``memory_limit`` (bytes, 0 for none) caps the worker's memory (:mod:`mofkg.api.limits`).
    """
    if memory_limit:
        limit_memory(memory_limit)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    shared = _SharedStore(path)
    try:
        for conn in conns:
            send_frame(conn, b"ready")
    except OSError:  # the pool closed (or gave up on this worker) while it started
        return
    threads = [
        threading.Thread(target=_serve, args=(shared, c, memory_limit), daemon=True) for c in conns
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@dataclass(eq=False)
class _Process:
    """A worker process, and whether it is gone (and if so, whether a timeout killed it)."""

    popen: subprocess.Popen[bytes]
    conns: list[socket.socket]
    dead: bool = False
    #: Killed by the pool (a timeout, a cancelled run): its other jobs are sent again.
    stopped: bool = False


@dataclass(eq=False)
class _Slot:
    """One thread of a worker process, reached through its own connection."""

    process: _Process
    conn: socket.socket


class QueryPool:
    """``size`` query slots in worker processes of ``threads`` threads, killable on timeout.

    Workers are plain subprocesses (``python -m mofkg.api.query_worker``) joined by a socket pair
    per thread, so nothing depends on how the server's own ``__main__`` was started.
    """

    def __init__(
        self,
        path: Path,
        *,
        size: int,
        timeout: float,
        threads: int | None = None,
        memory_limit: int | None = None,
    ) -> None:
        self.path = path
        #: Bytes each worker process may take (:mod:`mofkg.api.limits`); None for no cap.
        self.memory_limit = memory_limit
        self.size = size
        self.threads = min(threads or size, size)
        self.timeout = timeout
        #: Seconds an abandoned job runs before it may be stopped (:meth:`run_async`).
        self.stop_after = min(STOP_AFTER, timeout / 4)
        self.generation = 0
        self._idle: queue.Queue[_Slot] = queue.Queue()
        self._closed = False
        # Threads in which event loops wait for this pool's next idle slot.
        self._waiters = ThreadPoolExecutor(max(size, 2), thread_name_prefix="mofkg-slot-wait")
        self._processes: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        counts = [self.threads] * (size // self.threads)
        if size % self.threads:
            counts.append(size % self.threads)
        starters = [threading.Thread(target=self._start_worker, args=(n,)) for n in counts]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if self._idle.qsize() < size:
            self.close()
            raise MofkgError(f"{self.path}: the query workers could not open the store")

    def _start_worker(self, threads: int) -> None:
        try:
            self._add_worker(threads)
        except (MofkgError, OSError) as exc:
            log.error("a query worker failed to start: %s", exc)

    def _add_worker(self, threads: int) -> None:
        pairs = [socket.socketpair() for _ in range(threads)]
        ours = [a for a, _ in pairs]
        theirs = [b for _, b in pairs]
        try:
            popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mofkg.api.query_worker",
                    str(self.path.absolute()),
                    str(self.memory_limit or 0),
                    *(str(b.fileno()) for b in theirs),
                ],
                pass_fds=[b.fileno() for b in theirs],
            )
        except OSError:
            for a in ours:
                a.close()
            raise
        finally:
            for b in theirs:
                b.close()
        process = _Process(popen, ours)
        deadline = time.monotonic() + 30
        try:
            ready = all(recv_frame(a, deadline=deadline) == b"ready" for a in ours)
        except (TimeoutError, EOFError, OSError):
            ready = False
        if not ready:
            self._kill(process)
            raise MofkgError(f"{self.path}: a query worker could not open the store")
        with self._lock:
            if self._closed:
                self._kill(process)
                return
            self._processes[popen.pid] = popen
        for conn in ours:
            self._idle.put(_Slot(process, conn))

    @staticmethod
    def _kill(process: _Process, *, close: bool = True) -> None:
        """Kill a worker; ``close=False`` leaves its sockets to their slots' holders.

        A job waiting on a slot's socket then sees the end of the stream (the worker's end
        closed as it died) and goes on from there; had the socket been closed under it, a
        thread would get an error at once but an event loop would watch a dead descriptor
        until the deadline.
        """
        process.dead = True
        process.popen.kill()
        process.popen.wait()
        if close:
            for conn in process.conns:
                conn.close()

    def stored_changed(self) -> None:
        """Tell the workers the store was written: they reopen it before their next query."""
        with self._lock:
            self.generation += 1

    def run(self, job: QueryJob) -> QueryOutcome:
        """Run a job on an idle slot, killing its worker if it overruns the timeout.

        The wait for an idle slot has the timeout (503 after it); the run has the timeout,
        but the whole request, waits and re-sends included, ends :data:`GRACE` seconds
        after the timeout at the latest (504): a query that waited for its slot still gets
        its time up to then. A job whose worker was killed for another job's timeout is
        sent again, up to :data:`RESENDS` times, within that time.
        """
        resent = 0
        started = time.monotonic()
        while True:
            slot = self._take(started + self.timeout + (GRACE if resent else 0))
            deadline = self._deadline(slot, started)
            try:
                self._send(slot, job, deadline)
                outcome: QueryOutcome = pickle.loads(recv_frame(slot.conn, deadline=deadline))
            except (EOFError, OSError) as exc:  # TimeoutError is an OSError
                self._failed(slot, exc, resent)
                resent += 1
                continue
            self._idle.put(slot)
            return outcome

    def _deadline(self, slot: _Slot, started: float) -> float:
        """When a job sent now on ``slot`` must have answered: its timeout, but no later than
        the request's end (:data:`GRACE`); 504 (the slot given back) when that has come."""
        now = time.monotonic()
        last = started + self.timeout + GRACE
        if now >= last:
            self._idle.put(slot)
            raise QueryTimeoutError(
                f"the query could not finish within the {self.timeout:g} s timeout: its "
                "worker was stopped for other queries' timeouts; try again later"
            )
        return min(now + self.timeout, last)

    async def run_async(
        self, job: QueryJob, *, gone: asyncio.Future[Any] | None = None
    ) -> QueryOutcome:
        """:meth:`run` on the running event loop, which watches the worker's socket.

        Waiting for a slot when none is idle happens in a thread. A run cancelled while its
        worker answers (at shutdown, or by a caller's own time limit) replaces the worker,
        whose answer would otherwise come later on the slot's socket and be read as the next
        job's; the other jobs of that worker are sent again.

        ``gone`` is done when the client goes away (Granian does not cancel its request).
        A job not sent yet is then not sent. A job under way is stopped (its worker
        replaced, :class:`ClientGone` raised) once it has run :attr:`stop_after` seconds and
        is the only job on its worker, so an abandoned query does not hold its slot until
        the timeout. Not sooner: a restart leaves the worker's slots idle for about 0.3 s,
        and a client hanging up at once on cheap queries would keep the workers
        restarting. Not while the worker runs other jobs: they would start over.
        """
        resent = 0
        started = time.monotonic()
        while True:
            slot = await self._take_async(started + self.timeout + (GRACE if resent else 0))
            if slot.process.dead:
                slot.conn.close()
                continue
            if gone is not None and gone.done():
                self._idle.put(slot)
                raise ClientGone()
            sent = time.monotonic()
            deadline = self._deadline(slot, started)
            try:
                self._send(slot, job, deadline)
                slot.conn.settimeout(0)  # the loop reads it only when it is readable
                frame = await recv_frame_async(
                    slot.conn,
                    deadline=deadline,
                    gone=gone,
                    stop=partial(self._stop_abandoned, slot, sent),
                )
                outcome: QueryOutcome = pickle.loads(frame)
            except (EOFError, OSError) as exc:
                self._failed(slot, exc, resent)
                if gone is not None and gone.done():
                    raise ClientGone() from None  # nobody is left to send it again for
                resent += 1
                continue
            except BaseException:  # cancelled, gone, or else: the answer may still come
                self._replace(slot.process, stopped=True)
                slot.conn.close()
                raise
            self._idle.put(slot)
            return outcome

    def _stop_abandoned(self, slot: _Slot, sent: float) -> bool:
        """Stop the worker of an abandoned job if the job has run :attr:`stop_after` seconds
        and every other slot of its worker is idle; whether it was stopped."""
        if time.monotonic() - sent < self.stop_after:
            return False
        idle = sum(1 for s in list(self._idle.queue) if s.process is slot.process)
        if idle != len(slot.process.conns) - 1:
            return False
        self._replace(slot.process, stopped=True)
        return True

    async def _take_async(self, deadline: float) -> _Slot:
        """An idle slot; when there is none, one waited for in a thread (:meth:`_take`)."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        waiting = self._waiters.submit(self._take, deadline)
        try:
            return await asyncio.wrap_future(waiting)
        except asyncio.CancelledError:
            # The thread may still take a slot after the cancel: it goes back to the idle.
            waiting.add_done_callback(self._give_back)
            raise

    def _give_back(self, waiting: Future[_Slot]) -> None:
        if waiting.cancelled() or waiting.exception() is not None:
            return
        slot = waiting.result()
        if self._closed:
            slot.conn.close()
        else:
            self._idle.put(slot)

    def _send(self, slot: _Slot, job: QueryJob, deadline: float) -> None:
        """Send a job; it waits only while the worker reads it (the socket's buffer is full)."""
        slot.conn.settimeout(max(deadline - time.monotonic(), 0.001))
        send_frame(slot.conn, pickle.dumps((self.generation, job), pickle.HIGHEST_PROTOCOL))

    def _failed(self, slot: _Slot, exc: EOFError | OSError, resent: int) -> None:
        """After a job's exchange failed: return to send it again, or raise its error.

        Either way the slot is done with: its worker is (or is now) dead.
        """
        slot.conn.close()
        if isinstance(exc, TimeoutError):
            self._replace(slot.process, stopped=True)
            raise QueryTimeoutError(
                f"the query ran longer than the {self.timeout:g} s timeout and was stopped"
            ) from None
        if slot.process.stopped:  # the pool killed the worker for another job
            if resent < RESENDS:
                return  # run this one again
            raise BusyError(
                f"the query was stopped {resent + 1} times because other queries on its "
                "worker overran the timeout; try again later"
            ) from None
        status = _exit_status(slot.process.popen)
        log.error("query worker %s died (exit status %s): %s", slot.process.popen.pid, status, exc)
        self._replace(slot.process, stopped=False)
        if self.memory_limit and status in OUT_OF_MEMORY_STATUSES:
            raise OutOfMemoryError(out_of_memory(self.memory_limit)) from None
        raise QueryError("the query worker died while running the query") from exc

    def _take(self, deadline: float) -> _Slot:
        """An idle slot of a live worker, waiting until ``deadline`` (503 after it)."""
        while True:
            try:
                slot = self._idle.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise BusyError(
                    f"every query worker stayed busy for {self.timeout:g} s; try again later"
                ) from None
            if not slot.process.dead:
                return slot
            slot.conn.close()

    def _replace(self, process: _Process, *, stopped: bool) -> None:
        """Kill a worker (once, whoever asks first) and start another in its place."""
        with self._lock:
            if process.dead:
                return
            process.stopped = stopped
            process.dead = True
            self._processes.pop(process.popen.pid, None)
            closed = self._closed
        self._kill(process, close=False)
        if not closed:
            threads = len(process.conns)
            threading.Thread(target=self._start_worker, args=(threads,), daemon=True).start()

    def close(self) -> None:
        """Stop every worker."""
        self._waiters.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._closed = True
            processes = list(self._processes.values())
            self._processes.clear()
        for popen in processes:
            popen.kill()
            popen.wait()
        while not self._idle.empty():
            self._idle.get_nowait().conn.close()


def _exit_status(popen: subprocess.Popen[bytes]) -> int | None:
    """A dead worker's exit status, waiting a moment for it (its socket closed as it died)."""
    try:
        return popen.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return None


def main(argv: list[str]) -> None:
    """Entry point of a worker process:
    ``python -m mofkg.api.query_worker STORE MEMORY_LIMIT FD [FD ...]`` (the limit 0 for none)."""
    conns = [socket.socket(fileno=int(fd)) for fd in argv[2:]]
    worker_main(argv[0], conns, memory_limit=int(argv[1]))


if __name__ == "__main__":
    # Run the module's own copy, so pickled jobs and outcomes name mofkg.api.query_worker.
    from mofkg.api.query_worker import main as module_main

    module_main(sys.argv[1:])
