"""Reading the files gcx pulls and Git Sync stores (grafana-apis.md §8): JSON or YAML
resource envelopes, and the folder files beside them.

- YAML (``gcx resources pull -o yaml``; Git Sync reads it too) is read as the JSON it
  encodes, by the build's reader (``dashgen.sources.yaml_reader``): one document per file
  (gcx writes one resource per file), only JSON's values, errors naming the line.
- The Grafana folder an imported dashboard lives in: the ``grafana.app/folder`` annotation
  (gcx), its title from gcx's folder file (``<root>/folders.<v>.folder.grafana.app/<uid>
  .json``) when it is there; else, in a Git Sync checkout, the ``_folder.json`` of the
  file's directory (its ``metadata.name`` and ``spec.title``). The annotation wins when
  both are there (which wins in Git Sync is UNCONFIRMED in the contract; gcx has no
  directories for folders). A file in gcx's dashboards directory without the annotation
  is in General (gcx writes the annotation for every other folder), so importing it into
  a directory the config maps to a folder is said, not silently moved there. A saved
  ``GET /api/dashboards/uid/:uid`` answer names its folder in ``meta`` (``folderUid``,
  ``folderTitle``; ``folderUid`` "" is General).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from dashgen.adopt.messages import AdoptError
from dashgen.config import FOLDER_UID
from dashgen.model.problem import JsonPath
from dashgen.model.resources import (
    DASHBOARD_GROUP,
    FOLDER_ANNOTATION,
    FOLDER_GROUP,
    ResourceError,
    folder_annotation,
    is_resource,
)
from dashgen.sources.yaml_reader import YamlProblem, read_documents

YAML_SUFFIXES = (".yaml", ".yml")
# the directory `gcx resources pull` writes dashboards into: dashboards.<version>.<group>
_GCX_DASHBOARDS = re.compile(rf"dashboards\.[a-z0-9]+\.{re.escape(DASHBOARD_GROUP)}")
GIT_SYNC_FOLDER_FILE = "_folder.json"

Locator = Callable[[JsonPath], int | None]  # the line a JSON path is written on in a file


def is_yaml(path: Path) -> bool:
    return path.suffix.lower() in YAML_SUFFIXES


def utf8_text(path: Path, data: bytes) -> str:
    """A file's text as the build reads a source: UTF-8, without a byte order mark (Windows
    editors write one; Git Sync strips it, §8.2); ``AdoptError`` naming the line."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AdoptError(str(path), "is not UTF-8 text: save it as UTF-8", line) from None


def read_json(path: Path, data: bytes) -> Any:
    """A JSON file's value; ``AdoptError`` naming the line."""
    try:
        return orjson.loads(utf8_text(path, data))
    except orjson.JSONDecodeError as exc:
        raise AdoptError(str(path), f"invalid JSON: {exc.msg}", exc.lineno) from None


def read_yaml(path: Path, data: bytes) -> Any:
    """The one document of a YAML file, as JSON values (the build's YAML reader,
    ``dashgen.sources.yaml_reader``); ``AdoptError`` naming the line."""
    text = utf8_text(path, data)
    try:
        documents = [d.value for d in read_documents(text) if d.value is not None]
    except YamlProblem as problem:
        raise AdoptError(str(path), problem.message, problem.line) from None
    if len(documents) != 1:
        raise AdoptError(
            str(path),
            f"holds {len(documents)} YAML documents; import takes one dashboard per file "
            "(as gcx writes them): split it",
        )
    return documents[0]


def yaml_locator(text: str) -> Locator:
    """The line of a JSON path in the one document of YAML text (read again: errors only)."""

    def locate(pointer: JsonPath) -> int | None:
        try:
            documents = [d for d in read_documents(text) if d.value is not None]
        except YamlProblem:
            return None
        return documents[0].lines([pointer])[tuple(pointer)] if len(documents) == 1 else None

    return locate


