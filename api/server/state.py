"""What the blueprints share: settings, the store, the query workers, and the write rules.

One :class:`Endpoint` lives in ``app.extensions["mofkg"]``; views reach it with
:func:`endpoint`. Writes go through :meth:`Endpoint.writing`, which serialises them, checks
the token, and tells the query workers that the store changed.

An endpoint either owns a store open for writing (one process: tests, embedding) or, under
``mofkg serve``, shares the store with the other server processes (:mod:`mofkg.api.server.shared`):
it keeps a read-only open, writes through a short-lived writing open under the writers' lock,
and reopens when another process has written (:meth:`Endpoint.refresh`, before each request).
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, request

from mofkg.graphstore.errors import MofkgError, ReadOnlyError
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.generation import StoreGeneration

from ..errors import BusyError, MissingTokenError
from .engine import EnginePool
from .lanes import Lane
from .policy import Policy, VerdictCache
from .pool import QueryPool
from .shared import open_store, open_writer

EXTENSION = "mofkg"
log = logging.getLogger(__name__)
T = TypeVar("T")
_MISSING = object()


@dataclass
class Endpoint:
    """The state behind the SPARQL endpoint and the Graph Store Protocol."""

    settings: Settings
    store: Store
    pool: QueryPool | EnginePool
    #: Which request threads run Python now (:mod:`mofkg.api.server.lanes`); only the RSGI
    #: front takes it, so under another server it is never held.
    lane: Lane = field(default_factory=lambda: Lane(1))
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    verdicts: VerdictCache = field(default_factory=VerdictCache)
    #: Serialised service descriptions by (endpoint URL, format name), until the next write.
    descriptions: dict[tuple[str, str], bytes] = field(default_factory=dict)
    #: The store's generation, when it is shared with other processes (``store`` is then a
    #: read-only open); None when this endpoint owns a store open for writing.
    shared: StoreGeneration | None = None
    #: The generation ``store`` was opened at.
    seen: int = 0
    reopen_lock: threading.Lock = field(default_factory=threading.Lock)
    #: Values derived from the whole store (the home page's ranking of every model), until
    #: the next write; ``version`` counts the writes, so a value computed across one is
    #: not kept.
    derived: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    derived_lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``key`` until the store changes."""
        kept = self.derived.get(key, _MISSING)  # one read: a write may empty it meanwhile
        if kept is not _MISSING:
            value: T = kept
            return value
        version = self.version
        value = compute()
        with self.derived_lock:
            if self.version == version:
                self.derived[key] = value
        return value

    @property
    def remote(self) -> bool:
        """Whether the store is a remote one (docs/backends.md), not the embedded store."""
        return not isinstance(self.store, Store)

    def policy(self, *, base_iri: str | None = None) -> Policy:
        """The SERVICE / LOAD / FROM policy against this store's graphs."""
        return Policy(
            allow=self.settings.service_allow, holds=self.store.has_graph, base_iri=base_iri
        )

    def check_policy(self, text: str, *, base_iri: str | None = None) -> None:
        """Check a query against the policy, through the cache of recent verdicts."""
        self.verdicts.check(self.policy(base_iri=base_iri), text)

    def check_token(self) -> None:
        """Refuse a write: 403 when writes are off, 401 without the right bearer token."""
        token = self.settings.update_token
        if token is None:
            raise ReadOnlyError(
                "writes are disabled on this endpoint (no update token is configured)"
            )
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise MissingTokenError(
                "this write needs the header 'Authorization: Bearer <token>' with the "
                "endpoint's update token"
            )
        if self.store.read_only and self.shared is None:
            raise ReadOnlyError("the store is open read-only")

    def stale(self) -> bool:
        """Whether another process has written to the store since this one opened it."""
        return self.shared is not None and self.shared.current() != self.seen

    def refresh(self) -> None:
        """Reopen the store if another process has written to it since it was opened."""
        if self.shared is None or not self.stale():
            return
        with self.reopen_lock:
            generation = self.shared.current()
            if generation != self.seen:
                self._reopen(generation)

    def _reopen(self, generation: int) -> None:
        """Open the store as another process left it; 503 when it cannot be opened.

        The old open stays in place, so the next request tries again; answering from it
        would show the store as it was before a write the client may have just made.
        """
        assert self.store.path is not None
        try:
            store = open_store(self.store.path, read_only=True)
        except MofkgError as exc:
            log.warning("could not reopen the store after another process wrote: %s", exc)
            raise BusyError(
                "the store changed and could not be reopened yet; try again shortly"
            ) from exc
        self.store = store
        self.seen = generation
        self._forget()

    def _forget(self) -> None:
        """Drop what was derived from the store, and tell the query workers it changed."""
        with self.derived_lock:
            self.version += 1
            self.derived.clear()
        self.verdicts.clear()
        self.descriptions.clear()
        self.pool.stored_changed()

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Hold the write lock around a write; every process and worker sees it afterwards.

        The locks are waited for with the lane given up (:mod:`mofkg.api.server.lanes`): a
        writer that holds them may wait for the lane, never the other way round.
        """
        self.check_token()
        with ExitStack() as held:
            with self.lane.waiting():
                held.enter_context(self.write_lock)
            if self.shared is None:
                try:
                    yield self.store
                finally:
                    self._forget()
                return
            assert self.store.path is not None
            with self.lane.waiting():
                held.enter_context(self.shared.exclusive())
            writer = open_writer(self.store.path)
            try:
                yield writer
            finally:
                writer.close()
                generation = self.shared.bump()
                with self.reopen_lock, suppress(BusyError):
                    # The write is done whatever happens here: a failed reopen is left to
                    # the next request's refresh, which sees the new generation.
                    self._reopen(generation)

    def write(self, action: Callable[[Store], T]) -> T:
        with self.writing() as store:
            return action(store)


def endpoint() -> Endpoint:
    """The endpoint of the current app."""
    state: Endpoint = current_app.extensions[EXTENSION]
    return state
