"""HTTP benchmark: mofkg's /sparql against `oxigraph serve` on the same data, in one run.

(Named http_bench.py, not http.py: Python puts a script's folder first on sys.path, and a
bench/http.py would shadow the standard library's http package for every script here.)

    .venv/bin/python bench/http_bench.py [--models 10000] [--duration 10] [--connections 4]

Builds a synthetic catalogue (mofkg.graphstore.synthetic, plus lineage: fine-tuned-from and
trained-on links), assesses it, then copies the store folder so that each server reads the
same Oxigraph database: `mofkg serve` (Granian, policy checks, row cap) once per kind of
query worker (setting query_workers: `process`, Python worker processes, and `engine`, a
read-only `oxigraph serve` behind the front; `--query-workers` picks) and
`oxigraph serve-read-only --union-default-graph` (the PyPI package `oxigraph`). A
third server, a bare Flask + pyoxigraph app under Granian (`bench/bare_app.py`, none of the
safety machinery; `--no-bare` leaves it out), shows how much of the gap is the engine and a
Python HTTP stack, and how much is mofkg's own. The servers run at once (an idle one costs
nothing). Each of four queries is driven by `wrk` (Debian's package) on loopback with a
bounded number of connections, after a warm-up, in alternating rounds: mofkg,
mofkg-engine, oxigraph, bare, mofkg, ... (a shared VM's speed drifts; measuring one server
after the other biased the ratios by up to 30% here). Prints requests/s and p50/p99 latency
for each and the ratios, one table per kind of query worker, with the targets: at least
0.8x of oxigraph's throughput on the three heavier queries, 0.4x on the one-model lookup,
and a p99 within 2x.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from mofkg.graphstore.frameworks.assessment import assess_and_write
from mofkg.graphstore.namespaces import DEFAULT_IDS, MOF
from mofkg.graphstore.rdfio.loading import open_rdf_input
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples

BIN = Path(sys.executable).parent
#: Below this rate (requests/s, in the warm-up) a query is timed for ``--slow-duration``.
SLOW_RATE = 20

QUERIES: dict[str, str] = {
    "lookup": """SELECT ?p ?o WHERE { <%(model)s> ?p ?o }""",
    "models per class": """PREFIX mof: <https://w3id.org/mofkg/ontology#>
SELECT ?class (COUNT(?a) AS ?models) WHERE { ?a a mof:Assessment ; mof:classNumber ?class }
GROUP BY ?class ORDER BY ?class""",
    "missing for Class II": """PREFIX mof: <https://w3id.org/mofkg/ontology#>
SELECT ?type (COUNT(?o) AS ?missing) WHERE {
  ?a a mof:Assessment ; mof:hasOutcome ?o .
  ?o mof:forClass mof:MOF-ClassII ; mof:status mof:Missing ; mof:componentType ?type
} GROUP BY ?type ORDER BY DESC(?missing)""",
    "two-hop lineage": """PREFIX mof: <https://w3id.org/mofkg/ontology#>
SELECT ?model ?base WHERE {
  ?model mof:fineTunedFrom ?base . ?base mof:trainedOn <%(dataset)s>
} ORDER BY ?model""",
}
#: Minimum throughput ratio (ours / oxigraph's) per query.
TARGETS = {
    "lookup": 0.4,
    "models per class": 0.8,
    "missing for Class II": 0.8,
    "two-hop lineage": 0.8,
}
P99_TARGET = 2.0


@dataclass(frozen=True)
class Run:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def lineage_ntriples(n: int, *, seed: int = 7) -> str:
    """fine-tuned-from and trained-on links between the synthetic models and 50 datasets."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        model = DEFAULT_IDS.model(f"synthetic-{i:06d}")
        dataset = DEFAULT_IDS.dataset(f"dataset-{rng.randrange(50)}")
        lines.append(f"<{model}> <{MOF.trainedOn}> <{dataset}> .\n")
        if i and rng.random() < 0.3:
            base = DEFAULT_IDS.model(f"synthetic-{rng.randrange(i):06d}")
            lines.append(f"<{model}> <{MOF.fineTunedFrom}> <{base}> .\n")
    return "".join(lines)


