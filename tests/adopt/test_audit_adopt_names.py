"""`dashgen pull` names: titles and folder titles that collide as file or directory names,
within one pull and with what earlier pulls wrote, never cost a dashboard its source nor put
it in another folder."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from adopt_support import Project, dashboard
from test_pull import ORG, Grafana

from cli_run import Run
from dashgen.testing import EmulatorServer


@pytest.fixture
def grafana(
    make_grafana_server: Callable[..., EmulatorServer], backend_mode: tuple[str, str]
) -> Grafana:
    server = make_grafana_server(backend_mode[1])
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid="prom-a")
    emulator.create_folder(org_id, "Team", uid="t1")
    emulator.create_folder(org_id, "team!", uid="t2")
    return Grafana(server, org_id, token)


def save(grafana: Grafana, uid: str, title: str, folder: str | None) -> None:
    doc = dashboard(uid, title=title)
    doc.pop("id")
    doc.pop("version")
    grafana.emulator.save_dashboard(grafana.org_id, doc, folder_uid=folder, message="", user="al")


def pull(project: Project, grafana: Grafana, *args: str) -> Run:
    return project.dashgen("pull", "--org", ORG, "--write-config", *args, env=grafana.env)


@pytest.fixture
def pulling(project: Project) -> Project:
    project.config(f"[orgs.{ORG}]\n")
    return project


def sources_by_uid(project: Project) -> dict[str, str]:
    found = {}
    for name in project.sources():
        found[json.loads((project.root / "dashboards" / name).read_text())["uid"]] = name
    return found


def built_then_unchanged(project: Project, grafana: Grafana) -> None:
    assert project.dashgen("build").code == 0
    diff = project.dashgen("diff", "--org", ORG, env=grafana.env)
    assert diff.code == 0 and "changed" not in diff.stdout.replace("unchanged", ""), diff.output


def test_a_suffixed_name_that_is_a_title_too_gets_another_name(
    pulling: Project, grafana: Grafana
) -> None:
    # sorted by uid: "a1" takes foo-y, "x1" foo, "y" then wants foo-y (taken): foo-y-2;
    # "Y" differs from "y" only in case, as slugs never do
    for uid, title in [("a1", "foo-y"), ("x1", "Foo"), ("y", "Foo"), ("Y", "foo")]:
        save(grafana, uid, title, "t1")
    result = pull(pulling, grafana, "--all")
    assert result.code == 0, result.output
    names = sources_by_uid(pulling)
    assert sorted(names) == ["Y", "a1", "x1", "y"]
    assert len(set(names.values())) == 4
    built_then_unchanged(pulling, grafana)


def test_a_later_pull_of_a_same_titled_dashboard_keeps_the_first_source(
    pulling: Project, grafana: Grafana
) -> None:
    save(grafana, "x1", "Foo", "t1")
    save(grafana, "y1", "Foo", "t1")
    assert pull(pulling, grafana, "--uid", "x1").code == 0
    # --overwrite replaces a source of the same dashboard, never another dashboard's
    result = pull(pulling, grafana, "--uid", "y1", "--overwrite")
    assert result.code == 0, result.output
    assert sources_by_uid(pulling) == {
        "x1": f"{ORG}/team/foo.json",
        "y1": f"{ORG}/team/foo-y1.json",
    }
    built_then_unchanged(pulling, grafana)


def test_a_later_pull_of_a_folder_that_slugs_alike_gets_its_own_directory(
    pulling: Project, grafana: Grafana
) -> None:
    save(grafana, "x1", "Foo", "t1")
    save(grafana, "z1", "Bar", "t2")
    assert pull(pulling, grafana, "--folder", "t1").code == 0
    result = pull(pulling, grafana, "--folder", "t2")
    assert result.code == 0, result.output
    assert sources_by_uid(pulling) == {
        "x1": f"{ORG}/team/foo.json",
        "z1": f"{ORG}/team-t2/bar.json",
    }
    built_then_unchanged(pulling, grafana)


def test_a_folder_keeps_the_directory_the_config_maps_to_it(
    pulling: Project, grafana: Grafana
) -> None:
    save(grafana, "x1", "Foo", "t1")
    assert pull(pulling, grafana, "--uid", "x1").code == 0
    renamed = httpx.put(
        f"{grafana.server.url}/api/folders/t1",
        json={"title": "Platform", "overwrite": True},
        headers={"Authorization": f"Bearer {grafana.token}"},
    )
    assert renamed.status_code == 200, renamed.text
    save(grafana, "x2", "Other", "t1")
    assert pull(pulling, grafana, "--uid", "x2").code == 0
    assert sources_by_uid(pulling)["x2"] == f"{ORG}/team/other.json"


def test_a_misplaced_dashboard_is_said_when_its_directory_is_mapped_elsewhere(
    project: Project,
) -> None:
    """import: a directory the config maps to one folder, a resource of another folder."""
    project.config(
        f'[orgs.{ORG}]\n[orgs.{ORG}.folders]\n"{ORG}/team" = {{title = "Team", uid = "t1"}}\n'
    )
    resource = {
        "apiVersion": "dashboard.grafana.app/v1",
        "kind": "Dashboard",
        "metadata": {"name": "z1", "annotations": {"grafana.app/folder": "t2"}},
        "spec": {k: v for k, v in dashboard("z1").items() if k not in ("id", "version")},
    }
    path = project.write("in/z1.json", resource)
    result = project.dashgen(
        "import", str(path), "--org", ORG, "--to", f"dashboards/{ORG}/team", "--write-config"
    )
    assert result.code == 0, result.output
    assert "publishes it to 'Team'" in result.stdout, result.output
    assert 'uid = "t1"' in (project.root / "dashgen.toml").read_text()


def test_accented_titles_keep_their_letters(pulling: Project, grafana: Grafana) -> None:
    grafana.emulator.create_folder(grafana.org_id, "Équipe Ops", uid="eq")
    save(grafana, "u1", "Überwachung Café", "eq")
    result = pull(pulling, grafana, "--all")
    assert result.code == 0, result.output
    assert sources_by_uid(pulling)["u1"] == f"{ORG}/equipe-ops/uberwachung-cafe.json"
    built_then_unchanged(pulling, grafana)


def test_an_earlier_pull_s_directory_and_file_names_are_kept(
    pulling: Project, grafana: Grafana
) -> None:
    """Names an older slug rule gave (accents dropped as other characters) stay."""
    grafana.emulator.create_folder(grafana.org_id, "Équipe Ops", uid="eq")
    save(grafana, "u1", "Überwachung", "eq")
    assert pull(pulling, grafana, "--uid", "u1").code == 0
    base = pulling.root / "dashboards" / ORG
    (base / "equipe-ops").rename(base / "quipe-ops")
    (base / "quipe-ops" / "uberwachung.json").rename(base / "quipe-ops" / "berwachung.json")
    config = (pulling.root / "dashgen.toml").read_text().replace("equipe-ops", "quipe-ops")
    pulling.config(config)
    record = pulling.root / "dashgen.pulled.json"
    record.write_text(record.read_text().replace("equipe-ops/uberwachung", "quipe-ops/berwachung"))
    save(grafana, "u2", "Öl", "eq")
    result = pull(pulling, grafana, "--all")
    assert result.code == 0, result.output
    assert sources_by_uid(pulling) == {
        "u1": f"{ORG}/quipe-ops/berwachung.json",
        "u2": f"{ORG}/quipe-ops/ol.json",
    }


def test_a_to_outside_the_sources_is_refused_before_any_request(
    pulling: Project, grafana: Grafana
) -> None:
    save(grafana, "x1", "Foo", "t1")
    grafana.emulator.clear_request_log()
    result = pull(pulling, grafana, "--all", "--to", str(pulling.root / "elsewhere"))
    assert result.code == 2, result.output
    assert "is not under the sources dir" in result.stderr
    assert grafana.emulator.request_log == []
