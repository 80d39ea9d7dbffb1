"""Helpers for the lost-answer tests: a fault that starts once a given request was sent, over
real HTTP (dashgen's own transport to an emulator server)."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase

import httpx
import pytest

from dashgen.grafana.transport import StdlibTransport


def after_first(
    monkeypatch: pytest.MonkeyPatch, method: str, patterns: list[str], action: Callable[[], None]
) -> list[int]:
    """Run ``action`` once, right after the first ``method`` request to one of ``patterns``
    (not a server dry run) got its answer (or lost it); returns the list that counts it."""
    done: list[int] = []
    handle = StdlibTransport.handle_request

    def patched(self: StdlibTransport, request: httpx.Request) -> httpx.Response:
        hit = (
            not done
            and request.method == method
            and b"dryRun" not in request.url.query
            and any(fnmatchcase(request.url.path, p) for p in patterns)
        )
        try:
            return handle(self, request)
        finally:
            if hit:
                done.append(1)
                action()

    monkeypatch.setattr(StdlibTransport, "handle_request", patched)
    return done
