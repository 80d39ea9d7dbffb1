"""Grafana stores a trimmed title and uid and raises a short refresh to its minimum
(grafana-api.md §14.1): a publish followed by a republish must send no write and see no
drift, against an emulator that rewrites as Grafana does."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from publish_support import (
    ORG,
    Project,
    Seeded,
    is_probe,
    issued,
    make_dashboard,
    on_k8s,
    posts,
    stored_json,
)
from scenario import BackendMode

from dashgen.publish import Connection, OrgSession, PublishReport, plan, publish
from dashgen.publish.provenance import hash_in_message
from dashgen.testing import EmulatorServer
from dashgen.testing.pytest_plugin import MakeServer
from dashgen.tokens import env_var_name


def actions(report: PublishReport) -> dict[str, str]:
    return {event.uid: event.action.value for event in report.events}


def rewritten_dashboards() -> list[dict]:
    return [
        make_dashboard("padded", title="  Padded title  ", refresh="1s"),
        make_dashboard("fast", refresh="100ms"),
        make_dashboard("garbled", refresh="every second"),  # not a duration: the minimum too
        make_dashboard("slow", refresh="1m"),  # above the minimum: stored as sent
    ]


def test_republish_after_grafana_rewrote_sends_no_write_and_no_drift(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, rewritten_dashboards())
    first = publish(project.config, [ORG], connection=connection, dashboards=built)
    assert actions(first) == dict.fromkeys(["fast", "garbled", "padded", "slow"], "created")
    emulator = seeded.emulator
    stored = {uid: stored_json(emulator, seeded.org_id, uid) for uid in actions(first)}
    assert stored["padded"]["title"] == "Padded title"
    assert [stored[uid]["refresh"] for uid in ("padded", "fast", "garbled", "slow")] == [
        "5s",
        "5s",
        "5s",
        "1m",
    ]
    emulator.clear_request_log()

    again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(again) == dict.fromkeys(["fast", "garbled", "padded", "slow"], "unchanged")
    assert again.failures == [] and again.ok
    assert posts(emulator) == []
    assert [len(emulator.versions(seeded.org_id, uid)) for uid in sorted(stored)] == [1] * 4


def test_the_version_message_names_what_grafana_stored(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    """The drift guard keeps working: a dashboard dashgen wrote is updated when the source
    changes, and one edited in Grafana afterwards is reported as drifted."""
    built = project.write(ORG, [make_dashboard("padded", title=" Padded ", refresh="1s")])
    publish(project.config, [ORG], connection=connection, dashboards=built)
    changed = project.write(ORG, [make_dashboard("padded", title=" Padded ", refresh="2s")])

    same_as_stored = publish(project.config, [ORG], connection=connection, dashboards=changed)
    # 1s and 2s are both stored as 5s: nothing to write.
    assert actions(same_as_stored) == {"padded": "unchanged"}

    edited = make_dashboard("padded", title="Padded", refresh="1s", panels=3)
    updated = publish(
        project.config, [ORG], connection=connection, dashboards=project.write(ORG, [edited])
    )
    assert actions(updated) == {"padded": "updated"}
    emulator = seeded.emulator
    record = emulator.versions(seeded.org_id, "padded")[-1]
    assert hash_in_message(record.message) is not None
    in_ui = stored_json(emulator, seeded.org_id, "padded") | {"description": "edited in the UI"}
    emulator.save_dashboard(seeded.org_id, in_ui, folder_uid="platform")
    drifted = publish(
        project.config, [ORG], connection=connection, dashboards=project.write(ORG, [edited])
    )
    assert actions(drifted) == {"padded": "drifted"}


def test_diff_shows_no_difference_for_a_rewritten_refresh(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("padded", title=" Padded ", refresh="1s")])
    publish(project.config, [ORG], connection=connection, dashboards=built)

    report = plan(project.config, [ORG], connection=connection, dashboards=built)

    (item,) = report.items
    assert item.action.value == "unchanged"
    assert item.desired == item.live


def test_the_servers_own_minimum_is_used(
    make_grafana_server: MakeServer, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_grafana_server(min_refresh_interval="30s")
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    token = issued(emulator.create_service_account_token(org_id, "Editor"))
    monkeypatch.setenv(env_var_name(ORG), token)
    connection = Connection(url=server.url)
    built = project.write(ORG, [make_dashboard("a", refresh="10s"), make_dashboard("b")])

    first = publish(project.config, [ORG], connection=connection, dashboards=built)
    assert actions(first) == {"a": "created", "b": "created"}
    assert stored_json(emulator, org_id, "a")["refresh"] == "30s"
    assert "refresh" not in stored_json(emulator, org_id, "b")
    emulator.clear_request_log()
    again = publish(project.config, [ORG], connection=connection, dashboards=built)
    assert actions(again) == {"a": "unchanged", "b": "unchanged"}
    assert posts(emulator) == []


def test_session_learns_the_version_in_one_request_and_logs_it(
    seeded: Seeded,
    project: Project,
    connection: Connection,
    caplog: pytest.LogCaptureFixture,
    backend_mode: BackendMode,
) -> None:
    caplog.set_level(logging.INFO, logger="dashgen")
    seeded.emulator.clear_request_log()
    with OrgSession(project.config, ORG, connection=connection, git_sha=None) as session:
        assert session.open() is None
        assert session.server_version == f"{backend_mode.grafana_version}.0"
        assert session.min_refresh_interval == "5s"
    paths = [entry.path for entry in seeded.emulator.request_log]
    # (choosing /apis asks its discovery first, then checks that it lists the org's
    # dashboards; the settings are then read when needed)
    apis = ["/apis", *(e.path for e in seeded.emulator.request_log if is_probe(e))]
    assert paths == ["/api/org", *(apis if on_k8s() else []), "/api/frontend/settings"]
    assert len(apis) == (2 if on_k8s() else 1)
    assert f"Grafana {backend_mode.grafana_version}.0 at http://localhost:3000" in caplog.text


@pytest.mark.parametrize("version", ["11.2", "13.0"])
def test_the_version_is_what_each_emulated_grafana_reports(
    make_grafana_server: MakeServer,
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
) -> None:
    server = make_grafana_server(version=version)
    org_id = server.emulator.create_org(ORG)
    monkeypatch.setenv(
        env_var_name(ORG), issued(server.emulator.create_service_account_token(org_id, "Editor"))
    )
    with OrgSession(project.config, ORG, connection=Connection(url=server.url)) as session:
        if on_k8s() and version == "11.2":  # /apis asked for, and 11.2 has none: said
            assert "does not serve /apis" in (session.open() or "")
            return
        assert session.open() is None
        assert session.server_version == f"{version}.0"
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/api/health").json()["version"] == session.server_version


def test_a_server_that_hides_its_settings_gets_the_default_with_a_warning(
    seeded: Seeded,
    project: Project,
    connection: Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seeded.emulator.faults.add(path="/api/frontend/settings", status=404, times=None)
    built = project.write(ORG, [make_dashboard("a", refresh="1s")])

    first = publish(project.config, [ORG], connection=connection, dashboards=built)
    again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert actions(first) == {"a": "created"} and actions(again) == {"a": "unchanged"}
    assert "does not say its min_refresh_interval; assuming Grafana's default 5s" in caplog.text


def test_cli_build_publish_republish_against_a_real_server(
    tmp_path: Path, grafana_server: EmulatorServer
) -> None:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashgen.toml").write_text(f'[orgs.{ORG}]\nfolder = "Platform"\n')
    source = {"uid": "  spaced  ", "title": "  Spaced out  ", "refresh": "1s", "panels": []}
    source["schemaVersion"] = 39  # /apis refuses a v1 spec it cannot migrate (none: 0)
    (root / "dashboards" / "spaced.json").write_text(json.dumps(source))
    emulator = grafana_server.emulator
    org_id = emulator.create_org(ORG)
    token = issued(emulator.create_service_account_token(org_id, "Editor"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env["DASHGEN_API"] = os.environ.get("DASHGEN_API", "auto")
    env |= {"DASHGEN_TOKEN_STORE": str(tmp_path / "store.json"), env_var_name(ORG): token}

    def dashgen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dashgen", "-C", str(root), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    first = dashgen("publish", "--org", ORG, "--grafana-url", grafana_server.url)
    assert first.returncode == 0, first.stderr
    stored = stored_json(emulator, org_id, "spaced")
    assert (stored["title"], stored["refresh"]) == ("Spaced out", "5s")
    emulator.clear_request_log()

    again = dashgen("publish", "--org", ORG, "--grafana-url", grafana_server.url)
    diff = dashgen("diff", "--org", ORG, "--grafana-url", grafana_server.url)

    assert again.returncode == 0, again.stderr
    assert "1 unchanged" in again.stdout and "drift" not in again.stdout
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert posts(emulator) == []
