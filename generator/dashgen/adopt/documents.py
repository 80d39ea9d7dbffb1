"""What an imported file (or a pulled dashboard) holds, as the dashboard its source must be.

The form step is the build's own (``dashgen.model.forms``): an envelope is unwrapped, a
Share > Export file is converted as Grafana's import does (``convert_export``: every
``__inputs`` entry needs a value, ``${NAME}`` replaced where NAME is an input, other
``${...}`` left alone, ``__inputs``/``__requires``/``__elements`` dropped), a v2 resource,
a single panel or other JSON is refused saying what it is. On top of that, adoption may:

- inline library panels (``--inline-library-panels``): a panel that carries only a
  ``libraryPanel`` reference is replaced by the element's model (from ``__elements``, or
  fetched from Grafana by ``pull``), keeping its ``id`` and ``gridPos``, as Grafana's
  "Unlink library panel" does; a panel that carries its own copy of the model keeps it
  and loses the reference. Without the flag the references stay, and the library panels
  must then exist in every org the dashboard is published to;
- convert legacy ``rows`` with the build's schema-16 migration (``--upgrade-rows``).

The result is normalised (``model.normalize``): no dashboard ``id`` or ``version``, the
uid kept, panel ids and positions as the build would give them.

Resource files (what gcx pulls and Git Sync stores, ``model.resources``) are read as the
build reads them: a v1 one (``v0alpha1``, ``v1beta1``, ``v1``) is its spec, uid
``metadata.name``, folder the ``grafana.app/folder`` annotation; a v2 one stays a schema v2
resource (``Adoptable.resource``: ``apiVersion``, ``kind``, ``metadata.name`` and the folder
annotation, no server fields), the source form the build takes for v2. Nothing is
converted between v1 and v2.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.adopt.messages import AdoptError, missing_inputs_text
from dashgen.adopt.resource_files import Locator, is_yaml, read_json, read_yaml
from dashgen.model.forms import (
    ExportConversionError,
    Form,
    convert_export,
    export_inputs,
    form_message,
    missing_inputs,
    unwrap,
)
from dashgen.model.legacy_rows import convert_legacy_rows_in_place, has_legacy_rows
from dashgen.model.normalize import derive_uid, iter_panel_lists, normalize
from dashgen.model.problem import JsonPath
from dashgen.model.resources import (
    FOLDER_ANNOTATION,
    DashboardResource,
    FolderResource,
    ResourceError,
    is_resource,
    open_resource,
    v1_spec,
)
from dashgen.model.v2 import SCHEMA_V1, normalize_v2, v2_title
from dashgen.sources.positions import json_lines

# The keys a library panel stub has in a saved dashboard (Grafana 10+ and exports).
STUB_KEYS = frozenset({"id", "gridPos", "libraryPanel", "title"})

# uid → the element's panel model, or None when Grafana has no such element.
LibraryLookup = Callable[[str], dict[str, Any] | None]


@dataclass
class Adoptable:
    """The dashboard a new source must reproduce, and what the user should know about it."""

    origin: str  # the file, or org/uid for a pulled dashboard
    dashboard: dict[str, Any]  # normalised, without the dashboard id
    form: Form  # VIEW or EXPORT (converted)
    notes: list[str] = field(default_factory=list)
    # datasource input value → plugin id (names the variables of string references)
    plugins: dict[str, str] = field(default_factory=dict)
    schema: str = SCHEMA_V1  # or the v2 version ("v2", "v2beta1", "v2alpha1")
    # v2: the resource the source holds (``dashboard`` is its spec, as the build outputs it)
    resource: dict[str, Any] | None = None
    folder_uid: str | None = None  # a resource's grafana.app/folder annotation

    @property
    def is_v2(self) -> bool:
        return self.schema != SCHEMA_V1

    @property
    def uid(self) -> str:
        if self.resource is not None:
            return str(self.resource.get("metadata", {}).get("name") or "")
        return str(self.dashboard.get("uid") or "")

    @property
    def title(self) -> str:
        if self.is_v2:
            return v2_title(self.dashboard)
        return str(self.dashboard.get("title") or "")


def read_document(path: Path) -> Any:
    """A file's JSON (or YAML, for ``*.yaml``/``*.yml``); ``AdoptError`` naming the file and
    line when it is neither."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AdoptError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return read_yaml(path, data) if is_yaml(path) else read_json(path, data)


