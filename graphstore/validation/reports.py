"""Rendering a :class:`~mofkg.graphstore.validation.pipeline.ValidationReport`: text, JSON, HTML,
SHACL RDF.

- ``turtle`` / ``jsonld``: the standard ``sh:ValidationReport`` of the conformance shapes,
  which any SHACL tool reads (the MOF classes are not SHACL conformance, so they are not in it).
- ``json``: a summary for programs: counts by severity and by shape, the results per focus
  node, each model's MOF class and what it misses, bad lines.
- ``text`` / ``html``: for a person: each problem with its focus node, path, value, message and
  the line of the dump where the focus node is described; per model the class it would
  reach and what is missing for the next ones.

The line where each focus node is described comes from
:mod:`mofkg.graphstore.validation.focus_lines`.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TextIO

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..frameworks.registry import find_framework
from ..namespaces import short_iri
from .focus_lines import _scan as _scan  # re-exported (the tests of the line finder)
from .focus_lines import locate_focus_nodes as locate_focus_nodes
from .reports_rdf import report_rdf as report_rdf
from .reports_rdf import report_triples as report_triples
from .reports_rdf import write_turtle as write_turtle

if TYPE_CHECKING:
    from ..frameworks.assessment import ModelAssessment
    from .outcome import ValidationReport

#: Longest value shown in text and HTML reports (a longer literal is cut, its length said).
MAX_VALUE_CHARS = 200


# -- terms -----------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
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
        return short_iri(str(node))
    if isinstance(node, BNode):
        return f"_:{node}"
    value = str(node)
    if len(value) > MAX_VALUE_CHARS:
        return json.dumps(value[:MAX_VALUE_CHARS])[:-1] + f'…" (… {len(value)} characters)'
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=1 << 12)
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


@lru_cache(maxsize=1 << 16)
def _json_term(node: Node | None) -> str | None:
    return None if node is None else (f"_:{node}" if isinstance(node, BNode) else str(node))


@lru_cache(maxsize=1 << 10)
def _messages(messages: tuple[Literal, ...]) -> str:
    return "; ".join(str(m) for m in messages)


# -- the summary -----------------------------------------------------------------------


def missing_by_class(a: ModelAssessment) -> dict[int, list[dict[str, Any]]]:
    """Per class number, the required components that do not count, and why."""
    by_class: dict[int, list[dict[str, Any]]] = defaultdict(list)
    numbers = {c.iri: c.number for c in find_framework(a.framework).classes}
    for o in a.outcomes:
        req = o.requirement
        if o.met or req.optional:
            continue
        by_class[numbers[req.for_class]].append(
            {
                "componentType": str(req.component_type),
                "component": _local(req.component_type),
                "status": _local(o.status),
                "message": req.message,
            }
        )
    return dict(sorted(by_class.items(), reverse=True))


def listed(report: ValidationReport, *, by_place: bool = True) -> list[Any]:
    """The results a report lists (in order of place, or as found): all, or the first
    ``max_results``."""
    results = report.outcome.results
    if by_place:
        results = sorted(results, key=lambda r: _sort_key(report, r.focus_node))
    return results if report.max_results is None else results[: report.max_results]


def unlisted(report: ValidationReport) -> int:
    """How many results the report counts but does not list (``max_results``)."""
    cap = report.max_results
    return 0 if cap is None else max(len(report.outcome.results) - cap, 0)


def _more(report: ValidationReport) -> str:
    return f"and {unlisted(report)} more results (the report lists the first {report.max_results})"


def _focus_items(report: ValidationReport) -> Iterator[dict[str, Any]]:
    by_focus: dict[Node, list[dict[str, Any]]] = defaultdict(list)
    counted = report.values
    for r in listed(report, by_place=False):
        item: dict[str, Any] = {
            "severity": _local(r.severity),
            "path": _json_term(r.result_path),
            "value": _json_term(r.value),
            "message": _messages(r.messages),
            "shape": _json_term(r.source_shape),
            "constraint": _local(r.source_constraint_component),
        }
        if counted and r.value is None and (found := counted.get((r.focus_node, r.result_path))):
            item["values"] = [_json_term(v) for v in found.values]
            item["valueCount"] = found.total
        by_focus[r.focus_node].append(item)
    lines = report.lines
    for node, items in by_focus.items():
        where = lines.get(node)
        yield {
            "focusNode": _json_term(node),
            "source": where[0] if where else None,
            "line": where[1] if where else None,
            "results": items,
        }


def _model_items(report: ValidationReport) -> Iterator[dict[str, Any]]:
    below = {str(a.model) for a in report.below_required()}
    for a in report.assessments:
        model = str(a.model)
        yield {
            "model": model,
            "name": a.name,
            "class": a.class_number,
            "label": a.label,
            "progress": {str(n): p for n, p in sorted(a.progress.items())},
            "missing": {str(n): items for n, items in missing_by_class(a).items()},
            "belowRequiredClass": model in below,
        }


def _summary_fields(report: ValidationReport) -> list[tuple[str, Any]]:
    """The summary's fields in order; the long lists (focus nodes, models) as generators."""
    results = report.outcome.results
    severities = Counter(r.severity for r in results)
    return [
        ("conforms", report.conforms),
        ("exitStatus", report.exit_status),
        ("sources", report.sources),
        ("triples", report.triples),
        ("shapes", list(report.shapes_files)),
        (
            "counts",
            {
                "bySeverity": {n: severities[_SEVERITIES[n]] for n in _SEVERITIES},
                "byShape": dict(Counter(_json_term(r.source_shape) or "" for r in results)),
            },
        ),
        ("focusNodes", _focus_items(report)),
        *([("moreResults", unlisted(report))] if unlisted(report) else []),
        (
            "badLines",
            [
                {"source": b.source, "line": b.line, "column": b.column, "message": b.message}
                for b in report.bad_lines
            ],
        ),
        ("notes", list(report.notes)),
        ("engine", list(report.outcome.engine)),
        ("framework", report.framework.key),
        ("requiredClass", report.required_class),
        ("models", _model_items(report)),
    ]


