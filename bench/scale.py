"""How mofkg scales: load, assess and query 10k / 100k / 500k synthetic models on each engine.

For each size (default 10,000, 100,000, 500,000 models of mofkg.graphstore.synthetic, about
57 triples a model, plus lineage: trained-on and fine-tuned-from links), the catalogue is
written once as N-Triples and then, on each engine (``embedded``: the Oxigraph store in a
folder; ``oxigraph``: ``oxigraph serve``; ``virtuoso``: Virtuoso 7.2, both started here on
loopback, empty, as tests/backend_servers.py starts them), every step runs in its own process
(so that its peak memory, ``ru_maxrss`` from ``wait4``, is its own):

- init: ``mofkg init`` (ontology and licence graphs; not timed in the table);
- load: the catalogue and the lineage into their source graphs. Embedded: Oxigraph's bulk
  loader (``Store.bulk_load``) under ``PendingGraphs``, as mofkg writes a first assessment
  (``--embedded-load transaction`` runs ``mofkg load`` instead: one transaction, held in
  memory). Remote: ``mofkg load`` (Graph Store Protocol chunks into staging graphs, one final
  update);
- assess: ``mofkg assess --framework mof-1.0``; on a remote engine where the command is refused
  ("not available on a remote backend") the table says "not available";
- query: four queries through the store's Python interface (as ``mofkg query`` and the
  endpoint run them), each the median of ``--runs`` runs, every row read: one-model lookup,
  models per class, missing for Class II, two-hop lineage. The two assessment queries need
  assessments: "-" where there are none.

A step longer than ``--limit`` seconds (default 1800) is stopped (SIGTERM, then SIGKILL) and
shown as "> N s, stopped"; the engine's larger sizes are then skipped. Disk is the store's
folder after the last step; engine RSS is the engine process's peak (VmHWM).

    .venv/bin/python bench/scale.py --sizes 10000 --engines embedded,oxigraph
    nohup .venv/bin/python bench/scale.py --sizes 500000 --engines embedded > scale.log 2>&1 &
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts whose names can shadow the standard library: drop the script's folder.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MOFKG = str(Path(sys.executable).parent / "mofkg")
ENGINES = ("embedded", "oxigraph", "virtuoso")
MIB = 2**20
FILES = ("catalogue.nt", "lineage.nt")
#: The queries, over the union of the graphs; %(model)s and %(dataset)s are filled in.
QUERIES: dict[str, str] = {
    "lookup": "SELECT ?p ?o WHERE { <%(model)s> ?p ?o }",
    "per class": """PREFIX mof: <https://w3id.org/mofkg/ontology#>
SELECT ?class (COUNT(?a) AS ?models) WHERE { ?a a mof:Assessment ; mof:classNumber ?class }
GROUP BY ?class ORDER BY ?class""",
    "missing II": """PREFIX mof: <https://w3id.org/mofkg/ontology#>
SELECT ?type (COUNT(?o) AS ?missing) WHERE {
  ?a a mof:Assessment ; mof:hasOutcome ?o .
  ?o mof:forClass mof:MOF-ClassII ; mof:status mof:Missing ; mof:componentType ?type
} GROUP BY ?type ORDER BY DESC(?missing)""",
    "lineage": """PREFIX mof: <https://w3id.org/mofkg/ontology#>
