"""A source from another package joins through the registry alone: its name is accepted in
CRYPTOPULSE_SOURCES, its settings are read like the built-in ones', and `cryptopulse run`
lands its posts and builds them into the warehouse — with no module of cryptopulse edited."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb

from conftest import run_cli
from cryptopulse.core.settings import Settings

# A whole third-party source: one module with its settings class, its Source and its plugin.
TOY_MODULE = '''
from datetime import UTC, datetime, timedelta

from pydantic import Field

from cryptopulse.core.batch import Batch
from cryptopulse.core.settings import section
from cryptopulse.core.settings_base import SettingsSection
from cryptopulse.sources.base import Source, SourcePlugin
from cryptopulse.sources.social import posts_batches


class ToySettings(SettingsSection):
    """The toy source."""

    toy_posts_per_day: int = Field(default=2, ge=1, description="Toy posts per day.")


class ToySource(Source):
    name = "toy"

    def __init__(self, per_day: int) -> None:
        self.per_day = per_day
        self.closed = False

    def datasets(self):
        return ("posts",)

    def fetch(self, interval):
        for day in interval.days():
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            records = [
                {
                    "source": "toy",
                    "post_id": f"toy-{day.isoformat()}-{i}",
                    "created_at": noon + timedelta(minutes=i),
                    "author": "toy",
                    "text": f"toy post {i}: $BTC looks great today",
                    "language": "en",
                }
                for i in range(self.per_day)
            ]
            yield from posts_batches(records, day)

    def summary(self):
        return {"posts_per_day": self.per_day}


def build(settings):
    return ToySource(section(settings, ToySettings).toy_posts_per_day)


PLUGIN = SourcePlugin("toy", build, ToySettings, "toy posts")
'''


def _install_toy(root: Path) -> Path:
    """The toy package as pip would leave it: the module and a dist-info with its entry
    point, in a folder the CLI gets on its PYTHONPATH."""
    site = root / "site"
    site.mkdir()
    (site / "toy_source.py").write_text(TOY_MODULE)
    info = site / "toy_source-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-source\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [cryptopulse.sources]
            toy = toy_source:PLUGIN
            """
        )
    )
    return site


def test_a_source_from_another_package_runs_end_to_end(tmp_path: Path) -> None:
    site = _install_toy(tmp_path)
    settings = Settings(
        lake_url=str(tmp_path / "lake"), warehouse_url=str(tmp_path / "warehouse.duckdb")
    )
    env = {
        "PYTHONPATH": str(site),
        "CRYPTOPULSE_SOURCES": "demo,toy",
        "CRYPTOPULSE_DEMO_POSTS_PER_DAY": "50",
        "CRYPTOPULSE_TOY_POSTS_PER_DAY": "3",
    }

    helped = run_cli(["extract", "--help"], settings, cwd=tmp_path, **env)
    assert "toy (toy posts)" in helped.stdout

    done = run_cli(
        ["run", "--start", "2024-06-01", "--end", "2024-06-03"], settings, tmp_path, **env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select post_id, text from fct_posts where source = 'toy' order by post_id"
        ).fetchall()
        demo = con.execute("select count(*) from fct_posts where source = 'demo'").fetchall()
    assert [r[0] for r in rows] == [f"toy-2024-06-0{d}-{i}" for d in (1, 2) for i in range(3)]
    assert demo[0][0] > 0


def test_a_plugin_source_settings_follow_the_same_rules(tmp_path: Path) -> None:
    """A config file may set the toy's setting (a typo gets a did-you-mean), and a bad value
    is one line naming the variable."""
    site = _install_toy(tmp_path)
    settings = Settings(lake_url=str(tmp_path / "lake"), warehouse_url=str(tmp_path / "w.duckdb"))
    config = tmp_path / "cryptopulse.toml"
    config.write_text("toy_post_per_day = 4\n")
    env = {"PYTHONPATH": str(site), "CRYPTOPULSE_SOURCES": "toy"}
    typo = run_cli(["run", "--start", "2024-06-01"], settings, tmp_path, **env)
    assert typo.returncode != 0
    assert "did you mean 'toy_posts_per_day'?" in typo.stdout + typo.stderr

    config.unlink()
    bad = run_cli(
        ["run", "--start", "2024-06-01"],
        settings,
        tmp_path,
        CRYPTOPULSE_TOY_POSTS_PER_DAY="0",
        **env,
    )
    assert bad.returncode != 0
    assert "CRYPTOPULSE_TOY_POSTS_PER_DAY: Input should be greater than or equal to 1" in (
        bad.stdout + bad.stderr
    )


def test_a_plugin_that_cannot_be_imported_is_named_in_one_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "broken_source-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-source\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[cryptopulse.sources]\nbroken = broken_source:PLUGIN\n")
    settings = Settings(lake_url=str(tmp_path / "lake"), warehouse_url=str(tmp_path / "w.duckdb"))
    env = {"PYTHONPATH": str(site)}
    assert run_cli(["extract", "--help"], settings, tmp_path, **env).returncode == 0
    done = run_cli(["status"], settings, tmp_path, **env)
    assert done.returncode != 0
    assert "source plugin 'broken' (broken_source:PLUGIN) cannot be loaded" in done.stderr
    assert "Traceback" not in done.stderr