_SEVERITIES = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}


def summary(report: ValidationReport) -> dict[str, Any]:
    """The JSON summary of a report (see docs/validation.md for its fields)."""
    return {
        key: list(value) if isinstance(value, Iterator) else value
        for key, value in _summary_fields(report)
    }


def write_json(report: ValidationReport, out: TextIO) -> None:
    """The JSON summary, written as it is made: one line per field, per focus node, per model.

    Each item goes through the C JSON encoder on its own (an ``indent`` makes json use its
    pure-Python encoder, several times slower), and no list of all items is ever built.
    """
    fields = _summary_fields(report)
    out.write("{\n")
    for i, (key, value) in enumerate(fields):
        end = ",\n" if i < len(fields) - 1 else "\n"
        out.write(f"  {_dumps(key)}: ")
        if isinstance(value, Iterator) or key == "badLines":
            sep = "[\n    "
            for item in value:
                out.write(sep + _dumps(item))
                sep = ",\n    "
            out.write("[]" if sep.startswith("[") else "\n  ]")
        else:
            out.write(_dumps(value))
        out.write(end)
    out.write("}\n")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- text ------------------------------------------------------------------------------


def _counts_line(report: ValidationReport) -> str:
    counts = Counter(r.severity for r in report.outcome.results)
    parts = []
    for name, iri in _SEVERITIES.items():
        n = counts[iri]
        parts.append(f"{n} {name.lower()}{'s' if n != 1 else ''}")
    verdict = "yes" if report.conforms else "no"
    return f"conforms: {verdict} ({', '.join(parts)})"


def text_lines(report: ValidationReport) -> Iterator[str]:
    """The report for a terminal, line by line (without newlines)."""
    yield f"validated {', '.join(report.sources)}: {report.triples} triples"
    yield "shapes: " + (", ".join(report.shapes_files) or "none (only the MOF assessment)")
    if report.bad_lines:
        yield f"\n{len(report.bad_lines)} bad line(s), skipped:"
        yield from (f"  {b}" for b in report.bad_lines)
    yield _counts_line(report)
    if report.notes:
        yield "\nnotes on the data (from rdflib):"
        yield from (f"  {note}" for note in report.notes)
    if report.outcome.engine:
        yield "engine: " + "; ".join(report.outcome.engine)
    if report.outcome.results:
        yield "\nproblems:"
    lines = report.lines
    for r in listed(report):
        where = lines.get(r.focus_node)
        loc = f"{where[0]}:{where[1]}: " if where else ""
        yield f"  {loc}{_local(r.severity)}: {short(r.focus_node)}"
        yield f"      path {_path_text(report, r)}  {_value_text(report, r)}"
        for m in r.messages:
            yield f"      {m}"
        yield f"      {_shape_note(r)}"
    if unlisted(report):
        yield f"  ... {_more(report)}"
    yield f"\nmodels ({report.framework.key}): {len(report.assessments)}"
    below = {a.model for a in report.below_required()}
    for a in report.assessments:
        flag = "  BELOW REQUIRED CLASS" if a.model in below else ""
        name = f' "{a.name}"' if a.name else ""
        yield f"  {short(a.model)}{name}: {a.label}{flag}"
        for number, items in missing_by_class(a).items():
            if a.class_number and number >= a.class_number:
                continue
            what = ", ".join(f"{i['component']} ({_words(i['status'])})" for i in items)
            yield f"      missing for {_class_name(report, number)}: {what}"
    if report.required_class is not None:
        n = len(below)
        yield (
            f"required class {_class_name(report, report.required_class)[6:]}: "
            + ("every model reaches it" if not n else f"{n} model(s) below it")
        )


