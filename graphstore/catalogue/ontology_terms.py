"""The terms an ontology graph declares, read for a human-readable page.

:func:`ontology_document` lists the ontology's classes, properties and named individuals, each
with its label, definition, domain, range and parents (superclasses or superproperties), in
order of label. A term's ``anchor`` is the fragment of its IRI when it is in the ontology's
``#`` namespace, so that ``https://w3id.org/mofkg/ontology#Model`` lands on it.

>>> from mofkg.graphstore.catalogue.owl import load_ontology_graph
>>> doc = ontology_document(load_ontology_graph(), ONTOLOGY_IRI)
>>> model = next(t for t in doc.sections[0].terms if t.anchor == "Model")
>>> model.label, model.iri == str(MOF.Model)
('Model', True)
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from ..namespaces import MOF, ONTOLOGY_IRI, PREFIXES

#: The sections of the page: a heading and the rdf:type of the terms it lists.
SECTIONS: tuple[tuple[str, str, URIRef], ...] = (
    ("classes", "Classes", OWL.Class),
    ("object-properties", "Object properties", OWL.ObjectProperty),
    ("datatype-properties", "Datatype properties", OWL.DatatypeProperty),
    ("annotation-properties", "Annotation properties", OWL.AnnotationProperty),
    ("individuals", "Named individuals", OWL.NamedIndividual),
)


@dataclass(frozen=True)
class TermRef:
    """A term another term points at: its IRI (None for an anonymous class expression), a
    short name, and the fragment it has on the page when it is one of the ontology's."""

    iri: str | None
    name: str
    anchor: str | None


@dataclass(frozen=True)
class OntologyTerm:
    """One declared term, as the page shows it."""

    iri: str
    name: str
    anchor: str
    label: str | None
    definition: str | None
    types: tuple[TermRef, ...]
    parents: tuple[TermRef, ...]
    domain: tuple[TermRef, ...]
    range: tuple[TermRef, ...]
    close_matches: tuple[TermRef, ...]


@dataclass(frozen=True)
class Section:
    """The terms of one kind (classes, object properties, ...)."""

    key: str
    title: str
    terms: tuple[OntologyTerm, ...]


@dataclass(frozen=True)
class OntologyDocument:
    """The ontology's own description and its terms, section by section."""

    iri: str
    title: str | None
    description: str | None
    version: str | None
    version_iri: str | None
    sections: tuple[Section, ...]

    @property
    def terms(self) -> tuple[OntologyTerm, ...]:
        return tuple(t for s in self.sections for t in s.terms)


def short_name(iri: str) -> str:
    """A prefixed name when a known prefix covers ``iri``, else the IRI.

    >>> short_name("https://w3id.org/mofkg/ontology#Model"), short_name("urn:x")
    ('mof:Model', 'urn:x')
    """
    best = ""
    result = iri
    for prefix, namespace in PREFIXES.items():
        rest = iri[len(namespace) :]
        if iri.startswith(namespace) and len(namespace) > len(best):
            if rest and "/" not in rest and "#" not in rest:
                best, result = namespace, f"{prefix}:{rest}"
    return result


def anchor_of(iri: str) -> str | None:
    """The fragment of one of the ontology's terms, else None.

    >>> anchor_of("https://w3id.org/mofkg/ontology#hasComponent"), anchor_of("urn:x")
    ('hasComponent', None)
    """
    return iri[len(str(MOF)) :] or None if iri.startswith(str(MOF)) else None


def _text(graph: Graph, node: Node, *predicates: URIRef) -> str | None:
    """The English (or untagged) value of the first predicate that has one."""
    for predicate in predicates:
        values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
        for wanted in ("en", None):
            found = sorted(str(v) for v in values if v.language == wanted)
            if found:
                return found[0]
        if values:
            return sorted(str(v) for v in values)[0]
    return None


def _ref(node: Node, anchors: dict[str, str]) -> TermRef:
    if isinstance(node, URIRef):
        iri = str(node)
        return TermRef(iri, short_name(iri), anchors.get(iri) or anchor_of(iri))
    kind = "an anonymous class expression" if isinstance(node, BNode) else str(node)
    return TermRef(None, kind, None)


def _refs(
    graph: Graph, node: Node, predicate: URIRef, anchors: dict[str, str]
) -> tuple[TermRef, ...]:
    """The objects of ``predicate``; a union (``owl:unionOf``) counts as its members."""
    out: list[TermRef] = []
    for value in sorted(graph.objects(node, predicate), key=str):
        union = graph.value(value, OWL.unionOf) if isinstance(value, BNode) else None
        if union is not None:
            out += [_ref(m, anchors) for m in graph.items(union)]
        else:
            out.append(_ref(value, anchors))
    return tuple(out)


def _anchor(iri: str) -> str:
    """The term's place on the page: its fragment when it is ours, else its short name."""
    return anchor_of(iri) or short_name(iri)


def _term(graph: Graph, iri: URIRef, anchors: dict[str, str]) -> OntologyTerm:
    def refs(predicate: URIRef) -> tuple[TermRef, ...]:
        return _refs(graph, iri, predicate, anchors)

    types = tuple(r for r in refs(RDF.type) if r.iri != str(OWL.NamedIndividual))
    return OntologyTerm(
        iri=str(iri),
        name=short_name(str(iri)),
        anchor=anchors[str(iri)],
        label=_text(graph, iri, RDFS.label, SKOS.prefLabel),
        definition=_text(graph, iri, SKOS.definition, RDFS.comment),
        types=types,
        parents=refs(RDFS.subClassOf) + refs(RDFS.subPropertyOf),
        domain=refs(RDFS.domain),
        range=refs(RDFS.range),
        close_matches=refs(SKOS.closeMatch),
    )


def ontology_document(graph: Graph, iri: str = str(ONTOLOGY_IRI)) -> OntologyDocument:
    """The ontology ``iri`` that ``graph`` holds, with every named term it declares."""
    node = URIRef(iri)
    kinds = [(key, title, _declared(graph, kind)) for key, title, kind in SECTIONS]
    anchors = {str(t): _anchor(str(t)) for _, _, declared in kinds for t in declared}
    sections = []
    for key, title, declared in kinds:
        terms = [_term(graph, t, anchors) for t in declared]
        terms.sort(key=lambda t: ((t.label or t.name).lower(), t.iri))
        sections.append(Section(key, title, tuple(terms)))
    version_iri = graph.value(node, OWL.versionIRI)
    return OntologyDocument(
        iri=iri,
        title=_text(graph, node, DCTERMS.title, RDFS.label),
        description=_text(graph, node, DCTERMS.description, RDFS.comment),
        version=_text(graph, node, OWL.versionInfo),
        version_iri=str(version_iri) if version_iri is not None else None,
        sections=tuple(sections),
    )


def _declared(graph: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef))
