"""Publishing schema v2 dashboards through /apis (issue 16, grafana-apis.md §1.3, §7.1, §9)
against the emulator over HTTP: in 13.0 mode they are written on the v2 path with every
guarantee of a v1 write; elsewhere they are refused, one sentence each, and the rest goes out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from backends_support import ORG, Setup, dashboard, make_setup
from v2_support import (
    V2_PATH,
    V2Build,
    actions,
    connection,
    errors,
    plan_build,
    publish_build,
    v2_spec,
)

from dashgen.cli.publish_text import _changes
from dashgen.config import load_config
from dashgen.publish import dashboard as one_dashboard
from dashgen.publish import schemas
from dashgen.publish.events import Action
from dashgen.publish.provenance import wrote
from dashgen.publish.prune import PruneOptions
from dashgen.publish.session import OrgSession
from dashgen.publish.writing import write
from dashgen.testing import EmulatorServer, profile_for

MakeServer = Callable[..., EmulatorServer]
V2 = V2_PATH.format(version="v2")


@pytest.fixture
def setup(
    tmp_path: Path, make_grafana_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> Setup:
    made = make_setup(tmp_path, make_grafana_server, version="13.0")
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", made.token)
    return made


def writes(setup: Setup, pattern: str, dry_runs: bool = False) -> list[str]:
    return [
        f"{e.method} {e.path.rsplit('/', 1)[-1]}"
        for method in ("POST", "PUT")
        for e in setup.requests(method, pattern, dry_runs=dry_runs)
    ]


def test_a_v2_dashboard_is_created_on_the_v2_path_then_left_unchanged(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    build.v1(dashboard("flat"))

    first = publish_build(setup, build)

    assert first.exit_code == 0, first.events
    assert actions(first) == {"tabs": "created", "flat": "created"}
    stored = setup.emulator.dashboard(setup.org_id, "tabs")
    assert stored is not None and stored.api_version == "v2"
    assert stored.data == v2_spec()  # the spec as built: no uid, id or version put into it
    assert stored.folder_uid == "platform"
    assert wrote(stored.message, build.entries["tabs"].content_hash)
    # Folders first, then the v2 write on the v2 path: one write, after a server dry run
    # unless the v1 write (written at the same time) was answered first and taught the
    # session how this server stores writes (dashgen.publish.writing).
    log = [(e.method, e.path, e.query) for e in setup.emulator.request_log]
    folder_post = next(i for i, (m, p, _) in enumerate(log) if m == "POST" and "folder" in p)
    v2_posts = [i for i, (m, p, _) in enumerate(log) if m == "POST" and "/v2/" in p]
    assert v2_posts and folder_post < min(v2_posts)
    assert [q for m, p, q in log if m == "POST" and "/v2/" in p] in (["dryRun=All", ""], [""])
    assert writes(setup, "/apis/dashboard.grafana.app/v1/namespaces/*/dashboards") == [
        "POST dashboards"
    ]
    setup.emulator.clear_request_log()

    again = publish_build(setup, build)

    assert actions(again) == {"tabs": "unchanged", "flat": "unchanged"}
    assert writes(setup, "/apis/dashboard.grafana.app/*/namespaces/*/dashboards*", True) == []
    assert [e.path for e in setup.requests("GET", f"{V2}/tabs")]  # compared as stored in v2
    assert setup.emulator.dashboard(setup.org_id, "tabs").version == 1


def test_the_first_write_of_a_session_on_the_v2_path_is_dry_run_first(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())

    assert actions(publish_build(setup, build)) == {"tabs": "created"}

    everywhere = setup.requests("POST", V2_PATH.format(version="*"), dry_runs=True)
    on_v2 = [e.query for e in setup.requests("POST", V2, dry_runs=True)]
    assert on_v2 == ["dryRun=All", ""] and len(everywhere) == 2, everywhere


def test_a_changed_v2_dashboard_is_updated_on_its_resource_version(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    assert publish_build(setup, build).exit_code == 0
    before = setup.emulator.dashboard(setup.org_id, "tabs")
    build.v2("tabs", v2_spec(panel_title="CPU, per core"))

    report = publish_build(setup, build)

    assert actions(report) == {"tabs": "updated"}
    after = setup.emulator.dashboard(setup.org_id, "tabs")
    assert after.version == 2 and after.api_version == "v2"
    assert after.data["elements"]["panel-1"]["spec"]["title"] == "CPU, per core"
    assert len(setup.requests("PUT", f"{V2}/tabs")) == 1
    assert after.resource_version != before.resource_version
    assert wrote(after.message, build.entries["tabs"].content_hash)


def test_a_v2_dashboard_edited_in_grafana_is_drifted_until_forced(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    assert publish_build(setup, build).exit_code == 0
    edited = v2_spec(panel_title="Edited in the UI")
    setup.emulator.save_resource(
        setup.org_id, "tabs", edited, api_version="v2", folder_uid="platform", message="mine"
    )
    build.v2("tabs", v2_spec(panel_title="From the source"))

    drifted = publish_build(setup, build)
    forced = publish_build(setup, build, force=True)

    assert actions(drifted) == {"tabs": "drifted"} and drifted.exit_code == 1
    assert "was last saved in Grafana, not by dashgen" in errors(drifted)["tabs"]
    assert "message 'mine'" in errors(drifted)["tabs"]
    assert actions(forced) == {"tabs": "updated"}
    stored = setup.emulator.dashboard(setup.org_id, "tabs")
    assert stored.data["elements"]["panel-1"]["spec"]["title"] == "From the source"


def test_a_write_that_loses_a_race_on_the_v2_path_overwrites_nothing(setup: Setup) -> None:
    build = V2Build(setup)
    built = build.v2("tabs", v2_spec())
    assert publish_build(setup, build).exit_code == 0
    built = build.v2("tabs", v2_spec(panel_title="New"))
    with OrgSession(load_config(setup.root), ORG, connection=connection(setup)) as session:
        assert session.open() is None
        ready, refused = schemas.accepted(session, [built])
        assert refused == []
        session.prepare(ready, create_folders=True)
        planned = one_dashboard.plan(session, built)
        assert planned.action is Action.WOULD_UPDATE
        someone = v2_spec(panel_title="Someone, meanwhile")
        setup.emulator.save_resource(
            setup.org_id, "tabs", someone, api_version="v2", folder_uid="platform"
        )
        event = write(session, planned)

    assert event.action is Action.FAILED
    assert "changed in Grafana by someone else between dashgen's read and its write" in (
        event.error or ""
    )
    stored = setup.emulator.dashboard(setup.org_id, "tabs")
    assert stored.data["elements"]["panel-1"]["spec"]["title"] == "Someone, meanwhile"


def test_dry_run_sends_v2_writes_as_server_dry_runs_and_stores_nothing(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    build.v2("empty-title", dict(v2_spec(), title=""))

    report = publish_build(setup, build, dry_run=True)

    assert actions(report) == {"tabs": "would-create", "empty-title": "failed"}
    assert "Dashboard title cannot be empty" in errors(report)["empty-title"]
    dry = setup.requests("POST", V2, dry_runs=True)
    assert len(dry) == 2 and all(e.query == "dryRun=All" for e in dry)
    assert setup.emulator.dashboards(setup.org_id) == []


def test_a_v2_dashboard_git_sync_manages_is_never_written(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("synced", v2_spec())
    assert publish_build(setup, build).exit_code == 0
    setup.emulator.manage_by_repository(setup.org_id, "synced", "infra-repo")
    build.v2("synced", v2_spec(panel_title="Changed in the source"))
    setup.emulator.clear_request_log()

    report = publish_build(setup, build)

    assert actions(report) == {"synced": "skipped"}
    assert "managed by Git Sync repository 'infra-repo'" in errors(report)["synced"]
    assert writes(setup, f"{V2}*", dry_runs=True) == []


def test_a_v1_build_over_a_v2_dashboard_dashgen_wrote_replaces_its_layout(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("board", v2_spec(title="Dashboard board"))
    assert publish_build(setup, build).exit_code == 0
    flat = V2Build(setup)
    flat.v1(dashboard("board"))

    planned = plan_build(setup, flat)
    report = publish_build(setup, flat)

    note = "stored as v2 in Grafana; this build has v1: publishing replaces its layout"
    assert [(i.action, i.note) for i in planned.items] == [(Action.WOULD_UPDATE, note)]
    assert actions(report) == {"board": f"updated ({note})"}
    stored = setup.emulator.dashboard(setup.org_id, "board")
    assert stored.api_version == "v1" and stored.data["panels"][0]["title"] == "Requests"
    assert len(setup.requests("PUT", "/apis/dashboard.grafana.app/v1/namespaces/*/*/board")) == 1


def test_a_v2_build_over_a_v1_dashboard_follows_the_drift_guard(setup: Setup) -> None:
    build = V2Build(setup)
    build.v1(dashboard("ours"))
    build.v1(dashboard("theirs"))
    assert publish_build(setup, build).exit_code == 0
    setup.emulator.save_resource(
        setup.org_id, "theirs", dashboard("theirs", "Edited"), folder_uid="platform"
    )
    v2 = V2Build(setup)
    v2.v2("ours", v2_spec(title="Ours"))
    v2.v2("theirs", v2_spec(title="Theirs"))

    report = publish_build(setup, v2)

    note = "stored as v1 in Grafana; this build has v2: publishing replaces its layout"
    assert actions(report) == {"ours": f"updated ({note})", "theirs": "drifted"}
    sentence = errors(report)["theirs"]
    assert "is stored in Grafana as a schema v1 dashboard and this build has v2" in sentence
    assert "was last saved in Grafana, not by dashgen" in sentence and "--force" in sentence
    assert setup.emulator.dashboard(setup.org_id, "ours").api_version == "v2"
    assert setup.emulator.dashboard(setup.org_id, "theirs").title == "Edited"


def test_diff_of_a_v2_dashboard_shows_its_elements(setup: Setup) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    assert publish_build(setup, build).exit_code == 0
    build.v2("tabs", v2_spec(panel_title="Memory"))

    (item,) = plan_build(setup, build).items
    summary, text = _changes(item)

    assert item.action is Action.WOULD_UPDATE
    assert summary == ["element panel-1 'Memory' changed"]
    lines = text.splitlines()
    assert [line.split()[-1] for line in lines if line[:1] in "+-" and '"title"' in line] == [
        '"CPU",',
        '"Memory",',
    ]
    assert '"uid"' not in text  # the bare spec on both sides


def test_13_0_1s_broken_v2_path_fails_those_dashboards_only(
    tmp_path: Path, make_grafana_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = replace(profile_for("13.0"), apis_v2_unregistered=True)
    setup = make_setup(tmp_path, make_grafana_server, profile=profile)
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", setup.token)
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    build.v1(dashboard("flat"))

    report = publish_build(setup, build)

    assert actions(report) == {"tabs": "failed", "flat": "created"}
    assert report.exit_code == 1 and not report.org_errors
    sentence = errors(report)["tabs"]
    assert "cannot use schema v2 dashboards" in sentence
    assert "known failure of Grafana 13.0.x" in sentence
    assert setup.emulator.dashboards(setup.org_id)[0].uid == "flat"
    assert writes(setup, f"{V2}*", dry_runs=True) == []  # the read failed: nothing sent


@pytest.mark.parametrize(
    ("version", "api", "why"),
    [
        ("12.0", "auto", "does not serve dashboard.grafana.app/v2 (it serves v1beta1"),
        ("11.2", "auto", "publishes through the classic API"),
        ("13.0", "classic", "publishes through the classic API"),
    ],
)
def test_a_v2_dashboard_is_refused_where_grafana_cannot_take_it(
    tmp_path: Path,
    make_grafana_server: MakeServer,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    api: str,
    why: str,
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", setup.token)
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    build.v1(dashboard("flat"))

    planned = plan_build(setup, build, api=api)
    report = publish_build(setup, build, api=api)

    assert actions(report) == {"tabs": "failed", "flat": "created"}
    assert report.exit_code == 1
    sentence = errors(report)["tabs"]
    assert sentence.startswith(
        "dashboard 'Tabs board' (uid tabs) from dashboards/tabs.json is a schema v2 dashboard"
    )
    assert why in sentence
    assert "Grafana 13.0 and later accept it through /apis" in sentence
    assert "\n" not in sentence and sentence.count(". ") == 0  # one sentence
    assert [(i.built.uid, i.action, i.error) for i in planned.items if i.built.uid == "tabs"] == [
        ("tabs", Action.FAILED, sentence)
    ]
    # Nothing of it was sent: no request names it.
    assert [e for e in setup.emulator.request_log if e.path.endswith("/tabs")] == []
    assert [d.uid for d in setup.emulator.dashboards(setup.org_id)] == ["flat"]


def test_a_v2alpha1_dashboard_goes_out_on_a_12_0_that_serves_v2alpha1(
    tmp_path: Path, make_grafana_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="12.0")
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", setup.token)
    build = V2Build(setup)
    build.v2("alpha", v2_spec(), schema="v2alpha1")

    first = publish_build(setup, build)
    again = publish_build(setup, build)

    assert actions(first) == {"alpha": "created"} and actions(again) == {"alpha": "unchanged"}
    stored = setup.emulator.dashboard(setup.org_id, "alpha")
    assert stored.api_version == "v2alpha1"
    assert len(setup.requests("POST", V2_PATH.format(version="v2alpha1"))) == 1


FAULTS = [("status", 503), ("retry_after", 429), ("drop", None), ("commit_then_drop", None)]


@pytest.mark.parametrize("existing", [False, True])
@pytest.mark.parametrize(("kind", "status"), [*FAULTS, ("commit_then_fail", None)])
def test_a_v2_write_meeting_a_fault_lands_exactly_once(
    setup: Setup, existing: bool, kind: str, status: int | None
) -> None:
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    if existing:
        assert publish_build(setup, build).exit_code == 0
        build.v2("tabs", v2_spec(panel_title="After the fault"))
    method, path = ("PUT", f"{V2}/tabs") if existing else ("POST", V2)
    setup.emulator.faults.add(method, path, kind, status=status, times=1, dry_runs=False)

    report = publish_build(setup, build)

    assert actions(report) == {"tabs": "updated" if existing else "created"}, errors(report)
    assert [e.fault for e in setup.emulator.request_log if e.fault] == [kind]
    stored = setup.emulator.dashboard(setup.org_id, "tabs")
    assert stored.version == (2 if existing else 1)  # exactly one version per publish
    assert len(setup.emulator.versions(setup.org_id, "tabs")) == stored.version
    assert stored.data == build.entries["tabs"].load()


def test_a_fault_schedule_on_v2_writes_ends_in_the_fault_free_state(setup: Setup) -> None:
    """503, then 429, then a dropped connection, then a write committed whose answer is
    lost: every attempt of one publish (FAST_RETRY: 4) meets one, and it still ends with
    one version holding the build, as a fault-free publish does."""
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    build.v2("other", v2_spec(title="Other"))
    for kind, status in FAULTS:
        setup.emulator.faults.add("POST", V2, kind, status=status, times=1, dry_runs=False)

    report = publish_build(setup, build)
    again = publish_build(setup, build)

    assert set(actions(report).values()) == {"created"}, errors(report)
    assert sorted(e.fault for e in setup.emulator.request_log if e.fault) == sorted(
        kind for kind, _ in FAULTS
    )
    for uid in ("tabs", "other"):
        stored = setup.emulator.dashboard(setup.org_id, uid)
        assert stored.version == 1 and stored.api_version == "v2"
        assert stored.data == build.entries[uid].load()
    assert actions(again) == {"tabs": "unchanged", "other": "unchanged"}


def test_prune_deletes_a_v2_dashboard_whose_source_is_gone(setup: Setup) -> None:
    config = setup.root / "dashgen.toml"
    config.write_text('project = "v2-team"\n' + config.read_text())
    build = V2Build(setup)
    build.v2("tabs", v2_spec())
    build.v2("edited", v2_spec(title="Edited"))
    build.v1(dashboard("flat"))
    assert publish_build(setup, build).exit_code == 0
    setup.emulator.save_resource(
        setup.org_id, "edited", v2_spec(title="Edited", panel_title="UI"), api_version="v2"
    )
    kept = V2Build(setup)
    kept.v1(dashboard("flat"))

    report = publish_build(setup, kept, prune=PruneOptions())

    assert actions(report) == {"flat": "unchanged", "tabs": "deleted", "edited": "kept"}
    assert [d.uid for d in setup.emulator.dashboards(setup.org_id)] == ["edited", "flat"]
