"""``dashgen.pulled.json``: what ``dashgen pull`` took from Grafana, the drift guard's second proof.

The drift guard (``dashgen.publish.dashboard``) lets dashgen overwrite only a dashboard it
wrote itself, proven by the version message in Grafana's history. A dashboard that was
*pulled* was never written by dashgen, yet overwriting it loses nothing as long as nobody
changed it in Grafana since the pull: its source holds exactly that content. So pull records,
per org and uid, the version it read and ``content_hash`` of that content, in a file at the
project root that is committed with the sources (CI runs from a fresh checkout: ``build/``
is not there). Publish then accepts "live version and content equal to what was pulled" as
its own; any edit in Grafana after the pull moves the version and the guard stops it again.

The file is canonical JSON (sorted keys, indented) so that it merges and diffs well.
A broken file never makes publish overwrite anything: it only takes this proof away.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from dashgen.build.outputs import write_atomically
from dashgen.errors import ConfigError
from dashgen.model.normalize import dumps

PULLED_FILE_NAME = "dashgen.pulled.json"
PULLED_FORMAT = 1
ABOUT = (
    "Written by `dashgen pull`: the Grafana version and content hash of each pulled dashboard. "
    "Publish overwrites a pulled dashboard without --force only while it is still exactly "
    "this. Commit this file with the sources."
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PulledDashboard:
    org: str
    uid: str
    version: int  # the live version that was read
    content_hash: str  # normalize.content_hash of the live dashboard as read
    source: str  # the source written for it (POSIX, relative to the project root)
    title: str = ""
    pulled_at: str = ""  # ISO 8601, UTC

    def entry(self) -> dict[str, Any]:
        record = asdict(self)
        del record["org"], record["uid"]
        return record


def pulled_path(root: Path) -> Path:
    return Path(root) / PULLED_FILE_NAME


def read_pulled(root: Path) -> dict[tuple[str, str], PulledDashboard]:
    """Every record of the project's file ({} when there is none); ``ConfigError`` when it
    cannot be read, so that pull never replaces a file it does not understand."""
    path = pulled_path(root)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError([f"cannot read: {exc.strerror}"], path) from exc
    try:
        return _parse(orjson.loads(data))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            [f"not a dashgen pull record ({exc}); restore it from git or delete it"], path
        ) from exc


def record_pulled(root: Path, dashboards: Iterable[PulledDashboard]) -> Path:
    """Add (or replace) these records in the project's file; returns its path."""
    records = read_pulled(root)
    for dashboard in dashboards:
        records[(dashboard.org, dashboard.uid)] = dashboard
    orgs: dict[str, dict[str, Any]] = {}
    for (org, uid), dashboard in sorted(records.items()):
        orgs.setdefault(org, {})[uid] = dashboard.entry()
    path = pulled_path(root)
    document = {"about": ABOUT, "format": PULLED_FORMAT, "orgs": orgs}
    write_atomically(path, dumps(document).encode())
    _cache.forget(path)
    return path


def was_pulled(root: Path, org: str, uid: str, version: int, content_hash: str) -> bool:
    """Whether the live dashboard is exactly what ``dashgen pull`` read: same version, same
    content. False when the file is missing or unreadable (logged)."""
    record = _cache.records(pulled_path(root)).get((org, uid))
    return record is not None and record.version == version and record.content_hash == content_hash


def pulled_record(root: Path, org: str, uid: str) -> PulledDashboard | None:
    """What this project's ``dashgen pull`` recorded for ``org``/``uid`` (None: nothing, or the
    file is missing or unreadable)."""
    return _cache.records(pulled_path(root)).get((org, uid))


def _parse(document: Any) -> dict[tuple[str, str], PulledDashboard]:
    if not isinstance(document, Mapping) or document.get("format") != PULLED_FORMAT:
        raise ValueError(f"expected a JSON object with format {PULLED_FORMAT}")
    records: dict[tuple[str, str], PulledDashboard] = {}
    for org, dashboards in dict(document["orgs"]).items():
        for uid, entry in dict(dashboards).items():
            records[(org, uid)] = PulledDashboard(
                org=str(org),
                uid=str(uid),
                version=int(entry["version"]),
                content_hash=str(entry["content_hash"]),
                source=str(entry.get("source") or ""),
                title=str(entry.get("title") or ""),
                pulled_at=str(entry.get("pulled_at") or ""),
            )
    return records


class _RecordCache:
    """Publish asks once per drifted dashboard, from many threads: read the file once per
    change (keyed by its mtime and size)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[tuple[int, int], dict[tuple[str, str], PulledDashboard]]]
        self._entries = {}

    def records(self, path: Path) -> dict[tuple[str, str], PulledDashboard]:
        try:
            stat = os.stat(path)
        except OSError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._entries.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            try:
                records = read_pulled(path.parent)
            except ConfigError as error:
                log.warning("%s; it is ignored, so pulled dashboards count as drifted", error)
                records = {}
            self._entries[path] = (stamp, records)
            return records

    def forget(self, path: Path) -> None:
        with self._lock:
            self._entries.pop(path, None)


_cache = _RecordCache()
