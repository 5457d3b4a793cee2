"""Assessment: effective licences, statuses, classes, the stored RDF, JSON, explanations."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from mofkg.graphstore.catalogue.licences import build_licence_graph
from mofkg.graphstore.errors import MofkgError, NotFoundError, ReadOnlyError
from mofkg.graphstore.frameworks import assessment
from mofkg.graphstore.frameworks import writing as assessment_rdf
from mofkg.graphstore.frameworks.assessment import (
    ModelAssessment,
    assess_models,
    derive,
    derived_graph,
    json_lines,
    write_assessments,
)
from mofkg.graphstore.frameworks.definition import load_framework
from mofkg.graphstore.frameworks.explain import explain_model
from mofkg.graphstore.namespaces import (
    DEMO_GRAPH,
    LICENCE_GRAPH,
    MOF,
    ONTOLOGY_GRAPH,
    assessment_graph,
)
from mofkg.graphstore.resources import ontology_path
from mofkg.graphstore.store.embedded import STAGING_PREFIX, Store
from mofkg.graphstore.synthetic import synthetic_ntriples

ID = "https://w3id.org/mofkg/id/model/"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

CATALOGUE = """
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> .
@prefix spdx-lic: <http://spdx.org/licenses/> .
@prefix m: <https://w3id.org/mofkg/id/model/> .

# Class III through the distribution licence; the data card's licence is MIT (open, not for
# documents: counts with a warning); training code has the Llama licence (invalid).
m:Three a mof:Model ; schema:name "Three" ; mof:sourceRecord "Three.yml" ;
    mof:distributionLicence spdx-lic:Apache-2.0 ;
    mof:documentLicence spdx-lic:CC-BY-4.0 ;
    mof:hasComponent m:Three-arch, m:Three-params, m:Three-results, m:Three-card,
        m:Three-datacard, m:Three-report, m:Three-training, m:Three-inference .
m:Three-arch a mof:Component ; mof:componentType mof:ModelArchitecture .
m:Three-params a mof:Component ; mof:componentType mof:ModelParametersFinal .
m:Three-results a mof:Component ; mof:componentType mof:EvaluationResults .
m:Three-card a mof:Component ; mof:componentType mof:ModelCard .
m:Three-datacard a mof:Component ; mof:componentType mof:DataCard ; dct:license spdx-lic:MIT .
m:Three-report a mof:Component ; mof:componentType mof:TechnicalReport .
m:Three-training a mof:Component ; mof:componentType mof:TrainingCode ;
    dct:license <https://w3id.org/mofkg/id/licence/LicenseRef-Llama-3-Community> .
m:Three-inference a mof:Component ; mof:componentType mof:InferenceCode ;
    mof:declaredUnlicensed true .

# Unlicensed and free text block the fallback to the distribution licence.
m:Blocked a mof:Model ; schema:name "Blocked" ;
    mof:distributionLicence spdx-lic:Apache-2.0 ;
    mof:hasComponent m:Blocked-arch, m:Blocked-params .
m:Blocked-arch a mof:Component ; mof:componentType mof:ModelArchitecture ;
    mof:declaredUnlicensed true .
m:Blocked-params a mof:Component ; mof:componentType mof:ModelParametersFinal ;
    mof:licenceText "Apache 2.0" .
