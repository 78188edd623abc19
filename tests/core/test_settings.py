"""Settings: environment, config file, and one clear line for a wrong value."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from cryptopulse.core.settings import SettingsError, load_settings


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


@pytest.mark.parametrize(
    "value", ["512MB", "2GB", "1.5GiB", "80%", "2 GB", "512mb", "4G", "1024 megabytes", "100%"]
)
def test_memory_limits_duckdb_accepts_are_accepted(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_DUCKDB_MEMORY_LIMIT", value)
    assert load_settings().duckdb_memory_limit == value
    duckdb.connect(config={"memory_limit": value}).close()  # and DuckDB takes it as it is


@pytest.mark.parametrize("value", ["lots", "2048", "2 GB please", "-1", "1,5GB", "150%", "0MB"])
def test_memory_limits_that_are_no_size_are_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_DUCKDB_MEMORY_LIMIT", value)
    with pytest.raises(SettingsError, match=r"^CRYPTOPULSE_DUCKDB_MEMORY_LIMIT: .*\(got '"):
        load_settings()


@pytest.mark.parametrize(
    "name",
    ["CRYPTOPULSE_LAKE_URL", "CRYPTOPULSE_WAREHOUSE_URL", "CRYPTOPULSE_SOURCES"],
)
def test_an_empty_value_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "")
    with pytest.raises(SettingsError, match=f"^{name}: (is empty|no source given)"):
        load_settings()


def test_the_config_file_accepts_both_spellings_and_refuses_secrets_in_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cp.toml"
    monkeypatch.setenv("CRYPTOPULSE_CONFIG", str(config))
    config.write_text('CRYPTOPULSE_LAKE_URL = "/srv/lake"\nsources = ["demo", "x"]\n')
    settings = load_settings()
    assert settings.lake_url == "/srv/lake" and settings.sources == ["demo", "x"]
    for key in ("coingecko_api_key", "CRYPTOPULSE_COINGECKO_API_KEY"):
        config.write_text(f'{key} = "CG-secret"\n')
        with pytest.raises(SettingsError, match="not in a config file") as info:
            load_settings()
        assert "CG-secret" not in str(info.value)


def test_an_empty_config_file_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTOPULSE_CONFIG", "")
    with pytest.raises(SettingsError, match=r"^CRYPTOPULSE_CONFIG: is empty"):
        load_settings()


def test_env_example_lists_every_setting_and_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README sends users to .env.example for the full list: it must be complete, and
    copied to .env as it is, it must give valid settings."""
    from cryptopulse.core.settings import all_fields

    example = Path(__file__).resolve().parents[2] / ".env.example"
    text = example.read_text()
    missing = [name for name in all_fields() if f"CRYPTOPULSE_{name.upper()}" not in text]
    assert missing == []
    (tmp_path / ".env").write_text(text)
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("CRYPTOPULSE_")]:
        monkeypatch.delenv(key)
    settings = load_settings()
    assert settings.lake_url and settings.sources == ["demo"]


def test_a_secret_from_a_dotenv_file_is_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Settings built directly (not through load_settings) read .env too: a source's secret
    # stays wrapped, and a line that names no setting is not carried along.
    from cryptopulse.core.settings import Settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "CRYPTOPULSE_X_BEARER_TOKEN=canary-token-123\nCRYPTOPULSE_NO_SUCH_THING=1\n"
    )
    for settings in (Settings(), load_settings()):
        shown = f"{settings!r} {settings} {settings.model_dump()}"
        assert "canary-token-123" not in shown
        assert settings.x_bearer_token.get_secret_value() == "canary-token-123"
        assert "no_such_thing" not in (settings.model_extra or {})


def test_a_duckdb_url_scheme_in_any_case_names_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    for url in (str(path), f"duckdb://{path}", f"DuckDB://{path}"):
        assert load_settings(warehouse_url=url).warehouse_path == path
