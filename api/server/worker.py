"""A query worker process: it opens the store read-only and answers jobs, a thread per socket.

Started by :class:`mofkg.api.server.pool.QueryPool` as
``python -m mofkg.api.server.worker STORE MEMORY_LIMIT FD [FD ...]``; each thread reads a
pickled ``(generation, job)`` frame, runs it (:func:`mofkg.api.server.queries.run_job`) and
answers the pickled :class:`~mofkg.api.server.queries.QueryOutcome`. The store is reopened
before a job of a newer generation (a write happened meanwhile).
"""

from __future__ import annotations

import os
import pickle
import socket
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from mofkg.graphstore.errors import MofkgError

from .frames import recv_frame, send_frame
from .limits import describe_bytes, limit_memory
from .queries import QueryJob, QueryOutcome, run_job
from .shared import open_store


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
    (:mod:`mofkg.api.server.shared`)."""
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

    ``memory_limit`` (bytes, 0 for none) caps the worker's memory (:mod:`mofkg.api.server.limits`).
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


def main(argv: list[str]) -> None:
    """Entry point of a worker process:
    ``python -m mofkg.api.server.worker STORE MEMORY_LIMIT FD [FD ...]`` (the limit 0 for none)."""
    conns = [socket.socket(fileno=int(fd)) for fd in argv[2:]]
    worker_main(argv[0], conns, memory_limit=int(argv[1]))


if __name__ == "__main__":
    # Run the module under its own name, as the pool and the tests know it.
    from mofkg.api.server.worker import main as module_main

    module_main(sys.argv[1:])
