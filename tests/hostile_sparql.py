"""Hypothesis strategies for hostile SPARQL: queries and updates from a small grammar, mutated.

The grammar reaches for what a public endpoint must refuse or survive: SERVICE, LOAD and
remote FROM (at a loopback port nothing listens on), deep nesting, long property paths,
regexes that do not compile, huge numbers and literals, cartesian products (which the
fuzz servers' short timeout stops), bad IRIs and escapes. Updates only name the scratch
graphs, so an accepted one never touches the seed data.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.hostile_grammar import BAD_IRIS, EX, REMOTE, Doc, mutated

SCRATCH = (EX + "scratch1", EX + "scratch2")
SEED_GRAPH = EX + "seed"

variables = st.sampled_from(("?s", "?p", "?o", "?g", "?x", "?long_name_1", "$v", "?", "?1a"))
iri_terms = st.one_of(
    st.sampled_from((f"<{EX}a>", f"<{EX}p>", "ex:a", "ex:p", "a", "rdf:type", "<>")),
    st.sampled_from(BAD_IRIS).map(lambda iri: f"<{iri}>"),
    st.sampled_from(("undeclared:x", "ex:", ":x", "<a\\u0020b>", f"<{EX}\\u00>")),
)
literal_terms = st.sampled_from(
    (
        '"x"',
        '"x"@en',
        '"x"@-bad',
        '"1"^^xsd:integer',
        '"abc"^^xsd:integer',
        "42",
        "-0.0",
        "1e999",
        "99999999999999999999999999999999",
        "true",
        '"\\q"',
        '"\\uD800"',
        "'''a'''",
        '"' + "y" * 20_000 + '"',
        '"unterminated',
    )
)
terms = st.one_of(variables, iri_terms, literal_terms)
paths = st.one_of(
    iri_terms,
    st.sampled_from(
        (
            "ex:p/ex:q",
            "ex:p|ex:q",
            "^ex:p",
            "ex:p*",
            "ex:p+",
            "ex:p?",
            "!(ex:p|^ex:q)",
            "(ex:p/ex:q)*",
            "!rdf:type",
            "ex:p{2}",
        )
    ),
    st.integers(1, 3_000).map(lambda n: "/".join(["ex:p"] * n)),
)
expressions = st.sampled_from(
    (
        "?o > 1",
        'regex(?o, "(")',
        'regex(?o, "a", "zz")',
        'REPLACE(?o, "(a*)*b", "x")',
        "1/0",
        'xsd:integer("abc")',
        "STRLEN(?o) > -1",
        'LANGMATCHES(LANG(?o), "*")',
        "bound(?zz)",
        "?o IN (1, 2, ?p)",
        "NOT EXISTS { ?s ?p ?o }",
        "sha512(str(?o))",
        "BNODE() = BNODE()",
        "NOW() < NOW()",
        "?undefined(1)",
        "COALESCE()",
        'IRI(CONCAT("' + REMOTE + '", ?o))',
        'STRDT("1", <not an iri>)',
    )
)


def _pattern(draw: st.DrawFn, depth: int) -> str:
    kind = draw(
        st.sampled_from(
            (
                "triple",
                "triple",
                "path",
                "optional",
                "union",
                "minus",
                "filter",
                "bind",
                "values",
                "graph",
                "service",
                "sub",
                "product",
            )
        )
        if depth < 3
        else st.just("triple")
    )
    triple = f"{draw(terms)} {draw(iri_terms | variables)} {draw(terms)} ."
    if kind == "triple":
        return triple
    if kind == "path":
        return f"{draw(variables)} {draw(paths)} {draw(terms)} ."
    if kind in ("optional", "minus"):
        return f"{triple} {kind.upper()} {{ {_pattern(draw, depth + 1)} }}"
    if kind == "union":
        return f"{{ {_pattern(draw, depth + 1)} }} UNION {{ {_pattern(draw, depth + 1)} }}"
    if kind == "filter":
        return f"{triple} FILTER({draw(expressions)})"
    if kind == "bind":
        return f"{triple} BIND({draw(expressions)} AS {draw(variables)})"
    if kind == "values":
        return f"VALUES {draw(variables)} {{ {draw(terms)} {draw(literal_terms)} UNDEF }} {triple}"
    if kind == "graph":
        return f"GRAPH {draw(variables | iri_terms)} {{ {_pattern(draw, depth + 1)} }}"
    if kind == "service":
        silent = draw(st.sampled_from(("", "SILENT ")))
        where = draw(st.sampled_from((f"<{REMOTE}sparql>", "?g", "<sparql>", "ex:remote")))
        return f"SERVICE {silent}{where} {{ {triple} }}"
    if kind == "sub":
        return f"{{ SELECT * WHERE {{ {_pattern(draw, depth + 1)} }} LIMIT 5 }}"
    return "?a ?b ?c . ?d ?e ?f . ?h ?i ?j . ?k ?l ?m . ?n ?q ?r ."


PROLOGUES = (
    "",
    f"PREFIX ex: <{EX}>\n",
    f"PREFIX ex: <{EX}>\nBASE <{EX}base/>\n",
    "PREFIX ex: <relative>\n",
    f"BASE <{REMOTE}>\nPREFIX ex: <{EX}>\n",
    "PREFIX : <" + EX + "> PREFIX : <" + EX + "again>\n",
)


@st.composite
def sparql_queries(draw: st.DrawFn) -> Doc:
    """A near-valid SPARQL query, made hostile."""
    form = draw(st.sampled_from(("SELECT", "SELECT DISTINCT", "ASK", "CONSTRUCT", "DESCRIBE")))
    where = " ".join(_pattern(draw, 0) for _ in range(draw(st.integers(1, 3))))
    dataset = draw(
        st.sampled_from(
            ("", "", f"FROM <{SEED_GRAPH}>", f"FROM <{REMOTE}g>", f"FROM NAMED <{EX}absent>")
        )
    )
    if form.startswith("SELECT"):
        head = f"{form} {draw(st.sampled_from(('*', '?s ?o', '(COUNT(*) AS ?n)', '?s ?s')))}"
    elif form == "CONSTRUCT":
        head = f"CONSTRUCT {{ {draw(terms)} ex:p {draw(terms)} }}"
    elif form == "DESCRIBE":
        head = f"DESCRIBE {draw(terms)}"
    else:
        head = "ASK"
    tail = draw(
        st.sampled_from(
            (
                "",
                "LIMIT 3",
                "LIMIT 99999999999999999999",
                "OFFSET -1",
                "ORDER BY ?o",
                "GROUP BY ?s HAVING (COUNT(?o) > 0)",
                "ORDER BY DESC(?zz) LIMIT 1 OFFSET 1",
            )
        )
    )
    nesting = draw(st.sampled_from((0, 0, 0, 3, 200, 5_000)))
    where = "{ " * nesting + where + " }" * nesting
    text = f"{draw(st.sampled_from(PROLOGUES))}{head} {dataset} WHERE {{ {where} }} {tail}"
    recipe = f"query:{form}" + (f"+nest({nesting})" if nesting else "")
    return draw(mutated(Doc(text.encode("utf-8", "surrogatepass"), "sparql-query", recipe)))


def _quad_block(draw: st.DrawFn) -> str:
    graph = draw(st.sampled_from(SCRATCH))
    body = " ".join(
        f"{draw(iri_terms | literal_terms)} {draw(iri_terms)} {draw(terms)} ."
        for _ in range(draw(st.integers(1, 3)))
    )
    return f"GRAPH <{graph}> {{ {body} }}"


@st.composite
def sparql_updates(draw: st.DrawFn) -> Doc:
    """A near-valid SPARQL update on the scratch graphs, made hostile."""
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                (
                    "insert data",
                    "delete data",
                    "modify",
                    "clear",
                    "drop",
                    "create",
                    "load",
                    "copy",
                    "service",
                    "using",
                )
            )
        )
        g1, g2 = draw(st.sampled_from(SCRATCH)), draw(st.sampled_from(SCRATCH))
        silent = draw(st.sampled_from(("", "SILENT ")))
        if kind == "insert data":
            ops.append(f"INSERT DATA {{ {_quad_block(draw)} }}")
        elif kind == "delete data":
            ops.append(f"DELETE DATA {{ {_quad_block(draw)} }}")
        elif kind == "modify":
            ops.append(
                f"WITH <{g1}> DELETE {{ ?s ?p ?o }} INSERT {{ ?s ?p {draw(terms)} }} "
                f"WHERE {{ {_pattern(draw, 1)} }}"
            )
        elif kind == "clear":
            ops.append(f"CLEAR {silent}GRAPH <{g1}>")
        elif kind == "drop":
            ops.append(f"DROP {silent}GRAPH <{draw(st.sampled_from((g1, EX + 'absent')))}>")
        elif kind == "create":
            ops.append(f"CREATE {silent}GRAPH <{g1}>")
        elif kind == "load":
            ops.append(f"LOAD {silent}<{REMOTE}data.ttl> INTO GRAPH <{g1}>")
        elif kind == "copy":
            verb = draw(st.sampled_from(("COPY", "MOVE", "ADD")))
            ops.append(f"{verb} {silent}GRAPH <{g1}> TO GRAPH <{g2}>")
        elif kind == "service":
            ops.append(
                f"INSERT {{ GRAPH <{g1}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ SERVICE <{REMOTE}sparql> {{ ?s ?p ?o }} }}"
            )
        else:
            ops.append(
                f"INSERT {{ GRAPH <{g1}> {{ ?s ?p ?o }} }} USING <{REMOTE}g> WHERE {{ ?s ?p ?o }}"
            )
    text = draw(st.sampled_from(PROLOGUES)) + " ;\n".join(ops)
    recipe = "update:" + ",".join(op.split(" ", 1)[0] for op in ops)
    return draw(mutated(Doc(text.encode("utf-8", "surrogatepass"), "sparql-update", recipe)))
