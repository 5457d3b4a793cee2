"""One store served by several server processes: read-only opens, one writer at a time.

RocksDB lets one process open a store for writing and any number open it read-only, each
seeing the store as it was when it opened it. ``mofkg serve`` runs several Granian worker
processes (one Python interpreter each, so they use every core), so every process keeps a
read-only open, and a write goes like this:

1. take the exclusive lock on ``<store>/mofkg-writes`` (``flock``): one writer at a time,
   across processes;
2. open the store for writing, write, flush and close it (about 35 ms in all); when it
   cannot be opened, another program holds it (a ``mofkg load``, say): 503, try again;
3. add one to the *generation*, a counter kept in the same file, and release the lock.

Before each request a process compares the generation with the one its open has seen
(a read of eight mapped bytes); when they differ it reopens the store read-only (about
10 ms) and drops what it derived from the old one. RocksDB leaves files it does not
recognise alone, so the lock file can live in the store's folder.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graphstore.errors import MofkgError
from graphstore.store import Store

from .errors import BusyError

log = logging.getLogger(__name__)

#: The file, in the store's folder, holding the generation and the writers' lock.
WRITES_FILE = "mofkg-writes"
_COUNTER = struct.Struct("<Q")
OPEN_ATTEMPTS = 8


class StoreGeneration:
    """The writers' lock and the generation counter of one on-disk store.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> a, b = StoreGeneration(folder), StoreGeneration(folder)
    >>> with a.exclusive():
    ...     a.bump()
    1
    >>> b.current()
    1
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / WRITES_FILE
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(self._fd).st_size < _COUNTER.size:
                # Two processes may both extend it: each writes zeros to an empty counter.
                os.ftruncate(self._fd, _COUNTER.size)
            self._map = mmap.mmap(self._fd, _COUNTER.size)
        except OSError as exc:
            raise MofkgError(f"{self.path}: cannot open the store's write lock: {exc}") from exc

    def current(self) -> int:
        """The number of writes made through this file so far."""
        value: int = _COUNTER.unpack_from(self._map)[0]
        return value

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the writers' lock (waits for a writer in another process to finish)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def bump(self) -> int:
        """Count one more write; call it holding :meth:`exclusive`."""
        value = self.current() + 1
        _COUNTER.pack_into(self._map, 0, value)
        return value


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
