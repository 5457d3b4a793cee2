"""`mofkg reconcile`: one organisation, one model, one dataset, however many sources name it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, SKOS
from sssom.parsers import parse_sssom_table

from mofkg.graphstore.importers.hf_card import import_cards, read_crosswalk
from mofkg.graphstore.importers.landscape import import_landscape
from mofkg.graphstore.importers.mot import import_mot
from mofkg.graphstore.importers.osai_rdf import import_index
from mofkg.graphstore.namespaces import Ids
from mofkg.graphstore.reconcile import RECONCILIATION_GRAPH, reconcile_store
from mofkg.graphstore.reconcile.mapping_graph import SSSOM
from mofkg.graphstore.reconcile.sssom_tsv import sssom_warnings_quiet, write_mappings
from mofkg.graphstore.store.embedded import Store
from tests.commons_helpers import FIXTURES, quads, run

ID = "https://w3id.org/mofkg/id/"
IBM_MOT = ID + "org/IBM"
IBM_LANDSCAPE = ID + "org/International-Business-Machines-Corporation"
IBM_INDEX = ID + "osai-index/org/IBM"
SEMAPV = "https://w3id.org/semapv/vocab/"


def fill(store: Store, shared: Path) -> None:
    """MOT's records, the landscape, the Index and the card fixtures, each in its graphs."""
    mot = import_mot([shared / "mot" / "models"])
    graphs = {str(g): graph for g, graph in mot.graphs().items()}
    landscape = import_landscape(shared / "lfai-landscape" / "landscape.yml")
    graphs[str(landscape.graph_iri)] = landscape.graph
    graphs.update(import_index(shared / "osai-index", ids=Ids()).graphs())
    crosswalk = read_crosswalk(shared / "hf" / "hf-license-ids-spdx-crosswalk.csv")
    graphs.update(import_cards(sorted(FIXTURES.rglob("README.md")), crosswalk=crosswalk).graphs())
    store.replace_graphs(graphs)


@pytest.fixture(scope="module")
def store(shared_data: Path) -> Store:
    filled = Store()
    fill(filled, shared_data)
    reconcile_store(filled)
    return filled


