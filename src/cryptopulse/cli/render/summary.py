"""What a person reads at the end of a pipeline run (its run record)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cryptopulse.lake import layout


def render_run(run: dict[str, Any]) -> RenderableType:
    """The closing summary of a run (a run record as saved in the lake)."""
    parts: list[RenderableType] = []
    ok = run.get("status") == "ok"
    title = Text.assemble(
        ("✔ " if ok else "✘ ", "bold green" if ok else "bold red"),
        (f"cryptopulse {run.get('command', '')}", "bold"),
        f"  ·  {run.get('interval') or 'all landed data'}  ·  run {run.get('run_id', '?')}",
    )
    parts.append(title)

    landings = run.get("landings") or []
    if landings:
        table = Table(title="Landed in the lake", title_justify="left", expand=False)
        for name in ("source", "dataset", "rows in", "landed", "quarantined", "why quarantined"):
            table.add_column(
                name, justify="right" if name[0] in "rlq" and name != "why quarantined" else "left"
            )
        for item in landings:
            reasons = item.get("reasons") or {}
            why = "\n".join(f"{v:,} × {k}" for k, v in list(reasons.items())[:4])
            table.add_row(
                item["source"],
                item["dataset"],
                f"{item['rows_in']:,}",
                f"{item['rows_landed']:,}",
                f"{item['rows_quarantined']:,}",
                why or "-",
            )
        parts.append(table)

    apis = {name: s.get("api") for name, s in (run.get("sources") or {}).items() if s.get("api")}
    if apis:
        table = Table(title="API calls", title_justify="left")
        for name in ("source", "calls", "retries", "429s", "waited s", "why retried"):
            table.add_column(name, justify="left" if name in ("source", "why retried") else "right")
        for name, api in apis.items():
            reasons = api.get("retry_reasons") or {}
            table.add_row(
                name,
                f"{api.get('calls', 0):,}",
                f"{api.get('retries', 0):,}",
                f"{api.get('rate_limited', 0):,}",
                f"{api.get('throttled_seconds', 0):.1f}",
                ", ".join(f"{v} × {k}" for k, v in list(reasons.items())[:3]) or "-",
            )
        parts.append(table)

    enriched = run.get("enrich") or {}
    if enriched:
        seen = enriched.get("posts_seen", 0)
        done = max(enriched.get("posts_scored", 0), enriched.get("posts_resolved", 0))
        rest = "; the rest were done already" if done < seen else ""
        parts.append(
            Text(
                f"Enriched: {enriched.get('posts_scored', 0):,} posts scored and "
                f"{enriched.get('posts_resolved', 0):,} resolved to coins "
                f"({enriched.get('mention_rows', 0):,} mention rows) of {seen:,} landed{rest}"
            )
        )

    rows = run.get("table_rows") or {}
    if rows:
        parts.append(table_rows(rows))
        tests = run.get("tests") or {}
        if tests:
            parts.append(
                Text(f"Data quality: {tests.get('passed', 0)}/{tests.get('run', 0)} checks passed")
            )

    seconds = run.get("stage_seconds") or {}
    if seconds:
        table = Table(title="Time per stage", title_justify="left")
        table.add_column("stage")
        table.add_column("seconds", justify="right")
        for name, value in seconds.items():
            table.add_row(name, f"{value:.1f}")
        table.add_row("[bold]total", f"[bold]{sum(seconds.values()):.1f}")
        parts.append(table)

    outputs = Table(title="Where the outputs are", title_justify="left", show_header=False)
    outputs.add_column("what")
    outputs.add_column("where")
    lake = run.get("lake", "")
    outputs.add_row("lake", lake)
    outputs.add_row(
        f"warehouse ({run.get('warehouse_engine', 'DuckDB')})", run.get("warehouse", "")
    )
    if run.get("exports"):
        outputs.add_row("marts", f"{lake}/{layout.MARTS}/")
    if any(item.get("rows_quarantined") for item in landings):
        outputs.add_row("quarantine", f"{lake}/{layout.QUARANTINE}/")
    parts.append(outputs)
    if run.get("error"):
        parts.append(Text(f"error: {run['error']}", style="red"))
    return Group(*parts)


def table_rows(rows: dict[str, int]) -> Table:
    """The warehouse's tables and their row counts."""
    table = Table(title="Warehouse tables", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    return table
