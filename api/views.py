"""What the page, badge and JSON API blueprints share.

Each of those blueprints reads the catalogue from ``flask.current_app.extensions["mofkg"]``
(:data:`api.state.EXTENSION`): any object with ``.store`` (a
:class:`graphstore.store.Store`) and ``.settings`` (a :class:`graphstore.settings.Settings`),
which :class:`api.state.Endpoint` is. Read queries are :mod:`graphstore.catalogue`.

>>> local_path("https://w3id.org/mofkg/id/model/OLMo-7B", "https://w3id.org/mofkg/")
'/id/model/OLMo-7B'
>>> local_path("http://spdx.org/licenses/MIT", "https://w3id.org/mofkg/")
'/licence/MIT'
>>> local_path("https://example.org/x", "https://w3id.org/mofkg/") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graphstore.formats import RdfFormat
from graphstore.namespaces import PREFIXES, SPDX_LICENCE, Ids
from graphstore.settings import Settings
from graphstore.store import Store

from .negotiation import graph_formats
from .state import EXTENSION

HTML_TYPES = ("text/html", "application/xhtml+xml")


class CatalogueState(Protocol):
    """What the blueprints need from ``app.extensions["mofkg"]``."""

    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...


@dataclass(frozen=True)
class Catalogue:
    """The plain :class:`CatalogueState`: a store and its settings."""

    store: Store
    settings: Settings


def state() -> CatalogueState:
    """The catalogue of the current app."""
    found: CatalogueState = current_app.extensions[EXTENSION]
    return found


def ids() -> Ids:
    """The IRI minter for the app's base IRI."""
    return Ids(state().settings.base_iri)


def local_path(iri: str, base_iri: str) -> str | None:
    """The path of our page about ``iri``, or None when we have no page for it."""
    id_base = Ids(base_iri).id
    text = str(iri)
    if text.startswith(str(id_base)) and len(text) > len(str(id_base)):
        return "/id/" + text[len(str(id_base)) :]
    if text.startswith(str(SPDX_LICENCE)) and "/" not in text[len(str(SPDX_LICENCE)) :]:
        return "/licence/" + text[len(str(SPDX_LICENCE)) :]
    return None


def curie(iri: str) -> str:
    """A prefixed name for ``iri`` when one of our prefixes covers it.

    >>> curie("https://w3id.org/mofkg/ontology#Model")
    'mof:Model'
    """
    best = ""
    result = str(iri)
    for prefix, namespace in PREFIXES.items():
        if str(iri).startswith(namespace) and len(namespace) > len(best):
            rest = str(iri)[len(namespace) :]
            if rest and "/" not in rest and "#" not in rest:
                best, result = namespace, f"{prefix}:{rest}"
    return result


@dataclass(frozen=True)
class DocumentFormat:
    """How a document about a resource is served: HTML, or one RDF format."""

    extension: str
    media_type: str
    rdf: RdfFormat | None


def document_formats() -> tuple[DocumentFormat, ...]:
    """HTML first, then the RDF formats graphs are served in (:mod:`api.negotiation`)."""
    html = DocumentFormat("html", "text/html", None)
    rdf = tuple(DocumentFormat(f.suffix.lstrip("."), f.media_type, f) for f in graph_formats())
    return (html, *rdf)


def document_format_for_extension(extension: str) -> DocumentFormat | None:
    return next((f for f in document_formats() if f.extension == extension), None)


def negotiate_document(accept: str | None) -> DocumentFormat | None:
    """The document format an Accept header prefers; None when nothing fits (406).

    HTML wins ties (browsers, ``*/*``, no header); q-values decide otherwise.

    >>> negotiate_document("text/turtle;q=0.9, application/ld+json").extension
    'jsonld'
    >>> negotiate_document("text/html,application/xml;q=0.9,*/*;q=0.8").extension
    'html'
    >>> negotiate_document("image/png") is None
    True
    """
    formats = document_formats()
    if accept is None or not accept.strip():
        return formats[0]
    offers: list[tuple[str, DocumentFormat]] = [(m, formats[0]) for m in HTML_TYPES]
    offers += [(m, f) for f in formats[1:] if f.rdf is not None for m in f.rdf.media_types]
    chosen = parse_accept_header(accept, MIMEAccept).best_match([m for m, _ in offers])
    if chosen is None:
        return None
    return next(f for m, f in offers if m == chosen)
