"""The shape model: what :mod:`.reading` makes of a shapes graph and the components consume.

A :class:`Shape` holds its targets as SPARQL, its path as a SPARQL property path and its
:class:`Constraint` objects, each keyed by the main parameter of its component in
:data:`mofkg.graphstore.shacl.components.COMPONENTS`; a :class:`ShapesModel` holds them all.
Of this package's modules it imports :mod:`.literals` only, so that the reader, the component
table, the SPARQL-based constraints and the well-formedness checks all depend on it and none
on another.

>>> shape = Shape(node=URIRef("http://ex/S"), targets=["?this a <http://ex/C> ."])
>>> shape.target_pattern
'{ SELECT DISTINCT ?this WHERE { { ?this a <http://ex/C> . } } }'
>>> sparql_term(Literal(3), shape=shape.node)
'"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ..errors import MofkgError
from .literals import sparql_literal


class ShapesError(MofkgError):
    """A shapes graph that is not usable SHACL: names the shape and the problem."""

    def __init__(self, shape: Node | None, message: str) -> None:
        self.shape = shape
        self.message = message
        where = f"shape {_label(shape)}: " if shape is not None else ""
        super().__init__(f"{where}{message}")


def _is_true(value: Node | None) -> bool:
    """Only ``true`` (not ``"1"^^xsd:boolean``) switches a boolean parameter on (W3C tests)."""
    return isinstance(value, Literal) and value.datatype == XSD.boolean and str(value) == "true"


def _label(node: Node) -> str:
    return (
        f"<{node}>"
        if isinstance(node, URIRef)
        else f"_:{node}"
        if isinstance(node, BNode)
        else repr(node)
    )


NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isIRI(?value) || isBlank(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}


@dataclass(eq=False)
class Constraint:
    """One constraint of a shape: its main parameter (the key of its component in
    :data:`mofkg.graphstore.shacl.components.COMPONENTS`), its value and component IRI.

    ``value`` is an rdflib term, an int, a list of terms, a :class:`Shape`, a list of shapes,
    or for qualified value shapes a :class:`Qualified`.
    """

    parameter: URIRef
    value: object
    component: URIRef

    @property
    def kind(self) -> str:
        """The parameter's local name, for messages (``minCount``)."""
        return self.parameter.removeprefix(str(SH))


@dataclass(eq=False)
class Qualified:
    """A qualified value shape with its counts and sibling shapes (when disjoint)."""

    shape: Shape
    min_count: int | None
    max_count: int | None
    disjoint: bool
    siblings: list[Shape] = field(default_factory=list)


@dataclass(eq=False)
class Shape:
    """A node or property shape, compiled: SPARQL targets and path, constraints in order."""

    node: Node
    path: Node | None = None
    path_sparql: str | None = None
    targets: list[str] = field(default_factory=list)
    deactivated: bool = False
    severity: URIRef = SH.Violation
    messages: list[Literal] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    fallback: str | None = None
    #: has a SHACL-AF target (sh:target), run by pySHACL
    advanced_target: bool = False

    @property
    def target_pattern(self) -> str | None:
        """The SPARQL group pattern binding each focus node to ``?this`` once, or None."""
        if not self.targets:
            return None
        union = " UNION ".join(f"{{ {t} }}" for t in self.targets)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


@dataclass
class ShapesModel:
    """Every shape of a shapes graph, and the ones with targets (validated at top level)."""

    graph: Graph
    shapes: dict[Node, Shape]
    top: list[Shape]

    def needs_fallback(self, shape: Shape) -> str | None:
        """Why ``shape`` (or any shape it uses) cannot be compiled, or None."""
        seen: set[int] = set()
        for s in _reachable(shape, seen):
            if s.fallback:
                return s.fallback
        return None


class ShapeReader(Protocol):
    """What a component's reader gets: the shapes graph and the reader's own helpers
    (:class:`mofkg.graphstore.shacl.reading._Reader` is one)."""

    g: Graph

    def integer(self, node: Node, param: URIRef) -> int | None: ...

    def shape(self, node: Node) -> Shape: ...

    def shape_list(self, node: Node, head: Node, param: URIRef) -> list[Shape]: ...

    def siblings(self, prop: Node, own: Node) -> list[Shape]: ...


def _reachable(shape: Shape, seen: set[int]) -> Iterator[Shape]:
    if id(shape) in seen:
        return
    seen.add(id(shape))
    yield shape
    for p in shape.properties:
        yield from _reachable(p, seen)
    for c in shape.constraints:
        for sub in _shapes_in(c.value):
            yield from _reachable(sub, seen)


def _shapes_in(value: object) -> list[Shape]:
    if isinstance(value, Shape):
        return [value]
    if isinstance(value, Qualified):
        return [value.shape]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Shape)]
    return []


def sparql_term(term: Node, *, shape: Node) -> str:
    """An IRI or literal of the shapes graph written as SPARQL; blank nodes cannot be."""
    if isinstance(term, URIRef):
        return "<" + str(term).replace(">", "%3E") + ">"
    if isinstance(term, Literal):
        return sparql_literal(term)
    raise _Fallback(f"a blank node {term} used as a constant")


class _Fallback(Exception):
    """A feature this compiler leaves to pySHACL (the message says which)."""


#: The path from a node to each class it is an instance of (RDFS subclasses included).
TYPE_PATH = f"<{RDF.type}>/<{RDFS.subClassOf}>*"

#: Integer types derived from xsd:integer, with their (inclusive) bounds.
XSD_INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
}

XSD_CASTABLE = {
    XSD.boolean,
    XSD.integer,
    XSD.decimal,
    XSD.float,
    XSD.double,
    XSD.dateTime,
    XSD.date,
    XSD.time,
}
