"""SHACL validation results: the result records, the outcome, and the standard report graph.

:mod:`graphstore.shacl` produces a :class:`ValidationOutcome`; a result is a
:class:`ValidationResultRecord`, a named tuple (tens of thousands are made per dump, and a tuple
is several times cheaper to build than a frozen dataclass). The outcome becomes a standard
``sh:ValidationReport`` with :meth:`ValidationOutcome.to_report_graph`. Shapes that the compiler
leaves to pySHACL are validated by :func:`pyshacl_results`.

>>> from rdflib import URIRef
>>> r = ValidationResultRecord(URIRef("http://ex/a"), None, None, URIRef("http://ex/S"),
...                            SH.MinCountConstraintComponent, SH.Violation)
>>> g = ValidationOutcome(conforms=False, results=[r]).to_report_graph()
>>> len(list(g.subjects(RDF.type, SH.ValidationResult)))
1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

if TYPE_CHECKING:
    from .shacl_compile import ShapesModel
    from .store import Store

__all__ = ["ValidationOutcome", "ValidationResultRecord", "pyshacl_results"]


class ValidationResultRecord(NamedTuple):
    """One validation result (SHACL §3.6.2)."""

    focus_node: Node
    result_path: Node | None
    value: Node | None
    source_shape: Node
    source_constraint_component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...] = ()


@dataclass
class ValidationOutcome:
    """The results of a validation, and which engine validated which shapes (``engine``)."""

    conforms: bool
    results: list[ValidationResultRecord]
    engine: list[str] = field(default_factory=list)
    queries: int = 0
    paths: Graph = field(default_factory=Graph, repr=False)

    def to_report_graph(self) -> Graph:
        """The outcome as a standard ``sh:ValidationReport`` (SHACL §3.6)."""
        g = Graph()
        g.bind("sh", SH)
        report = BNode()
        add = g.add
        add((report, RDF.type, SH.ValidationReport))
        add((report, SH.conforms, Literal(self.conforms)))
        for r in self.results:
            node = BNode()
            add((report, SH.result, node))
            add((node, RDF.type, SH.ValidationResult))
            add((node, SH.focusNode, r.focus_node))
            if r.result_path is not None:
                add((node, SH.resultPath, r.result_path))
                if isinstance(r.result_path, BNode):
                    _copy_bnode(self.paths, g, r.result_path)
            if r.value is not None:
                add((node, SH.value, r.value))
            add((node, SH.sourceShape, r.source_shape))
            add((node, SH.sourceConstraintComponent, r.source_constraint_component))
            add((node, SH.resultSeverity, r.severity))
            for message in r.messages:
                add((node, SH.resultMessage, message))
        return g


def _copy_bnode(source: Graph, target: Graph, node: Node) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_bnode(source, target, o)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def pyshacl_results(
    store: Store, model: ShapesModel, shapes: set[Node], *, data_graphs: list[str] | None
) -> tuple[list[ValidationResultRecord], Graph]:
    """Validate only the top-level ``shapes`` with pySHACL (the others lose their targets)."""
    import pyshacl
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError

    from .shacl_compile import ShapesError

    if data_graphs is None:
        data = store.to_rdflib()
    else:
        data = Graph()
        for name in data_graphs:
            data += store.to_rdflib(name)
    shapes_graph = Graph()
    shapes_graph += model.graph
    for shape in model.top:
        if shape.node not in shapes:
            for param in _TARGETS:
                shapes_graph.remove((shape.node, param, None))
            shapes_graph.remove((shape.node, RDF.type, RDFS.Class))
            shapes_graph.remove((shape.node, RDF.type, OWL.Class))
    try:
        _, report, text = pyshacl.validate(data, shacl_graph=shapes_graph, allow_warnings=True)
    except (ReportableRuntimeError, ShapeLoadError, ConstraintLoadError) as exc:
        raise ShapesError(None, f"pySHACL cannot use the shapes: {exc}") from exc
    if not isinstance(report, Graph):
        raise ShapesError(None, f"pySHACL cannot use the shapes: {text}")
    records = []
    for result in report.objects(None, SH.result):
        focus, source = report.value(result, SH.focusNode), report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        severity = report.value(result, SH.resultSeverity)
        assert focus is not None and source is not None
        assert isinstance(component, URIRef) and isinstance(severity, URIRef)
        messages = report.objects(result, SH.resultMessage)
        records.append(
            ValidationResultRecord(
                focus_node=focus,
                result_path=report.value(result, SH.resultPath),
                value=report.value(result, SH.value),
                source_shape=source,
                source_constraint_component=component,
                severity=severity,
                messages=tuple(m for m in messages if isinstance(m, Literal)),
            )
        )
    return records, report
