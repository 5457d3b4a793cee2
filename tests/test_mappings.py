"""`mofkg export mappings` writes SSSOM TSV that sssom's own parser reads; `mofkg import
mappings` takes a curator's edited file back, and the next `link wikidata` keeps it."""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.namespaces import LINK_CURATION_GRAPH, WIKIDATA_LINKS_GRAPH
from mofkg.graphstore.settings import load_settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.wikidata_servers import wikidata_fixture

ID = "https://w3id.org/mofkg/id/"
WD = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def linked_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("demo") / "kg"
    store = Store(folder)
    initialise(store, load_settings(environ={}), demo=True)
    store.close()
    with wikidata_fixture(tmp_path_factory.mktemp("wikidata")) as url:
        argv = ["link", "wikidata", "--store", str(folder), "--endpoint", url, "--rate", "100"]
        assert main(argv) == 0
        yield folder, url


@pytest.fixture
def linked(linked_template: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "kg"
    shutil.copytree(linked_template[0], folder)
    return folder, linked_template[1]


def parse_with_sssom(path: Path) -> list[dict[str, object]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom 0.4 sets a pandas option pandas 3 deprecates
        from sssom.parsers import parse_sssom_table

        records: list[dict[str, object]] = parse_sssom_table(path).df.to_dict("records")
    return records


def links(folder: Path, predicate: str = "skos:exactMatch") -> set[tuple[str, str]]:
    store = Store(folder, read_only=True)
    rows = store.select(
        f"SELECT ?s ?o WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{ ?s {predicate} ?o }} }}"
    )
    return {(str(r["s"]), str(r["o"])) for r in rows}


def test_the_export_is_sssom_its_own_parser_reads(
    linked: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = linked
    out = tmp_path / "links.sssom.tsv"
    assert main(["export", "mappings", "--store", str(folder), "-o", str(out)]) == 0
    records = parse_with_sssom(out)
    assert len(records) == 36
    mit = next(r for r in records if r["subject_id"] == "spdx:MIT")
    assert mit["predicate_id"] == "skos:exactMatch"
    assert mit["object_id"] == "wikidata:Q900402"
    assert mit["mapping_justification"] == "semapv:DatabaseCrossReference"
    assert mit["confidence"] == 1.0
    assert mit["object_label"] == "MIT License"
    ibm = [r for r in records if r["subject_id"] == "mofkg:org/IBM"]
    assert {r["object_id"] for r in ibm} == {"wikidata:Q900210", "wikidata:Q900211"}
    assert all(str(r["comment"]).startswith("candidate") for r in ibm)


def edit(path: Path, changes: dict[tuple[str, str], dict[str, str]]) -> None:
    """Change the cells of the rows named by (subject_id, object_id), as a curator would."""
    text = path.read_text()
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    for row in rows:
        row.update(changes.get((row["subject_id"], row["object_id"]), {}))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(head + out.getvalue())


def test_a_curators_file_comes_back_and_the_next_run_keeps_it(
    linked: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, url = linked
    out = tmp_path / "links.sssom.tsv"
    assert main(["export", "mappings", "--store", str(folder), "-o", str(out)]) == 0
    edit(
        out,
        {
            ("mofkg:org/AllenAI", "wikidata:Q900201"): {"predicate_modifier": "Not"},
            ("mofkg:org/IBM", "wikidata:Q900210"): {
                "predicate_id": "owl:sameAs",
                "mapping_justification": "semapv:ManualMappingCuration",
            },
        },
    )
    capsys.readouterr()
    assert main(["import", "mappings", "--store", str(folder), str(out)]) == 0
    assert "1 accepted, 1 rejected" in capsys.readouterr().out
    allen, ibm = (ID + "org/AllenAI", WD + "Q900201"), (ID + "org/IBM", WD + "Q900210")
    assert allen not in links(folder)
    assert ibm in links(folder, "owl:sameAs")
    # The next run honours both decisions, and does not duplicate them.
    argv = ["link", "wikidata", "--store", str(folder), "--endpoint", url, "--rate", "100"]
    assert main(argv) == 0
    assert "1 rejected kept out" in capsys.readouterr().out
    assert allen not in links(folder)
    assert ibm in links(folder, "owl:sameAs") and ibm not in links(folder)
    again = tmp_path / "again.sssom.tsv"
    assert main(["export", "mappings", "--store", str(folder), "-o", str(again)]) == 0
    records = parse_with_sssom(again)
    assert len(records) == 36
    rejected = [r for r in records if r.get("predicate_modifier") == "Not"]
    assert [(r["subject_id"], r["object_id"]) for r in rejected] == [
        ("mofkg:org/AllenAI", "wikidata:Q900201")
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("mofkg:org/IBM\tskos:exactMatch\tNot\tnowhere:Q1\tsemapv:LexicalMatching\n",
         "{file}:7: prefix 'nowhere' of nowhere:Q1 is not in the curie_map"),
        ("mofkg:org/IBM\tskos:broadMatch\tNot\twikidata:Q1\tsemapv:LexicalMatching\n",
         "{file}:7: predicate_id 'skos:broadMatch': use skos:exactMatch or owl:sameAs"),
        ("mofkg:org/IBM\tskos:exactMatch\tMaybe\twikidata:Q1\tsemapv:LexicalMatching\n",
         "{file}:7: predicate_modifier 'Maybe': only Not is allowed"),
    ],
    ids=["unknown-prefix", "other-predicate", "bad-modifier"],
)  # fmt: skip
def test_a_bad_curators_file_names_file_and_line_and_changes_nothing(
    linked: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str,
    message: str,
) -> None:
    folder, _ = linked
    before = links(folder)
    path = tmp_path / "edited.sssom.tsv"
    path.write_text(
        "# curie_map:\n#   mofkg: https://w3id.org/mofkg/id/\n"
        "#   wikidata: http://www.wikidata.org/entity/\n"
        "#   skos: http://www.w3.org/2004/02/skos/core#\n#   semapv: https://w3id.org/semapv/vocab/\n"
        "subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification\n" + body
    )
    capsys.readouterr()
    assert main(["import", "mappings", "--store", str(folder), str(path)]) == 2
    err = capsys.readouterr().err
    assert message.format(file=path) in err, err
    assert links(folder) == before
    assert not Store(folder, read_only=True).has_graph(str(LINK_CURATION_GRAPH))


def test_export_mappings_refuses_rdf_options(
    linked: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = linked
    capsys.readouterr()
    assert main(["export", "mappings", "--store", str(folder), "--format", "turtle"]) == 2
    assert "it takes no --format or --graph" in capsys.readouterr().err
