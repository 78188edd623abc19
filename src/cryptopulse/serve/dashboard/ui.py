"""What every page shares: settings, where the marts are, cached queries, the coin and day
pickers, and the guidance shown when there is no data yet."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import streamlit as st

from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings, load_settings
from cryptopulse.lake import open_lake
from cryptopulse.serve.dashboard import charts, health, queries
from cryptopulse.serve.dashboard.source import NOTHING, Marts, data_version, locate

# Widget values every analysis page shares (kept while the health page is shown).
SHARED_KEYS = ("coin", "days")
# Query results are kept this long at most; a new run (data_version) refreshes them at once.
DEFAULT_TTL = 300.0
GUIDANCE = (
    "No marts to show yet. Run `make demo` (or `.venv/bin/cryptopulse demo`) for the demo "
    "data, or `cryptopulse run` on your own sources, then reload this page."
)


def keep_shared_state() -> None:
    """Keep the coin and days picked while a page without the pickers is shown (Streamlit
    forgets a widget's value on a run that does not draw it)."""
    for key in SHARED_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


@st.cache_resource(show_spinner=False)
def _settings(environment: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings()


def settings() -> Settings:
    """The settings (from CRYPTOPULSE_* and the config files); stops the page with the one
    line that says what is wrong when they are invalid."""
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CRYPTO")))
    try:
        return _settings(environment)
    except UserError as exc:
        st.error(f"cryptopulse settings: {exc}")
        st.stop()
        raise  # not reached: st.stop() ends the run


def _ttl() -> float:
    raw = os.environ.get("CRYPTOPULSE_DASHBOARD_CACHE_SECONDS")
    try:
        return float(raw) if raw else DEFAULT_TTL
    except ValueError:
        return DEFAULT_TTL


@st.cache_data(ttl=_ttl(), show_spinner=False, max_entries=1024)
def _query(name: str, key: tuple[str, ...], args: tuple[Any, ...], _marts: Marts) -> Any:
    """A ``queries`` function's result, kept per marts, data version and arguments."""
    function: Callable[..., Any] = getattr(queries, name)
    return function(_marts.frame, *args)


@st.cache_resource(ttl=_ttl(), show_spinner=False, max_entries=256)
def _figure(name: str, key: tuple[Any, ...], _data: tuple[Any, ...]) -> Any:
    """A ``charts`` figure, built once per marts, data version and page options and shared
    by every session: building a Plotly figure (its validation) costs more than the query
    behind it. Streamlit only reads it (``to_dict``), so sharing the object is safe."""
    function: Callable[..., Any] = getattr(charts, name)
    return function(*_data)


@st.cache_data(ttl=_ttl(), show_spinner=False, max_entries=64)
def _health(name: str, key: tuple[str, ...], _config: Settings) -> Any:
    lake = open_lake(_config)
    if name == "runs":
        return health.runs(health.run_records(lake))
    function: Callable[..., Any] = getattr(health, name)
    return function(lake)


@dataclass(frozen=True)
class Context:
    """One page run's settings, marts and data version."""

    settings: Settings
    marts: Marts
    version: str

    def _key(self) -> tuple[str, ...]:
        s = self.settings
        return (self.marts.kind, s.lake_url, s.warehouse_url, self.version)

    def query(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(marts.frame, *args)`` from ``queries``, cached."""
        return _query(function.__name__, self._key(), args, self.marts)

    def figure(self, chart: Callable[..., Any], options: tuple[Any, ...], *data: Any) -> Any:
        """``chart(*data)`` from ``charts``, cached: ``options`` must name everything the
        figure depends on besides the data version (coin, days, grain, threshold...)."""
        return _figure(chart.__name__, (*self._key(), *options), data)

    def health(self, name: str) -> Any:
        """``runs``, ``freshness`` or ``quarantine_causes`` of the lake, cached."""
        return _health(name, self._key(), self.settings)


def context(needed: Iterable[str] = (), need_marts: bool = True) -> Context:
    """Settings, marts and data version; when the ``needed`` tables are not there (or no
    marts at all, with ``need_marts``), the guidance is shown and the page stops."""
    config = settings()
    version = data_version(config)
    marts = _locate(config, version)
    _where(marts, version)
    missing = marts.missing(needed)
    if (need_marts and marts.kind == NOTHING) or missing:
        st.info(GUIDANCE)
        if marts.kind != NOTHING:
            st.caption(f"Missing from {marts.where}: {', '.join(missing)}.")
        elif marts.note:
            st.caption(f"Looked for: {marts.note}, and exported marts in the lake.")
        st.stop()
    return Context(config, marts, version)


@st.cache_data(ttl=30, show_spinner=False, max_entries=16)
def _locate_cached(lake_url: str, warehouse_url: str, version: str, _config: Settings) -> Marts:
    return locate(_config)


def _locate(config: Settings, version: str) -> Marts:
    # Opening the warehouse to list its tables costs a connection: done once per data
    # version and half-minute, not on every click.
    return _locate_cached(config.lake_url, config.warehouse_url, version, config)


def _where(marts: Marts, version: str) -> None:
    with st.sidebar:
        st.caption(f"Reading {marts.where}.")
        if marts.kind != NOTHING and marts.note:
            st.caption(f"The warehouse is not read: {marts.note}.")
        if version not in ("no run", "unreadable"):
            st.caption(f"Last run: {version.split('@')[0]}")


@dataclass(frozen=True)
class Pick:
    coin_id: str
    label: str
    start: date
    end: date


def pick_coin_and_days(ctx: Context) -> Pick:
    """The coin picker and the day range (UTC days, both included), in the sidebar."""
    coins = ctx.query(queries.coins)
    span: tuple[datetime, datetime] | None = ctx.query(queries.hour_span)
    if coins.empty or span is None:
        st.info(GUIDANCE)
        st.stop()
        raise AssertionError("not reached")
    labels = dict(zip(coins["coin_id"], coins["label"], strict=True))
    first, last = span[0].date(), span[1].date()
    if st.session_state.get("coin") not in labels:
        st.session_state["coin"] = coins.loc[0, "coin_id"]
    days = st.session_state.get("days")
    if not (isinstance(days, tuple) and all(first <= d <= last for d in days)):
        st.session_state["days"] = queries.default_days(span)
    with st.sidebar:
        coin_id = st.selectbox("Coin", list(labels), format_func=labels.__getitem__, key="coin")
        chosen = st.date_input(
            "Days (UTC)", min_value=first, max_value=last, key="days", format="YYYY-MM-DD"
        )
    if not isinstance(chosen, tuple) or len(chosen) != 2:
        st.info("Pick the last day of the range too.")
        st.stop()
    start, end = chosen
    return Pick(str(coin_id), labels[coin_id], start, end)


def usd(value: float) -> str:
    """A price for people: cents from a dollar up, six significant digits below."""
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.6g}"
