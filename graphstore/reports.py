"""Rendering a :class:`~graphstore.validation.ValidationReport`: text, JSON, HTML, SHACL RDF.

- ``turtle`` / ``jsonld``: the standard ``sh:ValidationReport`` of the conformance shapes,
  which any SHACL tool reads (the MOF classes are not SHACL conformance, so they are not in it).
- ``json``: a summary for programs: counts by severity and by shape, the results per focus
  node, each model's MOF class and what it misses, bad lines.
- ``text`` / ``html``: for a person: each problem with its focus node, path, value, message and
  the line of the dump where the focus node is first mentioned; per model the class it would
  reach and what is missing for the next ones.

**Locating a focus node** (:func:`locate_focus_nodes`): in an RDF text dump, the first token
that names the node is taken as where it is described: ``<IRI>`` in Turtle, TriG, N-Triples
and N-Quads; a prefixed name ``p:local`` for the prefixes the Turtle / TriG file declares;
``"IRI"`` (a quoted string) in JSON-LD and RDF/XML; ``_:label`` for a blank node (labels are
kept by the parser). A node named only through ``@base``-relative IRIs, JSON-LD compact IRIs
or ``rdf:ID`` is not found, and its line is left out. MOT records are not located.

>>> from rdflib import URIRef
>>> text = b"@prefix ex: <http://ex/> .\\n\\nex:a ex:p 1 .\\n<http://ex/b> ex:p ex:a .\\n"
>>> found = _scan(text, "turtle", {URIRef("http://ex/a"), URIRef("http://ex/b")})
>>> sorted(found.values())
[3, 4]
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .namespaces import PREFIXES
from .terms import to_oxigraph

if TYPE_CHECKING:
    from .assessment import ModelAssessment
    from .validation import Dump, ValidationReport

#: Longest value shown in text and HTML reports (a longer literal is cut, its length said).
MAX_VALUE_CHARS = 200
SHOWN_PREFIXES = {**PREFIXES, "sh": str(SH)}

_TOKEN = re.compile(
    rb'<[^<>"\s]*>|"[^"\\\n]{1,2048}"|_:[A-Za-z0-9_][\w.-]*|[A-Za-z][\w-]*:[\w.%-]*'
)
_PREFIX_DECL = re.compile(rb"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


# -- lines -----------------------------------------------------------------------------


def _candidates(fmt: str, nodes: Iterable[Node], prefixes: dict[str, str]) -> dict[bytes, Node]:
    found: dict[bytes, Node] = {}
    for node in nodes:
        if isinstance(node, URIRef):
            text = str(node)
            if fmt in ("jsonld", "rdfxml"):
                found[f'"{text}"'.encode()] = node
                continue
            found[f"<{text}>".encode()] = node
            for prefix, ns in prefixes.items():
                if text.startswith(ns) and len(text) > len(ns):
                    found[f"{prefix}:{text[len(ns) :]}".encode()] = node
        elif isinstance(node, BNode):
            label = f"_:{node}"
            found[(f'"{label}"' if fmt == "jsonld" else label).encode()] = node
    return found


def _scan(data: bytes, fmt: str, nodes: set[Node]) -> dict[Node, int]:
    """Each node's first line in ``data`` (1-based), one pass, stopping once all are found."""
    prefixes = {}
    if fmt in ("turtle", "trig"):
        prefixes = {
            (m.group(1) or b"").decode(errors="replace"): m.group(2).decode(errors="replace")
            for m in _PREFIX_DECL.finditer(data)
        }
    wanted = _candidates(fmt, nodes, prefixes)
    offsets: dict[Node, int] = {}
    for match in _TOKEN.finditer(data):
        token = match.group()
        node = wanted.get(token)
        if node is None and token.endswith(b"."):
            node = wanted.get(token.rstrip(b"."))
        if node is not None and node not in offsets:
            offsets[node] = match.start()
            if len(offsets) == len(nodes):
                break
    lines: dict[Node, int] = {}
    line, last = 1, 0
    for node, offset in sorted(offsets.items(), key=lambda item: item[1]):
        line += data.count(b"\n", last, offset)
        last = offset
        lines[node] = line
    return lines


