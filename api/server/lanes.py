"""The Python lane of a server process: how many request threads run Python at once.

A server process answers plain lookups on its event loop and everything else (pages, the
JSON API, validations, writes) in request threads (:mod:`.front`). They share one GIL: a
thread that wants it waits up to the switch interval (5 ms) and then asks its holder to let
go, but when several threads ask, any of them may get it, so the event loop waited about
5 ms per other busy thread at each of the few steps of a lookup. Under a mix of pages,
the JSON API and validations its 99th percentile was 50-160x an idle server's
(docs/reliability.md, "Soak").

So a request thread runs Python only while it holds the lane (the setting
``request_lanes``, default 1: one thread per process at a time); the others wait on a
lock, which costs no GIL, and the event loop competes with at most ``request_lanes``
threads. A thread gives the lane up while it waits on something else (a request body
coming, its answer being sent, a query worker, the writers' locks; :meth:`Lane.waiting`),
so a slow client, a long query or another write holds no lane. No lock is waited for while
holding the lane, so no thread waits for the lane while holding a lock its holder needs;
should that ever happen, a thread that has waited :data:`RECLAIM` seconds to take the lane
back goes on beside it, and says so in the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: Seconds a thread waits to take the lane back after a wait (then it runs beside it).
RECLAIM = 30.0


class Lane:
    """At most ``size`` threads in :meth:`held` at once (a thread's own waits excepted).

    >>> lane = Lane(1)
    >>> with lane.held():
    ...     lane.holding(), lane.free()
    (True, 0)
    >>> lane.free()
    1
    """

    def __init__(self, size: int, *, reclaim: float = RECLAIM) -> None:
        self.size = size
        self.reclaim = reclaim
        self._slots = threading.BoundedSemaphore(size)
        self._local = threading.local()

    def holding(self) -> bool:
        """Whether the calling thread holds the lane."""
        return bool(getattr(self._local, "held", False))

    def free(self) -> int:
        """How many threads could take the lane now (for tests and diagnostics)."""
        return self._slots._value  # noqa: SLF001 - read-only look at the semaphore

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block holding the lane (waiting for it first); nested calls hold it once."""
        if self.holding():
            yield
            return
        self._slots.acquire()
        self._local.held = True
        try:
            yield
        finally:
            if self._local.held:
                self._local.held = False
                self._slots.release()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Give the lane up for the block (a wait on I/O or on another process), then take
        it back (within :attr:`reclaim` seconds, or go on beside it)."""
        if not self.holding():
            yield
            return
        self._local.held = False
        self._slots.release()
        try:
            yield
        finally:
            if self._slots.acquire(timeout=self.reclaim):
                self._local.held = True
            else:
                log.warning(
                    "a request thread waited %g s to take the Python lane back; it goes on "
                    "beside it",
                    self.reclaim,
                )
