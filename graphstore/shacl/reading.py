"""Reading a SHACL shapes graph into shapes whose targets, paths and constraints are SPARQL.

:func:`read_shapes` turns an rdflib shapes graph into :class:`Shape` objects; each holds its
targets as one SPARQL group pattern binding ``?this``, its path as a SPARQL property path and
its constraints as :class:`Constraint` objects that :mod:`mofkg.graphstore.shacl.engine` runs
set-based. Anything the compiler does not handle marks the shape with a ``fallback`` reason, and the
engine hands that shape to pySHACL.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <http://ex/S> a sh:NodeShape ; sh:targetClass <http://ex/C> ;
...   sh:property [ sh:path ( <http://ex/p> [ sh:inversePath <http://ex/q> ] ) ; sh:minCount 1 ] .
... ''', format="turtle")
>>> shape = read_shapes(g).top[0]
>>> shape.properties[0].path_sparql
'(<http://ex/p>/^(<http://ex/q>))'
>>> [c.kind for c in shape.properties[0].constraints]
['minCount']
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from .components import COMPONENTS
from .model import (
    TYPE_PATH,
    Constraint,
    Shape,
    ShapesError,
    ShapesModel,
    _Fallback,
    _is_true,
    sparql_term,
)
from .sparql import needs_native, read_constraint
from .wellformed import check_graph, check_shape

#: Parameters only pySHACL runs here (SPARQL-based constraints, SHACL-AF).
_FALLBACK_PARAMS = {URIRef(str(SH) + name) for name in ("sparql", "expression", "target")}
_TARGET = URIRef(str(SH) + "target")


def compile_path(g: Graph, path: Node, *, shape: Node) -> str:
    """A SHACL path (SHACL §2.3.1) as a SPARQL property path."""
    if isinstance(path, URIRef):
        return sparql_term(path, shape=shape)
    if isinstance(path, Literal):
        raise ShapesError(shape, f"sh:path is the literal {path.n3()}, not an IRI or a path")
    if (path, RDF.first, None) in g:
        items = [compile_path(g, item, shape=shape) for item in Collection(g, path)]
        if len(items) < 2:
            raise ShapesError(shape, "a sequence path needs at least two members")
        return "(" + "/".join(items) + ")"
    for predicate, fmt in (
        (SH.inversePath, "^({})"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = g.value(path, predicate)
        if inner is not None:
            return fmt.format(compile_path(g, inner, shape=shape))
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        items = [compile_path(g, item, shape=shape) for item in Collection(g, alternatives)]
        if len(items) < 2:
            raise ShapesError(shape, "an alternative path needs at least two members")
        return "(" + "|".join(items) + ")"
    raise ShapesError(shape, f"sh:path {path} is not an IRI, a list or a SHACL path node")


class _Reader:
    def __init__(self, g: Graph) -> None:
        self.g = g
        self.shapes: dict[Node, Shape] = {}
        self.bnode_targets: set[Node] = set()
        #: Parameters of constraint components declared in the shapes graph (SHACL-SPARQL §6).
        self.custom = {
            path
            for parameter in g.objects(None, SH.parameter)
            for path in g.objects(parameter, SH.path)
        }

    def integer(self, node: Node, param: URIRef) -> int | None:
        value = self.g.value(node, param)
        if value is None:
            return None
        if isinstance(value, Literal) and isinstance(value.toPython(), int):
            number = int(value.toPython())
            if number >= 0:
                return number
        shown = str(value) if isinstance(value, Literal) and value.datatype else value.n3()
        raise ShapesError(node, f"sh:{param.removeprefix(str(SH))} is {shown}, not a count")

    def shape(self, node: Node) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        if isinstance(node, Literal):
            raise ShapesError(node, "a literal where a shape is expected")
        shape = Shape(node=node)
        self.shapes[node] = shape
        try:
            self._fill(shape)
        except _Fallback as exc:
            shape.fallback = str(exc)
        return shape

    def shape_list(self, node: Node, head: Node, param: URIRef) -> list[Shape]:
        if (head, RDF.first, None) not in self.g and head != RDF.nil:
            raise ShapesError(node, f"sh:{param.removeprefix(str(SH))} needs a list of shapes")
        return [self.shape(item) for item in Collection(self.g, head)]

    def _fill(self, shape: Shape) -> None:
        g, node = self.g, shape.node
        check_shape(g, node)
        path = g.value(node, SH.path)
        if path is not None:
            shape.path = path
            shape.path_sparql = compile_path(g, path, shape=node)
        shape.deactivated = _is_true(g.value(node, SH.deactivated))
        severity = g.value(node, SH.severity)
        shape.severity = severity if isinstance(severity, URIRef) else SH.Violation
        shape.messages = [m for m in g.objects(node, SH.message) if isinstance(m, Literal)]
        shape.targets = self._targets(node)
        if node in self.bnode_targets:
            raise _Fallback("a blank node as sh:targetNode")
        if (node, _TARGET, None) in g:
            shape.advanced_target = True
        native = self._native_sparql(shape)
        for param in _FALLBACK_PARAMS:
            if param == SH.sparql and native:
                continue
            if (node, param, None) in g:
                raise _Fallback(f"sh:{param.removeprefix(str(SH))} is run by pySHACL")
        for custom in self.custom:
            if (node, custom, None) in g:
                raise _Fallback(f"{custom} is a parameter of a SPARQL-based constraint component")
        for prop in g.objects(node, SH.property):
            shape.properties.append(self.shape(prop))
            if self.shapes[prop].path is None:
                raise ShapesError(prop, "a property shape (value of sh:property) needs sh:path")
        for component in COMPONENTS.values():
            for value in component.read(self, node, component.parameter):
                shape.constraints.append(Constraint(component.parameter, value, component.iri))

    def _native_sparql(self, shape: Shape) -> bool:
        """Read the shape's SPARQL constraints if pySHACL cannot run them all; else False."""
        nodes = list(self.g.objects(shape.node, SH.sparql))
        if not nodes or not any(needs_native(self.g, c) for c in nodes):
            return False
        for c in nodes:
            if not _is_true(self.g.value(c, SH.deactivated)):
                sparql = read_constraint(self.g, c, path_sparql=shape.path_sparql)
                component = SH.SPARQLConstraintComponent
                shape.constraints.append(Constraint(SH.sparql, sparql, component))
        return True

    def siblings(self, prop: Node, own: Node) -> list[Shape]:
        """The other qualified value shapes of the property shapes of ``prop``'s parents."""
        siblings = []
        for parent in self.g.subjects(SH.property, prop):
            for other in self.g.objects(parent, SH.property):
                for q in self.g.objects(other, SH.qualifiedValueShape):
                    if q != own:
                        siblings.append(self.shape(q))
        return siblings

    def _targets(self, node: Node) -> list[str]:
        g, targets = self.g, []
        classes = list(g.objects(node, SH.targetClass))
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, OWL.Class) in g:
            classes.append(node)
        for cls in classes:
            targets.append(f"?this {TYPE_PATH} {sparql_term(cls, shape=node)} .")
        nodes = [n for n in g.objects(node, SH.targetNode)]
        if nodes:
            # a blank node cannot be named in a query: kept as "?this" (the shape is
            # then run by pySHACL, all its targets with it)
            terms = [sparql_term(n, shape=node) if not isinstance(n, BNode) else "" for n in nodes]
            targets.append(f"VALUES ?this {{ {' '.join(t for t in terms if t)} }}")
            if not all(terms):
                self.bnode_targets.add(node)
        for p in g.objects(node, SH.targetSubjectsOf):
            targets.append(f"?this {sparql_term(p, shape=node)} ?_t .")
        for p in g.objects(node, SH.targetObjectsOf):
            targets.append(f"?_t {sparql_term(p, shape=node)} ?this .")
        return targets


_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
_TARGET_PARAMS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, _TARGET)


def read_shapes(g: Graph) -> ShapesModel:
    """Every shape of ``g``, compiled; raises :class:`ShapesError` for a graph that is not SHACL."""
    reader = _Reader(g)
    candidates: list[Node] = []
    for kind in _SHAPE_TYPES:
        candidates.extend(g.subjects(RDF.type, kind))
    for param in _TARGET_PARAMS:
        candidates.extend(g.subjects(param, None))
    if not candidates:
        raise ShapesError(
            None,
            "the shapes graph holds no SHACL shapes (no sh:NodeShape, sh:PropertyShape or target)",
        )
    for node in dict.fromkeys(candidates):
        reader.shape(node)
    check_graph(g)  # after the shapes, which name their own sh:js and sh:JSTarget
    top = [
        s for s in reader.shapes.values() if (s.targets or s.advanced_target) and not s.deactivated
    ]
    return ShapesModel(graph=g, shapes=reader.shapes, top=top)
