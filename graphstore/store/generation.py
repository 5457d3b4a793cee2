"""The generation of an on-disk store: a counter of writes that server processes watch.

``mofkg serve`` runs several server processes, each with a read-only open of the store
(:mod:`mofkg.api.server.shared`). A read-only open sees the store as it was when it was
opened, so every
writer adds one to a counter in ``<store>/mofkg-writes`` when it is done, and each server
process reopens the store when the counter has moved. The server's own writes hold the
file's lock (``flock``) while they write; the ``mofkg`` commands that write (``load``,
``import``, ``assess``, ...) count themselves when they end, so that a running server sees
what they wrote from its next request on.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import MofkgError

#: The file, in the store's folder, holding the generation and the writers' lock.
WRITES_FILE = "mofkg-writes"
_COUNTER = struct.Struct("<Q")


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
        os.utime(self._fd)  # the time of the write: a write through the map may not set it
        return value

    def changed_at(self) -> float:
        """When the generation last moved (the file's modification time, in seconds)."""
        return os.fstat(self._fd).st_mtime


def announce_write(folder: Path) -> None:
    """Count a write made outside a server, if a server has used the store (the file exists)."""
    if not (folder / WRITES_FILE).exists():
        return
    generation = StoreGeneration(folder)
    with generation.exclusive():
        generation.bump()
