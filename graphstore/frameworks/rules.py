"""SHACL-AF SPARQL rules (``sh:rule [ a sh:SPARQLRule ; sh:construct ... ]``), run set-based.

The one rule runner of mofkg: a framework file says in SPARQL rules what SHACL Core cannot (a
component's status, which component fills a requirement, progress per class, the class
reached; the points, score and position of the European Open Source AI Index). Each rule is
one ``CONSTRUCT`` whose ``$this`` is bound by its shape's targets (``sh:targetClass``,
``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, and the implicit class
target of a shape that is a class); it runs once for all focus nodes inside Oxigraph, whose
result is written as N-Triples and bulk-loaded back into the store by Oxigraph (no Python
object per triple), in ``sh:order``, so each rule sees what the earlier ones inferred. A rule
marked ``mof:readsValidationReport true`` runs after the framework's shapes have been
validated and their results added to the working copy as ``sh:focusNode`` /
``sh:sourceShape`` pairs. ``sh:prefixes`` declarations (``sh:declare``) are prepended to the
rule's text; mofkg's own prefixes (:data:`~mofkg.graphstore.namespaces.PREFIXES`) are known
too. ``sh:deactivated true`` (on a shape or a rule) is honoured; what the runner does not
carry out (``sh:TripleRule``, ``sh:condition``, SPARQL-based ``sh:target``) is refused by name
(:class:`RuleError`), never skipped.

``$this`` becomes a variable joined with the shape's targets, so a subquery that uses it must
select it (and group by it when it aggregates), as a SPARQL rule run per focus node with
``$this`` pre-bound would see it through the subquery's projection.

>>> _split_construct("PREFIX a: <x:> CONSTRUCT { ?s a:p 1 } WHERE { ?s a:q 2 }")
('PREFIX a: <x:> ', ' ?s a:p 1 ', ' ?s a:q 2 ')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from ..errors import MofkgError
from ..namespaces import MOF, PREFIXES
from ..store.embedded import Store
from ..store.terms import triples_to_graph

_THIS = re.compile(r"\$this\b")
_CONSTRUCT = re.compile(r"\bCONSTRUCT\b", re.IGNORECASE)
_WHERE = re.compile(r"\s*(WHERE\s*)?\{", re.IGNORECASE)
#: What a shape's targets bind ``?this`` to, by target parameter.
_TARGETS = {
    SH.targetClass: "{{ ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {0} }}",
    SH.targetNode: "{{ VALUES ?this {{ {0} }} }}",
    SH.targetSubjectsOf: "{{ SELECT DISTINCT ?this WHERE {{ ?this {0} ?targetObject }} }}",
    SH.targetObjectsOf: "{{ SELECT DISTINCT ?this WHERE {{ ?targetSubject {0} ?this }} }}",
}
#: What the runner refuses, on a shape or a rule, by name.
_NOT_CARRIED_OUT = {
    SH.condition: "sh:condition",
    SH.target: "sh:target (SPARQL-based targets)",
}


class RuleError(MofkgError):
    """A rule the runner cannot run: names the file, the rule's shape and the problem."""


@dataclass(frozen=True)
class Rule:
    """One SPARQL rule of a framework, ready to run set-based: a CONSTRUCT whose ``?this``
    is joined with its shape's targets."""

    shape: Node
    order: Decimal
    after_validation: bool
    query: str
    #: The file (or graph) the rule comes from, for messages.
    source: str = "shapes"


