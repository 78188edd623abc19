"""Social: post volume, unique authors, dominance and sentiment; the z-score's extremes; the
top posts of an hour."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from cryptopulse.serve.dashboard import charts, columns, queries, ui

ctx = ui.context(columns.SOCIAL_TABLES)
pick = ui.pick_coin_and_days(ctx)
st.title(f"Social · {pick.label}")
grain = st.radio("Per", queries.GRAINS, index=1, horizontal=True, key="social_grain")
series = ctx.query(queries.social, pick.coin_id, pick.start, pick.end, grain)
cells = st.columns(4)
cells[0].metric("Posts", f"{int(series['social_volume'].sum()):,}")
cells[1].metric(f"Busiest {grain}", f"{int(series['social_volume'].max() or 0):,} posts")
cells[2].metric("Mean dominance", f"{series['social_dominance'].mean() * 100:.1f} %")
cells[3].metric("Mean sentiment", f"{series['mean_sentiment'].mean():+.3f}")
st.plotly_chart(ctx.figure(charts.social, (pick, grain), series, pick.label, grain))
with st.expander(f"The numbers per {grain}"):
    st.dataframe(series, hide_index=True)

st.subheader("Sentiment extremes")
threshold = st.slider(
    "Extreme when |z| ≥", min_value=1.0, max_value=5.0, value=3.0, step=0.5, key="z_threshold"
)
z = ctx.query(queries.zscores, pick.coin_id, pick.start, pick.end)
extremes = queries.extremes(z, threshold)
st.plotly_chart(ctx.figure(charts.zscore, (pick, threshold), z, extremes, threshold, pick.label))
st.caption(
    "Weighted sentiment (posts × mean sentiment) against its mean and spread over the "
    f"previous week; {len(extremes)} hours reach |z| ≥ {threshold:g}."
)

st.subheader("Top posts of an hour")
# The hour shown first: the most extreme one, else the busiest.
if not extremes.empty:
    default = extremes.loc[0, "hour_ts"].to_pydatetime()
else:
    hours = ctx.query(queries.social, pick.coin_id, pick.start, pick.end, "hour")
    default = hours.loc[hours["social_volume"].idxmax(), "period"].to_pydatetime()
left, right = st.columns(2)
# Keyed on the coin and days: another pick starts again from its own most extreme hour.
picked = f"{pick.coin_id}:{pick.start}:{pick.end}"
day = left.date_input(
    "Day (UTC)",
    value=default.date(),
    min_value=pick.start,
    max_value=pick.end,
    key=f"post_day:{picked}",
)
hour = right.number_input("Hour (UTC)", 0, 23, value=default.hour, key=f"post_hour:{picked}")
chosen = datetime.combine(day, time()) + timedelta(hours=int(hour))
posts = ctx.query(queries.top_posts, pick.coin_id, chosen)
st.caption(f"Posts mentioning {pick.label} from {chosen:%Y-%m-%d %H:00} UTC, most liked first.")
if posts.empty:
    st.info("No posts in that hour.")
else:
    st.dataframe(
        posts,
        hide_index=True,
        column_config={
            "url": st.column_config.LinkColumn("link"),
            "sentiment": st.column_config.NumberColumn(format="%+.3f"),
        },
    )
