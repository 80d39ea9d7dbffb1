"""Import: dashboards in → verified sources out (View JSON, Jinja or Python), per dashboard.

For each incoming document: the dashboard it holds (``adopt.documents``), its datasource
references as variables when asked (``adopt.datasources``), the source text
(``adopt.text``, ``adopt.python_source``), then the proof: that text is built through the
real build path and must give back the same canonical dashboard (``adopt.verify``). Only
then, and only if the destination is free (an existing source is replaced only with
``overwrite``; one with the same text is left alone), is it written. A dashboard that fails
any step is refused with the reason and nothing is written for it; the others go on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.adopt.config_edit import ConfigChanges, suggestion, write_changes
from dashgen.adopt.datasources import DatasourceVariable, VariableNames, templated
from dashgen.adopt.documents import Adoptable, LibraryLookup, adoptable, keep_json_uid
from dashgen.adopt.folder_mapping import FolderPlace, folder_changes, folders_not_mapped
from dashgen.adopt.messages import AdoptError, unwritable
from dashgen.adopt.python_source import python_module
from dashgen.adopt.resource_files import Locator
from dashgen.adopt.text import jinja_template, view_json
from dashgen.adopt.verify import built_from_text, first_difference
from dashgen.build import read_manifest
from dashgen.build.manifest import BuiltDashboard
from dashgen.build.outputs import read_bytes, write_atomically
from dashgen.config import DEFAULT_ORG, Config
from dashgen.errors import BuildError, UsageError
from dashgen.model.normalize import normalize
from dashgen.sources import selector

log = logging.getLogger(__name__)

FORMATS = ("json", "jinja", "python")
_SUFFIXES = {"json": ".json", "jinja": ".json.j2", "python": ".dashboard.py"}


@dataclass(frozen=True)
class AdoptOptions:
    format: str = "json"
    to: Path | None = None  # absolute, under the sources dir; None: the caller's default
    overwrite: bool = False
    inline_library_panels: bool = False
    upgrade_rows: bool = False
    template_datasources: bool = False  # implied by jinja and python
    write_config: bool = False
    org: str | None = None  # whose [orgs.<org>.vars] / inputs; None: see target_org()
    inputs: Mapping[str, str] = field(default_factory=dict)  # --input NAME=VALUE

    @property
    def templating(self) -> bool:
        return self.format in ("jinja", "python") or self.template_datasources

    @property
    def suffix(self) -> str:
        return _SUFFIXES["jinja" if self.format == "json" and self.templating else self.format]


@dataclass(frozen=True)
class Incoming:
    origin: str  # the file, or org/uid
    document: Any
    stem: str  # the file name to write, without its suffix
    subdir: str = ""  # below the destination folder
    library: LibraryLookup | None = None
    folder: tuple[str, str | None] | None = None  # (title, uid) it lives in; "" = General
    folder_parent: str | None = None  # the uid of the folder its folder sits in
    ancestors: tuple[FolderPlace, ...] = ()  # the folders above its folder, nearest first
    previous: str | None = None  # the source name an earlier pull wrote for it
    described: str | None = None  # where it came from, for the source's header
    locate: Locator | None = None  # the line of a JSON path in the file (for a mistake)


@dataclass
class AdoptedSource:
    incoming: Incoming
    uid: str
    title: str
    path: str  # POSIX, relative to the project root
    name: str  # POSIX, relative to the sources dir
    action: str  # created, updated or unchanged
    notes: list[str]
    variables: list[DatasourceVariable]
    is_v2: bool = False


@dataclass
class AdoptReport:
    adopted: list[AdoptedSource] = field(default_factory=list)
    refused: list[AdoptError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "origin: why" (nothing wrong with it)
    org: str | None = None  # the org the vars were named for
    config_suggestion: str | None = None  # TOML to add (when not written)
    config_written: Path | None = None
    pulled_file: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.refused


def target_org(config: Config, options: AdoptOptions) -> str | None:
    """The org whose variables and inputs apply: --org, else the only declared org; None
    (global [vars]) when none is declared. Several declared orgs need --org to template."""
    if options.org:
        name = options.org
        if name.startswith((".", "_")) or "/" in name or "\\" in name:
            raise UsageError(f"invalid org name {name!r}")
        return name
    if len(config.orgs) == 1:
        return next(iter(config.orgs))
    if config.orgs and options.templating:
        raise UsageError(
            "the config declares several orgs: name the one whose datasource uids these are "
            "with --org NAME (their variables go to [orgs.<NAME>.vars])"
        )
    return None


def adopt(
    config: Config, incoming: Sequence[Incoming], options: AdoptOptions, destination: Path
) -> AdoptReport:
    """Turn each incoming document into a verified source under ``destination``."""
    org = target_org(config, options)
    run = _Run(config, options, org, relative_dir(config, destination))
    for item in incoming:
        try:
            run.accept(item)
        except AdoptError as error:
            run.report.refused.append(error)
    run.finish()
    return run.report


class _Run:
    def __init__(self, config: Config, options: AdoptOptions, org: str | None, to: str) -> None:
        self.config = config
        self.options = options
        self.org = org
        self.to = to
        self.build_org = org or (next(iter(config.orgs)) if config.orgs else DEFAULT_ORG)
        settings = config.org(self.build_org)
        self.values = {**config.inputs, **settings.inputs, **options.inputs}
        self.variables = {**config.vars, **settings.vars}
        self.names = VariableNames(self.variables if org else dict(config.vars))
        self.report = AdoptReport(org=org)
        self.texts: dict[str, str] = {}  # source name → text to write
        self.uids: dict[str, str] = {}  # uid → origin, in this run
        try:
            self.manifest = read_manifest(config.output_dir)
        except BuildError:
            self.manifest = []

    def accept(self, item: Incoming) -> None:
        log.debug("adopting %s as %s", item.origin, self.options.format)
        upgrade = self.options.upgrade_rows or self.config.convert_legacy_rows
        found = adoptable(
            item.document,
            item.origin,
            values=self.values,
            inline_library_panels=self.options.inline_library_panels,
            upgrade_rows=upgrade,
            library=item.library,
            locate=item.locate,
        )
        if item.folder is None and found.folder_uid:
            item = dataclasses.replace(item, folder=("", found.folder_uid))
        name = self._name(item)
        keep_json_uid(found, name, self.options.suffix)
        text, variables = self._text(found, item.described or f"imported from {item.origin}")
        self._verify(found, name, text, variables)
        action = self._check_destination(found, item, name, text)
        self.uids[found.uid] = item.origin
        self.texts[name] = text
        self.report.adopted.append(
            AdoptedSource(
                item,
                found.uid,
                found.title,
                self._shown(name),
                name,
                action,
                found.notes,
                variables,
                found.is_v2,
            )
        )

    def _name(self, item: Incoming) -> str:
        if item.previous and item.previous.endswith(self.options.suffix):
            return item.previous
        parts = [p for p in (self.to, item.subdir) if p]
        return "/".join([*parts, item.stem + self.options.suffix])

    def _text(self, found: Adoptable, origin: str) -> tuple[str, list[DatasourceVariable]]:
        header = f"{found.title or found.uid}: {origin} by dashgen"
        document = found.resource if found.resource is not None else found.dashboard
        if not self.options.templating:
            return view_json(document), []
        dashboard, variables = templated(document, self.names, found.plugins, v2=found.is_v2)
        if self.options.format == "python":
            return python_module(dashboard, variables, header), variables
        return jinja_template(dashboard, variables, header), variables

    def _verify(
        self, found: Adoptable, name: str, text: str, variables: list[DatasourceVariable]
    ) -> None:
        values = {**self.variables, **{v.name: v.value for v in variables}}
        built = built_from_text(self.config, self.build_org, name, text, values)
        if built.errors or built.dashboard is None:
            listed = "; ".join(p.message for p in built.errors[:3]) or "it yields no dashboard"
            raise AdoptError(
                found.origin,
                f"dashgen build would reject the dashboard as a source ({listed}); "
                "fix it in Grafana (or in the file) and import it again",
            )
        found.notes.extend(f"warning: {p.message}" for p in built.problems if p not in built.errors)
        expected = found.dashboard if found.is_v2 else normalize(found.dashboard, source=name)
        difference = first_difference(expected, built.dashboard)
        if difference is not None:
            raise AdoptError(
                found.origin,
                f"the {self.options.format} source would not build back to the same "
                f"dashboard (first difference at {difference}); nothing was written for it",
            )

    def _check_destination(self, found: Adoptable, item: Incoming, name: str, text: str) -> str:
        if found.uid and found.uid in self.uids:
            raise AdoptError(item.origin, f"uid {found.uid!r} is also in {self.uids[found.uid]}")
        if name in self.texts:
            raise AdoptError(item.origin, f"{name} is written for another dashboard")
        for built in self.manifest:
            other = _posix(built.source)
            if (
                found.uid
                and built.uid == found.uid
                and other != self._shown(name)
                and self._builds_for(built, name)
            ):
                raise AdoptError(
                    item.origin,
                    f"uid {found.uid!r} is already built from {other} for org {built.org!r} "
                    "(two sources of one uid fail the build); remove that source first",
                )
        for sibling in _siblings(name, self.options.suffix):
            if (self.config.sources_dir / sibling).exists():
                shown = self._shown(sibling)
                raise AdoptError(
                    item.origin,
                    f"{shown} already holds this dashboard (as {_format_of(sibling)}); delete it "
                    f"first, or import with --as {_format_of(sibling)}",
                )
        current = read_bytes(self.config.sources_dir / name)
        if current is None:
            return "created"
        if current == text.encode():
            return "unchanged"
        if not self.options.overwrite:
            raise AdoptError(
                item.origin,
                f"{self._shown(name)} exists and differs; --overwrite replaces it",
            )
        return "updated"

    def _shown(self, name: str) -> str:
        """A source name (relative to the sources dir) as the build reports it: from the root."""
        path = os.path.relpath(self.config.sources_dir / name, self.config.root)
        return path.replace(os.sep, "/")

    def _builds_for(self, built: BuiltDashboard, name: str) -> bool:
        if built.org not in self.config.orgs:
            return True
        return selector(self.config.orgs[built.org].sources)(name)

    def finish(self) -> None:
        written: list[str] = []
        for name, text in self.texts.items():
            if not any(a.name == name and a.action == "unchanged" for a in self.report.adopted):
                try:
                    write_atomically(self.config.sources_dir / name, text.encode())
                except OSError as error:
                    raise unwritable(self._shown(name), error, written) from None
                written.append(self._shown(name))
        changes = self._config_changes()
        if not changes:
            return
        if self.options.write_config:
            self.report.config_written = write_changes(self.config, changes)
        else:
            self.report.config_suggestion = suggestion(self.config, changes)

    def _config_changes(self) -> ConfigChanges:
        changes = ConfigChanges(self.org)
        for adopted in self.report.adopted:
            for variable in adopted.variables:
                if variable.new:
                    changes.vars[variable.name] = variable.value
        if self.org is not None:
            folder_changes(self.report.adopted, self.config.org(self.org), changes, self.to)
        else:
            folders_not_mapped(self.report.adopted)
        if self.org is not None and self.org not in self.config.orgs and changes:
            changes.create_org = True
            if self.to:
                changes.sources.append(f"{self.to}/**")
        elif self.org in self.config.orgs and self.config.orgs[self.org].sources:
            selects = selector(self.config.orgs[self.org].sources)
            uncovered = [a.name for a in self.report.adopted if not selects(a.name)]
            if uncovered:
                changes.sources.extend([f"{self.to}/**"] if self.to else uncovered)
        return changes


def relative_dir(config: Config, destination: Path) -> str:
    sources = config.sources_dir.resolve()
    target = destination.resolve()
    if not target.is_relative_to(sources):
        raise UsageError(
            f"--to {destination} is not under the sources dir {sources}: the build would not "
            "find what is written there"
        )
    relative = os.path.relpath(target, sources)
    return "" if relative == "." else relative.replace(os.sep, "/")


def _siblings(name: str, suffix: str) -> list[str]:
    """The same file name with the other source suffixes import writes."""
    stem = name[: -len(suffix)]
    return [stem + other for other in _SUFFIXES.values() if other != suffix]


def _posix(path: Path | str) -> str:
    return Path(path).as_posix()


def _format_of(source: str) -> str:
    return "python" if source.endswith(".py") else "jinja" if source.endswith(".j2") else "json"
