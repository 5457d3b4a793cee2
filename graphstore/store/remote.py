"""A mofkg store on a remote SPARQL 1.1 store (query, update and Graph Store Protocol).

It has the methods of :class:`~mofkg.graphstore.store.embedded.Store` that commands use. Writes are
all or nothing: the data goes, in bounded N-Triples chunks through the Graph Store Protocol,
into fresh staging graphs, and one final update moves (``replace``) or adds them into their
targets; on any failure the staging graphs are dropped and the targets are as they were.
What only the embedded engine offers (``store.oxigraph``, its bulk loader) is refused with
:class:`~mofkg.graphstore.store.remote_http.BackendUnsupported`. docs/backends.md lists how the
engines differ and what this module does about it.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

import pyoxigraph as ox
from rdflib import Graph

from ..errors import MofkgError, NotFoundError
from ..namespaces import PREFIXES
from ..rdfio.formats import RdfFormat, format_by_name
from ..rdfio.loading import RdfInput
from .backend_settings import Endpoints
from .commit import STAGING_PREFIX, GraphName
from .loads import Loads, input_quads
from .reads import Reads
from .remote_http import BackendError, BackendUnsupported, Client, accept_for, with_prefixes
from .remote_moves import drops as _drops
from .remote_moves import final_update as _final_update
from .terms import graph_to_quads, triples_to_graph

__all__ = ["BackendError", "BackendUnsupported", "RemoteStore"]

_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}
_GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/ntriples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: Graphs an engine keeps for itself, left out of graph listings, by kind of store.
SYSTEM_GRAPHS: dict[str, tuple[str, ...]] = {
    "virtuoso": (
        "http://www.openlinksw.com/schemas/virtrdf#",
        "http://www.w3.org/ns/ldp#",
        "http://localuriqaserver/",
    ),
}
#: Seconds the final update of a write is given per quad it moves, beyond ``backend_timeout``.
FINAL_PER_QUAD = 0.002
#: How many times ``backend_chunk`` a chunk may grow to keep a blank node's triples together.
BLANK_NODE_SLACK = 8


class RemoteStore(Reads, Loads):
    """The store's methods over a remote SPARQL 1.1 store."""

    path: Path | None = None

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        user: str = "",
        password: str = "",
        timeout: float = 60.0,
        chunk: int = 4 * 1024 * 1024,
        read_only: bool = False,
    ) -> None:
        self.endpoints = endpoints
        self.read_only = read_only
        self.chunk = chunk
        urls = (endpoints.query, endpoints.update, endpoints.gsp)
        self._http = Client(user, password, timeout=timeout, urls=urls)
        self._system = SYSTEM_GRAPHS.get(endpoints.kind, ())

    def __repr__(self) -> str:
        return f"{self.endpoints.kind} store at {self.endpoints.query}"

    def check_union(self) -> None:
        """Refuse a store whose default graph is not the union of its named graphs (mofkg's
        queries read the union): one that holds triples in named graphs but none by default."""
        sees = self.query("ASK { ?s ?p ?o }")
        if not bool(sees) and self.query("ASK { GRAPH ?g { ?s ?p ?o } }"):
            raise BackendError(
                f"the {self} does not query the union of its named graphs by default, as "
                "mofkg needs; start `oxigraph serve` with --union-default-graph (docs/backends.md)"
            )

    @property
    def oxigraph(self) -> NoReturn:
        raise BackendUnsupported(
            "this needs the embedded Oxigraph engine's own API; it is not available on a "
            f"remote backend yet ({self})"
        )

    def _writable(self) -> None:
        from ..errors import ReadOnlyError

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
        base_iri: str | None = None,
    ) -> Any:
        """Run a query and return pyoxigraph's result (solutions, triples or boolean), as the
        embedded store does. ``substitutions`` binds variables beforehand (sent as a
        trailing VALUES clause, so only for queries without aggregates over them)."""
        if default_graph is None and not union:
            raise BackendUnsupported(
                "a query of the default graph alone is not available on a remote backend yet "
                "(its default graph is the union of its named graphs)"
            )
        if substitutions:
            names = " ".join(f"?{k}" for k in substitutions)
            terms = " ".join(str(v) for v in substitutions.values())
            sparql = f"{sparql}\nVALUES ({names}) {{ ({terms}) }}"
        params = [("default-graph-uri", g) for g in default_graph or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        # As a form (Virtuoso 7.2 never answers a query POSTed as application/sparql-query).
        form = urllib.parse.urlencode([("query", with_prefixes(sparql, base_iri)), *params])
        answer = self._http.request(
            "POST",
            self.endpoints.query,
            body=form.encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            accept=accept_for(sparql),
            what="query",
        )
        if answer.media_type in _RESULT_TYPES:
            fmt = _RESULT_TYPES[answer.media_type]
            body = answer.body
            if fmt == ox.QueryResultsFormat.JSON and b'"bnode"' in body:
                body = blank_labels(body)
            try:  # read it all once, so that a malformed answer fails here, not midway
                parsed = ox.parse_query_results(body, format=fmt)
                if isinstance(parsed, ox.QuerySolutions):
                    for _ in parsed:
                        pass
                return ox.parse_query_results(body, format=fmt)
            except (SyntaxError, ValueError) as exc:
                raise _malformed(self.endpoints.query, exc) from exc
        if answer.media_type in _GRAPH_TYPES:
            triples = self._triples(answer.body, _GRAPH_TYPES[answer.media_type], "query")
            mem = ox.Store()  # as pyoxigraph's own result (blank nodes kept)
            mem.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
            return mem.query("CONSTRUCT WHERE { ?s ?p ?o }")
        raise BackendError(
            f"the remote store answered the query at {self.endpoints.query} with "
            f"{answer.media_type or 'no media type'}, not SPARQL results or RDF"
        )

    def _triples(self, body: bytes, fmt: ox.RdfFormat, what: str) -> list[ox.Triple]:
        try:
            return [q.triple for q in ox.parse(body, format=fmt)]
        except (SyntaxError, ValueError) as exc:
            raise _malformed(what, exc) from exc

    def graph_sizes(self) -> dict[str, int]:
        """Each named graph holding triples and how many (a remote store need not keep
        empty graphs), the engine's own graphs left out."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        sizes = {
            str(r["g"]): int(r["n"])  # type: ignore[call-overload]
            for r in rows
            if not str(r["g"]).startswith(self._system)
        }
        return dict(sorted(sizes.items()))

    def graph_size(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]) if rows else 0  # type: ignore[call-overload]

    def has_graph(self, graph: str) -> bool:
        return self.ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")

    def __len__(self) -> int:
        return sum(self.graph_sizes().values())

    def to_rdflib(self, graph: str | None = None) -> Graph:
        """One named graph, or the union of all, as an rdflib graph."""
        return triples_to_graph(self._graph_triples(graph))

    def _graph_triples(self, graph: str | None) -> list[ox.Triple]:
        if graph is None:
            union = self.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
                + self._not_system("?g")
                + " }"
            )
            return list(union)
        answer = self._http.request(
            "GET",
            self.endpoints.gsp,
            params=[("graph", graph)],
            accept="application/n-triples",
            what="graph read",
            ok_missing=True,
        )
        if answer.status == 404:
            return []
        fmt = _GRAPH_TYPES.get(answer.media_type, ox.RdfFormat.N_TRIPLES)
        return self._triples(answer.body, fmt, f"graph {graph}")

    def _not_system(self, var: str) -> str:
        return "".join(f'FILTER(!STRSTARTS(STR({var}), "{g}")) ' for g in self._system)

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
        """Write inputs, each into its graph, all or nothing, each parsed in full first."""
        self._writable()
        targets = [g for _, g in inputs]
        if None in targets:
            raise BackendUnsupported(
                "writing the default graph is not available on a remote backend yet"
            )
        quads = input_quads(inputs, base_iri, target_only=target_only)
        self._write(quads, [t for t in targets if t], replace=replace, create=create)

    def replace_graphs(self, graphs: Mapping[str, Graph]) -> None:
        self._writable()
        quads = (q for name, g in graphs.items() for q in graph_to_quads(g, name))
        self._write(quads, list(graphs), replace=True)

    def add_graph(self, graph: Graph, name: str, *, replace: bool = True) -> None:
        self._writable()
        self._write(graph_to_quads(graph, name), [name], replace=replace)

    def write_quads(self, quads: Iterable[ox.Quad], *, replace: Sequence[str]) -> None:
        """Write quads into their named graphs, all or nothing, replacing the ``replace``
        graphs (emptied if no quad goes to them). The quads may be produced as they are sent,
        and ``replace`` may grow meanwhile: it is read when all are staged."""
        self._writable()
        self._write(iter(quads), replace, replace=True)

    def _write(
        self,
        quads: Iterator[ox.Quad],
        targets: Sequence[str],
        *,
        replace: bool,
        create: Sequence[str] = (),
    ) -> None:
        """Stream the quads into staging graphs, then move or add them into their graphs in
        one update; on any failure drop the staging graphs and raise."""
        run = uuid.uuid4().hex
        staging: dict[str, str] = {}
        chunks: dict[str, _Chunk] = {}
        sent = 0
        try:
            for q in quads:
                graph = q.graph_name
                if not isinstance(graph, ox.NamedNode):
                    raise BackendUnsupported(
                        "writing the default graph is not available on a remote backend yet"
                    )
                name = graph.value
                if name not in staging:
                    staging[name] = f"{STAGING_PREFIX}{run}:{len(staging)}"
                    chunks[name] = _Chunk()
                chunk = chunks[name]
                line, blanks = _ntriples(q)
                if chunk.full(self.chunk, blanks):
                    self._post(staging[name], chunk.take())
                chunk.add(line, blanks)
                sent += 1
            for name, chunk in chunks.items():
                if chunk.size:
                    self._post(staging[name], chunk.take())
            final = _final_update(staging, targets, replace=replace, create=create)
            self._writable()
            # It moves every quad (Virtuoso: about 1 ms each): its time grows with them.
            self._update_text(
                with_prefixes(final), timeout=self._http.timeout + sent * FINAL_PER_QUAD
            )
        except BaseException as exc:
            self._drop_staging(list(staging.values()), exc)
            raise

    def _post(self, graph: str, data: bytes) -> None:
        self._http.request(
            "POST",
            self.endpoints.gsp,
            params=[("graph", graph)],
            body=data,
            content_type="application/n-triples",
            what="Graph Store Protocol write",
        )

    def _drop_staging(self, graphs: list[str], cause: BaseException) -> None:
        if not graphs:
            return
        try:
            self._update_text(_drops(graphs))
        except MofkgError as exc:
            note = (
                f"; its staging graphs could not be dropped ({exc}): drop the graphs "
                f"named {STAGING_PREFIX}... once the store is back"
            )
            if isinstance(cause, MofkgError) and cause.args:
                cause.args = (str(cause.args[0]) + note, *cause.args[1:])

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        self._writable()
        names = list(graphs)
        if names:
            self.update(_drops(names))

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL Update (one request)."""
        self._writable()
        self._update_text(with_prefixes(sparql, base_iri))

    def _update_text(self, sparql: str, *, timeout: float | None = None) -> None:
        self._http.request(
            "POST",
            self.endpoints.update,
            body=sparql.encode("utf-8"),
            content_type="application/sparql-update",
            what="update",
            timeout=timeout,
        )

    def clear(self) -> None:
        """Drop every graph but the engine's own."""
        self.drop_graphs(self.graph_sizes())

    def flush(self) -> None:
        """Nothing to do: each write is committed by the remote store when it answers."""

    def close(self) -> None:
        """Nothing to do: no connection is kept open between requests."""

    # -- exporting ---------------------------------------------------------------------

    def export(
        self, output: IO[bytes] | Path | None, format: str | RdfFormat, *, graph: str | None = None
    ) -> bytes | None:
        """One graph, or the whole store (its graphs kept in a dataset format), in ``format``;
        made whole in memory before anything is written."""
        fmt = format if isinstance(format, RdfFormat) else format_by_name(format)
        prefixes = PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
        items: list[ox.Triple] | list[ox.Quad]
        if graph is not None:
            if not self.has_graph(graph):
                raise NotFoundError(f"no graph {graph} in the store")
            items = self._graph_triples(graph)
        elif fmt.is_dataset:
            items = [
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                for name in self.graph_sizes()
                for t in self._graph_triples(name)
            ]
        else:
            items = self._graph_triples(None)
        data = ox.serialize(items, format=fmt.oxigraph, prefixes=prefixes)
        if output is None:
            return data
        if isinstance(output, Path):
            output.write_bytes(data or b"")
        else:
            output.write(data or b"")
        return None


class _Chunk:
    """N-Triples lines bound for one staging graph, and the blank nodes they name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.blanks: set[str] = set()

    def full(self, limit: int, blanks: set[str]) -> bool:
        """Whether to send the chunk before the next triple: past ``limit`` bytes, unless the
        triple shares a blank node with it (an engine may not keep blank nodes' labels across
        requests); refused past ``BLANK_NODE_SLACK`` times the limit."""
        if self.size < limit:
            return False
        if not blanks & self.blanks:
            return True
        if self.size >= limit * BLANK_NODE_SLACK:
            raise BackendUnsupported(
                f"a blank node's triples run past {limit * BLANK_NODE_SLACK} bytes and cannot "
                "be sent in one Graph Store Protocol request; raise backend_chunk"
            )
        return False

    def add(self, line: str, blanks: set[str]) -> None:
        self.lines.append(line)
        self.size += len(line)
        self.blanks |= blanks

    def take(self) -> bytes:
        data = "".join(self.lines).encode("utf-8")
        self.lines, self.size, self.blanks = [], 0, set()
        return data


def _ntriples(q: ox.Quad) -> tuple[str, set[str]]:
    terms = (q.subject, q.predicate, q.object)
    blanks = {t.value for t in terms if isinstance(t, ox.BlankNode)}
    return f"{q.subject} {q.predicate} {q.object} .\n", blanks


def blank_labels(body: bytes) -> bytes:
    """SPARQL JSON results whose blank nodes have labels pyoxigraph reads: Virtuoso names
    them ``nodeID://b10001``; each becomes ``nodeID___b10001`` (one label per node still).
    A body that is not JSON is left for the parser to refuse."""
    try:
        results = json.loads(body)
        for row in results.get("results", {}).get("bindings", ()):
            for value in row.values():
                if value.get("type") == "bnode":
                    value["value"] = _LABEL.sub("_", str(value["value"]))
    except (ValueError, AttributeError):
        return body
    return json.dumps(results).encode()


_LABEL = re.compile(r"[^A-Za-z0-9_]")


def _malformed(where: str, exc: Exception) -> BackendError:
    return BackendError(f"the remote store's answer from {where} is malformed: {exc}")
