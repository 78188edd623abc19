"""The dashboard's entry point: ``streamlit run`` this file (``cryptopulse dashboard`` does)."""

from __future__ import annotations

import streamlit as st

from cryptopulse.serve.dashboard import ui

st.set_page_config(page_title="cryptopulse", page_icon="📈", layout="wide")
ui.keep_shared_state()
PAGES = [
    st.Page("pages/market.py", title="Market", icon=":material/show_chart:", default=True),
    st.Page("pages/social.py", title="Social", icon=":material/forum:"),
    st.Page("pages/price_sentiment.py", title="Price × sentiment", icon=":material/compare:"),
    st.Page("pages/health.py", title="Pipeline health", icon=":material/monitor_heart:"),
]
st.navigation(PAGES).run()
