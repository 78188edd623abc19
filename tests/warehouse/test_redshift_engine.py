"""The Redshift engine's connection failures, against real sockets on loopback (no Redshift
runs here): each is one line naming the server, never the password, before any SQL runs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.warehouse.engine import WarehouseUnavailable
from cryptopulse.warehouse.engines import open_engine

PASSWORD = "pw-Never-Shown-3"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def closing_server() -> Iterator[int]:
    """A TCP server on loopback that reads the client's first message and hangs up: not a
    Redshift (it answers no SSL request)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        with server:
            client, _ = server.accept()
            with client:
                client.recv(1024)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    thread.join(timeout=5)


def _settings(port: int, password: str | None = PASSWORD) -> Settings:
    url = f"redshift://analyst@127.0.0.1:{port}/crypto"
    return Settings(warehouse_url=url, redshift_password=password)


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    port = _free_port()
    engine = open_engine(_settings(port))
    with pytest.raises(WarehouseUnavailable) as raised:
        engine.check_writable()
    message = str(raised.value)
    assert message == (
        f"cannot connect to the Redshift warehouse redshift://analyst@127.0.0.1:{port}/crypto: "
        "communication error (Connection refused)"
    )
    assert raised.value.__suppress_context__  # no driver traceback chained to it


def test_a_server_that_is_not_redshift_is_one_line(closing_server: int) -> None:
    engine = open_engine(_settings(closing_server))
    with pytest.raises(WarehouseUnavailable) as raised:
        engine.check_writable()
    message = str(raised.value)
    assert message.startswith("cannot connect to the Redshift warehouse redshift://analyst@")
    assert "\n" not in message and PASSWORD not in message


def test_no_password_says_where_it_comes_from_before_connecting() -> None:
    engine = open_engine(_settings(_free_port(), password=None))
    with pytest.raises(WarehouseUnavailable, match="CRYPTOPULSE_REDSHIFT_PASSWORD is not set"):
        engine.check_writable()
