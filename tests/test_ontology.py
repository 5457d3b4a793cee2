"""The OWL ontology: its terms, its alignments to other vocabularies, and HermiT's verdict."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from mofkg.graphstore.catalogue.licences import build_licence_graph
from mofkg.graphstore.catalogue.owl import ReasonerError, check_ontology, load_ontology_graph
from mofkg.graphstore.namespaces import FAIR4ML, MLS, MOF, ONTOLOGY_IRI, PREFIXES, SCHEMA
from mofkg.graphstore.resources import ontology_path

VOCABULARY_DOC = Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md"
VERSION_IRI = URIRef("https://w3id.org/mofkg/ontology/0.1.0")
SPDX3 = "https://spdx.org/rdf/3.0.1/terms/"
CROISSANT = "http://mlcommons.org/croissant/"

PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
CONTENT_TYPES = {"code": MOF.CodeContent, "data": MOF.DataContent, "document": MOF.DocumentContent}

REQUIRED_CLASSES = """Model Component ComponentType ContentType Dataset Application Organisation
Membership Licence OpennessFramework OpennessClass Requirement Assessment ComponentStatus
LicenceSource""".split()
REQUIRED_PROPERTIES = """hasComponent componentType location locationText producer developer
trainedOn fineTunedFrom derivedFrom usesModel memberOf memberSince memberUntil codeRepository
huggingFacePage homepage modelType architecture treatment origin contact distributionLicence
codeLicence dataLicence documentLicence distributionLicenceText codeLicenceText dataLicenceText
documentLicenceText licenceText declaredUnlicensed isOpenLicence appropriateFor
licenceListVersion framework forClass requiresComponentType optional hasClass rank classNumber
implies assessedModel hasOutcome component status appliedLicence licenceSource shapesVersion
motId contentType""".split()


@pytest.fixture(scope="module")
def onto() -> Graph:
    return load_ontology_graph()


@pytest.fixture(scope="session")
def java() -> str:
    """The Java executable HermiT needs; skipped where absent, a failure under CI."""
    found = shutil.which("java")
    if found:
        return found
    message = "no `java` on the PATH: HermiT needs a Java runtime (default-jre-headless)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


def turtle(text: str) -> Graph:
    prefixes = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
    prefixes += "@base <https://w3id.org/mofkg/id/> .\n"
    graph = Graph()
    graph.parse(data=prefixes + text, format="turtle")
    return graph


def mof_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(MOF))}


def integer(graph: Graph, subject: URIRef, prop: URIRef) -> object:
    value = graph.value(subject, prop)
    assert isinstance(value, Literal), (subject, prop, value)
    assert value.datatype == XSD.integer, (subject, prop, value)
    return value.toPython()


def members(graph: Graph, kind: URIRef, list_prop: URIRef) -> list[set[Node]]:
    """The member sets of every ``kind`` axiom (AllDifferent, AllDisjointClasses)."""
    groups = []
    for node in graph.subjects(RDF.type, kind):
        head = graph.value(node, list_prop)
        assert head is not None, (kind, list_prop)
        groups.append(set(Collection(graph, head)))
    return groups


def declared(graph: Graph, term: URIRef) -> bool:
    kinds = set(graph.objects(term, RDF.type))
    return bool(kinds & {OWL.Class, OWL.NamedIndividual, *PROPERTY_KINDS})


# --- (a) the ontology itself -----------------------------------------------------------------


def test_ontology_is_the_shipped_turtle_file(onto: Graph) -> None:
    assert ontology_path().name == "mofkg.ttl"
    assert len(onto) == len(Graph().parse(ontology_path(), format="turtle"))


def test_header_names_the_ontology_and_its_version(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY_IRI, OWL.versionIRI) == VERSION_IRI
    assert str(onto.value(ONTOLOGY_IRI, OWL.versionInfo)) == "0.1.0"
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert onto.value(ONTOLOGY_IRI, prop) is not None, prop
    assert len(list(onto.subjects(RDF.type, OWL.Ontology))) == 1


def test_every_mof_term_has_a_label_and_a_definition(onto: Graph) -> None:
    terms = mof_terms(onto)
    assert len(terms) > 80
    unlabelled = sorted(t for t in terms if onto.value(t, RDFS.label) is None)
    undefined = sorted(t for t in terms if onto.value(t, SKOS.definition) is None)
    assert unlabelled == []
    assert undefined == []


def test_every_mof_term_of_the_vocabulary_doc_is_declared(onto: Graph) -> None:
    names = set(re.findall(r"\bmof:([A-Za-z][\w.-]*\w)", VOCABULARY_DOC.read_text("utf-8")))
    assert {"Model", "MOF-1.0", "ProgressClassIII", "licenceSource"} <= names
    missing = sorted(name for name in names if not declared(onto, MOF[name]))
    assert missing == []


@pytest.mark.parametrize("name", REQUIRED_CLASSES)
def test_required_class_is_declared(onto: Graph, name: str) -> None:
    assert (MOF[name], RDF.type, OWL.Class) in onto


@pytest.mark.parametrize("name", REQUIRED_PROPERTIES)
def test_required_property_is_declared_once(onto: Graph, name: str) -> None:
    kinds = set(onto.objects(MOF[name], RDF.type)) & set(PROPERTY_KINDS)
    assert len(kinds) == 1, (name, kinds)


def test_component_types_match_mot_settings(onto: Graph, shared_data: Path) -> None:
    settings = yaml.safe_load((shared_data / "mot/config/mof.settings.yml").read_text("utf-8"))
    components = settings["components"]
    assert len(components) == 17
    individuals = set(onto.subjects(RDF.type, MOF.ComponentType))
    assert len(individuals) == 17
    by_name = {str(onto.value(i, SKOS.prefLabel)): i for i in individuals}
    for component in components:
        individual = by_name[component["name"]]
        assert onto.value(individual, MOF.motId) == Literal(component["id"], datatype=XSD.integer)
        assert onto.value(individual, MOF.contentType) == CONTENT_TYPES[component["content_type"]]
        assert (individual, SKOS.inScheme, MOF.ComponentTypes) in onto
        assert (MOF.ComponentTypes, SKOS.hasTopConcept, individual) in onto
    assert (MOF.ComponentTypes, RDF.type, SKOS.ConceptScheme) in onto
    for content_type in CONTENT_TYPES.values():
        assert (content_type, RDF.type, MOF.ContentType) in onto


def test_component_type_names_match_the_vocabulary_doc(onto: Graph) -> None:
    rows = re.findall(
        r"^\| mof:(\w+) \| ([^|]+) \| (\d+) \| (\w+) \|$", VOCABULARY_DOC.read_text(), re.M
    )
    assert len(rows) == 17
    for local, name, mot_id, content in rows:
        assert str(onto.value(MOF[local], SKOS.prefLabel)) == name.strip()
        assert integer(onto, MOF[local], MOF.motId) == int(mot_id)
        assert onto.value(MOF[local], MOF.contentType) == CONTENT_TYPES[content]


def test_mof_1_0_classes(onto: Graph) -> None:
    classes = [MOF["MOF-ClassI"], MOF["MOF-ClassII"], MOF["MOF-ClassIII"]]
    labels = ["Class I Open Science Model", "Class II Open Tooling Model", "Class III Open Model"]
    assert (MOF["MOF-1.0"], RDF.type, MOF.OpennessFramework) in onto
    assert set(onto.objects(MOF["MOF-1.0"], MOF.hasClass)) == set(classes)
    for number, (cls, label) in enumerate(zip(classes, labels, strict=True), start=1):
        assert (cls, RDF.type, MOF.OpennessClass) in onto
        assert onto.value(cls, SKOS.prefLabel) == Literal(label)
        assert integer(onto, cls, MOF.rank) == number
        assert integer(onto, cls, MOF.classNumber) == number
    assert set(onto.subject_objects(MOF.implies)) == {
        (classes[0], classes[1]),
        (classes[1], classes[2]),
    }
    assert (MOF.implies, RDF.type, OWL.TransitiveProperty) in onto
    for metric in ("ProgressClassI", "ProgressClassII", "ProgressClassIII"):
        assert (MOF[metric], RDF.type, URIRef("http://www.w3.org/ns/dqv#Metric")) in onto


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("ComponentStatus", "Counts Missing Unlicensed InvalidLicence OpenNotTypeAppropriate"),
        (
            "LicenceSource",
            "ComponentLicence ContentTypeLicence DistributionLicence NoLicenceSource",
        ),
    ],
)
def test_closed_sets_of_individuals(onto: Graph, kind: str, names: str) -> None:
    expected = {MOF[n] for n in names.split()}
    assert set(onto.subjects(RDF.type, MOF[kind])) == expected
    assert expected in members(onto, OWL.AllDifferent, OWL.distinctMembers)


def test_core_classes_are_pairwise_disjoint(onto: Graph) -> None:
    groups = members(onto, OWL.AllDisjointClasses, OWL.members)
    core = {MOF[n] for n in "Model Component Dataset Organisation Licence Application".split()}
    assert core in groups


ALIGNMENTS = [
    (MOF.Model, RDFS.subClassOf, FAIR4ML.MLModel),
    (MOF.Model, RDFS.subClassOf, SCHEMA.CreativeWork),
    (MOF.Model, RDFS.subClassOf, PROV.Entity),
    (MOF.Model, SKOS.closeMatch, MLS.Model),
    (MOF.Model, SKOS.closeMatch, URIRef(SPDX3 + "AI/AIPackage")),
    (MOF.trainedOn, RDFS.subPropertyOf, FAIR4ML.trainedOn),
    (MOF.trainedOn, RDFS.subPropertyOf, PROV.wasDerivedFrom),
    (MOF.fineTunedFrom, RDFS.subPropertyOf, FAIR4ML.fineTunedFrom),
    (MOF.fineTunedFrom, RDFS.subPropertyOf, PROV.wasDerivedFrom),
    (MOF.derivedFrom, RDFS.subPropertyOf, PROV.wasDerivedFrom),
    (MOF.Dataset, RDFS.subClassOf, DCAT.Dataset),
    (MOF.Dataset, SKOS.closeMatch, SCHEMA.Dataset),
    (MOF.Application, RDFS.subClassOf, SCHEMA.SoftwareApplication),
    (MOF.Organisation, RDFS.subClassOf, ORG.Organization),
    (MOF.Membership, RDFS.subClassOf, ORG.Membership),
    (MOF.memberOf, RDFS.subPropertyOf, ORG.memberOf),
    (MOF.Licence, RDFS.subClassOf, DCTERMS.LicenseDocument),
    (MOF.Component, RDFS.subClassOf, PROV.Entity),
    (MOF.Assessment, RDFS.subClassOf, PROV.Entity),
    (MOF.ComponentType, RDFS.subClassOf, SKOS.Concept),
    (MOF.ContentType, RDFS.subClassOf, SKOS.Concept),
    (MOF.OpennessClass, RDFS.subClassOf, SKOS.Concept),
    (MOF.OpennessClass, RDFS.subClassOf, DCTERMS.Standard),
    (MOF.OpennessFramework, RDFS.subClassOf, DCTERMS.Standard),
    (MOF.codeRepository, RDFS.subPropertyOf, SCHEMA.codeRepository),
    (MOF.homepage, RDFS.subPropertyOf, FOAF.homepage),
    (MOF.producer, RDFS.subPropertyOf, SCHEMA.producer),
    (MOF.hasComponent, RDFS.subPropertyOf, DCTERMS.hasPart),
]


@pytest.mark.parametrize("triple", ALIGNMENTS, ids=lambda t: f"{t[0].fragment}-{t[2]}")
def test_alignment_is_stated(onto: Graph, triple: tuple[URIRef, URIRef, URIRef]) -> None:
    assert triple in onto


def test_schema_org_is_used_in_its_http_form(onto: Graph) -> None:
    iris = {str(term) for triple in onto for term in triple if isinstance(term, URIRef)}
    assert any(iri.startswith("http://schema.org/") for iri in iris)
    assert [iri for iri in iris if iri.startswith("https://schema.org/")] == []


# --- OWL 2 DL hygiene --------------------------------------------------------------------------


def test_no_iri_is_two_kinds_of_property(onto: Graph) -> None:
    for subject in set(onto.subjects(RDF.type, None)):
        kinds = set(onto.objects(subject, RDF.type)) & set(PROPERTY_KINDS)
        assert len(kinds) <= 1, (subject, kinds)


def test_every_predicate_and_class_used_is_declared(onto: Graph) -> None:
    builtin = (str(RDF), str(RDFS), str(OWL))
    used_predicates = {p for p in onto.predicates() if not str(p).startswith(builtin)}
    undeclared = sorted(
        str(p) for p in used_predicates if not set(onto.objects(p, RDF.type)) & set(PROPERTY_KINDS)
    )
    assert undeclared == []
    used_classes = set(onto.objects(None, RDFS.subClassOf)) | set(onto.objects(None, RDFS.domain))
    used_classes |= {c for c in onto.objects(None, RDFS.range) if not str(c).startswith(str(XSD))}
    used_classes |= {c for c in onto.objects(None, RDF.type) if not str(c).startswith(builtin)}
    used_classes -= {RDFS.Literal}
    not_classes = sorted(
        str(c) for c in used_classes if isinstance(c, BNode) or (c, RDF.type, OWL.Class) not in onto
    )
    assert not_classes == []


# --- (b) alignment terms exist in the vocabularies they come from ------------------------------


# rdflib's JSON-LD parser still builds a ConjunctiveGraph internally.
JSONLD_WARNING = "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"


def vocabulary_terms(shared_data: Path) -> dict[str, set[str]]:
    vocab = shared_data / "vocab"
    sources = {
        str(FAIR4ML): [("fair4ml-0.1.0.jsonld", "json-ld")],
        str(MLS): [("MLSchema.ttl", "turtle")],
        SPDX3: [("spdx-3.0.1-model.ttl", "turtle")],
        CROISSANT: [("croissant.ttl", "turtle"), ("croissant_rai.ttl", "turtle")],
    }
    terms: dict[str, set[str]] = {}
    for namespace, files in sources.items():
        graph = Graph()
        for name, fmt in files:
            graph.parse(vocab / name, format=fmt)
        terms[namespace] = {str(s) for s in graph.subjects(RDF.type, None)}
    return terms


@pytest.mark.filterwarnings(JSONLD_WARNING)
def test_external_terms_exist_in_their_vocabulary_files(onto: Graph, shared_data: Path) -> None:
    known = vocabulary_terms(shared_data)
    mentioned = {str(term) for triple in onto for term in triple if isinstance(term, URIRef)}
    for namespace, terms in known.items():
        ours = {iri for iri in mentioned if iri.startswith(namespace)}
        if namespace != CROISSANT:  # Croissant declares no dataset class we could align to
            assert ours, f"no term of {namespace} is used"
        assert sorted(ours - terms) == [], namespace


@pytest.mark.filterwarnings(JSONLD_WARNING)
def test_fair4ml_terms_are_the_hash_namespace_forms(shared_data: Path) -> None:
    graph = Graph().parse(shared_data / "vocab" / "fair4ml-0.1.0.jsonld", format="json-ld")
    assert (FAIR4ML.MLModel, RDF.type, RDFS.Class) in graph
    assert (FAIR4ML.trainedOn, RDF.type, RDF.Property) in graph
    assert (FAIR4ML.fineTunedFrom, RDF.type, RDF.Property) in graph
    assert (URIRef("https://w3id.org/fair4ml/MLModel"), None, None) not in graph


# --- (c)-(e) HermiT --------------------------------------------------------------------------


def test_hermit_finds_the_ontology_consistent(onto: Graph, java: str) -> None:
    check = check_ontology(java=java)
    assert check.consistent, check.message
    assert check.message == "HermiT found the ontology consistent"
    assert check.reasoner.startswith("HermiT")
    assert check.inconsistent_entities == []
    mof = mof_terms(onto)
    assert check.classes == sum(1 for t in mof if (t, RDF.type, OWL.Class) in onto)
    props = sum(1 for t in mof if set(onto.objects(t, RDF.type)) & set(PROPERTY_KINDS))
    assert check.properties == props
    assert check.individuals == len(set(onto.subjects(RDF.type, OWL.NamedIndividual)))


def test_hermit_catches_a_model_that_is_also_a_licence(java: str) -> None:
    check = check_ontology(extra=turtle("<model/X> a mof:Model, mof:Licence ."), java=java)
    assert not check.consistent
    assert "inconsistent" in check.message
    assert "with 2 extra triples" in check.message


def test_hermit_catches_a_value_outside_a_range(java: str) -> None:
    bad = turtle("<model/A> a mof:Model ; mof:trainedOn <model/B> . <model/B> a mof:Model .")
    check = check_ontology(extra=bad, java=java)
    assert not check.consistent
    assert "inconsistent" in check.message


def test_hermit_names_an_unsatisfiable_class(java: str) -> None:
    draft = load_ontology_graph() + turtle(
        "<http://example.org/Chimera> a owl:Class ; rdfs:subClassOf mof:Model, mof:Dataset ."
    )
    check = check_ontology(ontology=draft, java=java)
    assert not check.consistent
    assert check.inconsistent_entities == ["http://example.org/Chimera"]
    assert "incoherent" in check.message and "http://example.org/Chimera" in check.message


VALID_INSTANCES = """
<model/OLMo-7B> a mof:Model ;
    schema:name "OLMo-7B" ; schema:version "7B" ; dct:issued "2024-02-01"^^xsd:date ;
    mof:producer <org/AllenAI> ; mof:modelType "language" ; mof:treatment "pre-trained"@en ;
    mof:codeRepository <https://github.com/allenai/OLMo> ;
    mof:distributionLicence spdx-lic:Apache-2.0 ; mof:dataLicenceText "ODC By" ;
    mof:trainedOn <dataset/Dolma> ;
    mof:hasComponent <model/OLMo-7B/component/TrainingCode> .
