"""The OWL ontology: reading the shipped file, and checking it with the HermiT reasoner.

:func:`load_ontology_graph` parses ``ontology/mofkg.ttl`` (found through
:func:`mofkg.graphstore.resources.ontology_path`). :func:`check_ontology` hands the ontology, with
optional instance data, to HermiT through owlready2 and reports whether the whole is
consistent. Each check runs in its own owlready2 :class:`~owlready2.World`, never the default
one, so checks do not see each other's triples. HermiT is a Java program: ``java`` must be on
the ``PATH`` (or given as ``java=``).

>>> graph = load_ontology_graph()
>>> (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
True
"""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import owlready2
import owlready2.reasoning
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from mofkg.graphstore.errors import ReasonerError
from mofkg.graphstore.namespaces import MOF, ONTOLOGY_IRI
from mofkg.graphstore.resources import ontology_path

#: The name :class:`OntologyCheck` reports for the reasoner.
REASONER = f"HermiT (owlready2 {owlready2.VERSION})"
#: Heap of the reasoner's JVM, in MB; the ontology needs far less.
DEFAULT_JAVA_MEMORY_MB = 1000

JRE_HINT = "install a Java runtime (Debian/Ubuntu: apt-get install default-jre-headless)"

# owlready2 reads the Java executable and heap size from module globals: one check at a time.
_OWLREADY_LOCK = threading.Lock()


@dataclass(frozen=True)
class OntologyCheck:
    """What HermiT says of the ontology (and any extra data checked with it).

    ``consistent`` is false when the whole is inconsistent (no interpretation satisfies it,
    e.g. one individual in two disjoint classes) and also when it is consistent but
    incoherent: some named class can have no member. ``inconsistent_entities`` then lists
    those classes (HermiT names no culprit for an inconsistency). ``classes`` and
    ``properties`` count the terms of the ``mof:`` namespace; ``individuals`` counts every
    named individual, the ontology's and the extra data's.
    """

    consistent: bool
    reasoner: str
    classes: int
    properties: int
    individuals: int
    message: str
    inconsistent_entities: list[str] = field(default_factory=list)


def load_ontology_graph() -> Graph:
    """The shipped ontology as an rdflib graph."""
    graph = Graph()
    graph.parse(ontology_path(), format="turtle")
    return graph


def check_ontology(
    *,
    extra: Graph | None = None,
    ontology: Graph | None = None,
    java: str | None = None,
    java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB,
) -> OntologyCheck:
    """Run HermiT on the ontology, with ``extra`` instance data if given.

    ``ontology`` replaces the shipped ontology (to check a draft); ``java`` is the Java
    executable (default: owlready2's, ``java`` on the ``PATH``). Triples with ``owl:imports``
    are dropped, so nothing is fetched. Literals of datatypes outside the OWL 2 datatype map
    (``xsd:date``, used for release dates) are treated as opaque values rather than refused.

    Raises :class:`ReasonerError` when there is no Java runtime or Java fails.
    """
    java_exe = java or owlready2.JAVA_EXE
    if shutil.which(java_exe) is None:
        raise ReasonerError(
            f"cannot check the ontology: no Java runtime found at {java_exe!r}; "
            f"HermiT needs one: {JRE_HINT}"
        )
    merged = _merge(ontology if ontology is not None else load_ontology_graph(), extra)
    what = "the ontology" if extra is None else f"the ontology with {len(extra)} extra triples"

    individuals = _count_individuals(merged)
    world = owlready2.World()
    try:
        world.get_ontology(str(ONTOLOGY_IRI)).load(
            fileobj=io.BytesIO(merged.serialize(format="nt", encoding="utf-8")),
            format="ntriples",
        )
        with _java_settings(java_exe, java_memory_mb):
            try:
                owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
            except owlready2.OwlReadyInconsistentOntologyError:
                return _result(
                    world,
                    individuals,
                    consistent=False,
                    message=f"HermiT found {what} inconsistent: no interpretation satisfies "
                    "every axiom (e.g. one individual in two disjoint classes, or a value "
                    "outside a property's range)",
                )
            except owlready2.OwlReadyJavaError as exc:
                raise ReasonerError(f"HermiT failed on {what}: {exc}") from exc
            except OSError as exc:
                raise ReasonerError(f"cannot run {java_exe!r}: {exc}; {JRE_HINT}") from exc
        unsatisfiable = sorted(
            str(cls.iri) for cls in world.inconsistent_classes() if cls is not owlready2.Nothing
        )
        if unsatisfiable:
            return _result(
                world,
                individuals,
                consistent=False,
                message=f"HermiT found {what} consistent but incoherent: "
                f"{len(unsatisfiable)} classes can have no member: {', '.join(unsatisfiable)}",
                entities=unsatisfiable,
            )
        return _result(
            world, individuals, consistent=True, message=f"HermiT found {what} consistent"
        )
    finally:
        world.close()


def _merge(ontology: Graph, extra: Graph | None) -> Graph:
    merged = Graph()
    for graph in (ontology, extra):
        if graph is None:
            continue
        for triple in graph:
            if triple[1] != OWL.imports:
                merged.add(triple)
    return merged


def _count_individuals(graph: Graph) -> int:
    """Named resources typed with a class (not only with OWL/RDF/RDFS declarations)."""
    builtin = (str(OWL), str(RDF), str(RDFS))
    named = {
        subject
        for subject, kind in graph.subject_objects(RDF.type)
        if isinstance(subject, URIRef)
        and (kind == OWL.NamedIndividual or not str(kind).startswith(builtin))
    }
    return len(named)


@contextmanager
def _java_settings(java_exe: str, memory_mb: int) -> Iterator[None]:
    with _OWLREADY_LOCK:
        saved = owlready2.JAVA_EXE, owlready2.reasoning.JAVA_MEMORY
        owlready2.JAVA_EXE, owlready2.reasoning.JAVA_MEMORY = java_exe, memory_mb
        try:
            yield
        finally:
            owlready2.JAVA_EXE, owlready2.reasoning.JAVA_MEMORY = saved


def _result(
    world: owlready2.World,
    individuals: int,
    *,
    consistent: bool,
    message: str,
    entities: list[str] | None = None,
) -> OntologyCheck:
    mof = str(MOF)
    return OntologyCheck(
        consistent=consistent,
        reasoner=REASONER,
        classes=sum(1 for c in world.classes() if c.iri.startswith(mof)),
        properties=sum(1 for p in world.properties() if p.iri.startswith(mof)),
        individuals=individuals,
        message=message,
        inconsistent_entities=entities or [],
    )
