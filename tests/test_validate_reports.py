"""The reports of `mofkg validate`: a sh:ValidationReport other SHACL tools read, the same
violations as pySHACL on a synthetic dump, and the focus-node line heuristic."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from mofkg.graphstore.cli import main as cli
from mofkg.graphstore.rdfio.formats import format_by_name
from mofkg.graphstore.resources import ontology_path
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import licence_graph
from mofkg.graphstore.store.terms import triples_to_graph
from mofkg.graphstore.synthetic import synthetic_ntriples
from mofkg.graphstore.validation.pipeline import (
    ValidationReport,
    read_dump,
    read_shapes_files,
    validate_dumps,
)
from mofkg.graphstore.validation.reports import _scan, render, summary
from tests.test_validate_cli import BAD, GOOD

#: The issue's size; pySHACL takes about 10 s on it with the metadata shapes here.
MODELS = 1000

Key = tuple[str, str, str, str, str]


def keys(report: Graph) -> Counter[Key]:
    """(focus, path, value, severity, component) of each top-level result of a report."""
    found: Counter[Key] = Counter()
    [top] = report.subjects(RDF.type, SH.ValidationReport)
    for r in report.objects(top, SH.result):
        path = report.value(r, SH.resultPath)
        found[
            (
                str(report.value(r, SH.focusNode)),
                "" if isinstance(path, BNode) else str(path),
                str(report.value(r, SH.value) or ""),
                str(report.value(r, SH.resultSeverity)),
                str(report.value(r, SH.sourceConstraintComponent)),
            )
        ] += 1
    return found


@pytest.fixture(scope="module")
def synthetic_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dump") / "synthetic.nt"
    path.write_text(synthetic_ntriples(MODELS, seed=3), encoding="utf-8")
    return path


def test_same_results_as_pyshacl(synthetic_dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["validate", str(synthetic_dump), "--report", "turtle"])
    ours = Graph().parse(data=capsys.readouterr().out, format="turtle")
    data = Graph().parse(synthetic_dump, format="nt")
    data.parse(ontology_path(), format="turtle")
    data += licence_graph(Settings())
    shapes = read_shapes_files([]).graph
    conforms, theirs, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert isinstance(theirs, Graph)
    assert keys(ours) == keys(theirs)
    [top] = ours.subjects(RDF.type, SH.ValidationReport)
    assert ours.value(top, SH.conforms) == Literal(conforms)
    # the dump exercises several constraints and both severities, so the comparison means something
    found = keys(ours)
    assert len({k[4] for k in found}) >= 2
    assert {k[3] for k in found} >= {str(SH.Violation), str(SH.Warning)}
    assert status == 1


def test_pyshacl_reads_our_report_and_conforms_matches(tmp_path: Path) -> None:
    for text, conforms in ((GOOD, True), (BAD, False)):
        dump = read_dump(text.encode(), source_name="dump.ttl")
        staged = validate_dumps([dump], shapes=read_shapes_files([]), settings=Settings())
        for kind in ("turtle", "jsonld"):
            # rdflib's JSON-LD parser warns (filterwarnings=error), so Oxigraph reads JSON-LD
            fmt = format_by_name(kind).oxigraph
            g = triples_to_graph(ox.parse(render(staged.report, kind).encode(), format=fmt))
            [top] = g.subjects(RDF.type, SH.ValidationReport)
            assert g.value(top, SH.conforms) == Literal(conforms)
            assert len(set(g.objects(top, SH.result))) == len(staged.report.outcome.results)
    # pySHACL's own report graph and ours describe the failing dump the same way
    data = Graph().parse(data=BAD, format="turtle").parse(ontology_path(), format="turtle")
    _, theirs, _ = pyshacl.validate(data, shacl_graph=read_shapes_files([]).graph)
    assert isinstance(theirs, Graph)
    assert keys(g) == keys(theirs)


def test_json_summary_counts_by_shape_and_severity() -> None:
    staged = validate_dumps(
        [read_dump(BAD.encode(), source_name="d.ttl")],
        shapes=read_shapes_files([]),
        settings=Settings(),
    )
    s = summary(staged.report)
    assert sum(s["counts"]["byShape"].values()) == len(staged.report.outcome.results)
    assert s["counts"]["bySeverity"]["Violation"] == 1
    assert json.loads(json.dumps(s)) == s


TTL = b"@prefix ex: <http://ex/> .\n"


@pytest.mark.parametrize(
    ("fmt", "text", "line"),
    [
        # mentioned as an object on line 3, described on line 4
        ("turtle", TTL + b"\nex:x ex:p ex:a .\nex:a ex:p 1 .\n", 4),
        ("turtle", TTL + b"ex:m ex:has ex:b,\n    ex:a ;\n  ex:q 1.5 .\nex:a a ex:C .\n", 5),
        ("turtle", TTL + b"ex:m ex:has ex:a .  # ex:a . ex:a\n<http://ex/a> a ex:C.\n", 3),
        # neither a string nor a long string that holds ". ex:a" starts a statement
        ("turtle", TTL + b'ex:x ex:p "1 . ex:a" .\nex:a ex:p 1 .\n', 3),
        (
            "turtle",
            TTL + b'ex:x ex:p """1 .\nex:a\n. ex:a""" .\nex:z ex:p ex:a .\nex:a a ex:C .\n',
            6,
        ),
        ("turtle", b"PREFIX ex: <http://ex/>\nex:x ex:p ex:a .\nex:a a ex:C .\n", 3),
        (
            "turtle",
            TTL + b"ex:x ex:p [ ex:q ex:a ] .\n[ ex:q ex:a ] ex:r ex:s .\nex:a a ex:C .\n",
            4,
        ),
        ("trig", TTL + b"ex:g {\n  ex:x ex:p ex:a .\n  ex:a ex:p 1\n}\n", 4),
        (
            "ntriples",
            b"<http://ex/b> <http://ex/p> <http://ex/a> .\n<http://ex/a> <http://ex/p> 1 .\n",
            2,
        ),
        (
            "nquads",
            b'<http://ex/b> <http://ex/p> "<http://ex/a>" .\n# <http://ex/a>\n'
            b"<http://ex/c> <http://ex/p> <http://ex/a> <http://ex/g> .\n"
            b"<http://ex/a> <http://ex/p> 1 <http://ex/g> .\n",
            4,
        ),
        # only pointed at: its first mention
        ("jsonld", b'{\n  "@id": "http://ex/z",\n  "http://ex/p": {"@id": "http://ex/a"}\n}\n', 3),
        (
            "jsonld",
            b'[{"@id": "http://ex/z", "http://ex/p": {\n  "@id": "http://ex/a"\n}},\n'
            b'{"http://ex/q": 1,\n "@id": "http://ex/a"}]\n',
            5,
        ),
        ("rdfxml", b'<r>\n<d about="http://ex/b"/>\n<d rdf:about="http://ex/a"/>\n</r>\n', 3),
        (
            "rdfxml",
            b'<r>\n<d rdf:about="http://ex/b"><p rdf:resource="http://ex/a"/></d>\n'
            b'<d rdf:about="http://ex/a"/>\n</r>\n',
            3,
        ),
    ],
)
def test_line_where_a_focus_node_is_described(fmt: str, text: bytes, line: int) -> None:
    assert _scan(text, fmt, {URIRef("http://ex/a")}) == {URIRef("http://ex/a"): line}


def test_a_node_never_described_is_located_at_its_first_mention() -> None:
    text = TTL + b"ex:x ex:p ex:a .\nex:y ex:p ex:a .\n"
    assert _scan(text, "turtle", {URIRef("http://ex/a")}) == {URIRef("http://ex/a"): 2}


def test_blank_node_labels_are_located() -> None:
    text = b'<http://ex/s> <http://ex/p> _:b7 .\n_:b7 <http://ex/q> "1" .\n'
    assert _scan(text, "ntriples", {BNode("b7")}) == {BNode("b7"): 2}


def test_a_streamed_ntriples_file_is_located_like_bytes(tmp_path: Path) -> None:
    """A large N-Triples file stays on disk; its lines, read in pieces, are those of the bytes."""
    from mofkg.graphstore.validation.focus_lines import file_chunks, scan_lines

    text = synthetic_ntriples(30, seed=5).encode()
    path = tmp_path / "dump.nt"
    path.write_bytes(text)
    dump = read_dump(path, source_name=str(path))
    assert dump.rdf is None and dump.path == path and dump.text_format is not None
    staged = validate_dumps([dump], shapes=read_shapes_files([]), settings=Settings())
    nodes = {r.focus_node for r in staged.report.outcome.results}
    assert nodes and staged.store is None  # the staging store is released once assessed
    expected = _scan(text, "ntriples", nodes)
    assert {n: line for n, (_, line) in staged.report.lines.items()} == expected
    # pieces far smaller than a line, so every token straddles a cut: the same lines
    assert scan_lines(file_chunks(path, size=7), "ntriples", nodes) == expected
    from_bytes = validate_dumps(
        [read_dump(text, source_name="dump.nt")], shapes=read_shapes_files([]), settings=Settings()
    )

    def seen(report: ValidationReport) -> set[tuple[object, ...]]:
        return {
            (f["focusNode"], f["line"], len(f["results"])) for f in summary(report)["focusNodes"]
        }

    assert seen(from_bytes.report) == seen(staged.report)


def test_streamed_file_errors_name_the_file(tmp_path: Path) -> None:
    from mofkg.graphstore.errors import RdfSyntaxError
    from mofkg.graphstore.validation.pipeline import DumpError

    bad = tmp_path / "bad.nt"
    bad.write_bytes(b'<http://ex/a> <http://ex/p> "x" .\n<http://ex/a> <http://ex/p> .\n')
    with pytest.raises(RdfSyntaxError, match=r"bad\.nt:2:"):
        validate_dumps(
            [read_dump(bad, source_name=str(bad))],
            shapes=read_shapes_files([]),
            settings=Settings(),
        )
    staged = validate_dumps(
        [read_dump(bad, source_name=str(bad))],
        shapes=read_shapes_files([]),
        settings=Settings(),
        keep_going=True,
    )
    assert [b.line for b in staged.report.bad_lines] == [2] and staged.report.triples == 1
    blank = tmp_path / "blank.nt"
    blank.write_bytes(b"\n  \n")
    with pytest.raises(DumpError, match=r"blank\.nt: blank dump"):
        read_dump(blank, source_name=str(blank))


def test_json_written_in_pieces_is_the_summary(synthetic_dump: Path) -> None:
    staged = validate_dumps(
        [read_dump(synthetic_dump, source_name="s.nt")],
        shapes=read_shapes_files([]),
        settings=Settings(),
    )
    text = render(staged.report, "json")
    assert json.loads(text) == summary(staged.report)
    # one focus node, one model per line: a program can also read it line by line
    assert text.count("\n") > len(staged.report.assessments)
