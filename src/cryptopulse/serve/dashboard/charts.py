"""Plotly figures of the pages' DataFrames (no Streamlit here: tested as plain functions)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cryptopulse.serve.dashboard.columns import LEADLAG_BAND

TEMPLATE = "plotly_white"
PRICE = "#1f77b4"
SENTIMENT = "#d62728"
EXTREME = "#ff7f0e"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    # The legend sits between the title and the plot, clear of the axis titles below.
    fig.update_layout(
        title={"text": title, "y": 0.98, "yref": "container", "yanchor": "top"},
        template=TEMPLATE,
        height=height,
        margin={"l": 60, "r": 30, "t": 90, "b": 50},
        hovermode="x unified",
        legend={"orientation": "h", "x": 0, "y": 1.01, "yanchor": "bottom"},
    )
    return fig


def market(hourly: pd.DataFrame, coin: str) -> go.Figure:
    """Hourly price, market cap and 24 h volume, stacked on one time axis."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05)
    x = hourly["hour_ts"]
    fig.add_trace(go.Scatter(x=x, y=hourly["price"], name="Price", line_color=PRICE), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=hourly["market_cap"], name="Market cap"), 2, 1)
    fig.add_trace(go.Bar(x=x, y=hourly["total_volume"], name="24 h volume"), 3, 1)
    fig.update_yaxes(title_text="Price (USD)", row=1, col=1)
    fig.update_yaxes(title_text="Market cap (USD)", row=2, col=1)
    fig.update_yaxes(title_text="24 h volume (USD)", row=3, col=1)
    fig.update_xaxes(title_text="Hour (UTC)", row=3, col=1)
    return _layout(fig, f"{coin}: hourly price, market cap and volume", 640)


def social(series: pd.DataFrame, coin: str, grain: str) -> go.Figure:
    """Post volume and unique authors, social dominance, and mean and engagement-weighted
    sentiment, per hour or day."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    x = series["period"]
    fig.add_trace(go.Bar(x=x, y=series["social_volume"], name="Posts"), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=series["unique_authors"], name="Unique authors"), 1, 1)
    fig.add_trace(
        go.Scatter(x=x, y=series["social_dominance"] * 100, name="Social dominance"), 2, 1
    )
    fig.add_trace(go.Scatter(x=x, y=series["mean_sentiment"], name="Mean sentiment"), 3, 1)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=series["engagement_weighted_sentiment"],
            name="Engagement-weighted sentiment",
            line_color=SENTIMENT,
        ),
        3,
        1,
    )
    fig.update_yaxes(title_text=f"Posts per {grain}", row=1, col=1)
    fig.update_yaxes(title_text="Social dominance (%)", row=2, col=1)
    fig.update_yaxes(title_text="Sentiment (−1…1)", row=3, col=1)
    fig.update_xaxes(title_text="Day (UTC)" if grain == "day" else "Hour (UTC)", row=3, col=1)
    return _layout(fig, f"{coin}: social volume, dominance and sentiment per {grain}", 700)


def zscore(z: pd.DataFrame, extremes: pd.DataFrame, threshold: float, coin: str) -> go.Figure:
    """The weighted-sentiment z-score by hour, its extremes marked."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=z["hour_ts"], y=z["weighted_sentiment_zscore"], name="z-score", mode="lines")
    )
    fig.add_trace(
        go.Scatter(
            x=extremes["hour_ts"],
            y=extremes["weighted_sentiment_zscore"],
            name=f"|z| ≥ {threshold:g}",
            mode="markers",
            marker={"color": EXTREME, "size": 9, "symbol": "diamond"},
        )
    )
    for level in (threshold, -threshold):
        fig.add_hline(y=level, line_dash="dot", line_color="grey")
    fig.update_yaxes(title_text="Weighted sentiment z-score")
    fig.update_xaxes(title_text="Hour (UTC)")
    return _layout(fig, f"{coin}: sentiment z-score against the previous week", 360)


def price_and_sentiment(hourly: pd.DataFrame, coin: str) -> go.Figure:
    """Price (left axis) and weighted sentiment (right axis) by hour."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(x=hourly["hour_ts"], y=hourly["price"], name="Price", line_color=PRICE),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=hourly["hour_ts"],
            y=hourly["weighted_sentiment"],
            name="Weighted sentiment",
            line_color=SENTIMENT,
            opacity=0.3,
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=hourly["hour_ts"],
            y=hourly["weighted_sentiment"].rolling(24, min_periods=1).mean(),
            name="Weighted sentiment, 24 h mean",
            line_color=SENTIMENT,
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="Price (USD)", secondary_y=False)
    fig.update_yaxes(title_text="Weighted sentiment (posts × mean)", secondary_y=True)
    fig.update_xaxes(title_text="Hour (UTC)")
    return _layout(fig, f"{coin}: price and weighted sentiment", 420)


def leadlag(curve: pd.DataFrame, best: pd.Series | None, coin: str) -> go.Figure:
    """Correlation against lag with its confidence band, the best lag marked."""
    fig = go.Figure()
    lags = curve["lag_hours"]
    fig.add_trace(
        go.Scatter(x=lags, y=curve["ci_high"], mode="lines", line_width=0, showlegend=False)
    )
    fig.add_trace(
        go.Scatter(
            x=lags,
            y=curve["ci_low"],
            mode="lines",
            line_width=0,
            fill="tonexty",
            fillcolor="rgba(31,119,180,0.2)",
            name=LEADLAG_BAND,
        )
    )
    fig.add_trace(
        go.Scatter(x=lags, y=curve["correlation"], mode="lines+markers", name="Correlation")
    )
    fig.add_hline(y=0, line_color="grey")
    if best is not None:
        fig.add_vline(x=int(best["lag_hours"]), line_dash="dash", line_color=EXTREME)
        fig.add_trace(
            go.Scatter(
                x=[int(best["lag_hours"])],
                y=[float(best["correlation"])],
                mode="markers",
                marker={"color": EXTREME, "size": 14, "symbol": "star"},
                name=f"Best lag: {int(best['lag_hours']):+d} h",
            )
        )
    fig.update_xaxes(title_text="Lag (hours; > 0: sentiment leads the return)", range=[-25, 25])
    fig.update_yaxes(title_text="Correlation")
    fig.update_layout(hovermode="closest")
    return _layout(fig, f"{coin}: sentiment change against later returns", 420)


def quarantine(causes: pd.DataFrame) -> go.Figure:
    """The quarantine's largest causes as horizontal bars."""
    top = causes.head(10).iloc[::-1]
    labels = top["source"] + " · " + top["dataset"] + " · " + top["cause"]
    fig = go.Figure(go.Bar(x=top["rows"], y=labels, orientation="h", name="Rows"))
    fig.update_xaxes(title_text="Quarantined rows")
    fig.update_yaxes(title_text="Cause", automargin=True)
    fig.update_layout(hovermode="closest")
    return _layout(fig, "Largest causes of quarantine", 360)


def stage_times(runs: pd.DataFrame, stages: tuple[str, ...]) -> go.Figure:
    """Seconds per stage of each run, stacked, oldest run first."""
    shown = runs.iloc[::-1]
    x = shown["started"].astype(str) + " · " + shown["command"].astype(str)
    fig = go.Figure()
    for name in stages:
        fig.add_trace(go.Bar(x=x, y=shown[f"{name} s"], name=name))
    fig.update_layout(barmode="stack", bargap=0.7 if len(shown) < 5 else 0.2)
    fig.update_xaxes(title_text="Run (started, UTC)")
    fig.update_yaxes(title_text="Seconds per stage")
    return _layout(fig, "Time per stage", 360)
