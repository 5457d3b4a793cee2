"""Validating metadata dumps before they enter the catalogue: parse, check shapes, assess.

A dump (RDF in any format of :mod:`mofkg.graphstore.rdfio.formats`, gzip or not, or MOT YAML
records) is
staged in an in-memory store beside the ontology and the licence graph; nothing is written to
the catalogue. The staged data is validated against the *conformance shapes* (the metadata
shapes ``shapes/metadata.ttl`` plus any shapes the user gives, or only the user's with
``replace``) by :func:`mofkg.graphstore.shacl.validate_store`, and every model is assessed under
MOF 1.0 (:func:`mofkg.graphstore.frameworks.assessment.assess_with`) to say which class it would
reach and
what is missing. :mod:`mofkg.graphstore.validation.reports` renders the outcome.

>>> from mofkg.graphstore.settings import Settings
>>> shapes = ShapesSet.from_graphs([])
>>> dump = read_dump(b'<http://ex/a> <http://ex/p> "x" .', source_name="inline.nt")
>>> staged = validate_dumps([dump], shapes=shapes, settings=Settings())
>>> staged.report.exit_status, staged.report.triples
(0, 1)
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..errors import MofkgError
from ..frameworks.assessment import BATCH_MODELS, ModelAssessment, Outcome, assess_with
from ..frameworks.definition import Framework, load_framework
from ..namespaces import LICENCE_GRAPH, MOF, ONTOLOGY_GRAPH
from ..resources import ontology_path
from ..settings import Settings
from ..shacl import ShapesError, counted_values
from ..shacl.literals import stage_graph
from ..shacl.scoped import validate_scoped
from ..shacl.threads import WORKERS as SHACL_WORKERS
from ..store.embedded import Store
from .dumps import (
    MAX_BAD_LINES,
    METADATA_SHAPES,
    MOT_FORMAT,
    MOT_SUFFIXES,
    BadLine,
    Dump,
    DumpError,
    ShapesFileError,
    ShapesSet,
    is_mot,
    read_dump,
    read_shapes_files,
    stage_dump,
    stage_rdf,
    target_graph,
)
from .outcome import FRAMEWORK, ValidationReport


@dataclass
class Staged:
    """A validated dump, with what :func:`load_staged` needs (and its staging store, if kept)."""

    store: Store | None
    report: ValidationReport
    rdf_graphs: list[tuple[Dump, str]]
    mot_graphs: dict[str, Graph]


# -- assessments as the reports read them ----------------------------------------------


class Summaries:
    """Assessments cut to what the reports read, equal parts shared between models.

    A report reads each model's IRI, name, class, progress and which requirements are unmet
    and why; not the component behind each outcome, nor the licence warnings (not SHACL
    conformance). At 50,000 models the full assessments take about 430 MiB, mostly distinct
    components and their states; summarised, an outcome (a requirement's status) and a
    progress are one object for all the models that share them (a hundred or so kinds).

    >>> from mofkg.graphstore.namespaces import MOF
    >>> from mofkg.graphstore.frameworks.definition import Requirement
    >>> from rdflib import URIRef
    >>> req = Requirement(MOF.S, MOF.ClassI, MOF.ModelCard, False, None, MOF.V, "needs a card")
    >>> def full(model: str) -> ModelAssessment:
    ...     outcome = Outcome(req, MOF.Missing, False, None, False)
    ...     return ModelAssessment(URIRef(model), None, None, "f", 0, None, "Unclassified",
    ...                            {1: 0.0}, (outcome,))
    >>> summaries = Summaries()
    >>> a, b = summaries.add([full("http://ex/a"), full("http://ex/b")])
    >>> a.outcomes[0] is b.outcomes[0] and a.progress is b.progress, str(b.model)
    (True, 'http://ex/b')
    """

    def __init__(self) -> None:
        self.progress: dict[tuple[tuple[int, float], ...], dict[int, float]] = {}
        self.one: dict[tuple[int, URIRef, bool, bool], Outcome] = {}

    def outcome(self, o: Outcome) -> Outcome:
        # the framework's requirement objects are shared by every outcome: keyed by identity
        key = (id(o.requirement), o.status, o.met, o.substituted)
        found = self.one.get(key)
        if found is None:
            found = self.one[key] = Outcome(o.requirement, o.status, o.met, None, o.substituted)
        return found

    def add(self, assessments: Iterable[ModelAssessment]) -> list[ModelAssessment]:
        """The summaries of ``assessments`` (the full ones may be dropped afterwards)."""
        found = []
        for a in assessments:
            outcomes = tuple(self.outcome(o) for o in a.outcomes)
            progress = self.progress.setdefault(tuple(sorted(a.progress.items())), a.progress)
            found.append(replace(a, outcomes=outcomes, progress=progress, warnings=()))
        return found


# -- staging ---------------------------------------------------------------------------


def staging_store(settings: Settings, store: Store | None = None) -> Store:
    """An in-memory store (or ``store``) with the ontology and the licence graph added (the
    shapes refer to them)."""
    from ..store.bootstrap import licence_graph

    store = Store() if store is None else store
    store.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    # added, not replaced: a dump may be staged into the same store meanwhile
    store.add_graph(licence_graph(settings), str(LICENCE_GRAPH), replace=False)
    return store


class _Staging(threading.Thread):
    """The RDF dumps staged on a thread of their own: Oxigraph loads most of a line-based dump
    without the GIL (:mod:`.staging`), while the calling thread builds the licence graph and
    reads the framework, which are Python."""

    def __init__(
        self, store: Store, dumps: Sequence[Dump], graph: str | None, keep_going: bool
    ) -> None:
        super().__init__(name="mofkg-staging", daemon=True)
        self.store, self.dumps, self.graph, self.keep_going = store, dumps, graph, keep_going
        self.bad: list[BadLine] = []
        self.rdf_graphs: list[tuple[Dump, str]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for dump in self.dumps:
                if dump.is_rdf:
                    name = target_graph(dump, self.graph)
                    self.bad += stage_dump(self.store, dump, name, keep_going=self.keep_going)
                    self.rdf_graphs.append((dump, name))
        except BaseException as exc:  # raised again by the calling thread, in finish()
            self.error = exc

    def finish(self) -> tuple[list[BadLine], list[tuple[Dump, str]]]:
        """Wait for the staging; its bad lines and graphs, or its error raised here."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.bad, self.rdf_graphs


def validate_dumps(
    dumps: Sequence[Dump],
    *,
    shapes: ShapesSet,
    settings: Settings,
    graph: str | None = None,
    keep_going: bool = False,
    required_class: int | None = None,
    locate: bool = True,
    keep_store: bool = False,
    assess: bool = True,
) -> Staged:
    """Stage the dumps, validate them against ``shapes`` and assess their models; write nothing.

    ``assess=False`` leaves out what only the text, JSON and HTML reports show (a standard
    SHACL report in Turtle or JSON-LD has no place for it): each model's MOF assessment and the
    values of count results; the report then lists no models. ``locate=False`` leaves out
    where each focus node is described.

    Raises :class:`~mofkg.graphstore.errors.RdfSyntaxError` (file, line, column) for a dump
    that does not parse (unless ``keep_going`` skips bad lines of N-Triples / N-Quads), and
    :class:`DumpError` for a dump with no statements. The staging store is dropped once the
    models are assessed (before any report is rendered) unless ``keep_store``.
    """
    from .log_notes import captured_warnings

    with captured_warnings() as notes:
        staged = _validate_dumps(
            dumps,
            shapes=shapes,
            settings=settings,
            graph=graph,
            keep_going=keep_going,
            required_class=required_class,
            locate=locate,
            keep_store=keep_store,
            assess=assess,
        )
    staged.report.notes = notes
    return staged


def _validate_dumps(
    dumps: Sequence[Dump],
    *,
    shapes: ShapesSet,
    settings: Settings,
    graph: str | None,
    keep_going: bool,
    required_class: int | None,
    locate: bool,
    keep_store: bool,
    assess: bool = True,
) -> Staged:
    store = Store()
    staging = _Staging(store, dumps, graph, keep_going)
    staging.start()
    try:
        staging_store(settings, store)
        framework = load_framework(FRAMEWORK)
    except BaseException:
        staging.join()
        raise
    bad, rdf_graphs = staging.finish()
    mot_graphs: dict[str, Graph] = {}
    if any(not d.is_rdf for d in dumps):
        from ..catalogue.licences import licence_index
        from ..importers.mot import import_mot
        from ..namespaces import Ids

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
            stage_graph(store.oxigraph, g, name)
    data_graphs = [name for _, name in rdf_graphs] + list(mot_graphs)
    triples = sum(store.graph_size(g) for g in dict.fromkeys(data_graphs))
    triples += _named_graph_quads(
        store, exclude={*data_graphs, str(ONTOLOGY_GRAPH), str(LICENCE_GRAPH)}
    )
    if triples == 0 and not bad:
        raise DumpError(", ".join(d.source for d in dumps), "the dump holds no RDF statements")
    try:
        outcome = validate_scoped(
            store,
            shapes.graph,
            shapes.user,
            catalogue=(str(ONTOLOGY_GRAPH), str(LICENCE_GRAPH)),
            with_catalogue=shapes.with_catalogue,
            workers=SHACL_WORKERS,
        )
    except ShapesError as exc:  # found only as the shapes run (a SHACL-SPARQL query pySHACL reads)
        raise ShapesFileError(", ".join(shapes.files), str(exc)) from exc
    assessments = Summaries().add(assess_staged(store, framework)) if assess else []
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
    report.values = counted_values(store, outcome) if assess and outcome.results else {}
    kept = store if keep_store else None
    del store  # the staged data is the largest thing alive: gone before lines and reports
    if locate and outcome.results:
        from .reports import locate_focus_nodes

        report.lines = locate_focus_nodes(dumps, {r.focus_node for r in outcome.results})
    return Staged(
        store=kept,
        report=report,
        rdf_graphs=rdf_graphs,
        mot_graphs=mot_graphs,
    )


#: Most models a staging store is assessed in place (derived facts written into it). Above, in
#: batches on working copies: at 50,000 models deriving over the whole store at once held about
#: 1 GiB more; at 10,000 the copies (every quad of a batch through Python) cost more time and
#: memory than they save (32 s against 24 s CPU, 585 against 504 MiB).
IN_PLACE_MODELS = 2 * BATCH_MODELS


def assess_staged(store: Store, framework: Framework) -> list[ModelAssessment]:
    """Every model of a staging store assessed; the store is never kept, so the derived facts
    need not be written into it.

    Up to :data:`IN_PLACE_MODELS` models, in place (a working copy would copy the whole
    store); above, in batches on working copies with nothing written (``write_derived=False``).
    """
    typed = store.oxigraph.quads_for_pattern(
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(MOF.Model))
    )
    small = sum(1 for _ in islice(typed, IN_PLACE_MODELS + 1)) <= IN_PLACE_MODELS
    return assess_with(store, framework, write_derived=small)


