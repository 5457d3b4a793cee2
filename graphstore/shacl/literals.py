"""Literals exactly as written, inside an Oxigraph store that would otherwise change them.

Oxigraph's store keeps numbers, booleans, dates and durations as values (oxigraph issue #526):
``"32"^^xsd:int`` comes back as ``"32"^^xsd:integer``, ``"4.0"`` as ``"4"``, ``"1"^^xsd:boolean``
as ``"true"``, and ``"0032"`` and ``"32"`` become one term. SHACL works on terms, so a validator
must not: ``sh:datatype xsd:int`` holds for ``"32"^^xsd:int``, ``sh:maxCount 1`` fails for
``4.0`` and ``"4"^^xsd:decimal``, ``sh:minLength 4`` holds for ``"1.50"``.

Such a literal is staged *encoded*: its lexical form kept, its datatype IRI prefixed with
:data:`EXACT` (a datatype Oxigraph does not know, so it keeps the literal as it is). Two
different literals stay two terms, and the same literal in the shapes is encoded the same way
(:func:`sparql_literal`), so every term comparison (``sh:hasValue``, ``sh:in``, counts,
``sh:equals``) is exact. Constraints on a literal's datatype or value read it through
:func:`datatype_sql` and :func:`value_sql`; results are decoded on the way out
(:func:`decode`). Literals the store keeps as written (``"32"^^xsd:integer``, ``"1.5"``,
strings, language-tagged strings) are staged as they are, so most of a dump is untouched.

>>> lit = ox.Literal("32", datatype=ox.NamedNode(XSD + "int"))
>>> encode(lit)
<Literal value=32 datatype=<NamedNode value=urn:mofkg:exact:http://www.w3.org/2001/XMLSchema#int>>
>>> decode(encode(lit)) == lit, encode(ox.Literal("32", datatype=ox.NamedNode(XSD + "integer")))
(True, <Literal value=32 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Prefix of the datatype IRI of an encoded literal.
EXACT = "urn:mofkg:exact:"

_ZONE = r"(Z|[+-](?!00:00)\d\d:\d\d)?"
#: Datatypes the store turns into values, with the lexical forms it keeps as written (None:
#: encode every literal of the type; a canonical form of these is rare in a dump).
_KEPT: dict[str, re.Pattern[str] | None] = {
    XSD + "integer": re.compile(r"0|-?[1-9][0-9]*"),
    XSD + "decimal": re.compile(r"0|-?[1-9][0-9]*|-?(0|[1-9][0-9]*)\.[0-9]*[1-9]"),
    XSD + "boolean": re.compile(r"true|false"),
    XSD + "dateTime": re.compile(
        r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T(?!24)[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]*[1-9])?" + _ZONE
    ),
    XSD + "date": re.compile(r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}" + _ZONE),
    **{
        XSD + name: None
        for name in (
            "float double time dateTimeStamp gYear gYearMonth gMonth gMonthDay gDay duration "
            "yearMonthDuration dayTimeDuration long int short byte nonNegativeInteger "
            "positiveInteger nonPositiveInteger negativeInteger unsignedLong unsignedInt "
            "unsignedShort unsignedByte"
        ).split()
    },
}


def is_kept(lexical: str, datatype: str) -> bool:
    """Whether the store keeps a literal of ``datatype`` with this lexical form as written."""
    if datatype not in _KEPT:
        return True
    pattern = _KEPT[datatype]
    return pattern is not None and pattern.fullmatch(lexical) is not None


def encode(term: ox.Literal) -> ox.Literal:
    """``term`` as it is staged: encoded if the store would change it."""
    datatype = term.datatype.value
    if term.language or is_kept(term.value, datatype):
        return term
    return ox.Literal(term.value, datatype=ox.NamedNode(EXACT + datatype))


def decode(term: ox.Literal) -> ox.Literal:
    """A staged literal as it was written."""
    datatype = term.datatype.value
    if datatype.startswith(EXACT):
        return ox.Literal(term.value, datatype=ox.NamedNode(datatype[len(EXACT) :]))
    return term


def exact_quads(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """``quads`` with their literal objects encoded where the store would change them."""
    for q in quads:
        o = q.object
        if type(o) is ox.Literal and o.datatype.value in _KEPT:
            o = encode(o)
            if o is not q.object:
                q = ox.Quad(q.subject, q.predicate, o, q.graph_name)
        yield q


def decode_rdflib(term: Node) -> Node:
    """An rdflib term read from the staging store, as it was written."""
    if isinstance(term, RdfLiteral) and term.datatype is not None:
        datatype = str(term.datatype)
        if datatype.startswith(EXACT):
            return RdfLiteral(str(term), datatype=URIRef(datatype[len(EXACT) :]), normalize=False)
    return term


def exact_graph(store: ox.Store, graphs: list[str] | None) -> Graph:
    """The named ``graphs`` of a validation store (all of them: None) as one rdflib graph,
    its literals as written."""
    from ..store.terms import triples_to_graph

    if graphs is None:
        return triples_to_graph((_decoded(q) for q in store), exact=True)
    out = Graph()
    for name in graphs:
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        triples_to_graph((_decoded(q) for q in quads), out, exact=True)
    return out


def _decoded(q: ox.Quad) -> ox.Quad:
    o = q.object
    if type(o) is ox.Literal and o.datatype.value.startswith(EXACT):
        return ox.Quad(q.subject, q.predicate, decode(o), q.graph_name)
    return q


def sparql_literal(term: RdfLiteral) -> str:
    """A literal of the shapes graph as SPARQL, encoded as the data's literals are."""
    datatype = None if term.datatype is None else str(term.datatype)
    if term.language or datatype is None or is_kept(str(term), datatype):
        return str(term.n3())
    return str(RdfLiteral(str(term), datatype=URIRef(EXACT + datatype), normalize=False).n3())


def datatype_sql(var: str) -> str:
    """The SPARQL expression for the datatype ``var`` was written with."""
    dt = f"STR(DATATYPE({var}))"
    return f'IF(STRSTARTS({dt}, "{EXACT}"), IRI(SUBSTR({dt}, {len(EXACT) + 1})), DATATYPE({var}))'


def value_sql(var: str) -> str:
    """The SPARQL expression for the value of ``var`` (for comparisons), as written."""
    dt = f"STR(DATATYPE({var}))"
    return (
        f'IF(isLiteral({var}) && STRSTARTS({dt}, "{EXACT}"), '
        f"STRDT(STR({var}), IRI(SUBSTR({dt}, {len(EXACT) + 1}))), {var})"
    )


def stage_graph(store: ox.Store, graph: Graph, name: str) -> None:
    """Write an rdflib graph into the named graph ``name`` of a validation store, exactly."""
    from ..store.terms import graph_to_quads

    store.extend(exact_quads(graph_to_quads(graph, name)))


def stage_parsed(store: ox.Store, quads: Iterable[ox.Quad], name: str) -> None:
    """Write parsed quads (default graph -> ``name``) into a validation store, exactly."""
    target = ox.NamedNode(name)
    store.extend(
        exact_quads(
            q
            if not isinstance(q.graph_name, ox.DefaultGraph)
            else ox.Quad(q.subject, q.predicate, q.object, target)
            for q in quads
        )
    )
