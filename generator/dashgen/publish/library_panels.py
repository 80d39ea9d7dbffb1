"""A dashboard that shows a library panel is written only where the org has that panel.

dashgen does not create library panels (a dashboard refers to one by ``libraryPanel.uid``).
A classic save of a dashboard naming one the org lacks is stored, then answered 500 "Error
while connecting library panels" (``postDashboard``'s ``ConnectLibraryPanelsForDashboard``,
pkg/api/dashboard.go): a dashboard half saved, whose panel shows nothing. So before the first
write of a dashboard, each library panel uid it shows is read once per session (``GET
/api/library-elements/:uid``, on /apis too); one the org lacks fails the dashboard, unsent.
A read that fails for another reason refuses nothing: the write then says what is wrong.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

import orjson

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError
from dashgen.model.normalize import library_references

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

_known: weakref.WeakKeyDictionary[OrgSession, dict[str, bool | None]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# A build output is dashgen's canonical JSON, where a key is written as it is: a dashboard
# that shows a library panel has this text (one that has it elsewhere is parsed as before).
LIBRARY_KEY = b'"libraryPanel"'


def shown(document: Any) -> dict[str, str]:
    """The library panels ``document`` shows: uid → name (panels, rows' panels, legacy rows)."""
    found: dict[str, str] = {}
    for panel in library_references(document) if isinstance(document, dict) else ():
        uid = panel["libraryPanel"].get("uid")
        if isinstance(uid, str) and uid:
            found.setdefault(uid, str(panel["libraryPanel"].get("name") or uid))
    return found


def missing(session: OrgSession, built: BuiltDashboard, text: bytes | None = None) -> str | None:
    """Why ``built`` may not be written to this org (a library panel it lacks), else None
    (``text``: its output file's bytes, when they were read already)."""
    if built.is_v2:
        return None
    if text is None:
        text = built.text()
    if LIBRARY_KEY not in text:  # most dashboards show none: no parse, no walk
        return None
    wanted = shown(orjson.loads(text))
    absent = [(uid, name) for uid, name in wanted.items() if _exists(session, uid) is False]
    if not absent:
        return None
    named = ", ".join(f"{name!r} (uid {uid})" for uid, name in absent)
    return (
        f"dashboard {built.title!r} (uid {built.uid}) shows library panel(s) {named} that org "
        f"{session.org!r} does not have; not written: create them in Grafana first (dashgen "
        "does not create library panels), or put the panel's own model in the source"
    )


def _exists(session: OrgSession, uid: str) -> bool | None:
    with _lock:
        known = _known.setdefault(session, {})
        if uid in known:
            return known[uid]
    assert session.backend is not None
    try:
        found: bool | None = session.backend.library_element(uid) is not None
    except DashgenError:
        found = None  # cannot tell: the write will say what is wrong
    with _lock:
        known[uid] = found
    return found
