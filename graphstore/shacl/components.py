"""The SHACL constraint components, registered in one table keyed by their parameter IRIs.

Each :class:`Component` says how a shape's values of its parameter become constraints
(``read``), which method of the engine (:class:`mofkg.graphstore.shacl.engine._Engine`) finds
its violations (``run``), and, for the components that judge each value node alone, the SPARQL
``FILTER`` true for a failing value (``test``); ``positive`` gives the query for the focus nodes
that satisfy it, where there is one (used for nested shapes).

>>> from rdflib.namespace import SH
>>> COMPONENTS[SH.minCount].iri == SH.MinCountConstraintComponent
True
>>> sorted(c.run for c in COMPONENTS.values() if c.test)[:2]
['value_test', 'value_test']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from .literals import datatype_sql, value_sql
from .model import (
    NODE_KINDS,
    TYPE_PATH,
    XSD_CASTABLE,
    XSD_INTEGER_RANGES,
    Constraint,
    Qualified,
    Shape,
    ShapeReader,
    ShapesError,
    _Fallback,
    _is_true,
    sparql_term,
)

__all__ = ["COMPONENTS", "Component"]

#: A shape's constraint values for one parameter: (reader, shape node, parameter) -> values.
Read = Callable[[ShapeReader, Node, URIRef], list[object]]
_MARK = '"ill-typed"^^<urn:mofkg:shacl:mark>'


@dataclass(frozen=True)
class Component:
    """A constraint component: its main parameter, IRI, reader, and how it is evaluated."""

    parameter: URIRef
    iri: URIRef
    read: Read
    run: str
    test: Callable[[Constraint, Node], str] | None = None
    positive: Callable[[Shape, Constraint, str], str | None] | None = None


COMPONENTS: dict[URIRef, Component] = {}


def _register(
    name: str,
    read: Read,
    run: str = "value_test",
    *,
    test: Callable[[Constraint, Node], str] | None = None,
    positive: Callable[[Shape, Constraint, str], str | None] | None = None,
    component: str | None = None,
) -> None:
    parameter = URIRef(str(SH) + name)
    iri = URIRef(str(SH) + (component or name[0].upper() + name[1:]) + "ConstraintComponent")
    COMPONENTS[parameter] = Component(parameter, iri, read, run, test, positive)


# -- readers ---------------------------------------------------------------------------


def _count(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    number = reader.integer(node, param)
    return [] if number is None else [number]


def _terms(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    return list(reader.g.objects(node, param))


def _constants(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    values: list[Node] = list(reader.g.objects(node, param))
    for value in values:
        sparql_term(value, shape=node)  # a blank node: pySHACL runs the shape
    return list(values)


def _node_kinds(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    values: list[Node] = list(reader.g.objects(node, param))
    for value in values:
        if value not in NODE_KINDS:
            raise ShapesError(node, f"sh:nodeKind is {value.n3()}, not a SHACL node kind")
    return list(values)


def _list(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    lists = [list(Collection(reader.g, head)) for head in reader.g.objects(node, param)]
    if param == SH["in"]:
        for members in lists:
            for member in members:
                sparql_term(member, shape=node)
    return list(lists)


def _pattern(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    flags = reader.g.value(node, SH.flags)
    return [(value, flags) for value in reader.g.objects(node, param)]


def _switch(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    return [True] if _is_true(reader.g.value(node, param)) else []


def _closed(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    g = reader.g
    if not _is_true(g.value(node, param)):
        return []
    allowed: set[Node] = set()
    for prop in g.objects(node, SH.property):
        p = g.value(prop, SH.path)
        if isinstance(p, URIRef):
            allowed.add(p)
    ignored = g.value(node, SH.ignoredProperties)
    if ignored is not None:
        allowed.update(Collection(g, ignored))
    return [sorted(allowed, key=str)]


def _shape(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    return [reader.shape(value) for value in reader.g.objects(node, param)]


def _shapes(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    return [reader.shape_list(node, head, param) for head in reader.g.objects(node, param)]


def _qualified(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    g, found = reader.g, list[object]()
    if reader.integer(node, param) is None:
        return []
    for value in g.objects(node, SH.qualifiedValueShape):
        qualified = Qualified(
            shape=reader.shape(value),
            min_count=reader.integer(node, SH.qualifiedMinCount),
            max_count=reader.integer(node, SH.qualifiedMaxCount),
            disjoint=_is_true(g.value(node, SH.qualifiedValueShapesDisjoint)),
        )
        if qualified.disjoint:
            qualified.siblings = reader.siblings(node, value)
        found.append(qualified)
    return found


def _none(reader: ShapeReader, node: Node, param: URIRef) -> list[object]:
    return []  # read by the reader itself (SPARQL-based constraints, when run here)


# -- value tests: a FILTER true for a value node that violates the constraint -------------


def _datatype(c: Constraint, node: Node) -> str:
    v = c.value
    assert isinstance(v, URIRef)
    dt = sparql_term(v, shape=node)
    test = f"!isLiteral(?value) || {datatype_sql('?value')} != {dt}"
    if v in XSD_CASTABLE:
        test += f" || sameTerm(COALESCE({dt}(STR(?value)), {_MARK}), {_MARK})"
    if v in XSD_INTEGER_RANGES:
        low, high = XSD_INTEGER_RANGES[v]
        number = f"<{XSD.integer}>(STR(?value))"
        checks = ["BOUND(?this)"]
        checks += [f"{number} >= {low}"] if low is not None else []
        checks += [f"{number} <= {high}"] if high is not None else []
        test += f" || !COALESCE({' && '.join(checks)}, false)"
    return test


def _node_kind(c: Constraint, node: Node) -> str:
    return f"!{NODE_KINDS[c.value]}"  # type: ignore[index]


def _regex(c: Constraint, node: Node) -> str:
    assert isinstance(c.value, tuple)
    pattern, flags = c.value
    args = sparql_term(Literal(str(pattern)), shape=node)
    if flags is not None:
        args += ", " + sparql_term(Literal(str(flags)), shape=node)
    return f"isBlank(?value) || !REGEX(STR(?value), {args})"


def _length(op: str) -> Callable[[Constraint, Node], str]:
    def test(c: Constraint, node: Node) -> str:
        return f"isBlank(?value) || STRLEN(STR(?value)) {op} {c.value}"

    return test


def _range(op: str) -> Callable[[Constraint, Node], str]:
    def test(c: Constraint, node: Node) -> str:
        if not isinstance(c.value, Literal):
            raise _Fallback(f"{c.parameter} {c.value} is not a literal")
        return f"!COALESCE({value_sql('?value')} {op} {c.value.n3()}, false)"

    return test


def _language_in(c: Constraint, node: Node) -> str:
    assert isinstance(c.value, list)
    tests = " || ".join(
        f"langMatches(LANG(?value), {sparql_term(Literal(str(t)), shape=node)})" for t in c.value
    )
    return f"!isLiteral(?value) || !({tests or 'false'})"


# -- positive forms: the focus nodes that satisfy the constraint --------------------------

_HEAD = "SELECT DISTINCT ?this WHERE"


def _has_value_positive(shape: Shape, c: Constraint, focus: str) -> str | None:
    term = sparql_term(c.value, shape=shape.node)  # type: ignore[arg-type]
    if shape.path_sparql is None:
        return f"{_HEAD} {{ {focus} FILTER(sameTerm(?this, {term})) }}"
    return f"{_HEAD} {{ {focus} ?this {shape.path_sparql} {term} }}"


def _min_count_positive(shape: Shape, c: Constraint, focus: str) -> str | None:
    path = shape.path_sparql
    if path is None:
        return None
    if c.value == 1:
        return f"{_HEAD} {{ {focus} ?this {path} ?value }}"
    return (
        f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} GROUP BY ?this "
        f"HAVING (COUNT(DISTINCT ?value) >= {c.value})"
    )


def _class_positive(shape: Shape, c: Constraint, focus: str) -> str | None:
    if shape.path_sparql is not None:
        return None
    return f"{_HEAD} {{ {focus} ?this {TYPE_PATH} {sparql_term(c.value, shape=shape.node)} }}"  # type: ignore[arg-type]


# -- the table, in the order a shape's constraints are evaluated ---------------------------

_register("minCount", _count, "min_count", positive=_min_count_positive)
_register("maxCount", _count, "max_count")
_register("minLength", _count, test=_length("<"))
_register("maxLength", _count, test=_length(">"))
_register("minInclusive", _terms, test=_range(">="))
_register("maxInclusive", _terms, test=_range("<="))
_register("minExclusive", _terms, test=_range(">"))
_register("maxExclusive", _terms, test=_range("<"))
for _name in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
    _register(_name, _terms, "pair_compare")
_register("class", _terms, "class_", positive=_class_positive)
_register("datatype", _terms, test=_datatype)
_register("nodeKind", _node_kinds, test=_node_kind)
_register("in", _list, "in_")
_register("hasValue", _constants, "has_value", positive=_has_value_positive)
_register("pattern", _pattern, test=_regex)
_register("languageIn", _list, test=_language_in)
_register("uniqueLang", _switch, "unique_lang")
_register("closed", _closed, "closed")
_register("node", _shape, "logical")
_register("not", _shape, "logical")
for _name in ("and", "or", "xone"):
    _register(_name, _shapes, "logical")
_register("qualifiedMinCount", _qualified, "qualified", component="QualifiedMinCount")
_register("qualifiedMaxCount", _qualified, "qualified", component="QualifiedMaxCount")
_register("sparql", _none, "sparql", component="SPARQL")
