"""The commands on a remote backend: `oxigraph serve` and Virtuoso, real processes on
loopback (tests/backend_servers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph

from mofkg.graphstore.store.embedded import Store

from .backend_servers import Engine, remote

EX = "https://example.org/"


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_env(
    request: pytest.FixtureRequest,
    engines: dict[str, Engine],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Engine]:
    """The commands' environment pointing at an emptied remote engine; the store folder is
    one that must stay untouched."""
    engine = engines[request.param]
    remote(engine).clear()
    for name, value in engine.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MOFKG_STORE", str(tmp_path / "untouched"))
    yield engine
    remote(engine).clear()
    assert not (tmp_path / "untouched").exists()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from mofkg.graphstore.cli.main import main

    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_init_load_query_graphs_export(
    remote_env: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["init", "--demo"], capsys)
    assert status == 0 and "store ready at" in out and remote_env.url in out
    embedded = Store()
    from mofkg.graphstore.settings import load_settings
    from mofkg.graphstore.store.bootstrap import initialise

    initialise(embedded, load_settings(environ={}), demo=True, commons=True)  # as `init --demo`
    assert remote(remote_env).graph_sizes() == embedded.graph_sizes()

    data = tmp_path / "extra.ttl"
    data.write_text(f'<{EX}x> <{EX}p> "é\\n\\"q\\"" , 12 , "t"@en-GB .\n')
    status, out, _ = run(["load", str(data), "--graph", EX + "extra"], capsys)
    assert (status, out.split("\t")[1:]) == (0, [EX + "extra", "3 triples\n"])

    status, out, _ = run(
        ["query", f"SELECT ?o WHERE {{ <{EX}x> <{EX}p> ?o }} ORDER BY STR(?o)", "--format", "tsv"],
        capsys,
    )
    assert status == 0 and out.splitlines()[1:] == ["12", '"t"@en-gb', '"é\\n\\"q\\""']

    status, out, _ = run(["graphs"], capsys)
    assert status == 0 and f"3\t{EX}extra" in out
    assert "virtrdf" not in out and "localuriqaserver" not in out

    status, _, _ = run(["export", "--format", "nquads", "-o", str(tmp_path / "all.nq")], capsys)
    back = Store()
    back.load(tmp_path / "all.nq", graph=EX + "unused")
    embedded.load(data, graph=EX + "extra")
    assert status == 0 and back.graph_sizes() == embedded.graph_sizes()


def test_a_bad_file_loads_nothing(
    remote_env: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.nt", tmp_path / "bad.nt"
    good.write_text(f'<{EX}a> <{EX}p> "1" .\n')
    bad.write_text(f'<{EX}a> <{EX}p> "1" .\n<{EX}b> <{EX}p> .\n')
    status, _, err = run(["load", str(good), str(bad)], capsys)
    assert status != 0 and "bad.nt:2:" in err
    assert remote(remote_env).graph_sizes() == {}


def test_commands_not_yet_remote_are_refused(
    remote_env: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv, name in [
        (["link", "wikidata", "--dry-run"], "mofkg link"),
        (["import", "osai", str(tmp_path)], "mofkg import osai"),
        (["export", "--profile", "dcat-ap"], "mofkg export --profile dcat-ap"),
    ]:
        status, out, err = run(argv, capsys)
        assert status == 2 and out == "", argv
        assert f"`{name}` is not available on a remote backend yet" in err, err


def test_a_load_to_a_store_that_is_down_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .backend_servers import free_port

    monkeypatch.setenv("MOFKG_BACKEND", "oxigraph")
    monkeypatch.setenv("MOFKG_BACKEND_URL", f"http://127.0.0.1:{free_port()}")
    data = tmp_path / "a.nt"
    data.write_text(f'<{EX}a> <{EX}p> "1" .\n')
    status, _, err = run(["load", str(data), "--store", str(tmp_path / "kg")], capsys)
    assert status == 1 and "cannot reach the remote store" in err
    assert not (tmp_path / "kg").exists()


def test_backend_settings_are_checked() -> None:
    from mofkg.graphstore.errors import SettingsError
    from mofkg.graphstore.settings import load_settings

    with pytest.raises(SettingsError, match="backend must be one of"):
        load_settings(environ={"MOFKG_BACKEND": "fuseki"})
    with pytest.raises(SettingsError, match="needs backend_query or backend_url"):
        load_settings(environ={"MOFKG_BACKEND": "virtuoso"})
    with pytest.raises(SettingsError, match="backend_url set but backend is 'embedded'"):
        load_settings(environ={"MOFKG_BACKEND_URL": "http://127.0.0.1:1"})
    with pytest.raises(SettingsError, match="needs backend_gsp"):
        load_settings(
            environ={
                "MOFKG_BACKEND": "sparql",
                "MOFKG_BACKEND_QUERY": "http://h/q",
                "MOFKG_BACKEND_UPDATE": "http://h/u",
            }
        )
    s = load_settings(environ={"MOFKG_BACKEND": "oxigraph", "MOFKG_BACKEND_URL": "http://h:1/"})
    assert s.backend == "oxigraph"


def test_import_mot_agrees_with_the_embedded_store(
    remote_env: Engine,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same MOT records imported through the CLI into the remote engine and into an
    embedded store give the same graphs, triple for triple (blank nodes aside)."""
    records = sorted((shared_data / "mot" / "models").glob("*.yml"))[:12]
    assert records
    status, _, _ = run(["--backend", remote_env.kind, "init"], capsys)
    assert status == 0
    status, out, err = run(["import", "mot", *map(str, records)], capsys)
    assert status == 0, err
    assert f"{len(records)} records imported" in out
    status, out, _ = run(["export", "mot", records[0].stem], capsys)
    assert status == 0 and "release:" in out
    monkeypatch.delenv("MOFKG_BACKEND_URL")  # else refused: a URL with backend 'embedded'
    folder = tmp_path / "embedded"
    for argv in (["init"], ["import", "mot", *map(str, records)]):
        assert run(["--backend", "embedded", "--store", str(folder), *argv], capsys)[0] == 0
    embedded = Store(folder, read_only=True)
    far = remote(remote_env)
    assert far.graph_sizes() == embedded.graph_sizes()
    for graph in embedded.graph_sizes():
        if "/source/" in graph:
            assert _ground(far.to_rdflib(graph)) == _ground(embedded.to_rdflib(graph)), graph


