"""Inputs whose shape the build used to let go unseen, through the real CLI: nothing a
source wrote is dropped or let through to fail in Grafana without one error naming it."""

from __future__ import annotations

import json
import os

import pytest
from build_support import Project, assert_no_traceback, line_of


@pytest.fixture
def built(project: Project, view_dashboard) -> Project:
    project.write("dashboards/good.json", view_dashboard(uid="good", title="Good"))
    assert project.cli("build").exit_code == 0
    return project


def _legacy(rows: object) -> str:
    document = {"title": "Legacy", "uid": "legacy", "schemaVersion": 14, "rows": rows}
    return json.dumps(document, indent=2)


@pytest.mark.parametrize(
    ("rows", "needle", "error"),
    [
        (["a row?"], '"a row?"', 'rows[0] must be a row object, got the string "a row?"'),
        (
            [{"panels": "graph"}],
            '"graph"',
            'rows[0].panels must be a list of objects, got the string "graph"',
        ),
        (
            [{"panels": [{"type": "graph", "span": 12}, 7]}],
            " 7",
            "rows[0].panels[1] must be an object, got 7",
        ),
    ],
)
def test_convert_legacy_rows_reports_malformed_rows_as_the_plain_build_does(
    built: Project, rows: object, needle: str, error: str
) -> None:
    """Without the option the structure check names them; with it, they used to be
    skipped (the row or panel gone from the output, exit 0)."""
    before = built.outputs(hidden=True)
    text = _legacy(rows)
    built.write("dashboards/legacy.json", text)
    line = line_of(text, needle)
    for options in ((), ("--convert-legacy-rows",)):
        result = built.cli("build", *options)
        assert result.exit_code == 1, (options, result.output)
        assert f"dashboards/legacy.json:{line}: error: {error}" in result.output, options
        assert_no_traceback(result.output)
        assert built.outputs(hidden=True) == before


def test_convert_legacy_rows_still_converts_well_formed_rows(built: Project) -> None:
    rows = [{"height": 250, "panels": [{"type": "graph", "span": 6}, {"type": "text"}]}]
    built.write("dashboards/legacy.json", _legacy(rows))
    result = built.cli("build", "--convert-legacy-rows")
    assert result.exit_code == 0, result.output
    panels = built.output("_default", "legacy")["panels"]
    assert [p["gridPos"] for p in panels] == [
        {"x": 0, "y": 0, "w": 12, "h": 7},
        {"x": 12, "y": 0, "w": 8, "h": 7},
    ]


@pytest.mark.parametrize("folder", ["team a", "a/b", "../x", "x" * 41])
def test_resource_folder_annotation_must_be_a_folder_uid(built: Project, folder: str) -> None:
    before = built.outputs(hidden=True)
    text = json.dumps(
        {
            "apiVersion": "dashboard.grafana.app/v1",
            "kind": "Dashboard",
            "metadata": {"name": "r", "annotations": {"grafana.app/folder": folder}},
            "spec": {"title": "R", "schemaVersion": 39, "panels": []},
        },
        indent=2,
    )
    built.write("dashboards/r.json", text)
    result = built.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(text, '"grafana.app/folder"')
    assert f"dashboards/r.json:{line}: error: the grafana.app/folder annotation" in result.output
    assert "is not a folder uid" in result.output
    assert built.outputs(hidden=True) == before


def test_resource_folder_annotation_of_a_good_uid_is_recorded(built: Project) -> None:
    built.write(
        "dashboards/r.json",
        {
            "apiVersion": "dashboard.grafana.app/v1",
            "kind": "Dashboard",
            "metadata": {"name": "r", "annotations": {"grafana.app/folder": "team-a_1"}},
            "spec": {"title": "R", "schemaVersion": 39, "panels": []},
        },
    )
    assert built.cli("build").exit_code == 0
    manifest = json.loads((built.root / "build/manifest.json").read_text())
    assert {d["uid"]: d["folder_uid"] for d in manifest["dashboards"]}["r"] == "team-a_1"


def test_python_source_assigning_dashboard_and_dashboards_loses_neither(built: Project) -> None:
    before = built.outputs(hidden=True)
    built.write(
        "dashboards/p.py",
        'dashboard = {"uid": "a", "title": "A", "schemaVersion": 39}\n'
        'dashboards = [{"uid": "b", "title": "B", "schemaVersion": 39}]\n',
    )
    result = built.cli("build")
    assert result.exit_code == 1, result.output
    assert "dashboards/p.py:1: error: assigns both 'dashboard' and 'dashboards'" in result.output
    assert built.outputs(hidden=True) == before


