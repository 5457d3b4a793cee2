"""Soak test: `mofkg serve` under a mixed load for a bounded time, then what it cost and lost.

    .venv/bin/python bench/soak.py [--models 1000] [--duration 120] [--requests 20000]
                                   [--threads 6] [--baseline 10] [--query-timeout 5]
                                   [--query-workers process|engine]

Builds a synthetic catalogue (``bench/http_bench.py``'s ``build_store``: mofkg.graphstore.synthetic
models, lineage, assessments), starts `mofkg serve` on it with an update token, and first
times one-model lookups (``GET /sparql``) alone from one thread: the idle baseline. Then
``--threads`` threads send a mix (and ``--lookup-threads`` more send only lookups) until
``--duration`` seconds or ``--requests`` requests, whichever comes first:

- lookups: ``GET /sparql`` with a one-model query;
- pages: the home page, a model's page, the query page;
- JSON API: ``/api/v1/models?page=N`` and ``/api/v1/model/KEY``;
- writes: ``PUT /store`` with the token into a scratch graph, read back at once, and every
  scratch graph read again at the end (nothing written may be lost);
- validations: ``POST /validate`` of a small (2 models) and a medium (200 models) dump;
- runaway queries: a cartesian product, which must be stopped with 504 (one at a time).

It prints, per kind, the requests served and the errors by status, the lookups' p99 under
load against the idle baseline (target: at most 2x), writes lost, and the peak resident
memory of the server's processes (sampled from /proc every 0.5 s). Everything goes to
loopback; the loops are bounded in time and count, and the server is stopped at the end.
Exit status 1 when a request failed unexpectedly or a write was lost. ``--fuzz N`` then runs
the hostile-input suite (``tests/test_hostile_inputs.py``) with N examples per test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from http_bench import BIN, build_store, free_port, run_server, stop

from mofkg.graphstore.namespaces import DEFAULT_IDS
from mofkg.graphstore.synthetic import synthetic_ntriples

TOKEN = "soak-token"
SCRATCH = "http://example.org/soak/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: Kinds of request and their shares of the mix (runaway queries run one at a time).
MIX = {
    "lookup": 50,
    "page": 10,
    "api": 10,
    "write": 10,
    "validate small": 6,
    "validate medium": 2,
    "runaway": 2,
}
#: Statuses each kind may get; anything else counts as an error.
EXPECTED = {
    "lookup": {200},
    "page": {200},
    "api": {200},
    "write": {201, 204},
    "validate small": {200},
    "validate medium": {200},
    "runaway": {504},
}


@dataclass
class Tally:
    """Requests of one kind: their latencies (s) and statuses (0: no answer)."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)


