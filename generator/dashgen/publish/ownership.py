"""Whose is a live dashboard? The evidence prune acts on, read from Grafana itself.

The same evidence as the drift guard (``dashgen.publish.dashboard``), narrowed to *this*
project: a fresh CI checkout has no state but the sources, so what dashgen wrote must be
recognisable in Grafana. Each save's version message is ``dashgen <content hash> [git
<sha>] project <name>`` (``dashgen.publish.provenance``, ``project`` from the config).

- ``OURS``: the live version's message names this project and the live content's hash,
  or the live version and content are exactly what this project's ``dashgen pull`` read
  (``dashgen.pulled.json``). Only these are deleted.
- ``EDITED``: this project wrote (or pulled) an earlier version, but the live one was saved
  by someone else, or holds other content: "source removed, but edited in Grafana since".
- ``UNNAMED``: dashgen wrote it, but before the config had a ``project`` (no project in the
  message): it may be another project's, so it is left alone and reported.
- ``FOREIGN``: never this project's (created in the UI, another dashgen project, another
  tool): never touched, not reported.

Why the project name and not a folder or a tag: folders are shared (General most of all;
two projects may publish into one), and a tag or a marker panel would be content that
shows in Grafana and takes part in every comparison. The version message is already the
evidence, is invisible in the dashboard, and survives any folder move.

The history is read newest first, at most ``HISTORY_DEPTH`` versions: the first dashgen
message found decides (this project's → ``EDITED``, another's → ``FOREIGN``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from dashgen.grafana.backend import LiveDashboard, VersionRecord
from dashgen.model.normalize import content_hash
from dashgen.publish.provenance import hash_in_message, project_in_message, wrote
from dashgen.publish.pulled import pulled_record

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

HISTORY_DEPTH = 100


class Ownership(Enum):
    OURS = "ours"
    EDITED = "edited"
    UNNAMED = "unnamed"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class Evidence:
    ownership: Ownership
    why: str = ""  # for EDITED and UNNAMED: what a person should know
    writer: str = ""  # the login that saved this project's version (folders: same creator?)


def history(session: OrgSession, uid: str) -> list[VersionRecord]:
    """The newest versions of ``uid``, newest first, with their messages as saved."""
    assert session.backend is not None
    return session.backend.versions(uid, HISTORY_DEPTH)


def maybe_ours(session: OrgSession, uid: str, records: Sequence[VersionRecord]) -> bool:
    """Worth reading the dashboard: dashgen wrote some version, or this project pulled it."""
    if pulled_record(session.config.root, session.org, uid) is not None:
        return True
    return any(hash_in_message(record.message) for record in records)


def evidence(
    session: OrgSession, uid: str, live: LiveDashboard, records: Sequence[VersionRecord]
) -> Evidence:
    """Whose ``live`` is, for this session's project (``records``: ``history(uid)``)."""
    project = session.config.project
    live_hash = content_hash(live.dashboard)
    if live.message is not None:
        # /apis: the object carries its message, also after a write that kept the version
        # (an identical spec, e.g. an adoption, adds no version to the history).
        carried = VersionRecord(live.version, live.message, live.updated_by)
        records = [carried, *(r for r in records if r.version != live.version)]
    newest = records[0] if records and records[0].version == live.version else None
    if (
        project
        and newest is not None
        and project_in_message(newest.message) == project
        and wrote(newest.message, live_hash)
    ):
        return Evidence(Ownership.OURS, writer=newest.created_by)
    pulled = pulled_record(session.config.root, session.org, uid)
    if pulled is not None and pulled.version == live.version and pulled.content_hash == live_hash:
        return Evidence(Ownership.OURS, writer="")
    who = live.updated_by or (newest.created_by if newest else "") or "someone"
    for record in records:
        if hash_in_message(record.message) is None:
            continue
        named = project_in_message(record.message)
        if named is None:
            return Evidence(
                Ownership.UNNAMED,
                f"published by dashgen without a project name (version {record.version}), so it "
                "may be another project's",
            )
        if named != project:
            return Evidence(Ownership.FOREIGN)
        if record.version == live.version:
            why = f"version {live.version} differs from what dashgen published"
        else:
            why = (
                f"saved by {who} as version {live.version} after dashgen's version {record.version}"
            )
        return Evidence(Ownership.EDITED, why, writer=record.created_by)
    if pulled is not None:
        return Evidence(
            Ownership.EDITED,
            f"saved by {who} as version {live.version} after `dashgen pull` read version "
            f"{pulled.version}",
        )
    return Evidence(Ownership.FOREIGN)
