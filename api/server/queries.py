"""A query job and how it runs: :func:`run_job` evaluates it on a store and serialises it.

:class:`QueryJob` is what the endpoint sends to a query worker (:mod:`mofkg.api.server.worker`)
or runs inline (:mod:`mofkg.api.server.bounded`); :class:`QueryOutcome` is the serialised
answer, or the error to raise. Solutions are cut at the job's row cap inside Oxigraph
(:func:`capped_tsv`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any, cast

import pyoxigraph as ox

from mofkg.graphstore.errors import MofkgError, QueryError
from mofkg.graphstore.namespaces import PREFIXES
from mofkg.graphstore.rdfio.formats import format_by_name

from ..errors import BusyError, NotAcceptableError, OutOfMemoryError
from ..protocol.negotiation import result_format_by_name
from ..protocol.results import serialize_boolean


@dataclass(frozen=True)
class QueryJob:
    """A query to run: its text, dataset, and the formats negotiated for each result kind."""

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    result_format: str | None = "json"
    rdf_format: str | None = "turtle"
    max_rows: int = 10000
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised answer, or the error a query raised (its kind's name and message)."""

    body: bytes = b""
    media_type: str = ""
    truncated: bool = False
    rows: int = 0
    error_kind: str | None = None
    error: str = ""

    def raise_error(self) -> None:
        """Raise the error the worker reported, as its graphstore / api kind."""
        kinds: dict[str, type[MofkgError]] = {
            "BusyError": BusyError,
            "NotAcceptableError": NotAcceptableError,
            "QueryError": QueryError,
            "OutOfMemoryError": OutOfMemoryError,
        }
        if self.error_kind is not None:
            raise kinds.get(self.error_kind, QueryError)(self.error)


@contextmanager
def sparql_errors(kind: str) -> Iterator[None]:
    """Oxigraph's errors while a SPARQL ``kind`` ("query" or "update") is parsed, evaluated or
    serialised, as :class:`QueryError` (400), worded one way everywhere."""
    try:
        yield
    except SyntaxError as exc:
        raise QueryError(f"malformed {kind}: {exc.msg or exc}") from exc
    except (ValueError, OSError, RuntimeError) as exc:  # RuntimeError: an unknown function
        raise QueryError(f"{kind} failed: {exc}") from exc


def execute(
    store: ox.Store,
    text: str,
    *,
    base_iri: str | None = None,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """The one way the endpoint evaluates a SPARQL query: the store's prefixes, the base IRI,
    the dataset (the union of the named graphs, unless ``default_graphs`` / ``named_graphs``
    name one), values bound to variables (``substitutions``, by variable name: a term is never
    pasted into a query's text), and Oxigraph's errors as :class:`QueryError`.

    The result is lazy: evaluate it inside :func:`sparql_errors` too.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"),
    ...                   ox.Literal("x"), ox.NamedNode("http://e/g")))
    >>> rows = execute(store, "SELECT ?s ?o { ?s ?p ?o }",
    ...                substitutions={"s": ox.NamedNode("http://e/a")})
    >>> [row["o"].value for row in rows]
    ['x']
    >>> execute(store, "SELECT ?o {")
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.QueryError: malformed query: ...
    """
    kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": base_iri}
    if default_graphs is not None or named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
    else:
        kwargs["use_default_graph_as_union"] = True
    if substitutions:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
    with sparql_errors("query"):
        return store.query(text, **kwargs)


def execute_update(store: ox.Store, text: str, *, base_iri: str | None = None) -> None:
    """The one way the endpoint runs a SPARQL update: the store's prefixes, the base IRI,
    Oxigraph's errors as :class:`QueryError`; all of it or nothing is written."""
    with sparql_errors("update"):
        store.update(text, base_iri=base_iri, prefixes=PREFIXES)


def run_job(store: ox.Store, job: QueryJob) -> QueryOutcome:
    """Run one job on a store and serialise its result (the worker's whole job)."""
    try:
        result = execute(
            store,
            job.query,
            base_iri=job.base_iri,
            default_graphs=job.default_graphs,
            named_graphs=job.named_graphs,
        )
        with sparql_errors("query"):
            return _serialised(result, job)
    except NotAcceptableError as exc:
        return QueryOutcome(error_kind="NotAcceptableError", error=str(exc))
    except QueryError as exc:
        return QueryOutcome(error_kind="QueryError", error=str(exc))


def _serialised(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, job: QueryJob
) -> QueryOutcome:
    """A result in the job's negotiated format, cut at its row cap."""
    if isinstance(result, ox.QueryTriples):
        if job.rdf_format is None:
            raise NotAcceptableError("the client accepts no RDF format for this graph result")
        fmt = format_by_name(job.rdf_format)
        triples = list(islice(result, job.max_rows + 1))
        truncated = len(triples) > job.max_rows
        triples = triples[: job.max_rows]
        body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes_for(fmt.name))
        return QueryOutcome(body or b"", fmt.media_type, truncated, len(triples))
    if isinstance(result, ox.QueryBoolean):
        return solutions_outcome(bool(result), job)
    if job.result_format is None:
        raise NotAcceptableError("the client accepts no SPARQL results format")
    return solutions_outcome(capped_tsv(result, job.max_rows), job)


