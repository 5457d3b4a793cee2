"""Loading RDF: every format, gzip, and every bad input leaving the store as it was."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph
import pytest

from mofkg.graphstore.errors import RdfSyntaxError, UnsafeInputError, UnsupportedFormatError
from mofkg.graphstore.rdfio.formats import FORMATS, format_by_name
from mofkg.graphstore.store.embedded import Store
from tests.conftest import Listener

G = "https://example.org/graph/one"

TURTLE = b"""@prefix ex: <https://example.org/> .
ex:m1 ex:name "Model one" ; ex:licence ex:Apache .
ex:m2 ex:name "Model two"@en .
"""


def snapshot(store: Store) -> bytes:
    """The whole store, canonically ordered, to show it unchanged."""
    data = store.export(None, "nquads")
    assert data is not None
    return b"\n".join(sorted(data.splitlines()))


@pytest.fixture
def store() -> Store:
    s = Store()
    s.load(TURTLE, graph=G, format="turtle")
    return s


@pytest.mark.parametrize("fmt", [f.name for f in FORMATS])
def test_every_format_round_trips_through_export(store: Store, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"dump{format_by_name(fmt).suffix}"
    store.export(path, fmt, graph=G)
    other = Store()
    result = other.load(path, graph=G)
    assert result.triples == 3
    assert snapshot(other) == snapshot(store)


@pytest.mark.parametrize("fmt", [f.name for f in FORMATS])
def test_gzip_compressed_files_load(store: Store, fmt: str, tmp_path: Path) -> None:
    data = store.export(None, fmt, graph=G)
    assert data is not None
    path = tmp_path / f"dump{format_by_name(fmt).suffix}.gz"
    path.write_bytes(gzip.compress(data))
    other = Store()
    assert other.load(path, graph=G).triples == 3


def test_append_and_replace(store: Store) -> None:
    store.load(b'<https://example.org/m3> <https://example.org/name> "3" .', graph=G, format="nt")
    assert store.graph_size(G) == 4
    store.load(
        b'<https://example.org/m4> <https://example.org/name> "4" .',
        graph=G,
        format="nt",
        replace=True,
    )
    assert store.graph_size(G) == 1
    assert list(store.graph_sizes()) == [G], "no staging graph is left behind"


def test_replacing_changes_only_what_differs_and_keeps_blank_nodes_apart(store: Store) -> None:
    """A replacement is one update by difference; a graph with blank nodes is replaced whole,
    and the new blank nodes are fresh ones, not the old ones."""
    store.load(b'_:b <https://example.org/p> "old" .', graph=G + "/b", format="nt")
    store.load(
        b'_:b <https://example.org/p> "new" .\n_:b <https://example.org/q> "same" .',
        graph=G + "/b",
        format="nt",
        replace=True,
    )
    rows = store.select(f"SELECT ?s ?o WHERE {{ GRAPH <{G}/b> {{ ?s ?p ?o }} }}")
    assert sorted(str(r["o"]) for r in rows) == ["new", "same"]
    assert len({r["s"] for r in rows}) == 1, "one blank node within the input"
    before = store.graph_sizes()
    store.load(TURTLE, graph=G, format="turtle", replace=True)  # the same contents again
    assert store.graph_sizes() == before


def test_empty_file_loads_as_an_empty_graph(tmp_path: Path) -> None:
    path = tmp_path / "empty.ttl"
    path.write_bytes(b"")
    store = Store()
    assert store.load(path, graph=G).triples == 0
    assert store.graph_size(G) == 0


def test_dataset_formats_keep_their_named_graphs() -> None:
    store = Store()
    trig = b"""<https://example.org/a> <https://example.org/p> "default" .
    <https://example.org/named> { <https://example.org/a> <https://example.org/p> "named" . }"""
    store.load(trig, graph=G, format="trig")
    assert store.graph_sizes() == {G: 1, "https://example.org/named": 1}


def test_syntax_error_names_source_line_and_column(store: Store, tmp_path: Path) -> None:
    before = snapshot(store)
    path = tmp_path / "broken.ttl"
    path.write_bytes(TURTLE + b'<https://example.org/m9> <https://example.org/p> "unterminated .\n')
    with pytest.raises(RdfSyntaxError) as caught:
        store.load(path, graph=G, replace=True)
    assert caught.value.source == str(path)
    assert caught.value.line == 4
    assert caught.value.column is not None
    assert str(caught.value).startswith(f"{path}:4:")
    assert snapshot(store) == before


def test_error_in_the_last_line_of_a_large_file_writes_nothing(store: Store) -> None:
    before = snapshot(store)
    good = b"".join(
        b'<https://example.org/s%d> <https://example.org/p> "%d" .\n' % (i, i) for i in range(5000)
    )
    with pytest.raises(RdfSyntaxError) as caught:
        store.load(good + b"<https://example.org/s> <p> .\n", graph=G, format="nt")
    assert caught.value.line == 5001
    assert snapshot(store) == before


def test_one_bad_file_among_several_writes_none(store: Store, tmp_path: Path) -> None:
    from mofkg.graphstore.rdfio.loading import open_rdf_input

    before = snapshot(store)
    good = tmp_path / "good.nt"
    good.write_bytes(b'<https://example.org/x> <https://example.org/p> "x" .\n')
    bad = tmp_path / "bad.nt"
    bad.write_bytes(b"<https://example.org/x> <https://example.org/p> .\n")
    inputs = [(open_rdf_input(good), "https://example.org/g1"), (open_rdf_input(bad), G)]
    with pytest.raises(RdfSyntaxError, match="bad.nt:1:"):
        store.load_all(inputs)
    assert snapshot(store) == before


