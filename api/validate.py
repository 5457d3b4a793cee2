"""POST /validate: a dump in, a validation report out; nothing is ever stored.

The dump is the request body (its ``Content-Type`` names the format; gzip by
``Content-Encoding: gzip`` or by its magic bytes) or the ``file`` field of a multipart upload.
The report's format is negotiated from ``Accept``: JSON summary (the default), HTML, Turtle or
JSON-LD (the standard ``sh:ValidationReport``), or plain text. Bodies over ``max_body`` are
refused (413); a dump over the setting ``validate_job_threshold`` (bytes) is validated in
the background: 202
with ``Location: /validate/jobs/<id>``, where the report is served once it is ready (202
until then). The dump is staged in a fresh in-memory store, so the catalogue is never touched.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from graphstore.errors import MofkgError, NotFoundError, RdfSyntaxError, TooLargeError
from graphstore.loading import GZIP_MAGIC
from graphstore.reports import render, render_html_body
from graphstore.settings import Settings
from graphstore.validation import (
    ShapesSet,
    ValidationReport,
    read_dump,
    read_shapes_files,
    validate_dumps,
)

from .errors import NotAcceptableError
from .negotiation import best_match, content_type
from .state import EXTENSION

bp = Blueprint("validate", __name__, template_folder="templates")

#: Dumps larger than this (bytes, after decompression) run as a background job.
#: Proposed as the setting ``validate_job_threshold``; the app config key overrides it.
#: How many times ``max_body`` a gzip body may inflate to (413 beyond).
MAX_INFLATE_RATIO = 20
#: Jobs kept at most, and for how long after they finish (seconds).
MAX_JOBS = 32
JOB_TTL = 3600.0
MOT_MEDIA_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

#: Report media types, the default (for no Accept or */*) first, and the report each gives.
REPORT_TYPES: dict[str, str] = {
    "application/json": "json",
    "text/html": "html",
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "text/plain": "text",
}


@dataclass
class Job:
    """A validation running in a background thread."""

    id: str
    created: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    finished: float | None = None
    report: ValidationReport | None = None
    error: Exception | None = None


@dataclass
class JobTable:
    """Jobs by id, bounded in number and age; the oldest finished ones go first."""

    jobs: OrderedDict[str, Job] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self) -> Job:
        job = Job(id=uuid.uuid4().hex)
        with self.lock:
            self._expire()
            if len(self.jobs) >= MAX_JOBS:
                raise TooLargeError(
                    f"{MAX_JOBS} validation jobs are running; retry once one has finished"
                )
            self.jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job:
        with self.lock:
            self._expire()
            job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no validation job {job_id} (finished jobs are kept an hour)")
        return job

    def _expire(self) -> None:
        now = time.monotonic()
        for key, job in list(self.jobs.items()):
            if job.finished is not None and now - job.finished > JOB_TTL:
                del self.jobs[key]
        finished = [k for k, j in self.jobs.items() if j.finished is not None]
        while len(self.jobs) >= MAX_JOBS and finished:
            del self.jobs[finished.pop(0)]


def _jobs(app: Flask) -> JobTable:
    table: JobTable = app.extensions.setdefault("mofkg.validate_jobs", JobTable())
    return table


def _settings() -> Settings:
    state: Any = current_app.extensions[EXTENSION]
    settings: Settings = state.settings
    return settings


def _inflate(data: bytes, source: str, limit: int) -> bytes:
    """Decompress gzip with a bound on the output (a small body can inflate without end)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise RdfSyntaxError(source, f"broken gzip data ({exc})") from exc
    if len(out) > limit:
        raise TooLargeError(f"{source}: the dump inflates to more than {limit} bytes")
    if not inflater.eof:
        raise RdfSyntaxError(source, "broken gzip data (the stream is truncated)")
    return out


@dataclass(frozen=True)
class Upload:
    data: bytes
    source: str
    media_type: str | None


