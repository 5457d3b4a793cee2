"""The mofkg command line: each command, its exit statuses, and its messages."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.namespaces import DEMO_GRAPH, LICENCE_GRAPH, ONTOLOGY_GRAPH, source_graph
from mofkg.graphstore.store.embedded import Store

NT = b'<https://example.org/m> <http://schema.org/name> "M" .\n'


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "kg"


def graph_sizes(store_dir: Path) -> dict[str, int]:
    return Store(store_dir, read_only=True).graph_sizes()


def test_init_builds_the_ontology_and_licence_graphs(
    capsys: pytest.CaptureFixture[str], store_dir: Path
) -> None:
    code, out, _ = run(capsys, "--store", str(store_dir), "init")
    assert code == 0
    sizes = graph_sizes(store_dir)
    assert sizes[str(ONTOLOGY_GRAPH)] > 500
    assert sizes[str(LICENCE_GRAPH)] > 3000
    assert str(DEMO_GRAPH) not in sizes
    assert "store ready" in out


def test_init_demo_then_query(capsys: pytest.CaptureFixture[str], store_dir: Path) -> None:
    assert run(capsys, "--store", str(store_dir), "init", "--demo")[0] == 0
    assert graph_sizes(store_dir)[str(DEMO_GRAPH)] > 100
    code, out, _ = run(
        capsys,
        "--store",
        str(store_dir),
        "query",
        "SELECT (COUNT(?m) AS ?n) WHERE { ?m a mof:Model }",
        "--format",
        "csv",
    )
    assert code == 0
    assert int(out.splitlines()[1]) >= 12


def test_store_from_environment(
    capsys: pytest.CaptureFixture[str],
    store_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOFKG_STORE", str(store_dir))
    nt = tmp_path / "a.nt"
    nt.write_bytes(NT)
    assert run(capsys, "load", str(nt))[0] == 0
    assert graph_sizes(store_dir) == {str(source_graph("a.nt")): 1}


def test_load_query_graphs_export(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    nt = tmp_path / "a.nt.gz"
    nt.write_bytes(gzip.compress(NT))
    code, out, _ = run(
        capsys, "--store", str(store_dir), "load", str(nt), "--graph", "https://example.org/g"
    )
    assert code == 0 and "1 triples" in out
    code, out, _ = run(capsys, "--store", str(store_dir), "graphs")
    assert out.splitlines()[0] == "1\thttps://example.org/g"
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?n WHERE { ?m schema:name ?n }")
    code, out, _ = run(capsys, "--store", str(store_dir), "query", f"@{query}")
    assert code == 0 and out.splitlines() == ["n", "M", "(1 row)"]
    code, out, _ = run(
        capsys,
        "--store",
        str(store_dir),
        "query",
        "SELECT ?n WHERE { ?m schema:name ?n }",
        "--format",
        "json",
    )
    assert json.loads(out)["results"]["bindings"][0]["n"]["value"] == "M"
    code, out, _ = run(
        capsys,
        "--store",
        str(store_dir),
        "query",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "--format",
        "ntriples",
    )
    assert out.encode() == NT
    code, out, _ = run(capsys, "--store", str(store_dir), "query", "ASK { ?s ?p ?o }")
    assert out == "true\n"
    out_file = tmp_path / "dump.trig"
    code, _, _ = run(
        capsys, "--store", str(store_dir), "export", "--format", "trig", "--output", str(out_file)
    )
    assert code == 0 and b"https://example.org/g" in out_file.read_bytes()


def test_bad_rdf_exits_1_with_position_and_store_unchanged(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.nt"
    good.write_bytes(NT)
    run(capsys, "--store", str(store_dir), "load", str(good))
    before = graph_sizes(store_dir)
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <https://example.org/> .\nex:a ex:b "c" ;\n  ex:d .\n')
    code, out, err = run(capsys, "--store", str(store_dir), "load", str(good), str(bad))
    assert code == 1
    assert err.startswith(f"mofkg load: {bad}:3:")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert graph_sizes(store_dir) == before


def test_malformed_query_exits_1(capsys: pytest.CaptureFixture[str], store_dir: Path) -> None:
    Store(store_dir)
    code, _, err = run(capsys, "--store", str(store_dir), "query", "SELECT WHERE {")
    assert code == 1 and err.startswith("mofkg query: malformed query")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], store_dir: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--store", str(store_dir), "load"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2
    code, _, err = run(capsys, "--store", str(store_dir), "export")
    assert code == 2 and "needs --format" in err
    code, _, err = run(capsys, "--store", str(store_dir), "load", "-")
    assert code == 2 and "needs --format" in err


def test_usage_errors_name_the_help_to_read(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["frobnicate"])
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err and err.endswith("(see mofkg --help)\n")
    with pytest.raises(SystemExit):
        main(["init", "--frobnicate"])
    err = capsys.readouterr().err
    assert err == "mofkg: unrecognized arguments: --frobnicate (see mofkg init --help)\n"
    with pytest.raises(SystemExit):
        main(["query"])
    assert capsys.readouterr().err.endswith("(see mofkg query --help)\n")


def test_global_options_after_the_command(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "init", "--store", str(store_dir))
    assert code == 0, err
    assert str(LICENCE_GRAPH) in graph_sizes(store_dir)
    nt = tmp_path / "a.nt"
    nt.write_bytes(NT)
    assert run(capsys, "load", str(nt), "--store", str(store_dir))[0] == 0
    config = tmp_path / "mofkg.toml"
    config.write_text(f'store = "{store_dir}"\n')
    code, out, _ = run(capsys, "graphs", "--config", str(config))
    assert code == 0 and f"1\t{source_graph('a.nt')}" in out
    code, out, _ = run(
        capsys, "--store", str(store_dir), "query", "ASK {}", "--store", str(store_dir)
    )
    assert code == 0 and out == "true\n"
    with pytest.raises(SystemExit) as caught:
        main(["--store", str(store_dir), "graphs", "--store", str(tmp_path / "other")])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"--store given twice: {store_dir} before graphs, {tmp_path / 'other'} after it" in err
    assert not (tmp_path / "other").exists()
    # serve declared a --store of its own, which silently won over the one before it
    with pytest.raises(SystemExit) as caught:
        main(["--store", str(store_dir), "serve", "--store", str(tmp_path / "other")])
    assert caught.value.code == 2
    assert "--store given twice" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


def test_every_command_takes_the_global_options_after_its_name(
    capsys: pytest.CaptureFixture[str], store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Those of this package, ``serve`` (from the ``mofkg.commands`` entry point) and any
    command another package registers."""
    import argparse

    from mofkg.graphstore.cli import main as cli
    from mofkg.graphstore.settings import Settings

    def where(args: argparse.Namespace, settings: Settings) -> int:
        print(settings.store)
        return 0

    def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        sub.add_parser("where", help="print the store folder").set_defaults(run=where)

    monkeypatch.setattr(cli, "EXTRA_COMMANDS", [register])
    code, out, _ = run(capsys, "where", "--store", str(store_dir))
    assert code == 0 and out == f"{store_dir}\n"
    commands = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"serve", "where", "init", "validate", "check-ontology"} <= set(commands)
    for name, command in commands.items():
        text = command.format_help()
        assert "--store" in text and "--config FILE" in text, name


