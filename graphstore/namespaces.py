"""Every IRI mofkg uses, defined once.

Namespaces are rdflib :class:`~rdflib.Namespace` objects, so a term is an
:class:`~rdflib.URIRef` (a ``str``) usable with rdflib directly and with
pyoxigraph through :func:`node`.

>>> str(MOF.Model)
'https://w3id.org/mofkg/ontology#Model'
>>> spdx_licence_iri("Apache-2.0")
rdflib.term.URIRef('http://spdx.org/licenses/Apache-2.0')
"""

from __future__ import annotations

import hashlib
import re

import pyoxigraph
from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

ONTOLOGY_IRI = URIRef("https://w3id.org/mofkg/ontology")
MOF = Namespace("https://w3id.org/mofkg/ontology#")
DEFAULT_BASE_IRI = "https://w3id.org/mofkg/"
GRAPH = Namespace(DEFAULT_BASE_IRI + "graph/")

SPDX_LICENCE = Namespace("http://spdx.org/licenses/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SCHEMA = Namespace("http://schema.org/")
FAIR4ML = Namespace("https://w3id.org/fair4ml#")
MLS = Namespace("http://www.w3.org/ns/mls#")
EARL = Namespace("http://www.w3.org/ns/earl#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DCT = DCTERMS

ONTOLOGY_GRAPH = GRAPH["ontology"]
LICENCE_GRAPH = GRAPH["licences"]
DEMO_GRAPH = GRAPH["demo"]

# Links to other catalogues, and mappings in SSSOM's RDF terms (https://w3id.org/sssom/).
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
WIKIDATA_LINKS_GRAPH = GRAPH["links/wikidata"]
LINK_CURATION_GRAPH = GRAPH["links/curation"]

#: Prefixes offered to SPARQL queries, serialisers and pages.
PREFIXES: dict[str, str] = {
    "mof": str(MOF),
    "spdx-lic": str(SPDX_LICENCE),
    "spdx": str(SPDX),
    "schema": str(SCHEMA),
    "fair4ml": str(FAIR4ML),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "prov": str(PROV),
    "org": str(ORG),
    "skos": str(SKOS),
    "earl": str(EARL),
    "dqv": str(DQV),
    "sd": str(SD),
    "sh": str(SH),
    "foaf": str(FOAF),
    "mls": str(MLS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """Turn a name into the last segment of an IRI.

    >>> slug("Model parameters (Final)")
    'Model-parameters-Final'
    >>> slug("Qwen2.5-72B-Instruct")
    'Qwen2.5-72B-Instruct'
    """
    cleaned = _SLUG_UNSAFE.sub("-", text.strip()).strip("-")
    return cleaned or "unnamed"


def sparql_prefixes() -> str:
    """The PREFIX declarations of :data:`PREFIXES`, one per line."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def spdx_licence_iri(licence_id: str) -> URIRef:
    """The IRI of a licence on the SPDX list."""
    return SPDX_LICENCE[licence_id]


def node(iri: str) -> pyoxigraph.NamedNode:
    """A pyoxigraph named node for an IRI given as a string or rdflib term."""
    return pyoxigraph.NamedNode(str(iri))


class Ids:
    """Mints the IRIs of catalogue resources under one base IRI.

    >>> Ids("https://example.org/kg/").model("OLMo 7B")
    rdflib.term.URIRef('https://example.org/kg/id/model/OLMo-7B')
    """

    def __init__(self, base_iri: str = DEFAULT_BASE_IRI) -> None:
        self.base = base_iri if base_iri.endswith("/") else base_iri + "/"
        self.id = Namespace(self.base + "id/")

    def model(self, name: str) -> URIRef:
        return self.id[f"model/{slug(name)}"]

    def component(self, model: URIRef, component_type: URIRef) -> URIRef:
        local = str(component_type).rsplit("#", 1)[-1]
        return URIRef(f"{model}/component/{local}")

    def dataset(self, name: str) -> URIRef:
        return self.id[f"dataset/{slug(name)}"]

    def organisation(self, name: str) -> URIRef:
        return self.id[f"org/{slug(name)}"]

    def application(self, name: str) -> URIRef:
        return self.id[f"application/{slug(name)}"]

    def licence_ref(self, name: str) -> URIRef:
        """A licence not on the SPDX list: ``LicenseRef-<name>``."""
        ref = name if name.startswith("LicenseRef-") else f"LicenseRef-{slug(name)}"
        return self.id[f"licence/{ref}"]

    def assessment(self, framework: str, model: URIRef) -> URIRef:
        return self.id[f"assessment/{slug(framework)}/{model_key(model)}"]


DEFAULT_IDS = Ids()


def source_graph(name: str) -> URIRef:
    """The named graph of one loaded or imported source."""
    return GRAPH[f"source/{name}"]


def model_key(model: str) -> str:
    """A short key for a model IRI, unique per IRI, readable for our own IRIs.

    >>> model_key("https://w3id.org/mofkg/id/model/OLMo-7B")
    'OLMo-7B'
    >>> model_key("http://example.org/m/1")
    'x-db640f72c064e693'
    """
    text = str(model)
    marker = "/id/model/"
    if marker in text:
        rest = text.split(marker, 1)[1]
        if rest and "/" not in rest:
            return rest
    return "x-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def assessment_graph(framework: str, model: URIRef) -> URIRef:
    """The named graph holding one model's assessment under one framework."""
    return GRAPH[f"assessment/{slug(framework)}/{model_key(model)}"]


#: The prefixes that shortened IRIs use in reports and tables.
SHOWN_PREFIXES = {**PREFIXES, "sh": str(SH)}


def short_iri(text: str) -> str:
    """An IRI as a prefixed name where one of our prefixes fits, else in ``<>``.

    >>> short_iri("http://www.w3.org/2001/XMLSchema#integer"), short_iri("http://ex/a b")
    ('xsd:integer', '<http://ex/a b>')
    """
    for prefix, ns in SHOWN_PREFIXES.items():
        if text.startswith(ns) and re.fullmatch(r"[\w.-]+", text[len(ns) :]):
            return f"{prefix}:{text[len(ns) :]}"
    return f"<{text}>"
