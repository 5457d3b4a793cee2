"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store``.

- ``/store?graph=IRI`` names a graph indirectly, ``/store?default`` the store's default
  graph (which holds nothing unless written here: queries see the union of the named
  graphs), and ``/store/<path>`` names the graph whose IRI is that URL (direct
  identification). ``POST /store`` alone creates a new graph and answers its IRI in
  ``Location``.
- ``GET`` / ``HEAD`` read (404 for a graph the store lacks); ``PUT`` replaces, ``POST``
  appends (a body or ``multipart/form-data`` files), ``DELETE`` drops. Writes need the
  bearer token, and are all-or-nothing: every part is parsed first, and only when all
  parse is the target changed, in one transaction (:mod:`mofkg.graphstore.store.commit`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request

from mofkg.graphstore.errors import NotFoundError, QueryError, UnsupportedFormatError
from mofkg.graphstore.rdfio.bounded_input import Budget
from mofkg.graphstore.rdfio.formats import (
    RdfFormat,
    bare_media_type,
    format_for_media_type,
    format_for_suffix,
)
from mofkg.graphstore.rdfio.loading import RdfInput, open_rdf_input
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.remote_http import BackendUnsupported

from ..errors import BadRequestError, NotAcceptableError
from ..server.bodies import is_gzip_coding, require_utf8
from ..server.state import endpoint
from .negotiation import acceptable, content_type, graph_formats, negotiate_rdf
from .parameters import check_repeats, unknown_error, unknown_parameters

bp = Blueprint("graph_store", __name__)

METHODS = ["GET", "PUT", "POST", "DELETE"]


@dataclass(frozen=True)
class Target:
    """The graph a request is about: a named graph IRI, or ``None`` for the default graph."""

    iri: str | None
    created: bool = False

    @property
    def label(self) -> str:
        return "the default graph" if self.iri is None else f"graph <{self.iri}>"


#: The parameters of the Graph Store Protocol; any other is 400, never ignored.
PARAMETERS = ("graph", "default")


def _target(direct: str | None) -> Target:
    params = list(request.args.items(multi=True))
    check_repeats(params, repeatable=())
    unknown = unknown_parameters(params, known=PARAMETERS)
    if unknown:
        raise unknown_error(unknown, known=PARAMETERS, where="the Graph Store (/store)")
    has_graph = "graph" in request.args
    has_default = "default" in request.args
    if direct is not None:
        if has_graph or has_default:
            raise BadRequestError("a graph named by its URL takes no 'graph' or 'default'")
        return Target(absolute_iri(request.base_url, "the graph's URL"))
    if has_graph and has_default:
        raise BadRequestError("give either 'graph' or 'default', not both")
    if has_default:
        return Target(None)
    if has_graph:
        return Target(absolute_iri(request.args.get("graph", ""), "'graph'"))
    if request.method == "POST":
        return Target(request.host_url + "store/" + uuid.uuid4().hex, created=True)
    raise BadRequestError("name a graph with ?graph=IRI, or the default graph with ?default")


def absolute_iri(text: str, what: str) -> str:
    """``text`` if it is an absolute IRI, else a 400 that names ``what`` (the Graph Store's
    graphs, the SPARQL protocol's dataset parameters)."""
    try:
        ox.NamedNode(text)
    except ValueError as exc:
        raise BadRequestError(f"{what} must be an absolute IRI: {exc}") from exc
    return text


def _named(target: Target) -> str:
    """The target's graph on a remote store, which has no default graph of its own."""
    if target.iri is None:
        raise BackendUnsupported(
            "the default graph alone is not available on a remote backend yet (its default "
            "graph is the union of its named graphs): name a graph with ?graph="
        )
    return target.iri


def _exists(store: Store, target: Target) -> bool:
    return target.iri is None or store.has_graph(target.iri)


def _format_of(media_type: str | None, filename: str | None) -> RdfFormat:
    allowed = graph_formats()
    if media_type and bare_media_type(media_type) not in ("", "application/octet-stream"):
        fmt = format_for_media_type(media_type)
    elif filename:
        fmt = format_for_suffix(filename)
    else:
        raise UnsupportedFormatError("say the RDF format of the body with Content-Type")
    if fmt not in allowed:
        names = ", ".join(f.media_type for f in allowed)
        raise UnsupportedFormatError(f"{fmt.label} holds datasets; send one graph as {names}")
    return fmt


def _parts() -> list[RdfInput]:
    """The RDF documents of a write, read and checked; all of them (after inflation) within
    one ``max_body``."""
    settings = endpoint().settings
    budget = Budget(settings.max_body)
    depth = settings.max_input_depth
    if request.mimetype == "multipart/form-data":
        parts = []
        for name, file in request.files.items(multi=True):
            source = file.filename or name
            require_utf8(dict(file.mimetype_params), what=f"the part {source}")
            fmt = _format_of(file.mimetype, file.filename)
            parts.append(
                open_rdf_input(
                    file.read(), format=fmt, source_name=source, budget=budget, max_depth=depth
                )
            )
        if not parts:
            raise BadRequestError("the multipart request holds no file")
        return parts
    require_utf8(dict(request.mimetype_params), what="the request body")
    fmt = _format_of(request.content_type, None)
    source = "request body"
    gzip = is_gzip_coding(request.headers.get("Content-Encoding"), source=source)
    rdf = open_rdf_input(
        request.get_data(),
        format=fmt,
        source_name=source,
        budget=budget,
        gzip=gzip,
        max_depth=depth,
    )
    return [rdf]


def _write(store: Store, target: Target, parts: list[RdfInput], *, replace: bool) -> None:
    """Parse every part in full, then change the target in ONE transaction: nothing of the
    write is in the store before it (no staging graph), all of it after."""
    inputs = [(part, target.iri) for part in parts]
    # An empty graph still exists once written, as for Oxigraph's own server.
    create = [target.iri] if target.iri is not None and not store.has_graph(target.iri) else []
    store.write_inputs(
        inputs,
        replace=replace,
        create=create,
        base_iri=target.iri or request.base_url,
        target_only=True,
    )


def _read(target: Target) -> Response:
    state = endpoint()
    accept = request.headers.get("Accept")
    fmt = negotiate_rdf(accept)
    if fmt is None:
        raise NotAcceptableError(acceptable(accept))
    store = state.store
    if not _exists(store, target):
        raise NotFoundError(f"the store holds no {target.label}")
    prefixes: dict[str, str] | None = {} if fmt.name in ("ntriples", "jsonld") else None
    graph = ox.DefaultGraph() if target.iri is None else ox.NamedNode(target.iri)
    if state.remote:  # the remote store's graph, read through its Graph Store Protocol
        body = store.export(None, fmt, graph=_named(target))
    else:
        body = store.oxigraph.dump(format=fmt.oxigraph, from_graph=graph, prefixes=prefixes)
    response = Response(body or b"", content_type=content_type(fmt.media_type))
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/store", methods=METHODS, defaults={"direct": None})
@bp.route("/store/<path:direct>", methods=METHODS)
def graph_store(direct: str | None) -> Response:
    """One Graph Store Protocol operation."""
    target = _target(direct)
    if request.method in ("GET", "HEAD"):
        return _read(target)
    state = endpoint()
    state.check_token()
    if request.method == "DELETE":
        with state.writing() as store:
            if not _exists(store, target):
                raise NotFoundError(f"the store holds no {target.label}")
            graph = ox.DefaultGraph() if target.iri is None else ox.NamedNode(target.iri)
            try:
                if state.remote:
                    store.drop_graphs([_named(target)])
                elif target.iri is None:
                    store.oxigraph.clear_graph(graph)
                else:
                    store.oxigraph.remove_graph(graph)
            except OSError as exc:
                raise QueryError(f"cannot drop {target.label}: {exc}") from exc
        return Response(status=204)
    parts = _parts()
    with state.writing() as store:
        existed = target.iri is not None and store.has_graph(target.iri)
        _write(store, target, parts, replace=request.method == "PUT")
    if target.created:
        response = Response(status=201)
        response.headers["Location"] = target.iri or ""
        return response
    return Response(status=201 if target.iri is not None and not existed else 204)
