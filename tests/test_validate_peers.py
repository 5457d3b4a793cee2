"""The project's metadata shapes give the same results under mofkg, pySHACL and Apache Jena on
MOT's records: the same number of results per (focus node, source shape, source constraint
component), each engine reading the same data (the records as mofkg imports them, the ontology
and the licence graph) and writing a standard Turtle report.

Jena runs where Debian's libapache-jena-java and a Java runtime are installed (bench/peers.py
builds its classpath); elsewhere its test skips with the reason, and under ``CI=true`` (where
.ci/run installs them) its absence is a failure.
"""

from __future__ import annotations

import io
import os
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph

from mofkg.graphstore.reports import write_turtle
from mofkg.graphstore.resources import shapes_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.validation import read_dump, read_shapes_files, validate_dumps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from peers import differences, jena_missing, result_counts, run_jena  # noqa: E402

Counts = Counter[tuple[str, str, str]]


@pytest.fixture(scope="module")
def staged(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Counts, Path]:
    """mofkg's results on the MOT records, and the data it validated as one N-Triples file."""
    records = sorted((shared_data / "mot" / "models").glob("*.yml"))
    assert len(records) > 100
    result = validate_dumps(
        [read_dump(r) for r in records],
        shapes=read_shapes_files([]),
        settings=Settings(),
        assess=False,
        keep_store=True,
    )
    assert result.store is not None
    data = tmp_path_factory.mktemp("mot") / "data.nt"
    quads = result.store.oxigraph.quads_for_pattern(None, None, None)
    ox.serialize((q.triple for q in quads), output=str(data), format=ox.RdfFormat.N_TRIPLES)
    out = io.StringIO()
    write_turtle(result.report, out)
    ours = result_counts(out.getvalue().encode())
    # warnings about free-text licences and missing producers: something to agree on
    assert sum(ours.values()) > 100
    return ours, data


def test_pyshacl_gives_the_same_results(staged: tuple[Counts, Path]) -> None:
    ours, data = staged
    graph = Graph().parse(data, format="nt")
    shapes = Graph().parse(shapes_path("metadata.ttl"))
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    assert isinstance(report, Graph)
    theirs = result_counts(report.serialize(format="turtle").encode())
    assert differences(ours, theirs) == []


def test_jena_gives_the_same_results(staged: tuple[Counts, Path], tmp_path: Path) -> None:
    missing = jena_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (required under CI=true; .ci/run installs it)")
        pytest.skip(missing)
    ours, data = staged
    report = tmp_path / "jena.ttl"
    run_jena(shapes_path("metadata.ttl"), data, report)
    assert differences(ours, result_counts(report)) == []
