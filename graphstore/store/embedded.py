"""The RDF store: embedded Oxigraph, on disk in a folder or in memory, one named graph per source.

Writes are all or nothing, also across a kill: each is one transaction (:mod:`.commit`), so a
load that fails or is cut short anywhere leaves the store as it was.

>>> store = Store()
>>> result = store.load(b'<http://a> <http://b> "c" .', graph="http://g", format="nt")
>>> result.triples, store.graph_sizes()
(1, {'http://g': 1})
>>> store.select("SELECT ?o WHERE { ?s ?p ?o }")[0]["o"]
rdflib.term.Literal('c')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Graph

from ..errors import MofkgError, NotFoundError, QueryError, ReadOnlyError
from ..namespaces import PREFIXES
from ..rdfio.formats import RdfFormat, format_by_name
from ..rdfio.loading import (
    RdfInput,
)
from .commit import STAGING_PREFIX, GraphName, commit, remove_leftovers
from .loads import LoadResult, Loads, input_quads
from .pending import roll_back_pending
from .reads import Reads
from .terms import graph_to_quads, triples_to_graph

__all__ = ["STAGING_PREFIX", "LoadResult", "Store"]


class Store(Reads, Loads):
    """A mofkg store over embedded Oxigraph.

    ``Store()`` is in memory; ``Store(path)`` opens (or creates) the store in a folder.
    Queries see the union of all named graphs by default.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
                remove_leftovers(self._store, self.path)
                roll_back_pending(self._store, self.path)
        except (OSError, RuntimeError) as exc:  # RocksDB's errors come as either
            raise MofkgError(f"{self.path}: cannot open the store: {exc}") from exc

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for code that needs its full API."""
        return self._store

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError("this store is open read-only")

    # -- reading -----------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        union: bool = True,
        default_graph: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> Any:
        """Run a SPARQL query and return pyoxigraph's result (solutions, triples or bool);
        ``substitutions`` binds variables beforehand (by name)."""
        kwargs: dict[str, Any] = {"prefixes": PREFIXES}
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = union
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {exc.msg or exc}") from exc
        except (ValueError, OSError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def graph_sizes(self) -> dict[str, int]:
        """Each named graph and how many triples it holds, by graph IRI."""
        sizes: dict[str, int] = {}
        for solution in self._solutions(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        ):
            if isinstance(solution["g"], ox.NamedNode):  # no IRI names a blank node's graph
                sizes[solution["g"].value] = int(solution["n"].value)
        for g in self._store.named_graphs():
            if isinstance(g, ox.NamedNode):
                sizes.setdefault(g.value, 0)
        return dict(sorted(sizes.items()))

    def graph_size(self, graph: str) -> int:
        result = self._solutions(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
        return int(next(iter(result))["n"].value)

    def _solutions(self, sparql: str) -> ox.QuerySolutions:
        result = self._store.query(sparql)
        assert isinstance(result, ox.QuerySolutions)
        return result

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def __len__(self) -> int:
        return len(self._store)

    def to_rdflib(self, graph: str | None = None) -> Graph:
        """One named graph, or the union of all, as an rdflib graph."""
        name = ox.NamedNode(graph) if graph is not None else None
        return triples_to_graph(self._store.quads_for_pattern(None, None, None, name))

    # -- writing -----------------------------------------------------------------------

    def write_inputs(
        self,
        inputs: Sequence[tuple[RdfInput, GraphName]],
        *,
        replace: bool = False,
        create: Sequence[str] = (),
        base_iri: str | None = None,
        target_only: bool = False,
    ) -> None:
        """Write inputs, each into its graph (``None``: the store's default graph), in ONE
        transaction after parsing each in full; ``replace`` empties their graphs in it too,
        and the ``create`` graphs exist afterwards even if empty. ``target_only`` refuses an
        input that names graphs of its own (JSON-LD ``@graph`` with an ``@id``), as a Graph
        Store write into one graph must."""
        self._writable()
        quads = input_quads(inputs, base_iri, target_only=target_only)
        commit(self._store, quads, replace=[g for _, g in inputs] if replace else [], create=create)

    def replace_graphs(self, graphs: Mapping[str, Graph]) -> None:
        """Replace several named graphs by rdflib graphs, all in one transaction."""
        self._writable()
        quads = (q for name, g in graphs.items() for q in graph_to_quads(g, name))
        commit(self._store, quads, replace=list(graphs))

    def add_graph(self, graph: Graph, name: str, *, replace: bool = True) -> None:
        """Write an rdflib graph into the named graph ``name`` (replacing it by default)."""
        if replace:
            self.replace_graphs({name: graph})
        else:
            self._writable()
            commit(self._store, graph_to_quads(graph, name))

    def write_quads(self, quads: Iterable[ox.Quad], *, replace: Sequence[str]) -> None:
        """Write quads into their graphs in one transaction, replacing the ``replace`` graphs
        (read once every quad is: the quads may name them as they come)."""
        self._writable()
        items = list(quads)
        commit(self._store, iter(items), replace=list(replace))

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Remove named graphs, all in one commit (absent ones are ignored)."""
        self._writable()
        names = list(graphs)
        if names:
            self._store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in names))

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL Update in one transaction."""
        self._writable()
        try:
            self._store.update(sparql, prefixes=PREFIXES, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(f"malformed update: {exc.msg or exc}") from exc
        except (ValueError, OSError) as exc:
            raise QueryError(f"update failed: {exc}") from exc

    def clear(self) -> None:
        self._writable()
        self._store.clear()

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        """Flush and close the store now, so another process may open it for writing.

        RocksDB closes when the last reference to the pyoxigraph store goes; this drops
        ours, and the store cannot be used afterwards.
        """
        self.flush()
        del self._store

    # -- exporting ---------------------------------------------------------------------

    def export(
        self, output: IO[bytes] | Path | None, format: str | RdfFormat, *, graph: str | None = None
    ) -> bytes | None:
        """Serialise one graph, or the whole store, in ``format``.

        A whole store in a format without named graphs (Turtle, N-Triples, RDF/XML) is the
        union of its graphs; in TriG, N-Quads or JSON-LD it keeps its graphs.
        """
        fmt = format if isinstance(format, RdfFormat) else format_by_name(format)
        prefixes = PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
        out: Any = str(output) if isinstance(output, Path) else output
        if graph is not None:
            if not self.has_graph(graph):
                raise NotFoundError(f"no graph {graph} in the store")
            return self._store.dump(
                out, format=fmt.oxigraph, from_graph=ox.NamedNode(graph), prefixes=prefixes
            )
        if fmt.is_dataset:
            return self._store.dump(out, format=fmt.oxigraph, prefixes=prefixes)
        triples = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        assert isinstance(triples, ox.QueryTriples)
        return ox.serialize(triples, out, format=fmt.oxigraph, prefixes=prefixes)
