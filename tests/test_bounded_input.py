"""Every input goes through one bounded reader: gzip of any number of members, inflated once,
within one cap per request, and checked for DTDs and deep nesting as it streams in.

Each finding is checked through each entry point (POST /validate, PUT /store, multipart POST
/store, ``mofkg load``, ``mofkg validate``): the status, the message naming what and where,
and that the store is unchanged. Memory is checked with bounded setups (a small cap), never
by letting anything grow.
"""

from __future__ import annotations

import gzip
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mofkg.graphstore.cli import main as cli
from mofkg.graphstore.errors import TooLargeError, UnsafeInputError, UnsupportedFormatError
from mofkg.graphstore.namespaces import source_graph
from mofkg.graphstore.rdfio.bounded_input import BrokenGzipError, Budget, read_bounded
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Reply, Server, post, put, running_server

TOKEN = "bounded-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BODY = 2 * 1024 * 1024
EX = "http://example.org/"
SEED_GRAPH = EX + "seed"
NT = "application/n-triples"

RDF_OPEN = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/">\n'
)
#: A DOCTYPE whose entity is harmless: loaded as it is, it would give one triple.
DOCTYPE = '<!DOCTYPE r [<!ENTITY a "expanded">]>\n'
ENTITY_USE = '<rdf:Description rdf:about="http://example.org/x"><ex:p>&a;</ex:p></rdf:Description>'


def padded_doctype(padding: int = 1024 * 1024 + 100) -> bytes:
    """RDF/XML with a comment of ``padding`` bytes before its DOCTYPE (line 3)."""
    head = '<?xml version="1.0"?>\n<!--' + "x" * padding + "-->\n"
    return (head + DOCTYPE + RDF_OPEN + ENTITY_USE + "\n</rdf:RDF>\n").encode()


def deep_rdfxml(levels: int) -> bytes:
    """RDF/XML whose elements nest ``2 * levels + 2`` deep; depth 257 opens on line 130."""
    lines = [RDF_OPEN.strip(), '<rdf:Description rdf:about="http://example.org/x">']
    lines += ["<ex:p><rdf:Description>"] * levels
    lines += ["</rdf:Description></ex:p>"] * levels
    lines += ["</rdf:Description>", "</rdf:RDF>"]
    return "\n".join(lines).encode()


def deep_jsonld(levels: int) -> bytes:
    """JSON-LD objects nested ``levels`` deep, one per line; depth 257 opens on line 257."""
    opening = '{"@id": "http://example.org/x", "http://example.org/p":\n' * levels
    return (opening + '"leaf"' + "}" * levels).encode()


def deep_turtle(levels: int, *, trig: bool = False) -> bytes:
    """Blank nodes nested ``levels`` deep, one per line; depth 257 opens on line 259."""
    head = "<http://example.org/g> {\n" if trig else "\n"
    body = "<http://example.org/x> <http://example.org/p>\n" + "[ <http://example.org/p>\n" * (
        levels
    )
    return (head + body + '"leaf" ' + "] " * levels + ".\n" + ("}\n" if trig else "")).encode()


def lines(count: int, start: int = 0) -> bytes:
    return b"".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n'.encode() for i in range(start, start + count))


def members(count: int) -> bytes:
    """``count`` one-line gzip members, one after the other (as pigz or ``cat a.gz b.gz``)."""
    return b"".join(gzip.compress(lines(1, i)) for i in range(count))


def snapshot(store: Store) -> bytes:
    data = store.export(None, "nquads")
    assert data is not None
    return b"\n".join(sorted(data.splitlines()))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("bounded")
    store = Store(path)
    store.load(lines(3), graph=SEED_GRAPH, format="nt")
    settings = Settings(store=path, max_body=MAX_BODY, update_token=TOKEN)
    with running_server(settings, store=store) as srv:
        yield srv


def _store(server: Server) -> Store:
    assert server.store is not None
    return server.store


def _put(server: Server, graph: str, body: bytes, media_type: str, **headers: str) -> Reply:
    return put(
        server.graph_store,
        params={"graph": graph},
        data=body,
        headers={"Content-Type": media_type, **AUTH, **headers},
    )


def _validate(server: Server, body: bytes, media_type: str, **headers: str) -> Reply:
    return post(
        server.url + "/validate", data=body, headers={"Content-Type": media_type, **headers}
    )


