"""A child process's output, line by line, for tests that wait for what it prints (imported by
name: keep it unique)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable


class LineReader:
    """Reads a pipe in a thread so the test can wait for a line with a timeout."""

    def __init__(self, pipe: Iterable[str] | None, timeout_s: float) -> None:
        assert pipe is not None
        self.timeout_s = timeout_s
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe: Iterable[str]) -> None:
        for line in pipe:
            self._queue.put(line)

    def wait_for(self, text: str) -> str:
        """The first line still unread that holds ``text`` (the lines before it are read too)."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{text!r} not printed within {self.timeout_s} s: {self.lines}"
                )
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            self.lines.append(line)
            if text in line:
                return line

    def drain(self) -> str:
        """Everything printed, once the process has exited."""
        self._thread.join(self.timeout_s)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return "".join(self.lines)
