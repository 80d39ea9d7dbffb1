"""Before any write to an org: do the datasources each dashboard references exist there, and
what is each name binding's uid in that org?

The build is offline (no Grafana at build time), so ``build/`` keeps the references as the
source wrote them (``dashgen.model.datasource_refs``). Per batch the session reads the org's
datasources once (``GET /api/datasources``, only when some dashboard references one), then:

- a name binding ``{"type": "prometheus", "name": "Prometheus"}`` becomes that org's
  ``{"type": "prometheus", "uid": "<its uid>"}``. The bound dashboard (``BoundDashboard``)
  is what is compared, hashed (skip-unchanged and the drift guard's version message) and
  sent, so one source serves every org and a republish sends nothing. A name that matches
  no datasource, or several (names are compared exactly first, then ignoring case), or a
  datasource of another type than the binding says, refuses the dashboard: it cannot be
  written without a uid. ``--allow-missing-datasources`` does not change that;
- every other reference must name a datasource of the org (uid, or for Grafana's
  fallback, name), and a ``datasource`` template variable needs one of its type. A
  dashboard with a missing one is not written, the message names the panel (or variable,
  annotation) and the uid and lists the org's datasources of that type, unless
  ``allow_missing``: then it is written and the same sentence is a warning.

A schema v2 dashboard is checked the same way (``dashgen.model.datasource_refs_v2``: its
queries, annotations and variables); its name bindings become ``{"name": "<uid>"}``, the
form of a v2 query's reference.

When the org's datasources cannot be read (a token without ``datasources:read``), the
check is skipped with a warning and only dashboards with name bindings are refused. When
that read fails for the whole org (token rejected, Grafana unreachable, not Grafana's API:
``dashgen.publish.org_failure``), nothing is said here: the org's failure is said once and
no dashboard of the batch is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import orjson

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError
from dashgen.grafana.datasources import Datasource
from dashgen.model.datasource_refs import Location, Reference, bind, is_variable
from dashgen.model.datasource_refs_v2 import bound_reference
from dashgen.model.normalize import content_hash
from dashgen.publish.events import Action, PlannedDashboard
from dashgen.publish.org_failure import is_org_wide
from dashgen.publish.refs_store import Key, References, references_by_uid

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

LISTED = 8  # datasources named in a message before "and N more"


@dataclass(frozen=True)
class BoundDashboard(BuiltDashboard):
    """A built dashboard with its name bindings replaced by one org's uids: ``text()``,
    ``load()`` and ``content_hash`` are the bound document's."""

    document: bytes = field(default=b"", repr=False)

    def text(self) -> bytes:
        return self.document


