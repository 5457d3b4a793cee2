"""What `mofkg validate` keeps in memory: assessments cut to what the reports read give the
same reports, and share their parts between models."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mofkg.graphstore.frameworks import assessment
from mofkg.graphstore.frameworks.assessment import assess_with, derived_graph
from mofkg.graphstore.frameworks.definition import load_framework
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.synthetic import synthetic_ntriples
from mofkg.graphstore.validation import pipeline as validation
from mofkg.graphstore.validation.pipeline import (
    FRAMEWORK,
    Summaries,
    ValidationReport,
    read_dump,
    read_shapes_files,
    validate_dumps,
)
from mofkg.graphstore.validation.reports import render

MODELS = 300


@dataclass(frozen=True)
class Reports:
    """One validation, reported from full and from summarised assessments, and as it ran."""

    complete: ValidationReport
    summarised: ValidationReport
    validated: ValidationReport


@pytest.fixture(scope="module")
def reports() -> Reports:
    """The same validation reported from the full and from the summarised assessments."""
    dump = read_dump(synthetic_ntriples(MODELS, seed=5).encode(), source_name="s.nt")
    staged = validate_dumps(
        [dump], shapes=read_shapes_files([]), settings=Settings(), keep_store=True
    )
    assert staged.store is not None
    # a small staging store is assessed in place (a working copy would copy all of it)
    assert staged.store.has_graph(str(derived_graph(FRAMEWORK)))
    framework = load_framework(FRAMEWORK)
    full = assess_with(staged.store, framework, write_derived=False)  # on a working copy
    report = staged.report
    complete = ValidationReport(
        sources=report.sources,
        triples=report.triples,
        outcome=report.outcome,
        assessments=full,
        framework=framework,
        shapes_files=report.shapes_files,
        required_class=2,
        lines=report.lines,
    )
    summarised = ValidationReport(**{**vars(complete), "assessments": Summaries().add(full)})
    return Reports(complete, summarised, report)


@pytest.mark.parametrize("kind", ["json", "text", "html"])
def test_summarised_assessments_give_the_same_report(reports: Reports, kind: str) -> None:
    complete, summarised = reports.complete, reports.summarised
    assert render(summarised, kind) == render(complete, kind)
    assert summarised.exit_status == complete.exit_status == 1


def test_the_report_of_a_validation_reads_summaries(
    reports: Reports,
) -> None:
    complete, summarised = reports.complete, reports.summarised
    assert len(summarised.assessments) == len(complete.assessments) == MODELS
    assert [a.model for a in summarised.assessments] == [a.model for a in complete.assessments]
    assert [a.class_number for a in summarised.assessments] == [
        a.class_number for a in complete.assessments
    ]
    # the validation's own (in place) assessments are the batched ones, summarised
    batched = [(a.model, a.class_number, a.progress, a.outcomes) for a in summarised.assessments]
    in_place = [
        (a.model, a.class_number, a.progress, a.outcomes) for a in reports.validated.assessments
    ]
    assert in_place == batched
    assert any(o.state is not None for a in complete.assessments for o in a.outcomes)
    assert all(o.state is None for a in summarised.assessments for o in a.outcomes)
    assert all(a.warnings == () for a in summarised.assessments)
    # equal outcomes and progress are one object for every model that has them
    outcomes = {id(o) for a in summarised.assessments for o in a.outcomes}
    assert len(outcomes) < 100 < sum(len(a.outcomes) for a in summarised.assessments)
    assert len({id(a.progress) for a in summarised.assessments}) < MODELS / 3


@pytest.mark.parametrize("models", [20, 21])
def test_a_large_staging_store_is_assessed_in_batches_writing_nothing(
    models: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above IN_PLACE_MODELS models the staging store gets no derived graph (about 1 GiB at
    50,000 models) and is assessed in batches; up to it, in place (no working copies, which
    cost more than they save at 10,000); either way every model is assessed alike."""
    monkeypatch.setattr(validation, "IN_PLACE_MODELS", 20)
    monkeypatch.setattr(assessment, "BATCH_MODELS", 7)  # 21 models: 3 working copies
    dump = read_dump(synthetic_ntriples(models, seed=2).encode(), source_name="big.nt")
    staged = validate_dumps(
        [dump], shapes=read_shapes_files([]), settings=Settings(), keep_store=True
    )
    assert staged.store is not None
    in_place = staged.store.has_graph(str(derived_graph(FRAMEWORK)))
    assert in_place == (models <= 20)
    assessments = staged.report.assessments
    assert len(assessments) == models
    assert {a.class_number for a in assessments} >= {0, 3}
    # the first 20 models are assessed alike in place and in batches
    first = [(a.model, a.class_number, a.progress, a.outcomes) for a in assessments[:20]]
    if models == 21:
        monkeypatch.setattr(validation, "IN_PLACE_MODELS", 21)
        again = validate_dumps([dump], shapes=read_shapes_files([]), settings=Settings())
        assert [
            (a.model, a.class_number, a.progress, a.outcomes) for a in again.report.assessments[:20]
        ] == first
