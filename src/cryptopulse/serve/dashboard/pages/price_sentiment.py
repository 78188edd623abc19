"""Price × sentiment: the two on twin axes, the lead-lag curve, and coins ranked by lead."""

from __future__ import annotations

import streamlit as st

from cryptopulse.serve.dashboard import charts, columns, queries, ui

ctx = ui.context(columns.LEADLAG_TABLES)
pick = ui.pick_coin_and_days(ctx)
st.title(f"Price × sentiment · {pick.label}")
hourly = ctx.query(queries.price_and_sentiment, pick.coin_id, pick.start, pick.end)
st.plotly_chart(ctx.figure(charts.price_and_sentiment, (pick,), hourly, pick.label))

st.subheader("Does sentiment lead the price?")
curve = ctx.query(queries.leadlag, pick.coin_id)
best = queries.best_lag(curve)
if curve.empty:
    st.info(f"No lead-lag figures for {pick.label} yet.")
else:
    cells = st.columns(3)
    if best is None:
        cells[0].metric("Best lag", "none significant")
    else:
        lag = int(best["lag_hours"])
        cells[0].metric("Best lag", f"{lag:+d} h")
        cells[1].metric("Correlation at the best lag", f"{float(best['correlation']):+.3f}")
        cells[2].metric("Hours compared", f"{int(best['n_observations']):,}")
    st.plotly_chart(ctx.figure(charts.leadlag, (pick.coin_id,), curve, best, pick.label))
    st.caption(
        "Correlation between the hourly change in sentiment and the log return lag hours "
        f"later, over the whole history, with its {columns.LEADLAG_BAND}. A positive lag: "
        "sentiment moves first. The best lag is the significant one with the largest |r|."
    )

st.subheader("Coins ranked by their best lead")
coins = ctx.query(queries.coins)
ranking = ctx.query(queries.ranking, coins)
st.dataframe(
    ranking,
    hide_index=True,
    column_config={
        "lead_hours": st.column_config.NumberColumn("lead (h)"),
        "lead_correlation": st.column_config.NumberColumn("r at the lead", format="%+.3f"),
        "best_lag_hours": st.column_config.NumberColumn("best lag (h)"),
        "best_correlation": st.column_config.NumberColumn("r at the best lag", format="%+.3f"),
    },
)
