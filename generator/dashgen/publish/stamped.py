"""The fast "unchanged?" rule on /apis, and the datasource read it lets an unchanged batch
skip.

A live object is **dashgen's stamped write of this build** when

- its ``dashgen/build-hash`` annotation is the build's content hash (what was sent),
- its ``dashgen/generation`` stamp names its live generation (``k8s_stamp``: the
  generation the server's dry run said dashgen's write gets),
- its ``grafana.app/message`` is a dashgen message (``dashgen <hash> ...``), and
- it is in the build's folder.

Then it holds what that write stored, with no need to migrate, normalise or hash its spec:
Grafana bumps the generation on every change of the spec or the folder (grafana-apis.md
§3.1), so no later write changed them. A person's edit is never taken for it: a UI save
through /apis keeps the annotations it read (so the stamp stays behind) but bumps the
generation and sets or removes the message; a save through the classic API bumps the
generation too; kubectl or gcx copying every annotation still bump it. Only a delete and
re-create by a client that copies dashgen's annotations onto a different spec, landing on
the very generation the stamp names, would pass: nobody but dashgen writes that stamp.
Anything else goes to the full comparison (``dashboard.is_built``), as before stamps.

Datasources: the check runs before any write (``datasources``). A batch whose every
dashboard is already dashgen's stamped write of its build, binds no datasource by name and
is not managed writes nothing, so the datasource read is skipped for those dashboards
(``presurvey``, from a metadata-only LIST: ``dashgen.grafana.k8s_lists``; the dashboards
it does not prove unchanged are then read in full); if one of them is to be written after
all (another publisher changed it after the LIST), it is checked before the write
(``checked_writes``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError
from dashgen.grafana.backend import LiveDashboard
from dashgen.publish import datasources
from dashgen.publish.events import Action, PlannedDashboard, PublishEvent
from dashgen.publish.provenance import hash_in_message

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession


def stamped_write(live: LiveDashboard) -> bool:
    """Whether ``live`` is dashgen's stamped write of some build, untouched since: the stamp
    names the live generation and the message names the build its annotation names (a
    write with no server dry run before it names what it sent: Grafana may store a
    migrated form of it, §4.6). The drift guard's evidence, as for ``stamped_build``."""
    short = hash_in_message(live.message or "")
    return (
        live.stamped
        and live.build_hash is not None
        and short is not None
        and live.build_hash.startswith(short)
    )


def stamped_build(live: LiveDashboard, built: BuiltDashboard) -> bool:
    """Whether ``live`` is dashgen's stamped write of ``built`` (see the module)."""
    return (
        live.stamped
        and live.build_hash == built.content_hash
        and live.folder_uid == built.target_folder_uid
        and hash_in_message(live.message or "") is not None
    )


def presurvey(
    session: OrgSession, dashboards: Sequence[BuiltDashboard]
) -> tuple[list[BuiltDashboard], bool]:
    """On a backend whose LIST holds every object (/apis), for a batch large enough to
    search (``OrgSession.prepare``): LIST now (True: ``prepare`` need not) and say which
    dashboards need no datasource check (stamped writes of their build, no name binding,
    not managed). ([], False) on any other backend."""
    from dashgen.publish.session import SEARCH_MIN_DASHBOARDS

    backend = session.backend
    if not getattr(backend, "lists_objects", False) or len(dashboards) < SEARCH_MIN_DASHBOARDS:
        return [], False
    assert backend is not None
    backend.forget()
    try:
        # Metadata only (k8s_lists): the stamp rule needs nothing else.
        session.known_uids = backend.list_metadata()  # type: ignore[attr-defined]
        stamped = []
        for built in dashboards:
            live = backend.peek(built.uid)  # type: ignore[attr-defined]
            if live is not None and live.manager is None and stamped_build(live, built):
                stamped.append(built)
        # The others are read in full, and compared as without stamps.
        backend.complete({b.uid: b.title for b in stamped})  # type: ignore[attr-defined]
    except DashgenError:
        session.known_uids = None  # only a shortcut: every dashboard is read and checked
        backend.forget()
        return [], True
    found = datasources.references_by_uid(session.config.output_dir, stamped)
    settled = [b for b in stamped if not found[b.uid].binds_names()]
    return settled, True


def checked_writes(
    session: OrgSession,
    writes: list[PlannedDashboard],
    unchecked: set[str],
    record: Callable[[PublishEvent], None],
    warnings: list[str],
) -> list[PlannedDashboard]:
    """``writes`` minus those of ``unchecked`` uids that the datasource check refuses
    (recorded as FAILED); one datasource read at most, only when such a write exists.
    (Those dashboards bind no name: the check binds nothing, it only checks.)"""
    pending = [p.built for p in writes if p.built.uid in unchecked]
    if not pending:
        return writes
    checked = datasources.checked(session, pending)
    warnings.extend(checked.warnings)
    refused = {built.uid: why for built, why in checked.refused}
    for planned in writes:
        why = refused.get(planned.built.uid)
        if why is not None:
            record(replace(planned.event(), action=Action.FAILED, error=why, note=None))
    return [p for p in writes if p.built.uid not in refused]
