"""What a Python source may ask about the build it runs in: the org and its variables.

    from dashgen import context

    datasource_uid = context.var("prometheus_uid", default="prometheus")
    folder = context.org_folder()
    prometheus = context.datasource("Prometheus", type="prometheus")  # bound by name at publish

During ``dashgen build`` the values are the target org's (global ``[vars]``, then
``[orgs.<org>.vars]``, then ``--var``), and a source that asks is built once per org, like a
Jinja template; a source that never asks is built once and shared. Outside a build (say,
under grafanalib's own ``generate-dashboard``) ``var`` returns its default, so sources stay
runnable on their own.

``datasource(name, type=None)`` is the Python spelling of a name binding: the reference
``{"type": "prometheus", "name": "Prometheus"}``, which publish replaces with the uid the
datasource of that name has in each org (``dashgen.publish.datasources``). It reads nothing
of the build, so the source stays one build shared by every org.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dashgen.errors import DashgenError

_MISSING: Any = object()


@dataclass
class BuildContext:
    org: str
    folder: str | None
    variables: Mapping[str, Any]
    asked: bool = field(default=False)  # whether the source read any of it


_active: BuildContext | None = None


class UnknownVariableError(DashgenError):
    pass


def _current() -> BuildContext | None:
    if _active is not None:
        _active.asked = True
    return _active


def org() -> str | None:
    """The org being built, or None outside ``dashgen build``."""
    current = _current()
    return current.org if current else None


def org_folder() -> str | None:
    """The Grafana folder title configured for the org being built."""
    current = _current()
    return current.folder if current else None


def var(name: str, default: Any = _MISSING) -> Any:
    """A template variable of the org being built; ``default`` when it is not set."""
    current = _current()
    if current is not None and name in current.variables:
        return current.variables[name]
    if default is not _MISSING:
        return default
    where = f"org {current.org!r}" if current else "this run (not inside dashgen build)"
    raise UnknownVariableError(
        f"variable {name!r} is not set for {where}: add it to [vars] or [orgs.<org>.vars] in "
        "dashgen.toml, pass --var, or give context.var() a default"
    )


def variables() -> Mapping[str, Any]:
    """Every variable of the org being built (empty outside a build)."""
    current = _current()
    return dict(current.variables) if current else {}


@contextmanager
def activated(build_context: BuildContext) -> Iterator[BuildContext]:
    """Make ``build_context`` what the functions above answer while a source loads."""
    global _active
    previous, _active = _active, build_context
    try:
        yield build_context
    finally:
        _active = previous


def datasource(name: str, type: str | None = None) -> dict[str, str]:
    """A reference to the datasource called ``name`` in whichever org the dashboard goes to:
    ``{"type": type, "name": name}``, bound to that org's uid when publishing. Use it where a
    datasource goes (a panel's or target's ``datasource``; grafanalib's ``dataSource``)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("datasource(name): name must be the datasource's name in Grafana")
    reference = {"name": name.strip()}
    if type:
        reference["type"] = type
    return reference
