"""Headless Chromium for the browser tests and the dashboard load benchmark: Debian's
binary, driven by Playwright, with nothing that reaches beyond loopback."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root, headless, no GPU; no background networking, updates or sync, which this machine's
# closed network refuses (many connections at a time) and which would phone home elsewhere.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
