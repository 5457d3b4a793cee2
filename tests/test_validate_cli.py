"""`mofkg validate`: exit statuses, shapes, --load, --keep-going and every kind of bad input."""

from __future__ import annotations

import gzip
import io
import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mofkg.graphstore.cli import main as cli
from mofkg.graphstore.namespaces import DEFAULT_IDS, DEMO_GRAPH, source_graph
from mofkg.graphstore.store.embedded import Store

MODEL = DEFAULT_IDS.model("tiny")
ORG = DEFAULT_IDS.organisation("acme")
PREFIXES = """@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
GOOD = (
    PREFIXES
    + f"""
<{ORG}> a mof:Organisation ; schema:name "Acme" .
<{MODEL}> a mof:Model ;
    schema:name "Tiny" ;
    mof:producer <{ORG}> ;
    dct:issued "2024-05-01"^^xsd:date .
"""
)
# line 8 describes the model; its name is missing (a sh:Violation of the metadata shapes)
BAD = GOOD.replace('    schema:name "Tiny" ;\n', "")
EXTRA_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix ex: <https://example.org/shapes#> .
ex:NeedsComponent a sh:NodeShape ; sh:targetClass mof:Model ;
  sh:property [ sh:path mof:hasComponent ; sh:minCount 1 ;
                sh:message "Our catalogue wants at least one component" ] .
"""


def run(
    args: list[str], capsys: pytest.CaptureFixture[str], *, store: Path | None = None
) -> tuple[int, str, str]:
    prefix = ["--store", str(store)] if store else []
    status = cli.main([*prefix, "validate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_a_conforming_dump_exits_0_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "good.ttl", GOOD)
    status, out, err = run([str(dump)], capsys, store=tmp_path / "store")
    assert status == 0, err
    assert "conforms: yes (0 violations" in out
    assert "Tiny" in out and "Unclassified" in out
    assert not (tmp_path / "store").exists()


def test_a_violation_exits_1_with_focus_node_path_message_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "bad.ttl", BAD)
    status, out, _ = run([str(dump)], capsys)
    assert status == 1
    assert f"{dump}:7: Violation: <{MODEL}>" in out
    assert "path schema:name" in out
    assert "A model needs exactly one name" in out


def test_json_summary_counts_and_focus_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "bad.ttl", BAD)
    status, out, _ = run([str(dump), "--report", "json"], capsys)
    summary = json.loads(out)
    assert status == 1 and summary["conforms"] is False
    assert summary["counts"]["bySeverity"]["Violation"] == 1
    [node] = [n for n in summary["focusNodes"] if n["focusNode"] == str(MODEL)]
    assert node["line"] == 7 and node["source"] == str(dump)
    assert node["results"][0]["path"] == "http://schema.org/name"
    [model] = summary["models"]
    assert model["class"] == 0 and "TrainingCode" in {m["component"] for m in model["missing"]["2"]}


def test_extra_shapes_add_and_replace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = write(tmp_path, "good.ttl", GOOD)
    shapes = write(tmp_path, "ours.ttl", EXTRA_SHAPES)
    status, out, _ = run([str(dump), "--shapes", str(shapes)], capsys)
    assert status == 1 and "Our catalogue wants at least one component" in out
    bad = write(tmp_path, "bad.ttl", BAD)
    status, out, _ = run([str(bad), "--shapes", str(shapes), "--replace-shapes"], capsys)
    assert status == 1
    assert "A model needs exactly one name" not in out  # the metadata shapes were replaced
    assert f"shapes: {shapes}\n" in out


def test_require_class_fails_a_model_below_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "good.ttl", GOOD)
    status, out, _ = run([str(dump), "--require-class", "III"], capsys)
    assert status == 1
    assert "BELOW REQUIRED CLASS" in out and "1 model(s) below it" in out


def test_load_writes_only_a_passing_dump_and_its_assessment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "store"
    bad = write(tmp_path, "dump.ttl", BAD)
    status, _, err = run([str(bad), "--load"], capsys, store=store_dir)
    assert status == 2 and "needs a store set up with `mofkg init`" in err
    assert cli.main(["--store", str(store_dir), "init"]) == 0
    capsys.readouterr()
    before = Store(store_dir, read_only=True).graph_sizes()
    status, _, err = run([str(bad), "--load"], capsys, store=store_dir)
    assert status == 1 and "nothing loaded" in err
    assert Store(store_dir, read_only=True).graph_sizes() == before
    good = write(tmp_path, "dump.ttl", GOOD)
    status, _, err = run([str(good), "--load"], capsys, store=store_dir)
    assert status == 0, err
    store = Store(store_dir, read_only=True)
    assert store.graph_size(str(source_graph("dump.ttl"))) == 6
    assert store.ask(f"ASK {{ ?a mof:assessedModel <{MODEL}> }}")