@pytest.fixture(scope="module")
def folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder with the sources, not yet reconciled."""
    path = tmp_path_factory.mktemp("sources") / "store"
    on_disk = Store(path)
    fill(on_disk, shared_data)
    on_disk.close()
    return path


def canonical(store: Store, iri: str) -> str:
    rows = store.select(f"SELECT ?c WHERE {{ <{iri}> mof:reconciledAs ?c }}")
    assert len(rows) == 1, (iri, rows)
    return str(rows[0]["c"])


def test_ibm_is_one_organisation_in_three_sources(store: Store) -> None:
    assert canonical(store, IBM_LANDSCAPE) == IBM_MOT
    assert canonical(store, IBM_INDEX) == IBM_MOT
    assert canonical(store, IBM_MOT) == IBM_MOT


def test_a_member_reaches_its_models_through_reconciliation(store: Store) -> None:
    rows = store.select(
        """SELECT DISTINCT ?name WHERE {
          ?membership org:member ?member ; org:role/rdfs:label "Premier" .
          ?member mof:reconciledAs ?org . ?producer mof:reconciledAs ?org .
          ?model mof:producer ?producer ; schema:name ?name }"""
    )
    names = {str(r["name"]) for r in rows}
    assert {"Granite", "Granite Code"} <= names  # the Index's IBM models
    assert any(n.startswith("granite-") or n.startswith("Granite-") for n in names - {"Granite"})


def test_mot_releases_that_share_a_name_stay_distinct(store: Store) -> None:
    # docs/assessment.md: two MOT records each of Llama 3 8B and 70B Instruct, one Hub page.
    for size in ("8B", "70B"):
        first = ID + f"model/Meta-Llama-3-{size}-Instruct"
        second = ID + f"model/Meta-Llama-3-{size}-Instruct--Llama-3-{size}-Instruct"
        assert store.ask(f"ASK {{ <{first}> a mof:Model }}")
        assert store.ask(f"ASK {{ <{second}> a mof:Model }}")
        assert canonical(store, first) != canonical(store, second)


def test_a_card_and_a_mot_record_of_one_model_are_one(store: Store) -> None:
    card_model = ID + "model/hf--LLM360--Amber"  # the base model the tiny-chat card names
    assert canonical(store, card_model) == ID + "model/Amber"
    [row] = store.select(
        f"""PREFIX sssom: <{SSSOM}> SELECT ?p ?j ?c ?s WHERE {{ GRAPH <{RECONCILIATION_GRAPH}> {{
          ?m owl:annotatedSource <{ID}model/Amber> ; owl:annotatedTarget <{card_model}> ;
             owl:annotatedProperty ?p ; sssom:mapping_justification ?j ; sssom:confidence ?c ;
             sssom:match_string ?s }} }}"""
    )
    assert row["p"] == SKOS.exactMatch
    assert row["j"] == URIRef(SEMAPV + "LexicalMatching")
    assert float(row["c"]) == pytest.approx(0.97)
    assert row["s"] == Literal("llm360/amber")


def test_a_shared_crunchbase_page_within_one_source_is_left_for_review(store: Store) -> None:
    # The landscape gives DiDi the Crunchbase page of ZTE: a mapping to review, not a merge.
    didi, zte = ID + "org/DiDi", ID + "org/ZTE-Corporation"
    assert canonical(store, didi) != canonical(store, zte)
    assert store.ask(
        f"""ASK {{ GRAPH <{RECONCILIATION_GRAPH}> {{ ?m owl:annotatedSource <{didi}> ;
          owl:annotatedTarget <{zte}> ; owl:annotatedProperty skos:closeMatch }} }}"""
    )


def test_every_entity_is_reconciled_as_one_resource(store: Store) -> None:
    rows = store.select(
        "SELECT ?e (COUNT(?c) AS ?n) WHERE { ?e mof:reconciledAs ?c } GROUP BY ?e HAVING(?n > 1)"
    )
    assert rows == []
    # a canonical resource is reconciled as itself
    assert (
        store.select(
            "SELECT ?e WHERE { ?e mof:reconciledAs ?c . "
            "FILTER NOT EXISTS { ?c mof:reconciledAs ?c } }"
        )
        == []
    )


def test_the_mappings_round_trip_through_sssoms_parser(store: Store, tmp_path: Path) -> None:
    out = io.StringIO()
    count = write_mappings(store, out, ids=Ids())
    path = tmp_path / "mappings.sssom.tsv"
    path.write_text(out.getvalue(), "utf-8")
    with sssom_warnings_quiet():  # sssom-py's own pandas deprecations
        msdf = parse_sssom_table(path)
    converter = msdf.converter
    parsed = {
        (
            converter.expand(r["subject_id"]),
            converter.expand(r["predicate_id"]),
            converter.expand(r["object_id"]),
            converter.expand(r["mapping_justification"]),
            round(float(r["confidence"]), 4),
        )
        for _, r in msdf.df.iterrows()
    }
    in_graph = {
        (str(r["s"]), str(r["p"]), str(r["o"]), str(r["j"]), round(float(r["c"]), 4))
        for r in store.select(
            f"""PREFIX sssom: <{SSSOM}> SELECT ?s ?p ?o ?j ?c WHERE {{
              GRAPH <{RECONCILIATION_GRAPH}> {{ ?m a <{OWL.Axiom}> ; owl:annotatedSource ?s ;
              owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
              sssom:mapping_justification ?j ; sssom:confidence ?c }} }}"""
        )
    }
    assert len(parsed) == count == len(in_graph) > 10
    assert parsed == in_graph
    assert str(msdf.metadata["mapping_set_id"]) == str(RECONCILIATION_GRAPH)


OVERRIDES = """# curie_map:
#   mofid: https://w3id.org/mofkg/id/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
# mapping_set_id: https://example.org/curated
# license: https://creativecommons.org/publicdomain/zero/1.0/
subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification
mofid:org/Allen-Institute-for-AI\tskos:exactMatch\t\tmofid:osai-index/org/Ai2\tsemapv:ManualMappingCuration
mofid:org/IBM\tskos:exactMatch\tNot\tmofid:osai-index/org/IBM\tsemapv:ManualMappingCuration
"""


def test_a_curators_overrides_accept_and_reject_and_survive_an_export(
    capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(folder, store_dir)
    overrides = tmp_path / "curated.sssom.tsv"
    overrides.write_text(OVERRIDES, "utf-8")
    code, out, err = run(
        capsys, "reconcile", "--overrides", str(overrides), "--store", str(store_dir)
    )
    assert code == 0, err
    assert "1 accepted, 1 rejected" in err
    store = Store(store_dir)
    try:
        assert canonical(store, ID + "osai-index/org/Ai2") == ID + "org/Allen-Institute-for-AI"
        assert canonical(store, IBM_INDEX) != IBM_MOT
        assert canonical(store, IBM_LANDSCAPE) == IBM_MOT
        before = {q for q in quads(store_dir) if q[0] == str(RECONCILIATION_GRAPH)}
    finally:
        store.close()
    exported = tmp_path / "exported.sssom.tsv"
    assert (
        run(
            capsys,
            "export",
            "mappings",
            "reconciliation",
            "-o",
            str(exported),
            "--store",
            str(store_dir),
        )[0]
        == 0
    )
    # The export, given back as overrides, carries the curator's two decisions and no others.
    code, _, err = run(capsys, "reconcile", "--overrides", str(exported), "--store", str(store_dir))
    assert code == 0, err
    assert "1 accepted, 1 rejected" in err
    after = {q for q in quads(store_dir) if q[0] == str(RECONCILIATION_GRAPH)}
    date = str(SSSOM.mapping_date)
    assert {q for q in after if q[2] != date} == {q for q in before if q[2] != date}


@pytest.mark.parametrize(
    ("row", "line", "reason"),
    [
        (
            "mofid:org/IBM\tskos:closeMatch\t\tmofid:osai-index/org/IBM\tsemapv:ManualMappingCuration\n",
            10,
            "predicate 'skos:closeMatch'",
        ),
    ],
)
def test_bad_overrides_are_refused_and_the_store_unchanged(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    tmp_path: Path,
    row: str,
    line: int,
    reason: str,
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(folder, store_dir)
    before = quads(store_dir)
    overrides = tmp_path / "bad.tsv"
    overrides.write_text(OVERRIDES + row, "utf-8")
    code, out, err = run(
        capsys, "reconcile", "--overrides", str(overrides), "--store", str(store_dir)
    )
    assert code == 2
    assert f"{overrides}:{line}: " in err and reason in err, err
    assert quads(store_dir) == before


def test_an_override_naming_no_entity_is_said(
    capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(folder, store_dir)
    overrides = tmp_path / "curated.tsv"
    overrides.write_text(OVERRIDES.replace("org/Allen-Institute-for-AI", "org/Nobody"), "utf-8")
    code, _, err = run(
        capsys, "reconcile", "--overrides", str(overrides), "--store", str(store_dir)
    )
    assert code == 0
    assert f"{overrides}:8: {ID}org/Nobody not in the store; skipped" in err


def test_export_mappings_needs_a_reconciliation_and_takes_no_format(
    capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(folder, store_dir)
    code, _, err = run(capsys, "export", "mappings", "reconciliation", "--store", str(store_dir))
    assert code == 1
    assert "no mappings; run `mofkg reconcile` first" in err
    code, _, err = run(
        capsys,
        "export",
        "mappings",
        "reconciliation",
        "--format",
        "turtle",
        "--store",
        str(store_dir),
    )
    assert code == 2
    assert "writes SSSOM TSV; it takes no --format or --graph" in err


@pytest.mark.parametrize("value", ["0", "1.5", "-1"])
def test_a_threshold_outside_zero_to_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path, value: str
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(folder, store_dir)
    before = quads(store_dir)
    code, _, err = run(capsys, "reconcile", f"--threshold={value}", "--store", str(store_dir))
    assert code == 2
    assert f"--threshold {float(value)} is not in (0, 1]" in err
    assert quads(store_dir) == before


def test_a_higher_threshold_merges_less(store: Store) -> None:
    strict = reconcile_store(store, threshold=0.9, write=False)
    default = reconcile_store(store, write=False)
    assert 0 < strict.merged < default.merged
    # name-only organisation matches (0.85) stay for review under 0.9
    huawei = [
        m for m in strict.outcome.matches if m.object.iri.endswith("Huawei-Technologies-Co.-Ltd")
    ]
    assert huawei and not huawei[0].merged and huawei[0].note == "confidence under 0.9"
