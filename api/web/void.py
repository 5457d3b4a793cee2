"""``/.well-known/void``: the VoID description of the store (RFC 8615's well-known place,
as the VoID note asks), in the RDF format ``?format=`` names (``turtle``, ``ntriples``,
``nquads``, ``trig``, ``jsonld``, ``rdfxml``; any other value is 400) or else the one the
Accept header prefers (Turtle by default).

The counts behind it (graph sizes, links per target and predicate) take a scan of the
store, so they are worked out once per store generation, for every server process
(:mod:`mofkg.api.web.generation_cache`).
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, request

from mofkg.graphstore.exports.catalogue import catalog_iri
from mofkg.graphstore.exports.void import (
    LINK_TARGETS,
    VOID_PREFIXES,
    LinkCount,
    Site,
    count_links,
    void_triples,
)
from mofkg.graphstore.rdfio.formats import RdfFormat, format_by_name, format_names

from ..errors import NotAcceptableError
from ..protocol.negotiation import content_type, negotiate_rdf
from ..protocol.parameters import one_of
from ..server.state import endpoint
from .dumps_routes import freshness
from .generation_cache import per_generation

blueprint = Blueprint("void", __name__)


def site() -> Site:
    """The URLs of this server, as the request reached it."""
    return Site(request.url_root)


@blueprint.route("/.well-known/void")
def description() -> Response:
    """The VoID description in the negotiated RDF format."""
    accept = request.headers.get("Accept")
    asked = request.args.get("format")
    fmt: RdfFormat | None
    if asked is not None:  # named: it wins over Accept
        fmt = format_by_name(one_of("format", asked, format_names()))
    elif accept and accept.strip():
        fmt = negotiate_rdf(accept)
    else:
        fmt = format_by_name("turtle")
    if fmt is None:
        raise NotAcceptableError(f"Accept {accept!r} matches no RDF format of the description")
    state = endpoint()
    sizes = per_generation(
        state, "graph-sizes", lambda: state.store.graph_sizes(), encode=_json, decode=json.loads
    )
    links = per_generation(
        state,
        "void-links",
        lambda: count_links(state.store),
        encode=_links_json,
        decode=_links_from_json,
    )
    _, modified = freshness()
    triples = void_triples(
        site(),
        graph_sizes=sizes,
        links=links,
        base_iri=state.settings.base_iri,
        licence=state.settings.data_licence_iri,
        modified=modified,
        catalog=catalog_iri(state.settings.base_iri),
    )
    if fmt.is_dataset:  # a description is one graph; N-Quads and TriG carry it as the default
        triples_or_quads: list[ox.Triple] | list[ox.Quad] = [
            ox.Quad(t.subject, t.predicate, t.object) for t in triples
        ]
    else:
        triples_or_quads = triples
    prefixes = VOID_PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
    body = ox.serialize(triples_or_quads, format=fmt.oxigraph, prefixes=prefixes) or b""
    response = Response(body, content_type=content_type(fmt.media_type))
    response.headers["Vary"] = "Accept"
    return response


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _links_json(links: list[LinkCount]) -> bytes:
    return _json([[c.target.key, c.predicate, c.triples] for c in links])


def _links_from_json(data: bytes) -> list[LinkCount]:
    targets = {t.key: t for t in LINK_TARGETS}
    return [LinkCount(targets[key], predicate, n) for key, predicate, n in json.loads(data)]
