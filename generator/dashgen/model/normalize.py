"""The one definition of "the same dashboard".

Build output and live dashboards fetched from Grafana both pass through here before
they are compared, so ``diff`` and skip-unchanged never disagree.

``normalize`` gives the canonical model we write to ``build/``:

- ``id`` is null and ``version`` is gone (Grafana owns both);
- ``uid`` is kept, or derived deterministically from the source path when missing;
- panel ids: explicit ones are kept, missing ones get the next free id in document
  order (nested panels of collapsed rows included), so no id is produced twice;
- panels without ``gridPos`` get a flow layout on the 24-column grid, rows included (an
  id or gridPos of the wrong type is kept as it is: ``dashgen.model.structure`` reports it,
  nothing replaces it silently);
- a uid derived from a name that loses every character (``日本.json``) is
  ``dashboard-<hash of the name>``, so two such names never share one;
  legacy ``rows`` (schemaVersion < 16) are left for Grafana's own migration;
- export metadata is dropped: ``__requires``, and ``__inputs``/``__elements`` when
  empty. Generators such as grafanalib write ``"__inputs": []`` and Grafana stores
  whatever is posted, so dropping them on both sides keeps a build and the live copy
  equal. A non-empty ``__inputs``/``__elements`` is kept: such a document is an export,
  which ``dashgen.model.forms`` converts (or refuses) before it gets here.

``comparable`` is ``normalize`` minus what Grafana sets on save (``id``, ``version``),
so a dashboard that went through Grafana compares equal to the build that produced it.
``dumps`` is the canonical text: sorted keys, indent 2, trailing newline.

Grafana does not store exactly what it is sent (grafana-api.md §14.1), and both sides of
a comparison must expect what it stores:

- ``title`` and ``uid`` are stored trimmed: ``normalize`` trims them, so the build output
  already is what Grafana keeps (a uid ``" abc "`` builds as ``abc``, as Grafana saves it);
- a ``refresh`` shorter than the server's ``min_refresh_interval`` (or one that is not a
  duration, but ``"auto"``) is stored as that minimum. The build cannot know the server's
  setting, so the build output keeps the refresh as written and ``as_stored(d, minimum)``
  applies the rewrite for a given server: publish reads the minimum from Grafana
  (``/api/frontend/settings``), sends the rewritten dashboard and compares the live copy
  with it (``dashgen.publish.dashboard``). Building with an assumed minimum instead would
  still drift on every server configured above it, and would raise refreshes that a
  server configured below it accepts; the server's own value is exact everywhere, for one
  small request per publish. A server that does not say its minimum gets Grafana's
  default, with a warning that names it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import orjson

from dashgen.model.integers import integral_ints_in_place

UID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")
UID_MAX_LENGTH = 40
GRID_COLUMNS = 24
DEFAULT_PANEL_WIDTH = 12
DEFAULT_PANEL_HEIGHT = 8
GRAFANA_OWNED_FIELDS = ("id", "version")
_SOURCE_SUFFIXES = (".dashboard.py", ".json.j2", ".py", ".json")
_EXPORT_METADATA = ("__inputs", "__elements")
_TRIMMED = ("title", "uid")
_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def normalize(d: dict[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """Canonical copy of dashboard ``d``; ``source`` (a path) names it when it has no uid."""
    return normalize_in_place(copy_json(d), source=source)


def normalize_in_place(d: dict[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """``normalize`` for a dict the caller owns (the loaders' fresh output): no copy."""
    integral_ints_in_place(d)  # 12.0 → 12 (dashgen.model.integers)
    d["id"] = None
    d.pop("version", None)
    d.pop("__requires", None)
    for key in _TRIMMED:  # Grafana stores both trimmed (§14.1)
        if isinstance(d.get(key), str):
            d[key] = d[key].strip()
    for key in _EXPORT_METADATA:
        if key in d and not d[key]:
            del d[key]
    if not d.get("uid") and source is not None:
        d["uid"] = derive_uid(source)
    panels = d.get("panels")
    if isinstance(panels, list):
        _assign_panel_ids(panels)
        flow_layout(panels)
    return d


def comparable(d: dict[str, Any]) -> dict[str, Any]:
    """What publish and diff compare: ``normalize`` minus the fields Grafana owns."""
    result = normalize(d)
    for key in GRAFANA_OWNED_FIELDS:
        result.pop(key, None)
    return result


def dumps(d: Any) -> str:
    """Canonical text: sorted keys, indent 2, UTF-8 (not ASCII-escaped), trailing newline."""
    return dumps_bytes(d).decode()


def dumps_bytes(d: Any) -> bytes:
    """``dumps`` as UTF-8 bytes (what the build writes)."""
    try:
        return orjson.dumps(d, option=_ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        # orjson refuses integers beyond 64 bits and non-string keys; json takes both.
        return (json.dumps(d, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def content_hash(d: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical text of ``comparable(d)``."""
    return hash_canonical(normalize(d))


def hash_canonical(d: dict[str, Any]) -> str:
    """``content_hash`` of a dashboard that already is canonical (``normalize``'s output),
    without normalising it again: the only place the hash is computed."""
    stored = {key: value for key, value in d.items() if key not in GRAFANA_OWNED_FIELDS}
    return sha256_holding_gil(dumps_bytes(stored))


def compact_hash(d: dict[str, Any]) -> str | None:
    """A second name for the content of ``d``, at about half the CPU of ``hash_canonical``:
    the sha256 of ``d`` without the fields Grafana owns, as orjson writes it compactly with
    its keys in their own order (None when orjson cannot write it). Two dicts with the same
    compact hash have the same text, so the same content hash; the converse holds only for
    keys in the same order (Grafana answers every dashboard in one: Go writes maps sorted)."""
    stored = {key: value for key, value in d.items() if key not in GRAFANA_OWNED_FIELDS}
    try:
        text = orjson.dumps(stored)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return sha256_holding_gil(text)


# hashlib lets other threads run while it hashes 2,048 bytes or more. A publish compares
# hundreds of live dashboards on threads that also wait for their answers: each such
# release hands the GIL to another thread and costs a wait to get it back (measured: 200
# GETs and hashes on 64 threads, 182 → 147 ms with hashes that keep the GIL).
_GIL_KEPT_BELOW = 2047


def sha256_holding_gil(data: bytes) -> str:
    """The sha256 hex digest of ``data``, fed in pieces too small for hashlib to release the
    GIL (the same digest as ``hashlib.sha256(data).hexdigest()``)."""
    digest = hashlib.sha256()
    view = memoryview(data)
    for start in range(0, len(view), _GIL_KEPT_BELOW):
        digest.update(view[start : start + _GIL_KEPT_BELOW])
    return digest.hexdigest()


# The top-level ``"id": null`` of canonical text: keys are indented by two spaces at the top
# level only, and no string holds a raw newline, so this line is found nowhere else.
_NULL_ID_LINE = b'\n  "id": null,\n'
_NULL_ID_LAST = b',\n  "id": null\n}\n'
_NULL_ID_ONLY = b'{\n  "id": null\n}\n'


def hash_canonical_bytes(d: dict[str, Any], text: bytes) -> str:
    """``hash_canonical(d)`` from ``text`` = ``dumps_bytes(d)``, without dumping ``d`` again:
    a normalised dashboard differs from its stored form only by its top-level ``"id": null``,
    so that line is cut out of the text (anything else is dumped again)."""
    if "id" not in d and "version" not in d:
        return hashlib.sha256(text).hexdigest()
    if "version" in d or d["id"] is not None:
        return hash_canonical(d)
    digest = hashlib.sha256()
    at = text.find(_NULL_ID_LINE)
    if at >= 0:
        view = memoryview(text)
        digest.update(view[: at + 1])
        digest.update(view[at + len(_NULL_ID_LINE) :])
    elif text.endswith(_NULL_ID_LAST):
        digest.update(memoryview(text)[: -len(_NULL_ID_LAST)])
        digest.update(b"\n}\n")
    elif text == _NULL_ID_ONLY:
        digest.update(b"{}\n")
    else:  # not the canonical text of d after all
        return hash_canonical(d)
    return digest.hexdigest()


def copy_json(d: Any) -> Any:
    try:
        return orjson.loads(orjson.dumps(d))
    except (TypeError, orjson.JSONEncodeError):
        return json.loads(json.dumps(d))


def derive_uid(source: str) -> str:
    """A valid, stable uid from a source path (and ``#name`` suffix for multi-dashboard files)."""
    path, _, name = source.partition("#")
    path = path.replace("\\", "/")
    for suffix in _SOURCE_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    text = f"{path}-{name}" if name else path
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", text).strip("-").lower()
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if not slug:  # every character dropped ("ü.json", "日本.json"): unique by the name's hash
        return f"dashboard-{digest}"
    if len(slug) <= UID_MAX_LENGTH:
        return slug
    return f"{slug[: UID_MAX_LENGTH - 9].rstrip('-')}-{digest}"


def iter_panels(panels: list[Any]) -> list[dict[str, Any]]:
    """Every panel dict in document order, nested panels of collapsed rows included."""
    found: list[dict[str, Any]] = []
    for panel in panels:
        if not isinstance(panel, dict):
            continue
        found.append(panel)
        nested = panel.get("panels")
        if panel.get("type") == "row" and isinstance(nested, list):
            found.extend(p for p in nested if isinstance(p, dict))
    return found


def iter_panel_lists(dashboard: dict[str, Any]) -> Iterator[list[Any]]:
    """Every list of panels: top level, nested in row panels, inside legacy rows."""
    panels = dashboard.get("panels")
    if isinstance(panels, list):
        yield panels
        for panel in panels:
            if isinstance(panel, dict) and isinstance(panel.get("panels"), list):
                yield panel["panels"]
    rows = dashboard.get("rows")
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("panels"), list):
                yield row["panels"]


def library_references(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """The panels of ``dashboard`` that refer to a library panel."""
    return [
        panel
        for panels in iter_panel_lists(dashboard)
        for panel in panels
        if isinstance(panel, dict) and isinstance(panel.get("libraryPanel"), dict)
    ]


def _assign_panel_ids(panels: list[Any]) -> None:
    all_panels = iter_panels(panels)
    used = {p["id"] for p in all_panels if is_panel_id(p.get("id"))}
    next_id = max(used, default=0) + 1
    for panel in all_panels:
        if panel.get("id") is None:  # an id of the wrong type is kept: validation reports it
            panel["id"] = next_id
            next_id += 1


def is_panel_id(value: Any) -> bool:
    """An explicit panel id: an int (JSON booleans are not ids)."""
    return isinstance(value, int) and not isinstance(value, bool)


def flow_layout(panels: list[Any]) -> None:
    """Flow layout for panels without gridPos; panels that have one stay where they are."""
    cursor = _FlowCursor()
    for panel in panels:
        if not isinstance(panel, dict):
            continue
        is_row = panel.get("type") == "row"
        if panel.get("gridPos") is None:
            panel["gridPos"] = cursor.place(panel, is_row)
        elif has_grid_pos(panel):
            cursor.skip_past(panel["gridPos"], is_row)
        # else: a gridPos of the wrong shape is kept as it is, for validation to report
        nested = panel.get("panels")
        if is_row and isinstance(nested, list) and nested:
            # Collapsed rows keep their panels positioned as if the row were open.
            top = panel["gridPos"].get("y") if isinstance(panel["gridPos"], dict) else None
            inner = _FlowCursor(top=int(top) + 1 if isinstance(top, int | float) else 1)
            for child in nested:
                if isinstance(child, dict) and child.get("gridPos") is None:
                    child["gridPos"] = inner.place(child, False)
                elif isinstance(child, dict) and has_grid_pos(child):
                    inner.skip_past(child["gridPos"], False)


def has_grid_pos(panel: dict[str, Any]) -> bool:
    """Whether the panel has a complete numeric gridPos."""
    grid = panel.get("gridPos")
    return isinstance(grid, dict) and all(
        isinstance(grid.get(k), int | float) for k in ("x", "y", "w", "h")
    )


class _FlowCursor:
    """Places panels left to right, wrapping at 24 columns; rows take a full line."""

    def __init__(self, top: int = 0) -> None:
        self.x = 0
        self.y = top
        self.bottom = top

    def place(self, panel: dict[str, Any], is_row: bool) -> dict[str, int]:
        if is_row:
            self._new_line()
            grid = {"h": 1, "w": GRID_COLUMNS, "x": 0, "y": self.y}
            self.y += 1
            self.bottom = max(self.bottom, self.y)
            return grid
        width = _legacy_width(panel)
        height = DEFAULT_PANEL_HEIGHT
        if self.x + width > GRID_COLUMNS:
            self._new_line()
        grid = {"h": height, "w": width, "x": self.x, "y": self.y}
        self.x += width
        self.bottom = max(self.bottom, self.y + height)
        return grid

    def skip_past(self, grid: dict[str, Any], is_row: bool) -> None:
        top, height = int(grid["y"]), int(grid["h"])
        self.bottom = max(self.bottom, top + height)
        # The next flowed panel starts on a fresh line below everything placed so far.
        self.x = GRID_COLUMNS if not is_row else 0
        self.y = self.bottom if is_row else self.y

    def _new_line(self) -> None:
        self.x, self.y = 0, self.bottom


def _legacy_width(panel: dict[str, Any]) -> int:
    span = panel.get("span")
    if isinstance(span, int | float) and 0 < span <= 12:
        return max(1, min(GRID_COLUMNS, int(span * 2)))
    return DEFAULT_PANEL_WIDTH


# -- the refresh Grafana stores (§14.1: ValidateDashboardRefreshInterval) --------------------

DEFAULT_MIN_REFRESH_INTERVAL = "5s"  # Grafana's default min_refresh_interval
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_GO_COMPONENT = re.compile(r"([0-9]*)(\.[0-9]*)?([^0-9.]*)")
_CALENDAR = re.compile(r"^([0-9]+)([dwMy])$")
_CALENDAR_SECONDS = {"d": 86400, "w": 7 * 86400, "M": 30 * 86400, "y": 365 * 86400}


def duration_seconds(text: str) -> float | None:
    """Seconds of a Grafana duration (``gtime.ParseDuration``: ``<n>d|w|M|y`` or Go's
    ``time.ParseDuration`` such as ``1m30s``), or None when Grafana would not parse it."""
    calendar = _CALENDAR.match(text)
    if calendar:
        return int(calendar.group(1)) * _CALENDAR_SECONDS[calendar.group(2)]
    body = text[1:] if text[:1] in ("-", "+") else text
    if body == "0":
        return 0.0
    total, index = 0.0, 0
    while index < len(body):
        found = _GO_COMPONENT.match(body, index)
        assert found is not None  # every group may be empty: it always matches
        whole, fraction, unit = found.groups()
        if (not whole and fraction in (None, ".")) or unit not in _GO_UNITS:
            return None
        total += float(f"{whole or 0}{fraction or ''}") * _GO_UNITS[unit]
        index = found.end()
    if not body:
        return None
    return -total if text.startswith("-") else total


def stored_refresh(refresh: Any, min_refresh_interval: str) -> Any:
    """The ``refresh`` Grafana stores when sent ``refresh``: the minimum instead of a string
    that is shorter than it or not a duration; anything else unchanged, ``"auto"`` (the
    refresh picker's "Auto", an interval from the time range) included: the save takes it
    as it is since grafana/grafana#85581 (10.4.2, 11.0.x and later)."""
    if not min_refresh_interval or not isinstance(refresh, str) or refresh in ("", "auto"):
        return refresh
    floor = duration_seconds(min_refresh_interval)
    seconds = duration_seconds(refresh)
    if floor is None or seconds is None or seconds < floor:
        return min_refresh_interval
    return refresh


def as_stored(d: dict[str, Any], min_refresh_interval: str) -> dict[str, Any]:
    """Dashboard ``d`` as a Grafana with that ``min_refresh_interval`` stores it: ``d``
    itself when nothing changes, else a shallow copy with the rewritten ``refresh``."""
    refresh = d.get("refresh")
    stored = stored_refresh(refresh, min_refresh_interval)
    if stored == refresh:
        return d
    return {**d, "refresh": stored}
