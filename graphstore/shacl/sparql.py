"""SPARQL-based constraints (SHACL §5) run in Oxigraph, with pre-bound variables.

Most SPARQL-based constraints go to pySHACL with the shape; one that reads ``$shapesGraph``
(§5.3.1) it cannot run. Oxigraph pre-binds variables (``substitutions``, SEP-0007), so such a
constraint runs here: ``$this`` bound to each focus node, ``$currentShape`` to the shape,
``$shapesGraph`` to a named graph holding the shapes graph for the time of the query, and
``$PATH`` written as the property shape's path. Prefixes come from ``sh:prefixes``, with the
declarations of the ontologies it ``owl:imports`` (§5.2.1).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, SH
from rdflib.term import Node

from ..store.terms import graph_to_quads, to_oxigraph
from .literals import decode
from .model import ShapesError

__all__ = ["SparqlConstraint", "needs_native", "prefix_declarations", "read_constraint"]

_SELECT = URIRef(str(SH) + "select")
_PREFIXES = URIRef(str(SH) + "prefixes")
_DECLARE = URIRef(str(SH) + "declare")
_NAMESPACE = URIRef(str(SH) + "namespace")
_PREFIX = URIRef(str(SH) + "prefix")
_DEACTIVATED = URIRef(str(SH) + "deactivated")


@dataclass(frozen=True)
class SparqlConstraint:
    """A SELECT-based SPARQL constraint: its node, query (prefixes written in) and messages."""

    node: Node
    query: str
    messages: tuple[Literal, ...]
    uses_shapes_graph: bool


def needs_native(g: Graph, constraint: Node) -> bool:
    """Whether pySHACL cannot run this constraint (it reads ``$shapesGraph``)."""
    text = str(g.value(constraint, _SELECT) or "")
    return "$shapesGraph" in text or "?shapesGraph" in text


def prefix_declarations(g: Graph, node: Node) -> dict[str, str]:
    """The prefixes ``sh:prefixes`` of ``node`` declares, following ``owl:imports`` (§5.2.1)."""
    found: dict[str, str] = {}
    todo = list(g.objects(node, _PREFIXES))
    seen: set[Node] = set()
    while todo:
        holder = todo.pop()
        if holder in seen:
            continue
        seen.add(holder)
        for declaration in g.objects(holder, _DECLARE):
            prefix, namespace = g.value(declaration, _PREFIX), g.value(declaration, _NAMESPACE)
            if prefix is not None and namespace is not None:
                found[str(prefix)] = str(namespace)
        todo.extend(g.objects(holder, OWL.imports))
    return found


def read_constraint(g: Graph, node: Node, *, path_sparql: str | None) -> SparqlConstraint:
    """The SELECT constraint ``node``, ``$PATH`` written as ``path_sparql``."""

    text = g.value(node, _SELECT)
    if not isinstance(text, Literal):
        raise ShapesError(node, "a SPARQL-based constraint needs one sh:select query")
    query = str(text)
    if "$PATH" in query:
        if path_sparql is None:
            raise ShapesError(node, "$PATH in the query of a constraint of a node shape")
        query = query.replace("$PATH", path_sparql)
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefix_declarations(g, node).items())
    messages = tuple(m for m in g.objects(node, SH.message) if isinstance(m, Literal))
    return SparqlConstraint(node, head + query, messages, needs_native(g, node))


@contextmanager
def shapes_graph_in(store: ox.Store, shapes: Graph) -> Iterator[ox.NamedNode]:
    """The shapes graph as a named graph of ``store`` for as long as the block runs."""
    name = f"urn:mofkg:shacl:shapes-graph:{uuid.uuid4()}"
    store.extend(graph_to_quads(shapes, name))
    try:
        yield ox.NamedNode(name)
    finally:
        store.update(f"DROP SILENT GRAPH <{name}>")


def solutions(
    store: ox.Store,
    constraint: SparqlConstraint,
    *,
    shape: Node,
    focus_nodes: list[Node],
    shapes: Graph,
    data_graphs: list[str] | None,
) -> list[tuple[Node, Node | None, Node | None]]:
    """(focus node, ?value, ?path) for each solution of the constraint's query."""

    if isinstance(shape, BNode) and "currentShape" in constraint.query:
        raise ShapesError(shape, "a blank node shape cannot be pre-bound as $currentShape")
    graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    default = [ox.NamedNode(g) for g in data_graphs] if data_graphs is not None else graphs
    found: list[tuple[Node, Node | None, Node | None]] = []
    with shapes_graph_in(store, shapes) as shapes_graph:
        query = _written(constraint.query, "shapesGraph", f"<{shapes_graph.value}>")
        if isinstance(shape, URIRef):
            query = _written(query, "currentShape", f"<{shape}>")
        for focus in focus_nodes:
            bound: dict[ox.Variable, Any] = {ox.Variable("this"): to_oxigraph(focus)}
            try:
                rows = store.query(
                    query,
                    default_graph=[*default, ox.DefaultGraph()],
                    named_graphs=[*graphs, shapes_graph],
                    substitutions=bound,
                )
            except SyntaxError as exc:
                raise ShapesError(constraint.node, f"its sh:select does not parse: {exc}") from exc
            except RuntimeError as exc:  # $this not projected: Oxigraph cannot pre-bind it
                raise ShapesError(constraint.node, f"its sh:select cannot be run: {exc}") from exc
            assert isinstance(rows, ox.QuerySolutions)
            names = {v.value for v in rows.variables}
            for row in rows:
                get = {n: row[n] for n in ("failure", "value", "path") if n in names}
                if get.get("failure") == ox.Literal("true", datatype=ox.NamedNode(_BOOLEAN)):
                    raise ShapesError(constraint.node, "its query reported a failure (?failure)")
                found.append((focus, _term(get.get("value")), _term(get.get("path"))))
    return found


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _written(query: str, name: str, iri: str) -> str:
    """``query`` with the pre-bound variable ``name`` written as ``iri`` (Oxigraph pre-binds
    only projected variables); ``bound()`` of it is then ``(true)``."""
    for var in (f"${name}", f"?{name}"):
        query = re.sub(rf"(?i)\bbound\s*\(\s*{re.escape(var)}\s*\)", "(true)", query)
        query = re.sub(rf"{re.escape(var)}\b", iri, query)
    return query


def _term(term: object) -> Node | None:
    from ..store.terms import to_rdflib

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        term = decode(term)
    return to_rdflib(term, exact=True)
