"""Market: a coin's hourly price, market cap and volume, and the monthly min/max table."""

from __future__ import annotations

import streamlit as st

from cryptopulse.serve.dashboard import charts, columns, queries, ui

ctx = ui.context(columns.MARKET_TABLES)
pick = ui.pick_coin_and_days(ctx)
st.title(f"Market · {pick.label}")
hourly = ctx.query(queries.market_hourly, pick.coin_id, pick.start, pick.end)
if hourly.empty:
    st.info(f"No market figures for {pick.label} from {pick.start} to {pick.end}.")
else:
    first, last = hourly["price"].iloc[0], hourly["price"].iloc[-1]
    cells = st.columns(4)
    cells[0].metric("Last price (USD)", ui.usd(last), f"{(last / first - 1) * 100:+.2f} %")
    cells[1].metric("High (USD)", ui.usd(hourly["price"].max()))
    cells[2].metric("Low (USD)", ui.usd(hourly["price"].min()))
    cells[3].metric("Hours with prices", f"{len(hourly):,}")
    st.plotly_chart(ctx.figure(charts.market, (pick,), hourly, pick.label))

st.subheader("Monthly min / max")
st.caption(
    "The original project's aggregate (agg_coin_stats_monthly): each month's lowest and "
    "highest hourly price, market cap and 24 h volume, for the months of the days picked."
)
every_coin = st.toggle("Every coin", key="monthly_every_coin")
monthly = ctx.query(
    queries.monthly_min_max, None if every_coin else pick.coin_id, pick.start, pick.end
)
money = {
    name: st.column_config.NumberColumn(format="dollar" if "price" in name else "compact")
    for name in monthly.columns
    if name.startswith(("min_", "max_"))
}
st.dataframe(monthly, hide_index=True, column_config=money)
st.download_button(
    "Download CSV",
    monthly.to_csv(index=False),
    file_name=f"agg_coin_stats_monthly_{'all' if every_coin else pick.coin_id}"
    f"_{pick.start}_{pick.end}.csv",
    mime="text/csv",
)