"""

ALL_14 = [
    "ModelArchitecture",
    "ModelParametersFinal",
    "EvaluationResults",
    "ModelCard",
    "DataCard",
    "TrainingCode",
    "InferenceCode",
    "EvaluationCode",
    "EvaluationData",
    "Datasets",
    "DataPreprocessingCode",
    "ModelParametersIntermediate",
    "ResearchPaper",
]


def full_model(name: str, types: list[str]) -> str:
    """A model whose listed components all count (Apache-2.0 as distribution licence)."""
    parts = [CATALOGUE.split("\n\n")[0].split("# Class III")[0]]
    parts.append(f"m:{name} a mof:Model ; schema:name {json.dumps(name)} ;")
    parts.append(" mof:distributionLicence spdx-lic:Apache-2.0 .\n")
    for t in types:
        parts.append(f"m:{name} mof:hasComponent m:{name}-{t} .\n")
        parts.append(f"m:{name}-{t} a mof:Component ; mof:componentType mof:{t} .\n")
    return "".join(parts)


@pytest.fixture
def store() -> Store:
    s = Store()
    s.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    s.add_graph(build_licence_graph(), str(LICENCE_GRAPH))
    s.load(CATALOGUE.encode(), graph=str(DEMO_GRAPH), format="turtle")
    return s


def by_name(store: Store, **kwargs: object) -> dict[str, object]:
    return {str(a.name): a for a in assess_models(store, **kwargs)}  # type: ignore[arg-type]


def outcome(assessment: object, local: str) -> object:
    return next(
        o
        for o in assessment.outcomes  # type: ignore[attr-defined]
        if o.requirement.component_type == MOF[local]
    )


def test_effective_licences_statuses_and_class(store: Store) -> None:
    three = assess_models(store, models=[ID + "Three"])[0]
    assert (three.class_number, three.label) == (3, "Class III - Open Model")
    assert three.progress == {3: 100.0, 2: 60.0, 1: 0.0}  # 6 of 10 for Class II
    arch = outcome(three, "ModelArchitecture")
    assert arch.status == MOF.Counts  # type: ignore[attr-defined]
    assert arch.state.licence_source == MOF.DistributionLicence  # type: ignore[attr-defined]
    card = outcome(three, "ModelCard")
    assert card.state.licence_source == MOF.ContentTypeLicence  # type: ignore[attr-defined]
    assert card.state.licence == URIRef("http://spdx.org/licenses/CC-BY-4.0")  # type: ignore[attr-defined]
    assert outcome(three, "DataCard").status == MOF.OpenNotTypeAppropriate  # type: ignore[attr-defined]
    assert outcome(three, "TrainingCode").status == MOF.InvalidLicence  # type: ignore[attr-defined]
    assert outcome(three, "InferenceCode").status == MOF.Unlicensed  # type: ignore[attr-defined]
    assert outcome(three, "EvaluationCode").status == MOF.Missing  # type: ignore[attr-defined]
    # MIT on a data card, Apache-2.0 (distribution) on the parameters: not made for them
    assert [str(w.component) for w in three.warnings] == [
        ID + "Three-datacard",
        ID + "Three-params",
    ]


def test_unlicensed_and_free_text_block_the_fallback(store: Store) -> None:
    blocked = by_name(store)["Blocked"]
    arch = outcome(blocked, "ModelArchitecture")
    params = outcome(blocked, "ModelParametersFinal")
    assert (arch.status, arch.state.licence) == (MOF.Unlicensed, None)  # type: ignore[attr-defined]
    assert params.status == MOF.InvalidLicence  # type: ignore[attr-defined]
    assert params.state.licence_text == "Apache 2.0"  # type: ignore[attr-defined]
    assert blocked.class_number == 0  # type: ignore[attr-defined]
    assert blocked.progress[3] == 0.0  # type: ignore[attr-defined]


def test_research_paper_stands_in_and_class_one_counts_out_of_13(store: Store) -> None:
    # no technical report: the research paper takes its slot; Class I is 10+k of 13
    types = [t for t in ALL_14 if t not in ("Datasets", "DataPreprocessingCode")]
    store.load(full_model("Paper", types).encode(), graph=str(DEMO_GRAPH), format="turtle")
    paper = by_name(store)["Paper"]
    assert paper.class_number == 2  # type: ignore[attr-defined]
    assert paper.progress[1] == pytest.approx(100 * 11 / 13)  # type: ignore[attr-defined]
    report = outcome(paper, "TechnicalReport")
    assert report.substituted and report.met  # type: ignore[attr-defined]
    store.load(full_model("PaperAll", ALL_14).encode(), graph=str(DEMO_GRAPH), format="turtle")
    assert by_name(store)["PaperAll"].class_number == 1  # type: ignore[attr-defined]


def test_tier_gating(store: Store) -> None:
    # Class II and I components all there, but Class III lacks the model card: 0 beyond III
    types = [t for t in ALL_14 if t != "ModelCard"] + ["TechnicalReport"]
    store.load(full_model("Gated", types).encode(), graph=str(DEMO_GRAPH), format="turtle")
    gated = by_name(store)["Gated"]
    assert gated.progress == {3: pytest.approx(500 / 6), 2: 0.0, 1: 0.0}  # type: ignore[attr-defined]


def test_json_lines_in_the_reference_tool_shape(store: Store) -> None:
    lines = list(json_lines(assess_models(store, models=[ID + "Three"])))
    assert json.loads(lines[0]) == {
        "id": ID + "Three",
        "name": "Three",
        "source": "Three.yml",
        "classification": {
            "class": 3,
            "label": "Class III - Open Model",
            "progress": {"1": 0.0, "2": 60.0, "3": 100.0},
            "progress_text": {"1": "0%", "2": "60%", "3": "100%"},
        },
    }


def test_write_assessments_replaces_each_models_graph(store: Store) -> None:
    assessments = assess_models(store)
    written = write_assessments(store, assessments, now=NOW)
    graph = str(assessment_graph("mof-1.0", URIRef(ID + "Three")))
    assert graph in written
    size = store.graph_size(graph)
    write_assessments(store, assess_models(store), now=NOW)
    assert store.graph_size(graph) == size  # replaced, not added to
    rows = store.select(
        f"""SELECT ?class ?n ?time ?version WHERE {{ GRAPH <{graph}> {{
        ?a mof:assessedModel <{ID}Three> ; dct:conformsTo ?class ; mof:classNumber ?n ;
           prov:generatedAtTime ?time ; prov:wasGeneratedBy/mof:shapesVersion ?version }} }}"""
    )
    assert [(str(r["class"]), int(r["n"]), str(r["version"])) for r in rows] == [  # type: ignore[call-overload]
        (str(MOF["MOF-ClassIII"]), 3, "1.0.0")
    ]
    assert str(rows[0]["time"]).startswith("2026-01-02T03:04:05")
    outcomes = store.select(
        f"""SELECT ?status ?source WHERE {{ GRAPH <{graph}> {{ ?a mof:hasOutcome ?o .
        ?o mof:componentType mof:ModelCard ; mof:status ?status ; mof:licenceSource ?source ;
           earl:result/earl:outcome earl:passed }} }}"""
    )
    assert [(r["status"], r["source"]) for r in outcomes] == [(MOF.Counts, MOF.ContentTypeLicence)]


def test_explain_says_what_is_missing_and_how_to_fix_it(store: Store) -> None:
    write_assessments(store, assess_models(store))
    before = len(store)
    text = explain_model(store, ID + "Three")
    assert len(store) == before  # explain reads the stored assessment, writes nothing
    assert "Class III - Open Model" in text
    assert (
        "Training code is licensed under LicenseRef-Llama-3-Community, which is not an open "
        "licence (the component's own licence): release the training code under an open licence"
    ) in text
    assert "Evaluation code is missing: publish the evaluation code under an open licence" in text
    assert "Inference code is included without a licence" in text
    assert "should have a type-appropriate open licence" in text


def test_explain_an_unknown_model(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no model https://example.org/nope in the store"):
        explain_model(store, "https://example.org/nope")


def test_explain_a_model_not_assessed_says_to_assess_it(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no assessment of .*Three under mof-1.0.*mofkg assess"):
        explain_model(store, ID + "Three")
    assert not any("derived/" in g for g in store.graph_sizes())  # nothing written


TINY = """
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://example.org/tiny#> .