def _path_text(report: ValidationReport, r: Any) -> str:
    """A result's path: a prefixed name, or a complex path (a blank node) in SPARQL's syntax."""
    path = r.result_path
    if not isinstance(path, BNode):
        return short(path)
    from ..shacl import ShapesError, compile_path

    try:
        sparql = compile_path(report.outcome.paths, path, shape=r.source_shape)
    except ShapesError:
        return short(path)
    return re.sub(r"<([^<>]*)>", lambda m: short_iri(m.group(1)), sparql)


def _value_text(report: ValidationReport, r: Any) -> str:
    """``value X``, or for a count result (no sh:value) ``values: a, b`` (and how many more)."""
    counted = report.values.get((r.focus_node, r.result_path)) if r.value is None else None
    if counted is None:
        return f"value {short(r.value)}"
    shown = ", ".join(short(v) for v in counted.values)
    more = counted.total - len(counted.values)
    return f"values: {shown}" + (f" (and {more} more)" if more else "")


def render_text(report: ValidationReport) -> str:
    """The report for a terminal."""
    return "\n".join(text_lines(report)) + "\n"


def _class_name(report: ValidationReport, number: int) -> str:
    """``Class III``: a class by its notation in the framework's file (``Class -``: none)."""
    for cls in report.framework.classes:
        if cls.number == number:
            return cls.short_name
    return "Class -"


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
    if report.notes:
        parts.append("<h2>Notes on the data (from rdflib)</h2><ul>")
        parts += [f"<li>{e(note)}</li>" for note in report.notes]
        parts.append("</ul>")
    if report.outcome.engine:
        parts.append(f'<p class="engine">engine: {e("; ".join(report.outcome.engine))}</p>')
    if report.outcome.results:
        parts.append(
            '<h2>Problems</h2><table class="problems"><thead><tr><th>where</th>'
            "<th>severity</th><th>focus node</th><th>path</th><th>value</th><th>message</th>"
            "<th>shape</th></tr></thead><tbody>"
        )
        for r in listed(report):
            where = report.lines.get(r.focus_node)
            parts.append(
                f'<tr class="{e(_local(r.severity).lower())}">'
                f"<td>{e(f'{where[0]}:{where[1]}') if where else ''}</td>"
                f"<td>{e(_local(r.severity))}</td><td><code>{e(short(r.focus_node))}</code></td>"
                f"<td><code>{e(_path_text(report, r))}</code></td>"
                f"<td><code>{e(_value_text(report, r).removeprefix('value '))}</code></td>"
                f"<td>{e('; '.join(str(m) for m in r.messages))}</td>"
                f"<td><code>{e(short(r.source_shape))}</code></td></tr>"
            )
        parts.append("</tbody></table>")
        if unlisted(report):
            parts.append(f'<p class="more-results">… {e(_more(report))}</p>')
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
            missing.append(f"<li>for {_class_name(report, number)}: {e(what)}</li>")
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


def write_report(report: ValidationReport, kind: str, out: TextIO) -> None:
    """Write the report in one of ``text``, ``json``, ``turtle``, ``jsonld``, ``html`` to ``out``,
    piece by piece where the format allows (text and JSON are never held whole in memory)."""
    if kind == "json":
        write_json(report, out)
    elif kind == "turtle":
        write_turtle(report, out)
    elif kind == "text":
        for line in text_lines(report):
            out.write(line + "\n")
    else:
        text = render(report, kind)
        out.write(text if text.endswith("\n") else text + "\n")


def render(report: ValidationReport, kind: str) -> str:
    """The report in one of ``text``, ``json``, ``turtle``, ``jsonld``, ``html``."""
    if kind == "json":
        buffer = io.StringIO()
        write_json(report, buffer)
        return buffer.getvalue()
    if kind == "turtle":
        buffer = io.StringIO()
        write_turtle(report, buffer)
        return buffer.getvalue()
    if kind == "jsonld":
        return report_rdf(report, kind).decode("utf-8")
    if kind == "html":
        return render_html(report)
    return render_text(report)
