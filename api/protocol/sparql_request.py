"""What a request to ``/sparql`` carries, read and checked: its operation and parameters.

- Parameters come from the URL and, for a form POST, from the form; one the protocol allows
  once (``query``, ``update`` ...) given twice is 400 naming it. The dataset parameters
  (:data:`REPEATABLE`) may repeat, and so may the format parameters when their values agree
  (:mod:`mofkg.api.protocol.format_parameter`). A parameter that means nothing for the operation
  (``using-graph-uri`` on a query, ``default-graph-uri`` on an update or the service
  description, a ``query`` in the URL of a query POSTed as its body) is 400, not ignored.
- A body, form or direct (``application/sparql-query``, ``application/sparql-update``), is
  read one way: gzip inflated (:mod:`mofkg.api.server.bodies`), its charset UTF-8 or US-ASCII (415
  naming any other), its text UTF-8 (400 otherwise).
- An update's token is checked before its body is read: an ``application/sparql-update``
  always, a form POST as soon as it offers a bearer token. A form without one must be read to
  tell a query from an update; if it holds ``update``, the token is checked before anything
  else about it (its charset, its text), so the answer is 401 whatever the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_to_bytes

from flask import request

from mofkg.graphstore.errors import ReadOnlyError, UnsupportedFormatError
from mofkg.graphstore.rdfio.formats import bare_media_type

from ..errors import BadRequestError
from ..server.bodies import decoded, require_utf8
from ..server.state import endpoint
from .format_parameter import PARAMETERS as FORMAT_PARAMETERS
from .format_parameter import format_request
from .parameters import check_repeats

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

#: Parameters the protocol lets a request repeat (and the format ones, when they agree).
REPEATABLE: tuple[str, ...] = (
    "default-graph-uri",
    "named-graph-uri",
    "using-graph-uri",
    "using-named-graph-uri",
    *FORMAT_PARAMETERS,
)
#: Parameters that mean something for one operation only.
ONLY_FOR: dict[str, str] = {
    "default-graph-uri": "a query",
    "named-graph-uri": "a query",
    "using-graph-uri": "an update",
    "using-named-graph-uri": "an update",
}


@dataclass(frozen=True)
class SparqlRequest:
    """One ``/sparql`` request: its query or update (or neither: the service description),
    and every parameter, from the URL and the form, in order."""

    query: str | None
    update: str | None
    params: tuple[tuple[str, str], ...]

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.params if key == name]

    def pairs(self, names: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(key, value) for key, value in self.params if key in names]


def _url_params() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


def _check_repeats(params: list[tuple[str, str]]) -> None:
    check_repeats(params, repeatable=REPEATABLE)


def _check_direct(params: list[tuple[str, str]], operation: str) -> None:
    """A direct POST's URL holds no operation: the body is the operation."""
    _check_repeats(params)
    for key, _ in params:
        if key in ("query", "update"):
            raise BadRequestError(
                f"the body is the {operation}: the URL may not also carry '{key}='"
            )


def _check_kind(asked: SparqlRequest) -> None:
    """Refuse a parameter that means nothing for the request's operation, and format
    parameters that disagree or are unknown, whatever the operation (an update's answer has
    no body, but what a client asked for is never passed over)."""
    format_request(asked.pairs(FORMAT_PARAMETERS))
    kind = (
        "an update" if asked.update is not None else "a query" if asked.query is not None else None
    )
    for name, meant in ONLY_FOR.items():
        if asked.values(name) and kind != meant:
            raise BadRequestError(
                f"'{name}' applies to {meant}, and this request carries "
                f"{kind or 'neither a query nor an update'}"
            )


def _charset() -> str:
    return require_utf8(dict(request.mimetype_params), what="the request body")


def _body() -> bytes:
    return decoded(
        request.get_data(),
        encoding=request.headers.get("Content-Encoding"),
        limit=endpoint().settings.max_body,
        source="request body",
    )


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"the request body is not valid UTF-8: {exc}") from exc


def body_text() -> str:
    """A direct body (``application/sparql-query`` or ``-update``) as text."""
    _charset()
    return _text(_body())


def _offers_bearer() -> bool:
    scheme = request.headers.get("Authorization", "").partition(" ")[0]
    return scheme.lower() == "bearer" and endpoint().settings.update_token is not None


def _field_names(data: bytes) -> set[bytes]:
    """The names of a form's fields, as bytes (whatever the charset of their values).

    >>> sorted(_field_names(b"query=a%FF&upd%61te=b&x"))
    [b'query', b'update', b'x']
    """
    return {unquote_to_bytes(f.split(b"=", 1)[0].replace(b"+", b" ")) for f in data.split(b"&")}


def _form() -> list[tuple[str, str]]:
    """A form body's fields; an update's token checked before anything else about it."""
    if _offers_bearer():
        try:
            endpoint().check_token()  # 401 before the body is read
        except ReadOnlyError:
            pass  # the token is right; a query may still be run (an update is refused below)
    data = _body()
    if b"update" in _field_names(data):
        endpoint().check_token()
    _charset()
    try:
        return parse_qsl(_text(data), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"the form's fields are not valid UTF-8: {exc}") from exc


def read_request() -> SparqlRequest:
    """The request's operation and parameters, checked (400, 401, 415 as above)."""
    params = _url_params()
    if request.method in ("GET", "HEAD"):  # Flask answers HEAD with the GET view, minus the body
        _check_repeats(params)
        if "update" in request.args:
            raise BadRequestError("updates must be POSTed, not sent with GET")
        asked = SparqlRequest(request.args.get("query"), None, tuple(params))
        _check_kind(asked)
        return asked
    mimetype = bare_media_type(request.content_type or "")
    query: str | None = None
    update: str | None = None
    if mimetype == FORM:
        params += _form()
        _check_repeats(params)
        fields = dict(params)
        query, update = fields.get("query"), fields.get("update")
        if query is None and update is None:
            raise BadRequestError("the form has neither a 'query' nor an 'update' field")
    elif mimetype == QUERY_TYPE:
        _check_direct(params, "query")
        query = body_text()
    elif mimetype == UPDATE_TYPE:
        endpoint().check_token()  # 401 before anything else is read, as the Graph Store's
        _check_direct(params, "update")
        update = body_text()
    else:
        raise UnsupportedFormatError(
            f"POST a SPARQL operation as {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}, "
            f"not {mimetype or 'a body without Content-Type'}"
        )
    if query is not None and update is not None:
        raise BadRequestError("a request carries either a query or an update, not both")
    asked = SparqlRequest(query, update, tuple(params))
    _check_kind(asked)
    return asked
