"""What a POST /validate request sends: the dump, and in a multipart form the user's shapes.

A plain body is the dump alone. A ``multipart/form-data`` request has the fields:

- ``file``: the dump (once);
- ``shapes``: a SHACL shapes file of the user's (a file part, or a text field), in any RDF
  format ``mofkg validate --shapes`` reads (from the part's type, else its file name, else
  Turtle); it may be given more than once, as ``--shapes`` may;
- ``with_catalogue``: ``true`` or ``false`` (the default): the shapes also see the ontology
  and licence graph staged beside the dump (``--with-catalogue``);
- ``replace_shapes``: ``true`` or ``false`` (the default): only the user's shapes decide
  conformance, not the metadata shapes (``--replace-shapes``).

Every part is read through the one bounded reader (gzip by its magic bytes, gzip inside gzip
refused), all of them within ONE budget of ``max_body`` bytes after inflation (413). Any
other field, a field sent twice (but ``shapes``), a value other than ``true`` / ``false``,
and any query parameter are refused (400), each named with what is allowed. A SPARQL query
in the shapes (SHACL-SPARQL constraints and targets, which pySHACL and Oxigraph would run)
may not reach beyond the dump: ``SERVICE``, ``LOAD`` and ``FROM`` of an IRI not on the
setting ``service_allow`` are refused (400), as on ``/sparql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from flask import request
from rdflib import Literal
from rdflib.namespace import SH

from mofkg.graphstore.errors import MofkgError, QueryError
from mofkg.graphstore.query.policy import Policy
from mofkg.graphstore.rdfio.bounded_input import Budget, read_bounded
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.validation.dumps import (
    ShapesFileError,
    ShapesSet,
    ShapesSource,
    read_shapes_sources,
)

from ..errors import BadRequestError
from ..server.bodies import decoded, require_utf8

#: The fields of a multipart request, and whether each may be given more than once.
FIELDS: dict[str, bool] = {
    "file": False,
    "shapes": True,
    "with_catalogue": False,
    "replace_shapes": False,
}
#: The values of a yes-or-no field.
BOOLEANS = {"true": True, "false": False}
#: The shapes' predicates whose values are SPARQL queries run over the dump.
SPARQL_TEXTS = (SH.select, SH.ask, SH.construct, SH.update)


@dataclass(frozen=True)
class Upload:
    """One part as its sender meant it (gzip inflated)."""

    data: bytes
    source: str
    media_type: str | None


@dataclass(frozen=True)
class ValidationRequest:
    """The dump and the shapes to run, as the request gives them."""

    dump: Upload
    shapes: ShapesSet


def read_request(settings: Settings) -> ValidationRequest:
    """The dump and shapes of the current POST /validate request (400 / 413 / 415 on bad
    input)."""
    if request.args:
        names = ", ".join(sorted(request.args))
        raise BadRequestError(
            f"POST /validate takes no query parameters (given: {names}); send the dump as the "
            f"body, or a multipart form with the fields {', '.join(FIELDS)}"
        )
    if request.mimetype != "multipart/form-data":
        require_utf8(dict(request.mimetype_params), what="the request body")
        data = decoded(
            request.stream,
            encoding=request.headers.get("Content-Encoding"),
            limit=settings.max_body,
            source="upload",
        )
        dump = Upload(data=data, source="upload", media_type=request.mimetype or None)
        return ValidationRequest(dump=dump, shapes=read_shapes_sources([]))
    _check_fields()
    budget = Budget(settings.max_body)
    upload = request.files.get("file")
    if upload is None:
        raise MofkgError("a multipart upload needs the dump in the field 'file'")
    dump = _part(upload.stream, upload.filename or "upload", upload.mimetype, upload, budget)
    sources = []
    for i, part in enumerate(request.files.getlist("shapes")):
        name = part.filename or f"shapes{i + 1 if i else ''}"
        got = _part(part.stream, name, part.mimetype, part, budget)
        sources.append(ShapesSource(got.source, got.data, got.media_type))
    for text in request.form.getlist("shapes"):
        name = f"shapes{len(sources) + 1 if sources else ''}"
        data = text.encode("utf-8")
        budget.start()
        budget.take(len(data), name)
        sources.append(ShapesSource(name, data, None))
    with_catalogue = _boolean("with_catalogue")
    replace = _boolean("replace_shapes")
    if not sources:
        given = [f for f in ("with_catalogue", "replace_shapes") if _given(f)]
        if given:
            raise BadRequestError(
                f"the field {given[0]} applies to the user's shapes: send them in the field "
                "'shapes'"
            )
    shapes = read_shapes_sources(sources, replace=replace, with_catalogue=with_catalogue)
    _check_queries(shapes, [s.name for s in sources], settings)
    return ValidationRequest(dump=dump, shapes=shapes)


def _check_fields() -> None:
    for name in {*request.files.keys(), *request.form.keys()}:
        if name not in FIELDS:
            raise BadRequestError(
                f"unknown field {name!r} in the multipart form; POST /validate takes "
                f"{', '.join(FIELDS)}"
            )
        count = len(request.files.getlist(name)) + len(request.form.getlist(name))
        if count > 1 and not FIELDS[name]:
            raise BadRequestError(f"the field {name!r} is given {count} times; give it once")


def _given(name: str) -> bool:
    return name in request.form or name in request.files


def _boolean(name: str) -> bool:
    if name in request.files:
        raise BadRequestError(f"the field {name!r} is a value (true or false), not a file")
    value = request.form.get(name)
    if value is None:
        return False
    found = BOOLEANS.get(value.strip().lower())
    if found is None:
        raise BadRequestError(f"the field {name!r} is {value!r}; it takes {' or '.join(BOOLEANS)}")
    return found


def _part(stream: IO[bytes], name: str, mimetype: str, part: object, budget: Budget) -> Upload:
    """A multipart part read within the request's ``budget`` (gzip by its magic bytes)."""
    params = getattr(part, "mimetype_params", {})
    require_utf8(dict(params), what=f"the part {name}")
    media = mimetype if mimetype not in ("", "application/octet-stream") else None
    data = read_bounded(stream, source=name, budget=budget).data
    return Upload(data=data, source=name, media_type=media)


def _check_queries(shapes: ShapesSet, sources: list[str], settings: Settings) -> None:
    """Refuse a SPARQL query of the user's shapes that reaches beyond the dump."""
    policy = Policy(allow=settings.service_allow, holds=lambda iri: False)
    user = shapes.user
    for parameter in SPARQL_TEXTS:
        for node, text in user.subject_objects(parameter):
            if not isinstance(text, Literal):
                continue
            try:
                policy.check(str(text))
            except QueryError as exc:  # QueryRefusedError included
                owner = next(iter(user.subjects(None, node)), node)  # the shape, if it has one
                name = user.namespace_manager.normalizeUri(parameter)
                raise ShapesFileError(
                    ", ".join(sources), f"the {name} query of {owner.n3()} is refused: {exc}"
                ) from exc


__all__ = ["FIELDS", "Upload", "ValidationRequest", "read_request"]