@pytest.mark.parametrize(
    "text",
    [
        # the single dashboard is one of the list's
        'dashboard = {"uid": "a", "title": "A", "schemaVersion": 39}\n'
        'dashboards = [dashboard, {"uid": "b", "title": "B", "schemaVersion": 39}]\n',
        # a helper function of that name is no dashboard
        "def dashboard(uid):\n"
        '    return {"uid": uid, "title": uid.upper(), "schemaVersion": 39}\n'
        'dashboards = [dashboard("a"), dashboard("b")]\n',
    ],
)
def test_python_source_with_dashboards_and_a_dashboard_it_holds(built: Project, text: str) -> None:
    built.write("dashboards/p.py", text)
    result = built.cli("build")
    assert result.exit_code == 0, result.output
    assert {"_default/a.json", "_default/b.json"} <= set(built.outputs())


def test_uids_that_differ_only_in_case_are_a_warning_naming_both(built: Project) -> None:
    """grafana/grafana#56471: Grafana's MySQL uid column compares without case (SQLite's and
    PostgreSQL's do not: a pull may bring both), and build/<org>/Good.json and good.json
    are one file on macOS and Windows."""
    built.write("dashboards/a.json", {"uid": "GOOD", "title": "Loud", "schemaVersion": 39})
    result = built.cli("build")
    assert result.exit_code == 0, result.output
    assert (
        "dashboards/good.json:1: warning: uid 'good' differs only in case from uid 'GOOD' of "
        "dashboards/a.json" in result.output
    )
    assert {"_default/GOOD.json", "_default/good.json"} <= set(built.outputs())
    before = built.outputs(hidden=True)
    assert built.cli("build", "--strict").exit_code == 1
    assert built.outputs(hidden=True) == before
    # in different orgs they are different Grafana organizations: no clash
    built.write(
        "dashgen.toml",
        '[orgs.one]\nsources = ["a.json"]\n[orgs.two]\nsources = ["good.json"]\n',
    )
    result = built.cli("build")
    assert result.exit_code == 0, result.output
    assert "differs only in case" not in result.output


def test_where_the_output_folder_ignores_case_they_are_an_error(
    built: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(A case-folding file system, as macOS's default, stood in for by ``samefile``: this
    machine's file systems tell case apart.)"""
    real_samefile = os.path.samefile

    def folding_samefile(a: str, b: str) -> bool:
        return str(a).lower() == str(b).lower() or real_samefile(a, b)

    built.cli("build")
    monkeypatch.setattr(os.path, "samefile", folding_samefile)
    before = built.outputs(hidden=True)
    built.write("dashboards/a.json", {"uid": "GOOD", "title": "Loud", "schemaVersion": 39})
    result = built.cli("build")
    assert result.exit_code == 1, result.output
    assert "error: uid 'good' differs only in case from uid 'GOOD'" in result.output
    assert built.outputs(hidden=True) == before


def test_an_exception_class_of_the_source_is_named_as_the_source_names_it(
    built: Project,
) -> None:
    """Not by the module name dashgen runs the source under (``_dashgen_source_0.Bad``)."""
    built.write(
        "dashboards/p.py",
        'class BadThreshold(ValueError):\n    pass\n\nraise BadThreshold("over 9000")\n'
        "dashboard = {}\n",
    )
    result = built.cli("build")
    assert result.exit_code == 1, result.output
    assert "dashboards/p.py:4: error: BadThreshold: over 9000\n" in result.output
    assert "_dashgen_source" not in result.output


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("variables", '"x"', "variables must be a list of objects, got str"),
        ("annotations", "5", "annotations must be a list of objects, got int"),
        ("links", "[1]", "links[0] must be an object, got 1"),
        ("tags", '["a", 2]', "tags[1] must be a string, got 2"),
    ],
)
def test_v2_spec_lists_of_the_wrong_type_are_errors_at_their_line(
    built: Project, key: str, value: str, error: str
) -> None:
    """The classic model checks these types; a v2 spec let them through, for Grafana's
    /apis to refuse at publish (422)."""
    before = built.outputs(hidden=True)
    text = (
        '{"apiVersion": "dashboard.grafana.app/v2", "kind": "Dashboard",\n'
        ' "metadata": {"name": "r"},\n'
        ' "spec": {"title": "R", "elements": {},\n'
        ' "layout": {"kind": "GridLayout", "spec": {"items": []}},\n'
        f' "{key}": {value}}}}}\n'
    )
    built.write("dashboards/r.json", text)
    result = built.cli("build")
    assert result.exit_code == 1, result.output
    assert f"dashboards/r.json:5: error: {error}" in result.output
    assert built.outputs(hidden=True) == before
