"""The ``mofkg`` command line.

Exit status: 0 on success, 1 with a one-line message on bad input, 2 on bad usage.
The store folder comes from ``--store``, else ``MOFKG_STORE``, else ``./mofkg-data``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TextIO

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import __version__
from .bounded_input import command_budget
from .errors import MofkgError
from .formats import format_by_name, format_names
from .generation import announce_write
from .loading import open_rdf_input
from .namespaces import source_graph
from .openness import percent_texts
from .progress import Progress, human_size
from .settings import Settings, load_settings
from .store import Store
from .termination import EXIT_TERMINATED, Terminated, raise_on_sigterm, sigterm_kept

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

Command = Callable[[argparse.Namespace, Settings], int]


class UsageError(MofkgError):
    """A command used the wrong way (exit status 2)."""


#: Stores this command opened for writing; a running server is told of them at the end.
_WRITTEN: set[Path] = set()


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    if not read_only:
        raise_on_sigterm()  # a write is committed whole or not at all, then the command ends
    if settings.backend != "embedded":
        from .backends import open_remote

        return open_remote(settings, read_only=read_only)  # type: ignore[return-value]
    if not read_only:
        _WRITTEN.add(settings.store)
    return Store(settings.store, read_only=read_only)


def read_text_argument(value: str) -> str:
    """A query given inline, or ``@file`` to read it from a file (``@-`` for standard input)."""
    if not value.startswith("@"):
        return value
    name = value[1:]
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise MofkgError(f"{name}: cannot read: {exc.strerror or exc}") from exc


# -- commands --------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import initialise

    store = open_store(settings)
    with Progress("building the ontology and licence graphs"):
        result = initialise(store, settings, demo=args.demo, commons=args.demo)
    store.flush()
    for graph, size in result.graphs.items():
        print(f"{graph}\t{size} triples")
    print(f"store ready at {settings.store if settings.backend == 'embedded' else store}")
    return 0


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    if args.graph and len(args.files) > 1 and args.replace:
        raise UsageError("--replace with --graph takes one file (each would replace the last)")
    inputs = []
    budget = command_budget(settings.max_input)
    for name in args.files:
        source = sys.stdin.buffer if name == "-" else Path(name)
        label = "<stdin>" if name == "-" else name
        if name == "-" and not args.format:
            raise UsageError("reading standard input needs --format")
        rdf = open_rdf_input(
            source,
            format=args.format,
            source_name=label,
            budget=budget,
            max_depth=settings.max_input_depth,
        )
        graph = args.graph or str(source_graph(Path(label).name))
        inputs.append((rdf, graph))
    store = open_store(settings)
    total = sum(len(rdf.data) for rdf, _ in inputs)
    with Progress(f"loading {len(inputs)} file(s), {human_size(total)}"):
        results = store.load_all(inputs, replace=args.replace, base_iri=args.base)
    store.flush()
    for result in results:
        print(f"{result.source}\t{result.graph}\t{result.triples} triples")
    return 0


_CONTROL = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def table_cell(term: Any) -> str:
    """A term as a person reads it in the table: a literal's lexical form (with its language
    tag), an IRI as a prefixed name or in ``<>``; nothing for an unbound variable.

    >>> table_cell(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '3'
    >>> table_cell(ox.Literal("chat", language="en")), table_cell(ox.NamedNode("http://ex/a"))
    ('chat@en', '<http://ex/a>')
    """
    from .reports import short_iri

    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        text = term.value.translate(_CONTROL)  # one row per line
        return f"{text}@{term.language}" if term.language else text
    if isinstance(term, ox.NamedNode):
        return short_iri(term.value)
    return str(term)


def _print_table(solutions: ox.QuerySolutions, out: TextIO) -> None:
    names = [v.value for v in solutions.variables]
    rows = [[table_cell(s[n]) for n in names] for s in solutions]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    out.write("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from .errors import QueryError
    from .query_deadline import reaches_out, run_with_deadline
    from .query_policy import Policy

    sparql = read_text_argument(args.sparql)
    store = open_store(settings, read_only=True)
    # The endpoint's policy: SERVICE and LOAD reach only the endpoints of service_allow.
    Policy(allow=settings.service_allow, holds=store.has_graph).check(sparql)
    if reaches_out(sparql) and settings.backend != "embedded":
        raise MofkgError("a query with SERVICE is not available on a remote backend yet")
    if reaches_out(sparql):  # an allowed SERVICE: bounded by the endpoint's timeout and row cap
        text, cut = run_with_deadline(
            settings.store,
            sparql,
            args.format,
            timeout=settings.query_timeout,
            max_rows=settings.max_rows,
        )
        sys.stdout.write(text)
        if cut:
            print(
                f"mofkg query: cut to the first {settings.max_rows} rows (setting max_rows)",
                file=sys.stderr,
            )
        return 0
    try:
        return _write_query_result(args, store.query(sparql))
    except BrokenPipeError:
        raise
    except (OSError, ValueError, RuntimeError) as exc:  # a SERVICE endpoint's failure, say
        raise QueryError(f"query failed: {exc}") from exc


def _write_query_result(args: argparse.Namespace, result: Any) -> int:
    out = sys.stdout
    fmt = args.format
    if isinstance(result, ox.QueryBoolean):
        if fmt in RESULT_FORMATS:
            data = result.serialize(format=RESULT_FORMATS[fmt])
            assert data is not None
            out.write(data.decode("utf-8"))
        else:
            out.write(("true" if bool(result) else "false") + "\n")
    elif isinstance(result, ox.QuerySolutions):
        if fmt in (None, "table"):
            _print_table(result, out)
        elif fmt in RESULT_FORMATS:
            data = result.serialize(format=RESULT_FORMATS[fmt])
            assert data is not None
            out.write(data.decode("utf-8"))
        else:
            raise UsageError(
                f"--format {fmt} is for graphs; SELECT results take table, "
                f"{', '.join(RESULT_FORMATS)}"
            )
    else:
        rdf = format_by_name(fmt or "turtle") if fmt not in RESULT_FORMATS else None
        if rdf is None or fmt == "table":
            raise UsageError(
                f"--format {fmt} is for SELECT results; graphs take {', '.join(format_names())}"
            )
        data = ox.serialize(result, format=rdf.oxigraph)
        assert data is not None
        out.write(data.decode("utf-8"))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    if args.profile:
        return export_catalogue(args, settings)
    if args.what:
        return export_record(args, settings)
    if not args.format:
        raise UsageError("export needs --format (" + ", ".join(format_names()) + ")")
    store = open_store(settings, read_only=True)
    fmt = format_by_name(args.format)
    if args.output:
        store.export(Path(args.output), fmt, graph=args.graph)
    else:
        store.export(sys.stdout.buffer, fmt, graph=args.graph)
        sys.stdout.buffer.flush()
    return 0


def export_catalogue(args: argparse.Namespace, settings: Settings) -> int:
    """``export --profile dcat-ap|mldcat-ap``: the catalogue for DCAT harvesters."""
    from .exports.catalogue import write_catalogue

    if args.what or args.graph:
        raise UsageError(
            "export --profile writes the whole catalogue: "
            "it takes no mot or mappings argument, no --graph"
        )
    fmt = format_by_name(args.format or "turtle")
    if fmt.is_dataset and fmt.name != "jsonld":
        raise UsageError(f"export --profile writes one graph: --format {fmt.name} is for datasets")
    store = open_store(settings, read_only=True)
    data = write_catalogue(
        store,
        args.profile,
        fmt,
        base_iri=settings.base_iri,
        data_licence=settings.data_licence_iri,
    )
    if args.output:  # made whole first: a failed export leaves no half-written file
        Path(args.output).write_bytes(data or b"")
    else:
        sys.stdout.buffer.write(data or b"")
        sys.stdout.buffer.flush()
    return 0


def export_record(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == ["mappings"]:
        from .linking.command import export_link_mappings

        if args.format or args.graph:
            raise UsageError("export mappings writes SSSOM TSV; it takes no --format or --graph")
        return export_link_mappings(settings, args.output)
    if args.what == ["mappings", "reconciliation"]:
        from .reconcile.cli import run_export_mappings

        if args.format or args.graph:
            raise UsageError(
                "export mappings reconciliation writes SSSOM TSV; it takes no --format or --graph"
            )
        return run_export_mappings(args, settings)
    if args.what[0] != "mot" or len(args.what) != 2:
        raise UsageError(
            "export takes no argument, or: export mot MODEL, or: export mappings [reconciliation]"
        )
    from .importers.mot import dump_record_yaml

    store = open_store(settings, read_only=True)
    model = resolve_model(store, args.what[1], settings)
    text = dump_record_yaml(model_description(store, model), URIRef(model))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def model_description(store: Store, model: str) -> Graph:
    """What the store says of one model: its own triples, its components', its blank nodes'
    and the labels of the resources it points to."""
    return store.construct(
        f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          {{ BIND(<{model}> AS ?s) ?s ?p ?o }}
          UNION {{ <{model}> mof:hasComponent ?s . ?s ?p ?o }}
          UNION {{ <{model}> mof:hasComponent? ?x . ?x ?q ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
          UNION {{ <{model}> ?q ?s . FILTER(isIRI(?s)) ?s ?p ?o .
                   FILTER(?p IN (rdfs:label, schema:name)) }}
        }}"""
    )


