"""`dashgen pull` of dashboards in nested folders, over HTTP against the emulator (both
APIs): the config records each pulled folder's parent and the folders above it up to the
root, so that `export --format gcx` (and Git Sync) gives the tree back."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable

from adopt_support import Project, dashboard
from test_pull import ORG, Grafana

from dashgen.testing import EmulatorServer


def _seed(server: EmulatorServer) -> Grafana:
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
    emulator.create_folder(org_id, "Teams", uid="t1")
    emulator.create_folder(org_id, "SRE", uid="s1", parent_uid="t1")
    emulator.create_folder(org_id, "On call", uid="o1", parent_uid="s1")
    for uid, folder in [("pager", "o1"), ("slo", "s1"), ("home", None)]:
        doc = dashboard(uid)
        doc.pop("id")
        doc.pop("version")
        emulator.save_dashboard(org_id, doc, folder_uid=folder, message="", user="alice")
    return Grafana(server, org_id, token)


def test_pull_then_export_keeps_the_tree(
    project: Project,
    make_grafana_server: Callable[..., EmulatorServer],
    backend_mode: tuple[str, str],
) -> None:
    grafana = _seed(make_grafana_server(backend_mode[1]))
    result = project.dashgen(
        "pull", "--org", ORG, "--uid", "pager", "--write-config", env=grafana.env
    )
    assert result.code == 0, result.output
    config = tomllib.loads((project.root / "dashgen.toml").read_text())
    folders = config["orgs"][ORG]["folders"]
    # the pulled folder with its parent, and its ancestors (no dashboard pulled from them)
    assert folders == {
        "apiorg/on-call": {"title": "On call", "uid": "o1", "parent": "s1"},
        "apiorg/sre": {"title": "SRE", "uid": "s1", "parent": "t1"},
        "apiorg/teams": {"title": "Teams", "uid": "t1"},
    }
    export = project.dashgen("export", "--format", "gcx")
    assert export.code == 0, export.output
    base = project.root / "resources" / "folders.v1.folder.grafana.app"
    files = {p.name: json.loads(p.read_text()) for p in sorted(base.iterdir())}
    assert sorted(files) == ["o1.json", "s1.json", "t1.json"]
    assert files["o1.json"]["metadata"]["annotations"] == {"grafana.app/folder": "s1"}
    assert files["s1.json"]["metadata"]["annotations"] == {"grafana.app/folder": "t1"}
    assert "annotations" not in files["t1.json"]["metadata"]
    assert [files[n]["spec"]["title"] for n in sorted(files)] == ["On call", "SRE", "Teams"]
    git_sync = project.dashgen("export", "--format", "git-sync")
    assert git_sync.code == 0, git_sync.output
    assert (project.root / "git-sync" / "t1" / "s1" / "o1" / "pager.json").is_file()
    # and the project publishes back unchanged
    diff = project.dashgen("diff", "--org", ORG, env=grafana.env)
    assert diff.code == 0, diff.output


def test_pull_of_a_folder_and_its_parent_maps_each_once(
    project: Project,
    make_grafana_server: Callable[..., EmulatorServer],
    backend_mode: tuple[str, str],
) -> None:
    grafana = _seed(make_grafana_server(backend_mode[1]))
    result = project.dashgen("pull", "--org", ORG, "--all", "--write-config", env=grafana.env)
    assert result.code == 0, result.output
    folders = tomllib.loads((project.root / "dashgen.toml").read_text())["orgs"][ORG]["folders"]
    assert folders == {
        "apiorg/on-call": {"title": "On call", "uid": "o1", "parent": "s1"},
        "apiorg/sre": {"title": "SRE", "uid": "s1", "parent": "t1"},
        "apiorg/teams": {"title": "Teams", "uid": "t1"},
    }
    assert project.dashgen("build").code == 0
    diff = project.dashgen("diff", "--org", ORG, env=grafana.env)
    assert diff.code == 0 and "3 unchanged" in diff.stdout, diff.output


def test_an_entry_written_before_without_the_parent_gets_a_note(
    project: Project,
    make_grafana_server: Callable[..., EmulatorServer],
    backend_mode: tuple[str, str],
) -> None:
    grafana = _seed(make_grafana_server(backend_mode[1]))
    project.config(
        "[orgs.apiorg]\n[orgs.apiorg.folders]\n"
        '"apiorg/oncall" = { title = "On call", uid = "o1" }\n'
    )
    result = project.dashgen("pull", "--org", ORG, "--uid", "pager", env=grafana.env)
    assert result.code == 0, result.output
    assert project.sources() == ["apiorg/oncall/service-pager.json"]
    assert (
        "its folder 'On call' (uid o1) sits in folder s1 in Grafana, but the entry "
        '"apiorg/oncall" of [orgs.apiorg.folders] says otherwise: give it parent = "s1"'
    ) in result.output
