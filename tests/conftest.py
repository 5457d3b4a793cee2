"""Fixtures shared by the test files: the shared data folder, real stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` read in place; skipped where absent, a failure under CI."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    message = f"the shared data folder {SHARED_DATA} is absent"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)
