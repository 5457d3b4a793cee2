"""Settings: defaults, then a TOML file, then MOFKG_* variables, each validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from mofkg.graphstore.errors import SettingsError
from mofkg.graphstore.settings import load_settings


def test_layers_apply_in_order(tmp_path: Path) -> None:
    config = tmp_path / "mofkg.toml"
    config.write_text(
        'max_rows = 10\nquery_timeout = 5\nservice_allow = ["https://a.example/sparql"]'
    )
    settings = load_settings(file=config, environ={"MOFKG_MAX_ROWS": "20"})
    assert settings.max_rows == 20
    assert settings.query_timeout == 5.0
    assert settings.service_allow == ("https://a.example/sparql",)
    assert load_settings(environ={"MOFKG_CONFIG": str(config)}).max_rows == 10


def test_environment_lists_are_comma_separated() -> None:
    settings = load_settings(environ={"MOFKG_SERVICE_ALLOW": "https://a/sparql, https://b/sparql"})
    assert settings.service_allow == ("https://a/sparql", "https://b/sparql")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MOFKG_MAX_ROWS": "many"}, "setting max_rows: cannot use 'many'"),
        ({"MOFKG_MAX_ROWS": "0"}, "max_rows must be positive"),
        ({"MOFKG_QUERY_TIMEOUT": "-1"}, "query_timeout must be positive"),
        ({"MOFKG_PROCESSES": "0"}, "processes must be positive"),
        ({"MOFKG_PROCESSES": "two"}, "setting processes: cannot use 'two'"),
        ({"MOFKG_WORKERS": "-3"}, "workers must be positive"),
        ({"MOFKG_LICENCE_LIST": "osi"}, "licence_list must be 'spdx' or 'mot'"),
        ({"MOFKG_LICENCE_LIST": "mot"}, "needs mot_licences"),
        ({"MOFKG_BASE_IRI": "urn:x:"}, "base_iri must be an http(s) IRI"),
    ],
)
def test_bad_values_name_the_setting(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(environ=environ)


def test_bad_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("max_rows = \n")
    with pytest.raises(SettingsError, match="broken.toml"):
        load_settings(file=broken, environ={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'\n")
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        load_settings(file=unknown, environ={})
    with pytest.raises(SettingsError, match="cannot read the settings file"):
        load_settings(file=tmp_path / "absent.toml", environ={})
