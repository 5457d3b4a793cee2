"""POST /validate with the user's own shapes, run in a child process that can be stopped.

A user's shapes are queries over the dump (SHACL-SPARQL constraints and targets, property
paths, qualified shapes): their cost has no bound that the size of the dump sets, and neither
Oxigraph nor pySHACL can be stopped from another thread. So a validation with user shapes runs
in a process of its own, under the server process's memory cap (setting ``memory_limit``) and
the query timeout (setting ``query_timeout``): past either it is killed and the request gets
504 or 503, and nothing else in the server waits on it.

The parent sends the request's parts (the dump's bytes as sent, the shapes, the settings) as
one pickle on the child's standard input; the child reads the dump again, validates, and
answers with one pickle on its standard output: ``("ok", conforms, bodies)`` with the report
in each kind asked for, or ``("error", exception)`` for an error of the request's (a
:class:`~mofkg.graphstore.errors.MofkgError`, mapped to its status as if raised here).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from ...graphstore.errors import MofkgError, QueryTimeoutError
from ...graphstore.settings import Settings
from ...graphstore.validation.dumps import Dump, ShapesSet
from ...graphstore.validation.outcome import ValidationReport
from ...graphstore.validation.pipeline import read_dump, validate_dumps
from ..errors import OutOfMemoryError
from ..server.limits import OUT_OF_MEMORY_STATUSES, describe_bytes, limit_memory
from .validation_bounds import check_bounds
from .validation_form import Upload
from .validation_jobs import rendered_bodies, report_body

#: Media types of MOT YAML records sent as the dump.
MOT_MEDIA_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def dump_of(upload: Upload, settings: Settings) -> Dump:
    """The upload read as a dump, within the bounds of :mod:`mofkg.api.web.validation_bounds`
    (413)."""
    mot = upload.media_type in MOT_MEDIA_TYPES or (
        upload.media_type is None and upload.source.lower().endswith((".yml", ".yaml"))
    )
    dump = read_dump(
        upload.data,
        format="mot" if mot else None,
        media_type=None if mot else upload.media_type,
        source_name=upload.source,
        max_depth=settings.max_input_depth,
    )
    check_bounds(
        dump,
        max_triples=settings.validate_max_triples,
        max_models=settings.validate_max_models,
    )
    return dump


def run_validation(dump: Dump, settings: Settings, shapes: ShapesSet) -> ValidationReport:
    report = validate_dumps([dump], shapes=shapes, settings=settings).report
    report.max_results = settings.validate_max_results
    return report


def validate_in_child(
    upload: Upload, shapes: ShapesSet, settings: Settings, kinds: Sequence[str]
) -> tuple[bool, dict[str, str]]:
    """Validate ``upload`` with ``shapes`` in a child process: whether it conforms, and the
    report in each of ``kinds`` (those of :data:`~.validation_jobs.REPORT_KINDS`).

    Raises :class:`QueryTimeoutError` past ``settings.query_timeout`` and
    :class:`OutOfMemoryError` past ``settings.memory_limit``, the child killed either way.
    """
    payload = pickle.dumps((upload, shapes, settings, tuple(kinds)))
    child = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = child.communicate(payload, timeout=settings.query_timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise QueryTimeoutError(
            f"the validation with your shapes ran past {settings.query_timeout:g} s (setting "
            "query_timeout) and was stopped; simplify the shapes, send a smaller dump, or run "
            "`mofkg validate --shapes` on your own machine"
        ) from None
    finally:
        if child.poll() is None:  # the request itself was cut short: the child goes too
            child.kill()
            child.wait()
    if child.returncode in OUT_OF_MEMORY_STATUSES or b"MemoryError" in err[-2000:]:
        raise OutOfMemoryError(
            "the validation with your shapes ran out of memory and was stopped (the limit is "
            f"{describe_bytes(settings.memory_limit)} per process, setting memory_limit); "
            "send a smaller dump or simpler shapes"
        )
    if child.returncode != 0 or not out:
        raise RuntimeError(
            f"the validation process ended with status {child.returncode}: "
            f"{err.decode('utf-8', 'replace')[-2000:]}"
        )
    answer: tuple[Any, ...] = pickle.loads(out)
    if answer[0] == "error":
        raise answer[1]
    return answer[1], answer[2]


def _main() -> None:
    upload, shapes, settings, kinds = pickle.loads(sys.stdin.buffer.read())
    if settings.memory_limit:
        limit_memory(settings.memory_limit)
    try:
        report = run_validation(dump_of(upload, settings), settings, shapes)
        if len(kinds) == 1:
            bodies = {kinds[0]: report_body(report, kinds[0])}
        else:
            bodies = rendered_bodies(report, kinds)
        answer: tuple[Any, ...] = ("ok", report.conforms, bodies)
    except MofkgError as exc:
        try:
            answer = ("error", pickle.loads(pickle.dumps(exc)))
        except Exception:  # noqa: BLE001 - an error class that does not pickle: its text
            answer = ("error", MofkgError(str(exc)))
    sys.stdout.buffer.write(pickle.dumps(answer))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _main()
