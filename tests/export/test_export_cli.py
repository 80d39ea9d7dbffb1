"""`dashgen export` options and orgs: usage mistakes are exit 2, one sentence, no traceback."""

from __future__ import annotations

import subprocess
import sys

from export_support import TWO_ORGS, Project, assert_no_traceback

API = "dashboards.v1.dashboard.grafana.app"


def _two_orgs(project: Project) -> Project:
    project.write("dashgen.toml", TWO_ORGS)
    project.dashboard("api.json", "api")
    project.dashboard("team-a/queue.json", "queue")
    return project


def test_format_is_required_and_checked(project: Project) -> None:
    project.dashboard("api.json", "api")
    missing = project.cli("export")
    assert missing.exit_code == 2 and "Missing option '--format'" in missing.output
    wrong = project.cli("export", "--format", "zip")
    assert wrong.exit_code == 2 and "'zip' is not one of 'gcx', 'git-sync'" in wrong.output
    assert not (project.root / "build").exists()


def test_bad_api_version(project: Project) -> None:
    project.dashboard("api.json", "api")
    result = project.cli("export", "--format", "gcx", "--api-version", "v3")
    assert result.exit_code == 2 and "--api-version" in result.output


def test_api_version_v2_refuses_classic_dashboards(project: Project) -> None:
    project.dashboard("api.json", "api")
    result = project.cli("export", "--format", "gcx", "--api-version", "v2")
    assert result.exit_code == 2
    assert "1 dashboard(s) use the classic (v1) model: api (dashboards/api.json)" in result.output
    assert "dashgen does not convert v1 to v2" in result.output
    assert not (project.root / "resources").exists()
    assert_no_traceback(result)


def test_several_orgs_need_org_or_all_orgs(project: Project) -> None:
    result = _two_orgs(project).cli("export", "--format", "gcx")
    assert result.exit_code == 2
    assert "the config declares 2 orgs (prod, staging): name one with --org NAME" in result.output
    assert not (project.root / "build").exists()


def test_unknown_org_names_a_close_one(project: Project) -> None:
    result = _two_orgs(project).cli("export", "--format", "gcx", "--org", "prd")
    assert result.exit_code == 2
    assert "--org prd: not an org of this project (did you mean prod?)" in result.output
    assert_no_traceback(result)


def test_org_without_declared_orgs(project: Project) -> None:
    project.dashboard("api.json", "api")
    result = project.cli("export", "--format", "gcx", "--org", "prod")
    assert result.exit_code == 2 and "declares no [orgs.<name>]" in result.output
    assert project.cli("export", "--format", "gcx", "--org", "_default").exit_code == 0


def test_org_and_all_orgs_together(project: Project) -> None:
    result = _two_orgs(project).cli("export", "--format", "gcx", "--org", "prod", "--all-orgs")
    assert result.exit_code == 2 and "either --org NAME or --all-orgs" in result.output


def test_one_org_goes_straight_into_to(project: Project) -> None:
    result = _two_orgs(project).cli("export", "--format", "gcx", "--org", "staging")
    assert result.exit_code == 0, result.output
    assert sorted(project.files("resources")) == [f"{API}/api.json", f"{API}/queue.json"]
    # staging declares no folders: General, no folder files
    api = project.read(f"resources/{API}/api.json")
    assert "grafana.app/folder" not in api["metadata"].get("annotations", {})


def test_all_orgs_each_into_its_own_folder(project: Project) -> None:
    result = _two_orgs(project).cli("export", "--format", "git-sync", "--all-orgs")
    assert result.exit_code == 0, result.output
    assert sorted(project.files("git-sync")) == [
        "prod/platform/_folder.json",
        "prod/platform/api.json",
        "prod/team-a/_folder.json",
        "prod/team-a/queue.json",
        "staging/api.json",
        "staging/queue.json",
    ]
    assert "of prod, staging (git-sync)" in result.output


def test_switching_from_all_orgs_to_one_org_removes_the_org_folders(project: Project) -> None:
    _two_orgs(project).cli("export", "--format", "gcx", "--all-orgs")
    result = project.cli("export", "--format", "gcx", "--org", "prod")
    assert result.exit_code == 0, result.output
    assert sorted(project.files("resources")) == [
        f"{API}/api.json",
        f"{API}/queue.json",
        "folders.v1.folder.grafana.app/platform.json",
        "folders.v1.folder.grafana.app/team-a.json",
    ]


def test_to_inside_the_sources_is_refused(project: Project) -> None:
    project.dashboard("api.json", "api")
    result = project.cli("export", "--format", "gcx", "--to", "dashboards/out")
    assert result.exit_code == 2
    assert "--to dashboards/out is, holds or sits inside the sources folder dashboards" in (
        result.output
    )
    assert not (project.root / "dashboards/out").exists()


def test_to_the_build_folder_or_the_project_root_is_refused(project: Project) -> None:
    project.dashboard("api.json", "api")
    inside = project.cli("export", "--format", "gcx", "--to", "build/gcx")
    assert inside.exit_code == 2 and "inside the output folder build" in inside.output
    root = project.cli("export", "--format", "gcx", "--to", ".")
    assert root.exit_code == 2 and "holds or sits inside the sources folder" in root.output


def test_to_a_file_is_refused(project: Project) -> None:
    project.dashboard("api.json", "api")
    project.write("out", "a file\n")
    result = project.cli("export", "--format", "gcx", "--to", "out")
    assert result.exit_code == 2 and "--to out is a file, not a folder" in result.output


def test_build_errors_export_nothing(project: Project) -> None:
    project.write("dashboards/bad.json", '{"uid": "bad", "title": ""}\n')
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 1
    assert "the build has 1 error(s); nothing was exported" in result.output
    assert not (project.root / "resources").exists()


def test_real_process_exit_codes(project: Project) -> None:
    project.dashboard("api.json", "api")
    base = [sys.executable, "-m", "dashgen", "-C", str(project.root), "export"]
    ok = subprocess.run([*base, "--format", "gcx"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    check = subprocess.run(
        [*base, "--format", "gcx", "--check"], capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stderr
    (project.root / "resources" / API / "api.json").write_text("{}\n")
    stale = subprocess.run(
        [*base, "--format", "gcx", "--check"], capture_output=True, text=True, timeout=120
    )
    assert stale.returncode == 1 and f"differs  resources/{API}/api.json" in stale.stdout
    usage = subprocess.run(
        [*base, "--format", "gcx", "--org", "nope"], capture_output=True, text=True, timeout=120
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_listed_in_help(project: Project) -> None:
    result = project.cli("--help")
    assert "export" in result.output and "gcx or Git Sync" in result.output


def test_var_reaches_the_build_that_is_exported(project: Project) -> None:
    project.write("dashgen.toml", '[vars]\nenv = "prod"\n')
    project.write(
        "dashboards/env.json.j2",
        '{"uid": "env", "title": {{ ("Env " ~ env) | tojson }}, "schemaVersion": 39,'
        ' "panels": []}\n',
    )
    result = project.cli("export", "--format", "gcx", "--var", "env=dev")
    assert result.exit_code == 0, result.output
    assert project.read(f"resources/{API}/env.json")["spec"]["title"] == "Env dev"
    check = project.cli("export", "--format", "gcx", "--check")
    assert check.exit_code == 1  # without the --var the build differs
    assert check.stdout.splitlines() == [f"differs  resources/{API}/env.json"]