def _balanced(text: str, start: int, where: str) -> int:
    """The index just past the ``}`` closing the ``{`` at ``start`` (strings and IRIs skipped)."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            while end != -1 and text[end - 1] == "\\":
                end = text.find(ch, end + 1)
            if end == -1:
                break
            i = end
        elif ch == "#":
            newline = text.find("\n", i)
            i = len(text) if newline == -1 else newline
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise RuleError(f"{where}: unbalanced braces in the rule's CONSTRUCT")


def _split_construct(text: str, where: str = "rule") -> tuple[str, str, str]:
    """(prologue, template, WHERE body) of a ``CONSTRUCT { t } WHERE { p }`` query."""
    found = _CONSTRUCT.search(text)
    if found is None:
        raise RuleError(f"{where}: sh:construct holds no CONSTRUCT query")
    brace = text.find("{", found.end())
    if brace == -1 or text[found.end() : brace].strip():
        raise RuleError(f"{where}: a rule needs the form CONSTRUCT {{ template }} WHERE {{ ... }}")
    end = _balanced(text, brace, where)
    where_match = _WHERE.match(text, end)
    if where_match is None:
        raise RuleError(f"{where}: a rule needs a WHERE {{ ... }} after its template")
    body_start = where_match.end() - 1
    body_end = _balanced(text, body_start, where)
    rest = re.sub(r"#[^\n]*", "", text[body_end:]).strip()
    if rest:
        raise RuleError(f"{where}: nothing may follow the rule's WHERE clause, found {rest[:40]!r}")
    return text[: found.start()], text[brace + 1 : end - 1], text[body_start + 1 : body_end - 1]


def _prefixes(graph: Graph, rule: Node, where: str) -> str:
    lines = []
    for source in graph.objects(rule, SH.prefixes):
        for decl in graph.objects(source, SH.declare):
            prefix = graph.value(decl, SH.prefix)
            namespace = graph.value(decl, SH.namespace)
            if prefix is None or namespace is None:
                raise RuleError(f"{where}: an sh:declare needs sh:prefix and sh:namespace")
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines)))


def _target(graph: Graph, shape: Node, where: str) -> str:
    parts = []
    for parameter, pattern in _TARGETS.items():
        for value in graph.objects(shape, parameter):
            if not isinstance(value, URIRef):
                raise RuleError(f"{where}: {parameter.n3()} needs an IRI, found {value!r}")
            parts.append(pattern.format(f"<{value}>"))
    if isinstance(shape, URIRef) and {RDFS.Class, OWL.Class} & set(graph.objects(shape, RDF.type)):
        parts.append(_TARGETS[SH.targetClass].format(f"<{shape}>"))  # an implicit class target
    if not parts:
        raise RuleError(f"{where}: a shape holding rules needs a target (sh:targetClass ...)")
    return " UNION ".join(parts)


def _refuse_what_is_not_carried_out(graph: Graph, node: Node, where: str) -> None:
    for parameter, name in _NOT_CARRIED_OUT.items():
        if graph.value(node, parameter) not in (None, Literal(False)):
            raise RuleError(f"{where}: {name} is not carried out by this runner")


def read_rules(graph: Graph, *, source: str = "shapes") -> tuple[Rule, ...]:
    """Every active ``sh:SPARQLRule`` of the shapes graph, in ``sh:order`` (then shape IRI);
    ``source`` names the file in messages."""
    rules = []
    for shape, rule in sorted(
        graph.subject_objects(SH.rule), key=lambda so: (str(so[0]), str(so[1]))
    ):
        where = f"{source}: the rule of shape {shape}"
        if Literal(True) in (graph.value(shape, SH.deactivated), graph.value(rule, SH.deactivated)):
            continue
        _refuse_what_is_not_carried_out(graph, shape, where)
        kinds = set(graph.objects(rule, RDF.type))
        if SH.SPARQLRule not in kinds:
            names = ", ".join(sorted(str(k) for k in kinds)) or "an untyped rule"
            raise RuleError(
                f"{where}: {names} is not carried out (only sh:SPARQLRule rules are run)"
            )
        _refuse_what_is_not_carried_out(graph, rule, where)
        construct = graph.value(rule, SH.construct)
        if not isinstance(construct, Literal):
            raise RuleError(f"{where}: an sh:SPARQLRule without sh:construct (exactly one)")
        order_node = graph.value(rule, SH.order)
        try:
            order = Decimal(str(order_node)) if order_node is not None else Decimal(0)
        except InvalidOperation as exc:
            raise RuleError(f"{where}: sh:order {order_node} is not a number") from exc
        prologue, template, body = _split_construct(_THIS.sub("?this", str(construct)), where)
        query = (
            f"{_prefixes(graph, rule, where)}\n{prologue}\n"
            f"CONSTRUCT {{ {template} }}\nWHERE {{ {_target(graph, shape, where)}\n{body} }}"
        )
        after = graph.value(rule, MOF.readsValidationReport) == Literal(True)
        rules.append(Rule(shape, order, after, query, source))
    rules.sort(key=lambda r: r.order)
    return tuple(rules)


def run_rules(store: Store | ox.Store, rules: tuple[Rule, ...]) -> list[bytes]:
    """Run rules in order, each adding what it infers to ``store``'s default graph, so each
    sees what the earlier ones inferred; return what each inferred (N-Triples)."""
    oxi = store.oxigraph if isinstance(store, Store) else store
    inferred = []
    for rule in rules:
        try:
            found = oxi.query(rule.query, prefixes=PREFIXES)
        except (SyntaxError, ValueError, OSError) as exc:
            raise RuleError(f"{rule.source}: the rule of shape {rule.shape}: {exc}") from exc
        assert isinstance(found, ox.QueryTriples)  # the rule's text is a CONSTRUCT
        data = found.serialize(format=ox.RdfFormat.N_TRIPLES)
        if data:
            oxi.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        inferred.append(data or b"")
    return inferred


def run_rules_file(framework: Path, data: Graph) -> Graph:
    """What the rules of the framework file ``framework`` infer from ``data`` (the triples
    not already in it), run in ``sh:order`` over the data, the file itself (so a rule can read
    the framework's own facts, such as what a grade is worth) and the earlier inferences."""
    shapes = Graph()
    try:
        shapes.parse(framework, format="turtle")
    except Exception as exc:  # rdflib raises many kinds for bad Turtle
        raise RuleError(f"{framework}: not Turtle: {exc}") from exc
    rules = read_rules(shapes, source=str(framework))
    store = ox.Store()
    for graph in (data, shapes):
        store.bulk_load(
            graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
        )
    triples = (
        t
        for piece in run_rules(store, rules)
        for t in ox.parse(piece, format=ox.RdfFormat.N_TRIPLES)
    )
    return triples_to_graph(triples) - data


def without_rules(graph: Graph) -> Graph:
    """The shapes graph without its ``sh:rule`` triples: what the SHACL engine validates."""
    shapes = Graph()
    for prefix, namespace in graph.namespaces():
        shapes.bind(prefix, namespace)
    for triple in graph:
        if triple[1] != SH.rule:
            shapes.add(triple)
    return shapes


__all__ = ["Rule", "RuleError", "read_rules", "run_rules", "run_rules_file", "without_rules"]
