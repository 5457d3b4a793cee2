"""bench/scale.py at a tiny size: the table it prints, its time limit and its usage errors.

The real runs (10,000 to 500,000 models) are in docs/scale.md; these keep the script working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
from scale import COLUMNS, write_catalogue  # noqa: E402

from mofkg.graphstore.synthetic import synthetic_ntriples  # noqa: E402
from tests.backend_servers import engine_absent  # noqa: E402


def bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, str(BENCH / "scale.py"), "--work", str(work), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )


def rows(stdout: str) -> dict[str, dict[str, str]]:
    """The table's rows by engine, each cell by its column (cells without spaces only)."""
    lines = stdout.splitlines()
    assert lines[0].split() == " ".join(name for name, _ in COLUMNS).split()
    found = {}
    for line in lines[1:]:
        cells = line.split()
        if cells and cells[0] in ("embedded", "oxigraph", "virtuoso"):
            assert len(cells) == len(COLUMNS), line
            found[cells[0]] = dict(zip((name for name, _ in COLUMNS), cells, strict=True))
    return found


def test_the_catalogue_is_the_synthetic_one_plus_lineage(tmp_path: Path) -> None:
    triples = write_catalogue(50, tmp_path)
    catalogue = (tmp_path / "catalogue.nt").read_text(encoding="utf-8")
    assert catalogue == synthetic_ntriples(50, seed=0)
    lineage = (tmp_path / "lineage.nt").read_text(encoding="utf-8").splitlines()
    assert sum(1 for x in lineage if "#trainedOn>" in x) == 50
    assert any("#fineTunedFrom>" in x for x in lineage)
    assert triples == catalogue.count("\n") + len(lineage)


def test_a_tiny_embedded_run_prints_every_figure(tmp_path: Path) -> None:
    done = bench(tmp_path, "--sizes", "200", "--engines", "embedded", "--runs", "2")
    assert done.returncode == 0, done.stderr
    row = rows(done.stdout)["embedded"]
    assert row["models"] == "200"
    written = write_catalogue(200, tmp_path)
    assert row["triples"] == f"{written:,}"
    for name in ("load s", "assess s", "lookup", "per class", "missing II", "lineage"):
        assert float(row[name]) >= 0, name
    assert float(row["load s"]) > 0 and float(row["assess s"]) > 0
    assert 0 < int(row["disk MiB"]) < 1000
    assert 50 < int(row["mofkg RSS MiB"]) < 4000
    assert row["engine RSS MiB"] == "in-process"
    assert abs(int(row["B/model"]) * 200 / 2**20 - int(row["disk MiB"])) <= 0.51
    assert float(row["assess ms/model"]) == pytest.approx(
        float(row["assess s"]) * 1000 / 200, rel=0.05
    )
    # the queries found what the catalogue and the assessment hold
    assert "lookup: 22 rows" in done.stderr and "per class: 0 rows" not in done.stderr
    assert list((tmp_path / "work").iterdir()) == []  # the stores are removed


def test_a_step_past_the_limit_is_stopped_and_larger_sizes_skipped(tmp_path: Path) -> None:
    done = bench(tmp_path, "--sizes", "100,200", "--engines", "embedded", "--limit", "0.2")
    assert done.returncode == 0, done.stderr
    table = [x for x in done.stdout.splitlines() if x.lstrip().startswith("embedded")]
    assert len(table) == 1 and "100" in table[0]
    assert "> 0.2 s, stopped" in table[0]
    assert "larger sizes skipped after a stopped step: embedded" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engines", "fuseki"], "--engines"),
        (["--sizes", "ten"], "--sizes"),
        (["--sizes", "1"], "--sizes"),
        (["--limit", "0"], "--limit"),
        (["--sizes", "100,200", "--data", "."], "--data"),
        (["--sizes", "100", "--data", "nowhere"], "--data"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    done = bench(tmp_path, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_tiny_run_on_oxigraph_serve(tmp_path: Path) -> None:
    reason = engine_absent("oxigraph")
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    done = bench(tmp_path, "--sizes", "200", "--engines", "oxigraph", "--runs", "1")
    assert done.returncode == 0, done.stderr
    text = next(x for x in done.stdout.splitlines() if x.lstrip().startswith("oxigraph"))
    assert "200" in text and float(text.split()[3]) > 0  # load s
    assessed = "not available" not in text
    if not assessed:  # `mofkg assess` refused on a remote backend: no assessment queries
        assert "lookup: 22 rows" in done.stderr and "per class" not in done.stderr
    else:
        assert "per class: 0 rows" not in done.stderr
    assert int(text.split()[-4]) > 0  # engine RSS MiB


def test_the_query_step_ends_at_its_limit_with_what_it_has(tmp_path: Path) -> None:
    """A query that runs past the step's limit cannot be interrupted: the step prints the
    queries it finished and ends, rather than being killed with nothing to show."""
    from mofkg.graphstore.settings import Settings
    from mofkg.graphstore.store.bootstrap import initialise
    from mofkg.graphstore.store.embedded import Store

    store = Store(tmp_path / "store")
    initialise(store, Settings(store=tmp_path / "store"))
    store.close()
    args = {
        "settings": {"store": str(tmp_path / "store")},
        "parameters": {"model": "https://example.org/m", "dataset": "https://example.org/d"},
        "runs": 1_000_000,
        "budget": 1_000_000,
        "limit": 1.5,
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH / "scale.py"), "--step", "query", json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert time.perf_counter() - started < 60
    results = json.loads(done.stdout.splitlines()[-1])
    assert "missing II" not in results  # the last query never ended its million runs
    assert set(results) <= {"lookup", "lineage", "per class"}


def test_a_catalogue_written_earlier_is_loaded_and_queried(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    written = write_catalogue(150, data)
    done = bench(tmp_path, "--sizes", "150", "--engines", "embedded", "--runs", "1",
                 "--data", str(data), "--no-assess")  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = next(x for x in done.stdout.splitlines() if x.lstrip().startswith("embedded"))
    assert f"{written:,}" in text and "not run" in text
    assert "lookup: " in done.stderr and "per class" not in done.stderr
    assert sorted(p.name for p in data.iterdir()) == ["catalogue.nt", "lineage.nt"]  # kept