def _multipart(files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, media_type, data in files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name}"\r\nContent-Type: {media_type}\r\n\r\n'
        ).encode()
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _post_files(server: Server, graph: str, files: list[tuple[str, str, bytes]]) -> Reply:
    body, media_type = _multipart(files)
    return post(
        server.graph_store,
        params={"graph": graph},
        data=body,
        headers={"Content-Type": media_type, **AUTH},
    )


def _new_store(path: Path) -> Path:
    """An empty on-disk store at ``path``, closed again."""
    Store(path).close()
    return path


def _graph_size(path: Path, graph: str) -> int:
    """The size of ``graph`` in the on-disk store at ``path`` (-1 if it is absent)."""
    store = Store(path, read_only=True)
    try:
        return store.graph_size(graph) if store.has_graph(graph) else -1
    finally:
        store.close()


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(args)
    _, err = capsys.readouterr()
    return status, err


# -- 1. a DOCTYPE after any padding, or inside the root element ----------------------------


def test_a_doctype_after_a_megabyte_of_comment_is_refused(tmp_path: Path) -> None:
    """The old check read only the first MiB: this loaded, with its entity expanded."""
    store = Store()
    with pytest.raises(UnsafeInputError, match=r"^pad.rdf:3:1: RDF/XML with a DOCTYPE is refused"):
        store.load(padded_doctype(), graph=EX + "pad", source_name="pad.rdf")
    assert not store.has_graph(EX + "pad")


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ((RDF_OPEN + DOCTYPE + ENTITY_USE + "</rdf:RDF>").encode(), "in.rdf:2:1"),
        (("\ufeff<?pi x?>\n  \n" + DOCTYPE + RDF_OPEN + "</rdf:RDF>").encode(), "in.rdf:3:1"),
        ((RDF_OPEN + "<!-- x -->  <!doctype r>" + "</rdf:RDF>").encode(), "in.rdf:2:13"),
    ],
    ids=["inside-the-root", "after-bom-and-pi", "lower-case"],
)
def test_a_doctype_anywhere_is_refused(document: bytes, where: str) -> None:
    store = Store()
    with pytest.raises(UnsafeInputError, match=f"^{where}: RDF/XML with a DOCTYPE is refused"):
        store.load(document, graph=EX + "in", source_name="in.rdf")
    assert not store.has_graph(EX + "in")


def test_an_entity_declaration_alone_is_refused() -> None:
    document = (RDF_OPEN + '<!ENTITY a "b">' + ENTITY_USE + "</rdf:RDF>").encode()
    with pytest.raises(UnsafeInputError, match=r"^e.rdf:2:1: RDF/XML with a markup declaration"):
        Store().load(document, graph=EX + "e", source_name="e.rdf")


def test_declarations_in_comments_and_cdata_are_text() -> None:
    document = (
        RDF_OPEN + "<!-- <!DOCTYPE x> -->"
        '<rdf:Description rdf:about="http://example.org/x">'
        '<ex:p rdf:parseType="Literal"><![CDATA[<!DOCTYPE y>]]></ex:p></rdf:Description>'
        "</rdf:RDF>"
    ).encode()
    assert Store().load(document, graph=EX + "c", format="rdfxml").triples == 1


def test_a_padded_doctype_is_refused_over_http(server: Server) -> None:
    before = snapshot(_store(server))
    body = gzip.compress(padded_doctype())
    assert len(body) < 8 * 1024
    reply = _validate(server, body, "application/rdf+xml")
    assert reply.status_code == 400, reply.text
    assert "upload:3:1: RDF/XML with a DOCTYPE is refused" in reply.text
    reply = _put(server, EX + "pad", body, "application/rdf+xml")
    assert reply.status_code == 400, reply.text
    assert "request body:3:1: RDF/XML with a DOCTYPE is refused" in reply.text
    reply = _post_files(server, EX + "pad", [("pad.rdf", "application/rdf+xml", body)])
    assert reply.status_code == 400, reply.text
    assert "pad.rdf:3:1: RDF/XML with a DOCTYPE is refused" in reply.text
    assert snapshot(_store(server)) == before


