"""The closing summary of a CoinGecko backfill: calls, retries, rows, coins skipped and why."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text


def render_backfill(data: dict[str, Any]) -> RenderableType:
    """``data`` is ``BackfillReport.to_dict()`` (as kept in the run record)."""
    parts: list[RenderableType] = []
    coins: list[dict[str, Any]] = data.get("coins") or []
    calls: dict[str, Any] = data.get("calls") or {}
    points: dict[str, Any] = data.get("points") or {}
    reasons = calls.get("retry_reasons") or {}
    why = ", ".join(f"{n} × {kind}" for kind, n in reasons.items())
    landed = [c for c in coins if c["status"] == "landed"]
    up_to_date = [c for c in coins if c["status"] == "up to date"]
    fetched = sum(int(c["windows_done"]) for c in coins)
    already = sum(int(c["days_already_landed"]) for c in coins)

    table = Table(title="CoinGecko", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("figures")
    table.add_row("calls", f"{calls.get('calls', 0):,} (incl. {calls.get('retries', 0):,} retries)")
    if why:
        table.add_row("retried after", why)
    table.add_row("HTTP 429 received", f"{calls.get('rate_limited', 0):,}")
    table.add_row(
        "coins",
        f"{len(coins)} selected · {len(landed)} landed · {len(up_to_date)} already up to date"
        f" · {len(coins) - len(landed) - len(up_to_date)} skipped or failed",
    )
    table.add_row(
        "windows",
        f"{fetched:,} fetched (≤ 90 days each)"
        + (f" · {already:,} coin-days already landed, not fetched again" if already else ""),
    )
    table.add_row(
        "rows",
        f"{data.get('rows_landed', 0):,} landed · {data.get('rows_quarantined', 0):,} quarantined",
    )
    dropped = [
        f"{points.get(key, 0):,} {label}"
        for key, label in (
            ("off_grid_dropped", "off-grid or trailing 'now'"),
            ("duplicates_dropped", "duplicate"),
            ("malformed_dropped", "malformed"),
        )
        if points.get(key)
    ]
    if dropped:
        table.add_row("points dropped", " · ".join(dropped))
    if points.get("empty_windows"):
        table.add_row("empty windows", f"{points['empty_windows']:,} (no data: not listed yet?)")
    parts.append(table)

    # One message per distinct reason, naming the coins it applies to.
    by_reason: dict[tuple[str, str], list[str]] = {}
    for coin in coins:
        if coin["status"] in ("skipped", "failed"):
            key = (coin["status"], coin.get("reason") or "unknown reason")
            by_reason.setdefault(key, []).append(coin["coin_id"])
    for (status, reason), ids in by_reason.items():
        shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        word = "Skipped" if status == "skipped" else "Failed"
        parts.append(
            Text.assemble(
                (f"{word} {len(ids)} coin{'s' if len(ids) > 1 else ''} ", "bold yellow"),
                (f"({shown})", "yellow"),
                f": {reason}",
            )
        )
    return Group(*parts)
