"""`make airflow` in a real headless browser: log in to the UI and find the DAG in its list.

Runs the README's own command (`make airflow`, which migrates the metadata database and
starts `airflow standalone` on loopback) in a fresh AIRFLOW_HOME, reads the admin password
where the README says it is, and drives Debian's Chromium with Playwright. The page is saved
as a screenshot in the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS
from conftest import _free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300.0


@pytest.fixture(scope="module")
def airflow_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`make airflow` on a free loopback port; yields (base URL, AIRFLOW_HOME)."""
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium; .ci/run does)")
    work = tmp_path_factory.mktemp("airflow-ui")
    home, port = work / "home", _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CRYPTOPULSE_"))},
        "CRYPTOPULSE_LAKE_URL": str(work / "lake"),
        "CRYPTOPULSE_WAREHOUSE_URL": str(work / "warehouse.duckdb"),
        # The log servers standalone starts beside the UI: free ports, not 8793/8794.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
    }
    log = (work / "make-airflow.log").open("wb")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "airflow", f"AIRFLOW_HOME={home}", f"AIRFLOW_PORT={port}"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # standalone's scheduler, API server etc. go down with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, proc, work / "make-airflow.log")
        yield url, home
    finally:
        _stop(proc)
        log.close()


def test_the_airflow_ui_lists_the_dag(airflow_ui: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    url, home = airflow_ui
    passwords = home / "simple_auth_manager_passwords.json.generated"  # where the README says
    password = json.loads(passwords.read_text())["admin"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/", wait_until="load")
            page.get_by_label("Username").fill("admin")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{url}/", timeout=60_000)
            page.goto(f"{url}/dags", wait_until="load")
            # The DAG processor may still be parsing the DAG folder: reload until it is listed.
            deadline = time.monotonic() + 120
            dag_link = page.get_by_role("link", name="cryptopulse_daily", exact=True)
            while not dag_link.count() and time.monotonic() < deadline:
                page.wait_for_timeout(2_000)
                page.reload(wait_until="load")
                page.wait_for_timeout(1_000)
            dag_link.first.wait_for(timeout=30_000)
            card = page.get_by_text("0 7 * * *")
            card.first.wait_for(timeout=30_000)
            page.screenshot(path=str(tmp_path / "airflow-dags.png"))
            body = page.inner_text("body")
        finally:
            browser.close()
    assert "cryptopulse_daily" in body
    assert "0 7 * * *" in body  # scheduled daily at 07:00 UTC
    assert "1 Dag" in body  # this repo's DAG folder, no examples
    assert (tmp_path / "airflow-dags.png").stat().st_size > 10_000


def _wait_until_serving(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"`make airflow` exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"the Airflow UI did not answer at {url} within {START_TIMEOUT:.0f} s:\n{tail}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop standalone and every process it started (they share its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    # Whatever of the group outlived the leader, or would not stop, goes now.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