def test_truncated_gzip_is_refused(store: Store, tmp_path: Path) -> None:
    before = snapshot(store)
    path = tmp_path / "cut.nt.gz"
    path.write_bytes(
        gzip.compress(b'<https://example.org/x> <https://example.org/p> "x" .\n')[:-12]
    )
    with pytest.raises(RdfSyntaxError, match="cut.nt.gz: broken gzip data"):
        store.load(path, graph=G)
    assert snapshot(store) == before


def test_format_declared_wrongly_is_a_syntax_error(store: Store) -> None:
    before = snapshot(store)
    with pytest.raises(RdfSyntaxError) as caught:
        store.load(TURTLE, graph=G, format="ntriples", source_name="dump.nt")
    assert caught.value.source == "dump.nt"
    assert caught.value.line == 1
    assert snapshot(store) == before


def test_unknown_suffix_and_media_type_are_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "dump.csv"
    path.write_bytes(b"a,b\n")
    with pytest.raises(UnsupportedFormatError, match="dump.csv: cannot tell the RDF format"):
        store.load(path, graph=G)
    with pytest.raises(UnsupportedFormatError, match="text/csv"):
        store.load(b"a,b", graph=G, media_type="text/csv")
    with pytest.raises(UnsupportedFormatError, match="unknown RDF format 'n3x'"):
        store.load(b"", graph=G, format="n3x")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    from mofkg.graphstore.errors import MofkgError

    with pytest.raises(MofkgError, match="nope.ttl: cannot read"):
        Store().load(tmp_path / "nope.ttl", graph=G)


def test_rdfxml_with_doctype_is_refused(store: Store) -> None:
    before = snapshot(store)
    billion_laughs = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/x"><ex:p>&b;</ex:p></rdf:Description>
</rdf:RDF>"""
    with pytest.raises(UnsafeInputError, match=r"lol.rdf:2:1: RDF/XML with a DOCTYPE is refused"):
        store.load(billion_laughs, graph=G, source_name="lol.rdf")
    assert snapshot(store) == before


def test_remote_jsonld_context_is_never_fetched(store: Store, listener: Listener) -> None:
    before = snapshot(store)
    url = f"http://127.0.0.1:{listener.port}/context.jsonld"
    for doc in (
        f'{{"@context": "{url}", "@id": "https://example.org/x", "name": "x"}}',
        f'{{"@context": [{{"ex": "https://example.org/"}}, "{url}"], "@id": "ex:x"}}',
        f'{{"@graph": [{{"@context": "{url}", "@id": "https://example.org/y"}}]}}',
    ):
        with pytest.raises(UnsafeInputError, match="remote @context is refused"):
            store.load(doc.encode(), graph=G, format="jsonld")
        # pyoxigraph's own parser must not fetch it either, even without our check.
        with pytest.raises(SyntaxError):
            list(pyoxigraph.parse(doc.encode(), format=pyoxigraph.RdfFormat.JSON_LD))
    assert listener.connections == 0
    assert snapshot(store) == before


def test_inline_jsonld_context_loads() -> None:
    doc = b'{"@context": {"ex": "https://example.org/"}, "@id": "ex:x", "ex:p": "v"}'
    assert Store().load(doc, graph=G, format="jsonld").triples == 1


def test_invalid_json_reports_line_and_column() -> None:
    with pytest.raises(RdfSyntaxError) as caught:
        Store().load(b'{\n  "@id": "https://example.org/x",\n  oops\n}', graph=G, format="jsonld")
    assert (caught.value.line, caught.value.column) == (3, 3)


def test_million_character_literal_loads() -> None:
    value = "x" * 1_000_000
    data = f'<https://example.org/x> <https://example.org/p> "{value}" .'.encode()
    store = Store()
    store.load(data, graph=G, format="nt")
    row = store.select("SELECT (STRLEN(?o) AS ?n) WHERE { ?s ?p ?o }")[0]
    assert int(row["n"]) == 1_000_000


def test_a_token_longer_than_the_parsers_buffer_is_a_syntax_error(store: Store) -> None:
    """Oxigraph stops at a token over 16 MiB with a MemoryError, which was a 500 on
    PUT /store and in validation jobs; it is an RdfSyntaxError, and nothing is written."""
    literal = "x" * (17 * 1024 * 1024)
    data = f'<http://e/s> <http://e/p> "{literal}" .\n'.encode()
    with pytest.raises(RdfSyntaxError, match="a single token .* is too long to parse"):
        store.load(data, graph="http://e/long", format="nt")
    assert not store.has_graph("http://e/long")


def test_json_ld_nested_too_deeply_is_refused(store: Store) -> None:
    """Python's JSON reader recurses: a 100,000-deep array was a RecursionError (500); it is
    refused as it is read, past the setting max_input_depth, naming where."""
    data = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(UnsafeInputError, match=r"^deep.jsonld:1:257: nested deeper than 256"):
        store.load(data, graph="http://e/deep", format="jsonld", source_name="deep.jsonld")
    assert not store.has_graph("http://e/deep")


def test_a_dump_with_a_token_too_long_is_a_syntax_error_in_validation() -> None:
    from mofkg.graphstore.rdfio.loading import open_rdf_input
    from mofkg.graphstore.validation.dumps import stage_rdf

    literal = "x" * (17 * 1024 * 1024)
    data = f'<http://e/s> <http://e/p> "{literal}" .\n'.encode()
    staging = Store()
    with pytest.raises(RdfSyntaxError, match="too long to parse"):
        stage_rdf(
            staging,
            open_rdf_input(data, format="nt", source_name="d.nt"),
            "http://e/g",
            keep_going=True,
        )
