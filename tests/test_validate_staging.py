"""Staging a line-based dump file: Oxigraph loads the lines it keeps as written, Python the
others (typed literals, blank nodes); the staged quads are those of the Python-only path, a
bad line is still reported where it is, and no second copy of the dump is held meanwhile."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest

from mofkg.graphstore.errors import RdfSyntaxError
from mofkg.graphstore.shacl.literals import stage_parsed
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples
from mofkg.graphstore.validation.dumps import read_dump, stage_dump
from mofkg.graphstore.validation.staging import Unstaged, stage_line_file

XSD = "http://www.w3.org/2001/XMLSchema#"
G = "http://ex/g"

# every kind of line: kept literals, literals the store would change, blank nodes shared by
# lines far apart (other pieces), a datatype IRI written with an escape, comments, CRLF
LINES = [
    '<http://ex/a> <http://ex/p> "plain" .',
    '<http://ex/a> <http://ex/p> "chat"@fr .',
    f'<http://ex/a> <http://ex/n> "32"^^<{XSD}int> .',
    f'<http://ex/a> <http://ex/n> "0032"^^<{XSD}integer> .',
    f'<http://ex/a> <http://ex/n> "32"^^<{XSD}integer> .',
    f'<http://ex/a> <http://ex/d> "4.0"^^<{XSD}decimal> .',
    '<http://ex/a> <http://ex/n> "7"^^<http://www.w3.org/2001/XMLSchema\\u0023int> .',
    "<http://ex/a> <http://ex/q> _:shared .",
    '# a comment with "^^ and _: in it',
    '<http://ex/a> <http://ex/p> "_: and ^^ in a string" .\r',
    "",
]


def dump_text(lines: int, *, quads: bool = False) -> str:
    out = []
    for i in range(lines):
        line = LINES[i % len(LINES)].replace("<http://ex/a>", f"<http://ex/a{i}>")
        if quads and i % 3 == 0 and line.endswith(" ."):
            line = line[:-2] + " <http://ex/own> ."
        out.append(line)
    out.append('_:shared <http://ex/p> "the same blank node" .')
    return "\n".join(out) + "\n"


def python_staged(path: Path, fmt: ox.RdfFormat) -> set[ox.Quad]:
    store = ox.Store()
    stage_parsed(store, ox.parse(path=str(path), format=fmt), G)
    return set(store)


@pytest.mark.parametrize("quads", [False, True], ids=["ntriples", "nquads"])
def test_the_staged_quads_are_those_of_the_python_path(tmp_path: Path, quads: bool) -> None:
    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    path = tmp_path / ("d.nq" if quads else "d.nt")
    path.write_text(dump_text(400, quads=quads), encoding="utf-8")
    store = ox.Store()
    stage_line_file(store, path, fmt, G, piece_size=1000)  # about 40 pieces
    staged = set(store)
    assert staged == python_staged(path, fmt)
    # literals as written, one blank node across pieces
    objects = {q.object for q in staged}
    assert ox.Literal("0032", datatype=ox.NamedNode("urn:mofkg:exact:" + XSD + "integer")) in (
        objects
    )
    assert ox.Literal("32", datatype=ox.NamedNode("urn:mofkg:exact:" + XSD + "int")) in objects
    assert len({q.subject for q in staged if isinstance(q.subject, ox.BlankNode)}) == 1
    assert {q.graph_name for q in staged} == (
        {ox.NamedNode(G), ox.NamedNode("http://ex/own")} if quads else {ox.NamedNode(G)}
    )


def test_a_bad_line_stops_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "d.nt"
    path.write_text(dump_text(200) + "<http://ex/a> <http://ex/p> oops .\n", encoding="utf-8")
    with pytest.raises(Unstaged):
        stage_line_file(ox.Store(), path, ox.RdfFormat.N_TRIPLES, G, piece_size=1000)


def test_a_bad_line_far_in_the_dump_is_reported_with_its_line(tmp_path: Path) -> None:
    text = dump_text(100_000)
    bad_line = text.count("\n") + 1
    path = tmp_path / "d.nt"
    path.write_text(text + "<http://ex/a> <http://ex/p> oops .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as error:
        stage_dump(Store(), read_dump(path), G, keep_going=False)
    assert error.value.line == bad_line
    assert str(error.value).startswith(f"{path}:{bad_line}:")


def test_keep_going_stages_the_good_lines_once(tmp_path: Path) -> None:
    text = dump_text(100_000)
    bad_line = text.count("\n") + 1
    path = tmp_path / "d.nt"
    path.write_text(text + "<http://ex/a> <http://ex/p> oops .\n" + LINES[0] + "\n")
    store = Store()
    bad = stage_dump(store, read_dump(path), G, keep_going=True)
    assert [b.line for b in bad] == [bad_line]
    good = tmp_path / "good.nt"
    good.write_text(text + LINES[0] + "\n")
    assert set(store.oxigraph) == python_staged(good, ox.RdfFormat.N_TRIPLES)


MEASURE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mofkg.graphstore.store.embedded import Store
    from mofkg.graphstore.validation.dumps import read_dump, stage_dump

    def status(field):  # VmHWM: this process's peak (ru_maxrss would count its parent's)
        lines = open("/proc/self/status").read().splitlines()
        return next(int(l.split()[1]) * 1024 for l in lines if l.startswith(field + ":"))

    dump = read_dump(Path(sys.argv[1]))
    store = Store()
    before = status("VmRSS")
    stage_dump(store, dump, "http://ex/g", keep_going=False)
    after = status("VmRSS")
    peak = status("VmHWM")
    print(after - before, peak - after)
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_staging_holds_no_second_copy_of_the_dump(tmp_path: Path) -> None:
    """Sent through Python in one transaction, 3,000 synthetic models took about 30 MiB
    more than the store they filled, until the transaction ended (half of the store)."""
    path = tmp_path / "s.nt"
    path.write_text(synthetic_ntriples(3000, seed=0), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    grown, above = (int(n) for n in done.stdout.split())
    assert grown > 20 * 2**20  # the store itself
    assert above < grown / 5, f"peak {above >> 20} MiB above a store of {grown >> 20} MiB"
