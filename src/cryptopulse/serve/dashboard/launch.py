"""How ``cryptopulse dashboard`` starts Streamlit: on loopback, headless, telemetry off.

No Streamlit import here: the CLI builds the command line and replaces itself with it.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys

from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings
from cryptopulse.serve.dashboard import APP

HOST = "127.0.0.1"  # loopback only: from another machine, forward the port over ssh


def check_installed() -> None:
    """Streamlit and Plotly are the ``dashboard`` extra; say so when they are missing."""
    missing = [name for name in ("streamlit", "plotly") if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(
            f"the dashboard needs {' and '.join(missing)}: install the dashboard extra, "
            "pip install 'cryptopulse[dashboard]' (make setup installs every extra)"
        )


def check_port_free(port: int, setting: str) -> None:
    """Fail with one line now rather than in Streamlit's log when the port is taken."""
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise UserError(
                f"port {port} on {HOST} is in use (another dashboard?): stop it, or set "
                f"{setting} (or --port) to a free port"
            ) from None


def streamlit_command(port: int) -> list[str]:
    """``streamlit run`` of the app on 127.0.0.1:``port``: headless (no browser opened),
    no usage statistics, no file watcher, no developer menu."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
    ]


def streamlit_environment(settings: Settings) -> dict[str, str]:
    """This process's environment (the CRYPTOPULSE_* settings travel along, the cache's
    lifetime resolved from every settings source), telemetry off."""
    return {
        **os.environ,
        "CRYPTOPULSE_DASHBOARD_CACHE_SECONDS": str(settings.dashboard_cache_seconds),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