def test_a_padded_doctype_is_refused_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "pad.rdf.gz"
    dump.write_bytes(gzip.compress(padded_doctype()))
    status, err = _cli(["--store", str(_new_store(tmp_path / "store")), "load", str(dump)], capsys)
    assert status == 1 and f"{dump}:3:1: RDF/XML with a DOCTYPE is refused" in err
    status, err = _cli(["validate", str(dump)], capsys)
    assert status == 2 and f"{dump}:3:1: RDF/XML with a DOCTYPE is refused" in err
    assert _graph_size(tmp_path / "store", str(source_graph(dump.name))) == -1


# -- 2. gzip inside gzip -------------------------------------------------------------------


def test_gzip_inside_gzip_is_refused_over_http(server: Server) -> None:
    before = snapshot(_store(server))
    inner = gzip.compress(gzip.compress(lines(2)))
    reply = _validate(server, inner, NT)
    assert reply.status_code == 415, reply.text
    assert "upload: gzip inside gzip is refused" in reply.text
    for headers in ({}, {"Content-Encoding": "gzip"}):
        reply = _put(server, EX + "inner", inner, NT, **headers)
        assert reply.status_code == 415, reply.text
        assert "request body: gzip inside gzip is refused" in reply.text
    reply = _post_files(server, EX + "inner", [("inner.nt.gz", NT, inner)])
    assert reply.status_code == 415, reply.text
    assert "inner.nt.gz: gzip inside gzip is refused" in reply.text
    assert snapshot(_store(server)) == before


def test_gzip_inside_gzip_is_refused_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "inner.nt.gz"
    dump.write_bytes(gzip.compress(gzip.compress(lines(2))))
    status, err = _cli(["--store", str(_new_store(tmp_path / "store")), "load", str(dump)], capsys)
    assert status == 1 and f"{dump}: gzip inside gzip is refused" in err
    status, err = _cli(["validate", str(dump)], capsys)
    assert status == 2 and f"{dump}: gzip inside gzip is refused" in err