def resolve_model(store: Store, name: str, settings: Settings) -> str:
    """A model given by IRI, by name, or by the slug of its IRI."""
    from .namespaces import MOF, SCHEMA, Ids

    if name.startswith(("http://", "https://")):
        if any(c in name for c in '<>"{}|\\^` \n'):
            raise MofkgError(f"{name!r} is not an IRI (it holds a character IRIs may not)")
        candidates = [name]
    else:
        rows = store.select(
            f"SELECT DISTINCT ?m WHERE {{ ?m a <{MOF.Model}> . "
            f"{{ ?m <{SCHEMA.name}> ?n . FILTER(STR(?n) = {json.dumps(name)}) }} "
            f"UNION {{ FILTER(?m = <{Ids(settings.base_iri).model(name)}>) }} }}"
        )
        candidates = sorted(str(r["m"]) for r in rows)
    if not candidates or not store.ask(f"ASK {{ <{candidates[0]}> a <{MOF.Model}> }}"):
        raise MofkgError(f"no model {name!r} in the store")
    if len(candidates) > 1:
        raise MofkgError(
            f"{name!r} names {len(candidates)} models; give an IRI: " + ", ".join(candidates)
        )
    return candidates[0]


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from .importers import commons_cli
    from .importers.located_yaml import InputError
    from .importers.mot import import_mot
    from .licences import licence_index
    from .namespaces import LICENCE_GRAPH, MOF, Ids

    if (message := commons_cli.refuse_foreign_options(args)) is not None:
        raise UsageError(message)
    if args.kind in commons_cli.KINDS:
        try:
            return commons_cli.run_import(args, settings, open_store(settings))
        except InputError as exc:
            raise UsageError(str(exc)) from exc
    if args.kind == "osai":
        return cmd_import_osai(args, settings)
    if args.kind == "mappings":
        from .linking.command import import_link_mappings

        return import_link_mappings(settings, args.paths)
    if args.kind != "mot":
        raise UsageError(f"unknown import kind {args.kind!r}; use: import mot PATH...")
    store = open_store(settings)
    licences = store.to_rdflib(str(LICENCE_GRAPH))
    if not len(licences):
        raise MofkgError("the store has no licence graph; run `mofkg init` first")
    index = licence_index(licences)
    names = {p.name for p in _record_paths(args.paths)}
    # Models of the records being imported again are replaced, not kept apart from.
    existing = {
        URIRef(str(row["m"]))
        for row in store.select(
            f"SELECT DISTINCT ?m ?r WHERE {{ ?m a <{MOF.Model}> . "
            f"OPTIONAL {{ ?m <{MOF.sourceRecord}> ?r }} }}"
        )
        if "r" not in row or str(row["r"]) not in names
    }
    with Progress(f"importing {len(names)} MOT record(s)"):
        result = import_mot(
            args.paths,
            ids=Ids(settings.base_iri),
            licence_resolver=index.resolve,
            existing_models=existing,
        )
        store.replace_graphs(result.graphs())
    store.flush()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for record in result.records:
        print(f"{record.path.name}\t{record.model}\t{len(record.graph)} triples")
    print(f"{len(result.records)} records imported")
    return 0


