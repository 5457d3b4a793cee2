"""``/catalog``: the catalogue as DCAT for data portals (MLDCAT-AP 3.1 or DCAT-AP 3).

``/catalog`` negotiates Turtle, N-Triples, JSON-LD or RDF/XML (and HTML: a page that lists
what the catalogue holds and links to each download); ``/catalog.<ext>`` picks the format by
extension (``ttl``, ``nt``, ``jsonld``, ``rdf``). ``?profile=dcat-ap`` asks for DCAT-AP 3;
MLDCAT-AP 3.1 is the default. The triples come from
:func:`mofkg.graphstore.exports.catalogue.catalogue_triples` and are worked out once per store
generation, for every server process (:mod:`mofkg.api.web.generation_cache`).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.http import is_resource_modified

from mofkg.graphstore.errors import NotFoundError
from mofkg.graphstore.exports.catalogue import (
    EXPORT_PREFIXES,
    PROFILES,
    catalog_iri,
    catalogue_triples,
    profile_named,
)

from ..errors import NotAcceptableError
from ..protocol.negotiation import (
    DocumentFormat,
    content_type,
    document_format_for_extension,
    document_formats,
    negotiate_document,
)
from .dumps_routes import freshness
from .generation_cache import per_generation
from .views import local_path, state

blueprint = Blueprint("catalog", __name__, template_folder="templates")

DEFAULT_PROFILE = "mldcat-ap"
_TITLE = "http://purl.org/dc/terms/title"
_TOPIC = "http://xmlns.com/foaf/0.1/primaryTopic"
_RESOURCE = "http://www.w3.org/ns/dcat#resource"


@blueprint.route("/catalog")
def catalog() -> Response:
    """The catalogue in the format the Accept header prefers (406 when none fits)."""
    accept = request.headers.get("Accept")
    fmt = negotiate_document(accept)
    if fmt is None:
        offered = ", ".join(f.media_type for f in document_formats())
        raise NotAcceptableError(f"Accept {accept!r} matches none of: {offered}")
    response = _answer(fmt)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/catalog.<extension>")
def catalog_as(extension: str) -> Response:
    """The catalogue in the format its extension names."""
    fmt = document_format_for_extension(extension)
    if fmt is None:
        offered = ", ".join(f".{f.extension}" for f in document_formats())
        raise NotFoundError(f"no catalogue format .{extension}; there are: {offered}")
    return _answer(fmt)


def _profile() -> str:
    name = request.args.get("profile", DEFAULT_PROFILE)
    return profile_named(name).name  # 400 naming the profiles, for an unknown one


def _triples(profile: str) -> list[ox.Triple]:
    catalogue = state()
    settings = catalogue.settings
    return per_generation(
        catalogue,
        f"catalog-{profile}",
        lambda: catalogue_triples(
            catalogue.store,
            profile,
            base_iri=settings.base_iri,
            data_licence=settings.data_licence_iri,
        ),
        encode=_ntriples,
        decode=_triples_of,
    )


def _ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _triples_of(data: bytes) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def _answer(fmt: DocumentFormat) -> Response:
    """The catalogue in ``fmt``; 304 to a client whose copy is of the store's generation.

    The ETag is weak: each server process writes its own time into the records, so two
    processes' copies of one generation mean the same but differ in those bytes.
    """
    profile = _profile()
    token, modified = freshness()
    etag = f'W/"{token}-{profile}-{fmt.extension}"'
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        response = Response(status=304)
    elif fmt.rdf is None:
        html = _page(profile, _triples(profile))
        response = Response(html, content_type="text/html; charset=utf-8")
    else:
        prefixes = EXPORT_PREFIXES if fmt.rdf.name in ("turtle", "rdfxml") else None
        triples = _triples(profile)
        body = ox.serialize(triples, format=fmt.rdf.oxigraph, prefixes=prefixes) or b""
        response = Response(body, content_type=content_type(fmt.rdf.media_type))
    response.headers["Link"] = f'<{PROFILES[profile].conforms_to}>; rel="profile"'
    response.headers["ETag"] = etag
    response.last_modified = modified
    return response


def _page(profile: str, triples: list[ox.Triple]) -> str:
    """The HTML page: the catalogue's entries (models, datasets) and its downloads."""
    base = state().settings.base_iri
    titles: dict[str, str] = {}
    models: set[str] = set()
    topics: list[str] = []
    for t in triples:
        predicate, subject, value = t.predicate.value, t.subject, t.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == _TITLE and isinstance(value, ox.Literal):
            titles.setdefault(subject.value, value.value)
        elif predicate == _RESOURCE and isinstance(value, ox.NamedNode):
            models.add(value.value)  # the catalogue lists its models so
        elif predicate == _TOPIC and isinstance(value, ox.NamedNode):
            topics.append(value.value)
    entries = [
        {
            "title": titles.get(iri, iri),
            "href": local_path(iri, base) or iri,
            "kind": "model" if iri in models else "dataset",
        }
        for iri in sorted(set(topics), key=lambda i: (titles.get(i) or i).lower())
    ]
    downloads = [
        {
            "label": f.rdf.label,
            "media_type": f.media_type,
            "href": url_for("catalog.catalog_as", extension=f.extension, profile=profile),
        }
        for f in document_formats()
        if f.rdf is not None
    ]
    return render_template(
        "catalog.html",
        profile=PROFILES[profile],
        profiles=list(PROFILES.values()),
        iri=catalog_iri(base),
        entries=entries,
        downloads=downloads,
        triples=len(triples),
    )
