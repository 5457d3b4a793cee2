"""The updates that end a remote write: the staging graphs moved into their targets in one
request (:func:`final_update`), and graphs dropped (:func:`drops`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["MANY_GRAPHS", "drops", "final_update"]


#: Graphs past which the final update moves them all with three patterns, not three
#: operations each (Virtuoso refuses an update of a thousand operations: "Query too large").
MANY_GRAPHS = 64


def final_update(
    staging: Mapping[str, str], targets: Sequence[str], *, replace: bool, create: Sequence[str]
) -> str:
    ops = [f"CREATE SILENT GRAPH <{g}>" for g in create]
    if len(staging) > MANY_GRAPHS:
        return " ;\n".join([*ops, *_moves_by_pattern(staging, targets, replace=replace)])
    for target in dict.fromkeys([*targets, *staging]):
        stage = staging.get(target)
        if stage is None:
            if replace and target in targets:
                ops.append(f"DROP SILENT GRAPH <{target}>")
        elif replace and target in targets:
            ops.append(f"DROP SILENT GRAPH <{target}>")
            ops.append(f"ADD SILENT <{stage}> TO <{target}>")
            ops.append(f"DROP SILENT GRAPH <{stage}>")
        else:
            ops.append(f"ADD SILENT <{stage}> TO <{target}>")
            ops.append(f"DROP SILENT GRAPH <{stage}>")
    return " ;\n".join(ops) or "CLEAR SILENT GRAPH <urn:mofkg:nothing>"


def drops(graphs: Sequence[str]) -> str:
    """One update dropping the graphs (past :data:`MANY_GRAPHS`, as one pattern)."""
    if len(graphs) <= MANY_GRAPHS:
        return " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
    names = " ".join(f"<{g}>" for g in graphs)
    return (
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { "
        f"VALUES ?g {{ {names} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )


def _moves_by_pattern(
    staging: Mapping[str, str], targets: Sequence[str], *, replace: bool
) -> list[str]:
    """The moves of :func:`_final_update` as three operations over all the graphs: empty the
    targets replaced, copy each staging graph into its target, empty the staging graphs
    (blank nodes bound to variables stay the same nodes)."""
    emptied = " ".join(f"<{t}>" for t in dict.fromkeys(targets)) if replace else ""
    pairs = " ".join(f"(<{st}> <{t}>)" for t, st in staging.items())
    stages = " ".join(f"<{st}>" for st in staging.values())
    ops = []
    if emptied:
        ops.append(
            "DELETE { GRAPH ?t { ?s ?p ?o } } WHERE { "
            f"VALUES ?t {{ {emptied} }} GRAPH ?t {{ ?s ?p ?o }} }}"
        )
    ops.append(
        "INSERT { GRAPH ?t { ?s ?p ?o } } WHERE { "
        f"VALUES (?st ?t) {{ {pairs} }} GRAPH ?st {{ ?s ?p ?o }} }}"
    )
    ops.append(
        "DELETE { GRAPH ?st { ?s ?p ?o } } WHERE { "
        f"VALUES ?st {{ {stages} }} GRAPH ?st {{ ?s ?p ?o }} }}"
    )
    return ops
