"""Background validation jobs, kept as files so that every server process can answer for them.

``mofkg serve`` runs several server processes and a client's next request may reach any of
them, so a job lives in a folder beside the store's data, not in a process's memory:

- ``<id>.running`` while it runs, holding the id of the process running it;
- ``<id>.report`` once it is done: the pickled report, or the status and message of the
  error it ended with.

The report is written to a temporary name and renamed, so a reader never sees half of one.
Only this server writes the folder (created ``0700``); job ids are checked to be 32 hex
digits before any file is named after them. Finished jobs are kept an hour, and at most
``MAX_KEPT`` of them; at most ``MAX_RUNNING`` jobs run at once.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from graphstore.errors import MofkgError, NotFoundError, TooLargeError
from graphstore.validation import ValidationReport

from .errors import status_for

log = logging.getLogger(__name__)

#: The folder, inside the store's folder, that holds the jobs.
JOBS_FOLDER = "mofkg-validation-jobs"
MAX_RUNNING = 32
MAX_KEPT = 256
JOB_TTL = 3600.0
_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class JobState:
    """What a job has come to: still running, a report, or an error's status and message."""

    id: str
    running: bool = False
    report: ValidationReport | None = None
    error_status: int = 0
    error_message: str = ""


class JobFolder:
    """The validation jobs of one store, shared by the processes that serve it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise MofkgError(f"{folder}: cannot create the validation jobs folder: {exc}") from exc

    def _file(self, job_id: str, suffix: str) -> Path:
        if not _ID.fullmatch(job_id):
            raise NotFoundError(f"no validation job {job_id!r} (job ids are 32 hex digits)")
        return self.folder / f"{job_id}{suffix}"

    def add(self) -> str:
        """Start a job: its id. 413 when ``MAX_RUNNING`` jobs are running already."""
        self._expire()
        if sum(1 for _ in self.folder.glob("*.running")) >= MAX_RUNNING:
            raise TooLargeError(
                f"{MAX_RUNNING} validation jobs are running; retry once one has finished"
            )
        job_id = uuid.uuid4().hex
        starting = self._file(job_id, ".starting")
        starting.write_text(str(os.getpid()))
        os.replace(starting, self._file(job_id, ".running"))
        return job_id

    def finish(self, job_id: str, report: ValidationReport | None, error: Exception | None) -> None:
        """Keep a job's report, or the error it ended with (as its HTTP status and message)."""
        if error is None:
            payload: object = report
        else:
            status = status_for(error)
            if status == 500:
                log.error("validation job %s failed", job_id, exc_info=error)
                message = "internal error (logged on the server)"
            else:
                message = str(error)
            payload = (status, message)
        temporary = self._file(job_id, ".partial")
        temporary.write_bytes(pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, self._file(job_id, ".report"))
        self._file(job_id, ".running").unlink(missing_ok=True)

    def get(self, job_id: str) -> JobState:
        """A job's state; 404 for an id no process knows (or one that has expired)."""
        done = self._file(job_id, ".report")
        try:
            payload = pickle.loads(done.read_bytes())
        except FileNotFoundError:
            return self._running(job_id)
        if isinstance(payload, tuple):
            status, message = payload
            return JobState(job_id, error_status=status, error_message=message)
        return JobState(job_id, report=payload)

    def _running(self, job_id: str) -> JobState:
        running = self._file(job_id, ".running")
        if not running.exists():
            if self._file(job_id, ".report").exists():  # finished meanwhile
                return self.get(job_id)
            raise NotFoundError(f"no validation job {job_id} (finished jobs are kept an hour)")
        if not _alive(_pid(running)) and not self._file(job_id, ".report").exists():
            return JobState(
                job_id,
                error_status=503,
                error_message="the server process running this validation stopped; "
                "send the dump again",
            )
        return JobState(job_id, running=True)

    def _expire(self) -> None:
        now = time.time()
        reports = sorted(self.folder.glob("*.report"), key=_mtime)
        for extra, path in enumerate(reports):
            if now - _mtime(path) > JOB_TTL or extra < len(reports) - MAX_KEPT:
                path.unlink(missing_ok=True)
        for path in self.folder.glob("*.running"):
            if now - _mtime(path) > JOB_TTL and not _alive(_pid(path)):
                path.unlink(missing_ok=True)


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
