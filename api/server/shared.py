"""One store served by several server processes: read-only opens, one writer at a time.

RocksDB lets one process open a store for writing and any number open it read-only, each
seeing the store as it was when it opened it. ``mofkg serve`` runs several Granian worker
processes (one Python interpreter each, so they use every core), so every process keeps a
read-only open, and a write goes like this:

1. take the exclusive lock on ``<store>/mofkg-writes`` (``flock``): one writer at a time,
   across processes;
2. open the store for writing, write, flush and close it (about 35 ms in all); when it
   cannot be opened, another program holds it (a ``mofkg load``, say): 503, try again;
3. add one to the *generation*, a counter kept in the same file
   (:class:`mofkg.graphstore.store.generation.StoreGeneration`), and release the lock. The ``mofkg``
   commands that write add one when they end, so a ``mofkg load`` shows too.

Before each request a process compares the generation with the one its open has seen
(a read of eight mapped bytes); when they differ it reopens the store read-only (about
10 ms) and drops what it derived from the old one. RocksDB leaves files it does not
recognise alone, so the lock file can live in the store's folder.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from mofkg.graphstore.errors import MofkgError
from mofkg.graphstore.store.embedded import Store

from ..errors import BusyError

log = logging.getLogger(__name__)

OPEN_ATTEMPTS = 8


def open_store(path: Path, *, read_only: bool) -> Store:
    """Open a store, retrying for up to ~1.4 s while another process opens or closes it.

    A read-only open fails while a writer moves files; a writing open fails while a writer
    in this process has not yet released RocksDB's own lock. The query workers open the
    store through it too.
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return Store(path, read_only=read_only)
        except MofkgError:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def open_writer(path: Path) -> Store:
    """Open the store for a write, under the writers' lock; BusyError (503) when it cannot be.

    No other server process writes while the lock is held, so a store that stays locked
    through :func:`open_store`'s retries is held by another program (RocksDB takes one writer
    at a time): a condition of the server's, over once that program closes the store. Any
    other cause (permissions, a full disk) is the server's too, never the request's. The
    cause, which names the server's folders, is logged rather than told to the client.
    """
    try:
        return open_store(path, read_only=False)
    except MofkgError as exc:
        log.warning("a write found the store busy: %s", exc)
        raise BusyError(
            "the store is busy: another process holds it open for writing; try again shortly"
        ) from exc
