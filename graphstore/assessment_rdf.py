"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.writing`."""

import sys

from .frameworks import writing as _module
from .frameworks.writing import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
