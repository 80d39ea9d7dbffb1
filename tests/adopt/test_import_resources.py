"""`dashgen import` of resource files, as gcx pulls them and Git Sync stores them
(grafana-apis.md §3, §8): JSON or YAML envelopes, v1 (the spec is the dashboard,
metadata.name the uid, the folder annotation or Git Sync's _folder.json the folder) and
schema v2 (kept a v2 resource); bad files refused with one sentence naming file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from adopt_support import Project, dashboard

from dashgen.build import build, read_manifest
from dashgen.config import load_config
from v2_dashboards import full_panel, grid, panel_query, tabs

ORG = "ops"
SERVER_METADATA = {
    "namespace": "default",
    "uid": "7f9c2ba4-e88f-11ed-a05b-0242ac120003",
    "resourceVersion": "1758777451428472",
    "generation": 3,
    "creationTimestamp": "2026-01-23T22:06:40Z",
    "labels": {"grafana.app/deprecatedInternalID": "11"},
    "managedFields": [{"manager": "curl", "operation": "Update"}],
}


@pytest.fixture
def backend_mode() -> tuple[str, str]:
    """Import reads files only: one backend mode is enough."""
    return ("classic", "12.0")


@pytest.fixture
def ops(project: Project) -> Project:
    project.config(f"[orgs.{ORG}]\n")
    return project


def v1_resource(uid: str = "svc", folder: str | None = "team-a", **spec: Any) -> dict[str, Any]:
    body = {k: v for k, v in dashboard(uid).items() if k not in ("id", "uid", "version")}
    annotations = {
        "grafana.app/createdBy": "user:abc",
        "grafana.app/updatedTimestamp": "2026-01-23T05:17:31Z",
    }
    if folder:
        annotations["grafana.app/folder"] = folder
    return {
        "apiVersion": "dashboard.grafana.app/v1",
        "kind": "Dashboard",
        "metadata": {"name": uid, **SERVER_METADATA, "annotations": annotations},
        "spec": {**body, **spec},
        "status": {"conversion": {"failed": False, "storedVersion": "v1"}},
    }


def v2_spec(datasource_uid: str = "prom-a") -> dict[str, Any]:
    query = panel_query(
        {"name": datasource_uid}, "sum(rate(http_requests_total[5m]))", legendFormat="{{job}}"
    )
    return {
        "title": "Service v2",
        "tags": ["v2"],
        "elements": {"panel-1": full_panel(1, "Requests", "timeseries", query)},
        "layout": tabs(("Overview", grid(("panel-1", 0, 0, 12, 8)))),
    }


def v2_resource(uid: str = "svc2", folder: str | None = "team-a") -> dict[str, Any]:
    annotations = {"grafana.app/updatedBy": "user:abc"}
    if folder:
        annotations["grafana.app/folder"] = folder
    return {
        "apiVersion": "dashboard.grafana.app/v2",
        "kind": "Dashboard",
        "metadata": {"name": uid, **SERVER_METADATA, "annotations": annotations},
        "spec": v2_spec(),
        "status": {},
    }


def folder_resource(uid: str, title: str) -> dict[str, Any]:
    return {
        "apiVersion": "folder.grafana.app/v1",
        "kind": "Folder",
        "metadata": {"name": uid},
        "spec": {"title": title},
    }


def gcx_tree(project: Project, *, as_yaml: bool = False) -> list[Path]:
    """What `gcx resources pull [-o yaml]` writes (§8.1): one file per resource."""
    suffix = ".yaml" if as_yaml else ".json"

    def write(name: str, document: dict[str, Any]) -> Path:
        text = yaml.safe_dump(document, sort_keys=False) if as_yaml else json.dumps(document)
        return project.write(f"resources/{name}{suffix}", text)

    return [
        write("dashboards.v1.dashboard.grafana.app/svc", v1_resource()),
        write("dashboards.v2.dashboard.grafana.app/svc2", v2_resource()),
        write("folders.v1.folder.grafana.app/team-a", folder_resource("team-a", "Team A")),
    ]


def manifest_folders(project: Project) -> dict[str, str | None]:
    result = build(load_config(project.root))
    assert result.ok, [str(p) for p in result.errors]
    return {d.uid: d.target_folder_uid for d in read_manifest(project.root / "build")}


def test_a_gcx_tree_is_imported_as_the_build_reads_it(ops: Project) -> None:
    files = gcx_tree(ops)

    run = ops.dashgen("import", *map(str, files), "--to", "dashboards/team-a", "--write-config")

    assert run.code == 0, run.output
    assert "skipped    " in run.stdout and "team-a.json: a Folder resource" in run.stdout
    assert ops.sources() == ["team-a/svc.json", "team-a/svc2.json"]
    v1 = json.loads((ops.root / "dashboards/team-a/svc.json").read_text())
    assert v1["uid"] == "svc" and "metadata" not in v1 and "status" not in v1
    assert v1["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prom-a"}
    v2 = json.loads((ops.root / "dashboards/team-a/svc2.json").read_text())
    assert v2 == {  # the v2 source form the build takes: no server fields
        "apiVersion": "dashboard.grafana.app/v2",
        "kind": "Dashboard",
        "metadata": {"name": "svc2", "annotations": {"grafana.app/folder": "team-a"}},
        "spec": v2_spec(),
    }
    config = (ops.root / "dashgen.toml").read_text()
    assert 'team-a = {title = "Team A", uid = "team-a"}' in config, config
    built = ops.built()
    assert built["svc2"] == v2_spec()
    assert manifest_folders(ops) == {"svc": "team-a", "svc2": "team-a"}


def test_yaml_files_import_to_the_same_sources_as_json(ops: Project, tmp_path: Path) -> None:
    from_json = ops
    from_yaml = Project(tmp_path / "yaml-project")
    (from_yaml.root / "dashboards").mkdir(parents=True)
    from_yaml.config(f"[orgs.{ORG}]\n")
    for project, as_yaml in ((from_json, False), (from_yaml, True)):
        files = gcx_tree(project, as_yaml=as_yaml)
        run = project.dashgen("import", *map(str, files), "--to", "dashboards/team-a")
        assert run.code == 0, run.output

    assert from_yaml.sources() == ["team-a/svc.json", "team-a/svc2.json"]
    for name in from_yaml.sources():
        left = (from_json.root / "dashboards" / name).read_bytes()
        right = (from_yaml.root / "dashboards" / name).read_bytes()
        assert left == right, name


def test_a_yaml_timestamp_stays_the_string_json_has(ops: Project) -> None:
    text = yaml.safe_dump(v1_resource(folder=None), sort_keys=False)
    text = text.replace("spec:\n", "spec:\n  description: 2026-01-23T05:17:31Z\n", 1)
    assert "description: 2026-01-23T05:17:31Z\n" in text  # unquoted: a YAML timestamp

    run = ops.dashgen("import", str(ops.write("in/svc.yml", text)))

    assert run.code == 0, run.output
    written = json.loads((ops.root / "dashboards/svc.json").read_text())
    assert written["description"] == "2026-01-23T05:17:31Z"


def test_a_git_sync_directory_gives_its_folder(ops: Project) -> None:
    repo = "repo/team-b"
    ops.write(f"{repo}/_folder.json", folder_resource("tb-uid", "Team B"))
    board = ops.write(f"{repo}/board.json", v1_resource("board", folder=None))

    run = ops.dashgen(
        "import",
        str(board),
        str(ops.root / repo / "_folder.json"),
        "--to",
        "dashboards/b",
        "--write-config",
    )

    assert run.code == 0, run.output
    assert ops.sources() == ["b/board.json"]
    assert 'b = {title = "Team B", uid = "tb-uid"}' in (ops.root / "dashgen.toml").read_text()
    assert manifest_folders(ops) == {"board": "tb-uid"}


def test_without_an_org_the_folder_is_said_not_lost(project: Project) -> None:
    source = project.write("in/svc.json", v1_resource())

    run = project.dashgen("import", str(source))

    assert run.code == 0, run.output
    assert "it is in the folder of uid team-a in Grafana, which the config does not map" in (
        run.stdout
    )


def test_a_v2_resource_as_jinja_gets_datasource_variables(ops: Project) -> None:
    source = ops.write("in/svc2.json", v2_resource(folder=None))

    run = ops.dashgen("import", str(source), "--as", "jinja", "--write-config")

    assert run.code == 0, run.output
    template = (ops.root / "dashboards/svc2.json.j2").read_text()
    assert '"name": "{{ prometheus_uid }}"' in template
    assert '"legendFormat": "{% raw %}{{job}}{% endraw %}"' in template
    assert 'prometheus_uid = "prom-a"' in (ops.root / "dashgen.toml").read_text()
    assert ops.built()["svc2"] == v2_spec()


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("broken.yaml", "apiVersion: dashboard.grafana.app/v1\nkind: [Dashboard\n", "broken.yaml:"),
        ("two.yaml", "kind: Dashboard\n---\nkind: Dashboard\n", "holds 2 YAML documents"),
        (
            "playlist.json",
            json.dumps({"apiVersion": "playlist.grafana.app/v0alpha1", "kind": "Playlist"}),
            "this is a 'Playlist' resource",
        ),
        (
            "mixed.json",
            json.dumps({**v1_resource(), "apiVersion": "dashboard.grafana.app/v2"}),
            "says schema v2, but spec is a classic dashboard",
        ),
        (
            "v2uid.json",
            json.dumps({**v2_resource(), "spec": {**v2_spec(), "uid": "inside"}}),
            "a schema v2 spec has no uid field",
        ),
    ],
)
def test_bad_resource_files_are_refused_with_one_sentence(
    ops: Project, name: str, text: str, said: str
) -> None:
    run = ops.dashgen("import", str(ops.write(f"in/{name}", text)))

    assert run.code == 1, run.output
    assert said in run.stderr and name in run.stderr, run.stderr
    assert "Traceback" not in run.output
    assert ops.sources() == []


def test_a_uid_disagreement_names_the_line(ops: Project) -> None:
    document = v1_resource()
    document["spec"]["uid"] = "other"
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"uid": "other"' in t)

    run = ops.dashgen("import", str(ops.write("in/svc.json", text)))

    assert run.code == 1
    assert f"svc.json:{line}: spec.uid 'other' disagrees with metadata.name 'svc'" in run.stderr


def test_a_uid_disagreement_in_yaml_names_the_line_too(ops: Project) -> None:
    document = v1_resource()
    document["spec"]["uid"] = "other"
    text = yaml.safe_dump(document, sort_keys=False)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "uid: other")

    run = ops.dashgen("import", str(ops.write("in/svc.yaml", text)))

    assert run.code == 1
    assert f"svc.yaml:{line}: spec.uid 'other' disagrees with metadata.name 'svc'" in run.stderr


def test_export_then_import_gives_the_same_build(ops: Project, tmp_path: Path) -> None:
    """gcx files written by `dashgen export`, imported into a new project, build the same."""
    ops.config(f'[orgs.{ORG}]\n[orgs.{ORG}.folders]\n"team-a" = {{ title = "Team A" }}\n')
    ops.write("dashboards/team-a/svc.json", dashboard("svc"))
    ops.write("dashboards/team-a/svc2.json", v2_resource(folder=None))
    exported = ops.dashgen("export", "--format", "gcx", "--org", ORG, "--to", "out")
    assert exported.code == 0, exported.output
    before = {p.name: p.read_bytes() for p in (ops.root / "build" / ORG).glob("*.json")}

    fresh = Project(tmp_path / "fresh")
    (fresh.root / "dashboards").mkdir(parents=True)
    fresh.config(f"[orgs.{ORG}]\n")
    files = sorted(str(p) for p in (ops.root / "out").rglob("*.json"))
    run = fresh.dashgen("import", *files, "--to", "dashboards/team-a", "--write-config")

    assert run.code == 0, run.output
    fresh.built()
    after = {p.name: p.read_bytes() for p in (fresh.root / "build" / ORG).glob("*.json")}
    assert after == before
    assert manifest_folders(fresh) == manifest_folders(ops)
