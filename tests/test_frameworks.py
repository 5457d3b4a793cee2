"""Frameworks are files: found in folders, each assessed for every model with no code change."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mofkg.graphstore.errors import MofkgError, NotFoundError
from mofkg.graphstore.frameworks.assessment import assess_all, assess_models
from mofkg.graphstore.frameworks.explain import explain_model
from mofkg.graphstore.frameworks.registry import find_framework, framework_keys
from mofkg.graphstore.frameworks.rules import RuleError, read_rules
from mofkg.graphstore.namespaces import MOF
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

ROOT = Path(__file__).resolve().parents[1]

#: A fourth framework, only a file: one class, "weights and a model card under an open licence",
#: with the shipped cumulative-class rules and a status rule of its own.
TOY = """
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix toy: <https://example.org/toy#> .

<https://example.org/toy> a owl:Ontology ; owl:versionInfo "0.1" ; mof:framework toy:Toy ;
    owl:imports <https://w3id.org/mofkg/shapes/cumulative-classes> .
toy:Toy a mof:OpennessFramework ; mof:hasClass toy:Open ;
    mof:statusRank [ mof:status mof:Counts ; mof:rank 0 ] ,
        [ mof:status mof:InvalidLicence ; mof:rank 1 ] ;
    mof:countingStatus mof:Counts ; mof:missingStatus mof:Missing .
toy:Open a mof:OpennessClass ; skos:prefLabel "Open weights and card" ; mof:classNumber 1 .
toy:Status a sh:NodeShape ; sh:targetObjectsOf mof:hasComponent ;
    sh:rule [ a sh:SPARQLRule ; sh:order 1 ; sh:construct '''
        PREFIX mof: <https://w3id.org/mofkg/ontology#>
        CONSTRUCT { $this mof:status ?status } WHERE {
          OPTIONAL { $this mof:effectiveLicence/mof:isOpenLicence ?open }
          BIND (IF(COALESCE(?open, false), mof:Counts, mof:InvalidLicence) AS ?status) }''' ] .
toy:Weights a sh:NodeShape, mof:Requirement ; mof:framework toy:Toy ; mof:forClass toy:Open ;
    mof:requiresComponentType mof:ModelParametersFinal ; sh:targetClass mof:Model ;
    sh:property [ sh:path mof:hasComponent ; sh:qualifiedMinCount 1 ;
        sh:qualifiedValueShape [
            sh:property [ sh:path mof:componentType ; sh:hasValue mof:ModelParametersFinal ] ;
            sh:property [ sh:path mof:status ; sh:hasValue mof:Counts ] ] ] .
toy:Card a sh:NodeShape, mof:Requirement ; mof:framework toy:Toy ; mof:forClass toy:Open ;
    mof:requiresComponentType mof:ModelCard ; sh:targetClass mof:Model ;
    sh:property [ sh:path mof:hasComponent ; sh:qualifiedMinCount 1 ;
        sh:qualifiedValueShape [
            sh:property [ sh:path mof:componentType ; sh:hasValue mof:ModelCard ] ;
            sh:property [ sh:path mof:status ; sh:hasValue mof:Counts ] ] ] .
