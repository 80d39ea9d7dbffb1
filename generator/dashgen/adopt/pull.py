"""``dashgen pull``: the org's dashboards, read with its own token, adopted as sources.

The org is opened as publish opens it (``OrgSession.open``: the org's token from
``resolve_token``, one client, ``GET /api/org`` must name the org), so a token is never
used against another org. Then: search (one uid, the dashboards directly in some folders,
or all), read each dashboard, and adopt it (``adopt.importer``): folders become
subdirectories of the destination (named by ``adopt.pull_names``: the folder title,
lower-cased, accents dropped, ``-`` for other characters; ``-<uid>`` added when the name
is another folder's), and the org's
``[orgs.<org>.folders]`` setting mapping each subdirectory to its folder is written (or
printed) so that a build publishes every dashboard back where it was.

A dashboard Grafana stores as schema v2 (``status.conversion.storedVersion`` ``v2…`` on
``/apis``) is read on its own version's path, never converted, and written as a v2 resource
source (``apiVersion: dashboard.grafana.app/<stored version>``, ``metadata.name`` its uid,
the folder mapped like any other). Where it cannot be read as stored it is refused with
one sentence: the classic API answers 406 for it (grafana-apis.md §7.1), a Grafana that
does not serve the stored version, and Grafana 13.0.x's broken v2 path (``k8s_v2``).

What was read is recorded in ``dashgen.pulled.json`` (``dashgen.publish.pulled``): version
and content hash per dashboard, the proof publish needs to update a pulled dashboard
without ``--force`` as long as nobody changed it in Grafana since.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dashgen.adopt.importer import (
    AdoptOptions,
    AdoptReport,
    FolderPlace,
    Incoming,
    adopt,
    relative_dir,
)
from dashgen.adopt.messages import AdoptError
from dashgen.adopt.pull_names import PullNames, slug
from dashgen.build import read_manifest
from dashgen.config import FOLDER_UID, Config
from dashgen.errors import BuildError, DashgenError, GrafanaAPIError, UsageError
from dashgen.grafana.backend import DashboardBackend, LiveDashboard, SearchHit
from dashgen.grafana.client import Connection
from dashgen.grafana.k8s_v2 import V2UnusableError
from dashgen.model.forms import Form, classify
from dashgen.model.normalize import content_hash
from dashgen.model.resources import DASHBOARD_GROUP
from dashgen.model.v2 import is_v2_spec
from dashgen.publish.pulled import PulledDashboard, read_pulled, record_pulled
from dashgen.publish.session import OrgSession

NOT_ACCEPTABLE = 406
V2_ON_CLASSIC = (
    "Grafana stores this dashboard as a schema v2 dashboard (elements and layout), which the "
    "classic API (/api/dashboards) cannot return: not pulled (nothing is converted to v1); "
    "pull through /apis (--api auto or apis) from a Grafana that serves "
    "dashboard.grafana.app/v2 (13.0 and later) to get it as a v2 resource source"
)
NOTHING_WRITTEN = (
    "Nothing was pulled: no source, dashgen.toml or dashgen.pulled.json was written "
    "(every dashboard is read before any file is)"
)
# A dashboard that was refused while reading it (not "missing").
_NOT_READ = LiveDashboard(dashboard={}, version=0, folder_uid=None, updated_by="", url="")


class PullError(DashgenError):
    """The org could not be read at all (no token, the wrong org, Grafana unreachable)."""


@dataclass(frozen=True)
class Selection:
    uids: tuple[str, ...] = ()
    folder_uids: tuple[str, ...] = ()
    everything: bool = False

    def check(self) -> None:
        chosen = sum(bool(x) for x in (self.uids, self.folder_uids, self.everything))
        if chosen != 1:
            raise UsageError("choose what to pull: --uid UID ..., --folder UID ... or --all")
        # A uid goes into a request path: "a/b" or "../x" would name another resource.
        for option, values in (("--uid", self.uids), ("--folder", self.folder_uids)):
            for uid in values:
                if not FOLDER_UID.match(uid):
                    raise UsageError(
                        f"{option} {uid!r} is not a uid: 1 to 40 letters, digits, '-' and '_' "
                        "(as Grafana shows it in the dashboard's or folder's URL)"
                    )


def pull(
    config: Config,
    org: str,
    selection: Selection,
    options: AdoptOptions,
    *,
    connection: Connection,
) -> AdoptReport:
    """Pull the selected dashboards of ``org`` into sources; raises ``PullError`` when the
    org cannot be read, reports per-dashboard refusals in the result."""
    selection.check()
    options = dataclasses.replace(options, org=org)
    destination = options.to or config.sources_dir / org
    relative_dir(config, destination)  # a --to the build would not read: before any request
    previous = read_pulled(config.root)  # before anything: a broken record stops the pull
    with OrgSession(config, org, connection=connection) as session:
        error = session.open()
        if error is not None:
            raise PullError(error)
        assert session.backend is not None
        names = PullNames(config, destination, config.org(org).folders, _owners(config, previous))
        reader = _Reader(session, session.backend, names)
        dashboards = reader.selected(selection)
        incoming = [
            item for live in dashboards if (item := reader.incoming(live, previous)) is not None
        ]
        # inside the session: adopting may still read library panels
        report = adopt(config, incoming, options, destination)
    report.refused[:0] = reader.refused
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    records = [
        _kept(
            previous,
            PulledDashboard(
                org=org,
                uid=adopted.uid,
                version=reader.live[adopted.incoming.origin].version,
                content_hash=content_hash(reader.live[adopted.incoming.origin].dashboard),
                source=adopted.path,
                title=adopted.title,
                pulled_at=stamp,
            ),
        )
        for adopted in report.adopted
    ]
    if records:
        report.pulled_file = record_pulled(config.root, records)
    return report


def _owners(config: Config, previous: dict[tuple[str, str], PulledDashboard]) -> dict[str, str]:
    """Source (POSIX, from the project root) → the uid it holds, as far as the project knows:
    the last build, then what earlier pulls wrote."""
    try:
        built = {b.source.as_posix(): b.uid for b in read_manifest(config.output_dir)}
    except BuildError:
        built = {}
    return {**built, **{record.source: record.uid for record in previous.values()}}


def _kept(
    previous: dict[tuple[str, str], PulledDashboard], record: PulledDashboard
) -> PulledDashboard:
    """The earlier record when nothing but the time changed (no churn in git)."""
    earlier = previous.get((record.org, record.uid))
    if earlier is not None and (earlier.version, earlier.content_hash, earlier.source) == (
        record.version,
        record.content_hash,
        record.source,
    ):
        return earlier
    return record


class _Reader:
    """Reads for one pull: dashboards, folder titles, library panels (each once)."""

    def __init__(self, session: OrgSession, backend: DashboardBackend, names: PullNames) -> None:
        self.session = session
        self.backend = backend
        self.names = names
        self.live: dict[str, LiveDashboard] = {}  # origin → what was read
        self.refused: list[AdoptError] = []
        self.folders: dict[str, str] = {}  # folder uid → title
        self.parents: dict[str, str | None] = {}  # folder uid → its parent's uid (None: root)
        self.elements: dict[str, dict[str, Any] | None] = {}

    def selected(self, selection: Selection) -> list[LiveDashboard]:
        if selection.uids:
            uids = list(dict.fromkeys(selection.uids))
        else:
            folders = list(selection.folder_uids) if selection.folder_uids else None
            for uid in folders or ():
                if uid not in ("", "general") and self._folder(uid) is None:
                    self.refused.append(
                        AdoptError(
                            f"{self.session.org}/{uid}", "no folder with this uid in the org"
                        )
                    )
            hits = self._read("searching the dashboards", self.backend.search_dashboards, folders)
            for hit in hits:
                self._remember_folder(hit)
            uids = sorted({hit.uid for hit in hits})
        workers = max(1, min(self.session.read_concurrency, len(uids)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = list(pool.map(self._dashboard, uids))
        found = []
        for uid, live in zip(uids, answers, strict=True):
            if live is _NOT_READ:
                continue
            if live is None:
                self.refused.append(
                    AdoptError(f"{self.session.org}/{uid}", "no dashboard with this uid in the org")
                )
            else:
                found.append(live)
        return found

    def _dashboard(self, uid: str) -> LiveDashboard | None:
        try:
            live = self.backend.get(uid)
            if live is not None and live.is_v2 and not is_v2_spec(live.dashboard):
                live = self._as_stored(uid, live)
            return live
        except V2UnusableError as error:  # Grafana 13.0.x: v2 listed, but not usable
            self.refused.append(AdoptError(f"{self.session.org}/{uid}", f"not pulled: {error}"))
            return _NOT_READ
        except DashgenError as error:
            if isinstance(error, GrafanaAPIError) and error.status == NOT_ACCEPTABLE:
                # The classic API's answer for a schema v2 dashboard (grafana-apis.md §7.1).
                self.refused.append(AdoptError(f"{self.session.org}/{uid}", V2_ON_CLASSIC))
                return _NOT_READ
            raise self._failed(error, f"reading dashboard {uid}") from None

    def _as_stored(self, uid: str, live: LiveDashboard) -> LiveDashboard:
        """A v2-stored dashboard that was read converted (to the v1 path's model): read it
        again on the path of the version it is stored in."""
        stored = live.stored_version
        if not self.backend.accepts_schema(stored):
            self.refused.append(
                AdoptError(
                    f"{self.session.org}/{uid}",
                    f"Grafana stores this dashboard as schema {stored}, a version it does not "
                    f"serve on /apis/{DASHBOARD_GROUP}: not pulled (the converted v1 form it "
                    "answers with would lose what v1 cannot hold)",
                )
            )
            return _NOT_READ
        self.backend.expect_schemas({uid: stored})
        again = self.backend.get(uid)
        return again if again is not None and is_v2_spec(again.dashboard) else _NOT_READ

    def incoming(
        self, live: LiveDashboard, previous: dict[tuple[str, str], PulledDashboard]
    ) -> Incoming | None:
        uid = live.uid
        origin = f"{self.session.org}/{uid}"
        self.live[origin] = live
        title = str(live.dashboard.get("title") or "")
        if live.is_v2:
            document: dict[str, Any] = {
                "apiVersion": f"{DASHBOARD_GROUP}/{live.stored_version}",
                "kind": "Dashboard",
                "metadata": {"name": uid},
                "spec": live.dashboard,
            }
        elif classify(live.dashboard) is Form.EXPORT:
            self.refused.append(
                AdoptError(
                    origin,
                    "Grafana holds this dashboard as a Share > Export document (it was saved "
                    "through the API as exported, with __inputs and ${...} placeholders for its "
                    "datasources); import it in Grafana (Dashboards > New > Import) and pull "
                    "again, or save its JSON and use `dashgen import --input ...`",
                )
            )
            return None
        else:
            document = {"dashboard": live.dashboard}
        earlier = previous.get((self.session.org, uid))
        source_name = None
        if earlier is not None:
            config = self.session.config
            relative = os.path.relpath(config.root / earlier.source, config.sources_dir)
            if not relative.startswith(".."):
                source_name = relative.replace(os.sep, "/")
        folder_uid = live.folder_uid
        subdir = ""
        ancestors: list[FolderPlace] = []
        if folder_uid:
            subdir = self.names.directory(folder_uid, self._folder_title(folder_uid))
            ancestors = self._ancestors(folder_uid)
        stem = self.names.stem(subdir, slug(title) or slug(uid) or "dashboard", uid)
        return Incoming(
            origin=origin,
            document=document,
            stem=stem,
            subdir=subdir,
            library=self._library_panel,
            folder=(self._folder_title(folder_uid), folder_uid) if folder_uid else ("", None),
            folder_parent=self._parent(folder_uid) if folder_uid else None,
            ancestors=tuple(ancestors),
            previous=source_name,
            described=f"pulled from Grafana org {self.session.org!r} (uid {uid})",
        )

    def _remember_folder(self, hit: SearchHit) -> None:
        if hit.folder_uid and hit.folder_title:
            self.folders.setdefault(hit.folder_uid, hit.folder_title)

    def _folder(self, uid: str) -> dict[str, Any] | None:
        folder = self._read(f"reading folder {uid}", self.backend.get_folder, uid)
        if folder is not None:
            self.folders[uid] = str(folder.get("title") or uid)
        self.parents[uid] = str((folder or {}).get("parentUid") or "") or None
        return folder

    def _parent(self, uid: str) -> str | None:
        """The uid of the folder ``uid`` sits in (one read per folder: search hits do not
        name a folder's parent); None at the root."""
        if uid not in self.parents:
            self._folder(uid)
        return self.parents[uid]

    def _ancestors(self, uid: str) -> list[FolderPlace]:
        """The folders above ``uid`` up to the root, nearest first, each with the directory
        its config mapping gets (so the tree comes back from the config alone)."""
        found: list[FolderPlace] = []
        parent = self._parent(uid)
        while parent is not None and parent not in {uid, *(p.uid for p in found)}:
            title = self._folder_title(parent)
            found.append(
                FolderPlace(
                    self.names.directory(parent, title), title, parent, self._parent(parent)
                )
            )
            parent = found[-1].parent
        return found

    def _folder_title(self, uid: str) -> str:
        if uid not in self.folders:
            self.folders[uid] = str((self._folder(uid) or {}).get("title") or uid)
        return self.folders[uid]

    def _library_panel(self, uid: str) -> dict[str, Any] | None:
        if uid not in self.elements:
            element = self._read(f"reading library panel {uid}", self.backend.library_element, uid)
            model = (element or {}).get("model")
            self.elements[uid] = dict(model) if isinstance(model, dict) else None
        return self.elements[uid]

    def _read(self, what: str, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except DashgenError as error:
            raise self._failed(error, what) from None

    def _failed(self, error: DashgenError, what: str) -> PullError:
        """A read that failed stops the pull; every read comes before any write."""
        said = self.session.explain(error, self.session.doing(what))
        return PullError(f"{said.rstrip('.')}. {NOTHING_WRITTEN}")
