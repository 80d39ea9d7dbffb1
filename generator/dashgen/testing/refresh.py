"""The save-time refresh rewrite (grafana-api.md §14.1): ``ValidateDashboardRefreshInterval``.

A dashboard whose ``refresh`` is a string that does not parse as a Grafana duration, or
parses shorter than the server's ``min_refresh_interval``, is stored with
``refresh = min_refresh_interval``. A missing, empty or non-string ``refresh`` is left
alone, and so is ``"auto"`` (``validateDashboardRefreshInterval``: ``refresh == "" ||
refresh == "auto"`` is valid, grafana/grafana#85581, in 10.4.2, 11.0.x and later), and
everything when the setting is empty.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_MIN_REFRESH_INTERVAL = "5s"
# Refresh values the save's refresh check lets through as they are (no refresh; "Auto").
NOT_CHECKED = ("", "auto")
# time.ParseDuration units, in seconds (both spellings of the micro sign).
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_COMPONENT = re.compile(r"([0-9]*)(\.[0-9]*)?([^0-9.]*)")
# gtime.ParseDuration's calendar units; months and years are approximated (they are
# only ever compared with a minimum of a few seconds).
_CALENDAR = re.compile(r"^([0-9]+)([dwMy])$")
_CALENDAR_SECONDS = {"d": 86400, "w": 7 * 86400, "M": 30 * 86400, "y": 365 * 86400}
_MAX_SECONDS = (2**63 - 1) / 1e9


def parse_go_duration(text: str) -> float | None:
    """Seconds of a Go ``time.ParseDuration`` string, or None where Go answers an error."""
    body = text[1:] if text[:1] in ("-", "+") else text
    if body == "0":
        return 0.0
    if not body:
        return None
    total, index = 0.0, 0
    while index < len(body):
        found = _COMPONENT.match(body, index)
        assert found is not None  # every group may be empty: it always matches
        whole, fraction, unit = found.groups()
        if (not whole and (not fraction or fraction == ".")) or unit not in _UNITS:
            return None
        total += float(f"{whole or 0}{fraction or ''}") * _UNITS[unit]
        index = found.end()
    if total > _MAX_SECONDS:
        return None
    return -total if text.startswith("-") else total


def parse_grafana_duration(text: str) -> float | None:
    """``gtime.ParseDuration``: ``<n>d``/``w``/``M``/``y``, else Go's ``time.ParseDuration``."""
    calendar = _CALENDAR.match(text)
    if calendar:
        return int(calendar.group(1)) * _CALENDAR_SECONDS[calendar.group(2)]
    return parse_go_duration(text)


def stored_refresh(dashboard: dict[str, Any], minimum: str) -> None:
    """Rewrite ``dashboard["refresh"]`` in place as Grafana's save does."""
    refresh = dashboard.get("refresh")
    if not minimum or not isinstance(refresh, str) or refresh in NOT_CHECKED:
        return
    floor = parse_grafana_duration(minimum)
    seconds = parse_grafana_duration(refresh)
    if floor is None or seconds is None or seconds < floor:
        dashboard["refresh"] = minimum
