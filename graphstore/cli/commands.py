"""The commands of ``mofkg``: each reads its arguments and calls the package that does the work."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from rdflib import Graph, URIRef

from ..catalogue.openness import percent_texts
from ..errors import MofkgError, UsageError
from ..namespaces import source_graph
from ..progress import Progress, human_size
from ..query.output import write_query_result
from ..rdfio.bounded_input import command_budget
from ..rdfio.formats import format_by_name, format_names
from ..rdfio.loading import open_rdf_input
from ..settings import Settings
from ..store.embedded import Store
from ..store.opening import open_store


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


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from ..store.bootstrap import initialise

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


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from ..errors import QueryError
    from ..query.deadline import reaches_out, run_with_deadline
    from ..query.policy import Policy

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
        return write_query_result(args, store.query(sparql))
    except BrokenPipeError:
        raise
    except (OSError, ValueError, RuntimeError) as exc:  # a SERVICE endpoint's failure, say
        raise QueryError(f"query failed: {exc}") from exc


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
    from ..exports.catalogue import write_catalogue

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
        from ..linking.command import export_link_mappings

        if args.format or args.graph:
            raise UsageError("export mappings writes SSSOM TSV; it takes no --format or --graph")
        return export_link_mappings(settings, args.output)
    if args.what == ["mappings", "reconciliation"]:
        from ..reconcile.cli import run_export_mappings

        if args.format or args.graph:
            raise UsageError(
                "export mappings reconciliation writes SSSOM TSV; it takes no --format or --graph"
            )
        return run_export_mappings(args, settings)
    if args.what[0] != "mot" or len(args.what) != 2:
        raise UsageError(
            "export takes no argument, or: export mot MODEL, or: export mappings [reconciliation]"
        )
    from ..importers.mot import dump_record_yaml

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
    from ..namespaces import MOF, SCHEMA, Ids

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
    from ..catalogue.licences import licence_index
    from ..importers import commons_cli
    from ..importers.located_yaml import InputError
    from ..importers.mot import import_mot
    from ..namespaces import LICENCE_GRAPH, MOF, Ids

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
        from ..linking.command import import_link_mappings

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
    from ..importers.osai import IndexErrors
    from ..importers.osai_rdf import import_index
    from ..namespaces import Ids

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
    from ..frameworks.assessment import (
        assess_and_write,
        assess_models,
        json_lines,
        write_assessments,
    )
    from ..frameworks.definition import load_framework
    from ..frameworks.registry import all_frameworks, find_framework
    from ..frameworks.writing import Reassessment
    from ..store.pending import PendingGraphs

    store = open_store(settings)
    models = [resolve_model(store, m, settings) for m in args.model] or None
    if args.shapes is not None:
        frameworks = [load_framework(args.framework or args.shapes.stem, shapes=args.shapes)]
    elif args.framework is not None:
        frameworks = [find_framework(args.framework, settings.frameworks)]
    else:
        frameworks = all_frameworks(settings.frameworks)
    # The first assessments of every framework are one write (one span of pending graphs):
    # a run cut short leaves none of them. A re-assessment's changes are one update.
    whole = models is None
    changes = Reassessment()
    span = PendingGraphs(store) if whole and store.path is not None else nullcontext(None)
    done = []
    with span as pending:
        for fw in frameworks:
            with Progress(f"assessing under {fw.key}"):
                if whole:
                    # The whole store: each batch is written while the next one is assessed.
                    results = assess_and_write(
                        store, framework=fw, pending=pending, reassessment=changes
                    )
                else:
                    results = assess_models(
                        store, framework=fw, models=models, reassessment=changes
                    )
                    write_assessments(store, results, frameworks=[fw], reassessment=changes)
            done.append((fw, results))
        changes.commit(store)
    store.flush()
    for fw, results in done:
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
    from ..frameworks.explain import explain_model

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
    from ..catalogue.owl import check_ontology

    with Progress("reasoning over the ontology with HermiT"):
        check = check_ontology()
    print(check.message)
    return 0 if check.consistent else 1
