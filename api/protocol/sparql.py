"""The SPARQL 1.1 Protocol at ``/sparql``: queries, updates and the service description.

- ``GET ?query=``, ``POST`` form-encoded (``query=`` or ``update=``), ``POST``
  ``application/sparql-query`` and ``application/sparql-update``; ``default-graph-uri`` and
  ``named-graph-uri`` (``using-graph-uri`` and ``using-named-graph-uri`` for updates).
- Queries see the union of the named graphs as their default graph, run in a killable
  worker (:mod:`mofkg.api.server.pool`) under the timeout, and are capped at ``max_rows``
  rows; a capped answer carries ``X-Mofkg-Truncated: true`` and a ``Warning`` header.
- A query whose work the row cap bounds (one triple pattern, nothing that filters, joins,
  sorts or skips: :mod:`mofkg.api.server.bounded`) runs in this process instead, without the
  worker's ~270 µs crossing: it stops after at most ``INLINE_ROWS + 1`` index steps, so the
  timeout's promise holds. If it has more than ``INLINE_ROWS`` rows and ``max_rows`` allows more, a
  worker answers it in full; the answer is always the one a worker gives.
- Updates need the bearer token and run in this process, one at a time.
- ``format=`` (or ``output=``, ``results=``) names a format as Virtuoso and Fuseki take it
  (:mod:`mofkg.api.protocol.format_parameter`); where it names none for the query's form, the Accept
  header decides. Parameters and bodies are read by :mod:`mofkg.api.protocol.sparql_request`.
- ``GET /sparql`` without a query answers the service description, or the query page to a
  browser (an Accept header that prefers HTML to every RDF format).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, Response, make_response, request
from werkzeug.wrappers import Response as BaseResponse

from mofkg.graphstore.rdfio.formats import format_by_name

from ..errors import BadRequestError, NotAcceptableError
from ..server.bounded import run_inline
from ..server.policy import add_using
from ..server.pool import Gone
from ..server.queries import QueryJob, QueryOutcome, execute_update
from ..server.remote import check_update
from ..server.state import Endpoint, endpoint
from ..server.wsgi import CLIENT_GONE
from ..web import pages
from .format_parameter import PARAMETERS as FORMAT_PARAMETERS
from .format_parameter import FormatRequest, format_request
from .graph_store import absolute_iri
from .negotiation import (
    ResultFormat,
    acceptable,
    content_type,
    negotiate_rdf,
    negotiate_results,
    prefers_html,
)
from .service_description import description
from .sparql_request import SparqlRequest, read_request

TRUNCATED_HEADER = "X-Mofkg-Truncated"
#: Parameters other servers take that this one refuses rather than ignore.
REFUSED: dict[str, str] = {
    "timeout": "a client cannot set the timeout here: every query has the server's "
    "(setting query_timeout)",
}

bp = Blueprint("sparql", __name__)


def _graphs(asked: SparqlRequest, name: str) -> list[str]:
    """The graph IRIs of a dataset parameter (``default-graph-uri`` ...), each checked to be
    an absolute IRI: a 400 names the first that is not."""
    values = asked.values(name)
    for value in values:
        absolute_iri(value, f"{name}={value!r}")
    return values


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> BaseResponse:
    """One SPARQL operation, or the service description (the query page for a browser)."""
    asked = read_request()
    for name, why in REFUSED.items():
        if asked.values(name):
            raise BadRequestError(f"the '{name}' parameter is not supported: {why}")
    if asked.update is not None:
        return _run_update(asked, asked.update)
    if asked.query is None:
        return service_description(asked)
    return _run_query(asked, asked.query)


@dataclass(frozen=True)
class QueryFormats:
    """What an Accept header asks of a query: a results format and an RDF format (or None)."""

    results: ResultFormat | None
    rdf_name: str | None


@lru_cache(maxsize=256)
def query_formats(accept: str | None) -> QueryFormats:
    """The formats for an Accept header; clients send few distinct ones, so it is cached.

    >>> query_formats("text/csv")
    QueryFormats(results=ResultFormat(name='csv', ...), rdf_name=None)
    """
    rdf = negotiate_rdf(accept)
    return QueryFormats(negotiate_results(accept), rdf.name if rdf else None)


def asked_formats(accept: str | None, asked: FormatRequest | None) -> QueryFormats:
    """The formats of a ``format=`` where it names one for the query's form, else those the
    Accept header asks for (:mod:`mofkg.api.protocol.format_parameter`).

    >>> from mofkg.api.protocol.format_parameter import format_request
    >>> asked_formats("text/turtle", format_request([("format", "csv")]))
    QueryFormats(results=ResultFormat(name='csv', ...), rdf_name='turtle')
    """
    negotiated = query_formats(accept)
    if asked is None:
        return negotiated
    return QueryFormats(asked.results or negotiated.results, asked.rdf_name or negotiated.rdf_name)


def _not_acceptable(accept: str | None, asked: FormatRequest | None) -> str:
    if asked is None:
        return acceptable(accept)
    return f"neither {asked.label} nor the Accept header {accept!r} fits: {acceptable(accept)}"


@dataclass(frozen=True)
class QueryAnswer:
    """A query's answer before it becomes an HTTP response: body, Content-Type, headers."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]