def test_a_single_gzip_bomb_stops_at_the_cap_without_growing() -> None:
    """Inflation stops one piece past the cap: 64 MiB of zeros against a 1 MiB budget never
    holds more than a few MiB."""
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=1)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match=r"^bomb.nt.gz: inflates to more than 1048576"):
            read_bounded(bomb, source="bomb.nt.gz", budget=Budget(1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


# -- 3. every gzip member is read ------------------------------------------------------------


def test_every_gzip_member_is_read_over_http(server: Server) -> None:
    body = members(5)
    reply = _put(server, EX + "members", body, NT)
    assert reply.status_code == 201, reply.text
    assert _store(server).graph_size(EX + "members") == 5
    reply = _put(server, EX + "members2", body, NT, **{"Content-Encoding": "gzip"})
    assert reply.status_code == 201 and _store(server).graph_size(EX + "members2") == 5
    reply = _post_files(server, EX + "members3", [("m.nt.gz", NT, body)])
    assert reply.status_code == 201 and _store(server).graph_size(EX + "members3") == 5
    reply = _validate(server, body, NT, Accept="application/json")
    assert reply.status_code == 200 and reply.json()["triples"] == 5, reply.text


def test_every_gzip_member_is_read_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "m.nt.gz"
    dump.write_bytes(members(5) + b"\0" * 64)  # some tools pad the end with zeros
    status, _ = _cli(["--store", str(_new_store(tmp_path / "store")), "load", str(dump)], capsys)
    assert status == 0
    assert _graph_size(tmp_path / "store", str(source_graph("m.nt.gz"))) == 5


def test_bytes_after_the_last_member_or_a_cut_member_are_refused(server: Server) -> None:
    before = snapshot(_store(server))
    reply = _put(server, EX + "junk", members(2) + b"junk", NT)
    assert reply.status_code == 400, reply.text
    assert "request body: broken gzip data (bytes after the last member are not gzip)" in reply.text
    reply = _put(server, EX + "junk", members(2) + gzip.compress(lines(1))[:-6], NT)
    assert reply.status_code == 400, reply.text
    assert "request body: broken gzip data (the stream is truncated)" in reply.text
    with pytest.raises(BrokenGzipError, match="x: broken gzip data"):
        read_bounded(b"not gzip", source="x", budget=Budget(None), gzip=True)
    assert snapshot(_store(server)) == before


# -- 4. one cap over all the parts of a request --------------------------------------------------


def test_multipart_parts_share_one_cap(server: Server) -> None:
    before = snapshot(_store(server))
    part = gzip.compress(b"# " + b"x" * (800 * 1024) + b"\n" + lines(1))
    files = [(f"p{i}.nt", NT, part) for i in range(3)]
    body, _ = _multipart(files)
    assert len(body) < 16 * 1024
    reply = _post_files(server, EX + "parts", files)
    assert reply.status_code == 413, reply.text
    assert (
        f"p2.nt: with the input before it, more than {MAX_BODY} bytes (after decompression) "
        "in all" in reply.text
    )
    assert snapshot(_store(server)) == before
    reply = _post_files(server, EX + "parts", files[:2])  # under the cap together
    assert reply.status_code == 201, reply.text
    _store(server).oxigraph.update(f"DROP GRAPH <{EX}parts>")


# -- 5. nesting depth -----------------------------------------------------------------------------


DEEP = [
    ("application/rdf+xml", "deep.rdf", deep_rdfxml(200), 130, "RDF/XML elements"),
    ("application/ld+json", "deep.jsonld", deep_jsonld(300), 257, "arrays and objects"),
    ("text/turtle", "deep.ttl", deep_turtle(300), 259, "blank nodes, collections, triple terms"),
    ("application/trig", "deep.trig", deep_turtle(300, trig=True), 259, "blank nodes"),
]


@pytest.mark.parametrize(("media_type", "name", "document", "line", "what"), DEEP)
def test_deep_nesting_is_refused_in_the_loader(
    media_type: str, name: str, document: bytes, line: int, what: str
) -> None:
    store = Store()
    with pytest.raises(
        UnsafeInputError, match=rf"^{name}:{line}:\d+: nested deeper than 256 \({what}"
    ):
        store.load(document, graph=EX + "deep", source_name=name)
    assert not store.has_graph(EX + "deep")
    shallow = Store()
    shallow_doc = {"deep.rdf": deep_rdfxml(100), "deep.jsonld": deep_jsonld(200)}.get(
        name, deep_turtle(200, trig=name.endswith("trig"))
    )
    assert shallow.load(shallow_doc, graph=EX + "deep", source_name=name).triples >= 0


@pytest.mark.parametrize(("media_type", "name", "document", "line", "what"), DEEP)
def test_deep_nesting_is_refused_over_http(
    server: Server, media_type: str, name: str, document: bytes, line: int, what: str
) -> None:
    before = snapshot(_store(server))
    expected = f":{line}:"
    if media_type != "application/trig":  # the Graph Store takes graphs, not datasets
        reply = _put(server, EX + "deep", gzip.compress(document), media_type)
        assert reply.status_code == 400, reply.text
        assert f"request body{expected}" in reply.text and "nested deeper than 256" in reply.text
        reply = _post_files(server, EX + "deep", [(name, media_type, document)])
        assert reply.status_code == 400, reply.text
        assert f"{name}{expected}" in reply.text and f"({what}" in reply.text
    reply = _validate(server, document, media_type)
    assert reply.status_code == 400, reply.text
    assert f"upload{expected}" in reply.text and "max_input_depth" in reply.text
    assert snapshot(_store(server)) == before


def test_deep_nesting_is_refused_by_the_cli_and_the_setting_raises_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = tmp_path / "deep.rdf"
    dump.write_bytes(deep_rdfxml(200))
    store = _new_store(tmp_path / "store")
    status, err = _cli(["--store", str(store), "load", str(dump)], capsys)
    assert status == 1 and f"{dump}:130:1: nested deeper than 256 (RDF/XML elements)" in err
    status, err = _cli(["validate", str(dump)], capsys)
    assert status == 2 and f"{dump}:130:1: nested deeper than 256" in err
    assert _graph_size(store, str(source_graph("deep.rdf"))) == -1
    monkeypatch.setenv("MOFKG_MAX_INPUT_DEPTH", "500")
    status, err = _cli(["validate", str(dump)], capsys)
    assert status in (0, 1) and "nested deeper" not in err, err
    status, err = _cli(["--store", str(store), "load", str(dump)], capsys)
    assert status == 0, err
    assert _graph_size(store, str(source_graph("deep.rdf"))) == 200


# -- the scan cannot be fooled -----------------------------------------------------------------


def test_a_comment_start_inside_an_attribute_value_hides_no_doctype() -> None:
    """``<!--`` in one attribute value and ``-->`` in a later one are no comment: the DOCTYPE
    between them is the parser's, and is refused."""
    document = (
        RDF_OPEN
        + '<rdf:Description rdf:about="http://example.org/x" ex:q="<!--"/>\n'
        + DOCTYPE
        + '<rdf:Description rdf:about="http://example.org/y" ex:q="-->"/>'
        + ENTITY_USE
        + "</rdf:RDF>"
    ).encode()
    with pytest.raises(UnsafeInputError, match=r"^a.rdf:3:1: RDF/XML with a DOCTYPE is refused"):
        Store().load(document, graph=EX + "a", source_name="a.rdf")


def test_end_tags_inside_attribute_values_do_not_hide_depth() -> None:
    """An attribute value holding ``</z>`` or ``/>`` closes nothing."""
    level = '<ex:p><rdf:Description ex:q="</z></z>" ex:r="/>">'
    document = (
        RDF_OPEN
        + '<rdf:Description rdf:about="http://example.org/x">\n'
        + (level + "\n") * 200
        + "</rdf:Description></ex:p>" * 200
        + "</rdf:Description></rdf:RDF>"
    ).encode()
    with pytest.raises(UnsafeInputError, match=r"^v.rdf:130:1: nested deeper than 256"):
        Store().load(document, graph=EX + "v", source_name="v.rdf")


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64])
@pytest.mark.parametrize(("media_type", "name", "document", "line", "what"), DEEP)
def test_the_scan_finds_the_same_place_whatever_the_pieces(
    monkeypatch: pytest.MonkeyPatch,
    piece: int,
    media_type: str,
    name: str,
    document: bytes,
    line: int,
    what: str,
) -> None:
    """Tokens cut anywhere by the pieces the reader inflates (strings, IRIs, comments, tags)
    wait for the rest: the refusal names the same place as when the input comes whole."""
    from mofkg.graphstore.rdfio import nesting

    monkeypatch.setattr(nesting, "SCAN_BYTES", 1)
    fmt = {"deep.rdf": "rdfxml", "deep.jsonld": "jsonld", "deep.ttl": "turtle"}.get(name, "trig")
    scan = nesting.NestingScan(fmt, source=name)
    padded = document.replace(b"\n", b" \n", 3)
    with pytest.raises(UnsafeInputError, match=rf"^{name}:{line}:\d+: nested deeper than 256"):
        for start in range(0, len(padded), piece):
            scan.feed(padded[start : start + piece])
        scan.close()