def adoptable(
    doc: Any,
    origin: str,
    *,
    values: Mapping[str, str],
    inline_library_panels: bool = False,
    upgrade_rows: bool = False,
    library: LibraryLookup | None = None,
    locate: Locator | None = None,
) -> Adoptable:
    """The dashboard model ``doc`` holds, converted as asked; ``AdoptError`` when it has none.
    ``locate``: the line of a JSON path in the file, for the line of a resource's mistake."""
    if is_resource(doc):
        resource = _open(doc, origin, locate)
        if resource.is_v2:
            return _v2(resource, origin, inline_library_panels)
        found = adoptable(
            _v1_spec(resource, origin, locate),
            origin,
            values=values,
            inline_library_panels=inline_library_panels,
            upgrade_rows=upgrade_rows,
            library=library,
        )
        found.folder_uid = resource.folder_uid
        return found
    form, body = unwrap(doc)
    if form not in (Form.VIEW, Form.EXPORT):
        raise AdoptError(origin, f"{form_message(form)}")
    notes: list[str] = []
    dashboard = copy.deepcopy(body)
    plugins: dict[str, str] = {}
    elements = _elements(dashboard.pop("__elements", None)) if form is Form.EXPORT else {}
    if form is Form.EXPORT:
        try:
            missing = missing_inputs(body, values)
        except ExportConversionError as error:
            raise AdoptError(origin, str(error)) from None
        if missing:
            raise AdoptError(origin, missing_inputs_text(export_inputs(body), missing))
        plugins = {
            values[i.name]: i.plugin for i in export_inputs(body) if i.name in values and i.plugin
        }
    _library_panels(dashboard, origin, elements, library, inline_library_panels, notes)
    if form is Form.EXPORT:
        dashboard = convert_export(dashboard, values)
    if has_legacy_rows(dashboard) and dashboard["rows"]:
        if upgrade_rows:
            convert_legacy_rows_in_place(dashboard)
            notes.append("legacy rows converted to grid panels (Grafana's schema-16 migration)")
        else:
            notes.append(
                "legacy rows (schemaVersion < 16) kept as they are: Grafana migrates them when "
                "it loads the dashboard; --upgrade-rows converts them in the source"
            )
    dashboard = normalize(dashboard)
    dashboard.pop("id", None)
    return Adoptable(origin, dashboard, form, notes, plugins)


def _open(doc: dict[str, Any], origin: str, locate: Locator | None) -> DashboardResource:
    try:
        return open_resource(doc)
    except FolderResource:
        raise AdoptError(
            origin,
            "this is a Folder resource, which holds no dashboard: import the dashboard files "
            "(gcx: dashboards.<version>.dashboard.grafana.app/*.json; Git Sync: the files "
            "beside _folder.json), whose folder it names",
        ) from None
    except ResourceError as error:
        raise AdoptError(origin, str(error), _line(locate, error.pointer)) from None


def _v1_spec(resource: DashboardResource, origin: str, locate: Locator | None) -> dict[str, Any]:
    try:
        return v1_spec(resource)
    except ResourceError as error:
        raise AdoptError(origin, str(error), _line(locate, error.pointer)) from None


def _line(locate: Locator | None, pointer: JsonPath) -> int | None:
    return locate(pointer) if locate is not None and pointer else None


def json_locator(text: str) -> Locator:
    """The line of a JSON path in JSON text."""
    return lambda pointer: json_lines(text, [pointer]).get(tuple(pointer))