SELECT ?model ?base WHERE {
  ?model mof:fineTunedFrom ?base . ?base mof:trainedOn <%(dataset)s>
} ORDER BY ?model""",
}
ASSESSMENT_QUERIES = ("per class", "missing II")
#: What `mofkg assess` says where it does not run on a remote backend (exit 2).
REFUSED = "not available on a remote backend"
#: The machine's 1-minute load average at the end of each step.
LOADS: list[float] = []


# -- the catalogue -----------------------------------------------------------------------------


def write_catalogue(models: int, folder: Path) -> int:
    """Write catalogue.nt and lineage.nt for ``models`` models; the number of triples."""
    from mofkg.graphstore.namespaces import DEFAULT_IDS, MOF
    from mofkg.graphstore.synthetic import synthetic_triples

    count = 0
    with (folder / "catalogue.nt").open("w", encoding="utf-8") as out:
        for s, p, o in synthetic_triples(models, seed=0):  # synthetic_ntriples, streamed
            out.write(f"{s.n3()} {p.n3()} {o.n3()} .\n")
            count += 1
    rng = random.Random(7)  # trained-on one of 50 datasets; 30% fine-tuned from an earlier model
    with (folder / "lineage.nt").open("w", encoding="utf-8") as out:
        for i in range(models):
            model = DEFAULT_IDS.model(f"synthetic-{i:06d}")
            dataset = DEFAULT_IDS.dataset(f"dataset-{rng.randrange(50)}")
            out.write(f"<{model}> <{MOF.trainedOn}> <{dataset}> .\n")
            count += 1
            if i and rng.random() < 0.3:
                base = DEFAULT_IDS.model(f"synthetic-{rng.randrange(i):06d}")
                out.write(f"<{model}> <{MOF.fineTunedFrom}> <{base}> .\n")
                count += 1
    return count


def query_parameters(models: int) -> dict[str, str]:
    from mofkg.graphstore.namespaces import DEFAULT_IDS

    return {
        "model": str(DEFAULT_IDS.model(f"synthetic-{models // 2:06d}")),
        "dataset": str(DEFAULT_IDS.dataset("dataset-0")),
    }


# -- the steps run in a child process (python bench/scale.py --step NAME JSON) -----------------


def step_bulk_load(args: dict[str, Any]) -> dict[str, Any]:
    """The embedded store's bulk path: each file into its (new) source graph."""
    import pyoxigraph as ox

    from mofkg.graphstore.namespaces import source_graph
    from mofkg.graphstore.store.embedded import Store
    from mofkg.graphstore.store.pending import PendingGraphs

    store = Store(Path(args["store"]))
    folder = Path(args["folder"])
    graphs = {name: str(source_graph(name)) for name in FILES}
    taken = [g for g in graphs.values() if store.has_graph(g)]
    if taken:
        raise SystemExit(f"the bulk load writes new graphs only; these exist: {taken}")
    start = time.perf_counter()
    with PendingGraphs(store, graphs.values()):
        for name, graph in graphs.items():
            store.oxigraph.bulk_load(
                path=folder / name, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph)
            )
    return {"seconds": time.perf_counter() - start}


def step_query(args: dict[str, Any]) -> dict[str, Any]:
    """Each query through the store's interface, ``runs`` times or until its runs took
    ``budget`` s: the median, the rows and the runs. The cheap queries go first; at ``limit``
    s the step prints what it has and ends (the query under way cannot be interrupted)."""
    from mofkg.graphstore.settings import Settings
    from mofkg.graphstore.store.opening import open_store

    out: dict[str, Any] = {}
    lock = threading.Lock()

    def give_up() -> None:
        with lock:
            print(json.dumps(out), flush=True)
            os._exit(0)

    watchdog = threading.Timer(args.get("limit", 1700), give_up)
    watchdog.daemon = True
    watchdog.start()
    store = open_store(Settings(**args["settings"]), read_only=True)
    for name in sorted(QUERIES, key=lambda q: q in ASSESSMENT_QUERIES):
        sparql = QUERIES[name] % args["parameters"]
        times: list[float] = []
        rows = 0
        while len(times) < args["runs"] and sum(times) < args.get("budget", 60):
            start = time.perf_counter()
            rows = len(store.select(sparql))
            times.append(time.perf_counter() - start)
        with lock:
            out[name] = {"seconds": statistics.median(times), "rows": rows, "runs": len(times)}
    watchdog.cancel()
    return out


STEPS = {"bulk-load": step_bulk_load, "query": step_query}


# -- running a step ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """A step's wall time, CPU time (user + system), peak RSS, exit code and output;
    ``stopped`` past the limit."""

    seconds: float
    cpu: float
    peak: int
    code: int
    stdout: str
    stderr: str
    stopped: bool = False


def run(command: list[str], *, env: dict[str, str], limit: float, folder: Path) -> Outcome:
    """Run ``command`` in its own session; stop it (its whole group) after ``limit`` s."""
    out_path, err_path = folder / "step.out", folder / "step.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            env={**os.environ, **env},
            cwd=folder,
            start_new_session=True,
        )
        stopped, status, usage = False, 0, None
        deadline = start + limit
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline and not stopped:
                stopped = True
                os.killpg(process.pid, signal.SIGTERM)
                deadline = time.perf_counter() + 20
            elif stopped and time.perf_counter() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4
    return Outcome(
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss * 1024,
        process.returncode,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
        stopped,
    )


def library_step(name: str, args: dict[str, Any]) -> list[str]:
    return [sys.executable, __file__, "--step", name, json.dumps(args)]


# -- the engines -------------------------------------------------------------------------------


@dataclass
class Engine:
    """Where the store is: the settings of a command, its folder, the engine's process id."""

    kind: str
    folder: Path
    env: dict[str, str]
    settings: dict[str, str]
    pid: int | None = None

    def peak(self) -> int | None:
        """The engine process's peak RSS so far (VmHWM), or None (embedded: the step's own)."""
        if self.pid is None:
            return None
        status = Path(f"/proc/{self.pid}/status")
        for line in status.read_text().splitlines() if status.exists() else ():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return None

    def cpu(self) -> float:
        """The engine process's CPU time so far (user + system), 0 on the embedded store."""
        if self.pid is None:
            return 0.0
        stat = Path(f"/proc/{self.pid}/stat")
        if not stat.exists():
            return 0.0
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _servers() -> Any:
    sys.path.insert(0, str(ROOT / "tests"))
    import backend_servers  # type: ignore[import-not-found]  # tests/, put on the path above

    return backend_servers