def test_table_shows_literals_plainly(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    Store(store_dir)
    query = (
        'SELECT (3 AS ?n) ("chat"@en AS ?word) (xsd:date("2024-05-01") AS ?day) '
        '("two\\nlines" AS ?text) (mof:Model AS ?class) (<http://ex/a> AS ?other) ?unbound '
        "WHERE {}"
    )
    code, out, _ = run(capsys, "--store", str(store_dir), "query", query)
    assert code == 0
    header, row, count = out.splitlines()
    assert header.split() == ["n", "word", "day", "text", "class", "other", "unbound"]
    assert row.split() == [
        "3",
        "chat@en",
        "2024-05-01",
        "two\\nlines",
        "mof:Model",
        "<http://ex/a>",
    ]
    assert count == "(1 row)"
    code, out, _ = run(capsys, "--store", str(store_dir), "query", query, "--format", "csv")
    assert (
        '\n3,chat,2024-05-01,"two\nlines",https://w3id.org/mofkg/ontology#Model,http://ex/a,' in out
    )
    code, out, _ = run(capsys, "--store", str(store_dir), "query", query, "--format", "json")
    n = json.loads(out)["results"]["bindings"][0]["n"]
    assert n == {
        "type": "literal",
        "value": "3",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }


def test_missing_file_exits_1(capsys: pytest.CaptureFixture[str], store_dir: Path) -> None:
    code, _, err = run(capsys, "--store", str(store_dir), "load", "/nonexistent/x.ttl")
    assert code == 1 and "x.ttl: cannot read" in err


def test_export_unknown_model_exits_1(capsys: pytest.CaptureFixture[str], store_dir: Path) -> None:
    Store(store_dir)
    code, _, err = run(capsys, "--store", str(store_dir), "export", "mot", "NoSuchModel")
    assert code == 1 and "no model 'NoSuchModel'" in err


def test_progress_shows_for_slow_loads() -> None:
    import io

    from mofkg.graphstore.progress import Progress

    stream = io.StringIO()
    with Progress("loading big.nt", delay=0.0, interval=0.01, stream=stream):
        import time

        time.sleep(0.05)
    assert stream.getvalue().startswith("loading big.nt ... ")
    assert stream.getvalue().rstrip().endswith(", done")
    quiet = io.StringIO()
    with Progress("fast", delay=5.0, stream=quiet):
        pass
    assert quiet.getvalue() == ""


def test_console_script_gives_no_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("mofkg")
    bad = tmp_path / "bad.nt"
    bad.write_bytes(b"<a> <b> .\n")
    env = {**os.environ, "MOFKG_STORE": str(tmp_path / "kg")}
    proc = subprocess.run(
        [str(exe), "load", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"{bad}:1:" in proc.stderr


def test_import_mot_records_then_export_one_back(
    capsys: pytest.CaptureFixture[str], store_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    import yaml

    models = shared_data / "mot" / "models"
    run(capsys, "--store", str(store_dir), "init")
    code, out, err = run(capsys, "--store", str(store_dir), "import", "mot", str(models))
    assert code == 0 and out.splitlines()[-1] == "161 records imported"
    assert "warning: " in err and "Llama-3-70B-Instruct" in err
    before = graph_sizes(store_dir)
    # Importing a record again replaces its graph and keeps its model IRI.
    amber = str(models / "Amber.yml")
    code, out, _ = run(capsys, "--store", str(store_dir), "import", "mot", amber)
    assert code == 0 and "https://w3id.org/mofkg/id/model/Amber\t" in out
    assert graph_sizes(store_dir) == before
    code, out, _ = run(capsys, "--store", str(store_dir), "export", "mot", "Amber")
    assert code == 0
    exported = yaml.safe_load(out)
    original = yaml.safe_load((models / "Amber.yml").read_text())
    assert exported["release"]["name"] == "Amber"
    assert [c["name"] for c in exported["release"]["components"]] == [
        c["name"] for c in original["release"]["components"]
    ]


def test_import_of_a_bad_record_exits_1_and_imports_nothing(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    run(capsys, "--store", str(store_dir), "init")
    before = graph_sizes(store_dir)
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "good.yml").write_text(
        "framework: {name: Model Openness Framework, version: '1.0', date: '2024-12-15'}\n"
        "release: {name: Good, components: []}\n"
    )
    (folder / "bad.yml").write_text("release:\n  name: [unclosed\n")
    code, _, err = run(capsys, "--store", str(store_dir), "import", "mot", str(folder))
    assert code == 1
    assert "bad.yml:" in err and "Traceback" not in err
    assert graph_sizes(store_dir) == before


def test_import_needs_an_initialised_store(
    capsys: pytest.CaptureFixture[str], store_dir: Path, shared_data: Path
) -> None:
    code, _, err = run(
        capsys,
        "--store",
        str(store_dir),
        "import",
        "mot",
        str(shared_data / "mot" / "models" / "Amber.yml"),
    )
    assert code == 1 and "run `mofkg init` first" in err


#: The demo's Mistral 7B (MOT's record of the same name is another model).
MISTRAL = "https://w3id.org/mofkg/id/model/Mistral-7B-v0.1"
OLMO = "https://w3id.org/mofkg/id/model/OLMo-7B"


def test_assess_and_explain_the_demo(capsys: pytest.CaptureFixture[str], store_dir: Path) -> None:
    run(capsys, "--store", str(store_dir), "init", "--demo")
    code, out, _ = run(capsys, "--store", str(store_dir), "assess")
    assert code == 0
    # the hand-made models and the shipped Commons (MOT's records, the Index's)
    # one line per framework, MOF 1.0 first
    summary = [line for line in out.splitlines() if " models assessed under " in line]
    assert summary[0].startswith("371 models assessed under mof-1.0: 15 Class I")
    assert summary[1].startswith("371 models assessed under osaid-1.0: ")
    sizes = graph_sizes(store_dir)
    assert sum(1 for g in sizes if "/graph/assessment/mof-1.0/" in g) == 371
    code, out, _ = run(capsys, "--store", str(store_dir), "assess", "--json", "--model", OLMO)
    # JSON Lines: one record per framework, each naming its framework
    records = {r["framework"]: r for r in map(json.loads, out.splitlines())}
    assert sorted(records) == ["mof-1.0", "osaid-1.0"]
    record = records["mof-1.0"]
    assert record["classification"] == {
        "class": 1,
        "label": "Class I - Open Science Model",
        "progress": {"1": 100.0, "2": 100.0, "3": 100.0},
        "progress_text": {"1": "100%", "2": "100%", "3": "100%"},
    }
    assert record["id"].endswith("/id/model/OLMo-7B") and record["name"] == "OLMo-7B"
    code, _, err = run(capsys, "--store", str(store_dir), "explain", "Mistral-7B-v0.1")
    assert code == 1 and "names 2 models; give an IRI" in err  # the demo's and MOT's
    code, out, _ = run(capsys, "--store", str(store_dir), "explain", MISTRAL)
    assert code == 0
    assert "MOF-1.0: Unclassified" in out
    assert "Class III Open Model: 83.3%" in out and "Data card is missing" in out
    code, _, err = run(capsys, "--store", str(store_dir), "explain", "Nope")
    assert code == 1 and "no model 'Nope'" in err
    code, _, err = run(capsys, "--store", str(store_dir), "assess", "--framework", "nope-9")
    assert code == 1 and "nope-9" in err


def test_assess_and_explain_round_as_the_pages_do_and_say_why_a_class_is_zero(
    capsys: pytest.CaptureFixture[str], store_dir: Path
) -> None:
    """explain said 83% (and 85%) where assess said 83.3%; a class at 0% because the class
    below is incomplete said nothing of why. JSON keeps the value and adds the text."""
    run(capsys, "--store", str(store_dir), "init", "--demo")
    code, out, _ = run(capsys, "--store", str(store_dir), "assess", "--model", MISTRAL)
    assert code == 0
    assert out.splitlines()[0] == "Unclassified\t1:0% 2:0% 3:83.3%\tMistral-7B-v0.1"
    code, out, _ = run(capsys, "--store", str(store_dir), "explain", MISTRAL)
    assert code == 0
    assert "Class III Open Model: 83.3%\n" in out
    assert (
        "Class II Open Tooling Model: 0%, not counted until Class III Open Model is complete "
        "(it is at 83.3%)"
    ) in out
    run(capsys, "--store", str(store_dir), "assess", "--model", "OLMo-7B-Instruct")
    code, out, _ = run(capsys, "--store", str(store_dir), "explain", "OLMo-7B-Instruct")
    assert "Class I Open Science Model: 84.6%" in out
    code, out, _ = run(
        capsys,
        "--store",
        str(store_dir),
        "assess",
        "--json",
        "--model",
        "OLMo-7B-Instruct",
        "--framework",
        "mof-1.0",
    )
    classification = json.loads(out)["classification"]
    assert classification["progress_text"]["1"] == "84.6%"
    assert classification["progress"]["1"] == 100 * 11 / 13


def test_a_model_iri_with_forbidden_characters_is_refused(
    capsys: pytest.CaptureFixture[str], store_dir: Path
) -> None:
    Store(store_dir)
    bad = "https://example.org/m> } ; DROP ALL ; ASK { <x"
    code, _, err = run(capsys, "--store", str(store_dir), "explain", bad)
    assert code == 1 and "is not an IRI" in err


def test_serve_on_port_0_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`mofkg serve --port 0` served on 8000 without a word (`if args.port:`)."""
    code, _, err = run(capsys, "serve", "--port", "0", "--store", str(tmp_path / "kg"))
    assert code == 1
    assert "port must be positive, not 0" in err
    assert not (tmp_path / "kg").exists()
