"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.explain`."""

import sys

from .frameworks import explain as _module
from .frameworks.explain import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
