"""Staging a line-based dump (N-Triples, N-Quads) file: most lines loaded by Oxigraph itself.

Sending every statement through Python (:func:`mofkg.graphstore.shacl.literals.stage_parsed`)
costs a Python object per term and one transaction as large as the dump (about 100 MiB more
at 10,000 synthetic models). But only two kinds of line need Python: a typed literal
(``^^``), which may have to be staged encoded (:mod:`mofkg.graphstore.shacl.literals`), and a
blank node (``_:``), whose label Oxigraph's own loader would replace by a fresh one on each
call while ``ox.parse`` keeps it. So the file is read in pieces ending at a line break; in
each piece those lines go through Python as before, and the others, which Oxigraph stores
exactly as written (IRIs, strings, language-tagged strings), are loaded by ``Store.load``,
which neither builds Python objects nor holds the GIL. The lines taken out are left blank,
so each piece keeps its line count.

Anything that does not parse ends the fast path with :class:`Unstaged`: the caller stages the
dump again the line-by-line way, which reports the error with its line and column (or skips
the bad lines with ``keep_going``). Quads already staged are staged again then, which changes
nothing: a store is a set, and the statements staged here are the same terms (blank nodes kept
by label, no blank node loaded by Oxigraph).

>>> store = ox.Store()
>>> data = b'<http://ex/a> <http://ex/p> "4.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .\\n'
>>> data += b'<http://ex/a> <http://ex/q> _:b .\\n_:b <http://ex/r> "x" .\\n'
>>> path = Path(tempfile.mkdtemp()) / "d.nt"
>>> _ = path.write_bytes(data)
>>> stage_line_file(store, path, ox.RdfFormat.N_TRIPLES, "http://g")
>>> sorted(str(q.object) for q in store)
['"4.0"^^<urn:mofkg:exact:http://www.w3.org/2001/XMLSchema#decimal>', '"x"', '_:b']
"""

from __future__ import annotations

import re
import tempfile  # noqa: F401  # for the doctest
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from ..shacl.literals import stage_parsed

#: Bytes read at once (then cut at the last line break): one ``Store.load`` transaction each.
PIECE = 4 * 1024 * 1024
#: What makes a line go through Python: a typed literal or a blank node.
_PYTHON_LINE = re.compile(rb"\^\^|_:")


class Unstaged(Exception):
    """The fast path stopped (a line that does not parse, a token too long): stage again the
    line-by-line way, which says why and where."""


def pieces(path: Path, size: int = PIECE) -> Iterator[bytes]:
    """The file's bytes in pieces of about ``size``, each ending at a line break (but the
    last), so that no line is cut."""
    rest = b""
    with path.open("rb") as f:
        while block := f.read(size):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # no line break yet: a longer line, read on
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
    if rest:
        yield rest


def split_piece(piece: bytes) -> tuple[bytes, bytes]:
    """``piece`` as (the lines Oxigraph may load as they are, with the others blanked; the
    other lines).

    >>> split_piece(b'<a> <p> "x" .\\n<a> <p> "1"^^<t> .\\n<a> <p> _:b .\\n<a> <p> <b> .\\n')
    (b'<a> <p> "x" .\\n\\n\\n<a> <p> <b> .\\n', b'<a> <p> "1"^^<t> .\\n<a> <p> _:b .\\n')
    """
    plain: list[bytes] = []
    other: list[bytes] = []
    start = 0  # of what is not yet copied to ``plain``
    end = 0  # of the last line taken out
    for match in _PYTHON_LINE.finditer(piece):
        at = match.start()
        if at < end:  # on a line already taken out
            continue
        line_start = piece.rfind(b"\n", 0, at) + 1
        line_end = piece.find(b"\n", at)
        line_end = len(piece) if line_end < 0 else line_end + 1
        plain.append(piece[start:line_start])
        if line_end > line_start and piece[line_end - 1 : line_end] == b"\n":
            plain.append(b"\n")
        other.append(piece[line_start:line_end])
        start = end = line_end
    if not other:
        return piece, b""
    plain.append(piece[start:])
    return b"".join(plain), b"".join(other)


def stage_line_file(
    store: ox.Store, path: Path, format: ox.RdfFormat, name: str, *, piece_size: int = PIECE
) -> None:
    """Stage an N-Triples / N-Quads file into ``store`` (default graph -> ``name``), literals
    as written, reading ``piece_size`` bytes at a time. Raises :class:`Unstaged` on anything
    that does not parse."""
    target = ox.NamedNode(name)
    try:
        for piece in pieces(path, piece_size):
            plain, other = split_piece(piece)
            if other:
                quads = list(ox.parse(other, format=format))  # all parsed before any is staged
                stage_parsed(store, quads, name)
            if plain.strip():
                store.load(plain, format=format, to_graph=target)
    except (SyntaxError, ValueError, MemoryError) as exc:
        raise Unstaged(str(exc)) from exc


__all__ = ["PIECE", "Unstaged", "pieces", "split_piece", "stage_line_file"]