def test_standard_input_needs_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run(["-"], capsys)
    assert status == 2 and "needs --format" in err
    data = gzip.compress(BAD.encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, _ = run(["-", "--format", "turtle"], capsys)
    assert status == 1 and "<stdin>:7: Violation" in out


def test_mot_yaml_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    record = next(iter(sorted((shared_data / "mot" / "models").glob("*.yml"))))
    status, out, err = run([str(record), "--report", "json"], capsys)
    assert status in (0, 1), err
    summary = json.loads(out)
    assert len(summary["models"]) == 1 and summary["triples"] > 10


def test_a_broken_mot_record_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = write(tmp_path, "broken.yml", "framework:\n  name: [unclosed\n")
    status, _, err = run([str(record)], capsys)
    assert status == 2 and "broken.yml" in err


# -- keep going ------------------------------------------------------------------------


def test_keep_going_reports_every_bad_line_and_validates_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        f"<{MODEL}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/mofkg/ontology#Model> .",
        f"<{MODEL}> <http://schema.org/name> oops .",
        f"<{MODEL}> <http://purl.org/dc/terms/issued> "
        '"2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date> .',
        "<not an iri> <http://p> <http://o> .",
    ]
    dump = write(tmp_path, "dump.nt", "\n".join(lines) + "\n")
    status, _, err = run([str(dump)], capsys)
    assert status == 2 and f"{dump}:2:" in err
    status, out, _ = run([str(dump), "--keep-going", "--report", "json"], capsys)
    summary = json.loads(out)
    assert status == 2
    assert [(b["line"], b["source"]) for b in summary["badLines"]] == [
        (2, str(dump)),
        (4, str(dump)),
    ]
    assert summary["triples"] == 2
    assert "A model needs exactly one name" in out  # the rest was validated
    # --load without --store: the default ./mofkg-data, in the test's own folder
    monkeypatch.chdir(tmp_path)
    status, out, _ = run([str(dump), "--keep-going", "--load"], capsys)
    assert status == 2


# -- bad input -------------------------------------------------------------------------


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run([str(tmp_path / "absent.ttl")], capsys)
    assert status == 2 and "absent.ttl: cannot read" in err


def test_syntax_error_gives_file_line_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "bad.ttl", GOOD + "<x> <y> .\n")
    status, out, err = run([str(dump)], capsys)
    assert status == 2 and out == ""
    assert f"{dump}:{GOOD.count(chr(10)) + 1}:1: No scheme found" in err


