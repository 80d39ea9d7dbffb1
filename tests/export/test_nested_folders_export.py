"""Nested folders from the config (`parent`, `folder_parent`) through the real CLI: the
config's checks (exit 2, key and line), the gcx folder files' parent annotation and the
Git Sync directory tree."""

from __future__ import annotations

import json

from export_support import Project, assert_no_traceback

NESTED = """\
[orgs.ops]
folder = "Platform"
folder_uid = "platform"
folder_parent = "root-f"
[orgs.ops.folders]
"top" = { title = "Top", uid = "t1" }
"sub" = { title = "Sub", uid = "s1", parent = "t1" }
"leaf" = { title = "Leaf", uid = "l1", parent = "s1" }
"""


def _project(project: Project, config: str = NESTED) -> Project:
    project.write("dashgen.toml", config)
    project.dashboard("sub/a.json", "dash-a")
    project.dashboard("leaf/b.json", "dash-b")
    project.dashboard("c.json", "dash-c")
    return project


def test_gcx_folder_files_carry_their_parent(project: Project) -> None:
    result = _project(project).cli("export", "--format", "gcx")
    assert result.exit_code == 0, result.output
    files = project.files("resources")
    folders = {
        path.rsplit("/", 1)[1]: json.loads(text)
        for path, text in files.items()
        if path.startswith("folders.")
    }
    # t1 holds no dashboard: it is exported as the parent of s1, titled by the config
    assert sorted(folders) == ["l1.json", "platform.json", "s1.json", "t1.json"]
    assert folders["s1.json"]["metadata"] == {
        "name": "s1",
        "annotations": {"grafana.app/folder": "t1"},
    }
    assert folders["l1.json"]["metadata"]["annotations"] == {"grafana.app/folder": "s1"}
    assert folders["t1.json"]["metadata"] == {"name": "t1"}
    assert folders["t1.json"]["spec"] == {"title": "Top"}
    assert folders["platform.json"]["metadata"]["annotations"] == {"grafana.app/folder": "root-f"}
    # root-f is known only by its uid: no file (gcx would rename it), it must exist
    assert "folders.v1.folder.grafana.app/root-f.json" not in files
    dashboard = json.loads(files["dashboards.v1.dashboard.grafana.app/dash-b.json"])
    assert dashboard["metadata"]["annotations"]["grafana.app/folder"] == "l1"


def test_git_sync_nests_the_directories(project: Project) -> None:
    result = _project(project).cli("export", "--format", "git-sync")
    assert result.exit_code == 0, result.output
    files = project.files("git-sync")
    assert "t1/s1/dash-a.json" in files
    assert "t1/s1/l1/dash-b.json" in files
    assert "root-f/platform/dash-c.json" in files
    assert json.loads(files["t1/_folder.json"])["spec"] == {"title": "Top"}
    # deterministic: a second export changes nothing
    again = project.cli("export", "--format", "git-sync")
    assert again.exit_code == 0, again.output
    assert project.files("git-sync") == files


def test_a_parent_known_only_by_uid_counts_as_a_level(project: Project) -> None:
    # four mapped levels under a parent the config knows only by uid: five levels
    config = NESTED.replace(
        '"top" = { title = "Top", uid = "t1" }',
        '"top" = { title = "Top", uid = "t1", parent = "far" }',
    )
    config = config.replace(
        '"leaf" = { title = "Leaf", uid = "l1", parent = "s1" }',
        '"leaf" = { title = "Leaf", uid = "l1", parent = "s1" }\n'
        '"deep" = { title = "Deep", uid = "d1", parent = "l1" }',
    )
    _project(project, config)
    project.dashboard("deep/d.json", "dash-d")
    result = project.cli("export", "--format", "git-sync")
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert "'d1' would be nested 5 levels deep (far / t1 / s1 / l1 / d1)" in result.output


def test_config_checks_parents_naming_key_and_line(project: Project) -> None:
    project.write(
        "dashgen.toml",
        """\
[orgs.ops]
folder = "Top"
folder_uid = "top"
folder_parent = "top"
[orgs.ops.folders]
"a" = { title = "A", uid = "a", parent = "b" }
"b" = { title = "B", uid = "b", parent = "a" }
"c" = { title = "C", uid = "c", parent = "d" }
"d" = { title = "D", uid = "d", parent = "e" }
"e" = { title = "E", uid = "e", parent = "f" }
"f" = { title = "F", uid = "f", parent = "g" }
"x" = { title = "X", parent = "not a uid!" }
"y" = { title = "", parent = "t1" }
"z" = { title = "Z", uid = "a", parent = "c" }
""",
    )
    project.dashboard("a/x.json", "dash-x")
    result = project.cli("build")
    assert_no_traceback(result)
    assert result.exit_code == 2
    out = result.output
    assert "line 4: orgs.ops.folder_parent: folder 'top' cannot sit in itself" in out
    assert 'line 6: orgs.ops.folders."a".parent: folders nest in a loop (a -> b -> a)' in out
    assert "loop (b -> a -> b)" not in out  # one loop, one problem
    assert "line 8: orgs.ops.folders.\"c\".parent: folder 'c' would be nested 5 levels" in out
    assert "(g / f / e / d / c); Grafana nests folders at most 4 levels" in out
    assert "line 12: orgs.ops.folders.\"x\".parent 'not a uid!' is not a folder uid" in out
    assert 'line 13: orgs.ops.folders."y".parent: General (the root) sits in no folder' in out
    assert "line 14: orgs.ops.folders.\"z\".parent: folder 'a' is given two parents" in out


def test_four_levels_are_fine_and_unknown_keys_still_refused(project: Project) -> None:
    project.write(
        "dashgen.toml",
        """\
[orgs.ops.folders]
"a" = { title = "A", uid = "a", parent = "b" }
"b" = { title = "B", uid = "b", parent = "c" }
"c" = { title = "C", uid = "c", parent = "d" }
""",
    )
    project.dashboard("a/x.json", "dash-x")
    assert project.cli("build").exit_code == 0
    project.write("dashgen.toml", '[orgs.ops.folders]\n"a" = { title = "A", parnet = "b" }\n')
    result = project.cli("build")
    assert result.exit_code == 2
    assert 'line 2: orgs.ops.folders."a" must be a folder title or' in result.output
