"""Adopting existing dashboards: ``dashgen import`` (files) and ``dashgen pull`` (an org).

A dashboard comes in as View JSON, the ``GET /api/dashboards/uid/:uid`` envelope, a
Share > Export file or a resource file of gcx or Git Sync (JSON or YAML; v1 or schema v2),
and goes out as a source of the kind asked for (View JSON, a Jinja
template or a Python module) that the build turns back into the same dashboard; that is
checked, by building it, before anything is written. Modules: ``documents`` (the form step
and its options), ``datasources`` (references → variables), ``text`` (JSON and Jinja
writers), ``python_source``/``pycode``/``grafanalib_match`` (the Python writer), ``verify``
(the round trip), ``importer`` (one run: check, write), ``config_edit`` (what the config
needs), ``pull`` (reading an org), ``resource_files`` (YAML, folder files), ``messages``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dashgen.adopt.documents import json_locator, read_document
from dashgen.adopt.importer import FORMATS, AdoptOptions, AdoptReport, Incoming, adopt
from dashgen.adopt.messages import AdoptError
from dashgen.adopt.pull import PullError, Selection, pull
from dashgen.adopt.resource_files import (
    folder_of_file,
    folder_parent_of_file,
    is_yaml,
    yaml_locator,
)
from dashgen.config import Config
from dashgen.model.resources import FOLDER_GROUP

__all__ = [
    "FORMATS",
    "AdoptError",
    "AdoptOptions",
    "AdoptReport",
    "PullError",
    "Selection",
    "import_files",
    "pull",
]


def import_files(config: Config, files: Sequence[Path], options: AdoptOptions) -> AdoptReport:
    """Import each file into ``options.to`` (default: the sources dir)."""
    incoming: list[Incoming] = []
    unreadable: list[AdoptError] = []
    skipped: list[str] = []
    for path in files:
        try:
            document = read_document(path)
        except AdoptError as error:
            unreadable.append(error)
            continue
        if _is_folder(document):  # gcx and Git Sync keep folders as files beside dashboards
            skipped.append(f"{path}: a Folder resource (no dashboard; it names a folder)")
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        incoming.append(
            Incoming(
                origin=str(path),
                document=document,
                stem=_stem(path),
                folder=folder_of_file(path, document),
                folder_parent=folder_parent_of_file(path, document),
                locate=yaml_locator(text) if is_yaml(path) else json_locator(text),
            )
        )
    report = adopt(config, incoming, options, options.to or config.sources_dir)
    report.refused[:0] = unreadable
    report.skipped.extend(skipped)
    return report


def _is_folder(document: object) -> bool:
    return (
        isinstance(document, dict)
        and document.get("kind") == "Folder"
        and str(document.get("apiVersion") or "").startswith(f"{FOLDER_GROUP}/")
    )


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".dashboard.json", ".json", ".yaml", ".yml"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return path.stem
