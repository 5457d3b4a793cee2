"""Request bodies as sent: gzip is inflated within a limit, other content codings refused.

SPARQL operations (``/sparql``), graphs (``/store``) and dumps (``/validate``) may come
gzipped, named by ``Content-Encoding: gzip`` or recognised by gzip's magic bytes (a client
that uploads a ``.gz`` file as it is). Inflation stops one byte past the caller's limit, so a
small body cannot grow without end, and a stream that breaks off before its end and checksum
is refused: its first lines alone would otherwise be taken for the whole body.
"""

from __future__ import annotations

import zlib

from graphstore.errors import TooLargeError, UnsupportedFormatError
from graphstore.loading import GZIP_MAGIC

from .errors import BadRequestError

#: Content codings a body may come in (``identity`` is the body as it is).
GZIP_CODINGS = ("gzip", "x-gzip")


def inflate(data: bytes, *, limit: int, source: str) -> bytes:
    """Gzip ``data`` decompressed, never past ``limit`` bytes (413 beyond it).

    >>> import gzip
    >>> inflate(gzip.compress(b"ASK {}"), limit=100, source="body")
    b'ASK {}'
    >>> inflate(gzip.compress(b"ASK {}")[:-8], limit=100, source="body")
    Traceback (most recent call last):
    ...
    api.errors.BadRequestError: body: broken gzip data (the stream is truncated)
    """
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BadRequestError(f"{source}: broken gzip data ({exc})") from exc
    if len(out) > limit:
        raise TooLargeError(f"{source}: inflates to more than {limit} bytes")
    if not inflater.eof:
        raise BadRequestError(f"{source}: broken gzip data (the stream is truncated)")
    return out


def decoded(data: bytes, *, encoding: str | None, limit: int, source: str) -> bytes:
    """A body sent with ``Content-Encoding: encoding`` (None: no header), as its sender meant
    it; 415 for a coding other than gzip."""
    coding = (encoding or "identity").strip().lower()
    if coding not in ("identity", *GZIP_CODINGS):
        raise UnsupportedFormatError(
            f"{source}: Content-Encoding {coding!r} is not supported; send it as is or gzipped"
        )
    if coding in GZIP_CODINGS or data[:2] == GZIP_MAGIC:
        return inflate(data, limit=limit, source=source)
    return data