@dataclass
class CheckedBatch:
    ready: list[BuiltDashboard] = field(default_factory=list)  # bound where they bind names
    refused: list[tuple[BuiltDashboard, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # With ``defer``: uid → why, for ready dashboards that reference a missing datasource:
    # refused only if they are to be written (``refused_if_written``).
    deferred: dict[str, str] = field(default_factory=dict)


class OrgDatasources:
    """One org's datasources, indexed the ways dashboards refer to them."""

    def __init__(self, org: str, items: Iterable[Datasource]) -> None:
        self.org = org
        self.items = list(items)
        self._uids = {d.uid for d in self.items}
        self._by_uid = {d.uid: d for d in self.items}
        self._names = {d.name for d in self.items}
        self._types = {d.type for d in self.items}
        self._sound: dict[Key, bool] = {}

    def sound(self, keys: Iterable[Key]) -> bool:
        """Whether no reference of these (kind, value, type) is missing or of another type
        (each asked once per org: a batch's dashboards mostly name the same few)."""
        for key in keys:
            verdict = self._sound.get(key)
            if verdict is None:
                kind, value, of_type = key
                ref = Reference(kind, value, of_type, Location(), ())  # type: ignore[arg-type]
                missing = kind != "name" and not self.has(ref)
                verdict = self._sound[key] = not missing and self.of_another_type(ref) is None
            if not verdict:
                return False
        return True

    def has(self, reference: Reference) -> bool:
        if reference.kind == "type":
            return reference.value in self._types
        return reference.value in self._uids or reference.value in self._names

    def of_another_type(self, reference: Reference) -> Datasource | None:
        """The datasource a by-uid reference names when it is not of the type the reference
        says (a Share > Export input mapped to a Loki uid for a Prometheus panel): Grafana
        would run the panel's queries on it. Only worth a warning: a plugin that changed its
        id (``postgres`` is ``grafana-postgresql-datasource`` since Grafana 11, ``testdata``
        ``grafana-testdata-datasource``) keeps the old id as an alias, so such a panel still
        works."""
        if reference.kind != "uid" or not reference.type:
            return None
        found = self._by_uid.get(reference.value)
        return found if found is not None and found.type != reference.type else None

    def by_name(self, name: str) -> list[Datasource]:
        exact = [d for d in self.items if d.name == name]
        return exact or [d for d in self.items if d.name.casefold() == name.casefold()]

    def listing(self, plugin: str | None) -> str:
        """The org's datasources (of ``plugin``), for a message: "its ... datasources: ..."."""
        chosen = [d for d in self.items if plugin is None or d.type == plugin]
        kind = f"{plugin} " if plugin else ""
        if not chosen:
            return f"it has no {kind}datasource"
        shown = ", ".join(d.describe() for d in chosen[:LISTED])
        if len(chosen) > LISTED:
            shown += f" and {len(chosen) - LISTED} more"
        return f"its {kind}datasources: {shown}"


def checked(
    session: OrgSession, dashboards: Sequence[BuiltDashboard], *, defer: bool = False
) -> CheckedBatch:
    """``check_batch`` with the session's ``--allow-missing-datasources``."""
    allow_missing = session.allow_missing_datasources
    return check_batch(session, dashboards, allow_missing=allow_missing, defer=defer)


def referenced(session: OrgSession, dashboards: Sequence[BuiltDashboard]) -> bool:
    """Whether any of ``dashboards`` references a datasource (the org's are then read)."""
    return any(references_by_uid(session.config.output_dir, dashboards).values())


def check_batch(
    session: OrgSession,
    dashboards: Sequence[BuiltDashboard],
    *,
    allow_missing: bool = False,
    defer: bool = False,
) -> CheckedBatch:
    """Bind and check every dashboard of one batch (one ``GET /api/datasources`` at most,
    perhaps already sent: ``dashgen.publish.prefetch``). ``defer``: a dashboard whose only
    fault is a missing datasource is ready, and refused only if it is to be written
    (``deferred``): publish checks what it writes."""
    checked = CheckedBatch()
    found = references_by_uid(session.config.output_dir, dashboards)
    if not any(found.values()):
        checked.ready.extend(dashboards)
        return checked
    backend = session.backend
    assert backend is not None
    try:
        org = OrgDatasources(session.org, session.prefetch.take("datasources", backend.datasources))
    except DashgenError as error:
        doing = session.doing(f"reading the datasources of org {session.org!r}")
        why = session.explain(error, doing)
        if is_org_wide(error):  # the org's failure stops the batch, said once
            checked.ready.extend(dashboards)
            return checked
        checked.warnings.append(f"{why}; the datasources of its dashboards were not checked")
        for built in dashboards:
            if found[built.uid].binds_names():
                checked.refused.append(
                    (
                        built,
                        f"{_describe(built)} binds datasources by name, "
                        f"which needs the org's datasources: {why}",
                    )
                )
            else:
                checked.ready.append(built)
        return checked
    for built in dashboards:
        _check_one(org, built, found[built.uid], checked, allow_missing, defer)
    return checked


def _check_one(
    org: OrgDatasources,
    built: BuiltDashboard,
    refs: References,
    checked: CheckedBatch,
    allow_missing: bool,
    defer: bool = False,
) -> None:
    if not refs.binds_names() and org.sound(refs.keys):
        checked.ready.append(built)  # (what the lines below conclude, without a Reference)
        return
    bound: dict[Any, dict[str, str]] = {}
    errors: list[str] = []
    for ref in refs:
        if ref.kind == "name":
            value, error = _bind(org, ref, v2=built.is_v2)
            if error:
                errors.append(error)
            else:
                bound[ref.path] = value
    if errors:
        checked.refused.append((built, f"{_describe(built)} was not written: {'; '.join(errors)}"))
        return
    mistyped = [ref for ref in refs if org.of_another_type(ref) is not None]
    if mistyped:  # a warning: Grafana uses the uid's datasource (a renamed plugin's id works)
        text = "; ".join(_mistyped(org, group) for group in _grouped(mistyped))
        checked.warnings.append(f"{_describe(built)} in org {org.org!r}: {text}")
    missing = [ref for ref in refs if ref.kind != "name" and not org.has(ref)]
    if missing:
        text = "; ".join(_missing(org, group) for group in _grouped(missing))
        if not allow_missing:
            why = (
                f"{_describe(built)} was not written: {text} (add the datasource to the org "
                "or fix the source; --allow-missing-datasources writes it anyway)"
            )
            if not defer:
                checked.refused.append((built, why))
                return
            checked.deferred[built.uid] = why
        else:
            checked.warnings.append(
                f"{_describe(built)} in org {org.org!r}: {text}; written anyway"
            )
    checked.ready.append(_bound(built, bound) if bound else built)


def refused_if_written(planned: PlannedDashboard, deferred: Mapping[str, str]) -> PlannedDashboard:
    """``planned`` FAILED with its datasource refusal when it is a write (``deferred``)."""
    why = deferred.get(planned.built.uid)
    if why is None or planned.action not in (Action.WOULD_CREATE, Action.WOULD_UPDATE):
        return planned
    return replace(planned, action=Action.FAILED, error=why, note=None)


def _bind(
    org: OrgDatasources, ref: Reference, *, v2: bool = False
) -> tuple[dict[str, str], str | None]:
    where = ref.location.describe()
    if is_variable(ref.value):
        return {}, (
            f"{where} binds the datasource by name {ref.value!r}, which holds a template "
            'variable: write {"uid": "' + ref.value + '"} for a variable instead'
        )
    matches = org.by_name(ref.value)
    if ref.type and len(matches) > 1:
        matches = [d for d in matches if d.type == ref.type] or matches
    if not matches:
        return {}, (
            f"{where} binds the datasource named {ref.value!r}, which org {org.org!r} does not "
            f"have ({org.listing(ref.type)})"
        )
    if len(matches) > 1:
        named = " and ".join(d.describe() for d in matches)
        return {}, (
            f"{where} binds the datasource named {ref.value!r}, which matches {named} in org "
            f"{org.org!r}: name exactly one"
        )
    chosen = matches[0]
    if ref.type and chosen.type != ref.type:
        return {}, (
            f"{where} binds {ref.value!r} as a {ref.type} datasource, but in org {org.org!r} "
            f"{chosen.describe()} is a {chosen.type} datasource"
        )
    if v2:  # a schema v2 query names its datasource's uid as {"name": uid}
        return bound_reference(chosen.type, chosen.uid), None
    return {"type": chosen.type, "uid": chosen.uid}, None


def _missing(org: OrgDatasources, group: list[Reference]) -> str:
    first = group[0]
    places = _places(group)
    if first.kind == "type":
        return f"{places} needs {first.describe()}, and org {org.org!r} has none"
    return f"{first.describe()} of {places} is not in org {org.org!r} ({org.listing(first.type)})"


def _mistyped(org: OrgDatasources, group: list[Reference]) -> str:
    first = group[0]
    found = org.of_another_type(first)
    assert found is not None
    return (
        f"{first.describe()} of {_places(group)} is {found.describe()} in org {org.org!r}, a "
        f"{found.type} datasource, not {first.type} ({org.listing(first.type)})"
    )


def _places(group: list[Reference]) -> str:
    named = list(dict.fromkeys(ref.location.describe() for ref in group))
    # A panel and its targets naming one uid: the panel says it all.
    named = [n for n in named if not any(n.startswith(f"{m} target ") for m in named)]
    places = ", ".join(named[:3])
    if len(named) > 3:
        places += f" and {len(named) - 3} more"
    return places


def _grouped(missing: Sequence[Reference]) -> list[list[Reference]]:
    groups: dict[tuple[str, str, str | None], list[Reference]] = {}
    for ref in missing:
        groups.setdefault((ref.kind, ref.value, ref.type), []).append(ref)
    return list(groups.values())


def _bound(built: BuiltDashboard, bound: dict[Any, dict[str, str]]) -> BoundDashboard:
    document = bind(built.load(), bound)
    values = {f.name: getattr(built, f.name) for f in fields(BuiltDashboard)}
    values["content_hash"] = content_hash(document)
    return BoundDashboard(**values, document=orjson.dumps(document))


def _describe(built: BuiltDashboard) -> str:
    return f"dashboard {built.title!r} (uid {built.uid})"
