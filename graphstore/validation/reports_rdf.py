"""The standard ``sh:ValidationReport`` of a validation, in Turtle and JSON-LD.

:func:`write_turtle` writes the Turtle form piece by piece, straight from the results (the
command line's ``--report turtle``); :func:`report_triples` gives the same graph as Oxigraph
triples for :func:`report_rdf` (both forms from one graph). Both give the graph of
:meth:`~mofkg.graphstore.shacl.ValidationOutcome.to_report_graph`, without an rdflib
graph between (at 50,000 models building that graph took most of the report's time).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TextIO

import pyoxigraph as ox
from rdflib import BNode, Literal
from rdflib.namespace import SH
from rdflib.term import Node

from ..namespaces import PREFIXES
from ..store.terms import to_oxigraph

if TYPE_CHECKING:
    from .outcome import ValidationReport


def _listed(report: ValidationReport) -> list[Any]:
    """The results a report lists, as found: all, or the first ``max_results``."""
    results = report.outcome.results
    return results if report.max_results is None else results[: report.max_results]


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
_SH = {
    name: ox.NamedNode(str(SH) + name)
    for name in (
        "ValidationReport ValidationResult conforms result focusNode resultPath value "
        "sourceShape sourceConstraintComponent resultSeverity resultMessage"
    ).split()
}


def _report_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    try:
        return to_oxigraph(term)
    except ValueError:
        # an IRI no RDF syntax can write (a SHACL-SPARQL shape's IRI("Apache 2.0")): its text
        return ox.Literal(str(term))


def report_triples(report: ValidationReport) -> list[ox.Triple]:
    """The triples of the ``sh:ValidationReport`` (most of the cost of its RDF forms): the graph
    of :meth:`~mofkg.graphstore.shacl.ValidationOutcome.to_report_graph`, made straight
    as Oxigraph triples (no rdflib graph between), each term converted once."""
    outcome = report.outcome
    results = _listed(report)
    terms: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        found = terms.get(node)
        if found is None:
            found = terms[node] = _report_term(node)
        return found

    def subject(node: Node) -> ox.NamedNode | ox.BlankNode:
        found = term(node)
        assert not isinstance(found, ox.Literal)
        return found

    sh = _SH
    top = ox.BlankNode()
    triples = [
        ox.Triple(top, _RDF_TYPE, sh["ValidationReport"]),
        ox.Triple(top, sh["conforms"], to_oxigraph(Literal(outcome.conforms))),
    ]
    add = triples.append
    for note in outcome.engine:  # which engine validated which shapes
        add(ox.Triple(top, _RDFS_COMMENT, ox.Literal(note)))
    paths: list[Node] = []  # blank-node paths, their triples copied once each
    for r in results:
        node = ox.BlankNode()
        add(ox.Triple(top, sh["result"], node))
        add(ox.Triple(node, _RDF_TYPE, sh["ValidationResult"]))
        add(ox.Triple(node, sh["focusNode"], term(r.focus_node)))
        if r.result_path is not None:
            if isinstance(r.result_path, BNode) and r.result_path not in terms:
                paths.append(r.result_path)
            add(ox.Triple(node, sh["resultPath"], term(r.result_path)))
        if r.value is not None:
            add(ox.Triple(node, sh["value"], term(r.value)))
        add(ox.Triple(node, sh["sourceShape"], term(r.source_shape)))
        add(ox.Triple(node, sh["sourceConstraintComponent"], term(r.source_constraint_component)))
        add(ox.Triple(node, sh["resultSeverity"], term(r.severity)))
        for message in r.messages:
            add(ox.Triple(node, sh["resultMessage"], term(message)))
    copied: set[Node] = set()
    while paths:
        path = paths.pop()
        if path in copied:
            continue
        copied.add(path)
        for p, o in outcome.paths.predicate_objects(path):
            add(ox.Triple(subject(path), ox.NamedNode(str(p)), term(o)))
            if isinstance(o, BNode):
                paths.append(o)
    return triples


#: A local name written after a prefix as is (a stricter rule than Turtle's PN_LOCAL).
_PLAIN_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def write_turtle(report: ValidationReport, out: TextIO) -> None:
    """The ``sh:ValidationReport`` of :func:`report_triples` written as Turtle piece by piece:
    each result one ``[ ... ]`` block as it comes, each distinct term written once into text
    (IRIs under a known prefix abbreviated), no graph or triple objects between."""
    outcome = report.outcome
    results = _listed(report)
    prefixes = {"sh": str(SH), **PREFIXES}
    by_namespace = sorted(((iri, p) for p, iri in prefixes.items()), key=lambda x: -len(x[0]))
    texts: dict[Node, str] = {}
    labels: dict[Node, str] = {}
    paths: list[Node] = []

    def text(node: Node) -> str:
        found = texts.get(node)
        if found is not None:
            return found
        if isinstance(node, BNode):
            found = labels[node] = f"_:b{len(labels)}"
        else:
            term = _report_term(node)
            found = str(term)
            if isinstance(term, ox.NamedNode):
                iri = term.value
                for namespace, prefix in by_namespace:
                    if iri.startswith(namespace) and _PLAIN_LOCAL.fullmatch(iri[len(namespace) :]):
                        found = f"{prefix}:{iri[len(namespace) :]}"
                        break
        texts[node] = found
        return found

    write = out.write
    for prefix, iri in prefixes.items():
        write(f"@prefix {prefix}: <{iri}> .\n")
    conforms = "true" if outcome.conforms else "false"
    write(f"\n_:report a sh:ValidationReport ;\n    sh:conforms {conforms} .\n")
    for note in outcome.engine:  # which engine validated which shapes
        write(f"_:report rdfs:comment {ox.Literal(note)} .\n")
    for r in results:
        lines = ["\n_:report sh:result [\n    a sh:ValidationResult ;\n"]
        lines.append(f"    sh:focusNode {text(r.focus_node)} ;\n")
        if r.result_path is not None:
            if isinstance(r.result_path, BNode) and r.result_path not in texts:
                paths.append(r.result_path)
            lines.append(f"    sh:resultPath {text(r.result_path)} ;\n")
        if r.value is not None:
            lines.append(f"    sh:value {text(r.value)} ;\n")
        lines.append(f"    sh:sourceShape {text(r.source_shape)} ;\n")
        lines.append(f"    sh:sourceConstraintComponent {text(r.source_constraint_component)} ;\n")
        for message in r.messages:
            lines.append(f"    sh:resultMessage {text(message)} ;\n")
        lines.append(f"    sh:resultSeverity {text(r.severity)}\n] .\n")
        write("".join(lines))
    # the blank-node paths: their triples (a list, an inverse path ...), once each
    done: set[Node] = set()
    while paths:
        node = paths.pop()
        if node in done:
            continue
        done.add(node)
        for p, o in outcome.paths.predicate_objects(node):
            write(f"{text(node)} {text(p)} {text(o)} .\n")
            if isinstance(o, BNode):
                paths.append(o)


def report_rdf(report: ValidationReport, fmt: str, triples: list[ox.Triple] | None = None) -> bytes:
    """The ``sh:ValidationReport`` in Turtle or JSON-LD (serialised by Oxigraph); pass the
    ``triples`` of :func:`report_triples` to make both forms from one graph."""
    if triples is None:
        triples = report_triples(report)
    target = ox.RdfFormat.JSON_LD if fmt == "jsonld" else ox.RdfFormat.TURTLE
    prefixes = {"sh": str(SH), **PREFIXES} if target == ox.RdfFormat.TURTLE else None
    data = ox.serialize(triples, format=target, prefixes=prefixes)
    assert data is not None
    return data


__all__ = ["report_rdf", "report_triples", "write_turtle"]
