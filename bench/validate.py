"""Benchmark `mofkg validate` against the pySHACL command line and Oxigraph's parse and load.

Synthetic catalogues (mofkg.graphstore.synthetic) of 1,000 / 10,000 / 50,000 models are written as
N-Triples; each tool runs as its own process under ``/usr/bin/time -v`` (wall time and peak
resident memory), one after the other (the machine has two cores).

- ``mofkg validate DUMP --report json``: the metadata shapes decide conformance and every model
  is assessed under MOF 1.0 (the shapes ``shapes/mof-1.0.ttl`` compiled to SPARQL), so mofkg
  checks the dump against both shape files.
- The pySHACL command line with the same shapes, invoked as a user would::

      pyshacl -s shapes.ttl -i none -f turtle -o report.ttl DUMP.nt extra.ttl derived.nt

  ``shapes.ttl`` is metadata.ttl + mof-1.0.ttl (the CLI takes one shapes file);
  ``extra.ttl`` the ontology and the licence graph, which mofkg stages beside the dump (the
  shapes need both); ``derived.nt`` the effective licences that MOF 1.0's SPARQL rules derive
  (pySHACL cannot run those rules; mofkg's rules produce the file, untimed, so pySHACL is
  spared that work). ``-i none`` is pySHACL's default, written out. The ontology is passed as
  a data file, not with ``-e``: ``-e`` makes pySHACL "inoculate" the data graph by deep-copying
  every owl:NamedIndividual of the ontology graph recursively, without memo, through the
  densely linked licence graph; that alone did not finish in 10 minutes even for 100 models
  (py-spy: ``clone_node`` recursing in ``inoculate``), whatever the dump. pySHACL is capped at
  ``--pyshacl-timeout`` (15 minutes) and skipped above 10,000 models. For reference the table
  also gives pySHACL with the metadata shapes alone (``-s metadata.ttl``, same data files).
- Oxigraph alone: parsing the dump (``pyoxigraph.parse``, counting triples) and loading it
  into an in-memory store (``Store.load``), the floor of any validation inside Oxigraph.

Targets (issue 5): at 1,000 and 10,000 models at least 30x faster than the pySHACL CLI; at
50,000 at most 3x Oxigraph's parse; peak under 2 GiB; memory growing no faster than the dump.

    .venv/bin/python bench/validate.py                    # 1000, 10000, 50000
    .venv/bin/python bench/validate.py --sizes 1000 5000  # a quick run
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from mofkg.graphstore.bootstrap import licence_graph
from mofkg.graphstore.resources import ontology_path, shapes_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.synthetic import synthetic_ntriples

PYSHACL_TIMEOUT = 15 * 60
PYSHACL_MAX_MODELS = 10_000
GIB = 1024**3

PARSE = (
    "import sys, pyoxigraph as ox\n"
    "n = sum(1 for _ in ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES))\n"
    "print(n)\n"
)
LOAD = (
    "import sys, pyoxigraph as ox\n"
    "store = ox.Store()\n"
    "store.load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)\n"
    "print(len(store))\n"
)
DERIVE = (
    "import sys\n"
    "from mofkg.graphstore.assessment import derived_triples\n"
    "from mofkg.graphstore.bootstrap import initialise\n"
    "from mofkg.graphstore.requirements import load_framework\n"
    "from mofkg.graphstore.settings import Settings\n"
    "from mofkg.graphstore.store import Store\n"
    "store = Store()\n"
    "initialise(store, Settings())\n"
    "store.load(sys.argv[1], graph='urn:bench:dump', format='nt')\n"
    "derived = derived_triples(store, load_framework('mof-1.0'))\n"
    "derived.serialize(sys.argv[2], format='nt', encoding='utf-8')\n"
)


@dataclass(frozen=True)
class Run:
    """One timed process: wall seconds, peak resident memory in bytes, exit status, output."""

    seconds: float
    peak: int
    status: int
    timed_out: bool = False
    output: str = ""


def timed(command: list[str], *, timeout: float | None = None) -> Run:
    """Run a command under /usr/bin/time -v; its standard output is kept (not its errors)."""
    with (
        tempfile.NamedTemporaryFile("r", suffix=".time") as report,
        tempfile.TemporaryFile("w+") as out,
    ):
        # its own process group: at the cap the tool is killed, not only /usr/bin/time
        # (an orphaned pySHACL would go on taking a core from the next measurements)
        process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            stdout=out,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return Run(seconds=float(timeout or 0), peak=0, status=-1, timed_out=True)
        text = Path(report.name).read_text()
        out.seek(0)
        output = out.read(4096)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    assert wall and rss, text
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return Run(total, int(rss.group(1)) * 1024, status, output=output)


def mib(n: int) -> str:
    return f"{n / 1024**2:,.0f}"


def pyshacl_cell(run: Run | None, ours: Run, cap: float) -> tuple[str, str, str]:
    """(time, peak MiB, ratio pySHACL / mofkg) as table cells."""
    if run is None:
        return "skipped", "-", "-"
    if run.timed_out:
        return f">{cap:.0f}s", "-", f">{cap / ours.seconds:.0f}x"
    return f"{run.seconds:.1f}s", mib(run.peak), f"{run.seconds / ours.seconds:.1f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--workdir", type=Path, help="keep the dumps here (default: a temp dir)")
    parser.add_argument("--pyshacl-timeout", type=float, default=PYSHACL_TIMEOUT)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper
    python = sys.executable
    pyshacl = str(Path(python).with_name("pyshacl"))
    cap = args.pyshacl_timeout
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        extra = Graph().parse(ontology_path(), format="turtle")
        extra += licence_graph(Settings())
        extra_path = work / "ontology-and-licences.ttl"
        extra.serialize(extra_path, format="turtle")
        metadata = shapes_path("metadata.ttl")
        both = work / "metadata-and-mof-1.0.ttl"
        both.write_bytes(metadata.read_bytes() + b"\n" + shapes_path("mof-1.0.ttl").read_bytes())
        print(f"shapes: {metadata} + {shapes_path('mof-1.0.ttl')}; pySHACL capped at {cap:.0f} s")
        print(
            f"pySHACL: {Path(pyshacl).name} -s {both.name} -i none -f turtle -o report.ttl "
            f"DUMP.nt {extra_path.name} derived.nt"
        )
        rows: list[dict[str, str]] = []
        verdicts: list[str] = []
        peaks: list[tuple[int, int, int]] = []
        for n in args.sizes:
            dump = work / f"synthetic-{n}.nt"
            if not dump.exists():
                dump.write_text(synthetic_ntriples(n, seed=0), encoding="utf-8")
            size = dump.stat().st_size
            parse = timed([python, "-c", PARSE, str(dump)])
            load = timed([python, "-c", LOAD, str(dump)])
            ours = timed(
                [python, "-m", "mofkg.graphstore.cli", "validate", str(dump), "--report", "json"]
            )
            theirs: Run | None = None
            meta_only: Run | None = None
            if n <= PYSHACL_MAX_MODELS:
                derived = work / f"derived-{n}.nt"
                subprocess.run([python, "-c", DERIVE, str(dump), str(derived)], check=True)
                data = [str(dump), str(extra_path), str(derived)]
                report = str(work / "pyshacl-report.ttl")
                common = ["-i", "none", "-f", "turtle", "-o", report]
                theirs = timed([pyshacl, "-s", str(both), *common, *data], timeout=cap)
                meta_only = timed([pyshacl, "-s", str(metadata), *common, *data], timeout=cap)
            them, their_peak, ratio = pyshacl_cell(theirs, ours, cap)
            meta, _, meta_ratio = pyshacl_cell(meta_only, ours, cap)
            triples = int(parse.output.strip() or 0)
            rows.append(
                {
                    "models": f"{n:,}",
                    "triples": f"{triples:,}",
                    "dump MiB": mib(size),
                    "mofkg": f"{ours.seconds:.2f}s",
                    "peak MiB": mib(ours.peak),
                    "pySHACL": them,
                    "pySHACL MiB": their_peak,
                    "ratio": ratio,
                    "pySHACL meta": f"{meta} ({meta_ratio})",
                    "parse": f"{parse.seconds:.2f}s",
                    "parse MiB": mib(parse.peak),
                    "load": f"{load.seconds:.2f}s",
                    "load MiB": mib(load.peak),
                    "x parse": f"{ours.seconds / parse.seconds:.1f}x",
                    "load/parse": f"{load.seconds / parse.seconds:.1f}x",
                }
            )
            if ours.status not in (0, 1) or not ours.output.startswith('{\n  "conforms"'):
                verdicts.append(f"{n:,}: mofkg validate exited {ours.status}, no report: NOT ok")
                ok = False
            peaks.append((n, size, ours.peak))
            if n in (1000, 10_000) and theirs is not None:
                met = theirs.timed_out or theirs.seconds / ours.seconds >= 30
                capped = " (pySHACL capped: the ratio is a lower bound)" if theirs.timed_out else ""
                verdicts.append(
                    f"{n:,}: >= 30x faster than the pySHACL CLI (same shapes): "
                    f"{'met' if met else 'NOT met'} ({ratio}){capped}"
                )
                ok = ok and met
            if n >= 50_000:
                x = ours.seconds / parse.seconds
                verdicts.append(
                    f"{n:,}: <= 3x Oxigraph's parse: {'met' if x <= 3 else 'NOT met'} ({x:.1f}x; "
                    f"loading alone into Oxigraph is {load.seconds / parse.seconds:.1f}x)"
                )
                ok = ok and x <= 3
            met = ours.peak < 2 * GIB
            verdicts.append(
                f"{n:,}: peak < 2 GiB: {'met' if met else 'NOT met'} ({mib(ours.peak)} MiB)"
            )
            ok = ok and met
            print(f"  measured {n:,} models")
        keys = list(rows[0])
        widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in keys}
        print("  ".join(k.rjust(widths[k]) for k in keys))
        for r in rows:
            print("  ".join(r[k].rjust(widths[k]) for k in keys))
        for v in verdicts:
            print(v)
        if len(peaks) > 1:
            (n0, s0, p0), (n1, s1, p1) = peaks[0], peaks[-1]
            growth, dump_growth = p1 / p0, s1 / s0
            met = growth <= dump_growth
            print(
                f"memory grew {growth:.1f}x from {n0:,} to {n1:,} models, the dump "
                f"{dump_growth:.1f}x: {'met' if met else 'NOT met'}"
            )
            ok = ok and met
    print("all targets met" if ok else "some targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
