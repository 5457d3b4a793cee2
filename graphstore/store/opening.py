"""Opening the store the settings name: the embedded one (its folder) or a remote one.

A store opened for writing is remembered (:data:`WRITTEN`), so that a command can tell a
running server of its write when it ends.
"""

from __future__ import annotations

from pathlib import Path

from ..settings import Settings
from .embedded import Store
from .termination import raise_on_sigterm

#: Stores this command opened for writing; a running server is told of them at the end.
WRITTEN: set[Path] = set()


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    if not read_only:
        raise_on_sigterm()  # a write is committed whole or not at all, then the command ends
    if settings.backend != "embedded":
        from .backends import open_remote

        return open_remote(settings, read_only=read_only)  # type: ignore[return-value]
    if not read_only:
        WRITTEN.add(settings.store)
    return Store(settings.store, read_only=read_only)
