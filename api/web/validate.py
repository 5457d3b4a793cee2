"""POST /validate: a dump in, a validation report out; nothing is ever stored.

The dump is the request body (its ``Content-Type`` names the format; gzip by
``Content-Encoding: gzip`` or by its magic bytes) or the ``file`` field of a multipart upload.
It is read as it comes and inflated within ``max_body``, like every other body; when it may
become a job and none can start, it is refused (503) before it is read.
The report's format is negotiated from ``Accept``: JSON summary (the default), HTML, Turtle or
JSON-LD (the standard ``sh:ValidationReport``), or plain text. Bodies over ``max_body`` are
refused (413); a dump over the setting ``validate_job_threshold`` (bytes) is validated in
the background: 202
with ``Location: /validate/jobs/<id>``, where the report is served once it is ready (202
until then; the jobs are files, :mod:`mofkg.api.web.validation_jobs`, so that any server process
answers; a job keeps its report rendered in every kind, so each of its answers is the one the
same dump gets from POST /validate, up to blank node labels). The dump is staged in a fresh
in-memory store, so the catalogue is never touched.
"""

from __future__ import annotations

import atexit
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from mofkg.graphstore.settings import Settings

from ..errors import NotAcceptableError, OutOfMemoryError
from ..protocol.negotiation import best_match, content_type
from ..server.limits import describe_bytes
from ..server.state import EXTENSION, endpoint
from . import TEMPLATES
from .validation_child import dump_of, run_validation, validate_in_child
from .validation_form import read_request
from .validation_jobs import (
    JOBS_FOLDER,
    REPORT_KINDS,
    UNREADABLE,
    JobFolder,
    RenderedReport,
    chunks,
    report_body,
)

log = logging.getLogger(__name__)

bp = Blueprint("validate", __name__, template_folder=TEMPLATES)
#: Where an app keeps its :class:`JobFolder`.
JOBS_EXTENSION = "mofkg.validate_jobs"


#: Report media types, the default (for no Accept or */*) first, and the report each gives
#: (one of :data:`mofkg.api.web.validation_jobs.REPORT_KINDS`).
REPORT_TYPES: dict[str, str] = {
    "application/json": "json",
    "text/html": "html",
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "text/plain": "text",
}


def _jobs(app: Flask) -> JobFolder:
    """The jobs folder of the app's store, shared with the other server processes."""
    folder: JobFolder | None = app.extensions.get(JOBS_EXTENSION)
    if folder is None:
        path = app.extensions[EXTENSION].store.path
        if path is None:  # an in-memory store serves one process: a private folder will do
            path = Path(tempfile.mkdtemp(prefix="mofkg-"))
            atexit.register(shutil.rmtree, path, True)
        # Two first requests at once must end up with the same folder.
        jobs = JobFolder(path / JOBS_FOLDER, max_running=_settings_of(app).validate_max_jobs)
        folder = app.extensions.setdefault(JOBS_EXTENSION, jobs)
    return folder


def _settings_of(app: Flask) -> Settings:
    state: Any = app.extensions[EXTENSION]
    settings: Settings = state.settings
    return settings


def _settings() -> Settings:
    return _settings_of(current_app)


def _report_kind() -> str:
    accept = request.headers.get("Accept")
    chosen = best_match(accept, list(REPORT_TYPES))
    if chosen is None:
        raise NotAcceptableError(
            f"Accept {accept!r} matches none of the report types: {', '.join(REPORT_TYPES)}"
        )
    return chosen


#: Stands for the report's body in the page, which is cut there to stream the body in.
_BODY_MARK = "\x00mofkg-report-body\x00"


def _report_response(conforms: bool, body: str | Iterator[bytes], media_type: str) -> Response:
    """The answer carrying a report's ``body`` (in the kind ``media_type`` gives): text,
    or the bytes of a stored report, streamed."""
    if REPORT_TYPES[media_type] == "html":
        if isinstance(body, str):
            body = render_template("report.html", conforms=conforms, body=body)
        else:
            page = render_template("report.html", conforms=conforms, body=_BODY_MARK)
            head, tail = page.split(_BODY_MARK)
            body = _around(head.encode("utf-8"), body, tail.encode("utf-8"))
    response = Response(body, status=200, content_type=content_type(media_type))
    response.headers["X-Mofkg-Conforms"] = "true" if conforms else "false"
    response.headers["Vary"] = "Accept"
    return response


