"""Counting and absence constraints as joins and FILTER NOT EXISTS (no GROUP BY for sh:maxCount
0 / 1, no MINUS): the same results as pySHACL where values differ only as terms."""

from __future__ import annotations

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

from mofkg.graphstore.shacl import validate_store
from mofkg.graphstore.store.embedded import Store

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""

SHAPES = (
    PREFIXES
    + """
ex:S a sh:NodeShape ; sh:targetClass ex:T ;
  sh:property [ sh:path ex:one ; sh:maxCount 1 ] ;
  sh:property [ sh:path ex:none ; sh:maxCount 0 ] ;
  sh:property [ sh:path ( ex:via ex:one ) ; sh:maxCount 1 ] ;
  sh:property [ sh:path [ sh:inversePath ex:has ] ; sh:maxCount 1 ] ;
  sh:property [ sh:path ex:need ; sh:minCount 1 ] ;
  sh:property [ sh:path ex:tag ; sh:hasValue ex:good ] ;
  sh:property [ sh:path ex:kind ; sh:in ( ex:a ex:b ) ] ;
  sh:property [ sh:path ex:org ; sh:class ex:Org ] .
"""
)

DATA = (
    PREFIXES
    + """
# equal in value, different terms: two values for sh:maxCount 1
ex:twoNumbers a ex:T ; ex:one 1, "1"^^xsd:decimal ; ex:need 1 ; ex:tag ex:good .
# the same term twice is one value
ex:oneValue a ex:T ; ex:one "x", "x" ; ex:need 1 ; ex:tag ex:good ; ex:kind ex:a .
ex:twoLanguages a ex:T ; ex:one "x"@en, "x"@fr ; ex:none [] ; ex:tag ex:bad ; ex:kind ex:c .
ex:viaTwo a ex:T ; ex:via ex:v1, ex:v2 ; ex:need 1 ; ex:tag ex:good ; ex:org ex:notOrg .
ex:v1 ex:one ex:p . ex:v2 ex:one ex:q .
ex:viaSame a ex:T ; ex:via ex:v3, ex:v4 ; ex:need 1 ; ex:tag ex:good ; ex:org ex:org .
ex:v3 ex:one ex:p . ex:v4 ex:one ex:p . ex:org a ex:Org .
ex:owner1 ex:has ex:shared . ex:owner2 ex:has ex:shared .
ex:shared a ex:T ; ex:need 1 ; ex:tag ex:good .
"""
)


def _keys(graph: Graph) -> set[tuple[str, str, str, str]]:
    report = graph
    return {
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.sourceConstraintComponent)),
            str(report.value(r, SH.value)),
            str(report.value(r, SH.resultPath)) if report.value(r, SH.resultPath) else "",
        )
        for r in report.objects(None, SH.result)
    }


def test_counts_and_absences_give_pyshacl_results() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    store = Store()
    store.add_graph(data, "urn:test:data")
    outcome = validate_store(store, shapes)
    _, expected, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert isinstance(expected, Graph)
    ours = {
        (k[0], k[1], k[2], "" if "/" not in k[3] else k[3])
        for k in _keys(outcome.to_report_graph())
    }
    theirs = {(k[0], k[1], k[2], "" if "/" not in k[3] else k[3]) for k in _keys(expected)}
    assert ours == theirs
    failing = {
        (str(r.focus_node).rsplit("/", 1)[-1], str(r.source_constraint_component).split("#")[1])
        for r in outcome.results
    }
    assert failing == {
        ("twoNumbers", "MaxCountConstraintComponent"),
        ("twoLanguages", "MaxCountConstraintComponent"),  # ex:one, and ex:none's [] for 0
        ("twoLanguages", "MinCountConstraintComponent"),
        ("twoLanguages", "HasValueConstraintComponent"),
        ("twoLanguages", "InConstraintComponent"),
        ("viaTwo", "MaxCountConstraintComponent"),
        ("viaTwo", "ClassConstraintComponent"),
        ("shared", "MaxCountConstraintComponent"),
    }
    none = [r for r in outcome.results if str(r.result_path).endswith("none")]
    assert len(none) == 1 and none[0].value is None


NESTED = (
    PREFIXES
    + """
ex:N a sh:NodeShape ; sh:targetNode ex:top, <http://example.org/?this=1> ;
  sh:targetSubjectsOf ex:via ;
  sh:property [ sh:path ex:via ; sh:node [
      sh:property [ sh:path ex:one ; sh:node [
          sh:property [ sh:path ex:label ; sh:in ( "?this" "a \\"?this\\"" ) ] ] ] ] ] .
"""
)

NESTED_DATA = (
    PREFIXES
    + """
ex:top ex:via ex:a . ex:a ex:one ex:b . ex:b ex:label "?this" .
<http://example.org/?this=1> ex:via ex:c . ex:c ex:one ex:d, ex:b . ex:d ex:label "other" .
ex:e ex:via ex:a .
"""
)


def test_nested_value_nodes_give_pyshacl_results() -> None:
    """Focus patterns inlined two levels deep, with ?this written inside an IRI and literals."""
    data = Graph().parse(data=NESTED_DATA, format="turtle")
    shapes = Graph().parse(data=NESTED, format="turtle")
    store = Store()
    store.add_graph(data, "urn:test:data")
    outcome = validate_store(store, shapes)
    _, expected, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert isinstance(expected, Graph)
    ours = {(str(r.focus_node), str(r.value)) for r in outcome.results}
    theirs = {
        (str(expected.value(r, SH.focusNode)), str(expected.value(r, SH.value)))
        for r in expected.objects(None, SH.result)
    }
    assert ours == theirs == {("http://example.org/?this=1", "http://example.org/c")}
