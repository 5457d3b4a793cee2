"""Writes are all or nothing across ``kill -9`` and SIGTERM (docs/reliability.md).

Real ``mofkg`` writes run as subprocesses on a real on-disk store, and are killed at seeded
random moments (``kill -9`` and SIGTERM by turns). After each kill the store must open, hold
exactly the graphs (and sizes) of the state before the write or of the state after it, no
staging graph, and its queries must count what one of the two states holds. The server's
Graph Store writes are killed the same way. ``bench/reliability.py`` is the long version.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from mofkg.graphstore.frameworks.assessment import assess_all
from mofkg.graphstore.importers.mot import import_mot
from mofkg.graphstore.namespaces import MOF, source_graph
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.commit import CLEAN_MARK
from mofkg.graphstore.store.embedded import STAGING_PREFIX, Store
from mofkg.graphstore.store.pending import MARKER, PendingGraphs
from tests.server import fetch, free_port, wait_until_up

SEED = 20261207
#: Kills per kind of write: kill -9, kill -9, SIGTERM, kill -9.
KILLS = 4
#: Kills of `mofkg serve` (each restart takes seconds).
SERVER_KILLS = 3
TRIPLES = 10_000
GRAPH = "http://example.org/crash/g"
TOKEN = "crash-token"
MOFKG = str(Path(sys.executable).with_name("mofkg"))


@dataclass(frozen=True)
class State:
    """What a store holds, as far as a kill could change it."""

    graphs: dict[str, int]
    triples: int
    models: int


def state_of(path: Path) -> State:
    """Open the store for writing (as the next command would) and read its state."""
    store = Store(path)
    try:
        union = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        models = store.select(f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m a <{MOF.Model}> }}")
        return State(store.graph_sizes(), int(union[0]["n"]), int(models[0]["n"]))
    finally:
        store.close()


def nt(path: Path, tag: str, n: int = TRIPLES) -> Path:
    lines = (
        f'<http://example.org/{tag}/s{i // 8}> <http://example.org/p{i % 8}> "{tag} {i}" .\n'
        for i in range(n)
    )
    path.write_text("".join(lines))
    return path


def check(path: Path, before: State, after: State, what: str) -> None:
    state = state_of(path)
    staging = [g for g in state.graphs if g.startswith(STAGING_PREFIX)]
    assert not staging, f"{what}: staging graphs left: {staging[:3]}"
    assert state in (before, after), (
        f"{what}: the store holds neither the state before the write nor after it: "
        f"{state.triples} triples in {len(state.graphs)} graphs, {state.models} models "
        f"(before: {before.triples} in {len(before.graphs)}, {before.models} models; "
        f"after: {after.triples} in {len(after.graphs)}, {after.models} models)"
    )


def moments(
    duration: float, count: int, *, low: float = 0.2, high: float = 1.0, seed: int = SEED
) -> list[float]:
    """``count`` seeded random delays within a write of ``duration`` seconds, between the
    fractions ``low`` and ``high`` of it: one in each of ``count`` equal spans, so that they
    spread over the whole write."""
    rng = random.Random(seed)
    span = (high - low) / count
    return [(low + (i + rng.random()) * span) * duration for i in range(count)]


def kill_signal(i: int) -> signal.Signals:
    return signal.SIGTERM if i % 3 == 2 else signal.SIGKILL


def run_killed(argv: Sequence[str], *, delay: float, sig: signal.Signals) -> tuple[int, str]:
    """Run a command, send it ``sig`` after ``delay`` seconds (unless it has ended); its
    exit status and stderr."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    return process.returncode, err.decode(errors="replace")


@dataclass(frozen=True)
class Trial:
    """A write run once to the end on a copy of the prepared store ``template``."""

    template: Path
    before: State
    after: State
    #: Seconds the uninterrupted run took.
    duration: float


