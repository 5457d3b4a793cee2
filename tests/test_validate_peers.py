"""The project's shapes give the same results under mofkg, pySHACL and Apache Jena on MOT's
records, each engine reading the same data (the records as mofkg imports them, the ontology and
the licence graph):

- the metadata shapes, which ``mofkg validate`` checks: the same number of results per (focus
  node, source shape, source constraint component) in each engine's Turtle report;
- the MOF 1.0 shapes, which mofkg runs as SPARQL to assess each model: the same (focus node,
  source shape, severity) as the engines report with the shapes file itself (the data then
  also holds the effective licences that MOF 1.0's SPARQL rules derive, which neither engine
  can run).

Jena runs where Debian's libapache-jena-java and a Java runtime are installed (bench/peers.py
builds its classpath); elsewhere its test skips with the reason, and under ``CI=true`` (where
.ci/run installs them) its absence is a failure.
"""

from __future__ import annotations

import io
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph

from mofkg.graphstore.frameworks.assessment import assess_with
from mofkg.graphstore.frameworks.definition import load_framework
from mofkg.graphstore.resources import shapes_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.validation.pipeline import read_dump, read_shapes_files, validate_dumps
from mofkg.graphstore.validation.reports import write_turtle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from peers import differences, jena_missing, result_counts, run_jena  # noqa: E402

Counts = Counter[tuple[str, ...]]
BY_SEVERITY = ("focusNode", "sourceShape", "resultSeverity")


@dataclass(frozen=True)
class Staged:
    """mofkg's results on the MOT records, and the data as N-Triples files for the others."""

    metadata: Counts
    data: Path
    mof: set[tuple[str, ...]]
    mof_data: Path


@pytest.fixture(scope="module")
def staged(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Staged:
    """mofkg's results on the MOT records, and the data it validated as N-Triples files."""
    records = sorted((shared_data / "mot" / "models").glob("*.yml"))
    assert len(records) > 100
    result = validate_dumps(
        [read_dump(r) for r in records],
        shapes=read_shapes_files([]),
        settings=Settings(),
        assess=False,
        keep_store=True,
    )
    store = result.store
    assert store is not None
    folder = tmp_path_factory.mktemp("mot")
    data, mof_data = folder / "data.nt", folder / "data-and-derived.nt"
    quads = store.oxigraph.quads_for_pattern(None, None, None)
    ox.serialize((q.triple for q in quads), output=str(data), format=ox.RdfFormat.N_TRIPLES)
    out = io.StringIO()
    write_turtle(result.report, out)
    ours = result_counts(out.getvalue().encode())
    # warnings about free-text licences and missing producers: something to agree on
    assert sum(ours.values()) > 100
    assessments = assess_with(store, load_framework("mof-1.0"))  # derives into the store
    quads = store.oxigraph.quads_for_pattern(None, None, None)
    ox.serialize((q.triple for q in quads), output=str(mof_data), format=ox.RdfFormat.N_TRIPLES)
    mof = {(r.focus, r.shape, r.severity) for a in assessments for r in a.results()}
    assert len(mof) > 1000 and len({a.class_number for a in assessments}) > 1
    return Staged(ours, data, mof, mof_data)


def pyshacl_report(data: Path, shapes: Path) -> bytes:
    graph = Graph().parse(data, format="nt")
    _, report, _ = pyshacl.validate(graph, shacl_graph=Graph().parse(shapes), inference="none")
    assert isinstance(report, Graph)
    return report.serialize(format="turtle").encode()


def jena_report(data: Path, shapes: Path, folder: Path) -> Path:
    missing = jena_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (required under CI=true; .ci/run installs it)")
        pytest.skip(missing)
    report = folder / "jena.ttl"
    run_jena(shapes, data, report)
    return report


def test_pyshacl_gives_the_same_results(staged: Staged) -> None:
    theirs = result_counts(pyshacl_report(staged.data, shapes_path("metadata.ttl")))
    assert differences(staged.metadata, theirs) == []


def test_jena_gives_the_same_results(staged: Staged, tmp_path: Path) -> None:
    report = jena_report(staged.data, shapes_path("metadata.ttl"), tmp_path)
    assert differences(staged.metadata, result_counts(report)) == []


def test_pyshacl_gives_the_same_mof_results(staged: Staged) -> None:
    report = pyshacl_report(staged.mof_data, shapes_path("mof-1.0.ttl"))
    assert set(result_counts(report, BY_SEVERITY)) == staged.mof


def test_jena_gives_the_same_mof_results(staged: Staged, tmp_path: Path) -> None:
    report = jena_report(staged.mof_data, shapes_path("mof-1.0.ttl"), tmp_path)
    assert set(result_counts(report, BY_SEVERITY)) == staged.mof
