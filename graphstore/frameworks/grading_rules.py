"""Running the SHACL-AF SPARQL rules of a framework file over a data graph.

A framework that derives facts (points, a score, a ranking) says how in its own file, as
SHACL Advanced Features rules (https://www.w3.org/TR/shacl-af/#rules): node shapes with targets
and ``sh:rule`` ``sh:SPARQLRule`` nodes, each a ``sh:construct`` query with ``$this`` for the
focus node, run in ``sh:order``. This module knows the SHACL-AF vocabulary and nothing of any
framework: :func:`run_rules` finds the rules, works out each shape's focus nodes (from
``sh:targetNode``, ``sh:targetClass``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf`` and the
implicit class target of a shape that is a class) and runs each rule once per focus node
(``$this`` given through pyoxigraph's substitutions), adding what a rule infers to the data
before the next rule (of a higher ``sh:order``) runs.

The data the rules see is the data graph and the framework file itself (so a rule can read the
framework's own facts, such as what a grade is worth). Features of SHACL-AF rules this runner does
not carry out (``sh:TripleRule``, ``sh:condition``, ``sh:target`` with a SPARQL target) are
refused by name (:class:`FrameworkFileError`), never skipped; ``sh:deactivated true`` is honoured.
``$this`` is bound as pyoxigraph binds a substitution: in the query's own scope, and in a
subquery only through the subquery's projection (so a subquery that uses ``$this`` selects it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from ..errors import MofkgError
from ..namespaces import PREFIXES
from ..store.terms import to_oxigraph, triples_to_graph

TARGETS = {
    SH.targetClass: "SELECT DISTINCT ?focus ?value "
    "WHERE { ?focus rdf:type/rdfs:subClassOf* ?value }",
    SH.targetSubjectsOf: "SELECT DISTINCT ?focus ?value WHERE { ?focus ?value ?any }",
    SH.targetObjectsOf: "SELECT DISTINCT ?focus ?value WHERE { ?any ?value ?focus }",
}
NOT_CARRIED_OUT = {
    SH.condition: "sh:condition",
    SH.target: "sh:target (SPARQL-based targets)",
}


class FrameworkFileError(MofkgError):
    """A framework file whose rules cannot be run as written."""


@dataclass(frozen=True)
class Rule:
    """One SPARQL rule of a shape: its query (with its prefixes) and its order."""

    shape: Node
    node: Node
    order: Decimal
    query: str


def _prefixes(shapes: Graph, rule: object, where: str) -> str:
    lines = []
    for owner in shapes.objects(rule, SH.prefixes):  # type: ignore[arg-type]  # a node of the graph
        for declaration in shapes.objects(owner, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise FrameworkFileError(
                    f"{where}: an sh:declare without sh:prefix and sh:namespace"
                )
            lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(lines)


def read_rules(shapes: Graph, *, source: str) -> list[Rule]:
    """The active SPARQL rules of a shapes graph, in the order they run."""
    rules = []
    for shape in sorted(set(shapes.subjects(SH.rule, None)), key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        for prop, name in NOT_CARRIED_OUT.items():
            if (shape, prop, None) in shapes:
                raise FrameworkFileError(
                    f"{source}: {shape}: {name} is not carried out by this runner"
                )
        for node in shapes.objects(shape, SH.rule):
            where = f"{source}: {shape}"
            if shapes.value(node, SH.deactivated) == Literal(True):
                continue
            kinds = set(shapes.objects(node, RDF.type))
            if SH.SPARQLRule not in kinds:
                named = ", ".join(sorted(str(k) for k in kinds)) or "an untyped rule"
                raise FrameworkFileError(
                    f"{where}: {named} is not carried out (only sh:SPARQLRule)"
                )
            for prop, name in NOT_CARRIED_OUT.items():
                if (node, prop, None) in shapes:
                    raise FrameworkFileError(f"{where}: {name} is not carried out by this runner")
            text = shapes.value(node, SH.construct)
            if not isinstance(text, Literal):
                raise FrameworkFileError(f"{where}: an sh:SPARQLRule without sh:construct")
            order = shapes.value(node, SH.order)
            try:
                number = Decimal(str(order)) if order is not None else Decimal(0)
            except ArithmeticError as exc:
                raise FrameworkFileError(f"{where}: sh:order {order} is not a number") from exc
            rules.append(Rule(shape, node, number, _prefixes(shapes, node, where) + str(text)))
    return sorted(rules, key=lambda r: (r.order, str(r.shape)))


def _focus_nodes(store: ox.Store, shapes: Graph, shape: Node) -> list[ox.NamedNode | ox.BlankNode]:
    found: dict[str, ox.NamedNode | ox.BlankNode] = {}
    for node in shapes.objects(shape, SH.targetNode):
        term = to_oxigraph(node)
        found[str(term)] = term  # type: ignore[assignment]  # focus nodes are IRIs or blank nodes here
    targets = [(prop, value) for prop in TARGETS for value in shapes.objects(shape, prop)]
    if {RDFS.Class, OWL.Class} & set(shapes.objects(shape, RDF.type)):
        targets.append((SH.targetClass, shape))  # an implicit class target
    for prop, value in targets:
        rows = store.query(
            TARGETS[prop],
            prefixes=PREFIXES,
            use_default_graph_as_union=True,
            substitutions={ox.Variable("value"): to_oxigraph(value)},
        )
        for row in rows:  # type: ignore[union-attr]  # a SELECT gives solutions
            term = row["focus"]
            found[str(term)] = term
    return list(found.values())


def run_rules(framework: Path, data: Graph) -> Graph:
    """What the rules of the framework file ``framework`` infer from ``data`` (the triples not
    already in it), running every rule in ``sh:order`` over the data, the file and the rules'
    earlier inferences."""
    shapes = Graph()
    try:
        shapes.parse(framework, format="turtle")
    except Exception as exc:  # rdflib raises many kinds for bad Turtle
        raise FrameworkFileError(f"{framework}: not Turtle: {exc}") from exc
    rules = read_rules(shapes, source=str(framework))
    store = ox.Store()
    for graph in (data, shapes):
        store.load(
            graph.serialize(format="nt", encoding="utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.DefaultGraph(),
        )
    inferred = ox.NamedNode("urn:mofkg:inferred")
    for rule in rules:
        new: list[ox.Quad] = []
        for focus in _focus_nodes(store, shapes, rule.shape):
            try:
                result = store.query(
                    rule.query,
                    prefixes=PREFIXES,
                    use_default_graph_as_union=True,
                    substitutions={ox.Variable("this"): focus},
                )
            except (SyntaxError, ValueError) as exc:
                raise FrameworkFileError(
                    f"{framework}: the rule {rule.node} of {rule.shape}: {exc}"
                ) from exc
            if not isinstance(result, ox.QueryTriples):
                raise FrameworkFileError(f"{framework}: the rule {rule.node} is not a CONSTRUCT")
            new += [ox.Quad(t.subject, t.predicate, t.object, inferred) for t in result]
        store.extend(new)
    out = triples_to_graph(store.quads_for_pattern(None, None, None, inferred))
    return out - data
