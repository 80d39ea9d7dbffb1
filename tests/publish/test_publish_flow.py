"""publish(): new / changed / unchanged, folders, drift guard, dry run (in-process emulator)."""

from __future__ import annotations

import subprocess

from publish_support import (
    FOLDER_UID,
    ORG,
    Project,
    Seeded,
    make_dashboard,
    on_k8s,
    posts,
    requests_of,
    requests_to,
    saved_by,
    stored_json,
)

from dashgen.model.normalize import content_hash
from dashgen.publish import Connection, publish
from dashgen.publish.provenance import hash_in_message


def actions(report) -> dict[str, str]:
    return {event.uid: event.action.value for event in report.events}


def test_first_publish_creates_folder_and_dashboards(
    seeded: Seeded, project: Project, connection: Connection, large_batch: None
) -> None:
    built = project.write(ORG, [make_dashboard("a"), make_dashboard("b"), make_dashboard("c")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(report) == {"a": "created", "b": "created", "c": "created"}
    assert report.ok
    emulator = seeded.emulator
    assert FOLDER_UID in emulator.folder_uids(seeded.org_id)
    for uid in "abc":
        stored = emulator.dashboard(seeded.org_id, uid)
        assert stored is not None and stored.folder_uid == FOLDER_UID and stored.version == 1
        (version,) = emulator.versions(seeded.org_id, uid)
        assert hash_in_message(version.message) is not None
        assert version.created_by.startswith("sa-")
    assert all(e.version_after == 1 and e.url for e in report.events)
    # Search (a large batch) told us nothing exists: new dashboards cost no GET.
    assert requests_of(emulator, "GET", "/api/dashboards/uid/*") == []


def test_a_small_batch_reads_each_dashboard_instead_of_searching(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a"), make_dashboard("b")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(report) == {"a": "created", "b": "created"}
    emulator = seeded.emulator
    assert requests_of(emulator, "GET", "/api/search") == []
    # (the publish lock's release asks Grafana's counts whether its folder is empty)
    counts = requests_to(emulator, "GET", "/api/folders/dashgen-publish-lock/counts")
    assert [e.status for e in counts] == [200]
    gets = requests_of(emulator, "GET", "/api/dashboards/uid/*")
    assert sorted((e.path.rsplit("/", 1)[-1], e.status) for e in gets) == [
        ("a", 404),
        ("b", 404),
    ]


def test_republishing_unchanged_sends_no_write(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a"), make_dashboard("b")])
    publish(project.config, [ORG], connection=connection, dashboards=built)
    seeded.emulator.clear_request_log()

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(report) == {"a": "unchanged", "b": "unchanged"}
    assert posts(seeded.emulator) == []
    assert requests_to(seeded.emulator, "POST", "/api/folders") == []
    # Equal content needs no version-history lookup either.
    assert [e for e in seeded.emulator.request_log if "/versions" in e.path] == []
    assert [len(seeded.emulator.versions(seeded.org_id, uid)) for uid in "ab"] == [1, 1]


def test_changed_dashboard_is_updated_from_its_live_version(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    publish(
        project.config,
        [ORG],
        connection=connection,
        dashboards=project.write(ORG, [make_dashboard("a"), make_dashboard("b")]),
    )
    seeded.emulator.clear_request_log()
    changed = project.write(ORG, [make_dashboard("a", panels=3), make_dashboard("b")])

    report = publish(project.config, [ORG], connection=connection, dashboards=changed)

    assert actions(report) == {"a": "updated", "b": "unchanged"}
    (event,) = [e for e in report.events if e.uid == "a"]
    assert (event.version_before, event.version_after) == (1, 2)
    assert len(posts(seeded.emulator)) == 1
    assert len(stored_json(seeded.emulator, seeded.org_id, "a")["panels"]) == 3


def test_dashboard_moved_back_into_its_folder(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a")])
    publish(project.config, [ORG], connection=connection, dashboards=built)
    moved = project.write(ORG, [make_dashboard("a")], folder="Other", folder_uid="other")

    report = publish(project.config, [ORG], connection=connection, dashboards=moved)

    assert actions(report) == {"a": "updated"}
    assert seeded.emulator.dashboard(seeded.org_id, "a").folder_uid == "other"


def test_folder_title_without_uid_gets_a_stable_derived_uid(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a")], folder="Team Platform", folder_uid=None)

    publish(project.config, [ORG], connection=connection, dashboards=built)
    again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert seeded.emulator.folder_uids(seeded.org_id) == ["team-platform"]
    assert seeded.emulator.dashboard(seeded.org_id, "a").folder_uid == "team-platform"
    assert actions(again) == {"a": "unchanged"}


def test_general_folder_when_none_is_configured(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a")], folder=None, folder_uid=None)

    assert actions(publish(project.config, [ORG], connection=connection, dashboards=built)) == {
        "a": "created"
    }
    assert seeded.emulator.dashboard(seeded.org_id, "a").folder_uid in (None, "")
    assert seeded.emulator.folder_uids(seeded.org_id) == []
    again = publish(project.config, [ORG], connection=connection, dashboards=built)
    assert actions(again) == {"a": "unchanged"}


def test_drift_guard_skips_a_dashboard_edited_in_grafana(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    publish(
        project.config,
        [ORG],
        connection=connection,
        dashboards=project.write(ORG, [make_dashboard("a"), make_dashboard("b")]),
    )
    edited = stored_json(emulator, seeded.org_id, "a") | {"title": "Edited in the UI"}
    emulator.create_user("alice", "pw")
    emulator.save_dashboard(seeded.org_id, edited, folder_uid=FOLDER_UID, user="alice")
    emulator.clear_request_log()
    changed = project.write(ORG, [make_dashboard("a", panels=3), make_dashboard("b", panels=3)])

    report = publish(project.config, [ORG], connection=connection, dashboards=changed)

    assert actions(report) == {"a": "drifted", "b": "updated"}
    assert not report.ok
    (drifted,) = report.failures
    assert saved_by(emulator, "alice") in drifted.error and "--force" in drifted.error
    (only_b,) = posts(emulator)
    assert only_b.path.endswith(("/api/dashboards/db", "/dashboards/b"))
    assert stored_json(emulator, seeded.org_id, "a")["title"] == "Edited in the UI"


def test_drift_guard_also_protects_an_unchanged_build(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    built = project.write(ORG, [make_dashboard("a")])
    publish(project.config, [ORG], connection=connection, dashboards=built)
    edited = stored_json(emulator, seeded.org_id, "a") | {"title": "Edited"}
    emulator.save_dashboard(seeded.org_id, edited, folder_uid=FOLDER_UID)

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(report) == {"a": "drifted"}
    assert emulator.dashboard(seeded.org_id, "a").version == 2


def test_force_overwrites_drift(seeded: Seeded, project: Project, connection: Connection) -> None:
    emulator = seeded.emulator
    built = project.write(ORG, [make_dashboard("a")])
    publish(project.config, [ORG], connection=connection, dashboards=built)
    edited = stored_json(emulator, seeded.org_id, "a") | {"title": "Edited"}
    emulator.save_dashboard(seeded.org_id, edited, folder_uid=FOLDER_UID)

    report = publish(project.config, [ORG], connection=connection, dashboards=built, force=True)

    assert actions(report) == {"a": "updated"}
    assert stored_json(emulator, seeded.org_id, "a")["title"] == "Dashboard a"
    assert emulator.dashboard(seeded.org_id, "a").version == 3
    # ...and it is dashgen's again: the next publish has nothing to do.
    again = publish(project.config, [ORG], connection=connection, dashboards=built)
    assert actions(again) == {"a": "unchanged"}


def test_a_dashboard_dashgen_never_wrote_counts_as_drifted(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    seeded.emulator.save_dashboard(seeded.org_id, make_dashboard("a", title="Hand-made"))
    built = project.write(ORG, [make_dashboard("a")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(report) == {"a": "drifted"}
    assert posts(seeded.emulator) == []


def test_dry_run_sends_no_write(seeded: Seeded, project: Project, connection: Connection) -> None:
    publish(
        project.config,
        [ORG],
        connection=connection,
        dashboards=project.write(ORG, [make_dashboard("a")], folder=None, folder_uid=None),
    )
    seeded.emulator.clear_request_log()
    planned = project.write(ORG, [make_dashboard("a", panels=1), make_dashboard("new")])

    report = publish(project.config, [ORG], connection=connection, dashboards=planned, dry_run=True)

    assert actions(report) == {"a": "would-update", "new": "would-create"}
    # (on /apis each planned write is sent as a server dry run: validated, not stored)
    writes = [e for e in seeded.emulator.request_log if e.method != "GET"]
    assert [e for e in writes if "dryRun=All" not in e.query] == []
    assert len(writes) == (2 if on_k8s() else 0)
    assert seeded.emulator.dashboard(seeded.org_id, "new") is None


def test_only_uids_narrows_the_publish(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a"), make_dashboard("b")])

    report = publish(
        project.config, [ORG], connection=connection, dashboards=built, only_uids={"b"}
    )

    assert actions(report) == {"b": "created"}
    assert seeded.emulator.dashboard(seeded.org_id, "a") is None


def test_dashboards_default_to_the_build_manifest(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    from dashgen.build import build

    source = project.root / "dashboards" / "plain.json"
    source.parent.mkdir(parents=True)
    source.write_text('{"uid": "plain", "title": "Plain", "panels": [], "schemaVersion": 39}')
    result = build(project.config, orgs=[ORG])
    assert result.ok, result.problems

    report = publish(project.config, [ORG], connection=connection)

    assert actions(report) == {"plain": "created"}


def test_version_message_names_the_git_commit(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(project.root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    git("init", "-q")
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    sha = git("rev-parse", "--short", "HEAD")
    built = project.write(ORG, [make_dashboard("a")])

    publish(project.config, [ORG], connection=connection, dashboards=built)

    (version,) = seeded.emulator.versions(seeded.org_id, "a")
    # The hash of what Grafana stores (/apis migrates a v1 write to its schemaVersion).
    stored = content_hash(stored_json(seeded.emulator, seeded.org_id, "a"))
    assert version.message == f"dashgen {stored[:16]} git {sha}"


def test_live_copy_that_differs_only_in_noise_counts_as_unchanged(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a")])
    publish(project.config, [ORG], connection=connection, dashboards=built)
    noisy = stored_json(seeded.emulator, seeded.org_id, "a") | {"__requires": []}
    noisy["panels"] = [dict(reversed(list(panel.items()))) for panel in noisy["panels"]]
    # As if Grafana had stored dashgen's write this way (the version is still dashgen's).
    message = seeded.emulator.versions(seeded.org_id, "a")[-1].message
    seeded.emulator.save_dashboard(seeded.org_id, noisy, folder_uid=FOLDER_UID, message=message)
    seeded.emulator.clear_request_log()

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(report) == {"a": "unchanged"}
    assert posts(seeded.emulator) == []