class Client:
    """One keep-alive connection to the server, opened again after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    return 0, b""
        return 0, b""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Soak:
    """The shared state of a run: budget, tallies, what was written."""

    def __init__(
        self, port: int, models: int, requests: int, deadline: float, mix: dict[str, int] = MIX
    ) -> None:
        self.port = port
        self.mix = mix
        self.models = models
        self.left = requests
        self.deadline = deadline
        self.lock = threading.Lock()
        self.tallies: dict[str, Tally] = {kind: Tally() for kind in MIX}
        self.written: dict[str, str] = {}
        self.read_back_failures: list[str] = []
        self.runaway = threading.Semaphore(1)
        self.small = synthetic_ntriples(2, seed=3).encode()
        self.medium = synthetic_ntriples(200, seed=4).encode()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            return True

    def record(self, kind: str, started: float, status: int) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            tally = self.tallies[kind]
            tally.latencies.append(elapsed)
            tally.statuses[status] += 1
            if status not in EXPECTED[kind]:
                tally.errors[status] += 1

    def model_key(self, rng: random.Random) -> str:
        return f"synthetic-{rng.randrange(self.models):06d}"


def lookup_path(key: str) -> str:
    query = f"SELECT ?p ?o WHERE {{ <{DEFAULT_IDS.model(key)}> ?p ?o }}"
    return "/sparql?" + urllib.parse.urlencode({"query": query})


JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def one_request(soak: Soak, client: Client, kind: str, rng: random.Random, name: str) -> None:
    started = time.perf_counter()
    if kind == "lookup":
        status, _ = client.request("GET", lookup_path(soak.model_key(rng)), headers=JSON_RESULTS)
    elif kind == "page":
        path = rng.choice(("/", f"/doc/model/{soak.model_key(rng)}", "/query"))
        status, _ = client.request("GET", path, headers={"Accept": "text/html"})
    elif kind == "api":
        path = rng.choice(
            (f"/api/v1/models?page={rng.randrange(1, 5)}", f"/api/v1/model/{soak.model_key(rng)}")
        )
        status, _ = client.request("GET", path, headers={"Accept": "application/json"})
    elif kind == "write":
        status = write(soak, client, rng, name)
    elif kind.startswith("validate"):
        body = soak.small if kind == "validate small" else soak.medium
        headers = {"Content-Type": "application/n-triples", "Accept": "application/json"}
        status, _ = client.request("POST", "/validate", body=body, headers=headers)
    else:
        query = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})
        status, _ = client.request("GET", query, headers=JSON_RESULTS)
    soak.record(kind, started, status)


def write(soak: Soak, client: Client, rng: random.Random, name: str) -> int:
    """PUT a scratch graph with a unique value, and read it back at once."""
    graph = f"{SCRATCH}{name}/g{rng.randrange(8)}"
    value = f"{name}-{time.monotonic_ns()}"
    line = f'<{SCRATCH}s> <{SCRATCH}p> "{value}" .\n'
    target = "/store?" + urllib.parse.urlencode({"graph": graph})
    headers = {"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"}
    status, _ = client.request("PUT", target, body=line.encode(), headers=headers)
    if status in EXPECTED["write"]:
        with soak.lock:
            soak.written[graph] = line
        back_status, back = client.request(
            "GET", target, headers={"Accept": "application/n-triples"}
        )
        if back.decode() != line:
            with soak.lock:
                soak.read_back_failures.append(f"{graph}: {back_status} {back[:200]!r}")
    return status


def worker(soak: Soak, index: int, only: str | None) -> None:
    rng = random.Random(index)
    client = Client(soak.port)
    kinds, weights = list(soak.mix), list(soak.mix.values())
    name = f"t{index}"
    try:
        while soak.take():
            kind = only or rng.choices(kinds, weights)[0]
            if kind == "runaway":
                if not soak.runaway.acquire(blocking=False):
                    kind = "lookup" if "lookup" in soak.mix else kind
                    if kind == "runaway":
                        time.sleep(0.05)  # one runaway at a time: this thread waits its turn
                        continue
                else:
                    try:
                        one_request(soak, client, kind, rng, name)
                    finally:
                        soak.runaway.release()
                    continue
            one_request(soak, client, kind, rng, name)
    finally:
        client.close()


def baseline(port: int, models: int, seconds: float) -> list[float]:
    """Lookup latencies from one thread on the idle server."""
    client, rng, out = Client(port), random.Random(0), []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        status, _ = client.request(
            "GET", lookup_path(f"synthetic-{rng.randrange(models):06d}"), headers=JSON_RESULTS
        )
        if status == 200:
            out.append(time.perf_counter() - started)
    client.close()
    return out


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples the summed resident memory of the server's processes every 0.5 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.peak_processes = 0
        self.hwm: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            pids = descendants(self.pid)
            total = sum(rss_kib(p) for p in pids)
            if total > self.peak_kib:
                self.peak_kib, self.peak_processes = total, len(pids)
            for p in pids:
                self.hwm[p] = max(self.hwm.get(p, 0), rss_kib(p, "VmHWM"))


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * pct / 100), len(ordered) - 1)]


def check_written(soak: Soak) -> list[str]:
    """Every scratch graph as last written, read again at the end."""
    client, lost = Client(soak.port), []
    for graph, line in sorted(soak.written.items()):
        target = "/store?" + urllib.parse.urlencode({"graph": graph})
        status, body = client.request("GET", target, headers={"Accept": "application/n-triples"})
        if status != 200 or body.decode() != line:
            lost.append(f"{graph}: expected {line.strip()!r}, got {status} {body[:200]!r}")
    client.close()
    return lost


def report(soak: Soak, idle: list[float], elapsed: float, memory: MemoryWatch) -> int:
    lost = check_written(soak)
    served = sum(sum(t.statuses.values()) for t in soak.tallies.values())
    print()
    print(f"{served:,} requests in {elapsed:.1f} s ({served / elapsed:.0f}/s)")
    print(
        f"{'kind':<17}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  statuses"
    )
    errors = 0
    for kind, tally in soak.tallies.items():
        ms = [t * 1000 for t in tally.latencies]
        errors += sum(tally.errors.values())
        statuses = ", ".join(f"{s or 'none'}: {n}" for s, n in sorted(tally.statuses.items()))
        print(
            f"{kind:<17}{len(ms):>9}{sum(tally.errors.values()):>8}{percentile(ms, 50):>9.1f}"
            f"{percentile(ms, 99):>9.1f}{max(ms, default=float('nan')):>9.1f}  {statuses}"
        )
    idle_p99 = percentile(idle, 99) * 1000
    load_p99 = percentile(soak.tallies["lookup"].latencies, 99) * 1000
    ratio = load_p99 / idle_p99 if idle_p99 else float("nan")
    print(
        f"lookup p99: idle {idle_p99:.2f} ms ({len(idle)} lookups, p50 "
        f"{percentile(idle, 50) * 1000:.2f} ms), under load {load_p99:.2f} ms: "
        f"{ratio:.2f}x (target <= 2x: {'met' if ratio <= 2 else 'NOT met'})"
    )
    print(
        f"writes: {len(soak.written)} scratch graphs checked at the end, {len(lost)} lost; "
        f"{len(soak.read_back_failures)} read-backs differed right after their write"
    )
    for line in (lost + soak.read_back_failures)[:10]:
        print(f"  {line}")
    print(
        f"server peak RSS: {memory.peak_kib / 1024:.0f} MiB summed over "
        f"{memory.peak_processes} processes (sampled every 0.5 s); largest single process "
        f"(VmHWM) {max(memory.hwm.values(), default=0) / 1024:.0f} MiB; "
        f"{len(memory.hwm)} processes seen"
    )
    return 1 if errors or lost or soak.read_back_failures else 0


def _mix(text: str) -> dict[str, int]:
    """``--mix``: ``lookup=50,runaway=2`` as shares by kind (each kind known, shares >= 0).

    >>> _mix("lookup=5, page=1")
    {'lookup': 5, 'page': 1}
    """
    shares: dict[str, int] = {}
    for part in text.split(","):
        kind, _, share = part.strip().partition("=")
        if kind not in MIX or not share.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r}: give KIND=SHARE with KIND one of {', '.join(MIX)}"
            )
        shares[kind] = int(share)
    if not any(shares.values()):
        raise argparse.ArgumentTypeError("at least one kind needs a share above 0")
    return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=1000, help="synthetic models in the store")
    parser.add_argument("--duration", type=float, default=120, help="seconds of mixed load")
    parser.add_argument("--requests", type=int, default=20_000, help="most requests to send")
    parser.add_argument("--threads", type=int, default=6, help="client threads sending the mix")
    parser.add_argument(
        "--lookup-threads", type=int, default=2, help="more client threads sending only lookups"
    )
    parser.add_argument("--baseline", type=float, default=10, help="seconds of idle lookups")
    parser.add_argument(
        "--query-timeout", type=float, default=5, help="the server's query_timeout (s)"
    )
    parser.add_argument(
        "--mix",
        type=_mix,
        default=MIX,
        help="the kinds of request and their shares, as KIND=SHARE,... (default: "
        + ",".join(f"{k}={v}" for k, v in MIX.items())
        + "); a kind left out is not sent",
    )
    parser.add_argument(
        "--query-workers",
        choices=("process", "engine"),
        default="process",
        help="the server's kind of query worker (setting query_workers)",
    )
    parser.add_argument(
        "--store", type=Path, help="keep the built store here and reuse it (default: temporary)"
    )
    parser.add_argument(
        "--fuzz",
        type=int,
        default=0,
        metavar="N",
        help="then run tests/test_hostile_inputs.py with N examples per test (0: not at all)",
    )
    args = parser.parse_args()
    status = soak(args)
    if args.fuzz:
        print(f"\nhostile inputs, {args.fuzz} examples per test", flush=True)
        repo = Path(__file__).resolve().parents[1]
        fuzz = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/test_hostile_inputs.py"],
            cwd=repo,
            env={**os.environ, "MOFKG_FUZZ_EXAMPLES": str(args.fuzz)},
        )
        status = status or (1 if fuzz.returncode else 0)
    return status


def soak(args: argparse.Namespace) -> int:
    """Build the store, start the server, measure the baseline and the mixed load."""
    with tempfile.TemporaryDirectory(prefix="mofkg-soak-") as tmp:
        built = args.store or Path(tmp) / "built"
        if not (built / "CURRENT").exists():
            build_store(built, args.models)
        port = free_port()
        env = {
            "MOFKG_UPDATE_TOKEN": TOKEN,
            "MOFKG_QUERY_TIMEOUT": str(args.query_timeout),
            "MOFKG_QUERY_WORKERS": args.query_workers,
        }
        print(
            f"mofkg serve on port {port}, query_timeout {args.query_timeout} s, query workers: "
            f"{args.query_workers}",
            flush=True,
        )
        process = run_server(
            [str(BIN / "mofkg"), "serve", "--store", str(built), "--port", str(port)],
            f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
            env,
        )
        memory = MemoryWatch(process.pid)
        memory.start()
        try:
            print(f"idle baseline: lookups from one thread for {args.baseline:.0f} s", flush=True)
            idle = baseline(port, args.models, args.baseline)
            print(
                f"mixed load: {args.threads} threads (and {args.lookup_threads} of lookups "
                f"only), {args.duration:.0f} s or "
                f"{args.requests:,} requests",
                flush=True,
            )
            started = time.monotonic()
            soak = Soak(port, args.models, args.requests, started + args.duration, args.mix)
            only = [None] * args.threads + ["lookup"] * args.lookup_threads
            threads = [
                threading.Thread(target=worker, args=(soak, i, kind), daemon=True)
                for i, kind in enumerate(only)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            status = report(soak, idle, elapsed, memory)
        finally:
            memory.done.set()
            stop(process)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
