"""The emulator's listener queues connections as Grafana's Go listener does: up to the
kernel's ``somaxconn`` (Go's ``maxListenerBacklog``), so a client that opens many connections
at once has each handshake completed by the kernel before the server gets to accept it,
instead of a dropped SYN and a second's wait for its retry."""

from __future__ import annotations

import selectors
import socket
import time

from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.server import listen_backlog

AT_ONCE = 200  # more than the 128 the emulator used to queue


def _connected_within(server: EmulatorServer, count: int, seconds: float) -> int:
    """How many of ``count`` connections opened at once complete their handshake."""
    sockets = []
    try:
        with selectors.DefaultSelector() as selector:
            for _ in range(count):
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex((server.host, server.port))
                sockets.append(sock)
                selector.register(sock, selectors.EVENT_WRITE)
            connected = 0
            ends = time.monotonic() + seconds
            while connected < count and (left := ends - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    selector.unregister(key.fileobj)
                    error = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    connected += error == 0
            return connected
    finally:
        for sock in sockets:
            sock.close()


def test_connections_wait_in_the_kernels_queue_until_they_are_accepted() -> None:
    server = EmulatorServer(Emulator())  # not started: nothing accepts while they connect
    try:
        connected = _connected_within(server, AT_ONCE, seconds=0.5)
    finally:
        server.stop()
    # Linux queues backlog + 1; a dropped SYN is retried after a second, past the wait
    assert connected == min(AT_ONCE, listen_backlog() + 1)
