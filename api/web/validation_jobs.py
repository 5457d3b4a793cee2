"""Background validation jobs, kept as files so that every server process can answer for them.

``mofkg serve`` runs several server processes and a client's next request may reach any of
them, so a job lives in a folder beside the store's data, not in a process's memory:

- ``<id>.running`` while it runs, holding the id of the process running it;
- ``<id>.report`` once it is done: JSON, either ``{"conforms": ...}``, with the report
  rendered in each of ``REPORT_KINDS`` when the job finished, gzip-compressed, in
  ``<id>.<kind>.gz`` (written first), or ``{"error": {"status": ..., "message": ...}}``, the
  error it ended with. A status request streams one of those files out as it inflates it,
  never reading a report whole.

The file holds data only (never a pickle), so a file someone slipped into the folder cannot
run code in the server: a ``.report`` that is not what :meth:`JobFolder.finish` writes is
answered as a job that failed on the server (500, logged). The report is written to a
temporary name and renamed, so a reader never sees half of one. Only this server writes the
folder (created ``0700``); job ids are checked to be 32 hex digits before any file is named
after them. Finished jobs are kept an hour, and at most ``MAX_KEPT`` of them; at most
``max_running`` jobs (the setting ``validate_max_jobs``) run at once on the store, counted
under a lock across the server processes, and more are 503 with ``Retry-After``. A job
whose process died (its ``.running`` names a process that is gone) is ended at once, as a
503 to send the dump again, and no longer counts.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mofkg.graphstore.errors import MofkgError, NotFoundError
from mofkg.graphstore.validation.outcome import ValidationReport
from mofkg.graphstore.validation.reports import (
    render,
    render_html_body,
    report_rdf,
    report_triples,
)

from ..errors import BusyError, status_for

log = logging.getLogger(__name__)

#: The folder, inside the store's folder, that holds the jobs.
JOBS_FOLDER = "mofkg-validation-jobs"
MAX_KEPT = 256
JOB_TTL = 3600.0
_ID = re.compile(r"[0-9a-f]{32}")
#: The kinds of report a finished job keeps: those of
#: :func:`mofkg.graphstore.validation.reports.render`,
#: except that ``html`` is the body of the page only (the site's layout goes around it).
REPORT_KINDS = ("json", "html", "turtle", "jsonld", "text")
UNREADABLE = (
    "the report of this validation job is unreadable (logged on the server); send the dump again"
)
ORPHANED = "the server process running this validation stopped; send the dump again"
#: Bytes of a report read (and sent) at a time.
CHUNK = 64 * 1024


def report_body(report: ValidationReport, kind: str) -> str:
    """The report in one of ``REPORT_KINDS``."""
    return render_html_body(report) if kind == "html" else render(report, kind)


@dataclass(frozen=True)
class RenderedReport:
    """A finished job's report as data: whether the dump conforms, and the report in each kind."""

    conforms: bool
    #: The report's text by kind, one for each of ``REPORT_KINDS``.
    bodies: Mapping[str, str]

    @classmethod
    def of(cls, report: ValidationReport) -> RenderedReport:
        """Render ``report`` in every kind a client may ask for (both RDF forms from one
        build of the report's graph, which is most of their cost)."""
        return cls(report.conforms, rendered_bodies(report, REPORT_KINDS))


def rendered_bodies(report: ValidationReport, kinds: Sequence[str]) -> dict[str, str]:
    """``report`` in each of ``kinds`` (of :data:`REPORT_KINDS`), both RDF forms from one
    build of the report's graph."""
    triples = report_triples(report) if {"turtle", "jsonld"} & set(kinds) else None
    return {
        kind: report_rdf(report, kind, triples).decode("utf-8")
        if kind in ("turtle", "jsonld")
        else report_body(report, kind)
        for kind in kinds
    }


@dataclass(frozen=True)
class StoredReport:
    """A finished job's report on disk: whether the dump conforms, and where each kind is."""

    conforms: bool
    #: ``<id>.`` in the jobs folder: each kind is in ``<prefix><kind>.gz``.
    prefix: Path

    def open(self, kind: str) -> gzip.GzipFile:
        """The report in one of ``REPORT_KINDS``, inflated as it is read; ``OSError`` when
        its file is missing or unreadable."""
        return gzip.open(self.prefix.with_name(f"{self.prefix.name}{kind}.gz"), "rb")

    def read(self, kind: str) -> str:
        """The whole report in one kind (for tests and small reports)."""
        with self.open(kind) as f:
            return f.read().decode("utf-8")


def chunks(stream: gzip.GzipFile) -> Iterator[bytes]:
    """An open report's bytes, :data:`CHUNK` at a time; the stream is closed at the end."""
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk


@dataclass(frozen=True)
class JobState:
    """What a job has come to: still running, a report, or an error's status and message."""

    id: str
    running: bool = False
    report: StoredReport | None = None
    error_status: int = 0
    error_message: str = ""