def cmd_import_osai(args: argparse.Namespace, settings: Settings) -> int:
    """The European Open Source AI Index: its graph and the framework's score and ranking, in
    one commit; a malformed Index file is refused (exit 2) and nothing is written."""
    from .importers.osai import IndexErrors
    from .importers.osai_rdf import import_index
    from .namespaces import Ids

    if len(args.paths) != 1:
        raise UsageError("import osai takes one PATH: the Index's folder or its models/ folder")
    try:
        result = import_index(args.paths[0], ids=Ids(settings.base_iri))
    except IndexErrors as exc:
        print(f"mofkg import: {exc}", file=sys.stderr)
        return 2
    store = open_store(settings)
    store.replace_graphs(result.graphs())
    store.flush()
    for warning in result.release.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for name, graph in result.graphs().items():
        print(f"{name}\t{len(graph)} triples")
    print(f"{len(result.release.records)} Index records imported (doi:{result.release.doi})")
    return 0


def _record_paths(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.iterdir() if p.suffix in (".yml", ".yaml")]
        else:
            found.append(path)
    return found


def cmd_assess(args: argparse.Namespace, settings: Settings) -> int:
    from .assessment import assess_and_write, assess_models, json_lines, write_assessments
    from .frameworks.registry import all_frameworks, find_framework
    from .requirements import load_framework

    store = open_store(settings)
    models = [resolve_model(store, m, settings) for m in args.model] or None
    if args.shapes is not None:
        frameworks = [load_framework(args.framework or args.shapes.stem, shapes=args.shapes)]
    elif args.framework is not None:
        frameworks = [find_framework(args.framework, settings.frameworks)]
    else:
        frameworks = all_frameworks(settings.frameworks)
    for fw in frameworks:
        with Progress(f"assessing under {fw.key}"):
            if models is None:
                # The whole store: each batch is written while the next one is assessed.
                results = assess_and_write(store, framework=fw)
            else:
                results = assess_models(store, framework=fw, models=models)
                write_assessments(store, results, frameworks=[fw])
        store.flush()
        if args.json:
            for line in json_lines(results):
                print(line if len(frameworks) == 1 else f'{{"framework": "{fw.key}", {line[1:]}')
            continue
        for a in results:
            progress = " ".join(f"{n}:{text}" for n, text in percent_texts(a.progress).items())
            print(f"{a.label}\t{progress}\t{a.name or a.model}")
        by_label: dict[str, int] = {}
        for a in results:
            by_label[a.label] = by_label.get(a.label, 0) + 1
        summary = ", ".join(f"{n} {label}" for label, n in sorted(by_label.items()))
        print(f"{len(results)} models assessed under {fw.key}: {summary}")
    return 0


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    from .explain import explain_model

    store = open_store(settings, read_only=True)
    model = resolve_model(store, args.model, settings)
    print(
        explain_model(
            store,
            model,
            framework=args.framework,
            shapes=args.shapes,
            folder=settings.frameworks,
        )
    )
    return 0


