"""User shapes validate the dump, not the ontology and licence graph staged beside it, unless
``--with-catalogue``; the metadata shapes keep seeing what they need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mofkg.graphstore.cli import main as cli

DUMP = """<http://ex/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .
<http://ex/b> <http://www.w3.org/2000/01/rdf-schema#label> "B" ; <http://ex/p> "x" .
"""
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://ex/S> a sh:NodeShape ; sh:targetSubjectsOf rdfs:label ;
  sh:property [ sh:path <http://ex/p> ; sh:minCount 1 ] .
"""


def focus_nodes(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> set[str]:
    (tmp_path / "dump.ttl").write_text(DUMP)
    (tmp_path / "shapes.ttl").write_text(SHAPES)
    args = ["validate", "--shapes", str(tmp_path / "shapes.ttl"), str(tmp_path / "dump.ttl")]
    status = cli.main([*args, "--report", "json", *extra])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    return {f["focusNode"] for f in report["focusNodes"]}


def test_user_shapes_see_the_dump_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert focus_nodes(tmp_path, capsys) == {"http://ex/a"}


def test_with_catalogue_user_shapes_see_the_union(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    found = focus_nodes(tmp_path, capsys, "--with-catalogue")
    assert "http://ex/a" in found
    assert len(found) > 100  # the licence nodes staged beside the dump have labels too
    assert "http://ex/b" not in found


def test_metadata_shapes_still_read_the_ontology(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """A mof:Model subclass is only known from the ontology: the metadata shapes, which target
    models, still find a model typed by it (it has no name: a violation)."""
    (tmp_path / "dump.ttl").write_text(
        "@prefix mof: <https://w3id.org/mofkg/ontology#> .\n"
        "<http://ex/m> a mof:Model ; <http://ex/p> 1 .\n"
    )
    status = cli.main(["validate", str(tmp_path / "dump.ttl"), "--report", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert "http://ex/m" in {f["focusNode"] for f in report["focusNodes"]}
