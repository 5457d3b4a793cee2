"""The ontology served at its own IRIs: /ontology (HTML, Turtle, N-Triples, JSON-LD, RDF/XML)
with every term under an anchor named by its fragment, and pages linking terms to it."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from mofkg.graphstore.catalogue.owl import load_ontology_graph
from mofkg.graphstore.namespaces import MOF, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from mofkg.graphstore.store.embedded import Store
from tests.test_pages import BROWSER_ACCEPT, assessed_demo, make_app, parse

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def demo_store() -> Store:
    return assessed_demo()


@pytest.fixture(scope="module")
def client(demo_store: Store) -> Iterator[FlaskClient]:
    with make_app(demo_store).test_client() as c:
        yield c


@pytest.fixture(scope="module")
def page(client: FlaskClient) -> str:
    reply = client.get("/ontology", headers={"Accept": BROWSER_ACCEPT})
    assert reply.status_code == 200
    assert reply.content_type == "text/html; charset=utf-8"
    assert reply.headers["Vary"] == "Accept"
    return reply.text


def articles(page: str) -> dict[str, tuple[str, str]]:
    """Each term's article on the page: IRI -> (anchor, its HTML)."""
    found = re.findall(
        r'<article class="term" id="([^"]+)" data-iri="([^"]+)">(.*?)</article>', page, flags=re.S
    )
    return {html.unescape(iri): (html.unescape(anchor), body) for anchor, iri, body in found}


def test_every_class_and_property_of_the_file_is_listed_with_its_label(page: str) -> None:
    ontology = load_ontology_graph()
    listed = articles(page)
    declared = {s for kind in KINDS for s in ontology.subjects(RDF.type, kind)}
    named = {s for s in declared if isinstance(s, URIRef)}
    assert len(named) > 100
    for term in named:
        assert str(term) in listed, term
        anchor, body = listed[str(term)]
        label = ontology.value(term, RDFS.label)
        if label is not None:
            assert html.escape(str(label), quote=False) in body, (term, label)
        if str(term).startswith(str(MOF)):
            assert anchor == str(term)[len(str(MOF)) :]  # the IRI's fragment lands on it


def test_a_term_shows_its_definition_domain_range_and_parents(page: str) -> None:
    _, body = articles(page)[str(MOF.hasComponent)]
    assert "A component of this model release." in body
    assert re.search(r"<dt>Domain</dt><dd>.*mof:Model", body)
    assert re.search(r"<dt>Range</dt><dd>.*mof:Component", body)
    assert 'href="#Component"' in body  # a term of the page links to its place
    _, model = articles(page)[str(MOF.Model)]
    assert re.search(r"<dt>Subclass of</dt><dd>.*fair4ml:MLModel", model)


def test_turtle_is_the_stored_ontology(client: FlaskClient, demo_store: Store) -> None:
    reply = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    assert reply.content_type == "text/turtle; charset=utf-8"
    assert reply.headers["Vary"] == "Accept"
    served = Graph().parse(data=reply.text, format="turtle")
    stored = demo_store.to_rdflib(str(ONTOLOGY_GRAPH))
    assert len(stored) > 700
    assert isomorphic(served, stored)
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in served


@pytest.mark.parametrize("extension", ["ttl", "nt", "jsonld", "rdf"])
def test_each_format_has_its_own_address(
    client: FlaskClient, demo_store: Store, extension: str
) -> None:
    reply = client.get(f"/ontology.{extension}")
    assert reply.status_code == 200
    if extension == "jsonld":
        assert reply.content_type == "application/ld+json"
        json.loads(reply.data)
    assert isomorphic(parse(reply.data, extension), demo_store.to_rdflib(str(ONTOLOGY_GRAPH)))


def test_jsonld_is_negotiated(client: FlaskClient) -> None:
    reply = client.get("/ontology", headers={"Accept": "application/ld+json"})
    assert reply.content_type == "application/ld+json"
    assert any(item.get("@id") == str(MOF.Model) for item in json.loads(reply.data))


def test_the_version_iri_and_unknown_forms(client: FlaskClient) -> None:
    version = load_ontology_graph().value(ONTOLOGY_IRI, OWL.versionIRI)
    assert client.get("/ontology/" + str(version).rsplit("/", 1)[1]).status_code == 200
    missing = client.get("/ontology/9.9.9")
    assert missing.status_code == 404 and "no ontology version '9.9.9'" in html.unescape(
        missing.text
    )
    unknown = client.get("/ontology.pdf")
    assert unknown.status_code == 404 and "has no 'pdf' form" in html.unescape(unknown.text)
    refused = client.get("/ontology", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_a_store_without_the_ontology_says_so() -> None:
    store = Store()
    with make_app(store).test_client() as c:
        reply = c.get("/ontology.ttl")
    assert reply.status_code == 404
    assert "the store holds no ontology" in html.unescape(reply.text)


def test_pages_link_terms_to_the_local_ontology(client: FlaskClient) -> None:
    text = client.get("/doc/model/OLMo-7B.html").text
    assert 'href="/ontology#Model"' in text
    assert 'href="/ontology#hasComponent"' in text
    assert "https://w3id.org/mofkg/ontology#" not in re.findall(r'href="([^"]+)"', text)
    query = client.get("/query").text
    assert f'data-ontology-base="{ONTOLOGY_IRI}"' in query


def test_every_anchor_is_unique_and_every_inner_link_lands(page: str) -> None:
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    targets = {html.unescape(h[1:]) for h in re.findall(r'href="(#[^"]+)"', page)}
    assert targets and targets <= {html.unescape(i) for i in ids}
