"""Validating metadata dumps before they enter the catalogue: parse, check shapes, assess.

A dump (RDF in any format of :mod:`graphstore.formats`, gzip or not, or MOT YAML records) is
staged in an in-memory store beside the ontology and the licence graph; nothing is written to
the catalogue. The staged data is validated against the *conformance shapes* (the metadata
shapes ``shapes/metadata.ttl`` plus any shapes the user gives, or only the user's with
``replace``) by :func:`graphstore.shacl.validate_store`, and every model is assessed under
MOF 1.0 (:func:`graphstore.assessment.assess_with`) to say which class it would reach and
what is missing. :mod:`graphstore.reports` renders the outcome.

>>> from graphstore.settings import Settings
>>> shapes = ShapesSet.from_graphs([])
>>> dump = read_dump(b'<http://ex/a> <http://ex/p> "x" .', source_name="inline.nt")
>>> staged = validate_dumps([dump], shapes=shapes, settings=Settings())
>>> staged.report.exit_status, staged.report.triples
(0, 1)
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from .assessment import ModelAssessment, assess_with
from .errors import MofkgError, RdfSyntaxError
from .formats import RdfFormat, format_names
from .loading import RdfInput, Source, open_rdf_input, syntax_error_from
from .namespaces import LICENCE_GRAPH, ONTOLOGY_GRAPH, source_graph
from .requirements import Framework, load_framework
from .resources import ontology_path, shapes_path
from .settings import Settings
from .shacl import ShapesError, ValidationOutcome, validate_store
from .store import Store

#: The metadata shapes shipped with mofkg (catalogue well-formedness).
METADATA_SHAPES = "metadata.ttl"
#: The openness framework every model is assessed under.
FRAMEWORK = "mof-1.0"
#: File suffixes read as MOT YAML records; ``--format mot`` for standard input.
MOT_SUFFIXES = (".yml", ".yaml")
MOT_FORMAT = "mot"
#: Most bad lines ``keep_going`` reports before it gives up on a dump.
MAX_BAD_LINES = 1000
#: Class names for ``--require-class``, to class numbers (Class I is the most open).
CLASS_NUMBERS = {"I": 1, "II": 2, "III": 3}


class DumpError(MofkgError):
    """A dump that cannot be validated at all (empty, or too many bad lines)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class ShapesFileError(MofkgError):
    """A shapes file that cannot be read or is not SHACL: names the file."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


@dataclass(frozen=True)
class Dump:
    """One dump to validate: checked RDF input, or a MOT YAML record file."""

    source: str
    rdf: RdfInput | None = None
    mot_path: Path | None = None
    mot_data: bytes | None = None  # a record read from a stream (standard input, an upload)

    @property
    def text_format(self) -> RdfFormat | None:
        """The RDF format, when the dump is RDF (lines can then be located in it)."""
        return self.rdf.format if self.rdf is not None else None


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
    """The conformance shapes, merged into one graph, and the files they came from."""

    graph: Graph
    files: tuple[str, ...]

    @classmethod
    def from_graphs(cls, graphs: Sequence[tuple[str, Graph]]) -> ShapesSet:
        merged = Graph()
        for _, g in graphs:
            merged += g
        return cls(graph=merged, files=tuple(name for name, _ in graphs))


@dataclass
class ValidationReport:
    """Everything a validation found: SHACL results, bad lines, and each model's MOF class."""

    sources: list[str]
    triples: int
    outcome: ValidationOutcome
    assessments: list[ModelAssessment]
    framework: Framework
    shapes_files: tuple[str, ...]
    bad_lines: list[BadLine] = field(default_factory=list)
    required_class: int | None = None
    #: focus node -> (source, line) where it is first mentioned, for text dumps
    lines: dict[Any, tuple[str, int]] = field(default_factory=dict)

    @property
    def violations(self) -> int:
        return sum(1 for r in self.outcome.results if r.severity == SH.Violation)

    @property
    def conforms(self) -> bool:
        """No result of severity sh:Violation (warnings and infos do not fail a dump)."""
        return self.violations == 0

    def below_required(self) -> list[ModelAssessment]:
        """Models that do not reach the class ``--require-class`` asks for."""
        if self.required_class is None:
            return []
        need = self.required_class
        return [a for a in self.assessments if a.class_number == 0 or a.class_number > need]

    @property
    def exit_status(self) -> int:
        """0 conforms, 1 violations (or a model below the required class), 2 unreadable lines."""
        if self.bad_lines:
            return 2
        return 0 if self.conforms and not self.below_required() else 1


