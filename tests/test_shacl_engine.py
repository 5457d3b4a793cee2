"""The SHACL engine inside Oxigraph: the same results as pySHACL, set-based, readable reports,
and clear errors for shapes graphs that are not SHACL."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from mofkg.graphstore.frameworks.rules import without_rules
from mofkg.graphstore.shacl import ShapesError, ValidationOutcome, validate_store
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples

SHAPES_DIR = Path(__file__).resolve().parents[1] / "shapes"
EX = "http://example.org/"
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
"""

#: Metadata-style shapes using every compiled component and every kind of path.
SHAPES = (
    PREFIXES
    + """
ex:ModelShape a sh:NodeShape ; sh:targetClass ex:Model ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
                sh:minLength 2 ; sh:maxLength 20 ; sh:pattern "^[a-z]" ; sh:flags "i" ] ;
  sh:property [ sh:path ex:label ; sh:languageIn ( "en" "fr" ) ; sh:uniqueLang true ] ;
  sh:property [ sh:path ex:params ; sh:datatype xsd:integer ; sh:minInclusive 1 ;
                sh:maxExclusive 1000 ; sh:severity sh:Warning ] ;
  sh:property [ sh:path ex:score ; sh:minExclusive 0 ; sh:maxInclusive 1 ] ;
  sh:property [ sh:path ex:licence ; sh:nodeKind sh:IRI ; sh:in ( ex:mit ex:apache ) ;
                sh:message "licence must be MIT or Apache"@en ] ;
  sh:property [ sh:path ex:org ; sh:class ex:Org ; sh:node ex:OrgShape ] ;
  sh:property [ sh:path ex:start ; sh:lessThan ex:end ] ;
  sh:property [ sh:path ex:start ; sh:lessThanOrEquals ex:end ] ;
  sh:property [ sh:path ex:alias ; sh:disjoint ex:name ] ;
  sh:property [ sh:path ex:same ; sh:equals ex:name ] ;
  sh:property [ sh:path ( ex:org ex:country ) ; sh:hasValue ex:EU ] ;
  sh:property [ sh:path [ sh:inversePath ex:uses ] ; sh:maxCount 1 ] ;
  sh:property [ sh:path [ sh:alternativePath ( ex:doc ex:card ) ] ; sh:minCount 1 ] ;
  sh:property [ sh:path [ sh:zeroOrMorePath ex:parent ] ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path [ sh:oneOrMorePath ex:parent ] ; sh:not [ sh:class ex:Banned ] ] ;
  sh:property [ sh:path [ sh:zeroOrOnePath ex:parent ] ; sh:maxCount 2 ] ;
  sh:property [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Weights ] ;
                sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] ;
  sh:property [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Code ] ;
                sh:qualifiedMaxCount 1 ; sh:qualifiedValueShapesDisjoint true ] ;
  sh:or ( [ sh:path ex:doc ; sh:minCount 1 ] [ sh:path ex:card ; sh:minCount 2 ] ) ;
  sh:xone ( [ sh:path ex:open ; sh:hasValue true ]
            [ sh:path ex:closedSource ; sh:hasValue true ] ) ;
  sh:and ( [ sh:path ex:name ; sh:minCount 1 ] [ sh:path ex:version ; sh:minCount 1 ] ) .
ex:OrgShape a sh:NodeShape ; sh:targetSubjectsOf ex:country ;
  sh:closed true ; sh:ignoredProperties ( rdfs:label ) ;
  sh:property [ sh:path ex:country ; sh:minCount 1 ] ;
  sh:property [ sh:path <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ] .
ex:Off a sh:NodeShape ; sh:targetClass ex:Model ; sh:deactivated true ;
  sh:property [ sh:path ex:name ; sh:minCount 5 ] .
ex:UsedShape a sh:NodeShape ; sh:targetObjectsOf ex:uses ; sh:nodeKind sh:BlankNodeOrIRI .
ex:UserShape a sh:NodeShape ; sh:targetSubjectsOf ex:uses ; sh:class ex:App .
ex:Pinned a sh:NodeShape ; sh:targetNode ex:m1, ex:nowhere ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""
)

DATA = (
    PREFIXES
    + """
ex:SpecialModel rdfs:subClassOf ex:Model .
ex:m1 a ex:Model ; ex:name "alpha" ; ex:label "A"@en ; ex:params 7 ; ex:score 0.5 ;
  ex:licence ex:mit ; ex:org ex:o1 ; ex:start 1 ; ex:end 2 ; ex:same "alpha" ; ex:doc ex:d ;
  ex:part ex:w1 ; ex:open true ; ex:version "1" ; ex:parent ex:m0 .
ex:w1 a ex:Weights .
ex:o1 a ex:Org ; ex:country ex:EU ; rdfs:label "Org one" .
ex:m2 a ex:SpecialModel ; ex:name "9", "b" ; ex:label "A"@en, "B"@en, "C"@de ;
  ex:params "x"^^xsd:integer, 5000, 0 ; ex:score 0, 3, "high" ; ex:licence ex:gpl, "MIT" ;
  ex:org ex:o2, ex:o3 ; ex:start 5 ; ex:end 5 ; ex:alias "b" ; ex:same "other" ;
  ex:card ex:c1 ; ex:part ex:c1, ex:c2, ex:both ; ex:open true ; ex:closedSource true ;
  ex:parent ex:banned, _:anon .
ex:o2 ex:country ex:US ; ex:extra 1 .
ex:o3 a ex:Org .
ex:c1 a ex:Code . ex:c2 a ex:Code . ex:both a ex:Code, ex:Weights .
ex:banned a ex:Banned .
ex:m3 a ex:Model ; ex:name "a-very-long-model-name-indeed" ; ex:start 9 ; ex:end 3 .
ex:app1 ex:uses ex:m1 . ex:app2 a ex:App ; ex:uses ex:m1 .
"""
)


def _store(data: Graph, name: str = "urn:test:data") -> Store:
    store = Store()
    store.add_graph(data, name)
    return store


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def _key(graph: Graph, node: Node | None) -> object:
    """Blank nodes by their structure (paths, anonymous shapes), the same in any graph."""
    if isinstance(node, BNode):
        return frozenset((p, _key(graph, o)) for p, o in graph.predicate_objects(node))
    return node


def _keys(results: list[tuple[Node | None, ...]], graph: Graph) -> set[tuple[object, ...]]:
    return {tuple(_key(graph, n) for n in r) for r in results}


def _ours(outcome: ValidationOutcome, shapes: Graph) -> set[tuple[object, ...]]:
    rows = [
        (
            r.focus_node,
            r.result_path,
            r.value,
            r.source_shape,
            r.source_constraint_component,
            r.severity,
        )
        for r in outcome.results
    ]
    return _keys(rows, shapes + outcome.paths)


def _pyshacl(data: Graph, shapes: Graph) -> set[tuple[object, ...]]:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, allow_warnings=True)
    assert isinstance(report, Graph)
    rows = [
        tuple(
            report.value(r, p)
            for p in (
                SH.focusNode,
                SH.resultPath,
                SH.value,
                SH.sourceShape,
                SH.sourceConstraintComponent,
                SH.resultSeverity,
            )
        )
        for r in report.objects(None, SH.result)
    ]
    return _keys(rows, report + shapes)


# -- the same results as pySHACL ---------------------------------------------------------------


def test_every_component_gives_pyshacl_results() -> None:
    data, shapes = _graph(DATA), _graph(SHAPES)
    outcome = validate_store(_store(data), shapes)
    expected = _pyshacl(data, shapes)
    assert _ours(outcome, shapes) == expected
    assert not outcome.conforms
    components = {r.source_constraint_component for r in outcome.results}
    # The data breaks (nearly) every component the shapes use, so the comparison means something.
    assert len(components) == 28
    assert [n for n in outcome.engine if n.startswith("pyshacl")] == []


def test_conforming_data_has_no_results() -> None:
    shapes = _graph(SHAPES)
    data = _graph(
        PREFIXES
        + """ex:m a ex:Model ; ex:name "ok" ; ex:same "ok" ; ex:doc ex:d ; ex:version "1" ;
        ex:open true ;
        ex:part ex:w ; ex:org ex:o . ex:w a ex:Weights . ex:o a ex:Org ; ex:country ex:EU .
        ex:m1 ex:name "m1" . ex:nowhere ex:name "nowhere" ."""
    )
    outcome = validate_store(_store(data), shapes)
    assert outcome.results == [] and outcome.conforms
    assert _pyshacl(data, shapes) == set()


def _mof_checks() -> Graph:
    """MOF 1.0's shapes as the engine sees them: its SHACL-AF rules are run by the framework
    runner (mofkg.graphstore.frameworks.rules) before, not by the engine."""
    return without_rules(Graph().parse(SHAPES_DIR / "mof-1.0.ttl", format="turtle"))


def test_mof_shapes_give_pyshacl_results_on_a_synthetic_catalogue() -> None:
    shapes = _mof_checks()
    data = Graph().parse(data=synthetic_ntriples(25, seed=3), format="nt")
    outcome = validate_store(_store(data), shapes)
    assert len(outcome.results) > 100
    assert _ours(outcome, shapes) == _pyshacl(data, shapes)


def test_severity_and_message_are_kept() -> None:
    outcome = validate_store(_store(_graph(DATA)), _graph(SHAPES))
    warnings = [r for r in outcome.results if r.severity == SH.Warning]
    assert {str(r.value) for r in warnings} == {"x", "5000", "0"}
    licence = [r for r in outcome.results if r.result_path == URIRef(EX + "licence")]
    assert {str(m) for r in licence for m in r.messages} == {"licence must be MIT or Apache"}
    assert all(r.messages for r in outcome.results)


def test_only_the_given_data_graphs_are_validated() -> None:
    store = _store(_graph(PREFIXES + "ex:a a ex:Model ."), "urn:test:bad")
    store.add_graph(_graph(PREFIXES + 'ex:b a ex:Model ; ex:name "b" .'), "urn:test:good")
    shapes = _graph(
        PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:Model ; "
        "sh:property [ sh:path ex:name ; sh:minCount 1 ] ."
    )
    assert validate_store(store, shapes, data_graphs=["urn:test:good"]).conforms
    everything = validate_store(store, shapes)
    assert [r.focus_node for r in everything.results] == [URIRef(EX + "a")]


# -- set-based: the number of queries does not depend on the data ------------------------------


def test_query_count_is_independent_of_the_data_size() -> None:
    shapes = _mof_checks()
    small = validate_store(_store(Graph().parse(data=synthetic_ntriples(5), format="nt")), shapes)
    large = validate_store(_store(Graph().parse(data=synthetic_ntriples(300), format="nt")), shapes)
    assert small.queries == large.queries
    assert 0 < large.queries < 60
    assert len(large.results) > 50 * len(small.results) / 5


# -- fallback to pySHACL ------------------------------------------------------------------------


def test_sparql_constraints_fall_back_to_pyshacl_for_that_shape_only() -> None:
    shapes = _graph(
        PREFIXES
        + """ex:Sparql a sh:NodeShape ; sh:targetClass ex:Model ;
          sh:sparql [ sh:select
            "SELECT $this WHERE { FILTER NOT EXISTS { $this <http://example.org/name> ?n } }" ] .
        ex:Core a sh:NodeShape ; sh:targetClass ex:Model ;
          sh:property [ sh:path ex:version ; sh:minCount 1 ] ."""
    )
    outcome = validate_store(_store(_graph(PREFIXES + "ex:a a ex:Model .")), shapes)
    by_shape = {r.source_shape: r.source_constraint_component for r in outcome.results}
    assert by_shape[URIRef(EX + "Sparql")] == SH.SPARQLConstraintComponent
    assert len(by_shape) == 2
    assert any("pyshacl: shape http://example.org/Sparql" in n for n in outcome.engine)
    assert not any("Core" in n for n in outcome.engine if n.startswith("pyshacl"))


# -- the report graph ---------------------------------------------------------------------------


def test_report_graph_is_a_standard_validation_report() -> None:
    shapes = _graph(SHAPES)
    outcome = validate_store(_store(_graph(DATA)), shapes)
    report = outcome.to_report_graph()
    text = report.serialize(format="turtle")
    again = Graph().parse(data=text, format="turtle")
    reports = list(again.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert again.value(reports[0], SH.conforms) == Literal(False)
    results = list(again.objects(reports[0], SH.result))
    assert len(results) == len(outcome.results)
    for r in results:
        assert again.value(r, RDF.type) == SH.ValidationResult
        for p in (SH.focusNode, SH.sourceShape, SH.sourceConstraintComponent, SH.resultSeverity):
            assert again.value(r, p) is not None, p
    # A sequence path is copied as its RDF list, so a reader can follow it.
    sequence = [
        again.value(r, SH.resultPath)
        for r in results
        if again.value(r, SH.sourceConstraintComponent) == SH.HasValueConstraintComponent
        and isinstance(again.value(r, SH.resultPath), BNode)
    ]
    assert sequence
    assert again.value(sequence[0], RDF.first) == URIRef(EX + "org")


def test_a_conforming_report_says_so() -> None:
    shapes = _graph(PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:Nothing ; sh:minCount 1 .")
    report = validate_store(_store(_graph(DATA)), shapes).to_report_graph()
    node = report.value(None, RDF.type, SH.ValidationReport, any=False)
    assert report.value(node, SH.conforms) == Literal(True)
    assert list(report.objects(node, SH.result)) == []


# -- shapes graphs that are not SHACL -----------------------------------------------------------


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        ("ex:a ex:b ex:c .", "the shapes graph holds no SHACL shapes"),
        (
            'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P . ex:P sh:path "name" .',
            'shape <http://example.org/P>: sh:path is the literal "name", not an IRI or a path',
        ),
        (
            'ex:S a sh:PropertyShape ; sh:path ex:p ; sh:minCount "x" .',
            'shape <http://example.org/S>: sh:minCount is "x", not a count',
        ),
        (
            "ex:S a sh:PropertyShape ; sh:path ex:p ; sh:maxCount -1 .",
            "shape <http://example.org/S>: sh:maxCount is -1, not a count",
        ),
        (
            "ex:S a sh:NodeShape ; sh:property ex:P . ex:P sh:minCount 1 .",
            "shape <http://example.org/P>: a property shape (value of sh:property) needs sh:path",
        ),
        (
            "ex:S a sh:NodeShape ; sh:nodeKind ex:Thing .",
            "shape <http://example.org/S>: sh:nodeKind is <http://example.org/Thing>, "
            "not a SHACL node kind",
        ),
        (
            "ex:S a sh:PropertyShape ; sh:path [ ex:weird ex:p ] .",
            "shape <http://example.org/S>: sh:path",
        ),
        (
            "ex:S a sh:PropertyShape ; sh:path ( ex:p ) .",
            "shape <http://example.org/S>: a sequence path needs at least two members",
        ),
        (
            'ex:S a sh:NodeShape ; sh:and "x" .',
            "shape <http://example.org/S>: sh:and needs a list of shapes",
        ),
    ],
)
def test_shapes_that_are_not_shacl_are_refused(shapes: str, message: str) -> None:
    store = _store(_graph(DATA))
    with pytest.raises(ShapesError) as caught:
        validate_store(store, _graph(PREFIXES + shapes))
    assert str(caught.value).startswith(message)
    assert len(store) == len(_graph(DATA))


# -- requirement shapes: sh:node / sh:or / sh:not over qualified value shapes, set-based ---------


def test_requirements_over_qualified_shapes_are_set_operations_with_pyshacl_results() -> None:
    """Eight "a component of type T that is open" shapes, required through sh:node, sh:or and
    sh:not on the models: pySHACL's results, in a number of queries that does not grow with
    the number of types (one indexed query for the eight sh:hasValue, no query per sh:node)."""
    types = 8
    counts = "".join(
        f"""ex:Counts{i} a sh:NodeShape ; sh:property [ sh:path ex:hasComponent ;
          sh:qualifiedValueShape [ sh:property [ sh:path ex:type ; sh:hasValue ex:T{i} ] ;
                                   sh:property [ sh:path ex:open ; sh:hasValue true ] ] ;
          sh:qualifiedMinCount 1 ] .
        ex:Req{i} a sh:NodeShape ; sh:targetClass ex:Model ; sh:node ex:Counts{i} .
        """
        for i in range(types)
    )
    shapes = _graph(
        PREFIXES
        + counts
        + """ex:Either a sh:NodeShape ; sh:targetClass ex:Model ; sh:or ( ex:Counts0 ex:Counts1 ) .
        ex:Never a sh:NodeShape ; sh:targetClass ex:Model ; sh:not ex:Counts2 .
        ex:Both a sh:NodeShape ; sh:targetClass ex:Model ; sh:and ( ex:Counts3 ex:Counts4 ) ."""
    )
    lines = []
    for m in range(60):
        lines.append(f"ex:m{m} a ex:Model .")
        for i in range(types):
            if (m * 7 + i * 3) % 5 < 3:  # some types missing, some present twice
                for k in range(1 + (m + i) % 2):
                    is_open = "true" if (m + i + k) % 3 else "false"
                    lines.append(
                        f"ex:m{m} ex:hasComponent ex:c{m}_{i}_{k} . "
                        f"ex:c{m}_{i}_{k} ex:type ex:T{i} ; ex:open {is_open} ."
                    )
    data = _graph(PREFIXES + "\n".join(lines))
    outcome = validate_store(_store(data), shapes)
    assert len(outcome.results) > 60
    assert _ours(outcome, shapes) == _pyshacl(data, shapes)
    assert outcome.queries < types