"""


@pytest.fixture(scope="module")
def demo() -> Store:
    store = Store()
    initialise(store, Settings(), demo=True)
    return store


@pytest.fixture
def toy_folder(tmp_path: Path) -> Path:
    (tmp_path / "toy-0.1.ttl").write_text(TOY, encoding="utf-8")
    (tmp_path / "toy-0.1-rules.rq").write_text(
        (ROOT / "shapes" / "mof-1.0-rules.rq").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp_path


def test_the_shipped_frameworks_are_files() -> None:
    assert framework_keys() == ["mof-1.0", "osaid-1.0"]
    osaid = find_framework("osaid-1.0")
    assert [c.label for c in osaid.classes] == ["Open Source AI (OSAID 1.0)"]
    assert len(osaid.requirements) == 7 and osaid.shacl_rules


def test_a_fourth_framework_from_a_folder_assesses_the_demo(demo: Store, toy_folder: Path) -> None:
    assert framework_keys(toy_folder) == ["mof-1.0", "osaid-1.0", "toy-0.1"]
    results = assess_all(demo, folder=toy_folder)
    assert list(results) == ["mof-1.0", "osaid-1.0", "toy-0.1"]
    toy = {str(a.name): a for a in results["toy-0.1"]}
    mof = {str(a.name): a for a in results["mof-1.0"]}
    assert set(toy) == set(mof) and len(toy) >= 10
    for name, a in toy.items():
        by_type = {o.requirement.component_type: o for o in a.outcomes}
        both = all(by_type[t].met for t in (MOF.ModelParametersFinal, MOF.ModelCard))
        assert (a.class_number == 1) == both, name
        assert a.progress[1] == 100.0 * sum(o.met for o in a.outcomes) / 2, name
        # the toy's "met" is MOF's for the same component types (both: an open licence)
        mof_by_type = {o.requirement.component_type: o.met for o in mof[name].outcomes}
        assert by_type[MOF.ModelCard].met == mof_by_type[MOF.ModelCard], name
    assert {a.class_number for a in toy.values()} == {0, 1}  # the demo has both kinds
    # stored beside the others, and explained from the store
    name = next(n for n, a in toy.items() if a.class_number == 0)
    text = explain_model(demo, str(toy[name].model), framework="toy-0.1", folder=toy_folder)
    assert "Toy: Unclassified" in text and "Open weights and card: " in text


def test_osaid_meets_or_lists_what_it_lacks(demo: Store) -> None:
    found = assess_models(demo, framework="osaid-1.0")
    assert found
    for a in found:
        lacking = [o for o in a.outcomes if not o.met]
        assert (a.class_number == 1) == (not lacking)
        assert a.label == ("Open Source AI" if not lacking else "Unclassified")
        for o in lacking:
            assert o.status in (MOF.Missing, MOF.InvalidLicence, MOF.Unlicensed)
    # OSAID needs code under an OSI-approved licence: a model that meets it has all its code so
    assert any(a.class_number == 0 for a in found)


def test_a_framework_key_taken_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mof-1.0.ttl").write_text(TOY, encoding="utf-8")
    with pytest.raises(MofkgError, match=r"mof-1.0.ttl: the framework key 'mof-1.0' is already"):
        framework_keys(tmp_path)


def test_an_unknown_framework_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no framework 'nope' \(known: mof-1.0, osaid-1.0\)"):
        find_framework("nope", tmp_path)


def test_an_import_no_file_declares_is_refused(tmp_path: Path) -> None:
    text = TOY.replace("shapes/cumulative-classes>", "shapes/nowhere>")
    (tmp_path / "toy-0.1.ttl").write_text(text, encoding="utf-8")
    with pytest.raises(MofkgError, match=r"owl:imports <https://w3id.org/mofkg/shapes/nowhere>"):
        framework_keys(tmp_path)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("a sh:TripleRule", "only sh:SPARQLRule rules are run"),
        ("a sh:SPARQLRule ; sh:construct 'SELECT * WHERE { ?s ?p ?o }'", "no CONSTRUCT"),
        (
            "a sh:SPARQLRule ; sh:construct 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1'",
            "nothing may follow the rule's WHERE clause",
        ),
        (
            "a sh:SPARQLRule ; sh:condition [] ; sh:construct 'CONSTRUCT {} WHERE {}'",
            "sh:condition",
        ),
    ],
)
def test_a_rule_the_runner_cannot_run_is_refused(rule: str, message: str) -> None:
    from rdflib import Graph

    graph = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        f"<http://ex/S> sh:targetClass <http://ex/C> ; sh:rule [ {rule} ] .",
        format="turtle",
    )
    with pytest.raises(RuleError, match=re.escape(message)):
        read_rules(graph)


def test_no_framework_rule_in_python() -> None:
    """The policy lives in the framework files: no status list, ranking or roman numerals."""
    code = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "graphstore" / "frameworks").glob("*.py")
    )
    for rule in ("COUNTING", "_RANK", "MOF.Counts", '"III"', "100.0 *", "mof-1.0-rules"):
        assert rule not in code, rule


def test_cli_assesses_every_framework_and_explains_one(tmp_path: Path, toy_folder: Path) -> None:
    env = {"MOFKG_STORE": str(tmp_path / "store"), "MOFKG_FRAMEWORKS": str(toy_folder)}
    run = [sys.executable, "-m", "mofkg.graphstore.cli"]
    init = subprocess.run([*run, "init", "--demo"], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    out = subprocess.run([*run, "assess"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for key in ("mof-1.0", "osaid-1.0", "toy-0.1"):
        assert re.search(rf"^\d+ models assessed under {re.escape(key)}: ", out.stdout, re.M)
    explained = subprocess.run(
        [*run, "explain", "https://w3id.org/mofkg/id/model/OLMo-7B", "--framework", "osaid-1.0"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert explained.returncode == 0, explained.stderr
    assert "OSAID-1.0: " in explained.stdout


def test_open_licences_are_data_with_their_sources() -> None:
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, RDF

    from mofkg.graphstore.catalogue.licences import build_licence_graph
    from mofkg.graphstore.namespaces import SPDX_LICENCE

    graph = build_licence_graph()
    lists = set(graph.subjects(RDF.type, MOF.OpenLicenceList))
    assert {str(x).rsplit("#", 1)[-1] for x in lists} == {"MOF-OpenDataLicences", "OpenMDW"}
    for listed in lists:
        assert list(graph.objects(listed, DCTERMS.source)), listed
    assert (SPDX_LICENCE["CC-BY-4.0"], MOF.isOpenLicence, Literal(True)) in graph
    # the licence code holds neither a list nor the rule
    code = (ROOT / "graphstore" / "catalogue" / "licences.py").read_text(encoding="utf-8")
    assert "OGL-UK-3.0" not in code and "ODC-By-1.0" not in code and "osi_approved or" not in code


def test_a_frameworks_setting_that_is_no_folder_is_refused(tmp_path: Path) -> None:
    from mofkg.graphstore.errors import SettingsError
    from mofkg.graphstore.settings import load_settings

    with pytest.raises(SettingsError, match=r"frameworks: .*nowhere is not a folder"):
        load_settings(environ={"MOFKG_FRAMEWORKS": str(tmp_path / "nowhere")})
    assert load_settings(environ={"MOFKG_FRAMEWORKS": str(tmp_path)}).frameworks == tmp_path


def test_a_catalogue_grading_is_not_a_framework_mofkg_assess_runs() -> None:
    # shapes/osai-index.ttl grades the Index's own models at import: listed apart, and naming
    # it to `mofkg assess` says where its score comes from instead of failing on its classes.
    from mofkg.graphstore.frameworks.registry import catalogue_gradings

    assert "osai-index" in catalogue_gradings()
    assert "osai-index" not in framework_keys()
    with pytest.raises(NotFoundError, match="mofkg import osai"):
        find_framework("osai-index")
