"""A query job and how it runs: :func:`run_job` evaluates it on a store and serialises it.

:class:`QueryJob` is what the endpoint sends to a query worker (:mod:`mofkg.api.server.worker`)
or runs inline (:mod:`mofkg.api.server.bounded`); :class:`QueryOutcome` is the serialised
answer, or the error to raise. Solutions are cut at the job's row cap inside Oxigraph
(:func:`capped_tsv`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import IO, Any, cast

import pyoxigraph as ox

from mofkg.graphstore.errors import MofkgError, QueryError
from mofkg.graphstore.formats import format_by_name
from mofkg.graphstore.namespaces import PREFIXES

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


def run_job(store: ox.Store, job: QueryJob) -> QueryOutcome:
    """Run one job on a store and serialise its result (the worker's whole job)."""
    kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": job.base_iri}
    try:
        if job.default_graphs is not None or job.named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
        else:
            kwargs["use_default_graph_as_union"] = True
        result = store.query(job.query, **kwargs)
        if isinstance(result, ox.QueryTriples):
            if job.rdf_format is None:
                raise NotAcceptableError("the client accepts no RDF format for this graph result")
            fmt = format_by_name(job.rdf_format)
            triples = list(islice(result, job.max_rows + 1))
            truncated = len(triples) > job.max_rows
            triples = triples[: job.max_rows]
            body = ox.serialize(triples, format=fmt.oxigraph, prefixes=_prefixes_for(fmt.name))
            return QueryOutcome(body or b"", fmt.media_type, truncated, len(triples))
        if job.result_format is None:
            raise NotAcceptableError("the client accepts no SPARQL results format")
        rfmt = result_format_by_name(job.result_format)
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome(serialize_boolean(bool(result), rfmt.name), rfmt.media_type)
        capped = capped_tsv(result, job.max_rows)
        body = capped.tsv
        if rfmt.name != "tsv":
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
            assert isinstance(parsed, ox.QuerySolutions)
            body = parsed.serialize(format=rfmt.oxigraph) or b""
        return QueryOutcome(body, rfmt.media_type, capped.truncated, capped.rows)
    except NotAcceptableError as exc:
        return QueryOutcome(error_kind="NotAcceptableError", error=str(exc))
    except SyntaxError as exc:
        return QueryOutcome(error_kind="QueryError", error=f"malformed query: {exc.msg or exc}")
    except (ValueError, OSError, RuntimeError) as exc:  # RuntimeError: an unknown function
        return QueryOutcome(error_kind="QueryError", error=f"query failed: {exc}")


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


def _prefixes_for(name: str) -> dict[str, str] | None:
    return dict(PREFIXES) if name in ("turtle", "rdfxml") else None