def _upload(settings: Settings) -> Upload:
    if request.content_length is not None and request.content_length > settings.max_body:
        raise TooLargeError(f"the body is over the limit of {settings.max_body} bytes")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise MofkgError("a multipart upload needs the dump in the field 'file'")
        name = upload.filename or "upload"
        media = upload.mimetype if upload.mimetype not in ("", "application/octet-stream") else None
        data, encoding = upload.read(), None
    else:
        name, media = "upload", request.mimetype or None
        data = request.get_data(cache=False)
        encoding = request.headers.get("Content-Encoding", "").strip().lower() or None
    if len(data) > settings.max_body:
        raise TooLargeError(f"the body is over the limit of {settings.max_body} bytes")
    if encoding not in (None, "identity", "gzip", "x-gzip"):
        raise MofkgError(f"unsupported Content-Encoding {encoding!r}; use gzip")
    if encoding in ("gzip", "x-gzip") or data[:2] == GZIP_MAGIC:
        data = _inflate(data, name, settings.max_body * MAX_INFLATE_RATIO)
    return Upload(data=data, source=name, media_type=media)


def _run(upload: Upload, settings: Settings, shapes: ShapesSet) -> ValidationReport:
    mot = upload.media_type in MOT_MEDIA_TYPES or (
        upload.media_type is None and upload.source.lower().endswith((".yml", ".yaml"))
    )
    dump = read_dump(
        upload.data,
        format="mot" if mot else None,
        media_type=None if mot else upload.media_type,
        source_name=upload.source,
    )
    return validate_dumps([dump], shapes=shapes, settings=settings).report


def _report_kind() -> str:
    accept = request.headers.get("Accept")
    chosen = best_match(accept, list(REPORT_TYPES))
    if chosen is None:
        raise NotAcceptableError(
            f"Accept {accept!r} matches none of the report types: {', '.join(REPORT_TYPES)}"
        )
    return chosen


def _report_response(report: ValidationReport, media_type: str) -> Response:
    kind = REPORT_TYPES[media_type]
    if kind == "html" and "pages" in current_app.blueprints:
        body = render_template("report.html", report=report, body=render_html_body(report))
    else:
        body = render(report, kind)
    response = Response(body, status=200, content_type=content_type(media_type))
    response.headers["X-Mofkg-Conforms"] = "true" if report.conforms else "false"
    response.headers["Vary"] = "Accept"
    return response


@bp.post("/validate")
def validate() -> Response:
    """Validate the dump in the request; the report, or 202 and a job for a large dump."""
    settings = _settings()
    media_type = _report_kind()
    upload = _upload(settings)
    shapes = read_shapes_files([])
    if len(upload.data) <= settings.validate_job_threshold:
        return _report_response(_run(upload, settings, shapes), media_type)
    job = _jobs(current_app).add()

    def work() -> None:
        try:
            job.report = _run(upload, settings, shapes)
        except Exception as exc:  # noqa: BLE001 - kept for the status URL to answer
            job.error = exc
        finally:
            job.finished = time.monotonic()
            job.done.set()

    threading.Thread(target=work, name=f"validate-{job.id}", daemon=True).start()
    return _accepted(job)


def _accepted(job: Job) -> Response:
    location = url_for("validate.job_status", job_id=job.id)
    body = json.dumps({"status": "running", "job": job.id, "location": location})
    response = Response(body, status=202, content_type="application/json")
    response.headers["Location"] = location
    response.headers["Retry-After"] = "1"
    return response


@bp.get("/validate/jobs/<job_id>")
def job_status(job_id: str) -> Response:
    """A job's report once it is done (negotiated like POST /validate); 202 while it runs."""
    media_type = _report_kind()
    job = _jobs(current_app).get(job_id)
    if not job.done.is_set():
        return _accepted(job)
    if job.error is not None:
        raise job.error
    assert job.report is not None
    return _report_response(job.report, media_type)