<model/OLMo-7B/component/TrainingCode> a mof:Component ;
    mof:componentType mof:TrainingCode ; dct:license spdx-lic:Apache-2.0 ;
    mof:location <https://github.com/allenai/OLMo> ; mof:declaredUnlicensed false .
spdx-lic:Apache-2.0 a mof:Licence ; spdx:licenseId "Apache-2.0" ; spdx:isOsiApproved true ;
    mof:isOpenLicence true ; mof:appropriateFor mof:CodeContent, mof:DocumentContent .
<dataset/Dolma> a mof:Dataset ; schema:name "Dolma" ; dct:license spdx-lic:ODC-By-1.0 .
<org/AllenAI> a mof:Organisation ; rdfs:label "Allen Institute for AI" ;
    mof:memberOf <org/GenAICommons> .
<membership/AllenAI> a mof:Membership ; org:member <org/AllenAI> ;
    org:organization <org/GenAICommons> ; mof:memberSince "2024-03-01"^^xsd:date .
<assessment/MOF-1.0/OLMo-7B> a mof:Assessment, prov:Entity ;
    mof:assessedModel <model/OLMo-7B> ; mof:framework mof:MOF-1.0 ;
    dct:conformsTo mof:MOF-ClassIII ; mof:classNumber 3 ;
    mof:hasOutcome [ a earl:Assertion ; mof:componentType mof:TrainingCode ;
        mof:component <model/OLMo-7B/component/TrainingCode> ; mof:status mof:Counts ;
        mof:appliedLicence spdx-lic:Apache-2.0 ; mof:licenceSource mof:ComponentLicence ] ;
    dqv:hasQualityMeasurement [ a dqv:QualityMeasurement ;
        dqv:isMeasurementOf mof:ProgressClassIII ; dqv:value 100.0 ;
        mof:forClass mof:MOF-ClassIII ] .
