"""The Redshift target compiles offline, and every statement dbt would send is Redshift SQL.

No Redshift runs here: dbt-redshift runs unchanged on an offline stub of its connection
(redshift_offline.py says what it answers and why it is needed), and each statement and
compiled model and test is checked with sqlglot's Redshift dialect plus the list of what
Redshift has (redshift_sql.py). A first build (`dbt build` on an empty warehouse: the
materializations' statements too) and a later windowed run (`dbt compile` with every model
in place: the incremental branches) are both checked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cryptopulse.warehouse.dbt_runner import PROJECT_DIR
from redshift_offline import Compiled, model_relations, run_offline
from redshift_sql import problems

pytestmark = pytest.mark.slow

WINDOW = ("2024-01-01", "2024-01-02")
MODELS = sorted(p.stem for p in (PROJECT_DIR / "models").rglob("*.sql"))


def _check(compiled: Compiled) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for index, statement in enumerate(compiled.statements):
        if bad := problems(statement):
            found[f"statement {index}: {statement.strip()[:120]}"] = bad
    for path, sql in compiled.compiled.items():
        if bad := problems(sql):
            found[path] = bad
    return found


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Compiled, Compiled]:
    work = tmp_path_factory.mktemp("redshift-offline")
    first = run_offline(PROJECT_DIR, work, "build")
    later = run_offline(
        PROJECT_DIR, work, "compile", relations=model_relations(first), window=WINDOW
    )
    return first, later


def test_a_first_build_compiles_every_model_and_test_for_redshift(
    builds: tuple[Compiled, Compiled],
) -> None:
    first, _ = builds
    assert first.success, first.error
    compiled_models = sorted(
        Path(p).stem for p in first.compiled if Path(p).parts[1] == "models" and p.count("/") == 3
    )
    assert compiled_models == MODELS
    tests = [p for p in first.compiled if ".yml/" in p or Path(p).parts[1] == "tests"]
    assert len(tests) >= 19  # every data test of every model's yml, and the singular one
    # dbt-redshift's own statements were captured: each table is built under a temporary
    # name with its distribution and sort keys (dbt_project.yml), then swapped in.
    sent = " ".join(" ".join(first.statements).lower().split())
    assert 'create table "offline"."cryptopulse"."fct_coin_stats_hourly"' in sent
    assert "distkey(coin_key)" in sent.replace(" ", "")
    assert "compound sortkey(hour_ts)" in sent
    assert "diststyle all" in sent
    # The spine's bounds query answered, so dim_date compiled its hour spine, not the
    # empty branch.
    dim_date = next(sql for p, sql in first.compiled.items() if p.endswith("/dim_date.sql"))
    assert "date_hour" in dim_date


def test_a_later_windowed_run_compiles_the_incremental_branches(
    builds: tuple[Compiled, Compiled],
) -> None:
    _, later = builds
    assert later.success, later.error
    posts = next(sql for p, sql in later.compiled.items() if p.endswith("/fct_posts.sql"))
    assert "lake_date >= cast('2024-01-01' as date)" in posts
    assert f"'{WINDOW[0]}..{WINDOW[1]}' as merge_window" in posts
    # The mart's windowed bounds were read (run_query) and narrow its scans to hours.
    mart = next(
        sql for p, sql in later.compiled.items() if p.endswith("/mart_coin_social_hourly.sql")
    )
    assert "hour_ts >= cast('" in mart
    # Keys are hashed whole: dbt's default hash would cast to Redshift's 256-byte varchar.
    assert "md5(cast(posts.source || '|' || posts.post_id as varchar(65535)))" in posts


def test_every_statement_of_both_runs_is_redshift_sql(builds: tuple[Compiled, Compiled]) -> None:
    first, later = builds
    assert _check(first) == {}
    assert _check(later) == {}


@pytest.mark.parametrize(
    ("construct", "expected"),
    [
        ("count(*) filter (where coin_id is not null)", "FILTER"),
        ("isodow(cast(getdate() as date))", "isodow()"),
        ("[1, 2, 3]", "array/list literal"),
        ("try_cast(coin_id as bigint)", "try_cast"),
        ("coin_id as open, 1", "open is a Redshift reserved word"),
    ],
)
def test_a_duckdb_only_construct_in_a_model_fails_the_check(
    tmp_path: Path, construct: str, expected: str
) -> None:
    """The check is not vacuous: a scratch copy of the project with one DuckDB construct
    slipped into a model compiles, and the check names the construct in that model."""
    project = tmp_path / "dbt"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("manifest", "target"))
    model = project / "models" / "marts" / "dim_coin.sql"
    text = model.read_text()
    model.write_text(
        text.replace("    coin_id,\n", f"    {construct} as smuggled,\n    coin_id,\n", 1)
    )
    compiled = run_offline(project, tmp_path / "work", "compile")
    assert compiled.success, compiled.error
    found = _check(compiled)
    assert any("dim_coin.sql" in where for where in found), found
    assert any(expected in problem for bad in found.values() for problem in bad), found
