"""What ``cryptopulse status`` prints: the lake's contents, the warehouse's tables, the last run."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cryptopulse.cli.render.summary import table_rows
from cryptopulse.core.server_url import mask_password
from cryptopulse.orchestrate.status import Status


def render_status(status: Status) -> RenderableType:
    """What is in the lake and the warehouse, and how the last run went."""
    parts: list[RenderableType] = [Text(f"Lake: {status.lake}", style="bold")]
    table = Table(title="Lake", title_justify="left")
    for name in ("zone", "source", "dataset", "partitions", "first", "last", "rows"):
        table.add_column(name, justify="right" if name in ("partitions", "rows") else "left")
    for part in status.parts:
        table.add_row(
            part.zone,
            part.source,
            part.dataset,
            f"{part.files:,}",
            part.first_day or "-",
            part.last_day or "-",
            f"{part.rows:,}",
        )
    if table.row_count:
        parts.append(table)
    else:
        parts.append(Text("The lake is empty: run `cryptopulse demo` or `cryptopulse extract`."))

    parts.append(Text(f"Warehouse: {status.warehouse}", style="bold"))
    if status.table_rows:
        parts.append(table_rows(status.table_rows))
    else:
        parts.append(Text("No warehouse yet: run `cryptopulse transform`."))

    last = status.last_run
    if last:
        parts.append(
            Text(
                f"Last run: {last.get('command')} · {status.last_outcome} · "
                f"started {last.get('started_at')} · finished {last.get('finished_at') or '-'}"
                + (f" · {mask_password(last['error'])}" if last.get("error") else ""),
                style="green" if last.get("status") == "ok" else "red",
            )
        )
    elif not any(path.endswith("last_run.json") for path, _ in status.unreadable):
        parts.append(Text("No run recorded yet."))
    if status.unreadable:
        parts.append(Text(f"Unreadable lake files ({len(status.unreadable)}):", style="bold red"))
        parts.extend(Text(f"  {path}: {remedy}") for path, remedy in status.unreadable)
    if status.leftovers:
        parts.append(Text("Left by interrupted writes:", style="bold"))
        parts.extend(Text(f"  {item}") for item in status.leftovers)
    return Group(*parts)
