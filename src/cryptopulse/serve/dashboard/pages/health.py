"""Pipeline health: the last runs, freshness per source, and the quarantine's causes."""

from __future__ import annotations

import streamlit as st

from cryptopulse.serve.dashboard import charts, health, ui

ctx = ui.context(need_marts=False)  # the lake's own records: no warehouse needed
st.title("Pipeline health")
runs = ctx.health("runs")
if runs.empty:
    st.info(ui.GUIDANCE)
    st.stop()
last = runs.iloc[0]
cells = st.columns(4)
cells[0].metric("Last run", str(last["status"]))
cells[1].metric("Rows landed", f"{int(last['landed']):,}")
cells[2].metric("Rows quarantined", f"{int(last['quarantined']):,}")
cells[3].metric("Checks passed", str(last["checks"]))
st.caption(f"`{last['command']}`, started {last['started']} UTC, window {last['window']}.")

st.subheader("Last runs")
st.dataframe(runs, hide_index=True)
st.plotly_chart(ctx.figure(charts.stage_times, (), runs, health.STAGES))

st.subheader("Freshness per source")
st.caption("The last UTC day each source's data landed in the lake.")
st.dataframe(ctx.health("freshness"), hide_index=True)

st.subheader("Quarantine")
causes = ctx.health("quarantine_causes")
if causes.empty:
    st.success("Nothing quarantined.")
else:
    st.plotly_chart(ctx.figure(charts.quarantine, (), causes))
    st.dataframe(causes, hide_index=True)
