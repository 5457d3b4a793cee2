"""Benchmark `mofkg validate` against Apache Jena's SHACL and the pySHACL command line.

Synthetic catalogues (mofkg.graphstore.synthetic) of 1,000 / 10,000 / 50,000 models are written as
N-Triples; each tool runs as its own process under ``/usr/bin/time -v`` (wall time, CPU time and
peak resident memory), one after the other (the machine has two cores), and each writes the
same kind of report, a Turtle ``sh:ValidationReport``, to a file:

- ``mofkg validate DUMP --report turtle > mofkg.ttl``: parse the dump, stage it beside the
  ontology and the licence graph (which mofkg brings itself), check the metadata shapes
  (``shapes/metadata.ttl``), write the report. Also timed, for reference, with ``--report
  json`` (which adds every model's MOF 1.0 assessment and where each focus node is described).
- Jena: ``java [-Xmx] -cp CP shacl.shacl validate --shapes metadata.ttl --data data.nt >
  jena.ttl``, where ``data.nt`` is the dump followed by the ontology and the licence graph (one
  file: the command reads one). Run once with Java's default heap, then with ``-Xmx`` stepped
  down (``--heaps``) to find the smallest heap it completes with; mofkg's memory is held
  against Jena's at that heap. Skipped, with the reason, where Jena is not installed (Debian:
  libapache-jena-java, default-jre-headless; see bench/peers.py).
- pySHACL: ``pyshacl -s metadata.ttl -i none -f turtle -o pyshacl.ttl data.nt``, capped at
  ``--pyshacl-timeout`` and skipped above 10,000 models.

At 10,000 models (or the size nearest) the three reports are compared: the number of results per
(focus node, source shape, source constraint component) must be the same in each.

Targets (at each size, ratios of wall time in one run): mofkg >= 2x faster than Jena, >= 30x
faster than the pySHACL CLI; mofkg's peak < 2 GiB and below Jena's at its smallest heap.
The machine may be shared: CPU time (user + system) is printed beside wall time.

    .venv/bin/python bench/validate.py                      # 1000, 10000, 50000
    .venv/bin/python bench/validate.py --sizes 1000 10000   # quicker
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from peers import (
    differences,
    jena_command,
    jena_missing,
    pyshacl_command,
    result_counts,
)
from rdflib import Graph

from mofkg.graphstore.resources import ontology_path, shapes_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import licence_graph
from mofkg.graphstore.synthetic import synthetic_ntriples

PYSHACL_TIMEOUT = 15 * 60
PYSHACL_MAX_MODELS = 10_000
GIB = 1024**3
#: -Xmx steps tried below the default heap, smallest first, at each size
HEAPS = ("128m", "192m", "256m", "384m", "512m", "768m", "1g", "1536m", "2g", "3g")


@dataclass(frozen=True)
class Run:
    """One timed process: wall and CPU seconds, peak resident memory in bytes, exit status."""

    seconds: float
    cpu: float
    peak: int
    status: int
    timed_out: bool = False


def timed(command: list[str], out: Path, *, timeout: float | None = None) -> Run:
    """Run a command under /usr/bin/time -v, its standard output written to ``out``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report, out.open("wb") as sink:
        # its own process group: at the cap the tool is killed, not only /usr/bin/time
        process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            stdout=sink,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return Run(float(timeout or 0), 0.0, 0, -1, timed_out=True)
        text = Path(report.name).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    assert wall and rss and user and system, text
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    cpu = float(user.group(1)) + float(system.group(1))
    return Run(total, cpu, int(rss.group(1)) * 1024, status)


def mib(n: int) -> str:
    return f"{n / 1024**2:,.0f}"


def cell(run: Run | None) -> str:
    if run is None:
        return "skipped"
    if run.timed_out:
        return f">{run.seconds:.0f}s"
    return f"{run.seconds:.1f}s/{run.cpu:.1f}s/{mib(run.peak)}"


def ratio(theirs: Run | None, ours: Run) -> str:
    if theirs is None:
        return "-"
    sign = ">" if theirs.timed_out else ""
    return f"{sign}{theirs.seconds / ours.seconds:.1f}x"


