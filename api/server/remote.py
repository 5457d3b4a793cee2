"""The endpoint's queries on a remote backend: forwarded to the remote store.

On the embedded store the endpoint's queries run in worker processes that open the store
read-only (:class:`~mofkg.api.server.pool.QueryPool`). On a remote store (``backend`` other
than ``embedded``) the store answers them itself: :class:`RemotePool` forwards each job
through :class:`~mofkg.graphstore.store.remote.RemoteStore` and serialises the answer as a
worker would (:func:`~mofkg.api.server.queries.run_job`: the same formats, the same row cap,
the same errors). The remote store's own timeout (``backend_timeout``) bounds a query. A
query with ``SERVICE`` is refused: the remote engine would follow it itself, out of reach of
the endpoint's allow-list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from mofkg.graphstore.errors import QueryError
from mofkg.graphstore.namespaces import PREFIXES
from mofkg.graphstore.query.deadline import reaches_out
from mofkg.graphstore.store.remote import BackendError, RemoteStore

from .policy import tokens
from .queries import QueryJob, QueryOutcome, run_job, sparql_errors


class RemoteEngine:
    """What :func:`run_job` asks of pyoxigraph's store (``query``), over a remote store."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store

    def query(
        self,
        text: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        base_iri: str | None = None,
        default_graph: Sequence[ox.NamedNode] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        use_default_graph_as_union: bool = False,
        substitutions: Mapping[ox.Variable, Any] | None = None,
    ) -> Any:
        if reaches_out(text):
            raise QueryError(
                "a query with SERVICE is not available on a remote backend yet (docs/backends.md)"
            )
        # Parsed here first, so that a malformed query is the client's error (400) as on the
        # embedded store, not the remote store's (its answers are errors of the backend).
        with sparql_errors("query"):
            ox.Store().query(text, prefixes=dict(prefixes or {}), base_iri=base_iri)
        return self.store.query(
            text,
            default_graph=None if default_graph is None else [g.value for g in default_graph],
            named_graphs=None if named_graphs is None else [g.value for g in named_graphs],
            substitutions={v.value: t for v, t in (substitutions or {}).items()},
            base_iri=base_iri,
        )


def check_update(text: str, base_iri: str | None) -> None:
    """Raise :class:`QueryError` (400) for a malformed update before it is sent, as on the
    embedded store; it is tried on an empty in-memory store (unless it LOADs)."""
    if any(t.is_word("LOAD") for t in tokens(text)):
        return
    with sparql_errors("update"):
        ox.Store().update(text, base_iri=base_iri, prefixes=PREFIXES)


class RemotePool:
    """The endpoint's query pool on a remote store: each job forwarded, in the caller's
    thread (or a thread of the event loop's executor)."""

    def __init__(self, store: RemoteStore) -> None:
        self.engine = RemoteEngine(store)

    def run(self, job: QueryJob, *, gone: Any = None) -> QueryOutcome:
        try:
            return run_job(self.engine, job)  # type: ignore[arg-type]
        except BackendError as exc:
            return QueryOutcome(error_kind="BusyError", error=str(exc))

    async def run_async(self, job: QueryJob, *, gone: Any = None) -> QueryOutcome:
        return await asyncio.to_thread(self.run, job)

    def stored_changed(self) -> None:
        """Nothing to do: the remote store answers every query as it is now."""

    def close(self) -> None:
        """Nothing to do: no process or connection is kept."""


__all__ = ["RemoteEngine", "RemotePool", "check_update"]
