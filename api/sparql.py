"""The SPARQL 1.1 Protocol at ``/sparql``: queries, updates and the service description.

- ``GET ?query=``, ``POST`` form-encoded (``query=`` or ``update=``), ``POST``
  ``application/sparql-query`` and ``application/sparql-update``; ``default-graph-uri`` and
  ``named-graph-uri`` (``using-graph-uri`` and ``using-named-graph-uri`` for updates).
- Queries see the union of the named graphs as their default graph, run in a killable
  worker (:mod:`api.query_worker`) under the timeout, and are capped at ``max_rows``
  rows; a capped answer carries ``X-Mofkg-Truncated: true`` and a ``Warning`` header.
- A query whose work the row cap bounds (one triple pattern, nothing that filters, joins,
  sorts or skips: :mod:`api.bounded`) runs in this process instead, without the worker's
  ~270 µs crossing: it stops after at most ``INLINE_ROWS + 1`` index steps, so the timeout's
  promise holds. If it has more than ``INLINE_ROWS`` rows and ``max_rows`` allows more, a
  worker answers it in full; the answer is always the one a worker gives.
- Updates need the bearer token and run in this process, one at a time.
- ``GET /sparql`` without a query answers the service description.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, Response, request

from graphstore.errors import QueryError, UnsupportedFormatError
from graphstore.formats import bare_media_type
from graphstore.namespaces import PREFIXES

from .bodies import decoded
from .bounded import run_inline
from .errors import BadRequestError, NotAcceptableError
from .graphstore_protocol import absolute_iri
from .negotiation import (
    ResultFormat,
    accept_for_format_name,
    acceptable,
    content_type,
    negotiate_rdf,
    negotiate_results,
)
from .policy import add_using
from .query_worker import QueryJob, QueryOutcome
from .service_description import description
from .state import Endpoint, endpoint

#: The SPARQL 1.1 Service Description vocabulary.

TRUNCATED_HEADER = "X-Mofkg-Truncated"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

bp = Blueprint("sparql", __name__)


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequestError(f"the request has {len(values)} '{name}' parameters; give one")
    return values[0] if values else None


def _body_text() -> str:
    """The request body as text: SPARQL bodies must be UTF-8."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedFormatError(f"the request body must be UTF-8, not {charset}")
    data = decoded(
        request.get_data(),
        encoding=request.headers.get("Content-Encoding"),
        limit=endpoint().settings.max_body,
        source="request body",
    )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"the request body is not valid UTF-8: {exc}") from exc


def _graphs(name: str) -> list[str]:
    """The graph IRIs of a dataset parameter (``default-graph-uri`` ...), each checked to be
    an absolute IRI: a 400 names the first that is not."""
    values = request.args.getlist(name)
    if request.mimetype == FORM:
        values += request.form.getlist(name)
    for value in values:
        absolute_iri(value, f"{name}={value!r}")
    return values


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """One SPARQL operation, or the service description."""
    query: str | None = None
    update: str | None = None
    if request.method in ("GET", "HEAD"):  # Flask answers HEAD with the GET view, minus the body
        if "update" in request.args:
            raise BadRequestError("updates must be POSTed, not sent with GET")
        query = _one(request.args.getlist("query"), "query")
        if query is None:
            return service_description()
    else:
        mimetype = bare_media_type(request.content_type or "")
        if mimetype == FORM:
            query = _one(request.form.getlist("query"), "query")
            update = _one(request.form.getlist("update"), "update")
            if query is None and update is None:
                raise BadRequestError("the form has neither a 'query' nor an 'update' field")
        elif mimetype == QUERY_TYPE:
            query = _body_text()
        elif mimetype == UPDATE_TYPE:
            endpoint().check_token()  # 401 before the body is read, as the Graph Store's
            update = _body_text()
        else:
            raise UnsupportedFormatError(
                f"POST a SPARQL operation as {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}, "
                f"not {mimetype or 'a body without Content-Type'}"
            )
        if query is not None and update is not None:
            raise BadRequestError("a request carries either a query or an update, not both")
    if update is not None:
        return _run_update(update)
    assert query is not None
    return _run_query(query)


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
) -> QueryJob:
    """Negotiate the formats and check the policy: the job to run, or the error to answer."""
    formats = query_formats(accept)
    if formats.results is None and formats.rdf_name is None:
        raise NotAcceptableError(acceptable(accept))
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


def answer_query(state: Endpoint, job: QueryJob) -> QueryAnswer:
    """Run a job (inline if bounded, else in a worker) and describe the answer.

    Flask-free, so that :class:`api.app.QueryFastPath` answers plain ``GET /sparql?query=``
    requests with the very same code as the view; :class:`api.front.Front` runs the same
    steps, the worker awaited on the event loop.
    """
    outcome = run_inline(state.store.oxigraph, job)
    if outcome is None:
        outcome = state.pool.run(job)
    return query_answer(state, outcome)


def _run_query(query: str) -> Response:
    accept = request.headers.get("Accept")
    fmt_name = request.args.get("format") or (
        request.form.get("format") if request.mimetype == FORM else None
    )
    if fmt_name:
        try:
            accept = accept_for_format_name(fmt_name)
        except UnsupportedFormatError as exc:
            raise BadRequestError(f"format={fmt_name}: {exc}") from exc
    state = endpoint()
    job = query_job(
        state,
        query,
        accept=accept,
        base_iri=request.base_url,
        default_graphs=_graphs("default-graph-uri"),
        named_graphs=_graphs("named-graph-uri"),
    )
    answer = answer_query(state, job)
    response = Response(answer.body, content_type=answer.content_type)
    response.headers.extend(answer.headers)
    return response


def _run_update(update: str) -> Response:
    state = endpoint()
    state.check_token()
    base = request.base_url
    state.policy(base_iri=base).check(update)
    text = add_using(
        update,
        using=_graphs("using-graph-uri"),
        using_named=_graphs("using-named-graph-uri"),
    )
    with state.writing() as store:
        try:
            store.oxigraph.update(text, base_iri=base, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(f"malformed update: {exc.msg or exc}") from exc
        except (ValueError, OSError, RuntimeError) as exc:  # RuntimeError: DROP of no graph ...
            raise QueryError(f"update failed: {exc}") from exc
    return Response(status=204)


def service_description() -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in a negotiated RDF format."""
    accept = request.headers.get("Accept")
    fmt = negotiate_rdf(accept)
    if fmt is None:
        raise NotAcceptableError(acceptable(accept))
    body = description(endpoint(), request.base_url, fmt)
    response = Response(body, content_type=content_type(fmt.media_type))
    response.headers["Vary"] = "Accept"
    return response
