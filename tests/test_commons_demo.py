"""The demo catalogue's Commons part: shipped derived data, its attribution, and what
`mofkg init --demo` and `mofkg serve` on an empty store load."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from mofkg.graphstore.cli.build_demo import build
from mofkg.graphstore.cli.main import main
from mofkg.graphstore.importers.commons_demo import SOURCES_GRAPH, commons_path
from mofkg.graphstore.namespaces import DEMO_GRAPH, GRAPH
from mofkg.graphstore.resources import _package_file
from mofkg.graphstore.settings import Settings, load_settings
from mofkg.graphstore.store.bootstrap import initialise, prepare_for_serving
from mofkg.graphstore.store.embedded import Store

LANDSCAPE = str(GRAPH["source/landscape/landscape.yml"])
INDEX = str(GRAPH["source/osai-index"])


def test_init_demo_loads_the_commons_with_its_sources_and_licences(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    assert main(["--store", str(folder), "init", "--demo"]) == 0
    store = Store(folder, read_only=True)
    sizes = store.graph_sizes()
    assert sizes[LANDSCAPE] > 4000 and sizes[INDEX] > 16000
    assert sizes[str(GRAPH["reconciliation"])] > 0
    assert sum(1 for g in sizes if g.startswith(str(GRAPH["source/mot/"]))) == 161
    licences = {
        str(r["l"])
        for r in store.select(
            f"SELECT ?l WHERE {{ GRAPH <{SOURCES_GRAPH}> "
            "{ ?s <http://purl.org/dc/terms/license> ?l } }"
        )
    }
    assert licences == {
        "http://spdx.org/licenses/Apache-2.0",
        "http://spdx.org/licenses/CC-BY-4.0",
        "http://spdx.org/licenses/MIT",
    }


def test_init_demo_again_replaces_rather_than_adds(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    assert main(["--store", str(folder), "init", "--demo"]) == 0
    first = Store(folder, read_only=True).graph_sizes()
    assert main(["--store", str(folder), "init", "--demo"]) == 0
    assert Store(folder, read_only=True).graph_sizes() == first


def test_serving_an_empty_store_loads_and_assesses_the_commons(tmp_path: Path) -> None:
    settings = load_settings(store=tmp_path / "s")
    store = Store(tmp_path / "s")
    assert prepare_for_serving(store, settings)
    members = store.select(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?m <http://www.w3.org/ns/org#member> ?o ;"
        " <http://www.w3.org/ns/org#organization> <https://w3id.org/mofkg/id/org/LF-AI-and-Data> }"
    )
    assert int(members[0]["n"]) == 64  # the landscape's (the demo's EleutherAI is one of them)
    assessed = store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a <https://w3id.org/mofkg/ontology#classNumber> 1 }"
    )
    assert int(assessed[0]["n"]) >= 15


def test_the_library_default_is_the_hand_made_catalogue() -> None:
    store = Store()
    initialise(store, Settings(), demo=True)
    sizes = store.graph_sizes()
    assert str(DEMO_GRAPH) in sizes and LANDSCAPE not in sizes


def test_the_attribution_is_shipped_beside_the_data() -> None:
    notice = _package_file("mofkg.graphstore.data", "NOTICE-commons.md").read_text()
    for fact in ("Apache-2.0", "CC-BY-4.0", "MIT", "a6d92b08745a48ebe6d58835897fdac1b6390461"):
        assert fact in notice


def test_the_shipped_file_is_what_the_importers_make_of_the_shared_data(
    shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "commons.nq.gz"
    build(shared_data, out)
    with gzip.open(out, "rt") as fresh, gzip.open(commons_path(), "rt") as shipped:
        assert without_blank_labels(fresh.read()) == without_blank_labels(shipped.read())


def without_blank_labels(nquads: str) -> list[str]:
    """The lines with blank node labels, import times and the day of the reconciliation
    blanked (each build has its own), sorted; the reconciliation is compared whole, evidence
    and all (it is deterministic)."""
    stamp = re.compile(r'"[0-9T:-]+Z"\^\^<http://www.w3.org/2001/XMLSchema#dateTime>')
    day = re.compile(r'(mapping_date> )"[0-9-]+"')
    return sorted(
        day.sub(r'\1"D"', stamp.sub('"T"', re.sub(r"_:\w+", "_:b", line)))
        for line in nquads.splitlines()
    )
