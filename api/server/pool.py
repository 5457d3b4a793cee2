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
import concurrent.futures
import logging
import pickle
import queue
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from mofkg.graphstore.errors import MofkgError, QueryError, QueryTimeoutError

from ..errors import BusyError, OutOfMemoryError
from .frames import ClientGone, recv_frame, recv_frame_async, send_frame
from .limits import OUT_OF_MEMORY_STATUSES
from .queries import QueryJob, QueryOutcome
from .worker import out_of_memory

log = logging.getLogger(__name__)

#: Why a run was refused or cut short by a pool that has been closed.
STOPPED = "the query workers have stopped (the server is shutting down); try again later"
#: What tells a run that its client went away: a future on the running loop or any thread's.
Gone = asyncio.Future[Any] | concurrent.futures.Future[Any]

#: Times a job is sent again after the pool killed its worker for another job's timeout.
RESENDS = 3
#: Seconds one request may take past the timeout, its wait for a slot and every re-send
#: together: the least run a query that got its slot at the timeout's end is given.
GRACE = 1.0
#: Most seconds an abandoned job runs before it may be stopped (a quarter of the timeout
#: when that is less): see :meth:`QueryPool.run_async`.
STOP_AFTER = 5.0


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


class SyncRuns:
    """The sync side of a pool whose runs are coroutines (:meth:`run_async`): :meth:`run`
    waits for one on the pool's own event loop, started in a thread of its own at the first
    call. Shared by :class:`QueryPool` and :class:`mofkg.api.server.engine.EnginePool`, which
    set ``timeout``, ``_lock``, ``_closed`` and ``_loop``."""

    #: The name of the event loop's thread.
    LOOP_THREAD = "mofkg-query-pool"
    timeout: float
    _lock: threading.Lock
    _closed: bool
    _loop: asyncio.AbstractEventLoop | None

    async def run_async(self, job: QueryJob, *, gone: Gone | None = None) -> QueryOutcome:
        raise NotImplementedError

    def run(self, job: QueryJob, *, gone: Gone | None = None) -> QueryOutcome:
        """:meth:`run_async` for a caller in a thread (a Flask view): the job runs on the
        pool's own event loop (:meth:`_event_loop`) and this thread waits for its outcome.

        ``gone`` (a :class:`concurrent.futures.Future`, done when the client goes away) stops
        the job as it stops :meth:`run_async`'s.
        """
        loop = self._event_loop()
        running = asyncio.run_coroutine_threadsafe(self.run_async(job, gone=gone), loop)
        try:
            # A run ends by GRACE past the timeout, waits included; the margin covers a pool
            # closed meanwhile, whose loop may stop before it ends the run.
            return running.result(timeout=2 * (self.timeout + GRACE) + 5)
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            running.cancel()
            raise BusyError(STOPPED) from None

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The pool's own event loop, in a thread of its own, started at the first call."""
        with self._lock:
            if self._closed:
                raise BusyError(STOPPED)
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=_run_loop, args=(loop,), name=self.LOOP_THREAD, daemon=True
                ).start()
                self._loop = loop
            return self._loop


class QueryPool(SyncRuns):
    """``size`` query slots in worker processes of ``threads`` threads, killable on timeout.

    Workers are plain subprocesses (``python -m mofkg.api.server.worker``) joined by a socket pair
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
        #: Bytes each worker process may take (:mod:`mofkg.api.server.limits`); None for no cap.
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
        self._loop: asyncio.AbstractEventLoop | None = None  # for run(): _event_loop()
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
                    "mofkg.api.server.worker",
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

    async def run_async(self, job: QueryJob, *, gone: Gone | None = None) -> QueryOutcome:
        """Run a job on an idle slot, killing its worker if it overruns the timeout; the
        running event loop watches the worker's socket.

        The wait for an idle slot has the timeout (503 after it); the run has the timeout,
        but the whole request, waits and re-sends included, ends :data:`GRACE` seconds
        after the timeout at the latest (504): a query that waited for its slot still gets
        its time up to then. A job whose worker was killed for another job's timeout is
        sent again, up to :data:`RESENDS` times, within that time.

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
        if isinstance(gone, concurrent.futures.Future):
            gone = asyncio.wrap_future(gone)
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
            loop, self._loop = self._loop, None
            if loop is not None and not loop.is_closed():
                # Closed twice (by its owner, then at exit): the loop is stopped once.
                asyncio.run_coroutine_threadsafe(_stop_loop(), loop)
            processes = list(self._processes.values())
            self._processes.clear()
        for popen in processes:
            popen.kill()
            popen.wait()
        while not self._idle.empty():
            self._idle.get_nowait().conn.close()


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The pool's own loop, run in its thread until the pool closes, then closed."""
    try:
        loop.run_forever()
    finally:
        loop.close()


async def _stop_loop() -> None:
    """Cancel the runs on the pool's own loop (their callers get an error), then stop it."""
    loop = asyncio.get_running_loop()
    tasks = [task for task in asyncio.all_tasks(loop) if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    loop.stop()


def _exit_status(popen: subprocess.Popen[bytes]) -> int | None:
    """A dead worker's exit status, waiting a moment for it (its socket closed as it died)."""
    try:
        return popen.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return None
