"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.explain`."""

import sys

from .frameworks import explain as _module

sys.modules[__name__] = _module