<https://example.org/tiny> a owl:Ontology ; owl:versionInfo "0.1" ; mof:framework t:Tiny ;
    owl:imports <https://w3id.org/mofkg/shapes/cumulative-classes> .
t:Tiny a mof:OpennessFramework ; mof:hasClass t:Open ;
    mof:statusRank [ mof:status mof:Counts ; mof:rank 0 ] ,
        [ mof:status mof:InvalidLicence ; mof:rank 1 ] ;
    mof:countingStatus mof:Counts ; mof:missingStatus mof:Missing .
t:Status a sh:NodeShape ; sh:targetObjectsOf mof:hasComponent ;
    sh:rule [ a sh:SPARQLRule ; sh:construct '''
        PREFIX mof: <https://w3id.org/mofkg/ontology#>
        CONSTRUCT { $this mof:status ?status } WHERE {
          OPTIONAL { $this mof:effectiveLicence/mof:isOpenLicence ?open }
          BIND (IF(COALESCE(?open, false), mof:Counts, mof:InvalidLicence) AS ?status) }''' ] .
t:Open a mof:OpennessClass ; skos:prefLabel "Open weights and card" ; mof:classNumber 1 .

t:Weights a sh:NodeShape, mof:Requirement ;
    mof:framework t:Tiny ; mof:forClass t:Open ;
    mof:requiresComponentType mof:ModelParametersFinal ;
    sh:targetClass mof:Model ;
    sh:property [ sh:path mof:hasComponent ; sh:qualifiedMinCount 1 ;
        sh:qualifiedValueShape [ sh:property [ sh:path mof:componentType ;
            sh:hasValue mof:ModelParametersFinal ] ;
            sh:property [ sh:path ( mof:effectiveLicence mof:isOpenLicence ) ;
                sh:hasValue true ] ] ] .
