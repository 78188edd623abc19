"""User mistakes through the real CLI: one clear line naming the setting, the file or the
path, a non-zero exit code, and never a traceback."""

from __future__ import annotations

import inspect
import os
import pkgutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import typer

import cryptopulse.sources
from conftest import CLI, _free_port, cli_env, run_cli
from cryptopulse.cli.errors import friendly_errors
from cryptopulse.core.errors import CryptopulseError, ServiceError, StepError, UserError
from cryptopulse.core.settings import Settings

WIDE = {"COLUMNS": "2000"}  # the console wraps long lines; a wide one shows a message is one line
DAY = ["--start", "2024-06-01", "--end", "2024-06-02"]


def one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The one error line of a failed command (stderr), checked: the exit code, one line,
    printed once, no traceback anywhere."""
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert (done.stdout + done.stderr).count(lines[0].removeprefix("error: ")) == 1
    return lines[0]


def run_without(
    args: list[str], settings: Settings, cwd: Path, unset: tuple[str, ...], **extra: str
) -> subprocess.CompletedProcess[str]:
    """run_cli, with some of the settings run_cli always sets left unset."""
    env = {k: v for k, v in cli_env(settings, **WIDE, **extra).items() if k not in unset}
    return subprocess.run([CLI, *args], env=env, cwd=cwd, capture_output=True, text=True)


# ---- 1. the DuckDB memory limit ----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("lots", "accepted: a size with a unit such as 512MB, 2GB or 1.5GiB"),
        ("2048", "accepted: a size with a unit"),
        ("150%", "at most 100%"),
        ("0GB", "must be more than 0"),
    ],
)
def test_a_wrong_memory_limit_is_refused_before_dbt(
    settings: Settings, tmp_path: Path, value: str, expected: str
) -> None:
    done = run_cli(["transform"], settings, tmp_path, CRYPTOPULSE_DUCKDB_MEMORY_LIMIT=value, **WIDE)
    line = one_line_error(done, 2)
    assert line.startswith("error: CRYPTOPULSE_DUCKDB_MEMORY_LIMIT: ")
    assert expected in line and repr(value) in line
    assert not settings.warehouse_path.exists()  # refused before the transform started


# ---- 2. empty values ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CRYPTOPULSE_LAKE_URL", "is empty: unset it for the default (./data/lake)"),
        ("CRYPTOPULSE_WAREHOUSE_URL", "is empty: unset it for the default"),
        ("CRYPTOPULSE_SOURCES", "no source given; accepted: comma-separated names among"),
    ],
)
def test_an_empty_setting_is_refused_not_taken_as_the_current_folder(
    settings: Settings, tmp_path: Path, name: str, expected: str
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for value in ("", "  "):
        done = run_cli(["run", *DAY], settings, cwd, **{name: value}, **WIDE)
        line = one_line_error(done, 2)
        assert line.startswith(f"error: {name}: {expected}")
    assert not list(cwd.iterdir())  # nothing written into the current folder
    assert not Path(settings.lake_url).exists()  # nor anywhere else: nothing ran


# ---- 3. the warehouse file ---------------------------------------------------------------
@pytest.mark.slow
def test_a_warehouse_that_is_a_folder_is_refused(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "warehouse-folder"
    folder.mkdir()
    for command in (["status"], ["export"], ["run", *DAY]):
        done = run_cli(command, settings, tmp_path, CRYPTOPULSE_WAREHOUSE_URL=str(folder), **WIDE)
        line = one_line_error(done, 2)
        assert line.startswith("error: CRYPTOPULSE_WAREHOUSE_URL: the warehouse must be a")
        assert f"{folder} is a folder" in line


@pytest.mark.slow
def test_a_warehouse_file_that_is_not_duckdb_is_named(settings: Settings, tmp_path: Path) -> None:
    settings.warehouse_path.write_text("not a database\n")
    for command in (["status"], ["export"], ["transform"], ["run", *DAY]):
        done = run_cli(command, settings, tmp_path, **WIDE)
        line = one_line_error(done, 1)
        assert f"the warehouse {settings.warehouse_path} is not a DuckDB database file" in line
        assert "CRYPTOPULSE_WAREHOUSE_URL" in line
    assert not Path(settings.lake_url, "raw").exists()  # run stopped before extracting


@pytest.fixture
def locked_warehouse(settings: Settings) -> Iterator[Path]:
    """The warehouse held open for writing by another process (this test process), as a
    notebook or the DuckDB CLI would."""
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create table t as select 1 as x")
        yield settings.warehouse_path


@pytest.mark.slow
def test_a_locked_warehouse_says_who_holds_it_and_what_to_do(
    settings: Settings, tmp_path: Path, locked_warehouse: Path
) -> None:
    for command in (["status"], ["export"], ["transform"], ["run", *DAY]):
        done = run_cli(command, settings, tmp_path, **WIDE)
        line = one_line_error(done, 1)
        assert f"the warehouse {locked_warehouse} is locked (held by PID {os.getpid()}" in line
        assert "another process — a notebook, the DuckDB CLI, Airflow — has it open" in line
        assert "close it or wait" in line
    assert not Path(settings.lake_url, "raw").exists()  # run stopped before extracting


# ---- 4. the lake folder ------------------------------------------------------------------
@pytest.mark.slow
def test_a_lake_that_is_a_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    lake_file = tmp_path / "lake-file"
    lake_file.write_text("x")
    for command in (["status"], ["run", *DAY]):
        done = run_cli(command, settings, tmp_path, CRYPTOPULSE_LAKE_URL=str(lake_file), **WIDE)
        line = one_line_error(done, 2)
        assert line == (
            f"error: CRYPTOPULSE_LAKE_URL: the lake must be a folder, but {lake_file} is a file "
            f"(got {str(lake_file)!r})"
        )
    below = lake_file / "lake"
    done = run_cli(["status"], settings, tmp_path, CRYPTOPULSE_LAKE_URL=str(below), **WIDE)
    assert f"the lake cannot be under {lake_file}: that is a file" in one_line_error(done, 2)


@pytest.mark.parametrize(
    ("in_the_way", "failing", "reason"),
    [
        ("raw", "raw/demo", "Not a directory (a part of that path is a file, not a folder)"),
        (
            "raw/demo",
            "raw/demo",
            "File exists (something is in the way: often a file where a folder should be)",
        ),
    ],
)
def test_a_file_error_in_a_step_names_the_path_and_the_setting(
    settings: Settings, tmp_path: Path, in_the_way: str, failing: str, reason: str
) -> None:
    lake = Path(settings.lake_url)
    (lake / in_the_way).parent.mkdir(parents=True)
    (lake / in_the_way).write_text("a file where the lake has a folder")
    done = run_cli(["extract", *DAY], settings, tmp_path, **WIDE)
    line = one_line_error(done, 1)
    assert line == (
        f"error: {lake / failing}: {reason}; it comes from CRYPTOPULSE_LAKE_URL ({lake})"
    )


# ---- 5, 6. the config file ---------------------------------------------------------------
@pytest.mark.parametrize("named", [True, False])
def test_a_malformed_config_file_is_named_with_the_error_position(
    settings: Settings, tmp_path: Path, named: bool
) -> None:
    config = tmp_path / ("bad.toml" if named else "cryptopulse.toml")
    config.write_text('lake_url = "/tmp/lake"\n[x\n')
    env = {"CRYPTOPULSE_CONFIG": config.name} if named else {}
    done = run_cli(["status"], settings, tmp_path, **env, **WIDE)
    line = one_line_error(done, 2)
    assert line.startswith(f"error: config file {config.name}: not valid TOML: ")
    assert "(at line 2, column 3)" in line


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('lake_urll = "/tmp/lake"\n', "unknown key 'lake_urll' (did you mean 'lake_url'?)"),
        ('CRYPTOPULSE_LAKE_URLL = "/tmp"\n', "'CRYPTOPULSE_LAKE_URLL' (did you mean 'lake_url'?)"),
        ("colour = 1\n", "unknown key 'colour'; keys are the setting names in lower case"),
    ],
)
def test_an_unknown_key_in_the_config_file_is_refused(
    settings: Settings, tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "cryptopulse.toml").write_text(text)
    line = one_line_error(run_cli(["status"], settings, tmp_path, **WIDE), 2)
    assert line.startswith("error: config file cryptopulse.toml: ")
    assert expected in line
    assert "without the CRYPTOPULSE_ prefix" in line
    if "did you mean" not in expected:  # no close match: every accepted key is listed
        assert "accepted: lake_url, warehouse_url, s3_endpoint_url, sources" in line
        assert "coingecko_api_key" not in line  # secrets never go in the file


@pytest.mark.slow
def test_config_file_keys_may_be_spelled_as_in_the_environment(
    settings: Settings, tmp_path: Path
) -> None:
    lake = tmp_path / "from-config"
    (tmp_path / "cryptopulse.toml").write_text(f'CRYPTOPULSE_LAKE_URL = "{lake}"\n')
    done = run_without(["status"], settings, tmp_path, unset=("CRYPTOPULSE_LAKE_URL",))
    assert done.returncode == 0, done.stderr
    assert f"Lake: {lake}" in done.stdout
    # Both spellings of one setting: which wins would be a guess.
    (tmp_path / "cryptopulse.toml").write_text(
        f'CRYPTOPULSE_LAKE_URL = "{lake}"\nlake_url = "/elsewhere"\n'
    )
    line = one_line_error(run_cli(["status"], settings, tmp_path, **WIDE), 2)
    assert "'CRYPTOPULSE_LAKE_URL' and 'lake_url' are the same setting; keep one" in line


def test_unrelated_environment_variables_are_still_ignored(
    settings: Settings, tmp_path: Path
) -> None:
    done = run_cli(["status"], settings, tmp_path, CRYPTOPULSE_NOT_A_SETTING="1", **WIDE)
    assert done.returncode == 0, done.stderr


# ---- 7. API errors inside run/extract ----------------------------------------------------
def test_coingecko_down_during_extract_is_one_line(settings: Settings, tmp_path: Path) -> None:
    done = run_cli(
        ["extract", "--start", "2024-12-01", "--end", "2024-12-02"],
        settings,
        tmp_path,
        CRYPTOPULSE_SOURCES="coingecko",
        CRYPTOPULSE_COINGECKO_BASE_URL=f"http://127.0.0.1:{_free_port()}",  # nobody listens
        CRYPTOPULSE_COINGECKO_MAX_RETRIES="0",
        CRYPTOPULSE_COINGECKO_BACKOFF_SECONDS="0",
        **WIDE,
    )
    line = one_line_error(done, 1)
    assert line.startswith("error: CoinGecko /coins/list: gave up after 1 attempts")
    assert "✘ cryptopulse extract" in done.stdout  # the run's summary is still shown


def _source_errors() -> list[type[Exception]]:
    """Every public exception class the source packages define."""
    found: set[type[Exception]] = set()
    for module in pkgutil.walk_packages(cryptopulse.sources.__path__, "cryptopulse.sources."):
        imported = __import__(module.name, fromlist=["_"])
        for name, value in vars(imported).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and value.__module__.startswith("cryptopulse.sources")
                and not name.startswith("_")
            ):
                found.add(value)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


@pytest.mark.parametrize("error", _source_errors(), ids=lambda cls: cls.__qualname__)
def test_every_source_error_is_one_line(
    error: type[Exception], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as info, friendly_errors():
        raise error("the API said no")
    assert info.value.exit_code == 1
    assert capsys.readouterr().err.strip() == "error: the API said no"


@pytest.mark.parametrize(
    "error",
    [
        UserError("a bad option"),
        ServiceError("an API refused", service="CoinGecko"),
        StepError("a step failed"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_every_kind_of_failure_is_one_line(
    error: CryptopulseError, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as info, friendly_errors():
        raise error
    assert info.value.exit_code == 1
    assert capsys.readouterr().err.strip() == f"error: {error}"


def test_a_bug_keeps_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    """A plain ValueError is a bug, not a user mistake: it is not turned into one line."""
    with pytest.raises(ValueError, match="a bug"), friendly_errors():
        raise ValueError("a bug")
    assert capsys.readouterr().err == ""


def test_debug_shows_the_traceback_of_a_known_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTOPULSE_DEBUG", "1")
    with pytest.raises(UserError, match="a bad option"), friendly_errors():
        raise UserError("a bad option")


def test_the_source_errors_include_every_client() -> None:
    modules = {cls.__module__ for cls in _source_errors()}
    assert {"cryptopulse.sources.http.errors", "cryptopulse.sources.coingecko.errors"} <= modules
    assert "cryptopulse.sources.x.client" in modules  # X's PlanError


# ---- 8. each failure printed once --------------------------------------------------------
def test_export_before_transform_prints_its_error_once(settings: Settings, tmp_path: Path) -> None:
    done = run_cli(["export"], settings, tmp_path, **WIDE)
    line = one_line_error(done, 1)
    assert "no warehouse at" in line and "run `cryptopulse transform`" in line
    assert "✘ cryptopulse export" in done.stdout  # the summary is kept, without the error


@pytest.mark.slow
def test_an_earlier_runs_summary_is_not_shown_for_a_failure_before_recording(
    settings: Settings, tmp_path: Path
) -> None:
    assert run_cli(["extract", *DAY], settings, tmp_path).returncode == 0
    settings.warehouse_path.write_text("not a database\n")
    done = run_cli(["transform"], settings, tmp_path, **WIDE)
    one_line_error(done, 1)
    assert "cryptopulse extract" not in done.stdout


# ---- 9. enrich's --start -----------------------------------------------------------------
@pytest.mark.slow
def test_enrich_help_says_what_no_start_means(settings: Settings, tmp_path: Path) -> None:
    done = run_cli(["enrich", "--help"], settings, tmp_path, **WIDE)
    assert done.returncode == 0
    [start] = [ln for ln in done.stdout.splitlines() if "--start " in ln and "<" in ln]
    assert "yesterday" not in start
    assert "default: every landed post not enriched yet" in start
    line = one_line_error(run_cli(["enrich", "--end", "2024-06-02"], settings, tmp_path, **WIDE), 1)
    assert "--end needs --start" in line