def build_store(folder: Path, models: int) -> None:
    started = time.perf_counter()
    settings = Settings(store=folder)
    store = Store(folder)
    initialise(store, settings)
    inputs = [
        (
            open_rdf_input(
                synthetic_ntriples(models).encode(), format="nt", source_name="catalogue.nt"
            ),
            "https://w3id.org/mofkg/graph/source/bench",
        ),
        (
            open_rdf_input(
                lineage_ntriples(models).encode(), format="nt", source_name="lineage.nt"
            ),
            "https://w3id.org/mofkg/graph/source/lineage",
        ),
    ]
    store.load_all(inputs)
    assess_and_write(store)
    store.flush()
    print(
        f"store: {models:,} models, {len(store):,} quads, built in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def wrk(url: str, *, duration: int, connections: int) -> Run:
    accept = "Accept: application/sparql-results+json"
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "60s",
            "-H",
            accept,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match is None:
            raise ValueError(f"wrk printed no {pct}% latency:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if rate is None:
        raise ValueError(f"wrk printed no rate:\n{out}")
    return Run(
        float(rate.group(1)), latency("50"), latency("99"), int(errors.group(1)) if errors else 0
    )


def _check(url: str, name: str) -> None:
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    body = urllib.request.urlopen(request, timeout=60).read()
    if b'"bindings"' not in body:
        raise RuntimeError(f"{name}: unexpected answer {body[:200]!r}")


def _ratio(ours: float, theirs: float) -> float:
    """``ours / theirs``; NaN when ``theirs`` is 0 (no answer at all in a run: a query
    longer than the run leaves the ratio undefined)."""
    return ours / theirs if theirs else float("nan")


def _mean(runs: list[Run]) -> Run:
    n = len(runs)
    return Run(
        sum(r.requests_per_s for r in runs) / n,
        sum(r.p50_ms for r in runs) / n,
        sum(r.p99_ms for r in runs) / n,
        sum(r.errors for r in runs),
    )


def measure(
    bases: dict[str, str], queries: dict[str, str], args: argparse.Namespace
) -> dict[str, dict[str, Run]]:
    """Each query against each server, in alternating rounds (A B A B ...): a machine whose
    speed drifts during the run (a shared VM) then biases neither side. Every run of a query
    has the same duration on both servers; the figures are the rounds' means."""
    runs: dict[str, dict[str, Run]] = {server: {} for server in bases}
    for name, query in queries.items():
        urls = {
            s: base + "?" + urllib.parse.urlencode({"query": query}) for s, base in bases.items()
        }
        warm = []
        for url in urls.values():
            _check(url, name)
            warm.append(wrk(url, duration=2, connections=args.connections).requests_per_s)
        # A query answered a few times a second needs a longer run for its rate and p99 to
        # mean something (a 10 s run of a 3 s query counts a dozen answers).
        slow = min(warm) < SLOW_RATE
        duration = max(args.duration, args.slow_duration) if slow else args.duration
        each = max(duration // args.rounds, 1)
        rounds: dict[str, list[Run]] = {s: [] for s in urls}
        for _ in range(args.rounds):
            for server, url in urls.items():
                rounds[server].append(wrk(url, duration=each, connections=args.connections))
        for server in urls:
            runs[server][name] = _mean(rounds[server])
        rates = ", ".join(
            f"{s} {runs[s][name].requests_per_s:.1f} "
            f"({' / '.join(f'{r.requests_per_s:.0f}' for r in rounds[s])})"
            for s in urls
        )
        print(f"  {name}: {rates} req/s ({args.rounds} x {each} s each)", flush=True)
    return runs


def run_server(command: list[str], url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env}
    )
    try:
        wait_for(url, process)
    except BaseException:
        stop(process)
        raise
    return process


def run_bare(port: int, store: Path) -> subprocess.Popen[bytes]:
    """The bare app of ``bench/bare_app.py`` under Granian, as ``mofkg serve`` runs: two
    processes, four threads each."""
    return run_server(
        [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            "2",
            "--blocking-threads",
            "4",
            "--port",
            str(port),
            "--no-ws",
            "--no-access-log",
            "--working-dir",
            str(Path(__file__).resolve().parent),
            "bare_app:app",
        ],
        f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
        {"MOFKG_BARE_STORE": str(store)},
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _label(kind: str) -> str:
    """A mofkg server's name in the tables: by its kind of query worker."""
    return "mofkg" if kind == "process" else f"mofkg-{kind}"


def report_against(
    label: str, mine: dict[str, Run], base: dict[str, Run], queries: dict[str, str]
) -> None:
    """The table of one mofkg server against `oxigraph serve`, with the targets."""
    print()
    header = (
        f"{label + ' vs oxigraph':<22}{'req/s':>12}{'oxigraph':>10}{'ratio':>8}{'target':>8}"
        f"{'p50 ms':>9}{'(oxi)':>8}{'p99 ms':>9}{'(oxi)':>8}{'p99 x':>7}  verdict"
    )
    print(header)
    failed = 0
    for name in queries:
        a, b = mine[name], base[name]
        ratio = _ratio(a.requests_per_s, b.requests_per_s)
        p99 = _ratio(a.p99_ms, b.p99_ms)
        ok = ratio >= TARGETS[name] and p99 <= P99_TARGET and not a.errors and not b.errors
        failed += not ok
        print(
            f"{name:<22}{a.requests_per_s:>12.1f}{b.requests_per_s:>10.1f}{ratio:>8.2f}"
            f"{TARGETS[name]:>8.1f}{a.p50_ms:>9.2f}{b.p50_ms:>8.2f}{a.p99_ms:>9.2f}"
            f"{b.p99_ms:>8.2f}{p99:>7.2f}  {'met' if ok else 'NOT met'}"
            + (f" ({a.errors} errors)" if a.errors else "")
        )
    print(f"{label}: targets met on {len(queries) - failed} of {len(queries)} queries")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per query and server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--slow-duration",
        type=int,
        default=40,
        help=f"seconds per query and server for queries under {SLOW_RATE} req/s in the warm-up",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="alternating rounds per query (the duration is split between them)",
    )
    parser.add_argument(
        "--store",
        type=Path,
        help="keep the built store in this folder and reuse it on later runs (default: a "
        "temporary folder, built each run)",
    )
    parser.add_argument(
        "--no-bare",
        dest="bare",
        action="store_false",
        help="leave out the third server, a bare Flask + pyoxigraph app (bench/bare_app.py)",
    )
    parser.add_argument(
        "--queries",
        help=f"comma-separated names of the queries to run (default: all: {', '.join(QUERIES)})",
    )
    parser.add_argument(
        "--query-workers",
        default="process,engine",
        help="comma-separated kinds of query worker of mofkg serve to measure, each its own "
        "server (setting query_workers; default: process,engine)",
    )
    args = parser.parse_args()
    kinds = [k.strip() for k in args.query_workers.split(",") if k.strip()]
    if not kinds or any(k not in ("process", "engine") for k in kinds):
        print(
            f"--query-workers: {args.query_workers!r}: name process and/or engine", file=sys.stderr
        )
        return 2
    chosen = [q.strip() for q in args.queries.split(",")] if args.queries else list(QUERIES)
    unknown = [q for q in chosen if q not in QUERIES]
    if unknown:
        print(f"unknown queries {unknown}; choose among {list(QUERIES)}", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("bench/http_bench.py needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mofkg-bench-http-") as tmp:
        built = args.store or Path(tmp) / "built"
        if not (built / "CURRENT").exists():
            build_store(built, args.models)
        # Each server gets its own copy: a run never changes the built store.
        ours_dirs = {kind: Path(tmp) / f"mofkg-{kind}" for kind in kinds}
        theirs_dir, bare_dir = Path(tmp) / "oxigraph", Path(tmp) / "bare"
        for folder in ours_dirs.values():
            shutil.copytree(built, folder)
        shutil.copytree(built, theirs_dir)
        if args.bare:
            shutil.copytree(built, bare_dir)
        fill = {
            "model": str(DEFAULT_IDS.model(f"synthetic-{args.models // 2:06d}")),
            "dataset": str(DEFAULT_IDS.dataset("dataset-7")),
        }
        queries = {name: QUERIES[name] % fill for name in chosen}

        workers = os.environ.get("MOFKG_WORKERS", "4")
        bases: dict[str, str] = {}
        with ExitStack() as servers:
            for kind in kinds:
                port = free_port()
                print(
                    f"mofkg serve (Granian, {workers} query workers: {kind}) on port {port}",
                    flush=True,
                )
                ours = run_server(
                    [
                        str(BIN / "mofkg"),
                        "serve",
                        "--store",
                        str(ours_dirs[kind]),
                        "--port",
                        str(port),
                    ],
                    f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
                    {
                        "MOFKG_WORKERS": workers,
                        "MOFKG_MAX_ROWS": "100000",
                        "MOFKG_QUERY_WORKERS": kind,
                    },
                )
                servers.callback(stop, ours)
                bases[_label(kind)] = f"http://127.0.0.1:{port}/sparql"
            other = free_port()
            print(f"oxigraph serve-read-only --union-default-graph on port {other}", flush=True)
            theirs = run_server(
                [
                    str(BIN / "oxigraph"),
                    "serve-read-only",
                    "--location",
                    str(theirs_dir),
                    "--bind",
                    f"127.0.0.1:{other}",
                    "--union-default-graph",
                ],
                f"http://127.0.0.1:{other}/query?query=ASK%7B%7D",
                {},
            )
            servers.callback(stop, theirs)
            bases["oxigraph"] = f"http://127.0.0.1:{other}/query"
            if args.bare:
                bare = free_port()
                print(f"bare Flask + pyoxigraph app (Granian WSGI) on port {bare}")
                servers.callback(stop, run_bare(bare, bare_dir))
                bases["bare"] = f"http://127.0.0.1:{bare}/sparql"
            measured = measure(bases, queries, args)
    base = measured["oxigraph"]
    print()
    print(
        f"{args.models:,} models, wrk -c{args.connections}, {args.duration} s per query and "
        f"server ({args.slow_duration} s under {SLOW_RATE} req/s) in {args.rounds} alternating "
        f"rounds"
    )
    for kind in kinds:
        label = _label(kind)
        report_against(label, measured[label], base, queries)
    if "bare" in measured:
        print()
        print(
            "the bare Flask + pyoxigraph app (bench/bare_app.py: no timeout, row cap, policy or "
            "worker), same rounds"
        )
        print(f"{'query':<22}{'bare req/s':>12}{'x oxigraph':>12}{'mofkg x bare':>14}{'p99 ms':>9}")
        print(f"(mofkg: {_label(kinds[0])})")
        for name in queries:
            c, b = measured["bare"][name], base[name]
            a = measured[_label(kinds[0])][name]
            print(
                f"{name:<22}{c.requests_per_s:>12.1f}"
                f"{_ratio(c.requests_per_s, b.requests_per_s):>12.2f}"
                f"{_ratio(a.requests_per_s, c.requests_per_s):>14.2f}"
                f"{c.p99_ms:>9.2f}" + (f" ({c.errors} errors)" if c.errors else "")
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
