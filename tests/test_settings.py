"""Settings: environment, config file, and one clear line for a wrong value."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptopulse.settings import SettingsError, load_settings


def test_defaults_are_the_embedded_local_setup() -> None:
    settings = load_settings()
    assert settings.lake_url == "./data/lake"
    assert settings.warehouse_url == "./data/warehouse.duckdb"
    assert settings.sources == ["demo"]


def test_environment_variables_use_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTOPULSE_LAKE_URL", "s3://bucket/lake/")
    monkeypatch.setenv("CRYPTOPULSE_SOURCES", "demo")
    monkeypatch.setenv("CRYPTOPULSE_DEMO_LEAD_HOURS", "5")
    settings = load_settings()
    assert settings.lake_url == "s3://bucket/lake"
    assert settings.lake_is_s3
    assert settings.demo_lead_hours == 5


def test_a_config_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cp.toml"
    config.write_text('lake_url = "/srv/lake"\ndemo_seed = 7\n')
    monkeypatch.setenv("CRYPTOPULSE_CONFIG", str(config))
    monkeypatch.setenv("CRYPTOPULSE_DEMO_SEED", "9")
    settings = load_settings()
    assert settings.lake_url == "/srv/lake"
    assert settings.demo_seed == 9


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CRYPTOPULSE_LAKE_URL", "gs://bucket", "local folder path or an s3://"),
        ("CRYPTOPULSE_WAREHOUSE_URL", "mysql://db", "DuckDB file path"),
        ("CRYPTOPULSE_SOURCES", "demo,myspace", "unknown source 'myspace'"),
        ("CRYPTOPULSE_DEMO_SIGNAL", "1.5", "less than or equal to 1"),
    ],
)
def test_a_wrong_setting_names_itself_and_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(name + ":")
    assert expected in message
    assert "\n" not in message


def test_a_missing_config_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTOPULSE_CONFIG", "/nope/cryptopulse.toml")
    with pytest.raises(SettingsError, match="CRYPTOPULSE_CONFIG: no such config file"):
        load_settings()
