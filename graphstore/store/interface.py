"""The store interface: what commands may ask of a store, embedded or remote.

:class:`~mofkg.graphstore.store.embedded.Store` (embedded Oxigraph) and
:class:`~mofkg.graphstore.store.remote.RemoteStore` (a SPARQL 1.1 store over HTTP) both have
these methods; mypy checks it below. Code that needs more (``store.oxigraph``: the embedded
engine's own API) works on the embedded store only, and a remote store refuses it with
:class:`~mofkg.graphstore.store.remote_http.BackendUnsupported`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from rdflib import Graph
from rdflib.term import Node

from ..rdfio.formats import RdfFormat
from ..rdfio.loading import RdfInput, Source
from .commit import GraphName
from .embedded import Store
from .loads import LoadResult
from .remote import RemoteStore


class GraphStore(Protocol):
    """The methods common to every kind of store."""

    read_only: bool

    def query(
        self,
        sparql: str,
        *,
        union: bool = True,
        default_graph: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        substitutions: Mapping[str, Any] | None = None,
    ) -> Any: ...

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Node]]: ...

    def ask(self, sparql: str, **kwargs: Any) -> bool: ...

    def construct(self, sparql: str, **kwargs: Any) -> Graph: ...

    def graph_sizes(self) -> dict[str, int]: ...

    def graph_size(self, graph: str) -> int: ...

    def has_graph(self, graph: str) -> bool: ...

    def __len__(self) -> int: ...

    def to_rdflib(self, graph: str | None = None) -> Graph: ...

    def load(
        self,
        source: Source | RdfInput,
        *,
        graph: str,
        format: str | RdfFormat | None = None,
        media_type: str | None = None,
        replace: bool = False,
        base_iri: str | None = None,
        source_name: str | None = None,
    ) -> LoadResult: ...

    def load_all(
        self,
        inputs: Sequence[tuple[RdfInput, str]],
        *,
        replace: bool = False,
        base_iri: str | None = None,
    ) -> list[LoadResult]: ...

    def write_inputs(
        self,
        inputs: Sequence[tuple[RdfInput, GraphName]],
        *,
        replace: bool = False,
        create: Sequence[str] = (),
        base_iri: str | None = None,
        target_only: bool = False,
    ) -> None: ...

    def replace_graphs(self, graphs: Mapping[str, Graph]) -> None: ...

    def add_graph(self, graph: Graph, name: str, *, replace: bool = True) -> None: ...

    def write_quads(self, quads: Iterable[Any], *, replace: Sequence[str]) -> None: ...

    def drop_graphs(self, graphs: Iterable[str]) -> None: ...

    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...

    def clear(self) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...

    def export(
        self, output: IO[bytes] | Path | None, format: str | RdfFormat, *, graph: str | None = None
    ) -> bytes | None: ...


def _both_kinds_conform(embedded: Store, remote: RemoteStore) -> list[GraphStore]:
    """Never called: mypy fails here if either kind of store lacks a method of the interface."""
    return [embedded, remote]