def _named_graph_quads(store: Store, *, exclude: set[str]) -> int:
    """Quads a TriG / N-Quads / JSON-LD dump put in graphs of its own naming (each such graph
    counted alone: a count over every graph would read the whole store once more)."""
    from ..frameworks.assessment import derived_graph

    exclude = exclude | {str(derived_graph(FRAMEWORK))}
    own = [g.value for g in store.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)]
    return sum(store.graph_size(g) for g in own if g not in exclude)


def load_staged(staged: Staged, store: Store) -> list[str]:
    """Write a validated dump into ``store`` (each graph replaced) with its models'
    assessments and the derived facts, in ONE commit (:mod:`.committing`): a kill leaves the
    store as it was or with all of it."""
    from .committing import load_in_one_commit

    rdf = [(dump.rdf_input(), name) for dump, name in staged.rdf_graphs]
    models = [str(a.model) for a in staged.report.assessments]
    if not isinstance(store, Store):
        return _load_staged_remote(rdf, staged.mot_graphs, models, store)
    return load_in_one_commit(store, rdf, staged.mot_graphs, models)


def _load_staged_remote(
    rdf: list[tuple[Any, str]], mot_graphs: dict[str, Any], models: list[str], store: Any
) -> list[str]:
    """:func:`load_staged` on a remote store (docs/backends.md): the dump in one all-or-nothing
    load, then its models assessed and their assessments written in a second one."""
    from ..frameworks.assessment import write_assessments

    written: list[str] = []
    if rdf:
        written += [r.graph for r in store.load_all(rdf, replace=True)]
    if mot_graphs:
        store.replace_graphs(mot_graphs)
        written += list(mot_graphs)
    if models:
        framework = load_framework(FRAMEWORK)
        write_assessments(store, assess_with(store, framework, models=models))
    store.flush()
    return written


# -- the command -----------------------------------------------------------------------

ReportKind = Literal["text", "json", "turtle", "jsonld", "html"]
REPORT_KINDS: tuple[ReportKind, ...] = ("text", "json", "turtle", "jsonld", "html")


__all__ = [
    "MAX_BAD_LINES",
    "METADATA_SHAPES",
    "MOT_FORMAT",
    "MOT_SUFFIXES",
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
    "stage_rdf",
    "target_graph",
    "validate_dumps",
]