"""


def test_hermit_accepts_a_valid_catalogue(onto: Graph, java: str) -> None:
    extra = turtle(VALID_INSTANCES)
    check = check_ontology(extra=extra, java=java)
    assert check.consistent, check.message
    assert check.message == f"HermiT found the ontology with {len(extra)} extra triples consistent"
    ontology_individuals = len(set(onto.subjects(RDF.type, OWL.NamedIndividual)))
    assert check.individuals == ontology_individuals + 7


def test_hermit_accepts_the_licence_graph(java: str) -> None:
    licences = build_licence_graph()
    check = check_ontology(extra=licences, java=java)
    assert check.consistent, check.message
    assert check.individuals > 500


def test_owl_imports_in_extra_data_are_not_followed(java: str) -> None:
    extra = turtle(
        "<http://example.org/data> a owl:Ontology ; owl:imports <http://192.0.2.1/elsewhere.owl> ."
        "<model/X> a mof:Model ."
    )
    check = check_ontology(extra=extra, java=java)
    assert check.consistent, check.message


# --- error paths ------------------------------------------------------------------------------


def test_missing_java_says_to_install_a_jre(tmp_path: Path) -> None:
    absent = str(tmp_path / "no-such-java")
    with pytest.raises(ReasonerError) as caught:
        check_ontology(java=absent)
    message = str(caught.value)
    assert f"no Java runtime found at {absent!r}" in message
    assert "default-jre-headless" in message


def test_failing_java_is_a_reasoner_error() -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no `false` executable to stand in for a broken Java")
    with pytest.raises(ReasonerError, match=r"^HermiT failed on the ontology: "):
        check_ontology(java=false)
