"""The SERVICE / LOAD / FROM policy of the endpoint: :mod:`mofkg.graphstore.query.policy`.

It lives in :mod:`graphstore` so that ``mofkg query`` applies the same allow-list.
"""

from mofkg.graphstore.query.policy import (
    MAX_NESTING,
    MAX_OPERATORS,
    Policy,
    Token,
    Verdict,
    VerdictCache,
    add_using,
    check_shape,
    tokens,
    unescape,
)

__all__ = [
    "MAX_NESTING",
    "MAX_OPERATORS",
    "Policy",
    "Token",
    "Verdict",
    "VerdictCache",
    "add_using",
    "check_shape",
    "tokens",
    "unescape",
]
