"""Durations as a person writes them in ``dashgen.toml`` and on the command line:
``900``, ``"90s"``, ``"15m"``, ``"1h"``; ``0`` or ``"none"`` for no bound at all
(``--deadline``, ``[grafana] deadline``: ``dashgen.grafana.deadline``)."""

from __future__ import annotations

import math
import re

# The default for the commands that talk to Grafana: above the publish lock's longest wait
# (10 min, dashgen.publish.lock.MAX_WAIT_S) plus a large publish, below the job timeouts of
# CI runners that kill a job silently (GitLab's default: 60 min).
DEFAULT_DEADLINE_S = 900.0
MAX_DEADLINE_S = 24 * 3600.0
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h|)\s*", re.IGNORECASE)


def parse_duration(value: object) -> float | None:
    """Seconds from ``900``, ``"900"``, ``"90s"``, ``"15m"``, ``"1h"``; 0 or ``"none"``:
    no deadline (None). Raises ``ValueError`` with a sentence for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip().lower() in ("none", "off"):
        return None
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value)):
        seconds = float(match[1]) * _UNITS[match[2].lower()]
    else:
        raise ValueError(f"{value!r} is not a duration (e.g. 900, 90s, 15m, 1h, or none)")
    if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_DEADLINE_S:
        raise ValueError(f"{value!r} is not a duration between 0 and 24h")
    return seconds or None


def label(seconds: float) -> str:
    """``30s``, ``900s``, ``1.5s``: in seconds, whatever unit it was written in."""
    return f"{seconds:g}s"
