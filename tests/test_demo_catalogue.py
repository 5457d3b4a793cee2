"""The bundled demo catalogue follows the data model of docs/vocabulary.md."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, XSD

from mofkg.graphstore.catalogue.licences import build_licence_graph
from mofkg.graphstore.frameworks.assessment import assess_models
from mofkg.graphstore.namespaces import DCT, DEFAULT_IDS, MOF, SCHEMA, slug
from mofkg.graphstore.resources import demo_catalogue_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

REPO = Path(__file__).resolve().parents[1]
VOCABULARY = (REPO / "docs" / "vocabulary.md").read_text("utf-8")
ONTOLOGY = REPO / "ontology" / "mofkg.ttl"

LICENCE_PROPERTIES = (
    DCT.license,
    MOF.distributionLicence,
    MOF.codeLicence,
    MOF.dataLicence,
    MOF.documentLicence,
)


def component_type_names() -> set[str]:
    """The 17 component types, read from the table in docs/vocabulary.md."""
    return set(re.findall(r"^\| mof:(\w+) \| [^|]+ \| \d+ \| \w+ \|$", VOCABULARY, re.M))


@pytest.fixture(scope="module")
def demo() -> Graph:
    return Graph().parse(demo_catalogue_path(), format="turtle")


@pytest.fixture(scope="module")
def models(demo: Graph) -> list[URIRef]:
    return sorted(URIRef(str(m)) for m in demo.subjects(RDF.type, MOF.Model))


def test_vocabulary_lists_17_component_types() -> None:
    names = component_type_names()
    assert len(names) == 17
    assert {"ModelParametersFinal", "ResearchPaper", "ModelMetadata"} <= names


def test_demo_parses_with_pyoxigraph_too() -> None:
    store = pyoxigraph.Store()
    store.load(path=str(demo_catalogue_path()), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) > 500


def test_about_fifteen_models(models: list[URIRef]) -> None:
    assert 15 <= len(models) <= 20


def test_each_model_has_name_producer_date_and_components(
    demo: Graph, models: list[URIRef]
) -> None:
    for model in models:
        names = list(demo.objects(model, SCHEMA.name))
        assert len(names) == 1, model
        assert model == DEFAULT_IDS.model(str(names[0])), "model IRI is id:model/<slug of name>"
        producer = demo.value(model, MOF.producer)
        assert (producer, RDF.type, MOF.Organisation) in demo, model
        assert demo.value(producer, RDFS.label) is not None, producer
        issued = demo.value(model, DCT.issued)
        assert isinstance(issued, Literal) and issued.datatype == XSD.date, model
        assert demo.value(model, SCHEMA.version) is not None, model
        assert list(demo.objects(model, MOF.hasComponent)), model


def test_every_component_has_exactly_one_known_type(demo: Graph, models: list[URIRef]) -> None:
    known = component_type_names()
    components = set(demo.subjects(RDF.type, MOF.Component))
    linked = {c for m in models for c in demo.objects(m, MOF.hasComponent)}
    assert components == linked, "every component belongs to a model, every link is typed"
    for model in models:
        for component in demo.objects(model, MOF.hasComponent):
            types = list(demo.objects(component, MOF.componentType))
            assert len(types) == 1, component
            local = str(types[0]).removeprefix(str(MOF))
            assert local in known, component
            assert component == DEFAULT_IDS.component(model, URIRef(str(types[0])))


def test_every_licence_used_is_in_the_licence_graph(demo: Graph) -> None:
    licences = build_licence_graph()
    used = {o for p in LICENCE_PROPERTIES for o in demo.objects(None, p)}
    assert len(used) >= 8
    for licence in used:
        assert (licence, RDF.type, MOF.Licence) in licences, licence


def test_custom_licences_are_ours_and_not_open(demo: Graph) -> None:
    licences = build_licence_graph()
    llama3 = DEFAULT_IDS.licence_ref("LicenseRef-Llama-3-Community")
    gemma = DEFAULT_IDS.licence_ref("LicenseRef-Gemma-Terms-of-Use")
    weights = DEFAULT_IDS.id["model/Llama-3-8B/component/ModelParametersFinal"]
    assert demo.value(weights, DCT.license) == llama3
    assert (None, DCT.license, gemma) in demo
    for licence in (llama3, gemma):
        assert (licence, MOF.isOpenLicence, Literal(True)) not in licences


def test_lineage_and_training_data_targets_are_typed(demo: Graph) -> None:
    lineage = [
        (s, o) for p in (MOF.fineTunedFrom, MOF.derivedFrom) for s, o in demo.subject_objects(p)
    ]
    assert len(lineage) >= 3
    for model, base in lineage:
        assert (model, RDF.type, MOF.Model) in demo
        assert (base, RDF.type, MOF.Model) in demo, base
    trained = list(demo.subject_objects(MOF.trainedOn))
    assert len(trained) >= 8
    for model, dataset in trained:
        assert (model, RDF.type, MOF.Model) in demo
        assert (dataset, RDF.type, MOF.Dataset) in demo, dataset
        name = demo.value(dataset, SCHEMA.name)
        assert dataset == DEFAULT_IDS.dataset(slug(str(name)))


def test_applications_and_memberships(demo: Graph) -> None:
    applications = list(demo.subjects(RDF.type, MOF.Application))
    assert len(applications) >= 2
    for application in applications:
        used = list(demo.objects(application, MOF.usesModel))
        assert used, application
        assert all((m, RDF.type, MOF.Model) in demo for m in used)
    memberships = list(demo.subjects(RDF.type, MOF.Membership))
    assert len(memberships) >= 2
    commons = DEFAULT_IDS.organisation("GenAICommons")
    for membership in memberships:
        member = demo.value(membership, ORG.member)
        assert (member, RDF.type, MOF.Organisation) in demo
        assert demo.value(membership, ORG.organization) == commons
        assert demo.value(membership, ORG.role) is not None
        # Illustrative, not verified: the demo claims no dates for them.
        assert demo.value(membership, MOF.memberSince) is None
        assert "not a verified fact" in str(demo.value(membership, RDFS.comment))
        assert membership == DEFAULT_IDS.id[f"membership/{slug(str(member).rsplit('/', 1)[1])}"]


def test_only_mof_terms_of_the_vocabulary_are_used(demo: Graph) -> None:
    documented = set(re.findall(r"mof:([A-Za-z][\w-]*)", VOCABULARY))
    used = {
        str(term).removeprefix(str(MOF))
        for triple in demo
        for term in (triple[1], triple[2])
        if isinstance(term, URIRef) and str(term).startswith(str(MOF))
    }
    assert used - documented == set()


def test_mof_terms_used_are_declared_in_the_ontology(demo: Graph) -> None:
    if not ONTOLOGY.is_file():
        pytest.skip("ontology/mofkg.ttl is not written yet")
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    declared = set(ontology.subjects(RDF.type, None))
    used = {
        term
        for triple in demo
        for term in (triple[1], triple[2])
        if isinstance(term, URIRef) and str(term).startswith(str(MOF))
    }
    assert used - declared == set()


def test_demo_models_span_the_mof_classes() -> None:
    store = Store()
    initialise(store, Settings(), demo=True)
    reached = {a.name: a.class_number for a in assess_models(store)}
    expected = {
        "OLMo-7B": 1,
        "Pythia-12B": 1,
        "Amber": 1,
        "OLMo-7B-Instruct": 2,
        "GPT-NeoX-20B": 3,
        "Falcon-40B": 3,
        "Granite-3.0-8B-Base": 3,
        "Mistral-7B-v0.1": 0,
        "Llama-3-8B": 0,
        "Gemma-7B": 0,
        "StarCoder2-15B": 0,
        "BLOOM": 0,
    }
    assert {name: reached.get(name) for name in expected} == expected
