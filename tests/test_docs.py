"""The documentation tells the truth: every setting and every command is documented."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

from mofkg.graphstore.cli.main import build_parser
from mofkg.graphstore.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_with_its_variable() -> None:
    text = (ROOT / "docs" / "settings.md").read_text()
    for f in fields(Settings):
        row = f"| `{f.name}` | `MOFKG_{f.name.upper()}` |"
        assert row in text, f"setting {f.name} is missing from docs/settings.md"
        assert f.metadata.get("doc"), f"setting {f.name} has no doc"


def test_documented_toml_example_is_valid(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "settings.md").read_text()
    example = re.search(r"```toml\n(.*?)```", text, re.S)
    assert example is not None
    config = tmp_path / "mofkg.toml"
    config.write_text(example.group(1))
    settings = load_settings(file=config, environ={})
    assert settings.licence_list == "mot"
    assert settings.query_timeout == 10.0


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in commands:
        assert f"`mofkg {name}" in readme, f"mofkg {name} is not in README.md"
