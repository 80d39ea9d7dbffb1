"""Path patterns to route handlers; the per-request context handlers receive."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dashgen.testing.auth import Identity
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.state import State
from dashgen.testing.wire import Request, Response


@dataclass
class Context:
    request: Request
    state: State
    profile: GrafanaProfile
    identity: Identity | None = None
    params: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # /apis: Warning headers (k8s_wire)

    @property
    def caller(self) -> Identity:
        assert self.identity is not None, "route declared public but reads the caller"
        return self.identity


Handler = Callable[[Context], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # "/api/dashboards/uid/{uid}"
    handler: Handler
    public: bool = False

    def match(self, path: str) -> dict[str, str] | None:
        found = _compiled(self.pattern).fullmatch(path)
        return found.groupdict() if found else None


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _CACHE:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        _CACHE[pattern] = re.compile(regex + "/?")
    return _CACHE[pattern]


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)
        # Each method's routes in order, with the literal start every path they match has
        # (only a route whose start the path has is matched: the same first match, cheaper).
        self._by_method: dict[str, list[tuple[str, Route]]] = {}
        for route in self.routes:
            start = _LITERAL_START.match(route.pattern)
            literal = start.group(0) if start else ""
            self._by_method.setdefault(route.method, []).append((literal, route))

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method`` and ``path``; every GET route answers HEAD too (Grafana's
        router registers both for ``Get``). OPTIONS and other methods have no routes."""
        wanted = "GET" if method == "HEAD" else method
        for literal, route in self._by_method.get(wanted, ()):
            if path.startswith(literal):
                params = route.match(path)
                if params is not None:
                    return route, params
        return None


_LITERAL_START = re.compile(r"[A-Za-z0-9/_-]*")  # (no regex meaning: matched as it is)