class JobFolder:
    """The validation jobs of one store, shared by the processes that serve it."""

    def __init__(self, folder: Path, *, max_running: int = 2) -> None:
        self.folder = folder
        self.max_running = max_running
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise MofkgError(f"{folder}: cannot create the validation jobs folder: {exc}") from exc

    def _file(self, job_id: str, suffix: str) -> Path:
        if not _ID.fullmatch(job_id):
            raise NotFoundError(f"no validation job {job_id!r} (job ids are 32 hex digits)")
        return self.folder / f"{job_id}{suffix}"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the folder's lock (across processes) while counting and adding jobs."""
        with (self.folder / "lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def check_room(self) -> None:
        """503 when ``max_running`` jobs are running already: asked before a large upload is
        read (:meth:`add` asks again, as another may have started meanwhile)."""
        with self._locked():
            self._check_room()

    def _check_room(self) -> None:
        self._expire()
        running = sum(1 for _ in self.folder.glob("*.running"))
        if running >= self.max_running:
            raise BusyError(
                f"{running} validation jobs are running, the most this server runs at "
                f"once (setting validate_max_jobs: {self.max_running}); retry once one "
                "has finished"
            )

    def add(self) -> str:
        """Start a job: its id. 503 when ``max_running`` jobs are running already."""
        with self._locked():
            self._check_room()
            job_id = uuid.uuid4().hex
            starting = self._file(job_id, ".starting")
            starting.write_text(str(os.getpid()))
            os.replace(starting, self._file(job_id, ".running"))
        return job_id

    def finish(self, job_id: str, report: RenderedReport | None, error: Exception | None) -> None:
        """Keep a job's report, or the error it ended with (as its HTTP status and message).
        The job stops counting as running whatever happens: a report that cannot be kept
        (a full disk) ends the job with a 500 of its own."""
        try:
            self._keep(job_id, report, error)
        except OSError as exc:
            log.error("validation job %s: its report could not be kept", job_id, exc_info=exc)
            failed = {
                "error": {
                    "status": 500,
                    "message": "the report could not be kept "
                    "(logged on the server); send the dump again",
                }
            }
            with contextlib.suppress(OSError):
                self._file(job_id, ".report").write_text(json.dumps(failed), encoding="utf-8")
        finally:
            self._file(job_id, ".running").unlink(missing_ok=True)

    def _keep(self, job_id: str, report: RenderedReport | None, error: Exception | None) -> None:
        payload: dict[str, Any]
        if error is None:
            assert report is not None
            for kind in REPORT_KINDS:
                partial = self._file(job_id, f".{kind}.partial")
                with gzip.open(partial, "wb", compresslevel=6) as out:
                    out.write(report.bodies[kind].encode("utf-8"))
                os.replace(partial, self._file(job_id, f".{kind}.gz"))
            payload = {"conforms": report.conforms}
        else:
            status = status_for(error)
            if status == 500:
                log.error("validation job %s failed", job_id, exc_info=error)
                message = "internal error (logged on the server)"
            else:
                message = str(error)
            payload = {"error": {"status": status, "message": message}}
        temporary = self._file(job_id, ".partial")
        with temporary.open("w", encoding="utf-8") as out:
            json.dump(payload, out)
        os.replace(temporary, self._file(job_id, ".report"))

    def get(self, job_id: str) -> JobState:
        """A job's state; 404 for an id no process knows (or one that has expired)."""
        done = self._file(job_id, ".report")
        try:
            data = done.read_bytes()
        except FileNotFoundError:
            return self._running(job_id)
        try:
            return _state(job_id, json.loads(data), self._file(job_id, "."))
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            # Not what finish() writes: a damaged disk, or a file put there by someone else.
            # Its content is never acted on; the job is answered as failed on our side.
            log.error("validation job %s: %s is not a job report: %s", job_id, done, exc)
            return JobState(job_id, error_status=500, error_message=UNREADABLE)

    def _running(self, job_id: str) -> JobState:
        running = self._file(job_id, ".running")
        if not running.exists():
            if self._file(job_id, ".report").exists():  # finished meanwhile
                return self.get(job_id)
            raise NotFoundError(f"no validation job {job_id} (finished jobs are kept an hour)")
        if not _alive(_pid(running)) and not self._file(job_id, ".report").exists():
            self._orphaned(running)
            return JobState(job_id, error_status=503, error_message=ORPHANED)
        return JobState(job_id, running=True)

    def _orphaned(self, running: Path) -> None:
        """End a job whose process is gone: its report says so, and it no longer counts."""
        job_id = running.name.removesuffix(".running")
        if not self._file(job_id, ".report").exists():
            self.finish(job_id, None, BusyError(ORPHANED))
        running.unlink(missing_ok=True)

    def _expire(self) -> None:
        now = time.time()
        reports = sorted(self.folder.glob("*.report"), key=_mtime)
        for extra, path in enumerate(reports):
            if now - _mtime(path) > JOB_TTL or extra < len(reports) - MAX_KEPT:
                job_id = path.name.removesuffix(".report")
                path.unlink(missing_ok=True)
                for kind in REPORT_KINDS:
                    self._file(job_id, f".{kind}.gz").unlink(missing_ok=True)
        for path in self.folder.glob("*.running"):
            if not _alive(_pid(path)):
                self._orphaned(path)
        for path in self.folder.glob("*.partial"):  # left by a process that died writing
            if now - _mtime(path) > JOB_TTL:
                path.unlink(missing_ok=True)


def _state(job_id: str, payload: Any, prefix: Path) -> JobState:
    """The state a finished job's JSON describes; ValueError for anything else."""
    match payload:
        case {"conforms": bool(conforms)} if len(payload) == 1:
            return JobState(job_id, report=StoredReport(conforms, prefix))
        case {"error": {"status": int(status), "message": str(message)}} if 400 <= status < 600:
            return JobState(job_id, error_status=status, error_message=message)
    raise ValueError("neither a report nor an error")


def _pid(path: Path) -> int:
    """The process id in a ``.running`` file; 0 when the file is gone."""
    try:
        return int(path.read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
