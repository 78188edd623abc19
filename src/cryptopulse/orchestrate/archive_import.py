"""``cryptopulse import-posts`` as a recorded run: the import, its manifest and run record
(kept in the lake like every other run's, ``state/runs/<id>.json``)."""

from __future__ import annotations

from typing import Any

from cryptopulse.core.settings import Settings
from cryptopulse.lake import open_lake
from cryptopulse.orchestrate import pipeline
from cryptopulse.sources.archive.importer import (
    ImportOptions,
    ImportPlan,
    ImportProgress,
    import_posts,
)


def command_line(options: ImportOptions, plan: ImportPlan) -> str:
    """The command as the run record shows it."""
    parts = ["import-posts", str(plan.file.path), "--format", plan.file.format]
    parts += ["--name", plan.name]
    if options.platform:
        parts += ["--platform", options.platform]
    for pair in options.mapping:
        parts += ["--map", pair]
    return " ".join(parts)


def run_import(
    settings: Settings,
    options: ImportOptions,
    plan: ImportPlan,
    on_progress: ImportProgress | None = None,
) -> dict[str, Any]:
    """Import and record the run in the lake (even when it fails); returns the record."""
    lake = open_lake(settings)
    with pipeline.recorded_run(settings, command_line(options, plan), None) as report:
        report.extra["import"] = None
        with pipeline.stage(report, "import"):
            result = import_posts(lake, plan, options, on_progress=on_progress)
        report.landings = [pipeline.landing_dict(result.landing())]
        report.extra["import"] = result.to_dict()
        nothing = result.nothing_landed()
        if nothing is not None:  # not a success, whatever the lake holds now: say why
            report.status = "failed"
            report.error = nothing
    return report.to_record()
