"""`mofkg explain MODEL --framework osai-index`: the Index's grades of a model, as stored.

On the shipped demo (`mofkg init --demo`, which holds the Commons with the Index and its
computed scores), in a real store on disk, through the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.store.embedded import Store

INDEX = "https://w3id.org/mofkg/id/osai-index/model/"
MOT = "https://w3id.org/mofkg/id/model/"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explain") / "kg"
    assert main(["--store", str(folder), "init", "--demo"]) == 0
    return folder


def explain(capsys: pytest.CaptureFixture[str], demo: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--store", str(demo), "explain", *args, "--framework", "osai-index"])
    out, err = capsys.readouterr()
    return code, out, err


def stored(demo: Path, model: str) -> tuple[list[tuple[str, str, str | None]], dict[str, str]]:
    """The model's grades (dimension label, grade, notes) and its score row, read directly."""
    store = Store(demo, read_only=True)
    grades = [
        (str(r["label"]), str(r["grade"]).rsplit("Grade", 1)[-1].lower(), r.get("notes"))
        for r in store.select(
            f"""SELECT ?label ?grade ?notes WHERE {{ <{model}> mof:hasGrading ?g .
              ?g mof:dimension/skos:prefLabel ?label ; mof:grade ?grade .
              OPTIONAL {{ ?g skos:note ?notes }} }}"""
        )
    ]
    (score,) = store.select(
        f"""SELECT ?score ?position (COUNT(?o) AS ?ranked) WHERE {{
          ?a mof:assessedModel <{model}> ; mof:framework mof:OSAI-Index ; mof:score ?score ;
             mof:position ?position .
          ?o mof:framework mof:OSAI-Index ; mof:position ?p }} GROUP BY ?score ?position"""
    )
    return [(g[0], g[1], str(g[2]) if g[2] else None) for g in grades], {
        k: str(v) for k, v in score.items()
    }


def test_a_model_of_the_index_shows_its_grades_score_and_position(
    capsys: pytest.CaptureFixture[str], demo: Path
) -> None:
    before = Store(demo, read_only=True).graph_sizes()
    code, out, err = explain(capsys, demo, INDEX + "OLMo")
    assert code == 0, err
    grades, score = stored(demo, INDEX + "OLMo")
    assert len(grades) == 12
    lines = out.splitlines()
    assert lines[0] == f"OLMo ({INDEX}OLMo)"
    assert f"position {score['position']} of {score['ranked']}" in lines[1]
    assert f"score {float(score['score']):.3f}" in lines[1]
    assert "position 4 of 193" in lines[1]  # as docs/osai-index.md lists the Index's top five
    for label, grade, notes in grades:
        assert f"  {label}: {grade}" in lines
        if notes:
            assert notes.strip().splitlines()[0].strip() in out
    assert "evidence: https://huggingface.co/datasets/allenai/" in out
    assert Store(demo, read_only=True).graph_sizes() == before  # read-only


def test_a_model_reconciled_with_an_index_record_shows_that_record(
    capsys: pytest.CaptureFixture[str], demo: Path
) -> None:
    code, out, err = explain(capsys, demo, MOT + "StarCoder2-15B-Instruct-v0.1")
    assert code == 0, err
    assert f"graded as StarCoder ({INDEX}StarCoder)" in out
    _, score = stored(demo, INDEX + "StarCoder")
    assert f"position {score['position']} of {score['ranked']}" in out


def test_a_model_the_index_does_not_grade_is_refused_with_the_reason(
    capsys: pytest.CaptureFixture[str], demo: Path
) -> None:
    code, out, err = explain(capsys, demo, MOT + "OLMo-7B")
    assert code == 1  # as explain does for a model not assessed under a framework
    assert out == ""
    assert "does not grade OLMo-7B" in err and "reconciliation" in err


def test_an_unknown_model_is_still_refused(capsys: pytest.CaptureFixture[str], demo: Path) -> None:
    code, out, err = explain(capsys, demo, "No-Such-Model")
    assert code == 1 and out == ""
    assert "no model 'No-Such-Model'" in err