t:Card a sh:NodeShape, mof:Requirement ;
    mof:framework t:Tiny ; mof:forClass t:Open ;
    mof:requiresComponentType mof:ModelCard ;
    sh:targetClass mof:Model ;
    sh:property [ sh:path mof:hasComponent ; sh:qualifiedMinCount 1 ;
        sh:qualifiedValueShape [ sh:property [ sh:path mof:componentType ;
            sh:hasValue mof:ModelCard ] ;
            sh:property [ sh:path ( mof:effectiveLicence mof:isOpenLicence ) ;
                sh:hasValue true ] ] ] .
"""


def test_a_new_framework_from_a_shapes_file_alone(store: Store, tmp_path: Path) -> None:
    shapes = tmp_path / "tiny-0.1.ttl"
    shapes.write_text(TINY, encoding="utf-8")
    (tmp_path / "tiny-0.1-rules.rq").write_text(
        (ontology_path().parents[1] / "shapes" / "mof-1.0-rules.rq").read_text(), encoding="utf-8"
    )
    results = by_name(store, framework="tiny-0.1", shapes=shapes)
    three, blocked = results["Three"], results["Blocked"]
    assert (three.class_number, three.label, three.progress) == (  # type: ignore[attr-defined]
        1,
        "Open weights and card",
        {1: 100.0},
    )
    assert (blocked.class_number, blocked.progress) == (0, {1: 0.0})  # type: ignore[attr-defined]
    assert [o.requirement.shape for o in three.outcomes] == [  # type: ignore[attr-defined]
        URIRef("https://example.org/tiny#Card"),
        URIRef("https://example.org/tiny#Weights"),
    ]


def test_an_unknown_framework(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no shapes file for the framework 'mof-9'"):
        assess_models(store, framework="mof-9")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@prefix x: <http://x/> . x:a x:b", "cannot read the shapes"),
        (TINY.replace("a owl:Ontology ;", ";"), "exactly one owl:Ontology"),
        (TINY.replace("mof:forClass t:Open ;", "mof:forClass t:Other ;", 1), "is not a class of"),
        (TINY.replace('owl:versionInfo "0.1" ;', ""), "needs exactly one"),
    ],
)
def test_broken_shapes_files_are_reported_with_their_path(
    store: Store, tmp_path: Path, text: str, message: str
) -> None:
    shapes = tmp_path / "broken.ttl"
    shapes.write_text(text, encoding="utf-8")
    with pytest.raises(MofkgError, match=message) as info:
        assess_models(store, framework="broken", shapes=shapes)
    assert str(shapes) in str(info.value)
    assert not store.has_graph("https://w3id.org/mofkg/graph/derived/broken")


def doc_queries() -> list[str]:
    """The example queries of docs/assessment.md, in order."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "assessment.md").read_text("utf-8")
    return re.findall(r"```sparql\n(.*?)```", text, flags=re.S)


LLAMA = "<https://w3id.org/mofkg/id/licence/LicenseRef-Llama-3-Community>"


@pytest.fixture
def assessed(store: Store) -> Store:
    """The catalogue plus models of Class I and II and two with Llama-licensed III parts."""
    class_two = [t for t in ALL_14[:9]] + ["TechnicalReport"]
    extra = full_model("PaperAll", ALL_14) + full_model("Two", class_two)
    extra += full_model("Llama", ["ModelCard"]) + full_model("Llama2", ["ModelArchitecture"])
    extra += f"m:Llama-ModelCard dct:license {LLAMA} .\n"
    extra += f"m:Llama2-ModelArchitecture dct:license {LLAMA} .\n"
    store.load(extra.encode(), graph=str(DEMO_GRAPH), format="turtle")
    write_assessments(store, assess_models(store), now=NOW)
    return store