def folder_of_file(path: Path, document: Any) -> tuple[str, str] | None:
    """(title, uid) of the Grafana folder a gcx or Git Sync file says its dashboard is in;
    the title is "" when no folder file tells it."""
    uid = _annotation(document)
    if uid is not None:
        return _gcx_folder_title(path, uid), uid
    if is_resource(document) and _GCX_DASHBOARDS.fullmatch(path.parent.name):
        return "", None  # gcx names every folder but General's (§8.1): this one is General
    envelope_folder = _api_envelope_folder(document)
    if envelope_folder is not None:
        return envelope_folder
    folder_file = path.parent / GIT_SYNC_FOLDER_FILE
    if path.name != GIT_SYNC_FOLDER_FILE and folder_file.is_file():
        folder = _folder_resource(folder_file)
        if folder is not None and folder[1]:
            return folder[0] or path.parent.name, folder[1]
    return None


def _api_envelope_folder(document: Any) -> tuple[str, str | None] | None:
    """The folder ``meta`` of a ``GET /api/dashboards/uid/:uid`` answer names (folderUid
    "" or, before 8.x, folderId 0: General); None when the document is no such answer."""
    if not isinstance(document, dict) or not isinstance(document.get("dashboard"), dict):
        return None
    meta = document.get("meta")
    if not isinstance(meta, dict):
        return None
    uid = meta.get("folderUid")
    if isinstance(uid, str) and uid:
        title = meta.get("folderTitle")
        return (title if isinstance(title, str) else ""), uid
    if uid == "" or (uid is None and meta.get("folderId") == 0):
        return "", None
    return None


def _annotation(document: Any) -> str | None:
    """The folder uid a resource's annotation names (the build's reading of it); a bad one
    is None here: importing the document refuses it, naming the line."""
    if not is_resource(document):
        return None
    try:
        return folder_annotation(document)
    except ResourceError:
        return None


def _gcx_folder_title(path: Path, uid: str) -> str:
    folder = _gcx_folder_file(path, uid)
    return folder[0] if folder is not None else ""


def _gcx_folder_file(path: Path, uid: str) -> tuple[str, str, str | None] | None:
    for directory in sorted(path.parent.parent.glob(f"folders.*.{FOLDER_GROUP}")):
        for suffix in (".json", *YAML_SUFFIXES):
            folder = _folder_resource(directory / f"{uid}{suffix}")
            if folder is not None and folder[1] == uid:
                return folder
    return None


def folder_parent_of_file(path: Path, document: Any) -> str | None:
    """The uid of the folder that holds the folder a gcx or Git Sync file's dashboard is
    in (a nested folder): gcx's folder file's ``grafana.app/folder`` annotation, or the
    ``_folder.json`` of the directory above (Git Sync nests directories); None: the root."""
    uid = _annotation(document)
    if uid is not None:
        folder = _gcx_folder_file(path, uid)
        return folder[2] if folder is not None else None
    here = _folder_resource(path.parent / GIT_SYNC_FOLDER_FILE)
    if here is None or not here[1] or path.name == GIT_SYNC_FOLDER_FILE:
        return None
    above = _folder_resource(path.parent.parent / GIT_SYNC_FOLDER_FILE)
    return above[1] if above is not None else None


def _folder_resource(path: Path) -> tuple[str, str, str | None] | None:
    """(title, uid, parent uid) of a Folder resource file; None when unreadable or not a
    folder."""
    try:
        data = path.read_bytes()
        document = read_yaml(path, data) if is_yaml(path) else read_json(path, data)
    except (OSError, AdoptError):
        return None
    if not isinstance(document, dict) or document.get("kind") != "Folder":
        return None
    metadata = document.get("metadata")
    spec = document.get("spec")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    title = spec.get("title") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not name:
        return None
    notes = metadata.get("annotations") if isinstance(metadata, dict) else None
    parent = notes.get(FOLDER_ANNOTATION) if isinstance(notes, dict) else None
    parent = parent if isinstance(parent, str) and FOLDER_UID.match(parent) else None
    return (title if isinstance(title, str) else ""), name, parent