def query_job(
    state: Endpoint,
    query: str,
    *,
    accept: str | None,
    base_iri: str,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    asked: FormatRequest | None = None,
) -> QueryJob:
    """Negotiate the formats and check the policy: the job to run, or the error to answer."""
    formats = asked_formats(accept, asked)
    if formats.results is None and formats.rdf_name is None:
        raise NotAcceptableError(_not_acceptable(accept, asked))
    state.check_policy(query, base_iri=base_iri)
    dataset = bool(default_graphs or named_graphs)
    return QueryJob(
        query=query,
        default_graphs=tuple(default_graphs or ()) if dataset else None,
        named_graphs=tuple(named_graphs or ()) if dataset else None,
        result_format=formats.results.name if formats.results else None,
        rdf_format=formats.rdf_name,
        max_rows=state.settings.max_rows,
        base_iri=base_iri,
    )


def query_answer(state: Endpoint, outcome: QueryOutcome) -> QueryAnswer:
    """A job's outcome as an answer (its error raised), with the truncation headers."""
    outcome.raise_error()
    headers: tuple[tuple[str, str], ...] = (("Vary", "Accept"),)
    if outcome.truncated:
        limit = state.settings.max_rows
        headers += (
            (TRUNCATED_HEADER, "true"),
            (
                "Warning",
                f'199 mofkg "results truncated to the first {limit} rows (setting max_rows)"',
            ),
        )
    return QueryAnswer(outcome.body, content_type(outcome.media_type), headers)


def answer_query(state: Endpoint, job: QueryJob, *, gone: Gone | None = None) -> QueryAnswer:
    """Run a job (inline if bounded, else in a worker) and describe the answer; the view's
    way, in its thread. A job in a worker is stopped when ``gone`` is done (the client went
    away, :data:`mofkg.api.server.wsgi.CLIENT_GONE`)."""
    outcome = None if state.remote else run_inline(state.store.oxigraph, job)
    if outcome is None:
        with state.lane.waiting():  # the worker runs it: other requests may run Python
            outcome = state.pool.run(job, gone=gone)
    return query_answer(state, outcome)


async def answer_query_async(
    state: Endpoint,
    job: QueryJob,
    *,
    watch: Callable[[], Awaitable[None]] | None = None,
) -> QueryAnswer:
    """:func:`answer_query` on an event loop (the RSGI front's plain ``GET /sparql?query=``),
    the worker awaited: the same job, the same pool, the same answer. ``watch()`` (RSGI's
    ``client_disconnect``) is awaited only while a worker runs the job, which is stopped if
    it ends first; an inline job costs no watcher."""
    outcome = None if state.remote else run_inline(state.store.oxigraph, job)
    if outcome is None:
        gone = asyncio.ensure_future(watch()) if watch is not None else None
        try:
            outcome = await state.pool.run_async(job, gone=gone)
        finally:
            if gone is not None:
                gone.cancel()
    return query_answer(state, outcome)


def _run_query(asked: SparqlRequest, query: str) -> Response:
    accept = request.headers.get("Accept")
    formats = format_request(asked.pairs(FORMAT_PARAMETERS))
    state = endpoint()
    job = query_job(
        state,
        query,
        accept=accept,
        base_iri=request.base_url,
        default_graphs=_graphs(asked, "default-graph-uri"),
        named_graphs=_graphs(asked, "named-graph-uri"),
        asked=formats,
    )
    try:
        answer = answer_query(state, job, gone=request.environ.get(CLIENT_GONE))
    except NotAcceptableError as exc:  # the query's form has no format the client takes
        if formats is None:
            raise
        raise NotAcceptableError(f"{exc}: {_not_acceptable(accept, formats)}") from exc
    response = Response(answer.body, content_type=answer.content_type)
    response.headers.extend(answer.headers)
    return response


def _run_update(asked: SparqlRequest, update: str) -> Response:
    state = endpoint()
    state.check_token()
    base = request.base_url
    state.policy(base_iri=base).check(update)
    text = add_using(
        update,
        using=_graphs(asked, "using-graph-uri"),
        using_named=_graphs(asked, "using-named-graph-uri"),
    )
    with state.writing() as store:
        if state.remote:  # the remote store runs it as one request (docs/backends.md)
            check_update(text, base)
            store.update(text, base_iri=base)
        else:
            execute_update(store.oxigraph, text, base_iri=base)
    return Response(status=204)


def service_description(asked: SparqlRequest) -> BaseResponse:
    """The SPARQL 1.1 Service Description of this endpoint, in a negotiated RDF format; a
    browser (whose Accept header prefers HTML to every RDF format) gets the query page."""
    accept = request.headers.get("Accept")
    formats = format_request(asked.pairs(FORMAT_PARAMETERS))
    fmt = format_by_name(formats.rdf_name) if formats and formats.rdf_name else None
    if fmt is None and prefers_html(accept):
        page = make_response(pages.query_page())
        page.headers["Vary"] = "Accept"
        return page
    fmt = fmt or negotiate_rdf(accept)
    if fmt is None:
        raise NotAcceptableError(_not_acceptable(accept, formats))
    body = description(endpoint(), request.base_url, fmt)
    response = Response(body, content_type=content_type(fmt.media_type))
    response.headers["Vary"] = "Accept"
    return response
