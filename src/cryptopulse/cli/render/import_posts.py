"""What ``cryptopulse import-posts`` prints at the end (from the run record it saved)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cryptopulse.lake import layout

_RELATION = {
    "new": "",
    "unchanged": "the same file as the previous import under this name: its files were "
    "rewritten as they were",
    "grown": "the file grew since the previous import under this name: its files were "
    "rewritten and the new posts added",
    "changed": "a different file than the previous import under this name: it replaced it",
}


def render_import(run: dict[str, Any]) -> RenderableType:
    """The closing summary of an import run."""
    data = run.get("import") or {}
    ok = run.get("status") == "ok"
    title = Text.assemble(
        ("✔ " if ok else "✘ ", "bold green" if ok else "bold red"),
        ("cryptopulse import-posts", "bold"),
        f"  ·  {data.get('path', '?')}  ·  run {run.get('run_id', '?')}",
    )
    parts: list[RenderableType] = [title]
    if not data:
        return Group(*parts)

    packed = f", {data['compression']}" if data.get("compression") else ""
    parts.append(
        Text(
            f"Imported as {data['name']!r} ({data['format']}{packed}) into source "
            f"{data['source']!r}"
        )
    )
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("detail", style="dim")
    seconds = float(data.get("seconds") or 0.0)
    rate = f"{data['rows_read'] / seconds:,.0f} rows/s" if seconds > 0 else ""
    table.add_row("rows read", f"{data['rows_read']:,}", rate)
    table.add_row("landed", f"{data['rows_landed']:,}", "")
    reasons = data.get("reasons") or {}
    why = ", ".join(f"{n:,} × {kind}" for kind, n in list(reasons.items())[:4])
    table.add_row("quarantined", f"{data['rows_quarantined']:,}", why)
    table.add_row(
        "duplicates",
        f"{data['duplicates']:,}",
        "within a chunk (quarantined); across chunks and files the warehouse keeps one "
        "row per (source, post_id)",
    )
    if data.get("byte_literals_decoded"):
        table.add_row(
            "texts decoded",
            f"{data['byte_literals_decoded']:,}",
            "stored as Python byte-string literals (b'…\\xe2\\x80\\x99…'), landed as real text",
        )
    span = f"{data['first_day']} .. {data['last_day']}" if data.get("first_day") else ""
    table.add_row("days covered", f"{data['days']:,}", span)
    chunks = int(data["chunks"])
    table.add_row(
        "files written", f"{data['files_written']:,}", f"{chunks:,} chunk{'s' * (chunks != 1)}"
    )
    if data.get("stale_removed"):
        table.add_row(
            "files removed",
            f"{data['stale_removed']:,}",
            "of the previous import under this name, no longer produced: run "
            "`cryptopulse transform --full-refresh` to drop their posts from the warehouse",
        )
    if data.get("leftovers_removed"):
        table.add_row(
            "leftovers removed",
            f"{data['leftovers_removed']:,}",
            "temporary files of an interrupted import under this name",
        )
    table.add_row("time", f"{seconds:,.1f} s", "")
    parts.append(table)
    relation = _RELATION.get(str(data.get("relation")), "")
    if relation:
        parts.append(Text(relation.capitalize() + ".", style="dim"))

    where = Table(title="Where they are", title_justify="left", show_header=False)
    where.add_column("what")
    where.add_column("where", overflow="fold")
    where.add_row("raw posts", data["raw_files"])
    if data.get("rows_quarantined"):
        where.add_row("quarantine", f"{run.get('lake', '')}/{layout.QUARANTINE}/{data['source']}/")
    where.add_row("import manifest", data["manifest"])
    parts.append(where)
    if ok:
        parts.append(Text("Next: `cryptopulse transform` builds the warehouse with these posts."))
    elif run.get("error"):
        error = str(run["error"])
        # "nothing landed: …" is the outcome, said plainly; anything else is an error
        plain = error.startswith("nothing landed")
        said = error[:1].upper() + error[1:] if plain else f"error: {error}"
        parts.append(Text(said, style="bold red"))
    return Group(*parts)
