"""What both kinds of store share in writing: reading inputs into quads, and ``load`` /
``load_all`` on top of each store's own ``write_inputs`` (its all-or-nothing write)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from ..errors import MofkgError
from ..rdfio.formats import RdfFormat
from ..rdfio.loading import (
    RdfInput,
    Source,
    check_syntax,
    open_rdf_input,
    syntax_error_from,
    token_too_long,
)
from .commit import GraphName

__all__ = ["LoadResult", "Loads", "input_quads"]


@dataclass(frozen=True)
class LoadResult:
    """What a load wrote: the graph and how many triples it now holds."""

    graph: str
    triples: int
    source: str


class _Writes(Protocol):
    def write_inputs(
        self,
        inputs: Sequence[tuple[RdfInput, GraphName]],
        *,
        replace: bool = False,
        create: Sequence[str] = (),
        base_iri: str | None = None,
        target_only: bool = False,
    ) -> None: ...

    def graph_size(self, graph: str) -> int: ...

    def load_all(
        self,
        inputs: Sequence[tuple[RdfInput, str]],
        *,
        replace: bool = False,
        base_iri: str | None = None,
    ) -> list[LoadResult]: ...


class Loads:
    """``load`` and ``load_all``, for a store with ``write_inputs`` and ``graph_size``."""

    def load(
        self: _Writes,
        source: Source | RdfInput,
        *,
        graph: str,
        format: str | RdfFormat | None = None,
        media_type: str | None = None,
        replace: bool = False,
        base_iri: str | None = None,
        source_name: str | None = None,
    ) -> LoadResult:
        """Load RDF into the named graph ``graph``, appending, or replacing it with ``replace``.

        Either the whole source is written or nothing is: a syntax error anywhere raises
        :class:`~mofkg.graphstore.errors.RdfSyntaxError` (source, line, column) and the store is
        left exactly as it was. Quads of named graphs in TriG / N-Quads / JSON-LD keep their
        graph; their default graph goes to ``graph``.
        """
        rdf = (
            source
            if isinstance(source, RdfInput)
            else open_rdf_input(
                source, format=format, media_type=media_type, source_name=source_name
            )
        )
        return self.load_all([(rdf, graph)], replace=replace, base_iri=base_iri)[0]

    def load_all(
        self: _Writes,
        inputs: Sequence[tuple[RdfInput, str]],
        *,
        replace: bool = False,
        base_iri: str | None = None,
    ) -> list[LoadResult]:
        """Load several inputs, each into its graph, in ONE transaction (all or nothing, also
        when the process is killed); every input is parsed before the write.

        A syntax error in any of them writes nothing. With ``replace`` the inputs' graphs are
        dropped in the same transaction, so readers see the old graphs or the new ones.
        """
        self.write_inputs(inputs, replace=replace, base_iri=base_iri)
        return [
            LoadResult(graph=graph, triples=self.graph_size(graph), source=rdf.source)
            for rdf, graph in inputs
        ]


def input_quads(
    inputs: Sequence[tuple[RdfInput, GraphName]],
    base_iri: str | None,
    *,
    target_only: bool = False,
) -> Iterator[ox.Quad]:
    """Every input checked in full first (a syntax error raises before any quad is made),
    then their quads, each input's default graph put into its graph; ``target_only``
    refuses quads outside the inputs' graphs."""
    for rdf, _ in inputs:
        check_syntax(rdf, base_iri=base_iri)
    quads: Iterator[ox.Quad] = (
        q for rdf, graph in inputs for q in _quads_into(rdf, graph, base_iri)
    )
    if target_only:
        quads = _into_their_targets(quads, {g for _, g in inputs})
    return quads


def _into_their_targets(quads: Iterable[ox.Quad], targets: set[GraphName]) -> Iterator[ox.Quad]:
    """The quads, refusing any outside the ``targets`` graphs (None: the default graph)."""
    for q in quads:
        graph = q.graph_name
        name = graph.value if isinstance(graph, ox.NamedNode) else None
        if name not in targets or isinstance(graph, ox.BlankNode):
            raise MofkgError(
                f"the content names a graph of its own ({graph}); a Graph Store write goes "
                "into its target graph only"
            )
        yield q


def _quads_into(rdf: RdfInput, graph: GraphName, base_iri: str | None) -> Iterator[ox.Quad]:
    """The input's quads, its default graph's put into ``graph``; blank nodes are fresh per
    input, as in ``Store.load``."""
    target = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
    try:
        for q in ox.parse(
            rdf.data, format=rdf.format.oxigraph, base_iri=base_iri, rename_blank_nodes=True
        ):
            if isinstance(q.graph_name, ox.DefaultGraph) and graph is not None:
                yield ox.Quad(q.subject, q.predicate, q.object, target)
            else:
                yield q
    except (SyntaxError, ValueError) as exc:
        raise syntax_error_from(exc, rdf.source) from exc
    except MemoryError as exc:
        raise token_too_long(exc, rdf.source) from exc
