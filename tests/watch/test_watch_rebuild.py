"""watch over a real temporary project: each save rebuilds exactly what it affects."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from watch_helpers import WatchRun, jinja_source, mtimes, output, view_json

from dashgen.cli.watch_text import format_status
from dashgen.watch.status import StatusKind, WatchStatus

StartWatch = Callable[..., WatchRun]
ALL_UIDS = {"alpha", "beta", "svc-one", "svc-two", "plain", "py-dash"}


def built_with(uid: str) -> Callable[[WatchStatus], bool]:
    return lambda s: s.kind == StatusKind.BUILT and uid in s.rebuilt_names


def rebuilt_since(run: WatchRun, mark: int) -> set[str]:
    return {name for status in run.statuses[mark:] for name in status.rebuilt_names}


def test_the_initial_build_builds_everything(project: Path, start_watch: StartWatch) -> None:
    run = start_watch(project)

    initial = run.statuses[0]
    assert initial.kind == StatusKind.BUILT and initial.initial
    assert set(initial.rebuilt_names) == ALL_UIDS
    assert all(output(project, uid).is_file() for uid in ALL_UIDS)


def test_an_edit_to_one_source_rebuilds_only_that_dashboard(
    project: Path, start_watch: StartWatch
) -> None:
    run = start_watch(project)
    before = mtimes(project / "build" / "_default")
    mark = run.mark()

    (project / "dashboards" / "alpha.json").write_text(view_json("alpha", "Alpha v2"))

    status = run.wait_for(built_with("alpha"), after=mark)
    assert json.loads(output(project, "alpha").read_text())["title"] == "Alpha v2"
    assert rebuilt_since(run, mark) == {"alpha"}
    after = mtimes(project / "build" / "_default")
    assert {name for name, mtime in before.items() if after[name] != mtime} == {"alpha.json"}
    assert status.changed == (Path("dashboards/alpha.json"),)
    head = format_status(status)[0]
    assert "rebuilt 1 dashboard (alpha)" in head and " ms " in head and "0 errors" in head


def test_a_macro_change_rebuilds_exactly_its_users(project: Path, start_watch: StartWatch) -> None:
    run = start_watch(project)
    mark = run.mark()

    macro = project / "templates" / "panels.j2"
    macro.write_text(macro.read_text().replace('"type": "stat"', '"type": "gauge"'))

    run.wait_for(lambda s: s.kind == StatusKind.BUILT and bool(s.rebuilt_names), after=mark)
    assert rebuilt_since(run, mark) == {"svc-one", "svc-two"}
    for uid in ("svc-one", "svc-two"):
        assert json.loads(output(project, uid).read_text())["panels"][0]["type"] == "gauge"


def test_a_new_source_in_a_new_subfolder_is_built(project: Path, start_watch: StartWatch) -> None:
    run = start_watch(project)
    mark = run.mark()

    folder = project / "dashboards" / "team" / "payments"
    folder.mkdir(parents=True)
    (folder / "gamma.json").write_text(view_json("gamma", "Gamma"))
    (folder / "delta.json.j2").write_text(jinja_source("delta", uses_macro=True))

    run.wait_for(built_with("gamma"), after=mark)
    run.wait_for(built_with("delta"), after=mark)
    assert json.loads(output(project, "gamma").read_text())["title"] == "Gamma"
    assert rebuilt_since(run, mark) == {"gamma", "delta"}


def test_a_deleted_source_removes_its_output(project: Path, start_watch: StartWatch) -> None:
    run = start_watch(project)
    mark = run.mark()
    beta_output = output(project, "beta")
    assert beta_output.is_file()

    (project / "dashboards" / "beta.json").unlink()

    run.wait_for(
        lambda s: s.kind == StatusKind.BUILT and beta_output in s.result.removed, after=mark
    )
    assert not beta_output.exists()
    assert output(project, "alpha").is_file()


def test_a_broken_save_keeps_the_last_output_and_the_fix_recovers(
    project: Path, start_watch: StartWatch
) -> None:
    run = start_watch(project)
    alpha = project / "dashboards" / "alpha.json"
    good_output = output(project, "alpha").read_bytes()
    mark = run.mark()

    alpha.write_text('{\n  "uid": "alpha",\n  "title": "Alpha",\n  "panels": [\n')

    failed = run.wait_for(lambda s: s.kind == StatusKind.FAILED, after=mark)
    lines = format_status(failed)
    assert "build failed" in lines[0] and "1 error" in lines[0]
    assert any(re.search(r"alpha\.json:\d+", line) for line in lines[1:]), lines
    assert output(project, "alpha").read_bytes() == good_output

    mark = run.mark()
    alpha.write_text(view_json("alpha", "Alpha fixed"))

    recovered = run.wait_for(built_with("alpha"), after=mark)
    assert recovered.recovered
    assert format_status(recovered)[0].split("] ", 1)[1].startswith("recovered:")
    assert json.loads(output(project, "alpha").read_text())["title"] == "Alpha fixed"


def test_a_python_helper_change_takes_effect_without_a_restart(
    project: Path, start_watch: StartWatch
) -> None:
    run = start_watch(project)
    mark = run.mark()

    (project / "dashboards" / "lib" / "helper.py").write_text('PANEL_TITLE = "helper v2"\n')

    run.wait_for(built_with("py-dash"), after=mark)
    assert json.loads(output(project, "py-dash").read_text())["panels"][0]["title"] == "helper v2"
    assert rebuilt_since(run, mark) == {"py-dash"}


def test_a_config_change_rebuilds_and_a_broken_config_keeps_the_last_good_one(
    project: Path, start_watch: StartWatch
) -> None:
    run = start_watch(project)
    config = project / "dashgen.toml"
    mark = run.mark()

    config.write_text('[vars]\nprometheus_uid = "thanos"\n')

    reloaded = run.wait_for(lambda s: s.kind == StatusKind.BUILT and s.config_reloaded, after=mark)
    assert {"svc-one", "svc-two"} <= set(reloaded.rebuilt_names)
    assert "thanos" in output(project, "svc-one").read_text()

    mark = run.mark()
    config.write_text('[vars]\nprometheus_uid = "thanos"\n[pathz]\n')
    config_error = run.wait_for(lambda s: s.kind == StatusKind.CONFIG_ERROR, after=mark)
    assert "pathz" in config_error.message

    mark = run.mark()
    (project / "dashboards" / "svc_one.json.j2").write_text(
        jinja_source("svc-one", uses_macro=True).replace("requests on", "calls on")
    )
    run.wait_for(built_with("svc-one"), after=mark)
    assert "calls on thanos" in output(project, "svc-one").read_text()

    mark = run.mark()
    config.write_text('[vars]\nprometheus_uid = "thanos"\n')
    run.wait_for(lambda s: s.kind == StatusKind.BUILT and s.config_reloaded, after=mark)


def test_a_config_that_moves_the_sources_folder_moves_the_watch(
    project: Path, start_watch: StartWatch
) -> None:
    run = start_watch(project)
    moved = project / "team-dashboards"
    moved.mkdir()
    (moved / "omega.json").write_text(view_json("omega", "Omega"))
    mark = run.mark()

    (project / "dashgen.toml").write_text('[paths]\nsources = "team-dashboards"\n')

    run.wait_for(lambda s: s.kind == StatusKind.WATCHING, after=mark)
    assert output(project, "omega").is_file()
    assert not output(project, "alpha").exists()

    mark = run.mark()
    (moved / "omega.json").write_text(view_json("omega", "Omega v2"))
    run.wait_for(built_with("omega"), after=mark)
    assert json.loads(output(project, "omega").read_text())["title"] == "Omega v2"


def test_a_templates_folder_created_while_watching_is_watched(
    project: Path, start_watch: StartWatch
) -> None:
    templates = project / "templates"
    macro_text = (templates / "panels.j2").read_text()
    (templates / "panels.j2").unlink()
    templates.rmdir()
    run = start_watch(project)
    assert run.statuses[0].kind == StatusKind.FAILED  # svc-one and svc-two need the macro
    mark = run.mark()

    templates.mkdir()
    (templates / "panels.j2").write_text(macro_text)

    recovered = run.wait_for(built_with("svc-one"), after=mark)
    assert recovered.recovered
    mark = run.mark()
    (templates / "panels.j2").write_text(macro_text.replace('"type": "stat"', '"type": "gauge"'))
    run.wait_for(built_with("svc-two"), after=mark)
    assert json.loads(output(project, "svc-two").read_text())["panels"][0]["type"] == "gauge"


def test_a_source_saved_under_a_name_that_is_not_utf8_fails_as_a_build_does(
    project: Path, start_watch: StartWatch
) -> None:
    """(Its name cannot be recorded: the build refuses it, naming it; watch took it in.)"""
    run = start_watch(project)
    good_output = output(project, "alpha").read_bytes()
    mark = run.mark()
    name = os.fsencode(project / "dashboards") + b"/caf\xe9.json"
    with open(name, "wb") as out:
        out.write(view_json("cafe", "Cafe").encode())

    failed = run.wait_for(lambda s: s.kind == StatusKind.FAILED, after=mark)
    lines = format_status(failed)
    assert any("caf\\xe9.json" in line and "not UTF-8" in line for line in lines), lines
    assert output(project, "alpha").read_bytes() == good_output

    mark = run.mark()
    os.unlink(name)
    run.wait_for(lambda s: s.kind == StatusKind.BUILT, after=mark)
