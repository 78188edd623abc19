"""The zip of cryptopulse for Spark executors: a Python without cryptopulse runs the enrich
code from it alone, lexicons included, with the same results."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from cryptopulse.enrich import spark_job
from cryptopulse.enrich.mentions import Coin, MentionResolver
from cryptopulse.enrich.sentiment import default_scorer
from cryptopulse.enrich.spark_package import build_zip

POST = "Bitcoin to the moon 🚀 $ETH looks weak, not buying #solana"
PROBE = f"""
import json, sys
import cryptopulse
from cryptopulse.enrich.mentions import Coin, MentionResolver
from cryptopulse.enrich.sentiment import default_scorer
coins = [Coin("bitcoin", "btc", "Bitcoin"), Coin("ethereum", "eth", "Ethereum"),
         Coin("solana", "sol", "Solana")]
print(json.dumps({{"file": cryptopulse.__file__,
                  "mentions": MentionResolver(coins).resolve({POST!r}),
                  "scores": default_scorer().score([{POST!r}])[0]}}))
"""


def _run_without_cryptopulse(*path: str) -> subprocess.CompletedProcess[str]:
    """The venv's Python without site processing (so not the editable install), its
    dependencies on the path: a cluster node's Python that lacks cryptopulse."""
    purelib = sysconfig.get_paths()["purelib"]
    code = f"import sys; sys.path[:0] = {[*path, purelib]!r}\n" + PROBE
    return subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120
    )


def test_a_python_without_cryptopulse_enriches_from_the_zip_alone(tmp_path: Path) -> None:
    without = _run_without_cryptopulse()
    assert without.returncode != 0 and "No module named 'cryptopulse'" in without.stderr

    archive = build_zip(tmp_path)
    found = _run_without_cryptopulse(str(archive))
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["file"].startswith(str(archive) + "/")
    coins = [Coin("bitcoin", "btc", "Bitcoin"), Coin("ethereum", "eth", "Ethereum")]
    coins.append(Coin("solana", "sol", "Solana"))
    assert result["mentions"] == MentionResolver(coins).resolve(POST)
    assert tuple(result["scores"]) == default_scorer().score([POST])[0]


def test_the_zip_is_the_same_file_when_built_again(tmp_path: Path) -> None:
    first = build_zip(tmp_path / "a")
    second = build_zip(tmp_path / "b")
    assert first.name == second.name and first.read_bytes() == second.read_bytes()


def test_the_spark_job_entry_point_refuses_a_bad_date_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert spark_job.main(["--start", "2024-13-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "2024-13-01" in err and err.count("\n") == 1
    assert spark_job.main(["--end", "2024-12-01"]) == 2
    assert "--end needs --start" in capsys.readouterr().err