def locate_focus_nodes(dumps: Sequence[Dump], nodes: set[Node]) -> dict[Any, tuple[str, int]]:
    """Where each node is first mentioned: (source, line), for RDF text dumps."""
    located: dict[Any, tuple[str, int]] = {}
    for dump in dumps:
        remaining = nodes - set(located)
        if dump.rdf is None or not remaining:
            continue
        for node, line in _scan(dump.rdf.data, dump.rdf.format.name, remaining).items():
            located[node] = (dump.source, line)
    return located


# -- terms -----------------------------------------------------------------------------


def short(node: Node | None) -> str:
    """A term as a person reads it: a prefixed name where one fits, a value cut when long.

    >>> short(URIRef("https://w3id.org/mofkg/ontology#Model"))
    'mof:Model'
    >>> short(Literal("x" * 500))[-22:]
    'x…" (… 500 characters)'
    """
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        text = str(node)
        for prefix, ns in SHOWN_PREFIXES.items():
            if text.startswith(ns) and re.fullmatch(r"[\w.-]+", text[len(ns) :]):
                return f"{prefix}:{text[len(ns) :]}"
        return f"<{text}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    value = str(node)
    if len(value) > MAX_VALUE_CHARS:
        return json.dumps(value[:MAX_VALUE_CHARS])[:-1] + f'…" (… {len(value)} characters)'
    return json.dumps(value, ensure_ascii=False)


