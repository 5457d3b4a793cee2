"""Matching entities across sources: blocking on keys, evidence, clusters.

Cost is linear in the number of entities: every entity is put in one block per key it has
(a dict), and only entities that share a block are compared; a block is at most
:data:`MAX_BLOCK` entities (a key more entities share than that identifies none of them, and
is reported). Clusters grow by union-find from the strongest match down, and never join two
models (or datasets) of one source family (a curator's accepted match may).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rdflib.namespace import RDFS

from ..namespaces import MOF, SCHEMA
from .entities import Entity
from .keys import (
    hugging_face_id,
    hugging_face_owner,
    joint_names,
    name_key,
    organisation_names,
    url_key,
)

MAX_BLOCK = 50
#: One source listing one thing twice gives both the same name: a match within one source
#: needs name evidence (the landscape gives ZTE's Crunchbase page to DiDi, Iceberg's home page
#: to CouchDB).
NAME_KEYS = frozenset({"name", "org_name"})
#: Kinds of which one source never names one thing twice: two models of MOT are two releases
#: even when they share a name or a Hub page. (Organisations and projects may be listed twice
#: by one source: the landscape lists IBM as a member and as a hosting company.)
KEPT_APART = frozenset({"model", "dataset"})
#: Merge a cluster at or above this confidence (a lower one is kept as a close match).
THRESHOLD = 0.8

SEMAPV = "https://w3id.org/semapv/vocab/"
LEXICAL = SEMAPV + "LexicalMatching"
STRUCTURAL = SEMAPV + "StructuralMatching"
COMPOSITE = SEMAPV + "CompositeMatching"
MANUAL = SEMAPV + "ManualMappingCuration"

#: (key kind) -> (confidence, the property the key is read from, justification)
EVIDENCE: dict[str, tuple[float, str, str]] = {
    "hf_id": (0.97, str(MOF.huggingFaceId), LEXICAL),
    "repository": (0.95, str(MOF.codeRepository), LEXICAL),
    "crunchbase": (0.95, str(MOF.crunchbasePage), LEXICAL),
    "linkedin": (0.95, str(MOF.linkedInPage), LEXICAL),
    "homepage": (0.9, str(MOF.homepage), LEXICAL),
    "org_name": (0.85, str(RDFS.label), LEXICAL),
    "name": (0.8, str(SCHEMA.name), LEXICAL),
    "hf_owner": (0.75, str(MOF.producer), STRUCTURAL),
}
#: Which keys identify which kind of entity (a repository or home page names a family of
#: models, not one release, so models match by Hub id and name only).
KEYS_OF_KIND = {
    "organisation": ("crunchbase", "linkedin", "homepage", "org_name", "hf_owner"),
    "model": ("hf_id", "name"),
    "dataset": ("hf_id", "name"),
    "project": ("repository", "homepage", "name"),
}


def entity_keys(entity: Entity, owners: dict[str, set[str]]) -> Iterable[tuple[str, str]]:
    """(key kind, key) pairs of an entity."""
    assert entity.kind is not None
    names = entity.get("label") | entity.get("name")
    if entity.kind == "organisation" and any(joint_names(n) for n in names):
        # A name of two organisations ("Mistral AI and NVIDIA") is neither: its home pages and
        # Hub owners are theirs, so it matches only an organisation of the same joint name.
        for text in names:
            if words := name_key(text).split():
                yield from (("org_name", k) for k in (" ".join(words), "".join(words)))
        return
    for kind in KEYS_OF_KIND[entity.kind]:
        if kind == "hf_id":
            texts = entity.get("hf_id") | entity.get("hf_page")
            yield from ((kind, k) for t in texts if (k := hugging_face_id(t)))
        elif kind in ("repository", "homepage", "crunchbase", "linkedin"):
            yield from ((kind, k) for u in entity.get(kind) if (k := url_key(u)))
        elif kind == "org_name":
            for text in entity.get("label") | entity.get("name"):
                yield from ((kind, k) for k in organisation_names(text))
        elif kind == "name":
            yield from ((kind, k) for t in entity.get("name") if (k := name_key(t)))
        elif kind == "hf_owner":
            yield from ((kind, o) for o in owners.get(entity.iri, set()))
            for page in entity.get("homepage"):
                if owner := hugging_face_owner(page):
                    yield kind, owner


@dataclass
class Match:
    """A scored pair, ``subject`` the preferred of the two."""

    subject: Entity
    object: Entity
    evidence: dict[str, str] = field(default_factory=dict)  # key kind -> matched key
    manual: bool = False  # accepted by a curator
    rejected: bool = False  # rejected by a curator
    merged: bool = False
    note: str = ""

    @property
    def confidence(self) -> float:
        if self.manual or self.rejected:
            return 1.0
        doubt = 1.0
        for kind in self.evidence:
            doubt *= 1.0 - EVIDENCE[kind][0]
        return round(1.0 - doubt, 4)

    @property
    def justification(self) -> str:
        if self.manual or self.rejected:
            return MANUAL
        if len(self.evidence) > 1:
            return COMPOSITE
        return EVIDENCE[next(iter(self.evidence))][2]


@dataclass
class Outcome:
    matches: list[Match]
    clusters: dict[str, str]  # entity IRI -> the IRI its cluster is reconciled as
    notes: list[str]


def hub_owners(entities: dict[str, Entity]) -> dict[str, set[str]]:
    """Organisation IRI -> the Hub owners of the models it produces."""
    owners: dict[str, set[str]] = {}
    for entity in entities.values():
        for org in entity.get("producer"):
            for text in entity.get("hf_page") | entity.get("hf_id"):
                if (hub := hugging_face_id(text)) and "/" in hub:
                    owners.setdefault(org, set()).add(hub.split("/", 1)[0])
    return owners


class _Clusters:
    """Union-find whose clusters remember their families."""

    def __init__(self, entities: dict[str, Entity], rejected: dict[str, set[str]]) -> None:
        self.parent = {iri: iri for iri in entities}
        self.families = {iri: set(e.families) for iri, e in entities.items()}
        self.members = {iri: {iri} for iri in entities}
        self.rejected = rejected

    def find(self, iri: str) -> str:
        root = iri
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[iri] != root:
            self.parent[iri], iri = root, self.parent[iri]
        return root

    def conflict(self, a: str, b: str) -> set[str]:
        ra, rb = self.find(a), self.find(b)
        return set() if ra == rb else self.families[ra] & self.families[rb]

    def refused(self, a: str, b: str) -> bool:
        """Whether a curator rejected a match between a member of each cluster."""
        small, large = sorted((self.members[self.find(a)], self.members[self.find(b)]), key=len)
        return any(self.rejected.get(x, set()) & large for x in small)

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if len(self.members[ra]) < len(self.members[rb]):
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.families[ra] |= self.families.pop(rb)
            self.members[ra] |= self.members.pop(rb)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Matching allocates an object or more per key and pair and frees none of them: Python's
    cyclic collector would scan every entity again and again for nothing (measured: a third
    of the time at 50,000 entities). Reference counting still frees what is dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def reconcile_entities(
    entities: dict[str, Entity],
    *,
    accepted: Iterable[tuple[str, str]] = (),
    rejected: Iterable[tuple[str, str]] = (),
    threshold: float = THRESHOLD,
) -> Outcome:
    """Match entities, then cluster them; ``accepted``/``rejected``: a curator's pairs."""
    with _cyclic_gc_paused():
        return _reconcile(entities, list(accepted), list(rejected), threshold)