@contextmanager
def engine(kind: str, folder: Path, *, virtuoso_buffers: int, memory: int) -> Iterator[Engine]:
    """The engine ``kind`` on an empty store in ``folder``; a remote engine's heap is capped at
    ``memory`` bytes (RLIMIT_DATA): past it, it fails rather than starve the machine."""
    if kind == "embedded":
        store = folder / "store"
        yield Engine(kind, store, {"MOFKG_STORE": str(store)}, {"store": str(store)})
        return
    servers = _servers()
    why = servers.engine_absent(kind)
    if why:
        raise SystemExit(f"{kind}: {why}")
    if kind == "oxigraph":
        with servers.oxigraph_serve(folder) as e:
            resource.prlimit(e.process.pid, resource.RLIMIT_DATA, (memory, memory))
            yield _remote(e, folder / "db")
    else:
        with virtuoso(servers, folder, buffers=virtuoso_buffers) as e:
            resource.prlimit(e.process.pid, resource.RLIMIT_DATA, (memory, memory))
            yield _remote(e, folder)


def _remote(e: Any, store: Path) -> Engine:
    env = {**e.env(), "MOFKG_BACKEND_TIMEOUT": "3600"}
    settings = {"backend": e.kind, "backend_url": e.url, "backend_timeout": 3600}
    return Engine(e.kind, store, env, settings, e.process.pid)


@contextmanager
def virtuoso(servers: Any, folder: Path, *, buffers: int) -> Iterator[Any]:
    """Virtuoso from tests/backends/virtuoso.ini with ``buffers`` 8 KiB pages of cache (the
    tests' 10,000 suit an empty store, not millions of triples)."""
    template = servers.HERE / "virtuoso.ini"
    text = template.read_text()
    text = text.replace("NumberOfBuffers          = 10000", f"NumberOfBuffers = {buffers}")
    text = text.replace("MaxDirtyBuffers          = 6000", f"MaxDirtyBuffers = {buffers * 3 // 4}")
    if f"NumberOfBuffers = {buffers}" not in text:
        raise SystemExit(f"{template}: no NumberOfBuffers line to set")
    local = folder / "template"
    local.mkdir()
    (local / "virtuoso.ini").write_text(text)
    shutil.copy(template.parent / "virtuoso-grants.sql", local / "virtuoso-grants.sql")
    saved, servers.HERE = servers.HERE, local
    try:
        with servers.virtuoso(folder) as e:
            yield e
    finally:
        servers.HERE = saved


# -- one engine at one size ---------------------------------------------------------------------


@dataclass
class Row:
    engine: str
    models: int
    triples: int
    cells: dict[str, str] = field(default_factory=dict)
    load: float | None = None
    assess: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    disk: int = 0
    peak: int = 0
    engine_peak: int | None = None
    stopped: bool = False
    notes: list[str] = field(default_factory=list)


def disk_usage(folder: Path) -> int:
    return sum(
        (Path(d) / f).stat().st_blocks * 512
        for d, _, files in os.walk(folder)
        for f in files
        if not (Path(d) / f).is_symlink()
    )


