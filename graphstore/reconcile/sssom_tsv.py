"""SSSOM TSV: the reconciliation graph exported, and a curator's overrides read, with sssom-py.

Overrides are an SSSOM TSV file of accepted and rejected matches. A curator's row has
``mapping_justification semapv:ManualMappingCuration``: with ``predicate_id skos:exactMatch``
it accepts a match, with ``predicate_modifier Not`` as well it rejects one; any other predicate
is refused with its line. Rows with another justification are the tool's own matches (an
exported mapping set can be edited and given back as overrides): they are counted and left to
the next run. (sssom-py and pandas take seconds to import: they are imported here only, when
a TSV is written or read.)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import MofkgError
from ..importers.located_yaml import InputError
from ..namespaces import GRAPH, MOF, SCHEMA, Ids
from ..store.embedded import Store
from .mapping_graph import MAPPING_LICENCE, RECONCILIATION_GRAPH, SSSOM
from .matching import MANUAL

SKOS_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
COLUMNS = [
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "subject_source",
    "object_source",
    "subject_match_field",
    "object_match_field",
    "match_string",
    "mapping_tool",
    "comment",
]
_MULTI = {"subject_match_field", "object_match_field"}


def prefix_map(ids: Ids) -> dict[str, str]:
    return {
        "mofid": ids.base + "id/",
        "mofgraph": str(GRAPH),
        "mof": str(MOF),
        "schema": str(SCHEMA),
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "semapv": "https://w3id.org/semapv/vocab/",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "sssom": str(SSSOM),
    }


def mapping_rows(store: Store) -> list[dict[str, Any]]:
    """The mappings of the reconciliation graph, one dict per mapping (IRIs as IRIs)."""
    slots = [c for c in COLUMNS if c not in ("subject_id", "predicate_id", "object_id", "comment")]
    optional = " ".join(f"OPTIONAL {{ ?m sssom:{c} ?{c} }}" for c in slots if c not in _MULTI)
    multi = " ".join(
        f'OPTIONAL {{ SELECT ?m (GROUP_CONCAT(STR(?x{c}); separator="|") AS ?{c}) '
        f"WHERE {{ ?m sssom:{c} ?x{c} }} GROUP BY ?m }}"
        for c in _MULTI
    )
    rows = store.select(
        f"""PREFIX sssom: <{SSSOM}>
        SELECT * WHERE {{ GRAPH <{RECONCILIATION_GRAPH}> {{
          <{RECONCILIATION_GRAPH}> sssom:mappings ?m .
          ?m owl:annotatedSource ?subject_id ; owl:annotatedProperty ?predicate_id ;
             owl:annotatedTarget ?object_id .
          OPTIONAL {{ ?m rdfs:comment ?comment }} {optional} {multi} }} }}
        ORDER BY ?subject_id ?object_id"""
    )
    return [{k: str(v) for k, v in row.items() if k != "m"} for row in rows]


def write_mappings(store: Store, out: TextIO, *, ids: Ids) -> int:
    """Write the reconciliation graph as an SSSOM TSV; the number of mappings."""
    import pandas as pd
    from curies import Converter
    from sssom.parsers import from_sssom_dataframe
    from sssom.writers import write_table

    rows = mapping_rows(store)
    if not rows:
        raise MofkgError("the store has no mappings; run `mofkg reconcile` first")
    prefixes = prefix_map(ids)
    converter = Converter.from_prefix_map(prefixes)
    curie_rows = []
    for row in rows:
        out_row: dict[str, Any] = {}
        for column in COLUMNS:
            value = row.get(column)
            if value is None:
                continue
            if column in _MULTI:
                out_row[column] = "|".join(
                    converter.compress(v, passthrough=True) for v in value.split("|")
                )
            elif column in (
                "subject_id",
                "predicate_id",
                "object_id",
                "mapping_justification",
                "subject_source",
                "object_source",
            ):
                out_row[column] = converter.compress(value, passthrough=True)
            elif column == "confidence":
                out_row[column] = float(value)
            else:
                out_row[column] = value
        curie_rows.append(out_row)
    frame = pd.DataFrame(
        curie_rows, columns=[c for c in COLUMNS if any(c in r for r in curie_rows)]
    )
    meta = {
        "mapping_set_id": str(RECONCILIATION_GRAPH),
        "license": str(MAPPING_LICENCE),
        "mapping_tool": "mofkg reconcile",
    }
    with sssom_warnings_quiet():
        msdf = from_sssom_dataframe(frame, prefix_map=prefixes, meta=meta)
        write_table(msdf, out)
    return len(rows)


@contextmanager
def sssom_warnings_quiet() -> Iterator[None]:
    """sssom-py 0.4 calls pandas in ways pandas 2.3 deprecates (``replace`` downcasting): a
    FutureWarning of theirs on every table, which says nothing to our users."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pandas\.")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"sssom\.")
        yield


@dataclass
class Overrides:
    """A curator's decisions: accepted and rejected pairs of IRIs, with their lines."""

    source: str
    accepted: list[tuple[str, str, int]] = field(default_factory=list)
    rejected: list[tuple[str, str, int]] = field(default_factory=list)
    #: rows that are not a curator's (another mapping_justification)
    not_decisions: int = 0


def read_overrides(path: Path) -> Overrides:
    """Read an SSSOM TSV of accepted and rejected matches with sssom-py's parser."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), None, f"not UTF-8 text: {exc.reason}") from exc
    lines = text.splitlines()
    header = next((n for n, line in enumerate(lines, 1) if not line.startswith("#")), None)
    if header is None or "subject_id" not in lines[header - 1].split("\t"):
        raise InputError(
            str(path), header, "no SSSOM TSV header row (subject_id, predicate_id ...)"
        )
    from sssom.parsers import parse_sssom_table

    try:
        with sssom_warnings_quiet():
            msdf = parse_sssom_table(path)
    except Exception as exc:  # sssom-py raises many kinds (ValueError, KeyError, yaml ...)
        raise InputError(str(path), None, f"not an SSSOM TSV: {exc}") from exc
    converter = msdf.converter
    overrides = Overrides(str(path))
    # sssom-py sorts the rows: find each one's line in the file by its subject, predicate, object
    columns = lines[header - 1].split("\t")
    where: dict[tuple[str, ...], int] = {}
    for number in range(header + 1, len(lines) + 1):
        cells = dict(zip(columns, lines[number - 1].split("\t"), strict=False))
        key = tuple(cells.get(c, "").strip() for c in ("subject_id", "predicate_id", "object_id"))
        where.setdefault(key, number)
    for _, row in msdf.df.iterrows():
        key = tuple(str(row[c]) for c in ("subject_id", "predicate_id", "object_id"))
        number = where.get(key, header)
        subject = converter.expand(str(row["subject_id"]), passthrough=True)
        obj = converter.expand(str(row["object_id"]), passthrough=True)
        predicate = converter.expand(str(row["predicate_id"]), passthrough=True)
        modifier = row.get("predicate_modifier")
        negated = isinstance(modifier, str) and modifier == "Not"
        justification = converter.expand(str(row.get("mapping_justification")), passthrough=True)
        if justification != MANUAL:
            overrides.not_decisions += 1
            continue
        if predicate != SKOS_EXACT:
            raise InputError(
                str(path),
                number,
                f"predicate {row['predicate_id']!r}: an override is skos:exactMatch "
                "(accepted), or skos:exactMatch with predicate_modifier Not (rejected)",
            )
        (overrides.rejected if negated else overrides.accepted).append((subject, obj, number))
    return overrides
