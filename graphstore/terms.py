"""Moving RDF terms between rdflib and pyoxigraph without going through text.

>>> from rdflib import Literal, URIRef
>>> to_oxigraph(Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")))
<Literal value=7 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
>>> to_rdflib(to_oxigraph(URIRef("http://example.org/a")))
rdflib.term.URIRef('http://example.org/a')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
OxSubject = ox.NamedNode | ox.BlankNode


def to_oxigraph(term: Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store the RDF term {term!r}")


def to_rdflib(term: object) -> URIRef | BNode | Literal:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert the RDF term {term!r}")


def graph_to_quads(graph: Graph, graph_name: str) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in the named graph ``graph_name``."""
    name = ox.NamedNode(str(graph_name))
    for s, p, o in graph:
        subject = to_oxigraph(s)
        if isinstance(subject, ox.Literal):
            raise TypeError(f"a literal cannot be a subject: {s!r}")
        yield ox.Quad(subject, ox.NamedNode(str(p)), to_oxigraph(o), name)


def triples_to_graph(triples: Iterable[ox.Triple | ox.Quad], graph: Graph | None = None) -> Graph:
    """pyoxigraph triples (or quads, graph ignored) into an rdflib graph."""
    out = Graph() if graph is None else graph
    for t in triples:
        out.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return out
