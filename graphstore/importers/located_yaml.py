"""YAML read with the line of every mapping, for errors that say where.

The landscape and Hugging Face card importers refuse bad input with the file, the line and the
reason (:class:`InputError`); :func:`load_located` gives them mappings that know their line.

>>> data = load_located("a:\\n  b: 1\\nc: [x]\\n", "f.yml")
>>> data["a"].line, data.line
(2, 1)
>>> str(InputError("f.yml", 3, "c is not a mapping"))
'f.yml:3: c is not a mapping'
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import MofkgError


class InputError(MofkgError):
    """A source file refused: ``file:line: reason`` (``file: reason`` without a line)."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {reason}")


class LocatedDict(dict[str, Any]):
    """A YAML mapping that remembers the (1-based) line it starts on, and its keys' lines."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key`` (the mapping's own line if it is absent)."""
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    mapping = LocatedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "a key that is not a scalar (a placeholder such as {name} left in?)",
                key_node.start_mark,
            )
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_located(text: str, source: str, *, first_line: int = 1) -> Any:
    """Parse YAML text; a syntax error is an :class:`InputError` with its line.

    ``first_line``: the line of the file the text starts on (front matter starts on line 2).
    """
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + first_line
        reason = " ".join(filter(None, [exc.context, exc.problem])) or "not YAML"
        raise InputError(source, line, f"YAML syntax: {reason}") from exc
    except yaml.YAMLError as exc:
        raise InputError(source, None, f"YAML: {exc}") from exc
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


def _shift(data: Any, offset: int) -> None:
    if isinstance(data, LocatedDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, list):
        for value in data:
            _shift(value, offset)