def _local(iri: Node | None) -> str:
    text = str(iri or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _words(name: str) -> str:
    """``InvalidLicence`` -> ``invalid licence``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def _shape_note(r: Any) -> str:
    component = _local(r.source_constraint_component)
    if isinstance(r.source_shape, BNode):
        return f"({component})"
    return f"(shape {short(r.source_shape)}, {component})"


def _json_term(node: Node | None) -> str | None:
    return None if node is None else (f"_:{node}" if isinstance(node, BNode) else str(node))


# -- the summary -----------------------------------------------------------------------


def missing_by_class(a: ModelAssessment) -> dict[int, list[dict[str, Any]]]:
    """Per class number, the required components that do not count, and why."""
    by_class: dict[int, list[dict[str, Any]]] = defaultdict(list)
    numbers = {}
    for o in a.outcomes:
        req = o.requirement
        if o.met or req.optional:
            continue
        if req.for_class not in numbers:
            numbers[req.for_class] = int(re.sub(r"\D", "", _roman(_local(req.for_class))) or 0)
        by_class[numbers[req.for_class]].append(
            {
                "componentType": str(req.component_type),
                "component": _local(req.component_type),
                "status": _local(o.status),
                "message": req.message,
            }
        )
    return dict(sorted(by_class.items(), reverse=True))


def _roman(name: str) -> str:
    for roman, number in (("III", "3"), ("II", "2"), ("I", "1")):
        if name.endswith(roman):
            return number
    return ""


def summary(report: ValidationReport) -> dict[str, Any]:
    """The JSON summary of a report (see docs/validation.md for its fields)."""
    results = report.outcome.results
    by_focus: dict[Node, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_focus[r.focus_node].append(
            {
                "severity": _local(r.severity),
                "path": _json_term(r.result_path),
                "value": _json_term(r.value),
                "message": "; ".join(str(m) for m in r.messages),
                "shape": _json_term(r.source_shape),
                "constraint": _local(r.source_constraint_component),
            }
        )
    focus_nodes = []
    for node, items in by_focus.items():
        where = report.lines.get(node)
        focus_nodes.append(
            {
                "focusNode": _json_term(node),
                "source": where[0] if where else None,
                "line": where[1] if where else None,
                "results": items,
            }
        )
    below = {str(a.model) for a in report.below_required()}
    return {
        "conforms": report.conforms,
        "exitStatus": report.exit_status,
        "sources": report.sources,
        "triples": report.triples,
        "shapes": list(report.shapes_files),
        "counts": {
            "bySeverity": {
                name: sum(1 for r in results if r.severity == SH[name])
                for name in ("Violation", "Warning", "Info")
            },
            "byShape": dict(Counter(_json_term(r.source_shape) or "" for r in results)),
        },
        "focusNodes": focus_nodes,
        "badLines": [
            {"source": b.source, "line": b.line, "column": b.column, "message": b.message}
            for b in report.bad_lines
        ],
        "framework": report.framework.key,
        "requiredClass": report.required_class,
        "models": [
            {
                "model": str(a.model),
                "name": a.name,
                "class": a.class_number,
                "label": a.label,
                "progress": {str(n): p for n, p in sorted(a.progress.items())},
                "missing": {str(n): items for n, items in missing_by_class(a).items()},
                "belowRequiredClass": str(a.model) in below,
            }
            for a in report.assessments
        ],
    }


# -- text ------------------------------------------------------------------------------


def _counts_line(report: ValidationReport) -> str:
    counts = Counter(_local(r.severity) for r in report.outcome.results)
    parts = [
        f"{counts[k]} {k.lower()}{'s' if counts[k] != 1 else ''}"
        for k in ("Violation", "Warning", "Info")
    ]
    verdict = "yes" if report.conforms else "no"
    return f"conforms: {verdict} ({', '.join(parts)})"


def render_text(report: ValidationReport) -> str:
    """The report for a terminal."""
    out = [
        f"validated {', '.join(report.sources)}: {report.triples} triples",
        "shapes: " + (", ".join(report.shapes_files) or "none (only the MOF assessment)"),
    ]
    if report.bad_lines:
        out.append(f"\n{len(report.bad_lines)} bad line(s), skipped:")
        out += [f"  {b}" for b in report.bad_lines]
    out.append(_counts_line(report))
    if report.outcome.results:
        out.append("\nproblems:")
    for r in sorted(report.outcome.results, key=lambda r: _sort_key(report, r.focus_node)):
        where = report.lines.get(r.focus_node)
        loc = f"{where[0]}:{where[1]}: " if where else ""
        out.append(f"  {loc}{_local(r.severity)}: {short(r.focus_node)}")
        out.append(f"      path {short(r.result_path)}  value {short(r.value)}")
        for m in r.messages:
            out.append(f"      {m}")
        out.append(f"      {_shape_note(r)}")
    out.append(f"\nmodels ({report.framework.key}): {len(report.assessments)}")
    below = {a.model for a in report.below_required()}
    for a in report.assessments:
        flag = "  BELOW REQUIRED CLASS" if a.model in below else ""
        name = f' "{a.name}"' if a.name else ""
        out.append(f"  {short(a.model)}{name}: {a.label}{flag}")
        for number, items in missing_by_class(a).items():
            if a.class_number and number >= a.class_number:
                continue
            what = ", ".join(f"{i['component']} ({_words(i['status'])})" for i in items)
            out.append(f"      missing for Class {_ROMAN[number]}: {what}")
    if report.required_class is not None:
        n = len(below)
        out.append(
            f"required class {_ROMAN[report.required_class]}: "
            + ("every model reaches it" if not n else f"{n} model(s) below it")
        )
    return "\n".join(out) + "\n"


_ROMAN = {1: "I", 2: "II", 3: "III", 0: "-"}


def _sort_key(report: ValidationReport, node: Node) -> tuple[str, int, str]:
    where = report.lines.get(node)
    return (where[0], where[1], str(node)) if where else ("~", 0, str(node))


# -- HTML ------------------------------------------------------------------------------


def render_html_body(report: ValidationReport) -> str:
    """The report as an HTML fragment (the page template puts it in the site's layout)."""
    e = html.escape
    parts = [
        f"<h1>Validation of {e(', '.join(report.sources))}</h1>",
        f'<p class="verdict {"ok" if report.conforms else "fail"}">{e(_counts_line(report))}'
        f" · {report.triples} triples · shapes: {e(', '.join(report.shapes_files) or 'none')}</p>",
    ]
    if report.bad_lines:
        parts.append("<h2>Bad lines (skipped)</h2><ul>")
        parts += [f"<li><code>{e(str(b))}</code></li>" for b in report.bad_lines]
        parts.append("</ul>")
    if report.outcome.results:
        parts.append(
            '<h2>Problems</h2><table class="problems"><thead><tr><th>where</th>'
            "<th>severity</th><th>focus node</th><th>path</th><th>value</th><th>message</th>"
            "<th>shape</th></tr></thead><tbody>"
        )
        for r in sorted(report.outcome.results, key=lambda r: _sort_key(report, r.focus_node)):
            where = report.lines.get(r.focus_node)
            parts.append(
                f'<tr class="{e(_local(r.severity).lower())}">'
                f"<td>{e(f'{where[0]}:{where[1]}') if where else ''}</td>"
                f"<td>{e(_local(r.severity))}</td><td><code>{e(short(r.focus_node))}</code></td>"
                f"<td><code>{e(short(r.result_path))}</code></td>"
                f"<td><code>{e(short(r.value))}</code></td>"
                f"<td>{e('; '.join(str(m) for m in r.messages))}</td>"
                f"<td><code>{e(short(r.source_shape))}</code></td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append(f'<h2>Models ({e(report.framework.key)})</h2><table class="models"><thead>')
    parts.append(
        "<tr><th>model</th><th>class it would reach</th><th>missing</th></tr></thead><tbody>"
    )
    below = {a.model for a in report.below_required()}
    for a in report.assessments:
        missing = []
        for number, items in missing_by_class(a).items():
            if a.class_number and number >= a.class_number:
                continue
            what = ", ".join(f"{i['component']} ({_words(i['status'])})" for i in items)
            missing.append(f"<li>for Class {_ROMAN[number]}: {e(what)}</li>")
        flag = " <strong>below the required class</strong>" if a.model in below else ""
        parts.append(
            f"<tr><td><code>{e(short(a.model))}</code> {e(a.name or '')}</td>"
            f"<td>{e(a.label)}{flag}</td><td><ul>{''.join(missing)}</ul></td></tr>"
        )
    parts.append("</tbody></table>")
    return "\n".join(parts)


def render_html(report: ValidationReport) -> str:
    """A standalone HTML page (for ``mofkg validate --report html``)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>mofkg validation report</title></head><body>\n"
        + render_html_body(report)
        + "\n</body></html>\n"
    )


# -- SHACL RDF -------------------------------------------------------------------------


def report_rdf(report: ValidationReport, fmt: str) -> bytes:
    """The ``sh:ValidationReport`` in Turtle or JSON-LD (serialised by Oxigraph)."""
    graph = report.outcome.to_report_graph()
    triples = []
    for s, p, o in graph:
        subject = to_oxigraph(s)
        assert not isinstance(subject, ox.Literal)
        triples.append(ox.Triple(subject, ox.NamedNode(str(p)), to_oxigraph(o)))
    target = ox.RdfFormat.JSON_LD if fmt == "jsonld" else ox.RdfFormat.TURTLE
    prefixes = {"sh": str(SH), **PREFIXES} if target == ox.RdfFormat.TURTLE else None
    data = ox.serialize(triples, format=target, prefixes=prefixes)
    assert data is not None
    return data


def render(report: ValidationReport, kind: str) -> str:
    """The report in one of ``text``, ``json``, ``turtle``, ``jsonld``, ``html``."""
    if kind == "json":
        return json.dumps(summary(report), indent=2, ensure_ascii=False)
    if kind in ("turtle", "jsonld"):
        return report_rdf(report, kind).decode("utf-8")
    if kind == "html":
        return render_html(report)
    return render_text(report)


_ = Literal
