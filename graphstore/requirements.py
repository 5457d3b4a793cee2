"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.definition`."""

import sys

from .frameworks import definition as _module

sys.modules[__name__] = _module