def cli_trial(folder: Path, prepare: Callable[[Path], None], args: Sequence[str]) -> Trial:
    """Prepare a store, and run the write once to the end: the after state, the duration."""
    template = folder / "before"
    prepare(template)
    before = state_of(template)
    whole = folder / "whole"
    shutil.copytree(template, whole)
    start = time.monotonic()
    done = subprocess.run([MOFKG, "--store", str(whole), *args], capture_output=True)
    duration = time.monotonic() - start
    assert done.returncode == 0, done.stderr.decode()
    after = state_of(whole)
    shutil.rmtree(whole)
    assert after != before
    return Trial(template, before, after, duration)


def kill_cli_write(
    trial: Trial, args: Sequence[str], copy: Path, *, delay: float, sig: signal.Signals
) -> None:
    """Run the write on a fresh copy of the prepared store, send it ``sig`` after ``delay``
    seconds, and check the store it left."""
    shutil.copytree(trial.template, copy)
    status, err = run_killed([MOFKG, "--store", str(copy), *args], delay=delay, sig=sig)
    what = f"`mofkg {' '.join(args[:2])}` sent {sig.name} after {delay:.2f} s"
    if status == 128 + signal.SIGTERM:
        assert "terminated (SIGTERM)" in err, err
    else:
        assert status in (0, -sig), f"{what}: exit {status}: {err}"
    check(copy, trial.before, trial.after, what)
    shutil.rmtree(copy)