def measure(e: Engine, row: Row, data: Path, work: Path, args: argparse.Namespace) -> None:
    """Run the steps of one engine at one size into ``row``."""
    limit = args.limit

    def step(name: str, command: list[str], *, column: str = "") -> Outcome | None:
        """Run a step; None (and the row's cell says why) if it was stopped or failed."""
        before = e.cpu()
        o = run(command, env=e.env, limit=limit, folder=work)
        row.peak = max(row.peak, o.peak)
        row.cpu[name] = o.cpu + e.cpu() - before
        LOADS.append(os.getloadavg()[0])
        if o.stopped:
            row.cells[column or name] = f"> {limit:g} s, stopped"
            row.notes.append(f"{name} stopped after {limit:g} s ({row.cpu[name]:.0f} CPU s)")
            row.stopped = True
            return None
        if o.code and not (name == "assess" and o.code == 2 and REFUSED in o.stderr):
            tail = (o.stderr.strip().splitlines() or ["(no message)"])[-1]
            row.cells[column or name] = f"failed ({o.code})"
            row.notes.append(f"{name} failed ({o.code}): {tail}")
            row.stopped = True
            return None
        return o

    if step("init", [MOFKG, "init"], column="load") is None:  # init: not a column of its own
        return
    if e.kind == "embedded" and args.embedded_load == "bulk":
        o = step("load", library_step("bulk-load", {"store": str(e.folder), "folder": str(data)}))
        row.load = None if o is None else json.loads(o.stdout.splitlines()[-1])["seconds"]
    else:
        o = step("load", [MOFKG, "load", *(str(data / name) for name in FILES)])
        row.load = None if o is None else o.seconds
    if o is None:
        return
    o = None
    if args.no_assess:
        row.cells["assess"] = "not run"
    else:
        o = step("assess", [MOFKG, "assess", "--framework", args.framework])
    assessed = o is not None and not o.code
    if assessed and o is not None:
        row.assess = o.seconds
    elif o is not None:
        row.cells["assess"] = "not available"
    if row.stopped and "stopped" not in row.cells.get("assess", ""):
        return  # a failed assessment; after a stopped one (rolled back) the queries still run
    parameters = {"settings": e.settings, "parameters": query_parameters(row.models)}
    budget = {"runs": args.runs, "budget": args.query_budget, "limit": max(limit - 30, 1)}
    o = step("query", library_step("query", {**parameters, **budget}), column="lookup")
    if o is None:
        return
    results = json.loads(o.stdout.splitlines()[-1])
    for name in QUERIES:
        if name in ASSESSMENT_QUERIES and not assessed:
            row.cells[name] = "-"
        elif name not in results:
            row.cells[name] = f"> {limit:g} s, stopped"
        else:
            result = results[name]
            row.cells[name] = f"{result['seconds']:.3f}"
            row.notes.append(f"{name}: {result['rows']} rows, {result['runs']} runs")


# -- the table ----------------------------------------------------------------------------------

COLUMNS = (
    ("engine", 8),
    ("models", 7),
    ("triples", 10),
    ("load s", 8),
    ("assess s", 13),
    ("load CPU s", 10),
    ("assess CPU s", 12),
    ("lookup", 6),
    ("per class", 9),
    ("missing II", 10),
    ("lineage", 7),
    ("disk MiB", 8),
    ("mofkg RSS MiB", 13),
    ("engine RSS MiB", 14),
    ("B/model", 7),
    ("load ms/model", 13),
    ("assess ms/model", 15),
)


def header() -> str:
    return " ".join(f"{name:>{width}}" for name, width in COLUMNS)


