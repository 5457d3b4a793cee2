"""Benchmark `mofkg validate` against the pySHACL command line and Oxigraph's parse alone.

Synthetic catalogues (graphstore.synthetic) of 1,000 / 10,000 / 50,000 models are written as
N-Triples; each tool runs as its own process under ``/usr/bin/time -v`` (wall time and peak
memory). pySHACL gets the same dump and the same shapes (the metadata shapes), with the ontology
and the licence graph as its extra ontology graph (``-e``), as mofkg stages them; it is capped
at 15 minutes and skipped at 50,000 models. Targets (issue 5): at least 30x faster than pySHACL
at 1,000 and 10,000; at 50,000 at most 3x Oxigraph's parse-only time; peak under 2 GiB; memory
growing no faster than the dump.

    .venv/bin/python bench/validate.py                    # 1000, 10000, 50000
    .venv/bin/python bench/validate.py --sizes 1000 5000  # a quick run
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from graphstore.bootstrap import licence_graph
from graphstore.resources import ontology_path, shapes_path
from graphstore.settings import Settings
from graphstore.synthetic import synthetic_ntriples

PYSHACL_TIMEOUT = 15 * 60
PYSHACL_MAX_MODELS = 10_000
GIB = 1024**3

MOFKG = (
    "import sys\n"
    "from graphstore import cli, validation\n"
    "if validation.register not in cli.EXTRA_COMMANDS:\n"
    "    cli.EXTRA_COMMANDS.append(validation.register)\n"
    "raise SystemExit(cli.main(sys.argv[1:]))\n"
)
PARSE = (
    "import sys, pyoxigraph as ox\n"
    "n = sum(1 for _ in ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES))\n"
    "print(n)\n"
)


@dataclass(frozen=True)
class Run:
    """One timed process: wall seconds, peak resident memory in bytes, exit status."""

    seconds: float
    peak: int
    status: int
    timed_out: bool = False


def timed(command: list[str], *, timeout: float | None = None) -> Run:
    """Run a command under /usr/bin/time -v; its output is discarded."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        try:
            done = subprocess.run(
                ["/usr/bin/time", "-v", "-o", report.name, *command],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return Run(seconds=float(timeout or 0), peak=0, status=-1, timed_out=True)
        text = Path(report.name).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    assert wall and rss, text
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return Run(seconds=total, peak=int(rss.group(1)) * 1024, status=done.returncode)


def mib(n: int) -> str:
    return f"{n / 1024**2:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--workdir", type=Path, help="keep the dumps here (default: a temp dir)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper
    python = sys.executable
    pyshacl = str(Path(python).with_name("pyshacl"))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        extra = Graph().parse(ontology_path(), format="turtle")
        extra += licence_graph(Settings())
        extra_path = work / "ontology-and-licences.ttl"
        extra.serialize(extra_path, format="turtle")
        shapes = str(shapes_path("metadata.ttl"))
        print(f"shapes: {shapes}; pySHACL capped at {PYSHACL_TIMEOUT // 60} min")
        header = f"{'models':>7} {'dump':>9} {'mofkg':>8} {'peak':>9} {'pyshacl':>9} {'peak':>9}"
        print(header + f" {'ratio':>7} {'parse':>7} {'x parse':>7}")
        peaks: list[tuple[int, int, int]] = []
        for n in args.sizes:
            dump = work / f"synthetic-{n}.nt"
            if not dump.exists():
                dump.write_text(synthetic_ntriples(n, seed=0), encoding="utf-8")
            size = dump.stat().st_size
            ours = timed([python, "-c", MOFKG, "validate", str(dump), "--report", "json"])
            parse = timed([python, "-c", PARSE, str(dump)])
            if n <= PYSHACL_MAX_MODELS:
                theirs: Run | None = timed(
                    [pyshacl, "-s", shapes, "-e", str(extra_path), "-i", "none", str(dump)],
                    timeout=PYSHACL_TIMEOUT,
                )
            else:
                theirs = None
            if theirs is None:
                them, their_peak, ratio = "skipped", "-", "-"
            elif theirs.timed_out:
                them, their_peak, ratio = (
                    f">{PYSHACL_TIMEOUT}s",
                    "-",
                    f">{PYSHACL_TIMEOUT / ours.seconds:.0f}x",
                )
            else:
                them, their_peak = f"{theirs.seconds:.1f}s", mib(theirs.peak)
                ratio = f"{theirs.seconds / ours.seconds:.0f}x"
            x_parse = ours.seconds / parse.seconds
            print(
                f"{n:>7} {mib(size):>9} {ours.seconds:>7.1f}s {mib(ours.peak):>9} {them:>9} "
                f"{their_peak:>9} {ratio:>7} {parse.seconds:>6.1f}s {x_parse:>6.1f}x"
            )
            if ours.status not in (0, 1):
                print(f"  mofkg validate exited {ours.status}")
                ok = False
            peaks.append((n, size, ours.peak))
            if theirs is not None and n in (1000, 10_000):
                met = theirs.timed_out or theirs.seconds / ours.seconds >= 30
                print(f"  target >=30x faster than pySHACL at {n}: {'met' if met else 'NOT met'}")
                ok = ok and met
            if n >= 50_000:
                met = x_parse <= 3
                print(f"  target <=3x Oxigraph's parse at {n}: {'met' if met else 'NOT met'}")
                ok = ok and met
            if theirs is None:
                print(f"  pySHACL skipped at {n} models (over {PYSHACL_MAX_MODELS:,})")
            met = ours.peak < 2 * GIB
            print(f"  target peak < 2 GiB: {'met' if met else 'NOT met'} ({mib(ours.peak)})")
            ok = ok and met
        if len(peaks) > 1:
            (n0, s0, p0), (n1, s1, p1) = peaks[0], peaks[-1]
            growth, dump_growth = p1 / p0, s1 / s0
            met = growth <= dump_growth
            print(
                f"memory grew {growth:.1f}x from {n0:,} to {n1:,} models, "
                f"the dump {dump_growth:.1f}x: "
                f"{'met' if met else 'NOT met'}"
            )
            ok = ok and met
    print("all targets met" if ok else "some targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