def test_strings_iris_and_comments_do_not_count_in_turtle() -> None:
    from mofkg.graphstore.rdfio.nesting import NestingScan

    text = (
        b"@prefix ex: <http://example.org/\\u0041[[[> . # [[[[\n"
        b'ex:s ex:p "[[[[", """ [[[ "" [[[ """, \'[[[\', ex:a\\[b ;\n'
        b"  ex:q << ex:s ex:p ( [ ex:p 1 ] ) >> {| ex:r [ ex:p 2 ] |} .\n"
    )
    scan = NestingScan("turtle", source="t.ttl", limit=3)
    scan.feed(text)
    scan.close()
    scan = NestingScan("turtle", source="t.ttl", limit=2)
    scan.feed(text)
    with pytest.raises(UnsafeInputError, match=r"^t.ttl:3:23: nested deeper than 2"):
        scan.close()


def test_gzip_inside_gzip_after_an_empty_member_is_refused() -> None:
    body = gzip.compress(b"") + gzip.compress(gzip.compress(lines(2)))
    with pytest.raises(UnsupportedFormatError, match="^e.nt.gz: gzip inside gzip is refused"):
        read_bounded(body, source="e.nt.gz", budget=Budget(None))


def nested_triple_terms(levels: int) -> bytes:
    """N-Triples whose line 2 nests ``levels`` triple terms: 100,000 of them crashed the
    process that stored them (Oxigraph's encoder recurses); 300 are harmless, and refused."""
    term = "<<( <http://example.org/s> <http://example.org/p> " * levels
    close = " )>>" * levels
    return (f'<{EX}a> <{EX}p> "<<( <<( <<(" .\n<{EX}s> <{EX}p> {term}<{EX}o>{close} .\n').encode()