def solutions_outcome(capped: CappedResults | bool, job: QueryJob) -> QueryOutcome:
    """Solutions cut at the row cap (as SPARQL TSV), or a boolean, in the job's results
    format: what a worker answers, also from an engine's TSV (:mod:`.engine_http`)."""
    if job.result_format is None:
        raise NotAcceptableError("the client accepts no SPARQL results format")
    rfmt = result_format_by_name(job.result_format)
    if isinstance(capped, bool):
        return QueryOutcome(serialize_boolean(capped, rfmt.name), rfmt.media_type)
    body = capped.tsv
    if rfmt.name != "tsv":
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
        assert isinstance(parsed, ox.QuerySolutions)
        body = parsed.serialize(format=rfmt.oxigraph) or b""
    return QueryOutcome(body, rfmt.media_type, capped.truncated, capped.rows)


@dataclass(frozen=True)
class CappedResults:
    """Solutions as SPARQL TSV, cut after ``max_rows`` rows: the text, its rows, whether cut."""

    tsv: bytes
    rows: int
    truncated: bool


class _Enough(Exception):
    """Raised by :class:`_LineSink` to stop Oxigraph once the row cap is passed."""


class _LineSink:
    """A binary file that keeps what Oxigraph writes and stops it after ``lines`` lines.

    SPARQL TSV has one header line, then one line per solution (newlines inside literals are
    escaped), so counting ``\n`` counts rows.
    """

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.seen = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        room = self.lines - self.seen
        count = chunk.count(b"\n")
        if not chunk or count < room or (count == room and chunk.endswith(b"\n")):
            self.parts.append(chunk)
            self.seen += count
            return len(chunk)
        # Something follows the last line we keep: cut after it and stop the query.
        cut = -1
        for _ in range(room):
            cut = chunk.index(b"\n", cut + 1)
        self.parts.append(chunk[: cut + 1])
        self.seen = self.lines
        raise _Enough

    def flush(self) -> None:
        """Nothing to flush: the parts stay in memory."""


def capped_tsv(result: ox.QuerySolutions, max_rows: int) -> CappedResults:
    """Serialise solutions as SPARQL TSV in Oxigraph (Rust), keeping the first ``max_rows``.

    Evaluation stops as soon as row ``max_rows + 1`` is written. TSV is the one results
    format with a row per line; the worker turns it into the negotiated format by parsing it
    back in Oxigraph, which is lossless and much faster than building rows in Python.

    >>> store = ox.Store()
    >>> for i in range(3):
    ...     store.add(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"),
    ...                       ox.Literal("a\\nb")))
    >>> capped = capped_tsv(store.query("SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s"), 2)
    >>> capped.rows, capped.truncated
    (2, True)
    >>> capped.tsv.decode().splitlines()[1]
    '<http://e/0>\\t"a\\\\nb"'
    """
    sink = _LineSink(max_rows + 1)
    truncated = False
    try:
        result.serialize(cast("IO[bytes]", sink), format=ox.QueryResultsFormat.TSV)
    except _Enough:
        truncated = True
    return CappedResults(b"".join(sink.parts), max(sink.seen - 1, 0), truncated)


def prefixes_for(name: str) -> dict[str, str] | None:
    return dict(PREFIXES) if name in ("turtle", "rdfxml") else None