def _out_of_memory(settings: Settings) -> OutOfMemoryError:
    return OutOfMemoryError(
        "the validation ran out of memory and was stopped (the limit is "
        f"{describe_bytes(settings.memory_limit)} per server process, setting memory_limit); "
        "send a smaller dump"
    )


@bp.post("/validate")
def validate() -> Response:
    """Validate the dump in the request; the report, or 202 and a job for a large dump.

    Past the process's memory cap (:mod:`mofkg.api.server.limits`) Python's side of the work raises
    :class:`MemoryError`: 503 naming the limit, not an internal error.
    """
    settings = _settings()
    try:
        return _validate(settings)
    except MemoryError:
        raise _out_of_memory(settings) from None


def _validate(settings: Settings) -> Response:
    media_type = _report_kind()
    length = request.content_length
    if length is None or length > settings.validate_job_threshold:
        # It may well be a job: refused (503) before it is read if no job can start.
        _jobs(current_app).check_room()
    sent = read_request(settings)
    upload, shapes = sent.dump, sent.shapes
    dump = dump_of(upload, settings)
    # The user's own shapes run in a process of their own, stopped at the query timeout.
    in_child = len(shapes.user) > 0
    if len(upload.data) <= settings.validate_job_threshold:
        kind = REPORT_TYPES[media_type]
        if in_child:
            with endpoint().lane.waiting():  # the child runs it: other requests may run Python
                conforms, bodies = validate_in_child(upload, shapes, settings, (kind,))
            return _report_response(conforms, bodies[kind], media_type)
        report = run_validation(dump, settings, shapes)
        return _report_response(report.conforms, report_body(report, kind), media_type)
    jobs = _jobs(current_app)
    job_id = jobs.add()

    def work() -> None:
        rendered: RenderedReport | None = None
        error: Exception | None = None
        try:
            if in_child:
                rendered = RenderedReport(
                    *validate_in_child(upload, shapes, settings, REPORT_KINDS)
                )
            else:
                rendered = RenderedReport.of(run_validation(dump, settings, shapes))
        except MemoryError:
            error = _out_of_memory(settings)
        except Exception as exc:  # noqa: BLE001 - kept for the status URL to answer
            error = exc
        jobs.finish(job_id, rendered, error)

    threading.Thread(target=work, name=f"validate-{job_id}", daemon=True).start()
    return _accepted(job_id)


def _accepted(job_id: str) -> Response:
    location = url_for("validate.job_status", job_id=job_id)
    body = json.dumps({"status": "running", "job": job_id, "location": location})
    response = Response(body, status=202, content_type="application/json")
    response.headers["Location"] = location
    response.headers["Retry-After"] = "1"
    return response


@bp.get("/validate/jobs/<job_id>")
def job_status(job_id: str) -> Response:
    """A job's report once it is done (negotiated like POST /validate); 202 while it runs."""
    media_type = _report_kind()
    job = _jobs(current_app).get(job_id)
    if job.running:
        return _accepted(job_id)
    if job.report is None:
        return Response(
            job.error_message + "\n",
            status=job.error_status,
            content_type="text/plain; charset=utf-8",
        )
    try:
        stream = job.report.open(REPORT_TYPES[media_type])
    except OSError as exc:  # not what finish() leaves: the job failed on our side
        log.error("validation job %s: its report cannot be read: %s", job_id, exc)
        return Response(UNREADABLE + "\n", status=500, content_type="text/plain; charset=utf-8")
    return _report_response(job.report.conforms, chunks(stream), media_type)


def _around(head: bytes, body: Iterator[bytes], tail: bytes) -> Iterator[bytes]:
    yield head
    yield from body
    yield tail
