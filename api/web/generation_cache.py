"""Counts and exports worked out once per store generation, for every server process.

The VoID description's counts (a scan of the store for its links: 0.7 s on the demo, its
graph sizes 0.07 s) and the DCAT catalogue (1 s per profile) are the same for every request
until the store changes. Each server process keeps them in memory until the next write
(:meth:`mofkg.api.server.state.Endpoint.remember`); under ``mofkg serve`` the processes
share the store, and without more each would work them out again after every write. So a
value is also kept in a file of the store's folder, named by the store's generation
(:mod:`mofkg.graphstore.store.generation`): ``mofkg-derived/<generation>.<key>``. The first
process to need it works it out under a lock (the others wait and read the file), writes it
whole (a temporary file renamed into place) and removes the files of older generations.

A value is written only when the process's open of the store was still of that generation
when it was done (a write that lands meanwhile leaves nothing to read). An endpoint that
owns its store (no other process shares it) keeps its values in memory only.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..server.state import Endpoint
from .views import CatalogueState

T = TypeVar("T")

#: The folder, in the store's folder, holding the values of the current generation.
FOLDER = "mofkg-derived"


def per_generation(
    state: CatalogueState,
    key: str,
    compute: Callable[[], T],
    *,
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
) -> T:
    """``compute()``, kept in memory until the next write and, when other processes share the
    store, in a file of its generation read by all of them."""
    if not isinstance(state, Endpoint) or state.shared is None or state.store.path is None:
        return state.remember(key, compute)
    endpoint, folder = state, state.store.path / FOLDER
    return state.remember(key, lambda: _shared(endpoint, folder, key, compute, encode, decode))


def _shared(
    state: Endpoint,
    folder: Path,
    key: str,
    compute: Callable[[], T],
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
) -> T:
    generation = state.seen
    path = folder / f"{generation}.{key}"
    found = _read(path)
    if found is not None:
        return decode(found)
    folder.mkdir(exist_ok=True)
    with (folder / f"{key}.lock").open("a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # one process works it out; the others wait
        found = _read(path)
        if found is not None:
            return decode(found)
        value = compute()
        if state.seen == generation:  # the open computed from is still of this generation
            temporary = folder / f".{generation}.{key}.{os.getpid()}"
            temporary.write_bytes(encode(value))
            os.replace(temporary, path)
            for old in folder.glob(f"*.{key}"):
                number = old.name.split(".", 1)[0]
                if number.isdigit() and int(number) < generation:
                    old.unlink(missing_ok=True)
        return value


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


__all__ = ["FOLDER", "per_generation"]
