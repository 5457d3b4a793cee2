"""Validation jobs as files: any process serving the store answers for any job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.validation_jobs import MAX_RUNNING, JobFolder
from graphstore.errors import NotFoundError, QueryError, TooLargeError
from graphstore.reports import render_text
from graphstore.settings import Settings
from graphstore.validation import ValidationReport, read_dump, read_shapes_files, validate_dumps
from tests.test_validate_cli import BAD

REPO = Path(__file__).resolve().parents[1]


def a_report() -> ValidationReport:
    dump = read_dump(BAD.encode(), media_type="text/turtle", source_name="upload")
    return validate_dumps([dump], shapes=read_shapes_files([]), settings=Settings()).report


def test_a_job_started_in_one_process_is_read_in_another(tmp_path: Path) -> None:
    ours, theirs = JobFolder(tmp_path / "jobs"), JobFolder(tmp_path / "jobs")
    job_id = ours.add()
    assert theirs.get(job_id).running
    report = a_report()
    ours.finish(job_id, report, None)
    state = theirs.get(job_id)
    assert not state.running and state.report is not None
    assert state.report.conforms is False
    assert render_text(state.report) == render_text(report)
    assert "upload:7: Violation" in render_text(state.report)


def test_an_error_is_kept_as_status_and_message(tmp_path: Path) -> None:
    jobs = JobFolder(tmp_path / "jobs")
    job_id = jobs.add()
    jobs.finish(job_id, None, QueryError("upload:3: bad IRI"))
    state = jobs.get(job_id)
    assert (state.error_status, state.error_message) == (400, "upload:3: bad IRI")
    job_id = jobs.add()
    jobs.finish(job_id, None, RuntimeError("a bug with secrets in its message"))
    state = jobs.get(job_id)
    assert state.error_status == 500 and "secrets" not in state.error_message


def test_a_job_whose_process_died_answers_503(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from api.validation_jobs import JobFolder; "
        "print(JobFolder(Path(sys.argv[1])).add())"
    )
    started = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "jobs")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    state = JobFolder(tmp_path / "jobs").get(started.stdout.strip())
    assert not state.running and state.error_status == 503
    assert "stopped" in state.error_message


def test_unknown_and_malformed_ids_are_404(tmp_path: Path) -> None:
    jobs = JobFolder(tmp_path / "jobs")
    (tmp_path / "secret.report").write_bytes(b"not a job")
    for bad in ("0" * 32, "../secret", "../" + "0" * 29, "A" * 32):
        with pytest.raises(NotFoundError):
            jobs.get(bad)


def test_at_most_max_running_jobs(tmp_path: Path) -> None:
    jobs = JobFolder(tmp_path / "jobs")
    started = [jobs.add() for _ in range(MAX_RUNNING)]
    with pytest.raises(TooLargeError):
        jobs.add()
    jobs.finish(started[0], None, QueryError("done"))
    jobs.add()
