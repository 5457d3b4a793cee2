"""What the blueprints share: settings, the store, the query workers, and the write rules.

One :class:`Endpoint` lives in ``app.extensions["mofkg"]``; views reach it with
:func:`endpoint`. Writes go through :meth:`Endpoint.write`, which serialises them, checks
the token, and tells the query workers that the store changed.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app, request

from graphstore.errors import ReadOnlyError
from graphstore.settings import Settings
from graphstore.store import Store

from .errors import MissingTokenError
from .policy import Policy, VerdictCache
from .query_worker import QueryPool

EXTENSION = "mofkg"
T = TypeVar("T")


@dataclass
class Endpoint:
    """The state behind the SPARQL endpoint and the Graph Store Protocol."""

    settings: Settings
    store: Store
    pool: QueryPool
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    verdicts: VerdictCache = field(default_factory=VerdictCache)
    #: Serialised service descriptions by (endpoint URL, format name), until the next write.
    descriptions: dict[tuple[str, str], bytes] = field(default_factory=dict)

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
        if self.store.read_only:
            raise ReadOnlyError("the store is open read-only")

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Hold the write lock around a write; the workers see it afterwards."""
        self.check_token()
        with self.write_lock:
            try:
                yield self.store
            finally:
                self.verdicts.clear()
                self.descriptions.clear()
                self.pool.stored_changed()

    def write(self, action: Callable[[Store], T]) -> T:
        with self.writing() as store:
            return action(store)


def endpoint() -> Endpoint:
    """The endpoint of the current app."""
    state: Endpoint = current_app.extensions[EXTENSION]
    return state
