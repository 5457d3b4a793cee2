"""Reading what `mofkg validate` checks: dumps (RDF or MOT YAML), shapes files, bad lines.

:func:`read_dump` refuses unsafe or empty input before anything is parsed; an uncompressed
N-Triples / N-Quads file stays on disk (:class:`Dump` ``path``) and is loaded by Oxigraph
straight from the file. :func:`stage_dump` puts a dump into a staging store, skipping bad lines
of line-based formats with ``keep_going``. :func:`read_shapes_files` reads the conformance shapes.

>>> dump = read_dump(b'<http://ex/a> <http://ex/p> "x" .', source_name="inline.nt")
>>> dump.text_format.name, dump.is_rdf
('ntriples', True)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from ..errors import (
    MofkgError,
    RdfSyntaxError,
    SourceError,
    TooLargeError,
    UnsupportedFormatError,
)
from ..namespaces import source_graph
from ..rdfio.bounded_input import GZIP_MAGIC, IN_PIECE, Budget
from ..rdfio.formats import RdfFormat, format_for_suffix
from ..rdfio.loading import (
    RdfInput,
    Source,
    detect_format,
    open_rdf_input,
    syntax_error_from,
    token_too_long,
)
from ..rdfio.nesting import DEFAULT_MAX_DEPTH, NestingScan
from ..resources import shapes_path
from ..shacl import ShapesError
from ..shacl.literals import exact_quads, stage_parsed
from ..store.embedded import Store

#: The metadata shapes shipped with mofkg (catalogue well-formedness).
METADATA_SHAPES = "metadata.ttl"
#: File suffixes read as MOT YAML records; ``--format mot`` for standard input.
MOT_SUFFIXES = (".yml", ".yaml")
MOT_FORMAT = "mot"
#: Most bad lines ``keep_going`` reports before it gives up on a dump.
MAX_BAD_LINES = 1000
#: Formats staged straight from their file (never held in memory): the line-based ones.
STREAMED_FORMATS = ("ntriples", "nquads")
#: Up to this size a streamed file is read to check that it is not blank.
BLANK_CHECK_BYTES = 1024 * 1024


class DumpError(SourceError):
    """A dump that cannot be validated at all (empty, or too many bad lines)."""


class ShapesFileError(SourceError):
    """A shapes file that cannot be read or is not SHACL: names the file."""


@dataclass(frozen=True)
class Dump:
    """One dump to validate: checked RDF input, an RDF file left on disk, or MOT YAML records.

    An uncompressed N-Triples / N-Quads file is not read into memory (``path`` and ``format``):
    Oxigraph loads it from the file, and the line finder reads it again in pieces, so a large
    dump's bytes never sit in memory beside its parsed copy.
    """

    source: str
    rdf: RdfInput | None = None
    mot_path: Path | None = None
    mot_data: bytes | None = None  # a record read from a stream (standard input, an upload)
    path: Path | None = None
    format: RdfFormat | None = None

    @property
    def text_format(self) -> RdfFormat | None:
        """The RDF format, when the dump is RDF (lines can then be located in it)."""
        return self.rdf.format if self.rdf is not None else self.format

    @property
    def is_rdf(self) -> bool:
        return self.rdf is not None or self.path is not None

    def rdf_input(self) -> RdfInput:
        """The dump's RDF as checked input (a file left on disk is read now)."""
        if self.rdf is not None:
            return self.rdf
        assert self.path is not None and self.format is not None
        return open_rdf_input(self.path, format=self.format, source_name=self.source)


@dataclass(frozen=True)
class BadLine:
    """A line of an N-Triples / N-Quads dump that does not parse (``keep_going``)."""

    source: str
    line: int
    column: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ShapesSet:
    """The conformance shapes, merged into one graph, and the files they came from.

    ``user`` holds the shapes of the user's files: they validate the dump alone, unless
    ``with_catalogue`` asks for the dump with the ontology and licence graph staged beside it
    (which the metadata shapes always see).
    """

    graph: Graph
    files: tuple[str, ...]
    user: Graph = field(default_factory=Graph)
    with_catalogue: bool = False

    @classmethod
    def from_graphs(
        cls,
        graphs: Sequence[tuple[str, Graph]],
        *,
        user: Sequence[tuple[str, Graph]] = (),
        with_catalogue: bool = False,
    ) -> ShapesSet:
        merged, mine = Graph(), Graph()
        for _, g in graphs:
            merged += g
        for _, g in user:
            mine += g
        files = tuple(name for name, _ in [*graphs, *user])
        return cls(graph=merged, files=files, user=mine, with_catalogue=with_catalogue)


# -- reading ---------------------------------------------------------------------------


def is_mot(name: str, format: str | None = None) -> bool:
    """Whether a dump is MOT YAML: ``--format mot`` or a .yml / .yaml file name."""
    if format is not None:
        return format == MOT_FORMAT
    return name.lower().endswith(MOT_SUFFIXES)


