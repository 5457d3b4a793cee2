"""The SPARQL engine gives exactly pySHACL's results with the same shapes.

On a synthetic catalogue, the set of (focus node, source shape, severity) that
:func:`assess_models` implies equals the validation results of pySHACL, the reference SHACL
engine, run over the same data (catalogue, ontology, licence graph and the rules' derived
effective licences) with the shapes file itself. The 1,000-model comparison is in the bench.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from mofkg.graphstore.catalogue.licences import build_licence_graph
from mofkg.graphstore.frameworks.assessment import ValidationResult, assess_with, derived_triples
from mofkg.graphstore.frameworks.definition import load_framework
from mofkg.graphstore.importers.mot import import_mot
from mofkg.graphstore.namespaces import DEMO_GRAPH, LICENCE_GRAPH, MOF, ONTOLOGY_GRAPH
from mofkg.graphstore.resources import ontology_path, shapes_path
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples

MODELS = 150


def pyshacl_results(data: Graph, shapes: Graph) -> set[ValidationResult]:
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert isinstance(report, Graph)
    found = set()
    [top] = report.subjects(RDF.type, SH.ValidationReport)
    for result in report.objects(top, SH.result):  # not the sh:detail results nested in them
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        severity = report.value(result, SH.resultSeverity)
        found.add(ValidationResult(str(focus), str(shape), str(severity)))
    return found


@pytest.fixture(scope="module")
def catalogue() -> Store:
    store = Store()
    store.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    store.add_graph(build_licence_graph(), str(LICENCE_GRAPH))
    store.load(synthetic_ntriples(MODELS, seed=7).encode(), graph=str(DEMO_GRAPH), format="nt")
    return store


def test_same_results_as_pyshacl(catalogue: Store) -> None:
    framework = load_framework("mof-1.0")
    assessments = assess_with(catalogue, framework)
    ours = set().union(*(a.results() for a in assessments))
    data = catalogue.to_rdflib()
    assert len(data) > 0
    data += derived_triples(catalogue, framework)
    theirs = pyshacl_results(data, framework.shapes)
    assert ours - theirs == set()
    assert theirs - ours == set()
    # the catalogue exercises every kind of outcome, so the comparison means something
    severities = Counter(r.severity for r in ours)
    assert severities[str(SH.Violation)] > 100
    assert severities[str(SH.Warning)] > 10
    assert severities[str(SH.Info)] > 10
    statuses = Counter(o.status for a in assessments for o in a.outcomes)
    for status in (MOF.Counts, MOF.Missing, MOF.Unlicensed, MOF.InvalidLicence):
        assert statuses[status] > 0, status
    assert statuses[MOF.OpenNotTypeAppropriate] > 0
    assert {a.class_number for a in assessments} >= {0, 3}


def test_a_failing_model_is_reported_by_both() -> None:
    """A hand-made model with no components fails every requirement in both engines."""
    store = Store()
    store.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    store.add_graph(build_licence_graph(), str(LICENCE_GRAPH))
    model = URIRef("https://w3id.org/mofkg/id/model/empty")
    store.load(
        f"<{model}> <{RDF.type}> <{MOF.Model}> .".encode(), graph=str(DEMO_GRAPH), format="nt"
    )
    framework = load_framework("mof-1.0")
    [assessment] = assess_with(store, framework)
    ours = assessment.results()
    assert len(ours) == len(framework.requirements) == 17
    data = store.to_rdflib() + derived_triples(store, framework)
    assert pyshacl_results(data, framework.shapes) == ours


def metadata_results(data: Graph) -> set[tuple[str, str, str]]:
    """(focus, message, severity) of the metadata shapes over ``data`` with the ontology."""
    shapes = Graph().parse(shapes_path("metadata.ttl"))
    data = data + Graph().parse(ontology_path())
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert isinstance(report, Graph)
    [top] = report.subjects(RDF.type, SH.ValidationReport)
    return {
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
            str(report.value(r, SH.resultSeverity)),
        )
        for r in report.objects(top, SH.result)
    }


def test_mot_records_are_well_formed_with_warnings_only(shared_data: Path) -> None:
    result = import_mot([shared_data / "mot" / "models"])
    data = Graph()
    for record in result.records:
        data += record.graph
    found = metadata_results(data)
    assert {severity for _, _, severity in found} <= {str(SH.Warning)}
    messages = Counter(message for _, message, _ in found)
    assert any("free text" in m for m in messages)
    assert messages["The producer (mof:producer) is missing"] == 4  # empty in 4 records


BROKEN = """
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> .
@prefix m: <https://w3id.org/mofkg/id/model/> .
m:Bad a mof:Model ; schema:name "Bad", "Worse" ; dct:issued "last May" ;
    mof:distributionLicence "Apache-2.0" ; mof:hasComponent m:Bad-x .
m:Bad-x a mof:Component ; mof:componentType mof:Nonsense ; mof:licenceText "MIT-ish" .
"""


def test_metadata_shapes_say_what_is_wrong() -> None:
    found = metadata_results(Graph().parse(data=BROKEN, format="turtle"))
    model, component = (
        "https://w3id.org/mofkg/id/model/Bad",
        "https://w3id.org/mofkg/id/model/Bad-x",
    )
    violation, warning = str(SH.Violation), str(SH.Warning)
    assert found == {
        (model, "A model needs exactly one name (schema:name), a plain string", violation),
        (model, "The producer (mof:producer) is missing", warning),
        (model, "The release date (dct:issued) should be one xsd:date", warning),
        (
            model,
            "A release licence is a licence IRI (free text goes in the *LicenceText properties)",
            violation,
        ),
        (
            component,
            "A component's type must be one of the MOF component types (mof:ComponentTypes)",
            violation,
        ),
        (
            component,
            "A component's licence is free text, not a licence identifier: it cannot count as open",
            warning,
        ),
    }
