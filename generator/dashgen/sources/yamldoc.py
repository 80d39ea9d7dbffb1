"""YAML sources (``*.yaml``, ``*.yml``): each document read as the JSON it encodes.

YAML is only another spelling of the documents a ``.json`` source holds (what ``gcx
resources pull -o yaml`` writes): every document goes through the same form step as View
JSON (``dashgen.model.forms``, ``dashgen.model.resources``), so a resource builds the
bytes of the same resource as ``.json``, a ``kind: Folder`` is skipped, other kinds and
non-dashboards are refused with the same sentences. What is YAML's own:

- a document without a uid gets the one its ``.json`` twin would (derived from the path
  with ``.json`` for ``.yaml``): turning a file from one format into the other keeps it;
- several documents (``---``) are several dashboards, each named by its uid (a resource's
  ``metadata.name``); one without a uid gets one derived from ``<path>#<n>``, n its place
  among the file's documents. Empty documents are nothing.
- a document that is no mapping is an error naming its line;
- a Grafana provisioning file (``apiVersion: 1`` with ``providers:``, ``datasources:``,
  alerting's ``groups:`` ...; no ``kind``) is no dashboard but belongs to Grafana: it is
  skipped with a warning naming it, rather than failing the build.

This module (and PyYAML) is imported only when a YAML source is compiled.
"""

from __future__ import annotations

from typing import Any

from dashgen.errors import SourceError
from dashgen.model.problem import JsonPath
from dashgen.sources import LoadContext, LoadedDocument, Source
from dashgen.sources.kinds import read_source_text
from dashgen.sources.yaml_reader import YamlDocument, YamlProblem, read_documents

# The top-level keys of Grafana's provisioning files (dashboards, datasources, plugins,
# alerting, legacy notifiers), which say ``apiVersion: 1`` and no ``kind``.
PROVISIONING_KEYS = (
    "providers",
    "datasources",
    "deleteDatasources",
    "apps",
    "groups",
    "deleteRules",
    "contactPoints",
    "deleteContactPoints",
    "policies",
    "resetPolicies",
    "templates",
    "deleteTemplates",
    "muteTimes",
    "deleteMuteTimes",
    "notifiers",
    "delete_notifiers",
)


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    text = read_source_text(source.path, source.rel, data=ctx.source_bytes)
    try:
        documents = [d for d in read_documents(text) if d.value is not None]
    except YamlProblem as problem:
        raise SourceError(source.rel, problem.message, problem.line) from None
    if not documents:
        raise SourceError(
            source.rel, "holds no YAML document (it is empty): write a dashboard, or remove it"
        )
    many = len(documents) > 1
    return [_loaded(document, source, many) for document in documents]


def _loaded(document: YamlDocument, source: Source, many: bool) -> LoadedDocument:
    label = f"document {document.index}" if many else None
    stem = source.name.removesuffix(".yaml").removesuffix(".yml")
    name = f"{stem}.json#{document.index}" if many else f"{stem}.json"  # x.json's uid

    def locate(pointers: list[JsonPath]) -> dict[JsonPath, tuple[str, int]]:
        return {p: (source.rel, line) for p, line in document.lines(pointers).items()}

    loaded = LoadedDocument(document.value, name, line=document.line, label=label, locate=locate)
    value = document.value
    if not isinstance(value, dict):
        which = f"{label} is" if label else "this YAML document is"
        loaded.error = SourceError(
            source.rel,
            f"{which} {_kind_of(value)}, not a mapping: a dashboard (or a resource file's "
            "apiVersion/kind/metadata/spec) is a mapping",
            document.line,
        )
    elif (provisioning := provisioning_keys(value)) is not None:
        loaded.skipped = (
            f"a Grafana provisioning file ({provisioning}), not a dashboard: skipped; move "
            "it out of the sources folder to silence this warning"
        )
    return loaded


def provisioning_keys(doc: dict[str, Any]) -> str | None:
    """The provisioning keys of a Grafana provisioning file (``apiVersion: 1``), else None."""
    if "kind" in doc or doc.get("apiVersion") not in (1, "1"):
        return None
    found = [key for key in PROVISIONING_KEYS if key in doc]
    return ", ".join(f"{key}:" for key in found) if found else None


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
