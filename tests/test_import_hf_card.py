"""`mofkg import hf-card`: Hugging Face model and dataset cards, read from files."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from mofkg.graphstore.catalogue.licences import build_licence_graph, licence_index
from mofkg.graphstore.importers.hf_card import CardsResult, import_cards, read_crosswalk
from mofkg.graphstore.importers.located_yaml import InputError
from mofkg.graphstore.namespaces import DCT, FAIR4ML, MOF, SCHEMA, spdx_licence_iri
from tests.commons_helpers import FIXTURES, initialised_store, make_template, quads, run
from tests.conftest import Listener

ID = "https://w3id.org/mofkg/id/"
TINY = URIRef(ID + "model/hf--commons-lab--tiny-chat")
DIALOGUES = URIRef(ID + "dataset/hf--commons-lab--open-dialogues")


def cards() -> list[Path]:
    return sorted(FIXTURES.rglob("README.md"))


@pytest.fixture(scope="module")
def crosswalk_file(shared_data: Path) -> Path:
    return shared_data / "hf" / "hf-license-ids-spdx-crosswalk.csv"


@pytest.fixture(scope="module")
def imported(crosswalk_file: Path) -> CardsResult:
    licences = build_licence_graph()
    hf_ids = {str(o): s for s, o in licences.subject_objects(MOF.huggingFaceLicenceId)}
    return import_cards(
        cards(),
        crosswalk=read_crosswalk(crosswalk_file),
        licence_resolver=licence_index(licences).resolve,
        hf_licences=hf_ids,  # type: ignore[arg-type]  # subjects of the licence graph are IRIs
    )


@pytest.fixture(scope="module")
def union(imported: CardsResult) -> Graph:
    graph = Graph()
    for card in imported.cards:
        graph += card.graph
    return graph


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template") / "store")


def model(name: str) -> URIRef:
    return URIRef(ID + f"model/hf--commons-lab--{name}")


def test_each_card_is_one_graph_named_by_its_hub_id(imported: CardsResult) -> None:
    names = {str(c.graph_iri).split("/source/", 1)[1] for c in imported.cards}
    assert names == {
        "hf/dataset/commons-lab/open-dialogues",
        "hf/model/commons-lab/tiny-chat",
        "hf/model/commons-lab/tiny-chat-lora",
        "hf/model/commons-lab/tiny-chat-gguf",
        "hf/model/commons-lab/tiny-merge",
    }
    assert {c.kind for c in imported.cards if "datasets" in c.path.parts} == {"dataset"}


def test_a_model_card(union: Graph) -> None:
    assert (TINY, RDF.type, MOF.Model) in union
    assert union.value(TINY, SCHEMA.name) == Literal("Tiny Chat")
    assert union.value(TINY, MOF.huggingFaceId) == Literal("commons-lab/tiny-chat")
    assert set(union.objects(TINY, SCHEMA.inLanguage)) == {Literal("en"), Literal("fr")}
    assert union.value(TINY, FAIR4ML.mlTask) == Literal("text-generation")
    assert union.value(TINY, MOF.distributionLicence) == spdx_licence_iri("Apache-2.0")
    assert set(union.objects(TINY, MOF.trainedOn)) == {
        DIALOGUES,
        URIRef(ID + "dataset/hf--wikipedia"),
    }
    card = union.value(TINY, MOF.hasComponent)
    assert union.value(card, MOF.componentType) == MOF.ModelCard


@pytest.mark.parametrize(
    ("name", "prop", "base"),
    [
        ("tiny-chat", MOF.fineTunedFrom, "model/hf--LLM360--Amber"),
        ("tiny-chat-lora", MOF.adapterOf, "model/hf--meta-llama--Meta-Llama-3-8B-Instruct"),
        ("tiny-chat-gguf", MOF.quantisedFrom, "model/hf--commons-lab--tiny-chat"),
        ("tiny-merge", MOF.mergedFrom, "model/hf--LLM360--Amber"),
    ],
)
def test_the_kind_of_derivation(union: Graph, name: str, prop: URIRef, base: str) -> None:
    assert (model(name), prop, URIRef(ID + base)) in union
    assert union.value(URIRef(ID + base), MOF.huggingFaceId) is not None


def test_a_merge_has_each_of_its_bases(union: Graph) -> None:
    assert set(union.objects(model("tiny-merge"), MOF.mergedFrom)) == {
        TINY,
        URIRef(ID + "model/hf--LLM360--Amber"),
    }


@pytest.mark.parametrize(
    ("name", "licence"),
    [
        ("tiny-chat-lora", ID + "licence/LicenseRef-Llama-3-Community"),  # a Hub id we know
        ("tiny-merge", "http://spdx.org/licenses/GPL-3.0-only"),  # deprecated GPL-3.0, mended
        ("tiny-chat-gguf", ID + "licence/LicenseRef-tiny-community-licence"),  # other + name
    ],
)
def test_licences_through_the_crosswalk(union: Graph, name: str, licence: str) -> None:
    assert union.value(model(name), MOF.distributionLicence) == URIRef(licence)


def test_an_unknown_licence_is_said(imported: CardsResult) -> None:
    [warning] = imported.warnings
    assert "tiny-chat-gguf/README.md:2: licence 'tiny-community-licence' is not in" in warning


def test_a_dataset_card(union: Graph) -> None:
    assert (DIALOGUES, RDF.type, MOF.Dataset) in union
    assert union.value(DIALOGUES, SCHEMA.name) == Literal("Open Dialogues")
    assert set(union.objects(DIALOGUES, DCT.license)) == {
        spdx_licence_iri("CC-BY-4.0"),
        spdx_licence_iri("ODC-By-1.0"),  # odc-by: by hand in the crosswalk
    }
    assert union.value(DIALOGUES, MOF.hasDataCard) == Literal(True)
    assert (DIALOGUES, PROV.wasDerivedFrom, URIRef(ID + "dataset/hf--wikipedia")) in union


def test_dataset_licences_are_those_of_the_licence_graph(union: Graph) -> None:
    licences = build_licence_graph()
    for licence in union.objects(DIALOGUES, DCT.license):
        assert (licence, RDF.type, MOF.Licence) in licences
        assert (licence, MOF.isOpenLicence, Literal(True)) in licences


def test_nothing_is_fetched(
    capsys: pytest.CaptureFixture[str],
    template: Path,
    tmp_path: Path,
    listener: Listener,
    monkeypatch: pytest.MonkeyPatch,
    crosswalk_file: Path,
) -> None:
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(variable, f"http://127.0.0.1:{listener.port}")
    store = initialised_store(template, tmp_path / "store")
    argv = ["import", "hf-card", *map(str, cards()), "--crosswalk", str(crosswalk_file)]
    code, out, err = run(capsys, *argv, "--store", str(store))
    assert code == 0, err
    assert out.splitlines()[-1] == "5 card(s) imported"
    assert listener.connections == 0


def card(folder: Path, text: str, name: str = "lab/m") -> Path:
    path = folder / name / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("no front matter\n", 1, "no YAML front matter"),
        ("---\nlicense: mit\nbase_model: [a\n---\n", 3, "YAML syntax"),
        ("---\nlicense: mit\nbase_model: a/b\nbase_model_relation: distil\n---\n", 4, "'distil'"),
        ("---\npipeline_tag: x\nlicense: other\n---\n", 3, "license: other needs"),
        ("---\nbase_model: not a repo id\n---\n", 2, "not a Hugging Face repository id"),
        ("---\nlicense: mit\n---\n", 2, "give --card-kind"),
    ],
)
def test_a_malformed_card_is_refused_with_file_line_and_reason(
    capsys: pytest.CaptureFixture[str],
    template: Path,
    tmp_path: Path,
    crosswalk_file: Path,
    text: str,
    line: int,
    reason: str,
) -> None:
    store = initialised_store(template, tmp_path / "store")
    good = [str(p) for p in cards()]
    common = ["--crosswalk", str(crosswalk_file), "--store", str(store)]
    assert run(capsys, "import", "hf-card", *good, *common)[0] == 0
    before = quads(store)
    bad = card(tmp_path / "cards", text)
    code, out, err = run(capsys, "import", "hf-card", *good, str(bad), *common)
    assert code == 2
    assert f"{bad}:{line}: " in err and reason in err, err
    assert out == ""
    assert quads(store) == before


def test_the_hub_id_comes_from_the_path_or_from_id(tmp_path: Path, crosswalk_file: Path) -> None:
    crosswalk = read_crosswalk(crosswalk_file)
    loose = tmp_path / "card.md"
    loose.write_text("---\npipeline_tag: fill-mask\n---\n", "utf-8")
    with pytest.raises(InputError, match="give --id OWNER/NAME"):
        import_cards([loose], crosswalk=crosswalk)
    [result] = import_cards([loose], hub_id="lab/masker", crosswalk=crosswalk).cards
    assert result.subject == URIRef(ID + "model/hf--lab--masker")


def test_a_missing_crosswalk_is_said(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="give it with --crosswalk FILE"):
        read_crosswalk(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("name", "kind", "line"),
    [("modelcard-template.md", "model", 38), ("datasetcard-template.md", "dataset", 92)],
)
def test_the_hubs_own_templates_are_refused_where_a_placeholder_is_a_key(
    capsys: pytest.CaptureFixture[str],
    shared_data: Path,
    template: Path,
    tmp_path: Path,
    crosswalk_file: Path,
    name: str,
    kind: str,
    line: int,
) -> None:
    # The templates keep placeholders such as `{arg_0}: {value_0}`: YAML reads a mapping as a
    # key there, which huggingface_hub's parser raised as a traceback.
    store = initialised_store(template, tmp_path / "store")
    before = quads(store)
    card_file = shared_data / "hf" / name
    argv = ["import", "hf-card", str(card_file), "--id", "lab/template", "--card-kind", kind]
    code, out, err = run(capsys, *argv, "--crosswalk", str(crosswalk_file), "--store", str(store))
    assert code == 2
    assert f"{card_file}:{line}: " in err and "a key that is not a scalar" in err, err
    assert quads(store) == before


def test_id_names_one_card_only(tmp_path: Path, crosswalk_file: Path) -> None:
    with pytest.raises(InputError, match="--id names the Hub id of one card"):
        import_cards(cards()[:2], hub_id="lab/x", crosswalk=read_crosswalk(crosswalk_file))


def test_a_folder_is_searched_for_cards(crosswalk_file: Path, tmp_path: Path) -> None:
    crosswalk = read_crosswalk(crosswalk_file)
    found = import_cards([FIXTURES], crosswalk=crosswalk)
    assert sorted(c.hub_id for c in found.cards) == sorted(
        f"{p.parent.parent.name}/{p.parent.name}" for p in cards()
    )
    with pytest.raises(InputError, match="no card found"):
        import_cards([tmp_path], crosswalk=crosswalk)