def read_dump(
    source: Source,
    *,
    format: str | None = None,
    media_type: str | None = None,
    source_name: str | None = None,
    budget: Budget | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Dump:
    """Read one dump (RDF, or MOT YAML by suffix or ``format="mot"``), refusing unsafe input:
    within ``budget`` (the bytes one request or command may read; none: no cap), nesting no
    deeper than ``max_depth``."""
    name = source_name or (str(source) if isinstance(source, (str, Path)) else "<stdin>")
    if is_mot(name, format):
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.is_file():
                raise MofkgError(f"{path}: cannot read: no such file")
            return Dump(source=name, mot_path=path)
        data = source if isinstance(source, bytes) else source.read()
        if not data.strip():
            raise DumpError(name, "the dump is empty (0 bytes)" if not data else "blank dump")
        return Dump(source=name, mot_data=data)
    if isinstance(source, (str, Path)):
        streamed = _streamed_file(
            Path(source), name, format=format, media_type=media_type, max_depth=max_depth
        )
        if streamed is not None:
            if budget is not None and streamed.path is not None:
                budget.start()
                budget.take(streamed.path.stat().st_size, name)
            return streamed
    rdf = open_rdf_input(
        source,
        format=format,
        media_type=media_type,
        source_name=name,
        budget=budget,
        max_depth=max_depth,
    )
    if not rdf.data.strip():
        raise DumpError(name, "the dump is empty (0 bytes)" if not rdf.data else "blank dump")
    return Dump(source=name, rdf=rdf)


def _streamed_file(
    path: Path, name: str, *, format: str | None, media_type: str | None, max_depth: int
) -> Dump | None:
    """A plain N-Triples / N-Quads file as a :class:`Dump` that stays on disk, else None; its
    triple terms are checked for nesting as it is read once more, in pieces."""
    fmt = detect_format(source=name, format=format, media_type=media_type)
    if fmt.name not in STREAMED_FORMATS:
        return None
    try:
        with path.open("rb") as f:
            head = f.read(BLANK_CHECK_BYTES)
            size = path.stat().st_size
    except OSError as exc:
        raise MofkgError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if head[:2] == GZIP_MAGIC:
        return None
    if size <= len(head) and not head.strip():
        raise DumpError(name, "the dump is empty (0 bytes)" if not head else "blank dump")
    scan = NestingScan(fmt.name, source=name, limit=max_depth)
    try:
        with path.open("rb") as f:
            while piece := f.read(IN_PIECE):
                scan.feed(piece)
    except OSError as exc:
        raise MofkgError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    scan.close()
    return Dump(source=name, path=path, format=fmt)


def read_shapes_files(
    files: Sequence[Path], *, replace: bool = False, with_catalogue: bool = False
) -> ShapesSet:
    """The conformance shapes: the metadata shapes (unless ``replace``) and ``files`` (which
    validate the dump alone, unless ``with_catalogue``)."""
    return read_shapes_sources(
        [ShapesSource(str(path), path) for path in files],
        replace=replace,
        with_catalogue=with_catalogue,
    )


@dataclass(frozen=True)
class ShapesSource:
    """A user's shapes: a file, or the bytes of an upload (its format from ``media_type``,
    else from the suffix of ``name``, else Turtle)."""

    name: str
    source: Path | bytes
    media_type: str | None = None


def read_shapes_sources(
    sources: Sequence[ShapesSource], *, replace: bool = False, with_catalogue: bool = False
) -> ShapesSet:
    """:func:`read_shapes_files` for files or uploads."""
    graphs: list[tuple[str, Graph]] = []
    if not replace:
        graphs.extend(default_shapes())
    user = [(s.name, _read_shapes(s.source, s.name, s.media_type)) for s in sources]
    return ShapesSet.from_graphs(graphs, user=user, with_catalogue=with_catalogue)


def default_shapes() -> list[tuple[str, Graph]]:
    """The metadata shapes, when this installation ships them, named as the project names
    them (``shapes/metadata.ttl``): a report from the web service must not tell where the
    server is installed."""
    try:
        path = shapes_path(METADATA_SHAPES)
    except FileNotFoundError:
        return []
    return [(f"shapes/{METADATA_SHAPES}", _read_shapes_file(path))]


def _read_shapes_file(path: Path) -> Graph:
    return _read_shapes(path, str(path), None)


def _read_shapes(source: Path | bytes, path: str, media_type: str | None) -> Graph:
    from ..shacl import read_shapes

    format = None
    if isinstance(source, bytes) and media_type is None:
        try:
            format_for_suffix(path)
        except UnsupportedFormatError:
            format = "turtle"  # an upload that names no format: Turtle, as shapes mostly are
    try:
        rdf = open_rdf_input(source, format=format, media_type=media_type, source_name=path)
    except RdfSyntaxError as exc:
        raise ShapesFileError(str(path), f"not readable RDF: {exc.message}") from exc
    except (TooLargeError, UnsupportedFormatError):
        raise  # 413 / 415 over HTTP, named by the source already
    except MofkgError as exc:
        raise ShapesFileError(str(path), str(exc).removeprefix(f"{path}: ")) from exc
    graph = Graph()
    try:
        for quad in ox.parse(rdf.data, format=rdf.format.oxigraph):
            graph.add(_triple(quad))
    except (SyntaxError, ValueError) as exc:
        error = syntax_error_from(exc, str(path))
        where = str(error).removesuffix(f": {error.message}")
        raise ShapesFileError(where, f"not readable RDF: {error.message}") from exc
    try:
        read_shapes(graph)
    except ShapesError as exc:
        raise ShapesFileError(str(path), f"not a SHACL shapes graph: {exc}") from exc
    return graph


def _triple(quad: ox.Quad) -> Any:
    from ..store.terms import to_rdflib

    obj = to_rdflib(quad.object, exact=True)  # shapes compare terms as written
    return (to_rdflib(quad.subject), to_rdflib(quad.predicate), obj)


# -- staging ---------------------------------------------------------------------------


def target_graph(dump: Dump, graph: str | None) -> str:
    """The named graph a dump goes to: ``graph``, else one per source file (as ``load``)."""
    name = "stdin" if dump.source == "<stdin>" else Path(dump.source).name
    return graph or str(source_graph(name))


def stage_dump(store: Store, dump: Dump, graph: str, *, keep_going: bool) -> list[BadLine]:
    """Load a dump's RDF into the staging store (a file left on disk straight from the file)."""
    if dump.rdf is not None:
        return stage_rdf(store, dump.rdf, graph, keep_going=keep_going)
    assert dump.path is not None and dump.format is not None
    from .staging import Unstaged, stage_line_file

    try:
        stage_line_file(store.oxigraph, dump.path, dump.format.oxigraph, graph)
        return []
    except Unstaged:
        pass  # staged again below, which says what does not parse and where
    target = ox.NamedNode(graph)
    try:
        quads = ox.parse(path=str(dump.path), format=dump.format.oxigraph)
        stage_parsed(store.oxigraph, quads, graph)  # literals as written (shacl.literals)
        return []
    except (SyntaxError, ValueError) as exc:
        if not (keep_going and isinstance(exc, SyntaxError)):
            raise syntax_error_from(exc, dump.source) from exc
    except MemoryError as exc:
        raise token_too_long(exc, dump.source) from exc
    except OSError as exc:
        raise MofkgError(f"{dump.source}: cannot read: {exc.strerror or exc}") from exc
    return _stage_lines(store, dump.rdf_input(), target)


def stage_rdf(store: Store, rdf: RdfInput, graph: str, *, keep_going: bool) -> list[BadLine]:
    """Load RDF into the staging store; with ``keep_going`` (line-based formats) skip bad lines."""
    target = ox.NamedNode(graph)
    try:
        stage_parsed(store.oxigraph, ox.parse(rdf.data, format=rdf.format.oxigraph), graph)
        return []
    except (SyntaxError, ValueError) as exc:
        if not (keep_going and rdf.format.line_based and isinstance(exc, SyntaxError)):
            raise syntax_error_from(exc, rdf.source) from exc
    except MemoryError as exc:
        raise token_too_long(exc, rdf.source) from exc
    return _stage_lines(store, rdf, target)


def _stage_lines(store: Store, rdf: RdfInput, target: ox.NamedNode) -> list[BadLine]:
    """Parse a line-based dump segment by segment, restarting after each bad line."""
    data = rdf.data
    stream = io.BytesIO(data)
    bad: list[BadLine] = []
    pos, first_line = 0, 1
    while pos < len(data):
        stream.seek(pos)
        quads: list[ox.Quad] = []
        error: SyntaxError | None = None
        try:
            for q in ox.parse(stream, format=rdf.format.oxigraph):
                graph = target if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name
                quads.append(ox.Quad(q.subject, q.predicate, q.object, graph))
        except SyntaxError as exc:
            error = exc
        store.oxigraph.extend(exact_quads(quads))
        if error is None:
            break
        relative = error.lineno or 1
        parsed = syntax_error_from(error, rdf.source)
        bad.append(BadLine(rdf.source, first_line + relative - 1, error.offset, parsed.message))
        if len(bad) >= MAX_BAD_LINES:
            raise DumpError(
                rdf.source, f"more than {MAX_BAD_LINES} bad lines; stopped at {bad[-1]}"
            )
        for _ in range(relative):  # skip to the line after the bad one
            nl = data.find(b"\n", pos)
            pos = len(data) if nl < 0 else nl + 1
        first_line += relative
    return bad


__all__ = [
    "BadLine",
    "Dump",
    "DumpError",
    "ShapesFileError",
    "ShapesSet",
    "ShapesSource",
    "is_mot",
    "read_dump",
    "read_shapes_files",
    "read_shapes_sources",
    "stage_dump",
    "stage_rdf",
    "target_graph",
]