@dataclass
class Staged:
    """A validated dump in its staging store, with what :func:`load_staged` needs."""

    store: Store
    report: ValidationReport
    rdf_graphs: list[tuple[RdfInput, str]]
    mot_graphs: dict[str, Graph]


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
) -> Dump:
    """Read one dump (RDF, or MOT YAML by suffix or ``format="mot"``), refusing unsafe input."""
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
    rdf = open_rdf_input(source, format=format, media_type=media_type, source_name=name)
    if not rdf.data.strip():
        raise DumpError(name, "the dump is empty (0 bytes)" if not rdf.data else "blank dump")
    return Dump(source=name, rdf=rdf)


def read_shapes_files(files: Sequence[Path], *, replace: bool = False) -> ShapesSet:
    """The conformance shapes: the metadata shapes (unless ``replace``) and ``files``."""
    graphs: list[tuple[str, Graph]] = []
    if not replace:
        graphs.extend(default_shapes())
    for path in files:
        graphs.append((str(path), _read_shapes_file(path)))
    return ShapesSet.from_graphs(graphs)


def default_shapes() -> list[tuple[str, Graph]]:
    """The metadata shapes, when this installation ships them."""
    try:
        path = shapes_path(METADATA_SHAPES)
    except FileNotFoundError:
        return []
    return [(str(path), _read_shapes_file(path))]


def _read_shapes_file(path: Path) -> Graph:
    from .shacl_compile import read_shapes

    try:
        rdf = open_rdf_input(path, source_name=str(path))
    except RdfSyntaxError as exc:
        raise ShapesFileError(str(path), f"not readable RDF: {exc.message}") from exc
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
    from .terms import to_rdflib

    return (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))


# -- staging ---------------------------------------------------------------------------


def staging_store(settings: Settings) -> Store:
    """An in-memory store with the ontology and the licence graph (the shapes refer to them)."""
    from .bootstrap import licence_graph

    store = Store()
    store.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    store.add_graph(licence_graph(settings), str(LICENCE_GRAPH))
    return store


def target_graph(dump: Dump, graph: str | None) -> str:
    """The named graph a dump goes to: ``graph``, else one per source file (as ``load``)."""
    name = "stdin" if dump.source == "<stdin>" else Path(dump.source).name
    return graph or str(source_graph(name))


def stage_rdf(store: Store, rdf: RdfInput, graph: str, *, keep_going: bool) -> list[BadLine]:
    """Load RDF into the staging store; with ``keep_going`` (line-based formats) skip bad lines."""
    target = ox.NamedNode(graph)
    try:
        store.oxigraph.load(rdf.data, format=rdf.format.oxigraph, to_graph=target)
        return []
    except (SyntaxError, ValueError) as exc:
        if not (keep_going and rdf.format.line_based and isinstance(exc, SyntaxError)):
            raise syntax_error_from(exc, rdf.source) from exc
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
        store.oxigraph.extend(quads)
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


