"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.definition`."""

import sys

from .frameworks import definition as _module
from .frameworks.definition import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
