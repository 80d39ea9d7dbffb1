"""What the answers of ``/apis`` must be (``dashgen.grafana.answers.Shape``), and how one
resource object reads as the publisher's types (grafana-apis.md §3, §5, §6).

A dashboard object: ``metadata.name`` is the uid, ``metadata.generation`` the version
(the classic ``version``), ``metadata.resourceVersion`` the opaque token of optimistic
locking, the annotations carry the folder, the version message, who saved it and when, and
which tool manages it. ``spec`` is the classic dashboard JSON without ``id``/``uid``/
``version`` (the server strips them on write): the uid is put back from the name, so the
publisher compares the same document whichever API read it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashgen.grafana.answers import Shape
from dashgen.grafana.backend import LiveDashboard, Manager, VersionRecord

FOLDER_ANNOTATION = "grafana.app/folder"
MESSAGE_ANNOTATION = "grafana.app/message"
UPDATED_BY_ANNOTATION = "grafana.app/updatedBy"
CREATED_BY_ANNOTATION = "grafana.app/createdBy"
UPDATED_AT_ANNOTATION = "grafana.app/updatedTimestamp"
MANAGED_BY_ANNOTATION = "grafana.app/managedBy"
MANAGER_ID_ANNOTATION = "grafana.app/managerId"
# Kept from the live object on an update: a write without them would try to take the
# resource from its manager (403 "Cannot change resource manager identity", §4.4).
MANAGER_ANNOTATIONS = (
    MANAGED_BY_ANNOTATION,
    MANAGER_ID_ANNOTATION,
    "grafana.app/managerAllowsEdits",
    "grafana.app/managerSuspended",
    "grafana.app/sourcePath",
    "grafana.app/sourceChecksum",
    "grafana.app/sourceTimestamp",
)
# dashgen's own: the content hash of the build a write came from (the stored spec may be
# Grafana's migration of it: v1 writes are migrated to the latest schemaVersion, §4.6).
BUILD_HASH_ANNOTATION = "dashgen/build-hash"
# dashgen's own: the generation its write was to get (the dry run's answer; 1 for a create).
# Any later change of the spec or folder bumps the generation (§3.1), so while it still
# names the live generation, the spec is the one that write stored (``dashgen.publish.stamped``).
GENERATION_ANNOTATION = "dashgen/generation"
HISTORY_SELECTOR = "grafana.app/get-history=true"
MESSAGE_LIMIT = 500  # §4.6: a longer grafana.app/message is refused


def within_limit(message: str) -> str:
    """``message`` cut to Grafana's limit, which counts UTF-8 bytes (Go's ``len``), never
    inside a character."""
    return message.encode()[:MESSAGE_LIMIT].decode("utf-8", "ignore")


_METADATA = Shape(
    "its metadata",
    required={"name": str},
    optional={
        "resourceVersion": str,
        "generation": int,
        "annotations": dict,
        "labels": dict,
        "creationTimestamp": str,
    },
)
OBJECT = Shape("the resource", required={"metadata": _METADATA}, optional={"spec": dict})
LIST = Shape(
    "the resource list",
    required={"items": Shape("the items", kind="list", items=OBJECT)},
    optional={"metadata": Shape("the list's metadata", optional={"continue": str})},
)
DISCOVERY = Shape(
    "the API group list",
    required={
        "groups": Shape(
            "the groups",
            kind="list",
            items=Shape(
                "an API group",
                required={"name": str},
                optional={
                    "versions": Shape(
                        "its versions",
                        kind="list",
                        items=Shape("a version", optional={"version": str}),
                    ),
                    "preferredVersion": dict,
                },
            ),
        )
    },
)


@dataclass(frozen=True)
class Revision:
    """What an update of one object must carry: its resourceVersion (optimistic locking)
    and the annotations of the tool that manages it."""

    resource_version: str
    kept_annotations: Mapping[str, str]


def metadata(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return item.get("metadata") or {}


def annotations(item: Mapping[str, Any]) -> Mapping[str, str]:
    found = metadata(item).get("annotations") or {}
    return {str(key): str(value) for key, value in found.items() if value is not None}


def generation(item: Mapping[str, Any]) -> int:
    value = metadata(item).get("generation")
    return int(value) if isinstance(value, int) else 0


def revision(item: Mapping[str, Any], notes: Mapping[str, str] | None = None) -> Revision:
    notes = annotations(item) if notes is None else notes
    return Revision(
        resource_version=str(metadata(item).get("resourceVersion") or ""),
        kept_annotations={key: notes[key] for key in MANAGER_ANNOTATIONS if key in notes},
    )


def live_dashboard(item: Mapping[str, Any], read_as: str = "") -> LiveDashboard:
    """One dashboard object (read on the ``read_as`` version's path) as the publisher reads
    a live dashboard. A schema v2 spec is kept as it is (no uid or version put into it:
    the build output of a v2 dashboard is the bare spec); a classic one gets its uid and
    version back, so it compares with the build whichever API read it."""
    name = str(metadata(item)["name"])
    notes = annotations(item)
    stored = stored_version(item) or read_as
    dashboard = {k: v for k, v in (item.get("spec") or {}).items() if k not in ("id", "version")}
    if not stored.startswith("v2"):
        dashboard["uid"] = name
        dashboard["version"] = generation(item)
    return LiveDashboard(
        dashboard=dashboard,
        version=generation(item),
        folder_uid=notes.get(FOLDER_ANNOTATION) or None,
        updated_by=notes.get(UPDATED_BY_ANNOTATION) or notes.get(CREATED_BY_ANNOTATION, ""),
        url=f"/d/{name}/{slug(str(dashboard.get('title') or ''))}",
        updated=notes.get(UPDATED_AT_ANNOTATION, ""),
        manager=manager(notes),
        message=notes.get(MESSAGE_ANNOTATION, ""),
        build_hash=notes.get(BUILD_HASH_ANNOTATION) or None,
        stamped=notes.get(GENERATION_ANNOTATION) == str(generation(item)),
        stored_version=stored,
        name=name,
    )


def live_metadata(
    item: Mapping[str, Any], read_as: str, notes: Mapping[str, str] | None = None
) -> LiveDashboard:
    """One ``PartialObjectMetadata`` item (a metadata-only LIST, ``k8s_lists``; ``notes``:
    its ``annotations``): no spec, no status, no title (``url`` is filled in when it is
    proven unchanged)."""
    name = str(metadata(item)["name"])
    notes = annotations(item) if notes is None else notes
    version = generation(item)
    return LiveDashboard(
        dashboard={"uid": name, "version": version},
        version=version,
        folder_uid=notes.get(FOLDER_ANNOTATION) or None,
        updated_by=notes.get(UPDATED_BY_ANNOTATION) or notes.get(CREATED_BY_ANNOTATION, ""),
        url="",
        updated=notes.get(UPDATED_AT_ANNOTATION, ""),
        manager=manager(notes),
        message=notes.get(MESSAGE_ANNOTATION, ""),
        build_hash=notes.get(BUILD_HASH_ANNOTATION) or None,
        stamped=notes.get(GENERATION_ANNOTATION) == str(version),
        stored_version=read_as,
        name=name,
        partial=True,
    )


def stored_version(item: Mapping[str, Any]) -> str:
    """``status.conversion.storedVersion`` (§7.1): the version the object is stored in."""
    conversion = _conversion(item)
    found = conversion.get("storedVersion")
    return str(found) if isinstance(found, str) else ""


def failed_conversion(item: Mapping[str, Any]) -> str | None:
    """The stored version of an object the server could not convert to the version read
    (``status.conversion.failed``, §7.1: "fetch the stored version"), else None."""
    conversion = _conversion(item)
    return stored_version(item) or None if conversion.get("failed") is True else None


def _conversion(item: Mapping[str, Any]) -> Mapping[str, Any]:
    status = item.get("status")
    conversion = status.get("conversion") if isinstance(status, Mapping) else None
    return conversion if isinstance(conversion, Mapping) else {}


def version_record(item: Mapping[str, Any]) -> VersionRecord:
    """One item of the history list (§6): the object as that version saved it."""
    notes = annotations(item)
    return VersionRecord(
        version=generation(item),
        message=notes.get(MESSAGE_ANNOTATION, ""),
        created_by=notes.get(UPDATED_BY_ANNOTATION) or notes.get(CREATED_BY_ANNOTATION, ""),
    )


def manager(notes: Mapping[str, str]) -> Manager | None:
    kind = notes.get(MANAGED_BY_ANNOTATION)
    if not kind:
        return None
    return Manager(kind=kind, identity=notes.get(MANAGER_ID_ANNOTATION, ""))


def status_reason(body: Any) -> str:
    """The ``reason`` of a k8s ``Status`` body (§0), "" for anything else."""
    if isinstance(body, Mapping) and body.get("kind") == "Status":
        return str(body.get("reason") or "")
    return ""


def served_versions(discovery: Mapping[str, Any], group: str) -> list[str]:
    """The versions ``GET /apis`` lists for ``group``, preferred first ([]: not served)."""
    for entry in discovery.get("groups") or ():
        if entry.get("name") != group:
            continue
        versions = [str(v.get("version")) for v in entry.get("versions") or () if v.get("version")]
        preferred = str((entry.get("preferredVersion") or {}).get("version") or "")
        if preferred in versions:
            versions.remove(preferred)
            versions.insert(0, preferred)
        return versions
    return []


_OMITTED = frozenset(",\"'\n\r\x00?.()")
_DROP_OMITTED = str.maketrans("", "", "".join(sorted(_OMITTED)))
_PLAIN = re.compile(r"[a-z0-9_-]*")


def slug(title: str) -> str:
    """Grafana's slug of a title for ASCII titles (the classic API's ``/d/<uid>/<slug>``):
    lower case, spaces to ``-``, ``a-z 0-9 _ -`` kept, punctuation dropped, any other
    character as the hex of its UTF-8 bytes (Grafana transliterates some letters first);
    empty or longer than 50: the UUIDv5 of the title."""
    lowered = title.strip().lower()
    text = lowered.translate(_DROP_OMITTED).replace(" ", "-")
    if _PLAIN.fullmatch(text):  # the common case, without the loop below
        return text if text and len(text) <= 50 else str(uuid.uuid5(uuid.NAMESPACE_OID, title))
    out: list[str] = []
    for char in lowered:
        if char in _OMITTED:
            continue
        if char == " ":
            out.append("-")
        elif char.isascii() and (char.isalnum() or char in "_-"):
            out.append(char)
        else:
            out.append("".join(f"{byte:x}" for byte in char.encode()))
    text = "".join(out)
    if not text or len(text) > 50:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, title))
    return text
