"""Query parameters, read one way everywhere: a parameter allowed once and given twice is
400 naming it, and so is a parameter the resource does not know.

>>> check_repeats([("page", "1"), ("page", "2")], repeatable=())
Traceback (most recent call last):
...
mofkg.api.errors.BadRequestError: the request has 2 'page' parameters; give one
>>> unknown_parameters([("page", "1"), ("utm_source", "x")], known=("page", "rows"))
['utm_source']
>>> one_of("format", "bogus", ("turtle", "ntriples"))
Traceback (most recent call last):
...
mofkg.api.errors.BadRequestError: format='bogus' is not allowed; use one of: turtle, ntriples
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..errors import BadRequestError


def check_repeats(params: Iterable[tuple[str, str]], *, repeatable: Sequence[str]) -> None:
    """400 for a parameter given more than once that is not ``repeatable``."""
    counts = Counter(key for key, _ in params)
    for key, count in counts.items():
        if count > 1 and key not in repeatable:
            raise BadRequestError(f"the request has {count} '{key}' parameters; give one")


def unknown_parameters(params: Iterable[tuple[str, str]], *, known: Sequence[str]) -> list[str]:
    """The names of ``params`` that are not ``known``, each once, in order."""
    return list(dict.fromkeys(key for key, _ in params if key not in known))


def unknown_error(names: Sequence[str], *, known: Sequence[str], where: str) -> BadRequestError:
    """The 400 naming the first unknown parameter and those ``where`` takes."""
    takes = f"it takes {', '.join(known)}" if known else "it takes no parameters"
    return BadRequestError(f"{where} has no parameter {names[0]!r}; {takes}")


def one_of(name: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``, else 400 naming the parameter and the values."""
    if value in allowed:
        return value
    raise BadRequestError(f"{name}={value!r} is not allowed; use one of: {', '.join(allowed)}")


__all__ = ["check_repeats", "one_of", "unknown_error", "unknown_parameters"]
