"""`mofkg import osai`: the European Open Source AI Index as its own source graph, its score and
ranking computed by the rules of shapes/osai-index.ttl, and malformed Index files refused."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.frameworks.rules import RuleError, run_rules_file
from mofkg.graphstore.importers.osai import IndexErrors
from mofkg.graphstore.importers.osai_rdf import (
    ASSESSMENT_GRAPH,
    INDEX_GRAPH,
    import_index,
    index_grades,
)
from mofkg.graphstore.namespaces import DQV, MOF, SCHEMA, Ids
from mofkg.graphstore.resources import shapes_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

IDS = Ids()
MODEL = "https://w3id.org/mofkg/id/osai-index/model/"


@pytest.fixture(scope="module")
def index_folder(shared_data: Path) -> Path:
    return shared_data / "osai-index"


@pytest.fixture(scope="module")
def imported(index_folder: Path):  # type: ignore[no-untyped-def]
    return import_index(index_folder, ids=IDS)


def index_order(folder: Path) -> list[tuple[float, str]]:
    """The Index site's own ranking (sortModels in composables/models.ts of
    Language-Technology-Assessment/website@0e1cc2b), transcribed: the mean of open 1 / partial
    0.5 / anything else 0 over the dimensions whose types include one of the model's types;
    by score, highest first, then by path, greatest first."""
    categories = yaml.safe_load((folder / "_parameters.yml").read_text("utf-8"))
    rows = []
    for path in (folder / "models").glob("*.yaml"):
        record = yaml.safe_load(path.read_text("utf-8"))
        types = [t.strip() for t in record["system"]["type"].split(",")]
        weights = []
        for category in categories:
            for param in category["params"]:
                if any(t in types for t in param["types"]):
                    grade = (record.get(param["ref"]) or {}).get("class")
                    weights.append({"open": 1.0, "partial": 0.5}.get(grade, 0.0))
        rows.append((sum(weights) / len(weights), "/repos/data/" + path.name))

    def compare(a: tuple[float, str], b: tuple[float, str]) -> int:
        if a[0] != b[0]:
            return -1 if a[0] > b[0] else 1
        return -1 if a[1] > b[1] else (1 if a[1] < b[1] else 0)

    return sorted(rows, key=functools.cmp_to_key(compare))


def test_all_193_records_import_with_their_gradings(imported, index_folder: Path) -> None:  # type: ignore[no-untyped-def]
    g = imported.graph
    models = set(g.subjects(RDF.type, MOF.Model))
    assert len(models) == len(list((index_folder / "models").glob("*.yaml"))) == 193
    assert len(set(g.subjects(RDF.type, MOF.Grading))) == 193 * 12
    apertus = URIRef(MODEL + "Apertus")
    assert g.value(apertus, SCHEMA.name) == Literal("Apertus")
    assert g.value(apertus, MOF.sourceRecord) == Literal("Apertus.yaml")
    assert g.value(apertus, MOF.baseModelName) == Literal("Apertus-70B-2509")
    assert g.value(apertus, DCTERMS.issued) == Literal("2025-09", datatype=XSD.gYearMonth)
    org = g.value(apertus, MOF.producer)
    assert g.value(org, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) == Literal(
        "Swiss AI Initiative"
    )
    paper = URIRef(f"{apertus}/grading/paper")
    assert g.value(paper, MOF.grade) == MOF.GradeClosed
    assert g.value(paper, SKOS.note) == Literal("Paper under peer review")
    preprint = URIRef(f"{apertus}/grading/preprint")
    assert g.value(preprint, MOF.grade) == MOF.GradeOpen
    assert (preprint, MOF.evidence, URIRef("https://arxiv.org/abs/2509.14233")) in g
    assert (apertus, MOF.paper, URIRef("https://arxiv.org/abs/2509.14233")) in g
    assert (apertus, MOF.codeRepository, URIRef("https://github.com/swiss-ai/")) in g
    assert (
        apertus,
        MOF.huggingFacePage,
        URIRef("https://huggingface.co/swiss-ai/Apertus-70B-Instruct-2509"),
    ) in g


def test_grades_are_kept_as_the_index_states_them(imported, index_folder: Path) -> None:  # type: ignore[no-untyped-def]
    g = imported.graph
    grades = {"open": MOF.GradeOpen, "partial": MOF.GradePartial, "closed": MOF.GradeClosed}
    for path in sorted((index_folder / "models").glob("*.yaml"))[::17]:
        record = yaml.safe_load(path.read_text("utf-8"))
        model = g.value(None, MOF.sourceRecord, Literal(path.name))
        for ref in ("datasources_basemodel", "weights_endmodel", "licenses"):
            node = URIRef(f"{model}/grading/{ref}")
            assert g.value(node, MOF.grade) == grades[record[ref]["class"]], (path.name, ref)


def test_dimensions_are_a_skos_scheme_from_the_parameters_file(imported) -> None:  # type: ignore[no-untyped-def]
    g = imported.graph
    dims = set(g.subjects(RDF.type, MOF.OpennessDimension))
    assert len(dims) == 12
    scheme = URIRef("https://w3id.org/mofkg/id/osai-index/dimensions")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    base_data = URIRef("https://w3id.org/mofkg/id/osai-index/dimension/datasources_basemodel")
    assert (base_data, SKOS.inScheme, scheme) in g
    assert g.value(base_data, SKOS.prefLabel) == Literal("Base Model Data", lang="en")
    assert str(g.value(base_data, SKOS.definition)).startswith("Are datasources for training")
    category = g.value(base_data, DQV.inCategory)
    assert g.value(category, SKOS.prefLabel) == Literal("Availability", lang="en")


def test_the_graph_names_the_index_its_doi_and_licence(imported) -> None:  # type: ignore[no-untyped-def]
    g = imported.graph
    doi = URIRef("https://doi.org/10.5281/zenodo.15386042")
    assert (URIRef(str(INDEX_GRAPH)), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), doi) in g
    assert g.value(doi, DCTERMS.license) == URIRef("http://spdx.org/licenses/CC-BY-4.0")
    assert "European Open Source AI Index" in str(g.value(doi, DCTERMS.title))
    assert len(list(g.objects(doi, DCTERMS.creator))) == 4


def test_the_ranking_is_the_index_own_on_all_193_records(imported, index_folder: Path) -> None:  # type: ignore[no-untyped-def]
    expected = index_order(index_folder)
    a = imported.assessments
    g = imported.graph
    ours = []
    for assessment in a.subjects(MOF.framework, MOF["OSAI-Index"]):
        model = a.value(assessment, MOF.assessedModel)
        ours.append(
            (
                int(a.value(assessment, MOF.position)),
                float(a.value(assessment, MOF.score)),
                str(g.value(model, MOF.sourceRecord)),
            )
        )
    ours.sort()
    assert [p for p, _, _ in ours] == list(range(1, 194))
    assert [f for _, _, f in ours] == [path.rsplit("/", 1)[1] for _, path in expected]
    assert [s for _, s, _ in ours] == pytest.approx([s for s, _ in expected], abs=1e-12)


def test_the_framework_file_decides_the_points(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = shapes_path("osai-index.ttl").read_text("utf-8")
    changed = tmp_path / "osai-index.ttl"
    changed.write_text(text.replace("mof:points 0.5 ]", "mof:points 0.0 ]"), "utf-8")
    assessments = run_rules_file(changed, imported.graph)
    model = URIRef(MODEL + "Apertus")
    assessment = assessments.value(None, MOF.assessedModel, model)
    before = imported.assessments.value(
        imported.assessments.value(None, MOF.assessedModel, model), MOF.points
    )
    assert float(before) == 11.0
    assert float(assessments.value(assessment, MOF.points)) == 11.0  # Apertus has no partial
    bloomz = assessments.value(None, MOF.assessedModel, URIRef(MODEL + "bloomz"))
    assert float(assessments.value(bloomz, MOF.points)) == 11.0  # 11 open, its partial now 0
    before = imported.assessments.value(None, MOF.assessedModel, URIRef(MODEL + "bloomz"))
    assert float(imported.assessments.value(before, MOF.points)) == 11.5


def test_a_rule_kind_the_runner_does_not_carry_out_is_refused(tmp_path: Path) -> None:
    text = shapes_path("osai-index.ttl").read_text("utf-8")
    bad = tmp_path / "triple-rule.ttl"
    rule = 'a sh:SPARQLRule ;\n    rdfs:label "position'
    assert rule in text
    bad.write_text(text.replace(rule, rule.replace("SPARQLRule", "TripleRule")), "utf-8")
    with pytest.raises(RuleError, match=r"TripleRule is not carried out"):
        run_rules_file(bad, Graph())


def test_index_grades_for_a_page(tmp_path: Path, index_folder: Path) -> None:
    assert main(["import", "osai", str(index_folder), "--store", str(tmp_path / "store")]) == 0
    store = Store(tmp_path / "store", read_only=True)
    grades = index_grades(store, MODEL + "OLMo")
    assert grades is not None
    assert [d.dimension for d in grades.dimensions][:2] == [
        "datasources_basemodel",
        "datasources_endmodel",
    ]
    assert len(grades.dimensions) == 12
    assert grades.position == 4 and grades.ranked == 193
    assert grades.score == pytest.approx(23 / 24)
    assert grades.as_json()["dimensions"][0]["grade"] == "open"  # type: ignore[index]
    assert index_grades(store, "https://example.org/not-graded") is None


# -- the command and malformed files --------------------------------------------------------


def copy_index(index_folder: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(index_folder, folder)
    return folder


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_import_osai_writes_both_graphs(
    tmp_path: Path, index_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = str(tmp_path / "store")
    status, out, err = run(
        ["import", "osai", str(index_folder / "models"), "--store", store_dir], capsys
    )
    assert status == 0, err
    assert "193 Index records imported (doi:10.5281/zenodo.15386042)" in out
    assert "koala.yaml: system.datasources_endmodel is not a field" in err
    sizes = Store(store_dir, read_only=True).graph_sizes()
    assert sizes[str(INDEX_GRAPH)] > 15000
    assert sizes[str(ASSESSMENT_GRAPH)] == 193 * 7


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "reason"),
    [
        (
            "bloomz.yaml",
            "    class: partial",
            "    class: half-open",
            None,
            "is not open, partial or closed",
        ),
        ("OLMo.yaml", "paper:\n    class:", "paperz:\n    class:", None, "unknown field 'paperz'"),
        (
            "BERT.yaml",
            "    type: text",
            "    type: music",
            None,
            "type 'music' is none of the types",
        ),
        ("Bark.yaml", "org:\n    name:", "org:\n    name: [", 0, "not YAML"),
        (
            "OLMo.yaml",
            "modelcard:\n    class: open",
            "modelcard:\n    class: open\n    class: closed",
            2,
            "the key 'class' is given twice",
        ),
        ("Bark.yaml", "org:\n    name:", "org:\n    name: *other\n    nick:", 1, "a YAML alias"),
    ],
)
def test_a_malformed_file_is_refused_with_file_line_and_reason(
    tmp_path: Path,
    index_folder: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    old: str,
    new: str,
    line: int | None,
    reason: str,
) -> None:
    folder = copy_index(index_folder, tmp_path)
    target = folder / "models" / file
    if not target.exists():
        pytest.skip(f"{file} is not in this copy of the Index")
    text = target.read_text("utf-8")
    if old not in text:
        pytest.skip(f"{file} has no {old!r} to change")
    changed = text.replace(old, new, 1)
    target.write_text(changed, "utf-8")
    store_dir = str(tmp_path / "store")
    assert main(["init", "--store", store_dir]) == 0
    before = Store(store_dir, read_only=True).graph_sizes()
    capsys.readouterr()
    status, _, err = run(["import", "osai", str(folder), "--store", store_dir], capsys)
    assert status == 2
    expected_line = changed[: changed.index(new)].count("\n") + 1
    if line == 0:  # a YAML error is reported where the parser stops, past the change
        assert f"{file}:" in err and "column" in err, err
    else:
        # line: how many lines after the change's first line the problem is
        assert f"{file}:{expected_line + (line or 0)}:" in err, err
    assert reason in err
    assert "nothing imported" in err
    assert Store(store_dir, read_only=True).graph_sizes() == before


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("zenodo.json", '{\n  "title": "x",\n  "license": }\n', "zenodo.json:3: not JSON"),
        (
            "_parameters.yml",
            "availability: []\n",
            "_parameters.yml:1: must be a list of categories",
        ),
        (
            "_parameters.yml",
            "- name: Access\n  ref: access\n  params:\n    - ref: licenses\n      name: Licenses\n",
            "_parameters.yml:4: a dimension needs ref, name and types",
        ),
        ("readme.md", "# no identifier here\n", "readme.md: no DOI of the Index"),
    ],
)
def test_a_malformed_index_file_is_refused(
    tmp_path: Path, index_folder: Path, file: str, text: str, expected: str
) -> None:
    folder = copy_index(index_folder, tmp_path)
    (folder / file).write_text(text, "utf-8")
    with pytest.raises(IndexErrors) as caught:
        import_index(folder, ids=IDS)
    assert expected in str(caught.value)
    assert "nothing imported" in str(caught.value)


def test_a_folder_without_the_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IndexErrors, match=r"_parameters\.yml: not found"):
        import_index(tmp_path, ids=IDS)


def test_hermit_finds_the_index_graph_consistent_with_the_ontology(
    tmp_path: Path, index_folder: Path
) -> None:
    import os

    from mofkg.graphstore.catalogue.owl import check_ontology

    if shutil.which("java") is None:
        message = "no `java` on the PATH: HermiT needs a Java runtime (default-jre-headless)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    folder = copy_index(index_folder, tmp_path)
    for path in sorted((folder / "models").glob("*.yaml"))[12:]:
        path.unlink()  # twelve records keep HermiT quick
    result = import_index(folder, ids=IDS)
    extra = result.graph + result.assessments
    check = check_ontology(extra=extra)
    assert check.consistent, check.message
    assert len(set(result.graph.subjects(RDF.type, MOF.Model))) == 12


def test_the_models_api_carries_the_index_grades(tmp_path: Path, index_folder: Path) -> None:
    from .test_pages import make_app

    store_dir = tmp_path / "store"
    demo = Store(store_dir)  # the hand-made demo models (`init --demo` holds the Index already)
    initialise(demo, Settings(), demo=True)
    demo.close()
    assert main(["import", "osai", str(index_folder), "--store", str(store_dir)]) == 0
    store = Store(store_dir, read_only=True)
    with make_app(store).test_client() as client:
        response = client.get("/api/v1/models?limit=1000")
    assert response.status_code == 200
    models = response.get_json()["models"]
    graded = {m["release"]["name"]: m["osai_index"] for m in models if "osai_index" in m}
    assert len(graded) == 193
    olmo = graded["OLMo"]
    assert olmo["position"] == 4 and olmo["ranked"] == 193
    assert olmo["score"] == pytest.approx(23 / 24)
    assert [d["dimension"] for d in olmo["dimensions"]][-1] == "licenses"
    ungraded = {m["release"]["name"] for m in models if "osai_index" not in m}
    assert len(ungraded) == len(models) - 193 > 0  # the demo catalogue's models
    assert "OLMo-7B" in ungraded
