"""Reading the files gcx pulls and Git Sync stores (grafana-apis.md §8): JSON or YAML
resource envelopes, and the folder files beside them.

- YAML (``gcx resources pull -o yaml``; Git Sync reads it too) is read as the JSON it
  encodes: one document per file (gcx writes one resource per file), only JSON's values
  (YAML timestamps stay strings, a non-string key is an error naming its line).
- The Grafana folder an imported dashboard lives in: the ``grafana.app/folder`` annotation
  (gcx), its title from gcx's folder file (``<root>/folders.<v>.folder.grafana.app/<uid>
  .json``) when it is there; else, in a Git Sync checkout, the ``_folder.json`` of the
  file's directory (its ``metadata.name`` and ``spec.title``). The annotation wins when
  both are there (which wins in Git Sync is UNCONFIRMED in the contract; gcx has no
  directories for folders).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import orjson
import yaml

from dashgen.adopt.messages import AdoptError
from dashgen.model.resources import FOLDER_ANNOTATION, FOLDER_GROUP

YAML_SUFFIXES = (".yaml", ".yml")
GIT_SYNC_FOLDER_FILE = "_folder.json"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _JsonLoader(yaml.SafeLoader):
    """YAML's safe loader without timestamps: a date stays the string it is in JSON."""


_JsonLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def is_yaml(path: Path) -> bool:
    return path.suffix.lower() in YAML_SUFFIXES


def read_yaml(path: Path, data: bytes) -> Any:
    """The one document of a YAML file, as JSON values; ``AdoptError`` naming the line."""
    try:
        documents = [d for d in yaml.load_all(data, Loader=_JsonLoader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        raise AdoptError(str(path), f"invalid YAML: {problem}", line) from None
    if len(documents) != 1:
        raise AdoptError(
            str(path),
            f"holds {len(documents)} YAML documents; import takes one dashboard per file "
            "(as gcx writes them): split it",
        )
    _check_json(documents[0], str(path))
    return documents[0]


def _check_json(value: Any, origin: str, where: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AdoptError(
                    origin, f"key {key!r} under {where or 'the top'} is not a string (JSON's are)"
                )
            _check_json(item, origin, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, origin, f"{where}[{index}]")
    elif isinstance(value, datetime.date | bytes | set):
        raise AdoptError(origin, f"{where or 'the document'} is not a JSON value: quote it")


def folder_of_file(path: Path, document: Any) -> tuple[str, str] | None:
    """(title, uid) of the Grafana folder a gcx or Git Sync file says its dashboard is in;
    the title is "" when no folder file tells it."""
    uid = _annotation(document)
    if uid:
        return _gcx_folder_title(path, uid), uid
    folder_file = path.parent / GIT_SYNC_FOLDER_FILE
    if path.name != GIT_SYNC_FOLDER_FILE and folder_file.is_file():
        folder = _folder_resource(folder_file)
        if folder is not None and folder[1]:
            return folder[0] or path.parent.name, folder[1]
    return None


def _annotation(document: Any) -> str | None:
    metadata = document.get("metadata") if isinstance(document, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    found = annotations.get(FOLDER_ANNOTATION) if isinstance(annotations, dict) else None
    return found if isinstance(found, str) and found else None


def _gcx_folder_title(path: Path, uid: str) -> str:
    for directory in sorted(path.parent.parent.glob(f"folders.*.{FOLDER_GROUP}")):
        for suffix in (".json", *YAML_SUFFIXES):
            folder = _folder_resource(directory / f"{uid}{suffix}")
            if folder is not None and folder[1] == uid:
                return folder[0]
    return ""


def _folder_resource(path: Path) -> tuple[str, str] | None:
    """(title, uid) of a Folder resource file; None when unreadable or not a folder."""
    try:
        data = path.read_bytes()
        document = read_yaml(path, data) if is_yaml(path) else orjson.loads(data)
    except (OSError, orjson.JSONDecodeError, AdoptError):
        return None
    if not isinstance(document, dict) or document.get("kind") != "Folder":
        return None
    metadata = document.get("metadata")
    spec = document.get("spec")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    title = spec.get("title") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not name:
        return None
    return (title if isinstance(title, str) else ""), name
