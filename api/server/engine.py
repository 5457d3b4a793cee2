"""Queries answered by ``oxigraph serve-read-only``: the query worker at engine speed.

With the setting ``query_workers = "engine"`` each server process starts one Oxigraph
server (the ``oxigraph`` command of the PyPI package ``oxigraph``) on the store, read-only,
bound to a free port of the loopback interface, and sends it the queries that need a worker
over HTTP (:mod:`.engine_http`). Everything else stays in the front: parsing the request,
the policy (SERVICE, LOAD, FROM), the token, bounded queries, the row cap (counted as the
answer streams in), the formats, the union default graph (asked for per query), and the
timeout, which really stops the work: an HTTP client going away does not stop Oxigraph, so
a query that runs past the timeout has its engine killed and a new one started, and the
other queries it was running are sent again to the new one (up to :data:`RESENDS` times,
within their own time left), as :class:`mofkg.api.server.pool.QueryPool` does with its
worker processes.

A read-only open sees the store as it was when it opened it: after a write (the pool is told
by :meth:`EnginePool.stored_changed`) the next query starts a new engine, and the old one
ends when its last query has. An engine that dies on its own (killed, out of memory) is
started again and its queries are answered 503.

The engine is a server without the front's safety: it listens on 127.0.0.1 only, and opens
the store the public endpoint serves, read-only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from mofkg.graphstore.errors import MofkgError, QueryTimeoutError, SettingsError

from ..errors import BusyError, OutOfMemoryError
from .engine_http import EngineGone, close_when_done, exchange, outcome, quiet, request_bytes
from .frames import GONE_CHECK, ClientGone
from .limits import OUT_OF_MEMORY_STATUSES
from .pool import GRACE, RESENDS, STOP_AFTER, STOPPED, Gone, SyncRuns, _stop_loop
from .queries import QueryJob, QueryOutcome
from .worker import out_of_memory

log = logging.getLogger(__name__)

#: Seconds an engine may take to start listening.
START_TIMEOUT = 30.0
#: Idle connections kept open to an engine, and for how many seconds at most: Oxigraph's
#: server ends an idle connection after a while, answering it 408 as it does.
KEEP_IDLE = 16
KEEP_FOR = 5.0


def engine_command(*, path: str | None = None) -> str:
    """The ``oxigraph`` command: beside this Python's executable (a venv), else on PATH
    (``path`` instead of PATH, and nothing beside, when given)."""
    beside = Path(sys.executable).parent / "oxigraph"
    if path is None and beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph", path=path)
    if found is None:
        raise SettingsError(
            "query_workers = 'engine' needs the `oxigraph` command (pip install oxigraph); "
            "it is neither beside this Python nor on PATH"
        )
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(eq=False)
class Engine:
    """One ``oxigraph serve-read-only`` process, and what the pool knows of it."""

    popen: subprocess.Popen[bytes]
    port: int
    generation: int
    running: int = 0
    #: Killed by the pool (a timeout, an abandoned query): its queries are sent again.
    stopped: bool = False
    #: A newer engine has taken its place: it ends when its last query has.
    retired: bool = False
    #: Kept connections, each with the time it was last used.
    idle: list[tuple[socket.socket, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def dead(self) -> bool:
        return self.stopped or self.popen.poll() is not None

    def close(self) -> None:
        """Kill the process and close its idle connections."""
        self.popen.kill()
        self.popen.wait()
        with self.lock:
            idle, self.idle = self.idle, []
        for sock, _ in idle:
            sock.close()

    def kept(self) -> socket.socket | None:
        """A kept connection that is fresh and has nothing waiting on it, if there is one
        (the others are closed)."""
        while True:
            with self.lock:
                if not self.idle:
                    return None
                sock, since = self.idle.pop()
            if time.monotonic() - since < KEEP_FOR and quiet(sock):
                return sock
            sock.close()


class EnginePool(SyncRuns):
    """Up to ``size`` queries at once on one read-only Oxigraph server; the same calls as
    :class:`mofkg.api.server.pool.QueryPool`."""

    LOOP_THREAD = "mofkg-engine-pool"

    def __init__(
        self,
        path: Path,
        *,
        size: int,
        timeout: float,
        memory_limit: int | None = None,
        command: str | None = None,
    ) -> None:
        self.path = path
        self.size = size
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.command = command or engine_command()
        self.stop_after = min(STOP_AFTER, timeout / 4)
        self.generation = 0
        self._slots = threading.Semaphore(size)
        self._lock = threading.Lock()
        self._closed = False
        self._engine: Engine | None = None
        self._retired: list[Engine] = []
        # Engines are started from one long-lived thread, so that nothing of a short-lived
        # thread's ends with it.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="mofkg-engine-start")
        self._waiters = ThreadPoolExecutor(max(size, 2), thread_name_prefix="mofkg-engine-wait")
        self._loop: asyncio.AbstractEventLoop | None = None
        try:
            self._starter.submit(self._current).result()
        except BusyError as exc:
            self.close()
            raise MofkgError(str(exc.__cause__ or exc)) from exc

    # -- engines ---------------------------------------------------------------------------

    def _start(self, generation: int) -> Engine:
        """Start an engine on a free loopback port and wait until it accepts connections."""
        deadline = time.monotonic() + START_TIMEOUT
        last = "it did not start"
        for _ in range(5):  # another program may take the free port first
            port = _free_port()
            errors = tempfile.TemporaryFile()  # noqa: SIM115 - read if it fails to start
            popen = subprocess.Popen(
                [
                    self.command,
                    "serve-read-only",
                    "--location",
                    str(self.path.absolute()),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            self._limit(popen.pid)
            while time.monotonic() < deadline and popen.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                except OSError:
                    time.sleep(0.01)
                    continue
                errors.close()
                return Engine(popen, port, generation)
            popen.kill()
            popen.wait()
            errors.seek(0)
            # Its first line says what went wrong (a backtrace may follow).
            said = errors.read().decode("utf-8", "replace").strip().split("\n")[0][:300]
            errors.close()
            last = said or f"exit status {popen.returncode}"
            if time.monotonic() >= deadline:
                break
        raise MofkgError(f"{self.path}: the query engine (oxigraph serve-read-only) failed: {last}")

    def _limit(self, pid: int) -> None:
        """Cap the engine's memory as a query worker's (:mod:`.limits`)."""
        if not self.memory_limit:
            return
        try:
            _, hard = resource.prlimit(pid, resource.RLIMIT_DATA)
            soft = (
                self.memory_limit
                if hard == resource.RLIM_INFINITY
                else min(self.memory_limit, hard)
            )
            resource.prlimit(pid, resource.RLIMIT_DATA, (soft, hard))
        except (OSError, ValueError) as exc:  # it died at once: its start fails anyway
            log.warning("could not cap the query engine's memory: %s", exc)

    def _current(self) -> Engine:
        """The engine for the current generation, started if there is none (in the starter)."""
        with self._lock:
            if self._closed:
                raise BusyError(STOPPED)
            engine = self._engine
            generation = self.generation
        if engine is not None and not engine.dead and engine.generation == generation:
            return engine
        try:
            fresh = self._start(generation)
        except MofkgError as exc:  # the server's condition, not the request's: 503
            log.error("%s", exc)
            raise BusyError("the query engine could not be started; try again later") from exc
        with self._lock:
            old, self._engine = self._engine, fresh
            closed = self._closed
        if old is not None:
            self._retire(old)
        if closed:
            fresh.close()
            raise BusyError(STOPPED)
        return fresh

    def _retire(self, engine: Engine) -> None:
        with engine.lock:
            engine.retired = True
            busy = engine.running > 0 and not engine.dead
        if not busy:
            engine.close()
            return
        with self._lock:  # closed by its last query, or by close()
            self._retired = [e for e in self._retired if e.popen.returncode is None]
            self._retired.append(engine)

    async def _engine_async(self) -> Engine:
        engine = self._engine
        if engine is not None and not engine.dead and engine.generation == self.generation:
            return engine
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._starter, self._current)

    def stored_changed(self) -> None:
        """The store was written: the next query starts a new engine, which sees it."""
        with self._lock:
            self.generation += 1

    def _stop(self, engine: Engine) -> None:
        """Kill an engine whose query overran (its other queries are sent again)."""
        with engine.lock:
            if engine.stopped:
                return
            engine.stopped = True
        engine.close()

    # -- runs ------------------------------------------------------------------------------

    async def run_async(self, job: QueryJob, *, gone: Gone | None = None) -> QueryOutcome:
        """Run a job on the engine within the timeout (504 past it, the engine restarted);
        503 when no slot frees within the timeout or the engine died under the query.

        ``gone`` (done when the client went away) stops a job not yet sent; one under way is
        stopped, its engine restarted, once it has run :attr:`stop_after` seconds and is the
        only query on its engine.
        """
        if isinstance(gone, concurrent.futures.Future):
            gone = asyncio.wrap_future(gone)
        started = time.monotonic()
        last = started + self.timeout + GRACE
        await self._acquire(started + self.timeout)
        try:
            resent = stale = 0
            while True:
                if gone is not None and gone.done():
                    raise ClientGone()
                now = time.monotonic()
                if now >= last:
                    raise QueryTimeoutError(
                        f"the query could not finish within the {self.timeout:g} s timeout: "
                        "its engine was stopped for other queries' timeouts; try again later"
                    )
                engine = await self._engine_async()
                try:
                    return await self._on(engine, job, min(now + self.timeout, last), gone)
                except EngineGone as exc:
                    if not engine.stopped and await self._alive(engine):
                        # The engine had closed a kept connection: once more on a new one.
                        self._drop_idle(engine)
                        stale += 1
                        if stale <= 1:
                            continue
                    if not engine.stopped:
                        raise self._died(engine, exc) from None
                    if resent >= RESENDS:
                        raise BusyError(
                            f"the query was stopped {resent + 1} times because other queries "
                            "on its engine overran the timeout; try again later"
                        ) from None
                    resent += 1
        finally:
            self._slots.release()

    async def _acquire(self, deadline: float) -> None:
        """A query slot, waited for in a thread when none is free (503 past ``deadline``)."""
        if self._slots.acquire(blocking=False):
            return
        waiting = self._waiters.submit(
            self._slots.acquire, True, max(deadline - time.monotonic(), 0)
        )
        try:
            got = await asyncio.wrap_future(waiting)
        except asyncio.CancelledError:
            waiting.add_done_callback(
                lambda w: self._slots.release() if not w.cancelled() and w.result() else None
            )
            raise
        if not got:
            raise BusyError(f"every query slot stayed busy for {self.timeout:g} s; try again later")

    async def _on(
        self, engine: Engine, job: QueryJob, deadline: float, gone: asyncio.Future[Any] | None
    ) -> QueryOutcome:
        """One exchange with ``engine``, watched for the deadline and the client going away."""
        with engine.lock:
            engine.running += 1
        sock = engine.kept()
        sent = time.monotonic()
        task: asyncio.Task[tuple[QueryOutcome, bool]] | None = None
        try:
            if sock is None:
                sock = await self._connect(engine)
            task = asyncio.ensure_future(self._ask(sock, engine, job))
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._stop(engine)
                    raise QueryTimeoutError(
                        f"the query ran longer than the {self.timeout:g} s timeout and was stopped"
                    )
                watching = gone is not None and gone.done()
                wait = min(left, GONE_CHECK) if watching else left
                waited: set[asyncio.Future[Any]] = {task}
                if gone is not None and not gone.done():
                    waited.add(gone)
                done, _ = await asyncio.wait(waited, timeout=wait, return_when="FIRST_COMPLETED")
                if task in done:
                    answer, reusable = task.result()
                    if reusable:
                        self._keep(engine, sock)
                        sock = None
                    return answer
                if gone is not None and gone.done() and self._abandon(engine, sent):
                    raise ClientGone()
        finally:
            if task is not None and not task.done():
                # The socket is closed once the task has let go of it.
                task.cancel()
                task.add_done_callback(partial(close_when_done, sock))
            elif sock is not None:
                sock.close()
            with engine.lock:
                engine.running -= 1
                last = engine.running == 0 and engine.retired and not engine.stopped
            if last:
                engine.close()

    def _abandon(self, engine: Engine, sent: float) -> bool:
        """Stop the engine of an abandoned query once it has run :attr:`stop_after` seconds
        and is the only one there (a restart costs the others their work)."""
        if time.monotonic() - sent < self.stop_after or engine.running != 1:
            return False
        self._stop(engine)
        return True

    async def _connect(self, engine: Engine) -> socket.socket:
        sock = socket.socket()
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", engine.port))
        except OSError as exc:
            sock.close()
            raise EngineGone(f"cannot connect to the engine: {exc}") from exc
        return sock

    async def _ask(
        self, sock: socket.socket, engine: Engine, job: QueryJob
    ) -> tuple[QueryOutcome, bool]:
        answer = await exchange(
            sock, request_bytes(job, f"127.0.0.1:{engine.port}"), max_rows=job.max_rows
        )
        return outcome(answer, job), answer.reusable

    async def _alive(self, engine: Engine) -> bool:
        """Whether the engine still runs (a dying one is given a moment to be seen dead)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._waiters, _running, engine.popen)

    @staticmethod
    def _drop_idle(engine: Engine) -> None:
        with engine.lock:
            idle, engine.idle = engine.idle, []
        for sock, _ in idle:
            sock.close()

    def _keep(self, engine: Engine, sock: socket.socket) -> None:
        with engine.lock:
            if not engine.dead and len(engine.idle) < KEEP_IDLE:
                engine.idle.append((sock, time.monotonic()))
                return
        sock.close()

    def _died(self, engine: Engine, exc: Exception) -> MofkgError:
        """The error for a query whose engine died on its own; the next query starts another."""
        status = _exit_status(engine.popen)
        log.error("the query engine %s died (exit status %s): %s", engine.popen.pid, status, exc)
        self._stop(engine)
        if self.memory_limit and status in OUT_OF_MEMORY_STATUSES:
            return OutOfMemoryError(out_of_memory(self.memory_limit))
        return BusyError("the query engine died while running the query and is being restarted")

    def close(self) -> None:
        """Stop the engines."""
        with self._lock:
            self._closed = True
            engine, self._engine = self._engine, None
            loop, self._loop = self._loop, None
            retired, self._retired = self._retired, []
        self._waiters.shutdown(wait=False, cancel_futures=True)
        self._starter.shutdown(wait=False, cancel_futures=True)
        if loop is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(_stop_loop(), loop)
        for old in [engine, *retired]:
            if old is not None:
                old.close()


def _running(popen: subprocess.Popen[bytes]) -> bool:
    try:
        popen.wait(timeout=0.2)
    except subprocess.TimeoutExpired:
        return True
    return False


def _exit_status(popen: subprocess.Popen[bytes]) -> int | None:
    try:
        return popen.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return None
