"""SHACL validation results: the result records, the outcome, and the standard report graph.

:mod:`mofkg.graphstore.shacl.engine` produces a :class:`ValidationOutcome`; a result is a
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

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

if TYPE_CHECKING:
    from ..store.embedded import Store
    from .model import ShapesModel

__all__ = [
    "MAX_SHOWN_VALUES",
    "CountedValues",
    "ValidationOutcome",
    "ValidationResultRecord",
    "counted_values",
    "pyshacl_results",
]


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
        for note in self.engine:  # which engine validated which shapes
            add((report, RDFS.comment, Literal(note)))
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


_TARGETS = (
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    URIRef(str(SH) + "target"),
)


def pyshacl_results(
    store: Store, model: ShapesModel, shapes: set[Node], *, data_graphs: list[str] | None
) -> tuple[list[ValidationResultRecord], Graph]:
    """Validate only the top-level ``shapes`` with pySHACL (the others lose their targets)."""
    import pyshacl
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError

    from .literals import exact_graph
    from .model import ShapesError

    data = exact_graph(store.oxigraph, data_graphs)
    shapes_graph = Graph()
    shapes_graph += model.graph
    for shape in model.top:
        if shape.node not in shapes:
            for param in _TARGETS:
                shapes_graph.remove((shape.node, param, None))
            shapes_graph.remove((shape.node, RDF.type, RDFS.Class))
            shapes_graph.remove((shape.node, RDF.type, OWL.Class))
    _follow_imports(shapes_graph)
    try:
        # advanced: SHACL-AF targets and sh:expression (sh:rule is refused before)
        _, report, text = pyshacl.validate(
            data, shacl_graph=shapes_graph, allow_warnings=True, advanced=True
        )
    except (ReportableRuntimeError, ShapeLoadError, ConstraintLoadError) as exc:
        raise ShapesError(None, f"pySHACL cannot use the shapes: {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:
        # pySHACL raises a bare Exception (or pyparsing's) for a SHACL-SPARQL query it cannot
        # read: "Unknown namespace prefix : mof" is the shapes' fault, not ours
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


def _follow_imports(g: Graph) -> None:
    """Give each holder of prefixes the declarations of what it ``owl:imports`` (SHACL §5.2.1),
    which pySHACL does not follow."""
    declare = URIRef(str(SH) + "declare")
    for holder in set(g.objects(None, URIRef(str(SH) + "prefixes"))):
        todo, seen = list(g.objects(holder, OWL.imports)), {holder}
        while todo:
            imported = todo.pop()
            if imported in seen:
                continue
            seen.add(imported)
            for declaration in list(g.objects(imported, declare)):
                g.add((holder, declare, declaration))
            todo.extend(g.objects(imported, OWL.imports))


#: Components whose results carry no ``sh:value`` but are about the values on their path:
#: a report shows those values.
COUNT_COMPONENTS = frozenset({SH.MaxCountConstraintComponent})
#: Most values kept per result for the reports (the count says how many there are).
MAX_SHOWN_VALUES = 10
#: Focus nodes per query.
_BATCH = 500


class CountedValues(NamedTuple):
    """The values a count result is about: the first :data:`MAX_SHOWN_VALUES`, and how many."""

    values: tuple[Node, ...]
    total: int


def counted_values(
    store: Store, outcome: ValidationOutcome
) -> dict[tuple[Node, Node], CountedValues]:
    """For each ``sh:maxCount`` result, the focus node's values on its path, by (focus, path).

    SHACL gives such a result no ``sh:value``, so a report would show none; these are the
    values it is about, read from the data that was validated (the store's union graph).
    Blank focus nodes cannot be named in a query and are left out.
    """
    from ..store.terms import to_rdflib
    from .literals import decode_rdflib
    from .model import ShapesError
    from .reading import compile_path

    wanted: dict[tuple[Node, str], set[URIRef]] = defaultdict(set)
    for r in outcome.results:
        if (
            r.source_constraint_component in COUNT_COMPONENTS
            and r.value is None
            and r.result_path is not None
            and isinstance(r.focus_node, URIRef)
        ):
            try:
                path = compile_path(outcome.paths, r.result_path, shape=r.source_shape)
            except ShapesError:
                continue  # the path's nodes are not in the report graph: nothing to show
            wanted[(r.result_path, path)].add(r.focus_node)
    found: dict[tuple[Node, Node], CountedValues] = {}
    for (path_node, path), focus_nodes in wanted.items():
        ordered = sorted(focus_nodes)
        for start in range(0, len(ordered), _BATCH):
            batch = " ".join(n.n3() for n in ordered[start : start + _BATCH])
            values: dict[Node, list[Node]] = defaultdict(list)
            for row in store.query(
                f"SELECT DISTINCT ?this ?value WHERE {{ VALUES ?this {{ {batch} }} "
                f"?this {path} ?value }}"
            ):
                value = decode_rdflib(to_rdflib(row["value"], exact=True))
                values[to_rdflib(row["this"])].append(value)
            for focus, found_values in values.items():
                shown = tuple(sorted(found_values, key=str)[:MAX_SHOWN_VALUES])
                found[(focus, path_node)] = CountedValues(shown, len(found_values))
    return found