def _ground(g: Graph) -> set[Any]:
    return {t for t in g if not any(isinstance(x, BNode) for x in t)}


def test_assess_and_explain_agree_with_the_embedded_store(
    remote_env: Engine,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mofkg assess` (all models, then one) and `mofkg explain` print the same on the remote
    engine as on an embedded store holding the same records (they were refused remotely)."""
    records = sorted((shared_data / "mot" / "models").glob("*.yml"))[:12]
    name = records[3].stem
    steps = (
        ["init"],
        ["import", "mot", *map(str, records)],
        ["assess", "--json"],
        ["assess", "--framework", "mof-1.0", "--model", name],
        ["explain", name],
    )
    far = []
    for argv in steps:
        status, out, err = run(argv, capsys)
        assert status == 0, (argv, err)
        far.append(out)
    assert not any(g.startswith("urn:mofkg:staging:") for g in remote(remote_env).graph_sizes())
    monkeypatch.delenv("MOFKG_BACKEND_URL")
    folder = ["--backend", "embedded", "--store", str(tmp_path / "embedded")]
    near = [run([*folder, *argv], capsys)[1] for argv in steps]
    assert far[2:] == near[2:]
    assert len(far[2].splitlines()) == 2 * len(records) and name in far[4]


def test_any_sparql_store_by_its_three_urls(
    engines: dict[str, Engine],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """backend 'sparql': the URLs given one by one (here those of `oxigraph serve`)."""
    engine = engines["oxigraph"]
    remote(engine).clear()
    monkeypatch.setenv("MOFKG_BACKEND", "sparql")
    for name, path in (("QUERY", "/query"), ("UPDATE", "/update"), ("GSP", "/store")):
        monkeypatch.setenv(f"MOFKG_BACKEND_{name}", engine.url + path)
    monkeypatch.setenv("MOFKG_STORE", str(tmp_path / "untouched"))
    data = tmp_path / "a.ttl"
    data.write_text(f'<{EX}a> <{EX}p> [ <{EX}q> "1" ] .\n')
    assert run(["load", str(data), "--graph", EX + "g"], capsys)[0] == 0
    status, out, _ = run(
        [
            "query",
            f"CONSTRUCT {{ ?s <{EX}r> ?o }} WHERE {{ ?s <{EX}q> ?o }}",
            "--format",
            "ntriples",
        ],
        capsys,
    )
    assert status == 0 and out.startswith("_:") and f'<{EX}r> "1" .' in out
    status, out, _ = run(["query", "ASK { ?s ?p ?o }", "--format", "json"], capsys)
    assert status == 0 and '"boolean":true' in out.replace(" ", "")
    remote(engine).clear()
    assert not (tmp_path / "untouched").exists()


def test_a_store_that_does_not_query_the_union_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from .backend_servers import engine_absent, oxigraph_serve

    if engine_absent("oxigraph"):
        pytest.skip(str(engine_absent("oxigraph")))
    with oxigraph_serve(tmp_path, union=False) as engine:
        remote(engine).load(f'<{EX}a> <{EX}p> "1" .'.encode(), graph=EX + "g", format="nt")
        for name, value in engine.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("MOFKG_STORE", str(tmp_path / "untouched"))
        status, out, err = run(["graphs"], capsys)
    assert status == 1 and out == ""
    assert "does not query the union" in err and "--union-default-graph" in err