def validate_dumps(
    dumps: Sequence[Dump],
    *,
    shapes: ShapesSet,
    settings: Settings,
    graph: str | None = None,
    keep_going: bool = False,
    required_class: int | None = None,
    locate: bool = True,
) -> Staged:
    """Stage the dumps, validate them against ``shapes`` and assess their models; write nothing.

    Raises :class:`~graphstore.errors.RdfSyntaxError` (file, line, column) for a dump that does
    not parse (unless ``keep_going`` skips bad lines of N-Triples / N-Quads), and
    :class:`DumpError` for a dump with no statements.
    """
    from .importers.mot import import_mot
    from .licences import licence_index
    from .namespaces import Ids

    store = staging_store(settings)
    bad: list[BadLine] = []
    rdf_graphs: list[tuple[RdfInput, str]] = []
    for dump in dumps:
        if dump.rdf is not None:
            name = target_graph(dump, graph)
            bad += stage_rdf(store, dump.rdf, name, keep_going=keep_going)
            rdf_graphs.append((dump.rdf, name))
    mot_graphs: dict[str, Graph] = {}
    if any(d.rdf is None for d in dumps):
        index = licence_index(store.to_rdflib(str(LICENCE_GRAPH)))
        with tempfile.TemporaryDirectory(prefix="mofkg-validate-") as folder:
            paths, names = [], {}
            for i, dump in enumerate(dumps):
                if dump.mot_data is not None:
                    base = Path(dump.source).name if is_mot(dump.source) else "stdin.yml"
                    path = Path(folder) / str(i) / base
                    path.parent.mkdir()
                    path.write_bytes(dump.mot_data)
                    paths.append(path)
                    names[str(path)] = dump.source
                elif dump.mot_path is not None:
                    paths.append(dump.mot_path)
            try:
                result = import_mot(
                    paths, ids=Ids(settings.base_iri), licence_resolver=index.resolve
                )
            except MofkgError as exc:
                message = str(exc)
                for temporary, source in names.items():
                    message = message.replace(temporary, source)
                raise DumpError("MOT records", message) from exc
        mot_graphs = result.graphs()
        for name, g in mot_graphs.items():
            store.add_graph(g, name, replace=False)
    data_graphs = [name for _, name in rdf_graphs] + list(mot_graphs)
    triples = sum(store.graph_size(g) for g in dict.fromkeys(data_graphs))
    triples += _named_graph_quads(
        store, exclude={*data_graphs, str(ONTOLOGY_GRAPH), str(LICENCE_GRAPH)}
    )
    if triples == 0 and not bad:
        raise DumpError(", ".join(d.source for d in dumps), "the dump holds no RDF statements")
    outcome = (
        validate_store(store, shapes.graph)
        if len(shapes.graph)
        else ValidationOutcome(conforms=True, results=[])
    )
    framework = load_framework(FRAMEWORK)
    assessments = assess_with(store, framework)
    report = ValidationReport(
        sources=[d.source for d in dumps],
        triples=triples,
        outcome=outcome,
        assessments=assessments,
        framework=framework,
        shapes_files=shapes.files,
        bad_lines=bad,
        required_class=required_class,
    )
    if locate and outcome.results:
        from .reports import locate_focus_nodes

        report.lines = locate_focus_nodes(dumps, {r.focus_node for r in outcome.results})
    return Staged(store=store, report=report, rdf_graphs=rdf_graphs, mot_graphs=mot_graphs)


def _named_graph_quads(store: Store, *, exclude: set[str]) -> int:
    """Quads a TriG / N-Quads / JSON-LD dump put in graphs of its own naming."""
    from .assessment import derived_graph

    exclude = exclude | {str(derived_graph(FRAMEWORK))}
    return sum(n for g, n in store.graph_sizes().items() if g not in exclude)


def load_staged(staged: Staged, store: Store) -> list[str]:
    """Write a validated dump into ``store`` (each graph replaced) and store its assessments.

    RDF dumps go through :meth:`Store.load_all` (parsed in full before any write), MOT
    records through :meth:`Store.replace_graphs` (one commit); then the models are assessed
    in the catalogue and their assessments written.
    """
    from .assessment import write_assessments

    written: list[str] = []
    if staged.rdf_graphs:
        results = store.load_all(staged.rdf_graphs, replace=True)
        written += [r.graph for r in results]
    if staged.mot_graphs:
        store.replace_graphs(staged.mot_graphs)
        written += list(staged.mot_graphs)
    models = [str(a.model) for a in staged.report.assessments]
    if models:
        framework = load_framework(FRAMEWORK)
        write_assessments(store, assess_with(store, framework, models=models))
    store.flush()
    return written


