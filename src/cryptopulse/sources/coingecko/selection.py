"""Which coins to fetch: ``top:N`` by market cap, or a comma-separated list of CoinGecko ids."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptopulse.core.settings import SettingsError

MAX_TOP = 1000  # four pages of /coins/markets
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
ACCEPTED = "top:N (N from 1 to 1000) or comma-separated CoinGecko ids such as bitcoin,ethereum"


@dataclass(frozen=True)
class CoinSelection:
    """``top`` coins by market cap, or exactly ``ids``."""

    top: int | None = None
    ids: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"top:{self.top}" if self.top is not None else ",".join(self.ids)


def parse_coins(text: str, what: str = "--coins") -> CoinSelection:
    """Parse ``top:N`` or ``id,id,...``; a mistake raises SettingsError naming ``what``."""
    value = text.strip().lower()
    if value.startswith("top:"):
        number = value[len("top:") :].strip()
        if not number.isdigit() or not 1 <= int(number) <= MAX_TOP:
            raise SettingsError(f"{what}: accepted: {ACCEPTED} (got {text!r})")
        return CoinSelection(top=int(number))
    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [i for i in ids if not _ID.match(i)]
    if not ids or bad:
        raise SettingsError(f"{what}: accepted: {ACCEPTED} (got {text!r})")
    return CoinSelection(ids=tuple(dict.fromkeys(ids)))
