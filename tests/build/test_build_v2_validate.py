"""A schema v2 dashboard's structure is checked by `dashgen build`, every problem naming
the file and the line of the value it is about (View JSON, Jinja and Python sources)."""

from __future__ import annotations

import copy
import json
from typing import Any

from build_support import Project, assert_no_traceback, line_of
from test_build_v2_sources import resource, v2_spec


def build_one(project: Project, spec: dict[str, Any], *, wrap: bool = True) -> tuple[str, str]:
    """Build ``spec`` (in a resource envelope) from dashboards/v2.json: (output, file text)."""
    path = project.write("dashboards/v2.json", resource(spec) if wrap else spec)
    result = project.cli("build")
    assert_no_traceback(result.output)
    return result.output, path.read_text()


def grid(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["layout"]["spec"]["rows"][0]["spec"]["layout"]["spec"]["items"]


def test_a_reference_to_a_missing_element(project: Project) -> None:
    spec = v2_spec()
    grid(spec)[1]["spec"]["element"]["name"] = "panel-9"
    output, text = build_one(project, spec)
    line = line_of(text, '"panel-9"')
    assert f"dashboards/v2.json:{line}: error: GridLayoutItem 2 of layout.spec.rows[0]" in output
    assert "refers to element 'panel-9', which elements does not define" in output
    # panel-2 is now in no layout: a warning, at its key
    key_line = line_of(text, '"panel-2": {')
    assert f"dashboards/v2.json:{key_line}: warning: element 'panel-2'" in output
    assert "build failed" in output


def test_duplicate_element_keys_in_the_file(project: Project) -> None:
    spec = v2_spec()
    text = json.dumps(resource(spec), indent=2)
    # the second "panel-1" key replaces the first once parsed: only the text shows it
    text = text.replace('"panel-2": {', '"panel-1": {', 1)
    project.write("dashboards/v2.json", text)
    result = project.cli("build")
    assert result.exit_code == 1
    line = line_of(text, '"panel-1": {')
    assert (
        f"dashboards/v2.json:{line}: error: element key 'panel-1' is written twice" in result.output
    )


def test_duplicate_element_ids(project: Project) -> None:
    spec = v2_spec()
    spec["elements"]["panel-2"]["spec"]["id"] = 1
    output, text = build_one(project, spec)
    line = line_of(text, '"id": 1', occurrence=2)
    expected = f"dashboards/v2.json:{line}: error: element 'panel-2' has spec.id 1, like element"
    assert expected in output


def test_grid_positions(project: Project) -> None:
    spec = v2_spec()
    items = grid(spec)
    items[1]["spec"]["x"] = 20  # 20 + 12 > 24
    items[0]["spec"]["y"] = -1
    items[0]["spec"]["height"] = 2.5
    output, text = build_one(project, spec)
    width, y, height = (
        line_of(text, '"width": 12', 2),
        line_of(text, '"y": -1'),
        line_of(text, '"height": 2.5'),
    )
    assert f":{width}: error: GridLayoutItem 2 of " in output
    assert "x 20 + width 12 reaches past column 24" in output
    assert f":{y}: error: GridLayoutItem 1 of " in output
    assert "y must be a non-negative integer, got -1" in output
    assert f":{height}: error: " in output
    assert "height must be a non-negative integer, got 2.5" in output


def test_layout_kinds_are_checked_at_any_depth(project: Project) -> None:
    spec = v2_spec()
    inner = spec["layout"]["spec"]["rows"][0]["spec"]["layout"]
    tabs = {
        "kind": "TabsLayout",
        "spec": {
            "tabs": [
                {"kind": "TabsLayoutTab", "spec": {"title": "One", "layout": inner}},
                {
                    "kind": "TabsLayoutTab",
                    "spec": {"title": "Two", "layout": {"kind": "FlexLayout", "spec": {}}},
                },
            ]
        },
    }
    spec["layout"]["spec"]["rows"][0]["spec"]["layout"] = tabs
    output, text = build_one(project, spec)
    line = line_of(text, '"FlexLayout"')
    expected = f"dashboards/v2.json:{line}: error: layout.spec.rows[0].spec.layout.spec.tabs[1]"
    assert expected in output
    assert (
        "has kind 'FlexLayout'; a layout is one of GridLayout, RowsLayout, TabsLayout, "
        "AutoGridLayout"
    ) in output


def test_auto_grid_items_and_a_missing_title(project: Project) -> None:
    spec = v2_spec()
    del spec["title"]
    spec["layout"] = {
        "kind": "AutoGridLayout",
        "spec": {
            "maxColumnCount": 3,
            "items": [
                {
                    "kind": "AutoGridLayoutItem",
                    "spec": {"element": {"kind": "ElementReference", "name": name}},
                }
                for name in ("panel-1", "panel-2", "panel-3")
            ],
        },
    }
    output, text = build_one(project, spec)
    assert "error: a v2 dashboard needs a title (a string), got none" in output
    line = line_of(text, '"panel-3"')
    assert f"dashboards/v2.json:{line}: error: AutoGridLayoutItem 3 of layout" in output


def test_a_bare_spec_is_checked_too(project: Project) -> None:
    spec = v2_spec()
    grid(spec)[0]["spec"]["width"] = 30
    output, text = build_one(project, spec, wrap=False)
    line = line_of(text, '"width": 30')
    assert f"dashboards/v2.json:{line}: error: " in output
    assert "width is 30; the grid is 24 columns" in output


def test_jinja_problems_point_at_the_template_line(project: Project) -> None:
    spec = v2_spec()
    grid(spec)[0]["spec"]["element"]["name"] = "{{ missing_panel }}"
    text = json.dumps(resource(spec), indent=2)
    project.write("dashgen.toml", '[vars]\nmissing_panel = "panel-7"\n')
    project.write("dashboards/v2.json.j2", text)
    result = project.cli("build")
    assert result.exit_code == 1
    line = line_of(text, "{{ missing_panel }}")
    assert f"dashboards/v2.json.j2:{line}: error: GridLayoutItem 1 of" in result.output
    assert "refers to element 'panel-7'" in result.output


def test_python_problems_name_the_source(project: Project) -> None:
    spec = copy.deepcopy(v2_spec())
    spec["elements"]["panel-1"]["kind"] = "Widget"
    project.write("dashboards/v2.py", f"# a v2 dict\ndashboard = {resource(spec)!r}\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/v2.py:2: error: element 'panel-1' has kind 'Widget'" in result.output
    assert_no_traceback(result.output)


def test_an_invalid_metadata_name(project: Project) -> None:
    path = project.write("dashboards/v2.json", resource(v2_spec(), name="not a uid!"))
    result = project.cli("build")
    assert result.exit_code == 1
    line = line_of(path.read_text(), '"not a uid!"')
    assert f"dashboards/v2.json:{line}: error: metadata.name: uid 'not a uid!' is invalid" in (
        result.output
    )


def test_integral_floats_in_v2_grid_items_and_ids_build_as_ints(project: Project) -> None:
    """12.0 is 12 (Grafana parses JSON numbers as one number type); 2.5 stays an error."""
    spec = v2_spec()
    items = grid(spec)
    items[0]["spec"]["width"] = float(items[0]["spec"]["width"])
    items[0]["spec"]["y"] = 0.0
    first = next(iter(spec["elements"].values()))
    first["spec"]["id"] = float(first["spec"]["id"])
    output, _text = build_one(project, spec)
    assert "0 errors, 0 warnings" in output, output
    (built,) = [
        doc
        for doc in (json.loads(content) for content in project.outputs().values())
        if isinstance(doc, dict) and "elements" in doc
    ]
    built_items = grid(built)
    assert all(type(built_items[0]["spec"][k]) is int for k in ("x", "y", "width", "height"))
    built_first = next(iter(built["elements"].values()))
    assert type(built_first["spec"]["id"]) is int