# -- the command -----------------------------------------------------------------------

ReportKind = Literal["text", "json", "turtle", "jsonld", "html"]
REPORT_KINDS: tuple[ReportKind, ...] = ("text", "json", "turtle", "jsonld", "html")


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """``mofkg validate``: exit 0 conforms, 1 violations, 2 dump or shapes unreadable."""
    from .reports import render

    if args.load and args.graph and len(args.dumps) > 1:
        print(
            "mofkg validate: --graph takes one dump (each would replace the last)", file=sys.stderr
        )
        return 2
    if args.load:
        from .cli import open_store

        if not open_store(settings, read_only=False).has_graph(str(LICENCE_GRAPH)):
            print("mofkg validate: --load needs a store set up with `mofkg init`", file=sys.stderr)
            return 2
    try:
        shapes = read_shapes_files([Path(f) for f in args.shapes], replace=args.replace_shapes)
        dumps = []
        for name in args.dumps:
            if name == "-":
                if not args.format:
                    print("mofkg validate: reading standard input needs --format", file=sys.stderr)
                    return 2
                dumps.append(read_dump(sys.stdin.buffer, format=args.format, source_name="<stdin>"))
            else:
                dumps.append(read_dump(Path(name), format=args.format, source_name=name))
        required = CLASS_NUMBERS[args.require_class] if args.require_class else None
        staged = validate_dumps(
            dumps,
            shapes=shapes,
            settings=settings,
            graph=args.graph,
            keep_going=args.keep_going,
            required_class=required,
        )
    except MofkgError as exc:
        print(f"mofkg validate: {exc}", file=sys.stderr)
        return 2
    report = staged.report
    out = render(report, args.report)
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    sys.stdout.flush()
    status = report.exit_status
    if args.load:
        if status != 0:
            print("mofkg validate: nothing loaded (the dump does not pass)", file=sys.stderr)
        else:
            from .cli import open_store

            written = load_staged(staged, open_store(settings))
            for name in written:
                print(f"loaded {name}", file=sys.stderr)
    return status


def register(sub: Any) -> None:
    """Add the ``validate`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("validate", help="validate RDF dumps or MOT records; store nothing")
    p.add_argument("dumps", nargs="+", metavar="DUMP", help="RDF files (also .gz), .yml; - stdin")
    p.add_argument(
        "--shapes", action="append", default=[], metavar="FILE", help="more SHACL shapes (repeat)"
    )
    p.add_argument(
        "--replace-shapes", action="store_true", help="use only --shapes, not the metadata shapes"
    )
    p.add_argument("--format", choices=[*format_names(), MOT_FORMAT], help="input format")
    p.add_argument("--report", choices=REPORT_KINDS, default="text", help="report format")
    p.add_argument("--load", action="store_true", help="load the dump into the store if it passes")
    p.add_argument("--graph", help="named graph to load into (default: one per file)")
    p.add_argument(
        "--require-class", choices=list(CLASS_NUMBERS), help="fail unless every model reaches it"
    )
    p.add_argument(
        "--keep-going", action="store_true", help="N-Triples / N-Quads: report every bad line"
    )
    p.set_defaults(run=cmd_validate)


__all__ = [
    "BadLine",
    "Dump",
    "DumpError",
    "ShapesFileError",
    "ShapesSet",
    "Staged",
    "ValidationReport",
    "load_staged",
    "read_dump",
    "read_shapes_files",
    "register",
    "validate_dumps",
]

_ = URIRef
