"""The package's base install (no extras, no dev group) runs the demo end to end.

Airflow and cosmos are the `airflow` extra: a clean virtual environment with only the locked
base dependencies must not have them, and `cryptopulse demo` must work there all the same.
uv installs from its cache (filled by `make setup`), so this takes seconds, not minutes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"  # the dev group pins uv; `make setup` installs it
AIRFLOW_EXTRA = ("apache-airflow", "astronomer-cosmos")
DASHBOARD_EXTRA = ("streamlit", "plotly")
DEV_ENVIRONMENT = (
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTHONPATH",
    "PYTHONHOME",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "UV_SYSTEM_PYTHON",
)


def test_airflow_is_an_extra_not_a_base_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert _names(project["dependencies"]).isdisjoint(AIRFLOW_EXTRA)
    assert _names(project["optional-dependencies"]["airflow"]) == set(AIRFLOW_EXTRA)


def test_the_dashboard_is_an_extra_not_a_base_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert _names(project["dependencies"]).isdisjoint(DASHBOARD_EXTRA)
    assert _names(project["optional-dependencies"]["dashboard"]) >= set(DASHBOARD_EXTRA)


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=~!;]", req, maxsplit=1)[0].lower() for req in requirements}


def _run(
    args: list[str | Path], env: dict[str, str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _uv(env: dict[str, str], cwd: Path, *args: str | Path) -> None:
    _ok(_run([UV, "--quiet", *args], env, cwd))


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )
    return result


@pytest.mark.slow
def test_base_install_runs_demo_without_airflow(tmp_path: Path) -> None:
    assert UV.is_file(), f"uv not found next to {sys.executable}: run `make setup`"
    # Nothing of the development environment leaks in: no active venv, no project settings
    # (uv's own cache settings stay, so the install still comes from the cache).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CRYPTOPULSE_") and key not in DEV_ENVIRONMENT
    }
    env.update(
        UV_PYTHON_DOWNLOADS="never", DBT_SEND_ANONYMOUS_USAGE_STATS="False", DO_NOT_TRACK="1"
    )

    # The locked base dependencies: no extras, no dev group, not the project itself.
    requirements = tmp_path / "requirements.txt"
    _uv(env, ROOT, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project",
        "--project", ROOT, "--output-file", requirements)  # fmt: skip
    locked = requirements.read_text()
    for extra in AIRFLOW_EXTRA + DASHBOARD_EXTRA:
        assert f"\n{extra}==" not in locked, f"{extra} is in the base install"

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    _uv(env, tmp_path, "venv", "--python", sys.executable, venv)
    _uv(env, tmp_path, "pip", "install", "--python", python, "-r", requirements)
    # The project itself, as a regular (not editable) install from this checkout.
    _uv(env, tmp_path, "pip", "install", "--python", python, "--no-deps", ROOT)

    for module in ("airflow", "cosmos", "streamlit", "plotly"):
        result = _run([python, "-c", f"import {module}"], env, tmp_path)
        assert result.returncode != 0, f"{module} is importable in the base install"
        assert "ModuleNotFoundError" in result.stderr

    # The installed package, not this checkout's src/, is what runs.
    where = _ok(
        _run([python, "-c", "import cryptopulse; print(cryptopulse.__file__)"], env, tmp_path)
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)

    work = tmp_path / "work"
    work.mkdir()
    lake = tmp_path / "data" / "lake"
    env.update(
        CRYPTOPULSE_LAKE_URL=str(lake),
        CRYPTOPULSE_WAREHOUSE_URL=str(tmp_path / "data" / "warehouse.duckdb"),
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        COLUMNS="160",
    )
    _ok(_run([venv / "bin" / "cryptopulse", "demo"], env, work))

    marts = sorted(path.name for path in (lake / "marts").glob("*.parquet"))
    assert marts, f"no marts written under {lake / 'marts'}"
    # The dashboard says which extra it needs, in one line.
    dashboard = _run([venv / "bin" / "cryptopulse", "dashboard"], env, work, timeout=60)
    assert dashboard.returncode == 1
    assert dashboard.stderr.strip().splitlines() == [
        "error: the dashboard needs streamlit and plotly: install the dashboard extra, "
        "pip install 'cryptopulse[dashboard]' (make setup installs every extra)"
    ]
