"""Hypothesis strategies for hostile MOT YAML records: real records with fields changed or
dropped, and hostile YAML texts (alias bombs, Python tags, tabs, deep flow nesting, several
documents), then mutated, re-encoded and wrapped as :func:`tests.hostile_grammar.hostile`
does."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.hostile_grammar import REMOTE, Doc, hostile

MINIMAL_RECORD = """framework:
  name: 'Model Openness Framework'
  version: '1.0'
  date: '2024-12-15'
release:
  name: Fuzz-7B
  version: 7B
  date: '2025-01-01'
  type: language
  architecture: transformer
  origin: Fuzz
  producer: Fuzz Lab
  contact: ''
  license:
    distribution:
      name: Apache-2.0
      path: ''
  components:
    -
      name: 'Model architecture'
      description: 'Code'
      license: MIT
    -
      name: 'Model card'
      description: 'Card'
      license: CC-BY-4.0
"""


@lru_cache(maxsize=1)
def mot_samples(folder: Path | None) -> tuple[str, ...]:
    """A few real MOT records (from the shared data, when there), and a minimal one."""
    found = sorted(folder.glob("*.yml"))[::40] if folder and folder.is_dir() else []
    return (MINIMAL_RECORD, *(p.read_text("utf-8") for p in found))


MOT_VALUES: tuple[Any, ...] = (
    None,
    0,
    -1,
    1e308,
    True,
    [],
    {},
    "x" * 100_000,
    ["a"],
    {"k": "v"},
    "2024-99-99",
    "\u0000",
    "Apache 2.0",
    "LicenseRef-x",
    REMOTE,
    "Unknown component",
    "",
    "  ",
    "https://example.org/a b",
)
MOT_TEXTS = (
    "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nrelease: [*c, *c, *c, *c]\n",
    "release: !!python/object/apply:os.system ['true']\n",
    "framework:\n\tname: tabs\n",
    "release: " + "[" * 5_000 + "]" * 5_000 + "\n",
    "release: " + "{a: " * 3_000 + "1" + "}" * 3_000 + "\n",
    "---\nrelease: {}\n---\nrelease: {}\n",
    "release:\n  name: a\n  name: b\n",
    "release: !custom tag\n",
    "[1, 2, 3]\n",
    "just a string\n",
)


def _edit(record: Any, path: list[Any], value: Any, *, delete: bool) -> None:
    node = record
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def _paths(node: Any, prefix: list[Any]) -> list[list[Any]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, [*prefix, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, [*prefix, i])
    return out


@st.composite
def mot_docs(draw: st.DrawFn, folder: Path | None) -> Doc:
    """A MOT record with a field changed or dropped, or a hostile YAML text, then mutated."""
    kind = draw(st.sampled_from(("record", "record", "record", "text")))
    if kind == "text":
        text = draw(st.sampled_from(MOT_TEXTS))
        recipe = f"mot-text{MOT_TEXTS.index(text)}"
    else:
        record = yaml.safe_load(draw(st.sampled_from(mot_samples(folder))))
        recipe = f"mot:{record['release']['name']}"
        for _ in range(draw(st.integers(0, 2))):
            path = draw(st.sampled_from(_paths(record, [])))
            delete = draw(st.booleans())
            value = draw(st.sampled_from(MOT_VALUES))
            try:
                _edit(record, path, value, delete=delete)
            except (TypeError, KeyError, IndexError):
                continue
            shown = "deleted" if delete else repr(value)[:20]
            recipe += f"+{'.'.join(map(str, path))}={shown}"
        text = yaml.safe_dump(record, allow_unicode=True, sort_keys=False)
    return draw(hostile(Doc(text.encode("utf-8", "surrogatepass"), "mot", recipe)))