def _reconcile(
    entities: dict[str, Entity],
    accepted: list[tuple[str, str]],
    rejected: list[tuple[str, str]],
    threshold: float,
) -> Outcome:
    owners = hub_owners(entities)
    blocks: dict[tuple[str, str, str], list[str]] = {}
    for iri, entity in entities.items():
        for kind, key in sorted(set(entity_keys(entity, owners))):
            blocks.setdefault((entity.kind or "", kind, key), []).append(iri)
    notes: list[str] = []
    pairs: dict[tuple[str, str], Match] = {}
    for (_, kind, key), members in blocks.items():
        if len(members) > MAX_BLOCK:
            notes.append(f"{len(members)} entities share {kind} {key!r}; not matched by it")
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                ea, eb = entities[a], entities[b]
                if ea.kind in KEPT_APART and ea.families & eb.families:
                    continue
                first, second = sorted((ea, eb), key=lambda e: e.rank)
                match = pairs.get((first.iri, second.iri))
                if match is None:
                    match = pairs[(first.iri, second.iri)] = Match(first, second)
                if kind not in match.evidence or key < match.evidence[kind]:
                    match.evidence[kind] = key  # the same key whatever the order of blocks
    rejected_pairs = list(rejected)
    no: dict[str, set[str]] = {}
    for a, b in rejected_pairs:
        no.setdefault(a, set()).add(b)
        no.setdefault(b, set()).add(a)
    for decided, flag in ((accepted, "manual"), (rejected_pairs, "rejected")):
        for a, b in decided:
            first, second = sorted((entities[a], entities[b]), key=lambda e: e.rank)
            match = pairs.setdefault((first.iri, second.iri), Match(first, second))
            setattr(match, flag, True)
    clusters = _Clusters(entities, no)
    ordered = sorted(
        pairs.values(),
        key=lambda m: (m.rejected, not m.manual, -m.confidence, m.subject.iri, m.object.iri),
    )
    for match in ordered:
        a, b = match.subject.iri, match.object.iri
        if match.rejected:
            match.note = "rejected by a curator"
            continue
        if clusters.refused(a, b):
            match.note = "not merged: a curator rejected a match between the two clusters"
            continue
        if match.confidence < threshold:
            match.note = f"confidence under {threshold}"
            continue
        shared = clusters.conflict(a, b) if match.subject.kind in KEPT_APART else set()
        if shared and not match.manual:
            match.note = f"not merged: would join two entities of {', '.join(sorted(shared))}"
            continue
        one_source = match.subject.families & match.object.families
        if one_source and not match.manual and not NAME_KEYS & match.evidence.keys():
            match.note = "not merged: one source names both, by different names"
            continue
        clusters.union(a, b)
        match.merged = True
    groups: dict[str, list[str]] = {}
    for iri in entities:
        groups.setdefault(clusters.find(iri), []).append(iri)
    canonical: dict[str, str] = {}
    for group in groups.values():
        best = min(group, key=lambda iri: entities[iri].rank)
        canonical.update({iri: best for iri in group})
    return Outcome(
        sorted(pairs.values(), key=lambda m: (m.subject.iri, m.object.iri)),
        dict(sorted(canonical.items())),
        sorted(notes),
    )