def test_the_documented_queries_return_what_they_claim(assessed: Store) -> None:
    reach_two, keeps_from_one, blocking = doc_queries()
    rows = assessed.select(reach_two)
    assert [str(r["name"]) for r in rows] == ["PaperAll", "Two"]

    rows = assessed.select(keeps_from_one.replace("OLMo-7B", "Three"))
    found = {(str(r["type"]).rsplit("#")[-1], str(r["status"]).rsplit("#")[-1]) for r in rows}
    assert found == {
        ("TrainingCode", "InvalidLicence"),
        ("InferenceCode", "Unlicensed"),
        ("EvaluationCode", "Missing"),
        ("EvaluationData", "Missing"),
        ("Datasets", "Missing"),
        ("DataPreprocessingCode", "Missing"),
        ("ModelParametersIntermediate", "Missing"),
        ("ResearchPaper", "Missing"),
    }
    training = next(r for r in rows if str(r["type"]).endswith("TrainingCode"))
    assert f"<{training['licence']}>" == LLAMA

    rows = assessed.select(blocking)
    assert [(str(r["licence"]), int(r["models"])) for r in rows] == [  # type: ignore[call-overload]
        (LLAMA.strip("<>"), 2),
        ("Apache 2.0", 1),
    ]


def test_write_without_a_time_uses_now_and_nothing_to_write(store: Store) -> None:
    before = datetime.now(UTC)
    [graph] = write_assessments(store, assess_models(store, models=[ID + "Blocked"]))
    [row] = store.select(f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?a prov:generatedAtTime ?t }} }}")
    assert datetime.fromisoformat(str(row["t"])) >= before
    assert write_assessments(store, []) == []


def staging_graphs(store: Store) -> list[str]:
    return [g for g in store.graph_sizes() if g.startswith(STAGING_PREFIX)]


def assessment_state(store: Store) -> dict[str, int]:
    return {g: n for g, n in store.graph_sizes().items() if "/graph/assessment/" in g}


def times(store: Store) -> set[str]:
    rows = store.select(
        "SELECT DISTINCT ?t WHERE { ?a a mof:Assessment ; prov:generatedAtTime ?t }"
    )
    return {str(r["t"]) for r in rows}


def test_first_write_then_reassessing_replaces_by_difference(store: Store) -> None:
    first = write_assessments(store, assess_models(store), now=NOW)
    state = assessment_state(store)
    assert sorted(state) == first and len(first) == 2 and all(n > 50 for n in state.values())
    later = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    # one model re-assessed: its graph is replaced, the other model's is left as it was
    [graph] = write_assessments(store, assess_models(store, models=[ID + "Three"]), now=later)
    assert assessment_state(store) == state
    assert staging_graphs(store) == []
    assert times(store) == {NOW.isoformat(), later.isoformat()}
    rows = store.select(f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?a prov:generatedAtTime ?t }} }}")
    assert [str(r["t"]) for r in rows] == [later.isoformat()]
    write_assessments(store, assess_models(store), now=later)
    assert assessment_state(store) == state and times(store) == {later.isoformat()}
    assert staging_graphs(store) == []


def test_a_reassessment_changes_only_what_changed(store: Store) -> None:
    [three] = assess_models(store, models=[ID + "Three"])
    [graph] = write_assessments(store, [three], now=NOW)
    framework = load_framework("mof-1.0")
    terms = assessment_rdf.Terms.of(framework, datetime(2026, 2, 3, tzinfo=UTC))
    new = set(assessment_rdf.assessment_quads(three, terms, ox.NamedNode(graph)))
    # the same assessment at another time: two times go, two come
    assert assessment_rdf.replace_by_difference(store, [(graph, new)]) == 4
    assert assessment_rdf.replace_by_difference(store, [(graph, new)]) == 0
    assert set(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))) == new
    # a graph holding blank nodes (written by hand) is replaced whole
    store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ _:b <{MOF.status}> <{MOF.Counts}> }} }}")
    assert assessment_rdf.replace_by_difference(store, [(graph, new)]) == len(new)
    assert set(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))) == new