def test_truncated_gzip_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = gzip.compress(GOOD.encode() * 50)
    dump = write(tmp_path, "dump.ttl.gz", data[: len(data) // 2])
    status, _, err = run([str(dump)], capsys)
    assert status == 2 and "dump.ttl.gz: broken gzip data" in err


def test_a_dump_declared_as_another_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "dump.jsonld", GOOD)
    status, _, err = run([str(dump)], capsys)
    assert status == 2 and f"{dump}:1:1: invalid JSON" in err
    status, _, err = run([str(dump), "--format", "ntriples"], capsys)
    assert status == 2 and f"{dump}:1:" in err


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.setblocking(False)
    yield sock
    sock.close()


def test_jsonld_with_a_remote_context_is_refused_and_nothing_fetched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    doc = {"@context": f"http://127.0.0.1:{port}/context.jsonld", "@id": str(MODEL), "name": "x"}
    dump = write(tmp_path, "dump.jsonld", json.dumps(doc))
    status, _, err = run([str(dump)], capsys)
    assert status == 2 and "remote @context is refused" in err
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected


def test_rdfxml_with_entities_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf [<!ENTITY a "aaaaaaaaaa">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )
    dump = write(tmp_path, "dump.rdf", xml)
    status, _, err = run([str(dump)], capsys)
    assert status == 2 and f"{dump}:2:1: RDF/XML with a DOCTYPE is refused" in err


def test_a_shapes_file_that_is_not_shacl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write(tmp_path, "good.ttl", GOOD)
    shapes = write(tmp_path, "shapes.ttl", GOOD)
    status, _, err = run([str(dump), "--shapes", str(shapes)], capsys)
    assert status == 2 and f"{shapes}: not a SHACL shapes graph" in err
    broken = write(tmp_path, "broken.ttl", "@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y")
    status, _, err = run([str(dump), "--shapes", str(broken)], capsys)
    assert status == 2 and f"{broken}:2:" in err and "not readable RDF" in err


def test_an_empty_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run([str(write(tmp_path, "empty.ttl", b""))], capsys)
    assert status == 2 and "empty.ttl: the dump is empty (0 bytes)" in err
    status, _, err = run([str(write(tmp_path, "prefixes.ttl", PREFIXES))], capsys)
    assert status == 2 and "prefixes.ttl: the dump holds no RDF statements" in err


def test_a_million_character_literal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = "x" * 1_000_000
    text = BAD.replace('"2024-05-01"^^xsd:date', f'"{huge}"')
    dump = write(tmp_path, "huge.ttl", text)
    status, out, _ = run([str(dump)], capsys)
    assert status == 1
    assert "(… 1000000 characters)" in out
    assert len(out) < 20_000
    status, out, _ = run([str(dump), "--report", "json"], capsys)
    values = [r["value"] for n in json.loads(out)["focusNodes"] for r in n["results"]]
    assert huge in values  # programs get the whole value


# -- what a person reads ---------------------------------------------------------------

COMPONENT = f"{MODEL}/component/ModelCard"


def test_a_licence_given_as_text_is_a_problem_with_its_line_and_no_log_line(
    tmp_path: Path,
) -> None:
    """``dct:license "Apache 2.0"`` (text, not an IRI): the shapes report it at the line that
    describes the component, and the assessment does not make an IRI of it (rdflib logged
    "Apache 2.0 does not look like a valid URI" to stderr, and to the server's log)."""
    text = (
        PREFIXES
        + f"""<{COMPONENT}> a mof:Component ;
    mof:componentType mof:ModelCard ;
    dct:license "Apache 2.0" .
"""
        + GOOD.removeprefix(PREFIXES).replace(
            "    mof:producer",
            f'    mof:distributionLicence "MIT" ;\n'
            f"    mof:hasComponent <{COMPONENT}> ;\n    mof:producer",
        )
    )
    dump = write(tmp_path, "dump.ttl", text)
    exe = Path(sys.executable).with_name("mofkg")
    proc = subprocess.run(
        [str(exe), "validate", str(dump)], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert f"{dump}:5: Violation: <{COMPONENT}>" in proc.stdout
    assert "path dct:license" in proc.stdout and "is a licence IRI" in proc.stdout
    assert f"{dump}:10: Violation: <{MODEL}>" in proc.stdout
    assert "A release licence is a licence IRI" in proc.stdout
    assert "ModelCard (invalid licence)" in proc.stdout


def test_a_component_problem_points_at_the_components_own_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo catalogue exported, one component given a free-text licence: the warning
    points at the line where the component is described, not at its model's
    ``mof:hasComponent`` list (where it is first mentioned), and shows the text."""
    store = tmp_path / "store"
    assert cli.main(["--store", str(store), "init", "--demo"]) == 0
    dump = tmp_path / "demo.ttl"
    assert (
        cli.main(
            ["--store", str(store), "export", "--graph", str(DEMO_GRAPH)]
            + ["--format", "turtle", "-o", str(dump)]
        )
        == 0
    )
    capsys.readouterr()
    lines = dump.read_text().splitlines()

    def first(predicate: Callable[[str], bool]) -> int:
        return next(n for n, text in enumerate(lines, 1) if predicate(text))

    components = sorted(set(re.findall(r"<([^>]*/component/[^>]*)>", dump.read_text())))
    listed_first = [
        (c, first(lambda t, c=c: t.startswith(f"<{c}> ")))
        for c in components
        if first(lambda t, c=c: f"<{c}>" in t) < first(lambda t, c=c: t.startswith(f"<{c}> "))
    ]
    assert listed_first  # the export lists some components before it describes them
    component, described = listed_first[0]
    with dump.open("a") as f:
        f.write(f'<{component}> mof:licenceText "Apache 2.0" .\n')
    status, out, _ = run([str(dump)], capsys)
    assert status == 0  # a warning
    problem = out.split(f"<{component}>\n", 1)[0].rsplit("\n", 1)[-1]
    assert problem == f"  {dump}:{described}: Warning: "
    assert f'<{component}>\n      path mof:licenceText  values: "Apache 2.0"\n' in out


def test_a_max_count_problem_shows_the_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sh:maxCount result has no sh:value: the reports show the values it counts (they said
    "value -"), through an IRI path and an alternative path, cut after ten."""
    texts = ", ".join(f'"text {i:02d}"' for i in range(12))
    text = GOOD.replace(
        '    schema:name "Tiny" ;\n',
        f'    schema:name "Tiny", "Tiny 2" ;\n    mof:codeLicenceText {texts} ;\n'
        '    mof:dataLicenceText "ours" ;\n',
    )
    dump = write(tmp_path, "dump.ttl", text)
    status, out, _ = run([str(dump)], capsys)
    assert status == 1
    assert 'path schema:name  values: "Tiny", "Tiny 2"\n' in out
    shown = ", ".join(f'"text {i:02d}"' for i in range(10))
    assert (
        "path (mof:distributionLicenceText|mof:codeLicenceText|mof:dataLicenceText"
        f'|mof:documentLicenceText)  values: "ours", {shown[: shown.rindex(", ")]} (and 3 more)\n'
    ) in out
    assert "value -" not in out
    status, out, _ = run([str(dump), "--report", "json"], capsys)
    [node] = [n for n in json.loads(out)["focusNodes"] if n["focusNode"] == str(MODEL)]
    [name] = [r for r in node["results"] if r["path"] == "http://schema.org/name"]
    assert name["value"] is None and name["values"] == ["Tiny", "Tiny 2"]
    assert name["valueCount"] == 2
    status, out, _ = run([str(dump), "--report", "html"], capsys)
    assert "<code>values: &quot;Tiny&quot;, &quot;Tiny 2&quot;</code>" in out


SPARQL_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix ex: <https://example.org/shapes#> .
ex:LicenceNames a sh:NodeShape ; sh:targetClass mof:Model ;
  sh:sparql [ sh:message "a licence named by its text" ; sh:select \"\"\"
    SELECT $this ?value WHERE { $this a <https://w3id.org/mofkg/ontology#Model> .
      BIND(IRI("Apache 2.0") AS ?value) }\"\"\" ] .
"""


def test_what_rdflib_logs_about_the_data_is_in_the_report(tmp_path: Path) -> None:
    """A SHACL-SPARQL shape (validated by pySHACL over rdflib) makes the IRI "Apache 2.0":
    rdflib's warning is a note of the report, not a log line on stderr (nor in the server's
    log)."""
    dump = write(tmp_path, "dump.ttl", GOOD)
    shapes = write(tmp_path, "shapes.ttl", SPARQL_SHAPES)
    exe = Path(sys.executable).with_name("mofkg")
    warning = "Apache 2.0 does not look like a valid URI"

    def validate(*more: str) -> subprocess.CompletedProcess[str]:
        argv = [str(exe), "validate", str(dump), "--shapes", str(shapes), *more]
        return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=tmp_path)

    proc = validate()
    assert proc.returncode == 1 and proc.stderr == ""
    assert f"notes on the data (from rdflib):\n  {warning}" in proc.stdout
    assert f"{dump}:7: Violation: <{MODEL}>\n      path -  value <Apache 2.0>" in proc.stdout
    proc = validate("--report", "json")
    assert proc.stderr == "" and json.loads(proc.stdout)["notes"][0].startswith(warning)
    proc = validate("--report", "turtle")  # the IRI no syntax can write: its text
    assert proc.stderr.startswith(f"mofkg validate: note on the data (from rdflib): {warning}")
    assert proc.returncode == 1 and 'sh:value "Apache 2.0"' in proc.stdout


def test_a_sparql_shape_pyshacl_cannot_read_exits_2_naming_the_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pySHACL raises a bare Exception for a SHACL-SPARQL query with an undeclared prefix:
    that was a traceback."""
    dump = write(tmp_path, "dump.ttl", GOOD)
    shapes = write(
        tmp_path,
        "shapes.ttl",
        SPARQL_SHAPES.replace("<https://w3id.org/mofkg/ontology#Model>", "mof:Model"),
    )
    status, out, err = run([str(dump), "--shapes", str(shapes)], capsys)
    assert status == 2 and out == ""
    assert err == (
        f"mofkg validate: shapes/metadata.ttl, {shapes}: pySHACL cannot use the shapes: "
        "Unknown namespace prefix : mof\n"
    )