def smallest_heap(shapes: Path, data: Path, out: Path, default: Run) -> tuple[str, Run] | None:
    """The smallest -Xmx of :data:`HEAPS` Jena completes with (bisected; larger steps are
    assumed to complete once one does), and its run."""
    cap = max(60.0, 4 * default.seconds)
    lo, hi = 0, len(HEAPS) - 1
    best: tuple[str, Run] | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        run = timed(jena_command(shapes, data, heap=HEAPS[mid]), out, timeout=cap)
        done = run.status == 0 and not run.timed_out and out.stat().st_size > 0
        print(f"    jena -Xmx{HEAPS[mid]}: {'completes' if done else 'fails'} ({cell(run)})")
        if done:
            best = (HEAPS[mid], run)
            hi = mid - 1
        else:
            lo = mid + 1
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--workdir", type=Path, help="keep the dumps here (default: a temp dir)")
    parser.add_argument("--pyshacl-timeout", type=float, default=PYSHACL_TIMEOUT)
    parser.add_argument("--no-heap-search", action="store_true", help="Jena's default heap only")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper
    python = sys.executable
    pyshacl = str(Path(python).with_name("pyshacl"))
    mofkg = [python, "-m", "mofkg.graphstore.cli", "validate"]
    missing = jena_missing()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        extra = Graph().parse(ontology_path(), format="turtle")
        extra += licence_graph(Settings())
        extra_path = work / "ontology-and-licences.nt"
        extra.serialize(extra_path, format="nt", encoding="utf-8")
        shapes = shapes_path("metadata.ttl")
        print(f"shapes: {shapes}; reports written to files in {work}")
        print(f"mofkg:   {' '.join(mofkg[1:])} synthetic-N.nt --report turtle > mofkg.ttl")
        if missing:
            print(f"Jena:    skipped: {missing}")
        else:
            print(
                f"Jena:    java [-Xmx] -cp CP shacl.shacl validate --shapes {shapes.name} "
                "--data data-N.nt > jena.ttl  (data = dump + ontology and licences)"
            )
        print(
            f"pySHACL: pyshacl -s {shapes.name} -i none -f turtle -o pyshacl.ttl data-N.nt "
            f"(capped at {args.pyshacl_timeout:.0f} s, up to {PYSHACL_MAX_MODELS:,} models)"
        )
        rows: list[dict[str, str]] = []
        verdicts: list[str] = []
        compare_at = min(args.sizes, key=lambda n: abs(n - 10_000))
        for n in args.sizes:
            dump = work / f"synthetic-{n}.nt"
            if not dump.exists():
                dump.write_text(synthetic_ntriples(n, seed=0), encoding="utf-8")
            data = work / f"data-{n}.nt"
            data.write_bytes(dump.read_bytes() + extra_path.read_bytes())
            reports = {k: work / f"{k}-{n}.ttl" for k in ("mofkg", "jena", "pyshacl")}
            ours = timed([*mofkg, str(dump), "--report", "turtle"], reports["mofkg"])
            as_json = timed([*mofkg, str(dump), "--report", "json"], work / f"mofkg-{n}.json")
            if ours.status not in (0, 1) or reports["mofkg"].stat().st_size == 0:
                verdicts.append(f"{n:,}: mofkg validate exited {ours.status}, no report: NOT ok")
                ok = False
            jena = jena_small = None
            heap = "-"
            if not missing:
                jena = timed(jena_command(shapes, data), reports["jena"])
                if jena.status != 0:
                    verdicts.append(f"{n:,}: Jena exited {jena.status}: NOT ok")
                    ok = False
                if not args.no_heap_search:
                    found = smallest_heap(shapes, data, work / f"jena-heap-{n}.ttl", jena)
                    if found:
                        heap, jena_small = found
            theirs = None
            if n <= PYSHACL_MAX_MODELS:
                command = pyshacl_command(pyshacl, shapes, [data], reports["pyshacl"])
                theirs = timed(command, work / "pyshacl.out", timeout=args.pyshacl_timeout)
            rows.append(
                {
                    "models": f"{n:,}",
                    "dump MiB": mib(dump.stat().st_size),
                    "mofkg": cell(ours),
                    "mofkg json": cell(as_json),
                    "Jena": cell(jena),
                    "Jena smallest heap": f"{heap} {cell(jena_small)}" if jena_small else "-",
                    "pySHACL": cell(theirs),
                    "vs Jena": ratio(jena, ours),
                    "vs Jena cpu": f"{jena.cpu / ours.cpu:.1f}x" if jena else "-",
                    "vs pySHACL": ratio(theirs, ours),
                }
            )
            if jena is not None:
                x = jena.seconds / ours.seconds
                met = x >= 2
                verdicts.append(
                    f"{n:,}: >= 2x faster than Jena: {'met' if met else 'NOT met'} "
                    f"({x:.2f}x wall, {jena.cpu / ours.cpu:.2f}x CPU)"
                )
                ok = ok and met
            if theirs is not None:
                met = theirs.timed_out or theirs.seconds / ours.seconds >= 30
                verdicts.append(
                    f"{n:,}: >= 30x faster than the pySHACL CLI: "
                    f"{'met' if met else 'NOT met'} ({ratio(theirs, ours)})"
                )
                ok = ok and met
            met = ours.peak < 2 * GIB and (jena_small is None or ours.peak < jena_small.peak)
            than = f", Jena at -Xmx{heap} {mib(jena_small.peak)} MiB" if jena_small else ""
            verdicts.append(
                f"{n:,}: peak < 2 GiB and below Jena's smallest heap: "
                f"{'met' if met else 'NOT met'} ({mib(ours.peak)} MiB{than})"
            )
            ok = ok and met
            if n == compare_at:
                ok = compare(n, reports, jena is not None, theirs is not None) and ok
            print(f"  measured {n:,} models: " + ", ".join(f"{k} {v}" for k, v in rows[-1].items()))
        print("cells: wall/CPU seconds/peak MiB")
        keys = list(rows[0])
        widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in keys}
        print("  ".join(k.rjust(widths[k]) for k in keys))
        for r in rows:
            print("  ".join(r[k].rjust(widths[k]) for k in keys))
        for v in verdicts:
            print(v)
    print("all targets met" if ok else "some targets NOT met")
    return 0 if ok else 1


def compare(n: int, reports: dict[str, Path], jena: bool, pyshacl: bool) -> bool:
    """The engines' reports have the same results per (focus node, shape, component)."""
    counts: dict[str, Counter[tuple[str, str, str]]] = {"mofkg": result_counts(reports["mofkg"])}
    if jena:
        counts["jena"] = result_counts(reports["jena"])
    if pyshacl and reports["pyshacl"].exists():
        counts["pyshacl"] = result_counts(reports["pyshacl"])
    ok = True
    for name, found in counts.items():
        print(
            f"  {n:,}: {name}: {sum(found.values()):,} results, "
            f"{len(found):,} (focus, shape, component)"
        )
    for name in list(counts)[1:]:
        diff = differences(counts["mofkg"], counts[name])
        print(f"  {n:,}: mofkg and {name}: {'same results' if not diff else 'DIFFERENT'}")
        for line in diff:
            print(f"    {line}")
        ok = ok and not diff
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
