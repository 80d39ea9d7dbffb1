"""What `dashgen build` says about the run: a summary that never contradicts itself, the
note for an --org the config does not declare, and output folders that overlap sources."""

from __future__ import annotations

import json

import pytest
from build_support import Project, assert_no_traceback


def test_summary_of_a_good_build_counts_in_good_grammar(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    result = project.cli("build")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].startswith("1 dashboard, 1 rebuilt, 0 errors, 0 warnings")


def test_summary_of_a_failed_build_says_nothing_was_written(
    project: Project, view_dashboard
) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    project.write("dashboards/b.json", view_dashboard(uid="b"))
    assert project.cli("build").exit_code == 0
    project.write("dashboards/a.json", view_dashboard(uid="a", title="Changed"))
    project.write("dashboards/bad.json", {"uid": "bad", "title": "", "schemaVersion": 39})
    result = project.cli("build")
    assert result.exit_code == 1
    summary = result.output.splitlines()[-1]
    assert summary.startswith("build failed: 1 error, 0 warnings in ")
    assert summary.endswith(
        "nothing written (build/ left unchanged: it still holds the 2 dashboards of the last "
        "successful build)"
    )
    assert "rebuilt" not in summary and "1 errors" not in summary


def test_summary_of_a_failed_first_build(project: Project) -> None:
    project.write("dashboards/x.json", {"uid": "x", "title": "", "schemaVersion": 39})
    project.write("dashboards/y.json", {"uid": "y y", "title": "Y", "schemaVersion": 39})
    summary = project.cli("build").output.splitlines()[-1]
    assert summary.startswith("build failed: 2 errors, 0 warnings")
    assert summary.endswith("(build/ left unchanged: it holds no dashboards yet)")


def test_summary_names_the_configured_output_folder(project: Project) -> None:
    project.write("dashgen.toml", '[paths]\noutput = "out/dash"\n')
    project.write("dashboards/x.json", {"uid": "x", "title": ""})
    assert "nothing written (out/dash/ left unchanged" in project.cli("build").output


def test_strict_failure_counts_the_warnings_it_failed_on(project: Project) -> None:
    project.write(
        "dashboards/w.json",
        {"uid": "w", "title": "W", "schemaVersion": 39, "panels": [{"title": "x"}]},
    )
    result = project.cli("build", "--strict")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("build failed: 1 error, 0 warnings")


def test_json_summary_of_a_failed_build_rebuilt_nothing(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    assert project.cli("build").exit_code == 0
    project.write("dashboards/a.json", view_dashboard(uid="a", title="New"))
    project.write("dashboards/bad.json", {"uid": "bad", "title": ""})
    result = project.cli("build", "--output", "json")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    summary = events[-1]
    assert summary["ok"] is False and summary["rebuilt"] == 0 and summary["compiled"] == 2
    assert [e["rebuilt"] for e in events if e["event"] == "dashboard"] == [False]


# -- --org that the config does not declare ------------------------------------------------


@pytest.fixture
def with_orgs(project: Project) -> Project:
    project.write("dashgen.toml", '[orgs.apiorg]\nfolder = "API"\n[orgs.webteam]\n')
    project.write("dashboards/a.json", {"uid": "a", "title": "A", "panels": []})
    return project


def test_undeclared_org_is_built_with_a_note_and_a_suggestion(with_orgs: Project) -> None:
    result = with_orgs.cli("build", "--org", "apiorgg")
    assert result.exit_code == 0, result.output
    assert (
        "warning: apiorgg is not declared in dashgen.toml: building every source with global "
        "vars (did you mean apiorg?)"
    ) in result.stderr
    assert result.stderr.count("not declared") == 1
    assert (with_orgs.root / "build/apiorgg/a.json").is_file()  # allowed by design


@pytest.mark.parametrize(("typed", "meant"), [("APIORG", "apiorg"), ("web-team", "webteam")])
def test_suggestion_ignores_case_and_small_typos(
    with_orgs: Project, typed: str, meant: str
) -> None:
    result = with_orgs.cli("build", "--org", typed)
    assert result.exit_code == 0
    assert f"{typed} is not declared in dashgen.toml" in result.stderr
    assert f"(did you mean {meant}?)" in result.stderr


def test_no_suggestion_when_no_declared_name_is_close(with_orgs: Project) -> None:
    result = with_orgs.cli("build", "--org", "billing")
    assert result.exit_code == 0
    assert "billing is not declared in dashgen.toml: building every source with global vars\n" in (
        result.stderr
    )


def test_declared_orgs_get_no_note(with_orgs: Project) -> None:
    result = with_orgs.cli("build", "--org", "apiorg", "--org", "webteam")
    assert result.exit_code == 0
    assert "not declared" not in result.output


def test_note_with_json_output_keeps_stdout_json(with_orgs: Project) -> None:
    result = with_orgs.cli("build", "--org", "apiorgg", "--output", "json")
    assert result.exit_code == 0
    for line in result.stdout.splitlines():
        json.loads(line)
    assert "did you mean apiorg?" in result.stderr


def test_note_names_pyproject_and_no_config(project: Project) -> None:
    project.write("dashboards/a.json", {"uid": "a", "title": "A", "panels": []})
    result = project.cli("build", "--org", "ops")
    assert "ops is not declared in any config (there is no dashgen.toml)" in result.stderr
    assert (
        "_default" not in result.stderr and project.cli("build", "--org", "_default").stderr == ""
    )
    project.write("pyproject.toml", "[tool.dashgen.orgs.ops1]\n")
    result = project.cli("build", "--org", "ops")
    assert "ops is not declared in pyproject.toml [tool.dashgen]" in result.stderr
    assert "(did you mean ops1?)" in result.stderr


# -- output folders that overlap the sources -------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "relation"),
    [
        ('output = "dashboards/build"', "is inside the sources folder (dashboards/)"),
        ('output = "dashboards"', "is the sources folder (dashboards/)"),
        ('sources = "src"\noutput = "src"', "is the sources folder (src/)"),
        ('output = "."', "holds the sources folder (dashboards/)"),
        ('sources = "out/src"\noutput = "out"', "holds the sources folder (out/src/)"),
    ],
)
def test_output_folder_overlapping_sources_is_a_config_error(
    project: Project, view_dashboard, paths: str, relation: str
) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    project.write("dashgen.toml", f"[paths]\n{paths}\n")
    result = project.cli("build")
    assert result.exit_code == 2
    assert "paths.output (" in result.output and relation in result.output
    assert "give the output a folder of its own outside the sources" in result.output
    assert_no_traceback(result.output)
    assert not (project.root / "dashboards/build").exists()


def test_overlap_is_found_in_pyproject_too(project: Project) -> None:
    project.write("pyproject.toml", '[tool.dashgen.paths]\noutput = "dashboards/out"\n')
    result = project.cli("build")
    assert result.exit_code == 2
    assert "tool.dashgen.paths.output (dashboards/out/) is inside the sources folder" in (
        result.output
    )


def test_a_dashboard_without_schema_version_is_a_warning_naming_its_file(
    project: Project,
) -> None:
    project.write("dashboards/old.json", {"uid": "old", "title": "Old"})
    project.write("dashboards/low.json", {"uid": "low", "title": "Low", "schemaVersion": 7})
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert "dashboards/old.json:1: warning: dashboard has no schemaVersion" in result.output
    assert "dashboards/low.json:4: warning: dashboard has schemaVersion 7" in result.output
    assert "publish with --api classic" in result.output
    assert project.cli("build", "--strict").exit_code == 1
