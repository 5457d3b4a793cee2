"""Validation jobs as files: any process serving the store answers for any job."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.compare import isomorphic

from mofkg.api.errors import BusyError, status_for
from mofkg.api.web.validate import REPORT_TYPES
from mofkg.api.web.validation_jobs import JOBS_FOLDER, JobFolder, RenderedReport
from mofkg.graphstore.errors import NotFoundError, QueryError
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.validation.pipeline import (
    ValidationReport,
    read_dump,
    read_shapes_files,
    validate_dumps,
)
from mofkg.graphstore.validation.reports import render_text
from tests.test_validate_cli import BAD
from tests.test_validate_http import validate_app, wait_for_job

REPO = Path(__file__).resolve().parents[1]


def a_report() -> ValidationReport:
    dump = read_dump(BAD.encode(), media_type="text/turtle", source_name="upload")
    return validate_dumps([dump], shapes=read_shapes_files([]), settings=Settings()).report


def test_a_job_started_in_one_process_is_read_in_another(tmp_path: Path) -> None:
    ours, theirs = JobFolder(tmp_path / "jobs"), JobFolder(tmp_path / "jobs")
    job_id = ours.add()
    assert theirs.get(job_id).running
    report = a_report()
    ours.finish(job_id, RenderedReport.of(report), None)
    state = theirs.get(job_id)
    assert not state.running and state.report is not None
    assert state.report.conforms is False
    assert state.report.read("text") == render_text(report)
    assert "upload:7: Violation" in state.report.read("text")


def test_a_finished_job_is_kept_as_json_data_and_gzip_reports(tmp_path: Path) -> None:
    """The state is a small JSON file; each kind of report a gzip file beside it (before,
    every kind sat in one JSON file that each status request parsed whole)."""
    jobs = JobFolder(tmp_path / "jobs")
    job_id = jobs.add()
    rendered = RenderedReport.of(a_report())
    jobs.finish(job_id, rendered, None)
    kept = json.loads((tmp_path / "jobs" / f"{job_id}.report").read_bytes())
    assert kept == {"conforms": False}
    for kind in ("json", "html", "turtle", "jsonld", "text"):
        stored = (tmp_path / "jobs" / f"{job_id}.{kind}.gz").read_bytes()
        assert gzip.decompress(stored).decode() == rendered.bodies[kind]
    job_id = jobs.add()
    jobs.finish(job_id, None, QueryError("upload:3: bad IRI"))
    kept = json.loads((tmp_path / "jobs" / f"{job_id}.report").read_bytes())
    assert kept == {"error": {"status": 400, "message": "upload:3: bad IRI"}}


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


def _added_by_a_process_that_ends(folder: Path, *, max_running: int | None = None) -> str:
    """The id of a job that another process added and left running as it ended."""
    limit = "" if max_running is None else f", max_running={max_running}"
    code = (
        "import sys; from pathlib import Path; "
        "from mofkg.api.web.validation_jobs import JobFolder; "
        f"print(JobFolder(Path(sys.argv[1]){limit}).add())"
    )
    started = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return started.stdout.strip()


def test_a_job_whose_process_died_answers_503(tmp_path: Path) -> None:
    state = JobFolder(tmp_path / "jobs").get(_added_by_a_process_that_ends(tmp_path / "jobs"))
    assert not state.running and state.error_status == 503
    assert "stopped" in state.error_message


def test_a_job_whose_process_died_no_longer_counts(tmp_path: Path) -> None:
    """A ``.running`` file of a dead process is ended at once: before, it counted against
    the limit for an hour."""
    orphan = _added_by_a_process_that_ends(tmp_path / "jobs", max_running=1)
    jobs = JobFolder(tmp_path / "jobs", max_running=1)
    jobs.add()  # the dead process's job does not take the one place
    assert not (tmp_path / "jobs" / f"{orphan}.running").exists()
    state = jobs.get(orphan)
    assert (state.error_status, state.running) == (503, False)
    assert "send the dump again" in state.error_message


def test_unknown_and_malformed_ids_are_404(tmp_path: Path) -> None:
    jobs = JobFolder(tmp_path / "jobs")
    (tmp_path / "secret.report").write_bytes(b"not a job")
    for bad in ("0" * 32, "../secret", "../" + "0" * 29, "A" * 32):
        with pytest.raises(NotFoundError):
            jobs.get(bad)


def test_at_most_max_running_jobs(tmp_path: Path) -> None:
    """Jobs beyond the setting validate_max_jobs are 503 (before: 413 beyond 32)."""
    jobs = JobFolder(tmp_path / "jobs", max_running=2)
    started = [jobs.add() for _ in range(2)]
    with pytest.raises(BusyError) as refused:
        JobFolder(tmp_path / "jobs", max_running=2).add()  # another process's count too
    assert status_for(refused.value) == 503
    assert "validate_max_jobs: 2" in str(refused.value)
    jobs.finish(started[0], None, QueryError("done"))
    jobs.add()


# -- over HTTP ---------------------------------------------------------------------------


def _labels_renamed(text: str) -> str:
    """``text`` with its blank node labels renamed in the order they first appear.

    The shapes are read afresh for each validation, so their blank nodes get new labels.
    """
    names: dict[str, str] = {}
    return re.sub(r"_:\w+", lambda m: names.setdefault(m[0], f"_:b{len(names)}"), text)


def _same_report(kind: str, ours: bytes, theirs: bytes) -> bool:
    if kind in ("turtle", "jsonld"):
        return isomorphic(_graph(ours, kind), _graph(theirs, kind))
    return _labels_renamed(ours.decode()) == _labels_renamed(theirs.decode())


def _graph(data: bytes, kind: str) -> Graph:
    """The RDF report as an rdflib graph (read by Oxigraph: rdflib's JSON-LD parser warns)."""
    fmt = ox.RdfFormat.JSON_LD if kind == "jsonld" else ox.RdfFormat.TURTLE
    triples = ox.serialize(ox.parse(data, format=fmt), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=triples, format="nt")


@pytest.mark.parametrize("media_type", list(REPORT_TYPES))
def test_a_job_answers_as_post_validate_does(tmp_path: Path, media_type: str) -> None:
    """The report of a job is POST /validate's for the same dump, in every report type."""
    store = Store(tmp_path / "store")
    accept = {"Accept": media_type}
    at_once = validate_app(store, threshold=len(BAD)).test_client()
    answer = at_once.post("/validate", data=BAD, content_type="text/turtle", headers=accept)
    assert answer.status_code == 200
    as_job = validate_app(store, threshold=len(BAD) - 1).test_client()
    started = as_job.post("/validate", data=BAD, content_type="text/turtle", headers=accept)
    assert started.status_code == 202
    job = wait_for_job(as_job, started.headers["Location"], accept=media_type)
    assert job.status_code == 200
    for header in ("Content-Type", "X-Mofkg-Conforms", "Vary"):
        assert job.headers[header] == answer.headers[header]
    assert _same_report(REPORT_TYPES[media_type], job.get_data(), answer.get_data())
    again = as_job.get(started.headers["Location"], headers=accept)
    assert again.get_data() == job.get_data()  # rendered once, when the job finished


class Planted:
    """A pickle that, once loaded, makes the folder ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize(
    "planted",
    [
        "pickle",
        b"\x00\xff garbage",
        b'{"conforms": true, "reports": {"text": "only one kind"}}',
        b'{"error": {"status": 200, "message": "not an error"}}',
        b"[" * 100_000,
    ],
)
def test_a_report_file_that_is_not_ours_is_never_loaded(tmp_path: Path, planted: Any) -> None:
    """A ``.report`` someone else wrote is a job that failed on the server: 500, logged.

    Not a 404 (the job exists), nor a 503 (sending the same request again will not help):
    the file is ours to write, so a bad one is our fault, and the client can only send the
    dump again.
    """
    marker = tmp_path / "marker"
    if planted == "pickle":
        pickle.loads(pickle.dumps(Planted(tmp_path / "check")))  # loading it does run code
        assert (tmp_path / "check").is_dir()
        planted = pickle.dumps(Planted(marker))
    client: FlaskClient = validate_app(Store(tmp_path / "store"), threshold=10).test_client()
    started = client.post("/validate", data=BAD, content_type="text/turtle")
    location = started.headers["Location"]
    assert wait_for_job(client, location).status_code == 200
    job_id = location.rsplit("/", 1)[1]
    (tmp_path / "store" / JOBS_FOLDER / f"{job_id}.report").write_bytes(planted)
    for accept in REPORT_TYPES:
        answer = client.get(location, headers={"Accept": accept})
        assert answer.status_code == 500
        assert answer.content_type == "text/plain; charset=utf-8"
        assert "report of this validation job is unreadable" in answer.get_data(as_text=True)
        assert "send the dump again" in answer.get_data(as_text=True)
    assert not marker.exists()


def test_a_report_whose_gzip_file_is_gone_is_500_unreadable(tmp_path: Path) -> None:
    """The state says the job is done but the report of the kind asked for is missing (a
    damaged disk, a hand in the folder): 500, logged, 'send the dump again'."""
    client: FlaskClient = validate_app(Store(tmp_path / "store"), threshold=10).test_client()
    location = client.post("/validate", data=BAD, content_type="text/turtle").headers["Location"]
    assert wait_for_job(client, location).status_code == 200
    job_id = location.rsplit("/", 1)[1]
    (tmp_path / "store" / JOBS_FOLDER / f"{job_id}.text.gz").unlink()
    answer = client.get(location, headers={"Accept": "text/plain"})
    assert answer.status_code == 500
    assert "report of this validation job is unreadable" in answer.get_data(as_text=True)
    assert client.get(location, headers={"Accept": "text/html"}).status_code == 200


def test_a_report_that_cannot_be_kept_ends_the_job_with_500(tmp_path: Path) -> None:
    """A failure while the report was written (a full disk; here a folder where a file must
    go) left the job 'running' for good, counting against validate_max_jobs: with two such
    jobs, every large /validate was 503 (found by a review)."""
    jobs = JobFolder(tmp_path / "jobs", max_running=1)
    job_id = jobs.add()
    (tmp_path / "jobs" / f"{job_id}.json.partial").mkdir()
    jobs.finish(job_id, RenderedReport.of(a_report()), None)
    state = jobs.get(job_id)
    assert (state.running, state.error_status) == (False, 500)
    assert "the report could not be kept" in state.error_message
    jobs.add()  # the one place is free again