def cmd_graphs(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings, read_only=True)
    sizes = store.graph_sizes()
    for graph, size in sizes.items():
        print(f"{size}\t{graph}")
    print(f"{len(sizes)} graphs, {sum(sizes.values())} triples")
    return 0


def cmd_check_ontology(args: argparse.Namespace, settings: Settings) -> int:
    from .owl import check_ontology

    with Progress("reasoning over the ontology with HermiT"):
        check = check_ontology()
    print(check.message)
    return 0 if check.consistent else 1


# -- the parser ------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 2 with one line (no usage dump) that says which
    ``--help`` to read."""

    def error(self, message: str) -> Any:
        self.exit(2, f"mofkg: {message} (see {self.prog} --help)\n")

    def parse_args(  # type: ignore[override]  # always a Namespace, never a custom one
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        """As argparse's, but an unknown argument after a command names that command's help."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "command", None)
            where = f"{self.prog} {command}" if command else self.prog
            self.exit(
                2, f"mofkg: unrecognized arguments: {' '.join(extras)} (see {where} --help)\n"
            )
        return parsed


#: Options of every command, given before or after its name: flag -> (type, metavar, help).
GLOBAL_OPTIONS: dict[str, tuple[type, str, str]] = {
    "--store": (Path, "DIR", "store folder (default: $MOFKG_STORE or ./mofkg-data)"),
    "--config": (Path, "FILE", "a TOML settings file"),
    "--backend": (str, "KIND", "embedded (default), oxigraph, virtuoso or sparql"),
}
_VERSION = f"mofkg {__version__}"


