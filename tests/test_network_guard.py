"""The suite cannot reach beyond loopback: a connection anywhere else fails before it is made."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import pytest_socket


@pytest.fixture
def attempted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Connections the guard let through, recorded instead of made, so this test sends nothing."""
    let_through: list[Any] = []
    monkeypatch.setattr(pytest_socket, "_true_connect", lambda _socket, *args: let_through.append(args))
    return let_through


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
@pytest.mark.parametrize("address", [("192.0.2.10", 443), ("10.1.2.3", 5432), ("2001:db8::1", 443, 0, 0)])
def test_connections_beyond_loopback_are_refused(attempted: list[Any], address: tuple[Any, ...]) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with pytest.raises(pytest_socket.SocketConnectBlockedError):
        socket.socket(family, socket.SOCK_STREAM).connect(address)
    assert attempted == []


def test_loopback_is_allowed(attempted: list[Any]) -> None:
    with socket.socket() as connection:
        connection.connect(("127.0.0.1", 9))
    assert attempted == [(("127.0.0.1", 9),)]
