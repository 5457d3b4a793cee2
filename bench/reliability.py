"""Reliability benchmark: mofkg writes killed (kill -9 and SIGTERM) at many random moments.

The long version of tests/test_crash.py, with the same steps (its functions): each kind of
write is run once to the end on a copy of a prepared on-disk store (the state after it, its
time and the peak memory of the process), then again on fresh copies, killed at seeded
random moments spread over the write (kill -9 four times in five, SIGTERM the fifth). After
each kill the store must open and hold the state before the write or the state after it,
with no staging graph. Prints, per kind: the size, the kills, how many the store survived
(and whether it ended before or after the write), the time of one write and its peak RSS.

    .venv/bin/python bench/reliability.py [--kills 10] [--triples 100000] [--seed 1]
        [--kinds load,replace,multi,mot,assess,serve] [--mot PATH]

Each run of a CLI write costs its start (about 1 s: imports) plus the write; `serve` costs a
server start (several seconds) per kill. Keep --triples modest on a shared machine: a write
is one transaction, which Oxigraph holds in memory (docs/reliability.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The script's folder first on sys.path would shadow nothing here, but the repository root
# must be on it for `tests.test_crash`.
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from mofkg.graphstore.importers.mot import import_mot  # noqa: E402
from mofkg.graphstore.settings import Settings  # noqa: E402
from mofkg.graphstore.store.bootstrap import initialise  # noqa: E402
from mofkg.graphstore.store.embedded import Store  # noqa: E402
from tests import test_crash as crash  # noqa: E402

KINDS = ("load", "replace", "multi", "mot", "assess", "serve")


@dataclass
class Outcome:
    kind: str
    size: str
    kills: int = 0
    survived: int = 0
    write_seconds: float = 0.0
    peak_mib: float = 0.0
    total_seconds: float = 0.0


def child_peak_mib() -> float:
    """The largest resident set of any child process waited for so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def initialised(path: Path) -> None:
    store = Store(path)
    initialise(store, Settings(store=path))
    store.close()


def with_mot(models: Path) -> Callable[[Path], None]:
    def prepare(path: Path) -> None:
        initialised(path)
        store = Store(path)
        store.replace_graphs(import_mot([models]).graphs())
        store.close()

    return prepare


def run_kind(kind: str, folder: Path, args: argparse.Namespace, files: dict[str, Path]) -> Outcome:
    prepare: Callable[[Path], None] = crash.with_old(files)
    low, high = 0.2, 1.0
    body = b""
    if kind == "load":
        argv = ["load", "--graph", crash.GRAPH, str(files["a"])]
    elif kind == "replace":
        argv = ["load", "--replace", "--graph", crash.GRAPH, str(files["a"])]
    elif kind == "multi":
        argv = ["load", str(files["a"]), str(files["b"])]
    elif kind == "mot":
        argv, prepare, low = ["import", "mot", str(args.mot)], initialised, 0.5
    elif kind == "assess":
        argv, prepare, low = ["assess"], with_mot(args.mot), 0.4
    else:
        body = files["a"].read_bytes()
        argv, low, high = [], 0.1, 0.7
    size = f"{args.triples:,} triples" if kind not in ("mot", "assess") else f"{args.mot.name}/"
    outcome = Outcome(kind, size)
    start = time.monotonic()
    if kind == "serve":
        trial = crash.server_trial(folder, prepare, body)
    else:
        trial = crash.cli_trial(folder, prepare, argv)
    outcome.peak_mib = child_peak_mib()
    outcome.write_seconds = trial.duration
    delays = crash.moments(trial.duration, args.kills, low=low, high=high, seed=args.seed)
    for i, delay in enumerate(delays):
        sig = crash.kill_signal(i)
        copy = folder / f"kill{i}"
        outcome.kills += 1
        try:
            if kind == "serve":
                crash.kill_server_write(trial, body, copy, delay=delay, sig=sig)
            else:
                crash.kill_cli_write(trial, argv, copy, delay=delay, sig=sig)
        except AssertionError as exc:
            print(f"  {kind}: kill {i} FAILED: {exc}", file=sys.stderr)
            shutil.rmtree(copy, ignore_errors=True)
            continue
        outcome.survived += 1
    outcome.total_seconds = time.monotonic() - start
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="kills per kind of write")
    parser.add_argument("--triples", type=int, default=100_000, help="triples per loaded file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated: " + ", ".join(KINDS)
    )
    parser.add_argument(
        "--mot", type=Path, default=ROOT.parent / "shared" / "data" / "mot" / "models"
    )
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)} (known: {', '.join(KINDS)})")
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="mofkg-reliability-") as tmp:
        root = Path(tmp)
        sizes = {"old": args.triples // 2, "a": args.triples, "b": args.triples}
        files = {tag: crash.nt(root / f"{tag}.nt", tag, n) for tag, n in sizes.items()}
        for kind in kinds:
            folder = root / kind
            folder.mkdir()
            outcome = run_kind(kind, folder, args, files)
            outcomes.append(outcome)
            print(
                f"{kind:8} {outcome.size:>18}  survived {outcome.survived}/{outcome.kills} kills"
                f"  one write {outcome.write_seconds:5.1f} s"
                f"  largest child RSS so far {outcome.peak_mib:6.0f} MiB"
                f"  ({outcome.total_seconds:.0f} s in all)",
                flush=True,
            )
            shutil.rmtree(folder, ignore_errors=True)
    failed = sum(o.kills - o.survived for o in outcomes)
    print(f"{sum(o.survived for o in outcomes)} kills survived, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