def _after_dest(flag: str) -> str:
    """Where a global option given after the command name is parsed to."""
    return f"{flag.lstrip('-').replace('-', '_')}_after_command"


def add_global_options(command: argparse.ArgumentParser) -> None:
    """Let a subcommand take the global options after its name too; a command that declares
    one of them itself (``serve --store``) keeps its own."""
    try:
        command.add_argument("--version", action="version", version=_VERSION)
    except argparse.ArgumentError:
        pass
    for flag, (kind, metavar, text) in GLOBAL_OPTIONS.items():
        try:
            command.add_argument(
                flag,
                type=kind,
                metavar=metavar,
                help=text,
                dest=_after_dest(flag),
                default=argparse.SUPPRESS,
            )
        except argparse.ArgumentError:
            pass  # the command's own option of that name


def merge_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The global options given after the command name, moved to where the ones given before
    it are; one given on both sides with two values is a usage error."""
    for flag in GLOBAL_OPTIONS:
        name = flag.lstrip("-").replace("-", "_")
        after = getattr(args, _after_dest(flag), None)
        if after is None:
            continue
        delattr(args, _after_dest(flag))
        before = getattr(args, name, None)
        if before is not None and before != after:
            parser.error(f"{flag} given twice: {before} before {args.command}, {after} after it")
        setattr(args, name, after)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="mofkg", description="The knowledge graph of model openness.")
    parser.add_argument("--version", action="version", version=_VERSION)
    for flag, (kind, metavar, text) in GLOBAL_OPTIONS.items():
        parser.add_argument(flag, type=kind, metavar=metavar, help=text)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("init", help="create the store with the ontology and licence graph")
    p.add_argument(
        "--demo",
        action="store_true",
        help="also load the demo catalogue: hand-made models and the shipped Commons"
        " (LF AI & Data landscape, OSAI Index, MOT records, reconciled)",
    )
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("load", help="load RDF files (all or nothing)")
    p.add_argument("files", nargs="+", metavar="FILE", help="RDF files (also .gz); - for stdin")
    p.add_argument("--graph", help="named graph IRI (default: one graph per file)")
    p.add_argument("--replace", action="store_true", help="replace the graph instead of adding")
    p.add_argument("--format", choices=format_names(), help="RDF format (default: from suffix)")
    p.add_argument("--base", help="base IRI for relative IRIs")
    p.set_defaults(run=cmd_load)

    p = sub.add_parser("query", help="run a SPARQL query over the store")
    p.add_argument("sparql", help="the query, or @FILE to read it from a file")
    p.add_argument(
        "--format",
        choices=["table", *RESULT_FORMATS, *format_names()],
        help="output format (default: table for SELECT, Turtle for graphs)",
    )
    p.set_defaults(run=cmd_query)

    p = sub.add_parser("export", help="write the store, one graph, or a MOT record")
    p.add_argument(
        "what",
        nargs="*",
        help="nothing, or: mot MODEL, or: mappings (the links, SSSOM TSV), or: mappings "
        "reconciliation (the reconciliation's, SSSOM TSV)",
    )
    p.add_argument("--graph", help="only this named graph")
    p.add_argument("--format", choices=format_names(), help="RDF format")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.add_argument(
        "--profile",
        choices=["dcat-ap", "mldcat-ap"],
        help="the catalogue as DCAT-AP 3 or MLDCAT-AP 3.1 (Turtle unless --format)",
    )
    p.set_defaults(run=cmd_export)

    p = sub.add_parser(
        "import",
        help="import other catalogues' records (MOT, OSAI Index, landscape, HF cards, SSSOM)",
    )
    p.add_argument(
        "kind",
        choices=["mot", "osai", "landscape", "hf-card", "mappings"],
        help="mot (Model Openness Tool YAML), osai (the European Open Source AI Index folder),"
        " landscape (LF AI & Data landscape.yml), hf-card (Hugging Face model or dataset cards)"
        " or mappings (a curator's SSSOM TSV)",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="record files or folders")
    from .importers.commons_cli import add_options as add_commons_options

    add_commons_options(p)
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("assess", help="assess models' openness and store the assessments")
    p.add_argument("--framework", help="only this framework (default: every framework)")
    p.add_argument("--shapes", type=Path, help="the framework's shapes file, if not shipped")
    p.add_argument("--model", action="append", default=[], help="only this model (repeatable)")
    p.add_argument("--json", action="store_true", help="one JSON object per model and line")
    p.set_defaults(run=cmd_assess)

    p = sub.add_parser("explain", help="say what class a model reaches and what would lift it")
    p.add_argument("model", help="the model's IRI or name")
    p.add_argument("--framework", default="mof-1.0", help="framework key (default: mof-1.0)")
    p.add_argument("--shapes", type=Path, help="the framework's shapes file, if not shipped")
    p.set_defaults(run=cmd_explain)

    from .validation import register as register_validate

    register_validate(sub)
    from .reconcile.cli import register as register_reconcile

    register_reconcile(sub)

    from .linking.command import register as register_link

    register_link(sub)

    p = sub.add_parser("graphs", help="list the named graphs and their sizes")
    p.set_defaults(run=cmd_graphs)

    p = sub.add_parser("check-ontology", help="check the ontology's consistency with HermiT")
    p.set_defaults(run=cmd_check_ontology)

    for register in [*EXTRA_COMMANDS, *plugin_commands()]:
        register(sub)
    for command in sub.choices.values():
        add_global_options(command)
    return parser


#: Functions that add more subcommands, each called with the subparsers object.
EXTRA_COMMANDS: list[Callable[[Any], None]] = []

#: Entry-point group through which other packages add commands (``api`` adds ``serve``),
#: so that this package never imports them.
COMMAND_GROUP = "mofkg.commands"


def plugin_commands() -> list[Callable[[Any], None]]:
    """The ``register(subparsers)`` functions installed under :data:`COMMAND_GROUP`."""
    found = entry_points(group=COMMAND_GROUP)
    return [ep.load() for ep in sorted(found, key=lambda ep: ep.name)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    merge_global_options(parser, args)
    status = _run(args)
    # The command's stores are closed by now: a server sharing one reopens it (a failed
    # command may have written part of its work, so it counts too).
    while _WRITTEN:
        folder = _WRITTEN.pop()
        try:
            announce_write(folder)
        except MofkgError as exc:
            print(f"mofkg {args.command}: {exc}", file=sys.stderr)
            status = status or 1
    return status


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(file=args.config, store=args.store, backend=args.backend)
        if settings.backend != "embedded":
            from .backends import check_command
            from .remote_http import BackendUnsupported

            try:
                check_command(args)
            except BackendUnsupported as exc:
                raise UsageError(str(exc)) from exc
        run: Command = args.run
        with sigterm_kept():
            return run(args, settings)
    except UsageError as exc:
        print(f"mofkg {args.command}: {exc}", file=sys.stderr)
        return 2
    except MofkgError as exc:
        print(f"mofkg {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mofkg: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(
            f"mofkg {args.command}: terminated (SIGTERM); its write is in the store whole "
            "if the signal came after the commit, else not at all (never in part)",
            file=sys.stderr,
        )
        return EXIT_TERMINATED
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
