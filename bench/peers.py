"""Other SHACL engines run as commands, for the bench and the agreement tests: Apache Jena's
``shacl validate`` and the pySHACL command line, and a way to compare their reports.

Jena is Debian's ``libapache-jena-java`` (4.5.0, with ``default-jre-headless``). Its classpath is
the package's own jars and their dependencies only (every jar of /usr/share/java fails on two
SLF4J bindings), and its ``jena-core.jar`` holds xerces' classes under
``org/apache/jena/ext/xerces`` while they look up their message bundles as ``xerces/...``: the
bundles are extracted once into a folder of their own, moved to ``xerces/``, and that folder goes
first on the classpath (without it Jena stops with "internal error" at start-up).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

JAVA_DIR = Path("/usr/share/java")
#: libapache-jena-java's jars and the jars of its dependencies (one SLF4J binding: nop).
JENA_JARS = (
    *(
        f"jena-{name}.jar"
        for name in (
            "arq base cmds core dboe-base dboe-index dboe-storage dboe-trans-data "
            "dboe-transaction iri rdfconnection shacl shex tdb tdb2"
        ).split()
    ),
    *(f"commons-{name}.jar" for name in ("cli", "codec", "compress", "csv", "io", "lang3")),
    "dexx.collection-0.7.jar",
    "gson.jar",
    "guava.jar",
    "fluent-hc.jar",
    "httpclient.jar",
    "httpclient-cache.jar",
    "httpclient-osgi.jar",
    "httpcore.jar",
    "httpcore-nio.jar",
    "commons-logging-1.2.jar",
    "commons-logging-adapters-1.2.jar",
    "commons-logging-api-1.2.jar",
    "jackson-core.jar",
    "jackson-databind.jar",
    "jackson-annotations.jar",
    "jsonld-java.jar",
    "jakarta.json-api.jar",
    "protobuf-3.21.12.jar",
    "protobuf-util-3.21.12.jar",
    "thrift-0.16.0.jar",
    "titanium-json-ld.jar",
    "slf4j-api.jar",
    "slf4j-nop.jar",
)
_XERCES = "org/apache/jena/ext/xerces/"
SH = "http://www.w3.org/ns/shacl#"


def jena_missing() -> str | None:
    """Why Jena's SHACL cannot run here (None when it can)."""
    if shutil.which("java") is None:
        return "java is not installed (Debian: default-jre-headless)"
    absent = [jar for jar in JENA_JARS if not (JAVA_DIR / jar).is_file()]
    if absent:
        return f"Apache Jena is not installed (Debian: libapache-jena-java); missing {absent[0]}"
    return None


def jena_classpath(cache: Path | None = None) -> str:
    """The classpath of ``shacl.shacl``, with xerces' message bundles where xerces looks."""
    core = JAVA_DIR / "jena-core.jar"
    stamp = int(core.stat().st_mtime)
    folder = (cache or Path(tempfile.gettempdir())) / f"mofkg-jena-xerces-{stamp}"
    if not (folder / "xerces").is_dir():
        work = Path(tempfile.mkdtemp(prefix="mofkg-jena-"))
        with zipfile.ZipFile(core) as jar:
            for name in jar.namelist():
                if name.startswith(_XERCES) and name.endswith(".properties"):
                    target = work / "xerces" / name[len(_XERCES) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
        try:
            work.rename(folder)
        except OSError:  # made meanwhile by another process
            shutil.rmtree(work, ignore_errors=True)
    return ":".join([str(folder), *(str(JAVA_DIR / jar) for jar in JENA_JARS)])


def jena_command(shapes: Path, data: Path, *, heap: str | None = None) -> list[str]:
    """``java [-Xmx] -cp CP shacl.shacl validate --shapes S --data D`` (report on stdout)."""
    memory = [f"-Xmx{heap}"] if heap else []
    return [
        "java",
        *memory,
        "-cp",
        jena_classpath(),
        "shacl.shacl",
        "validate",
        "--shapes",
        str(shapes),
        "--data",
        str(data),
    ]


def run_jena(shapes: Path, data: Path, report: Path, *, heap: str | None = None) -> None:
    """Run Jena's SHACL, its Turtle report written to ``report``."""
    with report.open("wb") as out:
        subprocess.run(jena_command(shapes, data, heap=heap), stdout=out, check=True)


def pyshacl_command(pyshacl: str, shapes: Path, data: list[Path], report: Path) -> list[str]:
    """The pySHACL command line: no inference (its default), a Turtle report to ``report``."""
    return [pyshacl, "-s", str(shapes), "-i", "none", "-f", "turtle", "-o", str(report)] + [
        str(d) for d in data
    ]


ResultKey = tuple[str, ...]


#: What a result is counted by: focus node, source shape, source constraint component.
BY_COMPONENT = ("focusNode", "sourceShape", "sourceConstraintComponent")


def result_counts(report: Path | bytes, by: tuple[str, ...] = BY_COMPONENT) -> Counter[ResultKey]:
    """How many results a Turtle ``sh:ValidationReport`` has per (focus node, source shape,
    source constraint component), or per the properties ``by`` names; blank nodes are all
    written ``_:`` (their labels are the report's own). Only the report's top results count
    (not ``sh:detail``)."""
    if isinstance(report, Path):
        quads = ox.parse(path=str(report), format=ox.RdfFormat.TURTLE)
    else:
        quads = ox.parse(report, format=ox.RdfFormat.TURTLE)
    results: set[ox.NamedNode | ox.BlankNode] = set()
    fields: dict[object, dict[str, str]] = {}
    wanted = {SH + name: name for name in by}
    for q in quads:
        p = q.predicate.value
        if p == SH + "result":
            results.add(q.object)  # type: ignore[arg-type]
        elif p in wanted:
            o = q.object
            text = "_:" if isinstance(o, ox.BlankNode) else o.value  # type: ignore[union-attr]
            fields.setdefault(q.subject, {})[wanted[p]] = text
    counts: Counter[ResultKey] = Counter()
    for r in results:
        f = fields.get(r, {})
        counts[tuple(f.get(name, "?") for name in by)] += 1
    return counts


def differences(a: Counter[ResultKey], b: Counter[ResultKey], limit: int = 5) -> list[str]:
    """Up to ``limit`` keys whose counts differ, as lines (empty when the multisets agree)."""
    keys = sorted(k for k in a.keys() | b.keys() if a[k] != b[k])
    return [f"{k}: {a[k]} vs {b[k]}" for k in keys[:limit]] + (
        [f"... {len(keys) - limit} more"] if len(keys) > limit else []
    )
