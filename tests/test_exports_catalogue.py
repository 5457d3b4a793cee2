"""`mofkg export --profile dcat-ap|mldcat-ap`: the demo catalogue as DCAT, checked against
MLDCAT-AP 3.1.0's own SHACL shapes under pySHACL and under `mofkg validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, SKOS

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.exports.catalogue import PROFILES, catalogue_triples, query_text
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.terms import to_rdflib

DCAT = Namespace("http://www.w3.org/ns/dcat#")
IT6 = Namespace("http://data.europa.eu/it6/")
ID = Namespace("https://w3id.org/mofkg/id/")
CATALOG = ID["catalog"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("store")
    # The whole shipped demo, as `mofkg serve` loads it on an empty store: the hand-made
    # models and the Commons (the Index's records locate no file and state no version).
    demo = Store(store)
    initialise(demo, Settings(), demo=True, commons=True)
    demo.close()
    return store


@pytest.fixture(scope="module")
def mldcat_export(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "catalogue.ttl"
    assert main(["--store", str(demo_dir), "export", "--profile", "mldcat-ap", "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def mldcat_shapes(shared_data: Path) -> Path:
    return shared_data / "vocab" / "mldcat-ap-3.1.0-SHACL.ttl"


def pyshacl_violations(data: Graph, shapes: Path) -> list[str]:
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=Graph().parse(shapes), inference="none", allow_warnings=False
    )
    return [] if conforms else [text]


def test_the_demo_export_is_mldcat_ap(demo_dir: Path, mldcat_export: Path) -> None:
    g = Graph().parse(mldcat_export)
    models = set(g.subjects(RDF.type, IT6.MachineLearningModel))
    stored = Store(demo_dir, read_only=True)
    assert models == {URIRef(str(r["m"])) for r in stored.select("SELECT ?m { ?m a mof:Model }")}
    assert len(models) > 300  # the hand-made models, MOT's and the Index's
    olmo = ID["model/OLMo-7B"]
    assert olmo in models
    assert g.value(olmo, DCTERMS.title) == Literal("OLMo-7B")
    assert g.value(olmo, DCAT.version) == Literal("7B")
    assert (olmo, IT6.trainedOn, ID["dataset/Dolma"]) in g
    assert (olmo, DCTERMS.license, URIRef("http://spdx.org/licenses/Apache-2.0")) in g
    assert (olmo, DCTERMS.creator, ID["org/AllenAI"]) in g
    assert (ID["org/AllenAI"], RDF.type, FOAF.Agent) in g
    assert g.value(ID["org/AllenAI"], FOAF.name) == Literal("Allen Institute for AI")
    # A model whose record names no training data says so, rather than claiming a dataset.
    mistral = ID["model/Mistral-7B-v0.1"]
    undisclosed = g.value(mistral, IT6.trainedOn)
    assert undisclosed == URIRef(str(mistral) + "#training-data")
    assert "names no training dataset" in str(g.value(undisclosed, DCTERMS.description))
    # Datasets with a distribution at their homepage; licences as SPDX IRIs.
    dolma = ID["dataset/Dolma"]
    assert (dolma, RDF.type, DCAT.Dataset) in g
    distribution = g.value(dolma, DCAT.distribution)
    assert g.value(distribution, DCAT.accessURL) == URIRef(
        "https://huggingface.co/datasets/allenai/dolma"
    )
    assert (distribution, DCTERMS.license, URIRef("http://spdx.org/licenses/ODC-By-1.0")) in g
    # The catalogue, its publisher and one record per model and dataset.
    assert (CATALOG, RDF.type, DCAT.Catalog) in g
    assert (CATALOG, DCAT.dataset, dolma) in g
    records = set(g.objects(CATALOG, DCAT.record))
    topics = {g.value(r, FOAF.primaryTopic) for r in records}
    assert models <= topics and dolma in topics
    llama_licence = ID["licence/LicenseRef-Llama-3-Community"]
    assert (llama_licence, RDF.type, DCTERMS.LicenseDocument) in g


def test_the_demo_export_conforms_under_pyshacl(mldcat_export: Path, mldcat_shapes: Path) -> None:
    assert pyshacl_violations(Graph().parse(mldcat_export), mldcat_shapes) == []


def test_the_demo_export_conforms_under_mofkg_validate(
    capsys: pytest.CaptureFixture[str], mldcat_export: Path, mldcat_shapes: Path
) -> None:
    status, out, err = run(
        capsys,
        "validate",
        str(mldcat_export),
        "--shapes",
        str(mldcat_shapes),
        "--replace-shapes",
        "--report",
        "json",
    )
    report = json.loads(out)
    assert (status, report["conforms"], report["counts"]["bySeverity"]["Violation"]) == (
        0,
        True,
        0,
    ), err
    assert report["triples"] > 1000


def test_both_engines_see_a_missing_required_property(
    capsys: pytest.CaptureFixture[str], mldcat_export: Path, mldcat_shapes: Path, tmp_path: Path
) -> None:
    """The shapes are applied for real: a model without its dct:created violates them."""
    g = Graph().parse(mldcat_export)
    g.remove((ID["model/OLMo-7B"], DCTERMS.created, None))
    broken = tmp_path / "broken.ttl"
    g.serialize(broken, format="turtle")
    assert any("OLMo-7B" in v for v in pyshacl_violations(g, mldcat_shapes))
    status, out, _ = run(
        capsys,
        "validate",
        str(broken),
        "--shapes",
        str(mldcat_shapes),
        "--replace-shapes",
        "--report",
        "json",
    )
    report = json.loads(out)
    assert status == 1 and report["counts"]["bySeverity"]["Violation"] == 1


def test_dcat_ap_profile_makes_models_datasets(
    capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    status, out, _ = run(
        capsys, "--store", str(demo_dir), "export", "--profile", "dcat-ap", "--format", "ntriples"
    )
    assert status == 0
    g = Graph().parse(data=out, format="nt")
    olmo = ID["model/OLMo-7B"]
    assert (olmo, RDF.type, DCAT.Dataset) in g
    assert not [t for t in g if any(str(term).startswith(str(IT6)) for term in t)]
    assert g.value(ID["dataset/Dolma"], DCAT.distribution) is not None
    weights = URIRef(str(olmo) + "/component/ModelParametersFinal")
    assert (olmo, DCAT.distribution, weights) in g
    assert g.value(weights, DCAT.accessURL) == URIRef("https://huggingface.co/allenai/OLMo-7B")


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--profile", "mldcat-ap", "--format", "nquads"],
        ["export", "--profile", "mldcat-ap", "--graph", "https://w3id.org/mofkg/graph/demo"],
        ["export", "--profile", "mldcat-ap", "mot", "OLMo-7B"],
    ],
)
def test_export_profile_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, argv: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "never.ttl"
    status, _, err = run(capsys, "--store", str(demo_dir), *argv, "-o", str(out))
    assert status == 2 and "export --profile" in err
    assert not out.exists()


def test_an_unknown_profile_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--store", str(demo_dir), "export", "--profile", "schema-org"])
    assert exited.value.code == 2
    assert "dcat-ap" in capsys.readouterr().err


def test_every_profile_query_is_shipped_and_is_a_construct() -> None:
    for profile in PROFILES.values():
        for name in profile.queries:
            assert "CONSTRUCT" in query_text(name), name


def test_an_empty_catalogue_exports_and_conforms(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mldcat_shapes: Path
) -> None:
    store = tmp_path / "store"
    assert main(["--store", str(store), "init"]) == 0
    capsys.readouterr()
    status, out, _ = run(capsys, "--store", str(store), "export", "--profile", "mldcat-ap")
    assert status == 0
    g = Graph().parse(data=out, format="turtle")
    assert (CATALOG, RDF.type, DCAT.Catalog) in g
    assert g.value(g.value(CATALOG, DCTERMS.publisher), FOAF.name) == Literal(
        "Generative AI Commons"
    )
    assert pyshacl_violations(g, mldcat_shapes) == []


def test_links_to_other_catalogues_are_exported(mldcat_shapes: Path) -> None:
    """Each model's, organisation's, dataset's and licence's accepted links (skos:exactMatch,
    owl:sameAs), as `mofkg link wikidata` stores them, go with it into the export."""
    store = Store()
    initialise(store, Settings(), demo=True)
    wd = Namespace("http://www.wikidata.org/entity/")
    links = {
        ID["model/OLMo-7B"]: wd.Q1,
        ID["org/AllenAI"]: wd.Q2,
        ID["dataset/Dolma"]: wd.Q3,
        URIRef("http://spdx.org/licenses/Apache-2.0"): wd.Q4,
    }
    data = "".join(f"<{s}> <{SKOS.exactMatch}> <{o}> .\n" for s, o in links.items())
    data += f"<{ID['model/Amber']}> <{OWL.sameAs}> <{wd.Q5}> .\n"
    store.load(data.encode(), format="nt", graph="https://w3id.org/mofkg/graph/links/wikidata")
    for profile in ("mldcat-ap", "dcat-ap"):
        g = Graph()
        for t in catalogue_triples(store, profile, base_iri="https://w3id.org/mofkg/"):
            g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        for subject, target in links.items():
            assert (subject, SKOS.exactMatch, target) in g, (profile, subject)
        assert (ID["model/Amber"], OWL.sameAs, wd.Q5) in g
        if profile == "mldcat-ap":
            assert pyshacl_violations(g, mldcat_shapes) == []


def test_what_a_record_does_not_give_the_export_says_it_does_not(mldcat_export: Path) -> None:
    """MLDCAT-AP requires a model's file and version; an Index record gives neither, and the
    export says so rather than inventing them."""
    g = Graph().parse(mldcat_export)
    model = ID["osai-index/model/AMD-OLMo"]
    assert g.value(model, DCAT.version) == Literal("not stated")
    (file,) = g.objects(model, IT6.hasFile)
    assert file == URIRef(str(model) + "#files")
    assert g.value(file, IT6.url) == model  # its record, which locates none
    assert "is located: its record locates none" in str(g.value(file, DCTERMS.title))
    concept = g.value(file, DCTERMS.format)
    assert concept == ID["file-format/not-stated"]
    assert "not stated" in str(g.value(concept, SKOS.prefLabel))
    # A model whose record locates its files and states its version keeps them alone.
    olmo = ID["model/OLMo-7B"]
    assert g.value(olmo, DCAT.version) == Literal("7B")
    assert URIRef(str(olmo) + "#files") not in set(g.objects(olmo, IT6.hasFile))
    assert len(set(g.objects(olmo, IT6.hasFile))) > 1