def line(r: Row) -> str:
    def per_model(seconds: float | None) -> str:
        return f"{seconds * 1000 / r.models:.3f}" if seconds is not None else "-"

    values = {
        "engine": r.engine,
        "models": f"{r.models:,}",
        "triples": f"{r.triples:,}",
        "load s": f"{r.load:.1f}" if r.load is not None else r.cells.get("load", "-"),
        "assess s": f"{r.assess:.1f}" if r.assess is not None else r.cells.get("assess", "-"),
        "load CPU s": f"{r.cpu['load']:.1f}" if "load" in r.cpu else "-",
        "assess CPU s": f"{r.cpu['assess']:.1f}" if r.assess is not None else "-",
        **{q: r.cells.get(q, "-") for q in ("lookup", "per class", "missing II", "lineage")},
        "disk MiB": f"{r.disk / MIB:.0f}",
        "mofkg RSS MiB": f"{r.peak / MIB:.0f}",
        "engine RSS MiB": f"{r.engine_peak / MIB:.0f}" if r.engine_peak else "in-process",
        "B/model": f"{r.disk / r.models:.0f}",
        "load ms/model": per_model(r.load),
        "assess ms/model": per_model(r.assess),
    }
    return " ".join(f"{values[name]:>{width}}" for name, width in COLUMNS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,500000", help="model counts, commas")
    parser.add_argument("--engines", default=",".join(ENGINES), help="of " + ", ".join(ENGINES))
    parser.add_argument("--limit", type=float, default=1800, help="seconds a step may take")
    parser.add_argument("--runs", type=int, default=5, help="runs of each query (the median)")
    parser.add_argument(
        "--query-budget", type=float, default=60, help="seconds after which a query is not re-run"
    )
    parser.add_argument("--framework", default="mof-1.0", help="the framework assessed")
    parser.add_argument("--embedded-load", choices=("bulk", "transaction"), default="bulk")
    parser.add_argument(
        "--engine-memory", type=float, default=4, help="GiB of heap a remote engine may use"
    )
    parser.add_argument("--virtuoso-buffers", type=int, default=170_000, help="8 KiB pages")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary)")
    parser.add_argument(
        "--data", type=Path, help="catalogue.nt and lineage.nt of ONE size, written earlier"
    )
    parser.add_argument("--no-assess", action="store_true", help="load and query only")
    parser.add_argument("--step", nargs=2, metavar=("STEP", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(STEPS[args.step[0]](json.loads(args.step[1]))))
        return 0
    try:
        sizes = [int(s) for s in args.sizes.replace(" ", "").split(",") if s]
    except ValueError:
        parser.error(f"--sizes: model counts separated by commas, not {args.sizes!r}")
    engines = [k for k in args.engines.replace(" ", "").split(",") if k]
    unknown = [k for k in engines if k not in ENGINES]
    if unknown or not engines or not sizes or min(sizes) < 2:
        parser.error(f"--engines of {', '.join(ENGINES)}; --sizes of 2 or more ({unknown})")
    if args.data and (len(sizes) != 1 or not all((args.data / f).is_file() for f in FILES)):
        parser.error(f"--data: a folder with {' and '.join(FILES)}, and one size in --sizes")
    if args.limit <= 0 or args.runs < 1:
        parser.error("--limit must be positive and --runs at least 1")
    with tempfile.TemporaryDirectory(prefix="mofkg-scale-", dir=args.work) as tmp:
        return measure_all(sizes, engines, Path(tmp), args)


def lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))


def measure_all(sizes: list[int], engines: list[str], work: Path, args: argparse.Namespace) -> int:
    print(header(), flush=True)
    rows: list[Row] = []
    given_up: set[str] = set()
    for models in sizes:
        data = args.data or work / f"data-{models}"
        started = time.perf_counter()
        if args.data:
            triples = sum(lines(data / name) for name in FILES)
        else:
            data.mkdir()
            triples = write_catalogue(models, data)
        print(
            f"... {models:,} models: {triples:,} triples in {data}, "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        for kind in engines:
            row = Row(kind, models, triples)
            if kind in given_up:
                continue
            folder = work / f"{kind}-{models}"
            folder.mkdir()
            with engine(
                kind,
                folder,
                virtuoso_buffers=args.virtuoso_buffers,
                memory=int(args.engine_memory * 2**30),
            ) as e:
                measure(e, row, data, work, args)
                row.engine_peak = e.peak()
            row.disk = disk_usage(e.folder)
            shutil.rmtree(folder)
            print(line(row), flush=True)
            print(f"... {kind} {models:,}: {'; '.join(row.notes)}", file=sys.stderr, flush=True)
            rows.append(row)
            if row.stopped:
                given_up.add(kind)
        if not args.data:
            shutil.rmtree(data)
    skipped = [k for k in engines if k in given_up]
    if skipped:
        print(f"larger sizes skipped after a stopped step: {', '.join(skipped)}")
    print(
        "load = catalogue + lineage into their source graphs (embedded: "
        + ("bulk loader" if args.embedded_load == "bulk" else "`mofkg load`, one transaction")
        + f"; remote: `mofkg load`); assess = `mofkg assess --framework {args.framework}`;"
        f" queries: median of {args.runs} runs (fewer past {args.query_budget:g} s), s;"
        " disk = the store's folder at the end;"
        " RSS = peak resident memory of the mofkg steps / of the engine process;"
        " CPU s = user + system time of the step's process and the engine's"
    )
    if LOADS:
        print(
            f"machine load average (1 min) at the steps' ends: {statistics.mean(LOADS):.1f} mean,"
            f" {max(LOADS):.1f} max, on {os.cpu_count()} CPUs"
        )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
