"""The bound on one whole exchange of ``StdlibTransport``: a server that trickles its answer
cannot outlast it.

A socket timeout bounds each read, not the answer: a server (or a proxy) that sends a byte
now and then, each well within the read timeout, would keep a request open for as long as
it likes, past ``--timeout`` and past the command's deadline. The transport gives each
exchange an end (its total timeout: ``--timeout``, or the time left before the deadline,
whichever is sooner) and this watchdog shuts the connection of an exchange still running at
its end, as an interrupt's cut does: its reads end at once and the request fails with no
answer, which the transport reports as a timeout.

One daemon thread per transport, started on the first exchange and gone after a few idle
seconds; it wakes only at the earliest end (a new exchange ending sooner wakes it), so an
exchange costs a dict entry, not a thread.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from typing import Any

_IDLE_S = 5.0  # the thread ends after this long with nothing to watch


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watched: dict[int, tuple[Any, float]] = {}  # key: (connection, end)
        self._cut: set[int] = set()
        self._wakes_at = math.inf  # when the thread next looks (inf: idle, or not running)
        self._running = False

    def watch(self, key: int, connection: Any, ends: float) -> None:
        """Shut ``connection``'s socket at ``ends`` (monotonic) unless ``unwatch``ed first."""
        with self._cond:
            self._watched[key] = (connection, ends)
            if not self._running:
                self._running = True
                thread = threading.Thread(target=self._run, name="dashgen-watchdog", daemon=True)
                thread.start()
            elif ends < self._wakes_at:
                self._cond.notify()

    def unwatch(self, key: int) -> bool:
        """Stop watching ``key``; True when its end had come and its connection was shut."""
        with self._cond:
            self._watched.pop(key, None)
            if key in self._cut:
                self._cut.discard(key)
                return True
            return False

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, (connection, ends) in list(self._watched.items()):
                    if ends <= now:
                        del self._watched[key]
                        self._cut.add(key)
                        shut(connection)
                if self._watched:
                    self._wakes_at = min(ends for _, ends in self._watched.values())
                    self._cond.wait(self._wakes_at - now)
                    continue
                self._wakes_at = math.inf
                self._cond.wait(_IDLE_S)
                if not self._watched:
                    self._running = False
                    return


def shut(connection: Any) -> None:
    """Shut an ``http.client`` connection's socket: its reads and writes end now. (The
    socket's own shutdown: an SSLSocket's would drop its TLS state under the thread reading
    it.)"""
    sock = connection.sock
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # closed meanwhile