def test_nested_triple_terms_in_n_triples_are_refused(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(_store(server))
    expected = r"nested deeper than 256 \(blank nodes, collections, triple terms\)"
    with pytest.raises(UnsafeInputError, match=rf"^t.nt:2:\d+: {expected}"):
        Store().load(nested_triple_terms(300), graph=EX + "t", source_name="t.nt")
    reply = _put(server, EX + "terms", gzip.compress(nested_triple_terms(300)), NT)
    assert reply.status_code == 400, reply.text
    assert "request body:2:" in reply.text and "triple terms" in reply.text
    reply = _validate(server, nested_triple_terms(300), NT)
    assert reply.status_code == 400 and "upload:2:" in reply.text, reply.text
    assert snapshot(_store(server)) == before
    dump = tmp_path / "t.nt"  # a plain file: validated from the disk, scanned all the same
    dump.write_bytes(nested_triple_terms(300))
    status, err = _cli(["validate", str(dump)], capsys)
    assert status == 2 and f"{dump}:2:" in err and "triple terms" in err
    status, err = _cli(["--store", str(_new_store(tmp_path / "store")), "load", str(dump)], capsys)
    assert status == 1 and f"{dump}:2:" in err
    shallow = nested_triple_terms(100)  # 200 deep, as << and ( both count
    assert Store().load(shallow, graph=EX + "t", source_name="t.nt").triples == 2


def _peak_rss_of_validate(dump: Path, **env: str) -> tuple[int, int, str]:
    """Exit status, peak resident memory (KiB) and standard error of ``mofkg validate dump``
    in a process of its own, its address space capped at 2 GB."""
    import os
    import resource
    import subprocess
    import sys

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    code = "import sys; from mofkg.graphstore.cli.main import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "validate", str(dump)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
        preexec_fn=cap,
    )
    assert process.stderr is not None
    with process.stderr:
        err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss, err


def test_the_command_cap_stops_a_gzip_bomb_before_it_grows(tmp_path: Path) -> None:
    """64 MiB of zeros in 65 KB of gzip, against MOFKG_MAX_INPUT of 1 MiB: refused, and the
    command peaks where it does for a one-line dump (it used to inflate all 64 MiB). Gzip
    inside gzip is refused at its first two bytes, cap or none."""
    small = tmp_path / "small.nt"
    small.write_bytes(lines(1))
    bomb = tmp_path / "bomb.nt.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (64 * 1024 * 1024)))
    assert bomb.stat().st_size < 128 * 1024
    status, baseline, _ = _peak_rss_of_validate(small)
    assert status == 0
    status, peak, err = _peak_rss_of_validate(bomb, MOFKG_MAX_INPUT="1048576")
    assert status == 2 and f"{bomb}: inflates to more than 1048576 bytes" in err
    assert peak - baseline < 32 * 1024, (baseline, peak)
    inner = tmp_path / "inner.nt.gz"
    inner.write_bytes(gzip.compress(bomb.read_bytes()))
    status, peak, err = _peak_rss_of_validate(inner)
    assert status == 2 and f"{inner}: gzip inside gzip is refused" in err
    assert peak - baseline < 32 * 1024, (baseline, peak)


def test_the_command_cap_covers_all_the_files_of_a_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.nt.gz", tmp_path / "b.nt"
    first.write_bytes(gzip.compress(b"# " + b"x" * 600_000 + b"\n" + lines(1)))
    second.write_bytes(b"# " + b"x" * 600_000 + b"\n" + lines(1, 1))
    store = _new_store(tmp_path / "store")
    monkeypatch.setenv("MOFKG_MAX_INPUT", "1000000")
    status, err = _cli(["--store", str(store), "load", str(first), str(second)], capsys)
    assert status == 1
    assert f"{second}: with the input before it, more than 1000000 bytes" in err
    assert _graph_size(store, str(source_graph("a.nt.gz"))) == -1
    monkeypatch.setenv("MOFKG_MAX_INPUT", "0")  # no limit
    status, err = _cli(["--store", str(store), "load", str(first), str(second)], capsys)
    assert status == 0, err
    monkeypatch.setenv("MOFKG_MAX_INPUT", "-1")
    status, err = _cli(["--store", str(store), "load", str(first)], capsys)
    assert status != 0 and "max_input must be 0 (no limit) or more" in err
