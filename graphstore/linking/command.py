"""``mofkg link wikidata``, ``mofkg export mappings`` and ``mofkg import mappings``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import MofkgError, SourceError
from ..namespaces import LINK_CURATION_GRAPH, WIKIDATA_LINKS_GRAPH
from ..settings import Settings
from ..store.embedded import Store
from .client import WikidataClient, user_agent
from .links import Curation, RunRecord, curation_graph, links_graph, read_curations
from .matching import ask_wikidata, catalogue_entities, score_matches
from .sssom_tsv import apply_curations, check_with_sssom, read_curation_tsv, write_links_tsv


def register(sub: Any) -> None:
    """Add ``link`` to the CLI's subcommands."""
    p = sub.add_parser("link", help="link the catalogue to Wikidata (skos:exactMatch, SSSOM)")
    p.add_argument("target", choices=["wikidata"], help="the catalogue to link to")
    p.add_argument("--endpoint", help="SPARQL endpoint (default: setting link_endpoint)")
    p.add_argument("--dry-run", action="store_true", help="print the links; store nothing")
    p.add_argument("--rejections", type=Path, help="SSSOM TSV of rejected mappings to honour")
    p.add_argument("--contact", help="contact for the User-Agent (setting link_contact)")
    p.add_argument("--timeout", type=float, help="seconds per answer (setting link_timeout)")
    p.add_argument("--retries", type=int, help="retries on 429/503 (setting link_retries)")
    p.add_argument("--rate", type=float, help="requests per second (setting link_rate)")
    p.add_argument("--batch", type=int, help="values per query (setting link_batch)")
    p.add_argument("--threshold", type=float, help="score to accept (setting link_threshold)")
    p.set_defaults(run=_run_link)


def _run_link(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from ..errors import UsageError
    from ..store.opening import open_store

    overrides = {
        "link_endpoint": args.endpoint,
        "link_contact": args.contact,
        "link_timeout": args.timeout,
        "link_retries": args.retries,
        "link_rate": args.rate,
        "link_batch": args.batch,
        "link_threshold": args.threshold,
        "link_rejections": args.rejections,
    }
    try:
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    except MofkgError as exc:  # the settings' own checks
        raise UsageError(str(exc)) from exc
    rejections = _rejections(settings.link_rejections)
    store = open_store(settings, read_only=args.dry_run)
    result = link_wikidata(store, settings, rejections=rejections, write=not args.dry_run)
    out = sys.stdout
    for line in result.lines:
        out.write(line + "\n")
    verb = "would store" if args.dry_run else "stored"
    out.write(
        f"{result.accepted} links, {result.candidates} candidates, {result.rejected} rejected "
        f"kept out; {result.queries} queries to {settings.link_endpoint}; {verb} in "
        f"<{WIKIDATA_LINKS_GRAPH}>\n"
    )
    if not args.dry_run:
        store.flush()
    return 0


def _rejections(path: Path | None) -> list[Curation]:
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    return [c for c in _curator_file(text, str(path)) if c.decision == "rejected"]


def _curator_file(text: str, source: str) -> list[Curation]:
    """A curator's SSSOM TSV: bad input is a usage error (exit status 2), naming file:line."""
    from ..errors import UsageError

    try:
        check_with_sssom(text, source=source)
        return read_curation_tsv(text, source=source)
    except SourceError as exc:
        raise UsageError(str(exc)) from exc


@dataclass
class LinkResult:
    """What a run found: one line per match, and the counts."""

    lines: list[str] = field(default_factory=list)
    accepted: int = 0
    candidates: int = 0
    rejected: int = 0
    queries: int = 0


def link_wikidata(
    store: Store, settings: Settings, *, rejections: list[Curation], write: bool
) -> LinkResult:
    """Ask the endpoint, score the matches and (``write``) replace the links graph in one
    transaction. Any failure of the endpoint raises before anything is written."""
    started = datetime.now(UTC)
    client = WikidataClient(
        settings.link_endpoint,
        user_agent(__version__, settings.link_contact),
        timeout=settings.link_timeout,
        retries=settings.link_retries,
        max_wait=settings.link_max_wait,
        rate=settings.link_rate,
        max_bytes=settings.link_max_response,
    )
    entities = catalogue_entities(store)
    found = ask_wikidata(client, entities, batch=settings.link_batch)
    matches = score_matches(entities, found, threshold=settings.link_threshold)
    curations = read_curations(store)
    for c in rejections:
        curations[(c.subject, c.object)] = c
    run = RunRecord(settings.link_endpoint, client.sent, started, datetime.now(UTC))
    graph = links_graph(matches, curations, run)
    result = LinkResult()
    result.queries = len(client.sent)
    for m in matches:
        decision = curations.get((m.entity.iri, m.item_iri))
        if decision is not None and decision.decision == "rejected":
            status = "rejected"
            result.rejected += 1
        elif m.accepted or decision is not None:
            status = "link"
            result.accepted += 1
        else:
            status = "candidate"
            result.candidates += 1
        result.lines.append(f"{status}\t{m.entity.iri}\t{m.item_iri}\t{m.score:.3f}")
    if write:
        store.replace_graphs({str(WIKIDATA_LINKS_GRAPH): graph})
    return result


def export_link_mappings(settings: Settings, output: str | None) -> int:
    """``mofkg export mappings``: the links as SSSOM TSV, checked with sssom's parser."""
    from ..store.opening import open_store

    store = open_store(settings, read_only=True)
    text = write_links_tsv(store, base_iri=settings.base_iri)
    check_with_sssom(text, source="the exported mappings")
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def import_link_mappings(settings: Settings, paths: list[Path]) -> int:
    """``mofkg import mappings FILE``: a curator's decisions, kept and applied at once."""
    from ..errors import UsageError
    from ..store.opening import open_store

    if len(paths) != 1:
        raise UsageError("import mappings takes one SSSOM TSV file")
    path = paths[0]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    decisions = _curator_file(text, str(path))
    store = open_store(settings)
    curations = read_curations(store)
    for c in decisions:
        curations[(c.subject, c.object)] = c
    links = store.to_rdflib(str(WIKIDATA_LINKS_GRAPH))
    store.replace_graphs(
        {
            str(LINK_CURATION_GRAPH): curation_graph(curations.values()),
            str(WIKIDATA_LINKS_GRAPH): apply_curations(links, decisions),
        }
    )
    store.flush()
    accepted = sum(c.decision == "accepted" for c in decisions)
    print(
        f"{path}: {accepted} accepted, {len(decisions) - accepted} rejected; "
        f"{len(curations)} decisions kept in <{LINK_CURATION_GRAPH}>"
    )
    return 0
