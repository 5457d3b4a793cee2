"""Benchmark `mofkg assess` against Oxigraph's load alone (the floor) and pySHACL (the baseline).

For each size (default 1,000 / 10,000 / 50,000 models; mofkg.graphstore.synthetic, 17 component
types, a mix of licences and gaps), a catalogue is written as N-Triples and each step runs in
its own process (so that its peak memory is its own: ``ru_maxrss`` of that process, which
counts Oxigraph's Rust allocations, unlike tracemalloc):

- floor: ``Store.load`` of the file into a fresh ON-DISK store (one transaction, what
  ``mofkg load`` does); the same into a fresh IN-MEMORY store is shown beside it;
- assess: on an on-disk store that already holds the ontology, the licence graph and the
  catalogue (the state ``mofkg assess`` sees, prepared by an earlier process),
  ``assess_and_write`` (``assess_models`` + ``write_assessments``, each batch's write
  overlapping the next batch's assessment), as ``mofkg assess`` runs it over a whole store;
  ``--unpiped`` times the two calls one after the other instead (rules+queries | write);
- pySHACL: ``pyshacl.validate`` of the whole graph (catalogue, ontology, licence graph and the
  rules' derived effective licences) with the same shapes file, timed around the call only,
  killed after ``--pyshacl-timeout`` seconds (default 15 minutes) and skipped above 10,000
  models. Where it finishes, its (focus node, source shape, severity) set is compared with
  the assessment's.

Targets (issue 3): at 1,000 and 10,000 models the assessment >= 30x faster than pySHACL; at
50,000 at most 3x the floor, peak memory under 2 GiB.

    .venv/bin/python bench/assess.py                  # 1000, 10000, 50000
    .venv/bin/python bench/assess.py --sizes 1000     # the quick path (pySHACL takes ~2 min)
    .venv/bin/python bench/assess.py --sizes 10000 --no-pyshacl [--unpiped]   # mofkg only
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts whose names can shadow the standard library (bench/http.py): drop the
# script's own folder from the import path before anything imports http, json, ...
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

PYSHACL_TIMEOUT = 15 * 60
PYSHACL_MAX_MODELS = 10_000
GIB = 1024**3
SOURCE_GRAPH = "https://w3id.org/mofkg/graph/source/synthetic"


# -- the steps, each run in a child process (python bench/assess.py --step NAME ...) ----------


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def step_floor(dump: Path, folder: Path) -> dict[str, Any]:
    from mofkg.graphstore.store.embedded import Store

    out: dict[str, Any] = {}
    for where, store in (("disk", Store(folder / "floor")), ("memory", Store())):
        start = time.perf_counter()
        store.load(dump, graph=SOURCE_GRAPH, format="nt")
        store.flush()
        out[where] = time.perf_counter() - start
    out["triples"] = len(store)
    return out


def step_prepare(dump: Path, folder: Path) -> dict[str, Any]:
    from mofkg.graphstore.settings import Settings
    from mofkg.graphstore.store.bootstrap import initialise
    from mofkg.graphstore.store.embedded import Store

    store = Store(folder / "store")
    initialise(store, Settings())
    store.load(dump, graph=SOURCE_GRAPH, format="nt")
    store.flush()
    return {"quads": len(store)}


def step_assess(dump: Path, folder: Path, *, piped: bool = True) -> dict[str, Any]:
    from mofkg.graphstore.frameworks.assessment import (
        assess_and_write,
        assess_models,
        write_assessments,
    )
    from mofkg.graphstore.store.embedded import Store

    store = Store(folder / "store")
    before = len(store)
    start = time.perf_counter()
    if piped:  # the write overlaps the assessment: no separate times
        results = assess_and_write(store)
        assessed = start
    else:
        results = assess_models(store)
        assessed = time.perf_counter()
        write_assessments(store, results)
    store.flush()
    end = time.perf_counter()
    found = sorted({(r.focus, r.shape, r.severity) for a in results for r in a.results()})
    (folder / "ours.json").write_text(json.dumps(found))
    return {
        "seconds": end - start,
        "assess": assessed - start,
        "write": end - assessed if not piped else 0.0,
        "models": len(results),
        "written": len(store) - before,
        "peak": _peak(),
    }


def step_pyshacl(dump: Path, folder: Path) -> dict[str, Any]:
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    from mofkg.graphstore.frameworks.assessment import derived_triples
    from mofkg.graphstore.frameworks.definition import load_framework
    from mofkg.graphstore.settings import Settings
    from mofkg.graphstore.store.bootstrap import initialise
    from mofkg.graphstore.store.embedded import Store

    store = Store()
    initialise(store, Settings())
    store.load(dump, graph=SOURCE_GRAPH, format="nt")
    framework = load_framework("mof-1.0")
    data = store.to_rdflib() + derived_triples(store, framework)
    start = time.perf_counter()
    _, report, _ = pyshacl.validate(data, shacl_graph=framework.shapes, inference="none")
    seconds = time.perf_counter() - start
    assert isinstance(report, Graph)
    [top] = report.subjects(RDF.type, SH.ValidationReport)
    KEYS = (SH.focusNode, SH.sourceShape, SH.resultSeverity)  # noqa: N806
    found = sorted(
        {tuple(str(report.value(r, p)) for p in KEYS) for r in report.objects(top, SH.result)}
    )
    (folder / "theirs.json").write_text(json.dumps(found))
    return {"seconds": seconds, "triples": len(data), "peak": _peak()}


def step_assess_unpiped(dump: Path, folder: Path) -> dict[str, Any]:
    return step_assess(dump, folder, piped=False)


STEPS = {
    "floor": step_floor,
    "prepare": step_prepare,
    "assess": step_assess,
    "assess-unpiped": step_assess_unpiped,
    "pyshacl": step_pyshacl,
}


# -- the driver --------------------------------------------------------------------------------


@dataclass
class Row:
    """One catalogue size and what each step measured (None: skipped or timed out)."""

    models: int
    triples: int = 0
    floor_disk: float = 0.0
    floor_memory: float = 0.0
    assess: dict[str, Any] = field(default_factory=dict)
    pyshacl: float | None = None
    pyshacl_note: str = ""
    same_results: bool | None = None


def run_step(step: str, dump: Path, folder: Path, *, timeout: float | None = None) -> Any:
    """Run one step in a child process; its JSON result, or None when it timed out."""
    command = [sys.executable, __file__, "--step", step, str(dump), str(folder)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(
    models: int, folder: Path, *, pyshacl_timeout: float, piped: bool = True, pyshacl: bool = True
) -> Row:
    from mofkg.graphstore.synthetic import synthetic_ntriples

    dump = folder / f"synthetic-{models}.nt"
    dump.write_text(synthetic_ntriples(models, seed=0), encoding="utf-8")
    row = Row(models)
    floor = run_step("floor", dump, folder)
    row.triples, row.floor_disk, row.floor_memory = floor["triples"], floor["disk"], floor["memory"]
    run_step("prepare", dump, folder)
    row.assess = run_step("assess" if piped else "assess-unpiped", dump, folder)
    if not pyshacl:
        row.pyshacl_note = "not run (--no-pyshacl)"
    elif models > PYSHACL_MAX_MODELS:
        row.pyshacl_note = f"skipped (> {PYSHACL_MAX_MODELS:,} models)"
    else:
        result = run_step("pyshacl", dump, folder, timeout=pyshacl_timeout)
        if result is None:
            row.pyshacl_note = f"killed at the {pyshacl_timeout:.0f} s cap"
        else:
            row.pyshacl = result["seconds"]
            ours = json.loads((folder / "ours.json").read_text())
            theirs = json.loads((folder / "theirs.json").read_text())
            row.same_results = ours == theirs
    return row


def _split(seconds: float) -> str:
    return f"{seconds:.2f}s" if seconds else "-"  # piped: the stages overlap, no split


def report(rows: list[Row], *, pyshacl_timeout: float) -> bool:
    """Print the table and the targets; True when every target checked is met."""
    print(
        f"{'models':>7} {'triples':>9} {'floor disk':>10} {'floor mem':>9} {'assess':>8} "
        f"{'(rules+queries':>14} {'write)':>7} {'written':>9} {'peak':>9} {'pySHACL':>9} "
        f"{'pySHACL/assess':>14} {'assess/floor':>12} {'same results':>12}"
    )
    ok = True
    notes = []
    for r in rows:
        a = r.assess
        seconds = a["seconds"]
        ratio = f"{r.pyshacl / seconds:.1f}x" if r.pyshacl is not None else "-"
        if r.pyshacl is None and r.pyshacl_note.startswith("killed"):
            ratio = f">{pyshacl_timeout / seconds:.1f}x"
        same = "-" if r.same_results is None else ("yes" if r.same_results else "NO")
        shacl = f"{r.pyshacl:.2f}s" if r.pyshacl is not None else "-"
        print(
            f"{r.models:>7,} {r.triples:>9,} {r.floor_disk:>9.2f}s {r.floor_memory:>8.2f}s "
            f"{seconds:>7.2f}s {_split(a['assess']):>14} {_split(a['write']):>7} "
            f"{a['written']:>9,} "
            f"{a['peak'] / 2**20:>6.0f}MiB {shacl:>9} {ratio:>14} "
            f"{seconds / r.floor_disk:>11.2f}x {same:>12}"
        )
        if r.pyshacl_note:
            notes.append(f"pySHACL at {r.models:,} models: {r.pyshacl_note}")
        if r.models <= PYSHACL_MAX_MODELS and not r.pyshacl_note.startswith("not run"):
            bound = r.pyshacl if r.pyshacl is not None else pyshacl_timeout
            met = bound >= 30 * seconds
            ok &= met and r.same_results is not False
            notes.append(
                f"target {r.models:,}: assessment >= 30x faster than pySHACL: "
                f"{'met' if met else 'NOT met'}"
            )
        if r.models >= 50_000:
            fast, small = seconds <= 3 * r.floor_disk, a["peak"] < 2 * GIB
            ok &= fast and small
            notes.append(
                f"target {r.models:,}: assess <= 3x floor: {'met' if fast else 'NOT met'}; "
                f"peak < 2 GiB: {'met' if small else 'NOT met'}"
            )
    print("\n".join(notes))
    print(
        "floor = Store.load of the N-Triples file into a fresh on-disk store (one transaction);"
        " assess = assess_and_write (assess_models + write_assessments, pipelined; with"
        " --unpiped the two calls, split as rules+queries | write) on an on-disk store holding"
        " the ontology,"
        " licences and catalogue; peak = the assessing process's ru_maxrss; written = quads"
        " added (derived licences + assessments)"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="model counts, commas")
    parser.add_argument("--pyshacl-timeout", type=float, default=PYSHACL_TIMEOUT)
    parser.add_argument(
        "--unpiped",
        action="store_true",
        help="time assess_models then write_assessments (no overlap), split into the two",
    )
    parser.add_argument(
        "--no-pyshacl", action="store_true", help="time mofkg only (pySHACL at 10k: many minutes)"
    )
    parser.add_argument("--step", nargs=3, metavar=("STEP", "DUMP", "FOLDER"), help="internal")
    args = parser.parse_args(argv)
    if args.step:
        step, dump, folder = args.step
        print(json.dumps(STEPS[step](Path(dump), Path(folder))))
        return 0
    sizes = [int(s) for s in args.sizes.replace(" ", "").split(",") if s]
    rows = []
    for models in sizes:
        with tempfile.TemporaryDirectory(prefix=f"mofkg-bench-{models}-") as tmp:
            row = measure(
                models,
                Path(tmp),
                pyshacl_timeout=args.pyshacl_timeout,
                piped=not args.unpiped,
                pyshacl=not args.no_pyshacl,
            )
            rows.append(row)
        print(f"... {models:,} models measured", file=sys.stderr, flush=True)
    return 0 if report(rows, pyshacl_timeout=args.pyshacl_timeout) else 1


if __name__ == "__main__":
    raise SystemExit(main())
