"""The links graph as an SSSOM TSV file, and a curator's edited file back.

A curator edits the exported file: a row whose ``predicate_modifier`` is ``Not`` rejects its
mapping; a row whose ``mapping_justification`` is ``semapv:ManualMappingCuration`` accepts it
(with ``predicate_id`` ``skos:exactMatch``, or ``owl:sameAs`` to say the two are the same
thing). Other rows are the tool's own findings and change nothing when read back.

>>> rows = read_curation_tsv(EXAMPLE, source="x.tsv")
>>> [(c.decision, c.object) for c in rows]
[('rejected', 'http://www.wikidata.org/entity/Q2')]
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Mapping

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, OWL, SKOS

from ..errors import MofkgError, SourceError
from ..namespaces import (
    LINK_CURATION_GRAPH,
    SEMAPV,
    SPDX_LICENCE,
    SSSOM,
    WD,
    WIKIDATA_LINKS_GRAPH,
)
from ..store.embedded import Store
from .links import Curation, Decision, mapping_iri

COLUMNS = (
    "subject_id",
    "subject_label",
    "subject_category",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "mapping_date",
    "mapping_tool",
    "comment",
)
PREDICATES = {"skos:exactMatch": str(SKOS.exactMatch), "owl:sameAs": str(OWL.sameAs)}

EXAMPLE = """# curie_map:
#   mofkg: https://w3id.org/mofkg/id/
#   wikidata: http://www.wikidata.org/entity/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification
mofkg:model/A\tskos:exactMatch\tNot\twikidata:Q2\tsemapv:LexicalMatching
mofkg:model/B\tskos:exactMatch\t\twikidata:Q3\tsemapv:LexicalMatching
"""


def prefix_map(base_iri: str) -> dict[str, str]:
    """The CURIE prefixes of the exported file."""
    return {
        "mofkg": base_iri + "id/",
        "wikidata": str(WD),
        "spdx": str(SPDX_LICENCE),
        "skos": str(SKOS),
        "owl": str(OWL),
        "semapv": str(SEMAPV),
    }


def _curie(iri: str, prefixes: Mapping[str, str]) -> str:
    for prefix, namespace in sorted(prefixes.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    raise MofkgError(f"<{iri}> has no prefix in the mapping file's curie_map")


def _clean(text: str) -> str:
    return " ".join(text.split())


def write_links_tsv(store: Store, *, base_iri: str) -> str:
    """The links graph (and the curators' rejections) as SSSOM TSV text."""
    prefixes = prefix_map(base_iri)
    rows = store.select(
        f"""SELECT ?g ?s ?p ?o ?not ?just ?conf ?date ?tool ?c ?sl ?sc ?ol WHERE {{
          VALUES ?g {{ <{WIKIDATA_LINKS_GRAPH}> <{LINK_CURATION_GRAPH}> }}
          GRAPH ?g {{
            ?m a <{OWL.Axiom}> ; <{OWL.annotatedSource}> ?s ; <{OWL.annotatedProperty}> ?p ;
               <{OWL.annotatedTarget}> ?o ; <{SSSOM.mapping_justification}> ?just .
            OPTIONAL {{ ?m <{SSSOM.predicate_modifier}> ?not }}
            OPTIONAL {{ ?m <{SSSOM.confidence}> ?conf }}
            OPTIONAL {{ ?m <{DCTERMS.created}> ?date }}
            OPTIONAL {{ ?m <{SSSOM.mapping_tool}> ?tool }}
            OPTIONAL {{ ?m <{RDFS.comment}> ?c }}
            OPTIONAL {{ ?m <{SSSOM.subject_label}> ?sl }}
            OPTIONAL {{ ?m <{SSSOM.subject_category}> ?sc }}
            OPTIONAL {{ ?m <{SSSOM.object_label}> ?ol }}
          }} }} ORDER BY ?s ?o ?g"""
    )
    out = io.StringIO()
    out.write("# curie_map:\n")
    for prefix, namespace in prefixes.items():
        out.write(f"#   {prefix}: {namespace}\n")
    out.write(f"# mapping_set_id: {WIKIDATA_LINKS_GRAPH}\n")
    out.write("# license: https://creativecommons.org/publicdomain/zero/1.0/\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    written: set[tuple[str, str]] = set()
    for row in rows:
        key = (str(row["s"]), str(row["o"]))
        is_curation = str(row["g"]) == str(LINK_CURATION_GRAPH)
        if is_curation and str(row.get("not", "")) != "Not":
            continue  # an accepted decision is in the links graph already
        if key in written:
            continue
        written.add(key)
        writer.writerow(
            [
                _curie(key[0], prefixes),
                _clean(str(row.get("sl", ""))),
                str(row.get("sc", "")),
                _curie(str(row["p"]), prefixes),
                str(row.get("not", "")),
                _curie(key[1], prefixes),
                _clean(str(row.get("ol", ""))),
                _curie(str(row["just"]), prefixes),
                str(row.get("conf", "")),
                str(row.get("date", "")),
                str(row.get("tool", "")),
                _clean(str(row.get("c", ""))),
            ]
        )
    return out.getvalue()


def check_with_sssom(text: str, *, source: str) -> int:
    """Parse the TSV with the ``sssom`` package's own parser; the number of mappings."""
    with warnings.catch_warnings():
        # sssom 0.4 sets a pandas option that pandas 3 deprecates, at import time.
        warnings.simplefilter("ignore")
        from sssom.parsers import parse_sssom_table

        try:
            parsed = parse_sssom_table(io.StringIO(text))
        except Exception as exc:  # sssom raises many kinds; each is a refusal of the file
            raise SourceError(source, f"not a valid SSSOM TSV file: {exc}") from exc
    return len(parsed.df)


def read_curation_tsv(text: str, *, source: str) -> list[Curation]:
    """The curator's decisions in an SSSOM TSV file (rejections and manual acceptances)."""
    lines = text.splitlines()
    prefixes: dict[str, str] = {}
    body_start = 0
    in_map = False
    for number, line in enumerate(lines):
        if not line.startswith("#"):
            body_start = number
            break
        content = line[1:].rstrip()
        if content.strip() == "curie_map:":
            in_map = True
            continue
        if in_map and content.startswith("  ") and ":" in content:
            prefix, _, namespace = content.strip().partition(":")
            prefixes[prefix.strip()] = namespace.strip()
        else:
            in_map = False
    else:
        raise SourceError(source, "no header row (subject_id, predicate_id, object_id, ...)")
    reader = csv.reader(lines[body_start:], delimiter="\t")
    header = next(reader, [])
    missing = [c for c in ("subject_id", "predicate_id", "object_id") if c not in header]
    if missing:
        raise SourceError(f"{source}:{body_start + 1}", f"the header lacks {', '.join(missing)}")
    found: list[Curation] = []
    for offset, cells in enumerate(reader, start=2):
        where = f"{source}:{body_start + offset}"
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise SourceError(where, f"{len(cells)} cells where the header has {len(header)}")
        row = dict(zip(header, cells, strict=True))
        modifier = row.get("predicate_modifier", "").strip()
        justification = row.get("mapping_justification", "").strip()
        if modifier not in ("", "Not"):
            raise SourceError(where, f"predicate_modifier {modifier!r}: only Not is allowed")
        decision: Decision | None = None
        if modifier == "Not":
            decision = "rejected"
        elif justification == "semapv:ManualMappingCuration":
            decision = "accepted"
        if decision is None:
            continue
        predicate = row["predicate_id"].strip()
        if predicate not in PREDICATES:
            raise SourceError(
                where,
                f"predicate_id {predicate!r}: use {' or '.join(PREDICATES)}",
            )
        subject = _expand(row["subject_id"], prefixes, where)
        obj = _expand(row["object_id"], prefixes, where)
        found.append(
            Curation(subject, obj, decision, PREDICATES[predicate], row.get("comment", "").strip())
        )
    return found


def _expand(curie: str, prefixes: Mapping[str, str], where: str) -> str:
    curie = curie.strip()
    prefix, colon, local = curie.partition(":")
    if not colon or not local:
        raise SourceError(where, f"{curie!r} is not a CURIE (prefix:local)")
    if prefix in ("http", "https"):
        return curie
    if prefix not in prefixes:
        raise SourceError(where, f"prefix {prefix!r} of {curie} is not in the curie_map")
    return prefixes[prefix] + local


def apply_curations(links: Graph, curations: Iterable[Curation]) -> Graph:
    """The links graph with curators' decisions applied: rejected links and their mappings
    gone, accepted ones asserted (with the curator's predicate)."""
    graph = Graph()
    for triple in links:
        graph.add(triple)
    name = str(WIKIDATA_LINKS_GRAPH)
    for c in curations:
        node = mapping_iri(name, c.subject, c.object)
        subject, obj = URIRef(c.subject), URIRef(c.object)
        for predicate in (SKOS.exactMatch, OWL.sameAs):
            graph.remove((subject, predicate, obj))
        if c.decision == "rejected":
            graph.remove((node, None, None))
            graph.remove((None, None, node))
            continue
        graph.remove((node, OWL.annotatedProperty, None))
        graph.remove((node, SSSOM.mapping_justification, None))
        graph.remove((node, RDFS.comment, None))
        graph.add((URIRef(name), SSSOM.mappings, node))
        graph.add((node, RDF.type, OWL.Axiom))
        graph.add((node, OWL.annotatedSource, subject))
        graph.add((node, OWL.annotatedTarget, obj))
        graph.add((node, OWL.annotatedProperty, URIRef(c.predicate)))
        graph.add((node, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
        graph.add((node, RDFS.comment, RdfLiteral("accepted by a curator")))
        graph.add((subject, URIRef(c.predicate), obj))
    return graph