def _v2(resource: DashboardResource, origin: str, inline: bool) -> Adoptable:
    """A schema v2 resource as its source: the envelope without the server's fields."""
    metadata: dict[str, Any] = {}
    if resource.name is not None:
        metadata["name"] = resource.name
    if resource.folder_uid:
        metadata["annotations"] = {FOLDER_ANNOTATION: resource.folder_uid}
    envelope = {
        "apiVersion": resource.api_version,
        "kind": "Dashboard",
        "metadata": metadata,
        "spec": resource.spec,
    }
    if not metadata:
        del envelope["metadata"]
    notes = []
    elements = resource.spec.get("elements")
    library = [
        str(key)
        for key, element in (elements.items() if isinstance(elements, dict) else ())
        if isinstance(element, dict) and element.get("kind") == "LibraryPanel"
    ]
    if library:
        how = " (--inline-library-panels does not inline v2 library panels)" if inline else ""
        notes.append(
            f"library panel element(s) {', '.join(library)} stay references: each must exist "
            f"in every org this dashboard is published to{how}"
        )
    return Adoptable(
        origin,
        normalize_v2(resource.spec),
        Form.K8S_RESOURCE,
        notes,
        schema=resource.schema,
        resource=envelope,
        folder_uid=resource.folder_uid,
    )


def _elements(raw: Any) -> dict[str, dict[str, Any]]:
    """``__elements`` by uid (a map in current exports; a list in some older ones)."""
    items = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, dict) and item.get("uid") and isinstance(item.get("model"), dict):
            found[str(item["uid"])] = item["model"]
    return found


def _library_panels(
    dashboard: dict[str, Any],
    origin: str,
    elements: dict[str, dict[str, Any]],
    library: LibraryLookup | None,
    inline: bool,
    notes: list[str],
) -> None:
    kept: list[str] = []
    for panels in iter_panel_lists(dashboard):
        for index, panel in enumerate(panels):
            if not (isinstance(panel, dict) and isinstance(panel.get("libraryPanel"), dict)):
                continue
            reference = panel["libraryPanel"]
            uid = str(reference.get("uid") or "")
            name = str(reference.get("name") or uid)
            if not inline:
                kept.append(f'"{name}" (uid {uid})')
                continue
            model = elements.get(uid) or (library(uid) if library and uid else None)
            if model is not None:
                panels[index] = _inlined(model, panel)
            elif set(panel) - STUB_KEYS:
                del panel["libraryPanel"]  # it carries its own copy of the model: keep that
                notes.append(f'library panel "{name}" (uid {uid}) inlined from the copy it holds')
            else:
                where = "in __elements" if library is None else "in the org"
                raise AdoptError(
                    origin,
                    f'library panel "{name}" (uid {uid}) is only a reference and its model is '
                    f"not {where}; pull the dashboard from its Grafana with "
                    "--inline-library-panels, or import it without that flag",
                )
    if kept:
        notes.append(
            f"library panel(s) {', '.join(kept)} stay references: each must exist in every "
            "org this dashboard is published to (--inline-library-panels copies them in)"
        )


def _inlined(model: dict[str, Any], stub: dict[str, Any]) -> dict[str, Any]:
    """The element's model in the stub's place (its id and position), without the link."""
    panel = {key: copy.deepcopy(value) for key, value in model.items() if key != "libraryPanel"}
    for key in ("id", "gridPos"):
        if key in stub:
            panel[key] = copy.deepcopy(stub[key])
        else:
            panel.pop(key, None)
    return panel


def keep_json_uid(found: Adoptable, name: str, suffix: str) -> None:
    """A dashboard without uid gets the one its file would give it as ``.json``: a name of
    over 40 characters derives a uid ending in a hash of the file name, suffix included
    (``model.normalize.derive_uid``), so ``--as jinja``/``python`` would otherwise make it a
    new dashboard in Grafana. The uid is then written into the source."""
    if found.is_v2 or found.dashboard.get("uid") or suffix == ".json":
        return
    as_json = derive_uid(name[: -len(suffix)] + ".json")
    if as_json != derive_uid(name):
        found.dashboard["uid"] = as_json
        found.notes.append(f"uid {as_json!r} written in: the one {name} would have as .json")