def cli_write_survives_kills(
    tmp_path: Path, prepare: Callable[[Path], None], args: Sequence[str], *, low: float = 0.2
) -> None:
    """Run the write once, then kill it at random moments on fresh copies of the prepared
    store (from the fraction ``low`` of its duration on: the command starts and reads its
    input first)."""
    trial = cli_trial(tmp_path, prepare, args)
    for i, delay in enumerate(moments(trial.duration, KILLS, low=low)):
        kill_cli_write(trial, args, tmp_path / f"kill{i}", delay=delay, sig=kill_signal(i))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rdf")
    sizes = {"old": TRIPLES // 2, "a": TRIPLES, "b": TRIPLES}
    return {tag: nt(folder / f"{tag}.nt", tag, n) for tag, n in sizes.items()}


def with_old(files: dict[str, Path]) -> Callable[[Path], None]:
    """Prepares a store holding the file "old" in GRAPH and in a.nt's graph."""

    def prepare(path: Path) -> None:
        store = Store(path)
        store.load(files["old"], graph=GRAPH)
        store.load(files["old"], graph=str(source_graph("a.nt")))
        store.close()

    return prepare


def test_load_survives_kills(tmp_path: Path, files: dict[str, Path]) -> None:
    cli_write_survives_kills(tmp_path, with_old(files), ["load", "--graph", GRAPH, str(files["a"])])


def test_load_replace_survives_kills(tmp_path: Path, files: dict[str, Path]) -> None:
    args = ["load", "--replace", "--graph", GRAPH, str(files["a"])]
    cli_write_survives_kills(tmp_path, with_old(files), args)


def test_multi_file_load_is_one_commit_across_kills(tmp_path: Path, files: dict[str, Path]) -> None:
    args = ["load", str(files["a"]), str(files["b"])]
    cli_write_survives_kills(tmp_path, with_old(files), args)


def test_mot_import_survives_kills(tmp_path: Path, shared_data: Path) -> None:
    def prepare(path: Path) -> None:
        store = Store(path)
        initialise(store, Settings(store=path))
        store.close()

    args = ["import", "mot", str(shared_data / "mot" / "models")]
    cli_write_survives_kills(tmp_path, prepare, args, low=0.5)


def test_assess_survives_kills(tmp_path: Path, shared_data: Path) -> None:
    """The first assessment is bulk-loaded; what a kill left of it goes when the store opens."""

    def prepare(path: Path) -> None:
        store = Store(path)
        initialise(store, Settings(store=path))
        store.replace_graphs(import_mot([shared_data / "mot" / "models"]).graphs())
        store.close()

    cli_write_survives_kills(tmp_path, prepare, ["assess"], low=0.4)


def test_reassessment_after_a_change_survives_kills(tmp_path: Path, shared_data: Path) -> None:
    """A re-assessment once the catalogue changed: the derived facts and the assessments of
    every framework change, in one commit (tests/test_reassessment.py counts the updates)."""

    def prepare(path: Path) -> None:
        store = Store(path)
        initialise(store, Settings(store=path))
        store.replace_graphs(import_mot([shared_data / "mot" / "models"]).graphs())
        assess_all(store)
        # No component states its own licence any more: licence sources and statuses change.
        store.update("DELETE WHERE { GRAPH ?g { ?c <http://purl.org/dc/terms/license> ?l } }")
        store.close()

    cli_write_survives_kills(tmp_path, prepare, ["assess"], low=0.3)


def test_a_bulk_write_cut_short_is_rolled_back_when_the_store_opens(tmp_path: Path) -> None:
    store = Store(tmp_path / "kg")
    store.load(b'<http://a> <http://b> "kept" .', graph=GRAPH, format="nt")
    pending = PendingGraphs(store, ["http://example.org/new"])
    store.oxigraph.bulk_load(
        b'<http://a> <http://b> "c" <http://example.org/new> .', format=ox.RdfFormat.N_QUADS
    )
    del pending  # the process dies here: the marker stays
    store.close()
    assert (tmp_path / "kg" / MARKER).exists()
    assert Store(tmp_path / "kg").graph_sizes() == {GRAPH: 1}
    assert not (tmp_path / "kg" / MARKER).exists()


def test_opening_a_store_removes_staging_graphs_an_older_version_left(tmp_path: Path) -> None:
    store = Store(tmp_path / "kg")
    store.oxigraph.update(
        f'INSERT DATA {{ GRAPH <{STAGING_PREFIX}0123> {{ <http://a> <http://b> "c" }} }}'
    )
    store.load(b'<http://a> <http://b> "kept" .', graph=GRAPH, format="nt")
    store.close()
    (tmp_path / "kg" / CLEAN_MARK).unlink(missing_ok=True)  # as an older version left it
    assert Store(tmp_path / "kg", read_only=True).graph_sizes()[STAGING_PREFIX + "0123"] == 1
    assert Store(tmp_path / "kg").graph_sizes() == {GRAPH: 1}


# -- the server ------------------------------------------------------------------------


@contextmanager
def mofkg_serve(store: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``mofkg serve`` in a session of its own (its Granian processes can be killed as one)."""
    port = free_port()
    env = {**os.environ, "MOFKG_UPDATE_TOKEN": TOKEN, "MOFKG_PROCESSES": "1"}
    env["MOFKG_WORKERS"] = "1"
    process = subprocess.Popen(
        [MOFKG, "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/sparql", process=process, timeout=60)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


def put(url: str, body: bytes) -> int:
    reply = fetch(
        "PUT",
        url + "/store",
        params={"graph": GRAPH},
        data=body,
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    return reply.status_code


def server_trial(folder: Path, prepare: Callable[[Path], None], body: bytes) -> Trial:
    """Prepare a store, serve it and PUT ``body`` to the end: the after state, the duration."""
    template = folder / "before"
    prepare(template)
    before = state_of(template)
    whole = folder / "whole"
    shutil.copytree(template, whole)
    with mofkg_serve(whole) as (url, _):
        start = time.monotonic()
        assert put(url, body) == 204
        duration = time.monotonic() - start
    after = state_of(whole)
    shutil.rmtree(whole)
    assert after != before
    return Trial(template, before, after, duration)


def kill_server_write(
    trial: Trial, body: bytes, copy: Path, *, delay: float, sig: signal.Signals
) -> None:
    """Serve a fresh copy of the prepared store, PUT ``body``, send the server ``sig`` after
    ``delay`` seconds (kill -9 to it and its Granian workers), and check the store it left."""
    shutil.copytree(trial.template, copy)
    with mofkg_serve(copy) as (url, process):
        writer = threading.Thread(target=lambda: _put_ignoring_errors(url, body))
        writer.start()
        time.sleep(delay)
        if sig == signal.SIGKILL:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.send_signal(sig)
        process.wait(60)
        writer.join(120)
    check(copy, trial.before, trial.after, f"mofkg serve sent {sig.name} {delay:.2f} s into a PUT")
    shutil.rmtree(copy)


def test_server_put_survives_kills(tmp_path: Path, files: dict[str, Path]) -> None:
    body = files["a"].read_bytes()
    trial = server_trial(tmp_path, with_old(files), body)
    # The answer comes after the store is closed and reopened: the write is in the first 2/3.
    for i, delay in enumerate(moments(trial.duration, SERVER_KILLS, low=0.1, high=0.7)):
        kill_server_write(trial, body, tmp_path / f"kill{i}", delay=delay, sig=kill_signal(i))


def _put_ignoring_errors(url: str, body: bytes) -> None:
    try:
        put(url, body)
    except OSError:
        pass  # the server was killed under the request


def served_graphs(url: str) -> dict[str, int]:
    """The graphs and sizes the server's SPARQL endpoint shows."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    reply = fetch(
        "GET",
        url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert reply.status_code == 200, reply.text
    rows = reply.json()["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_a_running_server_never_sees_a_cut_short_cli_write(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    args = ["load", "--replace", "--graph", GRAPH, str(files["a"])]
    trial = cli_trial(tmp_path, with_old(files), args)
    served = tmp_path / "served"
    shutil.copytree(trial.template, served)
    with mofkg_serve(served) as (url, _):
        for i, delay in enumerate(moments(trial.duration, 3, low=0.3)):
            run_killed([MOFKG, "--store", str(served), *args], delay=delay, sig=signal.SIGKILL)
            # A write through the server opens the store for writing and has every server
            # process reopen it.
            other = fetch(
                "PUT",
                url + "/store",
                params={"graph": f"http://example.org/crash/other{i}"},
                data=b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .",
                headers={
                    "Content-Type": "application/n-triples",
                    "Authorization": f"Bearer {TOKEN}",
                },
            )
            assert other.status_code == 201, other.text
            graphs = served_graphs(url)
            assert not [g for g in graphs if g.startswith(STAGING_PREFIX)], graphs
            assert graphs[GRAPH] in (trial.before.graphs[GRAPH], trial.after.graphs[GRAPH])


#: A shapes file every synthetic model passes (the metadata shapes would refuse their licences).
NAMED_MODELS = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/shapes#Named> a sh:NodeShape ;
    sh:targetClass <https://w3id.org/mofkg/ontology#Model> ;
    sh:property [ sh:path <http://schema.org/name> ; sh:minCount 1 ] .
"""


def test_validate_load_is_one_commit_across_kills(tmp_path: Path) -> None:
    """`mofkg validate --load` writes the dump, the derived facts and the assessments as one
    commit. It was three: a kill after the first left the models without their assessments."""
    from mofkg.graphstore.synthetic import synthetic_ntriples

    dump = tmp_path / "models.nt"
    dump.write_text(synthetic_ntriples(600, seed=7))
    shapes = tmp_path / "named.ttl"
    shapes.write_text(NAMED_MODELS)

    def prepare(path: Path) -> None:
        store = Store(path)
        initialise(store, Settings(store=path))
        store.close()

    args = ["validate", str(dump), "--replace-shapes", "--shapes", str(shapes), "--load"]
    trial = cli_trial(tmp_path, prepare, args)
    assessed = [g for g in trial.after.graphs if "/assessment/" in g]
    assert len(assessed) == 600 and str(source_graph("models.nt")) in trial.after.graphs
    # the validation takes the first part of the run; the kills fall in the write
    for i, delay in enumerate(moments(trial.duration, KILLS, low=0.4)):
        kill_cli_write(trial, args, tmp_path / f"kill{i}", delay=delay, sig=kill_signal(i))
