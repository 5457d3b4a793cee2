"""The ontology, served at its own IRIs: ``/ontology`` (``https://w3id.org/mofkg/ontology``),
whose terms are ``/ontology#<Term>``, and its version IRI ``/ontology/<version>``.

``/ontology`` negotiates in place (``Vary: Accept``): an HTML page listing every class,
property and named individual with its label, definition, domain, range and parents, each
under an anchor named by the term's fragment; Turtle, N-Triples, JSON-LD or RDF/XML.
``/ontology.<ext>`` (``html``, ``ttl``, ``nt``, ``jsonld``, ``rdf``) picks the format. The
ontology is read from the store's ontology graph
(:data:`mofkg.graphstore.namespaces.ONTOLOGY_GRAPH`), so it is the one the store's data and
assessments were built against.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for
from rdflib import Graph

from mofkg.graphstore.catalogue.ontology_terms import ontology_document
from mofkg.graphstore.errors import NotFoundError
from mofkg.graphstore.namespaces import ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES
from mofkg.graphstore.rdfio.serialising import serialise

from ..protocol.negotiation import (
    DocumentFormat,
    content_type,
    document_format_for_extension,
    document_formats,
)
from . import TEMPLATES
from .pages import negotiated_format
from .views import state

blueprint = Blueprint("ontology", __name__, template_folder=TEMPLATES)


def ontology_graph() -> Graph:
    """The store's ontology graph (404 when the store has none)."""
    store = state().store
    graph = state().remember("ontology-graph", lambda: store.to_rdflib(str(ONTOLOGY_GRAPH)))
    if len(graph) == 0:
        raise NotFoundError(
            f"the store holds no ontology (graph <{ONTOLOGY_GRAPH}>); `mofkg init` loads it"
        )
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


@blueprint.route("/ontology")
def ontology() -> Response:
    """The ontology in the format the Accept header prefers."""
    response = _serve(negotiated_format())
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/ontology.<extension>")
def ontology_as(extension: str) -> Response:
    """The ontology in the format its extension names."""
    fmt = document_format_for_extension(extension)
    if fmt is None:
        known = ", ".join(f".{f.extension}" for f in document_formats())
        raise NotFoundError(f"the ontology has no {extension!r} form; it has {known}")
    return _serve(fmt)


@blueprint.route("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The version IRI the ontology declares (``owl:versionIRI``): the ontology itself."""
    doc = ontology_document(ontology_graph(), str(ONTOLOGY_IRI))
    if doc.version_iri != f"{ONTOLOGY_IRI}/{version}":
        current = f"<{doc.version_iri}>" if doc.version_iri else "none"
        raise NotFoundError(f"no ontology version {version!r}; the served version IRI is {current}")
    return ontology()


def _serve(fmt: DocumentFormat) -> Response:
    graph = ontology_graph()
    if fmt.rdf is not None:
        return Response(serialise(graph, fmt.rdf), content_type=content_type(fmt.rdf.media_type))
    alternates = [
        {
            "label": f.rdf.label,
            "media_type": f.media_type,
            "href": url_for("ontology.ontology_as", extension=f.extension),
        }
        for f in document_formats()
        if f.rdf is not None
    ]
    html = render_template(
        "ontology.html", doc=ontology_document(graph, str(ONTOLOGY_IRI)), alternates=alternates
    )
    return Response(html, content_type="text/html; charset=utf-8")
