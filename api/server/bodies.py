"""Request bodies as sent: gzip is inflated within a limit, other content codings refused.

SPARQL operations (``/sparql``), graphs (``/store``) and dumps (``/validate``) may come
gzipped, named by ``Content-Encoding: gzip`` or recognised by gzip's magic bytes (a client
that uploads a ``.gz`` file as it is). Bodies are read by the one bounded reader,
:func:`mofkg.graphstore.rdfio.bounded_input.read_bounded`: every gzip member is inflated, gzip
inside gzip
is refused, inflation stops one piece past the limit (413), and a stream that breaks off before
its end and checksum is refused: its first lines alone would otherwise be taken for the whole
body.
"""

from __future__ import annotations

from mofkg.graphstore.errors import UnsupportedFormatError
from mofkg.graphstore.rdfio.bounded_input import Budget, Raw, read_bounded

#: Content codings a body may come in (``identity`` is the body as it is).
GZIP_CODINGS = ("gzip", "x-gzip")


def is_gzip_coding(encoding: str | None, *, source: str) -> bool:
    """Whether ``Content-Encoding: encoding`` (None: no header) says gzip; 415 for a coding
    other than gzip or identity."""
    coding = (encoding or "identity").strip().lower()
    if coding not in ("identity", *GZIP_CODINGS):
        raise UnsupportedFormatError(
            f"{source}: Content-Encoding {coding!r} is not supported; send it as is or gzipped"
        )
    return coding in GZIP_CODINGS


def decoded(
    data: Raw,
    *,
    encoding: str | None,
    limit: int,
    source: str,
) -> bytes:
    """A body (its bytes, or a stream read as it comes) sent with ``Content-Encoding:
    encoding`` (None: no header), as its sender meant it, no longer than ``limit`` (413
    beyond).

    >>> import gzip
    >>> decoded(gzip.compress(b"ASK {}"), encoding=None, limit=100, source="body")
    b'ASK {}'
    >>> decoded(gzip.compress(b"ASK {}")[:-8], encoding="gzip", limit=100, source="body")
    ... # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    BrokenGzipError: body: broken gzip data (the stream is truncated)
    """
    gzip = is_gzip_coding(encoding, source=source)
    return read_bounded(data, source=source, budget=Budget(limit), gzip=gzip).data


#: Charsets a body may declare: UTF-8, and ASCII, which is UTF-8.
UTF8_CHARSETS: tuple[str, ...] = ("utf-8", "utf8", "us-ascii", "ascii")


def require_utf8(params: dict[str, str] | None, *, what: str) -> str:
    """The charset a body's Content-Type declares (UTF-8 when it declares none); 415 for any
    other, since every body is read as UTF-8 (RDF syntaxes, SPARQL, MOT YAML).

    >>> require_utf8({"charset": "UTF-8"}, what="the request body")
    'utf-8'
    >>> require_utf8({"charset": "latin-1"}, what="the request body")
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.UnsupportedFormatError: the request body's charset must be UTF-8, ...
    """
    charset = (params or {}).get("charset", "utf-8").strip().lower()
    if charset not in UTF8_CHARSETS:
        raise UnsupportedFormatError(
            f"{what}'s charset must be UTF-8, not {charset} (Content-Type charset)"
        )
    return charset
