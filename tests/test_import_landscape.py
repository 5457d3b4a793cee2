"""`mofkg import landscape`: the LF AI & Data landscape's members, projects and focus areas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS

from mofkg.graphstore.importers.landscape import import_landscape, read_focus_areas
from mofkg.graphstore.importers.located_yaml import InputError
from mofkg.graphstore.namespaces import MOF, SCHEMA
from tests.commons_helpers import initialised_store, make_template, quads, run

ID = "https://w3id.org/mofkg/id/"


@pytest.fixture(scope="module")
def landscape(shared_data: Path) -> Path:
    return shared_data / "lfai-landscape" / "landscape.yml"


@pytest.fixture(scope="module")
def graph(landscape: Path) -> Graph:
    return import_landscape(landscape).graph


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template") / "store")


def tier_counts(graph: Graph) -> dict[str, int]:
    counts: dict[str, int] = {}
    for membership in graph.subjects(RDF.type, MOF.Membership):
        role = graph.value(membership, ORG.role)
        label = str(graph.value(role, RDFS.label))
        counts[label] = counts.get(label, 0) + 1
    return counts


def test_members_by_tier_as_the_landscape_counts_them(graph: Graph) -> None:
    assert tier_counts(graph) == {"Premier": 4, "General": 17, "Associate": 43}


def test_ibm_is_a_premier_member_of_lf_ai_and_data(graph: Graph) -> None:
    ibm = URIRef(ID + "org/International-Business-Machines-Corporation")
    [membership] = graph.subjects(ORG.member, ibm)
    assert graph.value(membership, ORG.organization) == URIRef(ID + "org/LF-AI-and-Data")
    role = graph.value(membership, ORG.role)
    assert str(graph.value(role, SKOS.prefLabel)) == "Premier Membership"
    assert (ibm, MOF.homepage, URIRef("https://ibm.com/")) in graph
    assert (ibm, MOF.linkedInPage, URIRef("https://www.linkedin.com/company/ibm")) in graph
    assert (ibm, MOF.crunchbasePage, URIRef("https://www.crunchbase.com/organization/ibm")) in graph


def test_hosted_projects_by_maturity(graph: Graph) -> None:
    counts: dict[str, int] = {}
    for project in graph.subjects(MOF.hostedBy, URIRef(ID + "org/LF-AI-and-Data")):
        level = str(graph.value(project, MOF.maturity)).rsplit("#", 1)[-1]
        counts[level] = counts.get(level, 0) + 1
    # The MANIFEST's figures; the one "incubation" of the landscape counts as incubating.
    assert counts == {"Graduated": 13, "Incubating": 24, "Sandbox": 22, "Archived": 5}


def test_a_project_has_its_kind_focus_area_category_and_links(graph: Graph) -> None:
    lineage = URIRef(ID + "project/OpenLineage")
    assert (lineage, RDF.type, MOF.Framework) in graph
    assert str(graph.value(lineage, SCHEMA.name)) == "OpenLineage"
    assert graph.value(lineage, MOF.focusArea) == MOF.ModelsAndData
    assert graph.value(lineage, MOF.maturity) == MOF.Graduated
    category = graph.value(lineage, MOF.landscapeCategory)
    assert str(graph.value(category, SKOS.prefLabel)) == "Lineage"
    assert str(graph.value(graph.value(category, SKOS.broader), SKOS.prefLabel)) == "Data"
    assert (category, SKOS.broadMatch, MOF.ModelsAndData) in graph
    repo = URIRef("https://github.com/OpenLineage/OpenLineage")
    assert (lineage, MOF.codeRepository, repo) in graph
    # A notebook environment is an application, in Education.
    elyra = URIRef(ID + "project/Elyra")
    assert (elyra, RDF.type, MOF.Application) in graph
    assert graph.value(elyra, MOF.focusArea) == MOF.Education
    assert graph.value(elyra, MOF.maturity) == MOF.Incubating


def test_every_software_item_has_one_focus_area(graph: Graph) -> None:
    software = set(graph.subjects(RDF.type, MOF.Framework)) | set(
        graph.subjects(RDF.type, MOF.Application)
    )
    assert len(software) > 300
    assert [s for s in software if len(set(graph.objects(s, MOF.focusArea))) != 1] == []


def test_hosting_companies_are_organisations_without_membership(graph: Graph) -> None:
    amazon = URIRef(ID + "org/Amazon")
    assert (amazon, RDF.type, MOF.Organisation) in graph
    assert list(graph.subjects(ORG.member, amazon)) == []


def test_a_curators_mapping_overrides_one_item(landscape: Path, tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[1] / "graphstore" / "data"
    mapping = tmp_path / "focus.tsv"
    text = (shipped / "landscape-focus-areas.tsv").read_text("utf-8")
    mapping.write_text(text + "Generative AI\tModels\tRWKV\tModelsAndData\tapplication\n")
    graph = import_landscape(landscape, focus_areas=mapping).graph
    assert (URIRef(ID + "project/RWKV"), RDF.type, MOF.Application) in graph
    assert (URIRef(ID + "project/Open-Model-Initiative"), RDF.type, MOF.Framework) in graph


def test_the_cli_imports_into_its_own_graph(
    capsys: pytest.CaptureFixture[str], landscape: Path, template: Path, tmp_path: Path
) -> None:
    store = initialised_store(template, tmp_path / "store")
    code, out, err = run(capsys, "import", "landscape", str(landscape), "--store", str(store))
    assert code == 0, err
    assert "graph/source/landscape/landscape.yml" in out
    assert "64 members, 40 hosting, 64 projects" in out
    code, out, _ = run(
        capsys,
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { ?m a mof:Membership }",
        "--format",
        "csv",
        "--store",
        str(store),
    )
    assert out.split() == ["n", "64"]


# -- bad input: file, line, reason; exit 2; the store unchanged ------------------------------


def broken_copy(landscape: Path, folder: Path, old: str, new: str) -> Path:
    folder.mkdir()
    shutil.copy(landscape.with_name("config.yml"), folder / "config.yml")
    text = landscape.read_text("utf-8")
    assert old in text
    path = folder / "landscape.yml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "reason"),
    [
        ("project: graduated", "project: gradu ated: x", "gradu ated", "YAML syntax"),
        ("project: graduated", "project: retired", "project: retired", "maturity 'retired'"),
        ("name: OpenLineage", "name:", "homepage_url: https://github.com/OpenLineage", ""),
        ("name: Premier", "name: Platinum", "name: Platinum", "member tier 'Platinum'"),
        (
            "additional_repos:",
            "additional_repos: vald-clients\n            more_repos:",
            "additional_repos: vald-clients",
            "additional_repos must be a list, not a str ('vald-clients')",
        ),
    ],
)
def test_a_malformed_landscape_is_refused_with_file_line_and_reason(
    capsys: pytest.CaptureFixture[str],
    landscape: Path,
    template: Path,
    tmp_path: Path,
    old: str,
    new: str,
    needle: str,
    reason: str,
) -> None:
    store = initialised_store(template, tmp_path / "store")
    assert run(capsys, "import", "landscape", str(landscape), "--store", str(store))[0] == 0
    before = quads(store)
    bad = broken_copy(landscape, tmp_path / "bad", old, new)
    code, out, err = run(capsys, "import", "landscape", str(bad), "--store", str(store))
    assert code == 2
    line = line_of(bad, needle)
    if not reason:  # an item without a name: the line of its mapping (the one after `name:`)
        line -= 1
        reason = "an item without a name"
    assert f"{bad}:{line}: " in err and reason in err, err
    assert out == ""
    assert quads(store) == before


def test_a_malformed_mapping_file_is_refused(landscape: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "focus.tsv"
    mapping.write_text("category\tsubcategory\titem\tfocus_area\tkind\nData\tLineage\t\tData\tx\n")
    with pytest.raises(InputError) as caught:
        read_focus_areas(mapping)
    assert str(caught.value).startswith(f"{mapping}:2: focus area 'Data' is none of")
    with pytest.raises(InputError, match="category and subcategory"):
        mapping.write_text("category\tsubcategory\titem\tfocus_area\tkind\n\t\t\tEducation\tx\n")
        import_landscape(landscape, focus_areas=mapping)


def test_an_option_of_another_import_kind_is_refused(
    capsys: pytest.CaptureFixture[str], landscape: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "import", "landscape", str(landscape), "--id", "a/b", "--store", str(tmp_path)
    )
    assert code == 2
    assert "--id is an option of `import hf-card`, not of `import landscape`" in err
    code, _, err = run(
        capsys, "import", "mot", str(landscape), "--focus-areas", "x", "--store", str(tmp_path)
    )
    assert code == 2
    assert "--focus-areas is an option of `import landscape`" in err