def test_outcomes_share_their_models_result_nodes(store: Store) -> None:
    [three] = assess_models(store, models=[ID + "Three"])
    [graph] = write_assessments(store, [three], now=NOW)
    rows = store.select(
        f"""SELECT ?outcome (COUNT(?o) AS ?n) WHERE {{ GRAPH <{graph}> {{
        ?a a mof:Assessment ; mof:hasOutcome ?o . ?o mof:status ?st ; earl:result ?r .
        ?r earl:outcome ?outcome }} }} GROUP BY ?outcome"""
    )
    counts = {str(r["outcome"]).rsplit("#", 1)[-1]: int(r["n"]) for r in rows}  # type: ignore[call-overload]
    met = sum(o.met for o in three.outcomes)
    assert len(three.outcomes) == 17 and 0 < met < 17 and len(three.warnings) == 2
    assert (counts["passed"], counts["failed"]) == (met + 2, 17 - met)
    results = store.select(
        f"SELECT DISTINCT ?r WHERE {{ GRAPH <{graph}> {{ ?o earl:result ?r ; mof:forClass ?c }} }}"
    )
    assert sorted(str(r["r"]).rsplit("#", 1)[-1] for r in results) == ["failed", "passed"]


def broken(assessments: list[ModelAssessment]) -> list[ModelAssessment]:
    """The same assessments with the last one missing outcomes (it cannot be written)."""
    last = dataclasses.replace(assessments[-1], outcomes=assessments[-1].outcomes[:3])
    return [*assessments[:-1], last]


def test_a_failed_replacement_leaves_the_previous_assessments(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_assessments(store, assess_models(store), now=NOW)
    state = assessment_state(store)
    monkeypatch.setattr(assessment_rdf, "BULK_CHUNK", 10)
    later = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    with pytest.raises(
        MofkgError,
        match=rf"^{ID}Three: the assessment has 3 outcomes, "
        r"the framework mof-1.0 has 17 requirements$",
    ):
        write_assessments(store, broken(assess_models(store)), now=later)
    assert assessment_state(store) == state
    assert times(store) == {NOW.isoformat()}
    assert staging_graphs(store) == []


def test_a_failed_first_write_leaves_no_partial_assessment(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assessment_rdf, "BULK_CHUNK", 10)
    with pytest.raises(MofkgError, match="Three: the assessment has 3 outcomes"):
        write_assessments(store, broken(assess_models(store)), now=NOW)
    assert assessment_state(store) == {}
    assert staging_graphs(store) == []


def test_writing_to_a_read_only_store(store: Store, tmp_path: Path) -> None:
    on_disk = Store(tmp_path / "store")
    on_disk.load(CATALOGUE.encode(), graph=str(DEMO_GRAPH), format="turtle")
    del on_disk
    with pytest.raises(ReadOnlyError, match="read-only"):
        write_assessments(Store(tmp_path / "store", read_only=True), assess_models(store))


def test_derived_graph_is_replaced_without_staging_left(store: Store) -> None:
    framework = load_framework("mof-1.0")
    size = derive(store, framework)
    # 10 components: a licence source each, and a licence (IRI or text) for 8 of them
    assert size == store.graph_size(str(derived_graph("mof-1.0"))) == 18
    assert derive(store, framework) == size
    assert staging_graphs(store) == []


def disk_and_memory(tmp_path: Path, models: int) -> tuple[Store, Store]:
    """The same catalogue (synthetic, plus the demo) in an on-disk and an in-memory store."""
    stores = (Store(tmp_path / "disk"), Store())
    for s in stores:
        s.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
        s.add_graph(build_licence_graph(), str(LICENCE_GRAPH))
        s.load(CATALOGUE.encode(), graph=str(DEMO_GRAPH), format="turtle")
        s.load(synthetic_ntriples(models, seed=3).encode(), graph="urn:x:synthetic", format="nt")
    return stores


def test_on_disk_batches_on_working_copies_give_the_in_place_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assessment, "BATCH_MODELS", 7)  # 29 models: 5 working copies
    disk, memory = disk_and_memory(tmp_path, 27)
    expected = assess_models(memory)
    assert len(expected) == 29 and assess_models(disk) == expected
    derived = str(derived_graph("mof-1.0"))
    assert set(disk.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(derived))) == set(
        memory.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(derived))
    )
    # a re-assessment: neither the stored assessments nor the derived facts leak into the
    # working copies (a stray derived licence in another framework's graph neither)
    write_assessments(disk, expected, now=NOW)
    unlicensed = next(
        o.state.component
        for a in expected
        for o in a.outcomes
        if o.state is not None and o.status == MOF.Unlicensed
    )
    disk.update(
        f"INSERT DATA {{ GRAPH <{derived_graph('other')}> {{ "
        f"<{unlicensed}> mof:effectiveLicence <http://spdx.org/licenses/MIT> }} }}"
    )
    size = disk.graph_size(derived)
    assert assess_models(disk) == expected and disk.graph_size(derived) == size
