"""`[orgs.<org>.folders]` (a folder per source directory) and `dashgen.pulled.json`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from adopt_support import Project, dashboard

from dashgen.build import build
from dashgen.config import load_config
from dashgen.errors import ConfigError
from dashgen.publish.pulled import (
    PULLED_FILE_NAME,
    PulledDashboard,
    read_pulled,
    record_pulled,
    was_pulled,
)

FOLDERS = """\
[orgs.apiorg]
folder = "Platform"

[orgs.apiorg.folders]
"team-a" = "Team A"
"team-a/db" = { title = "Databases", uid = "db-uid" }
"legacy" = { title = "" }
"""


def test_sources_go_to_the_folder_of_their_deepest_directory(project: Project) -> None:
    project.config(FOLDERS)
    for name, uid in [
        ("top.json", "top"),
        ("team-a/a.json", "a"),
        ("team-a/db/pg.json", "pg"),
        ("team-a/x/deep.json", "deep"),
        ("legacy/old.json", "old"),
    ]:
        project.write(f"dashboards/{name}", dashboard(uid))
    result = build(load_config(project.root))
    assert result.ok, [str(p) for p in result.errors]
    folders = {d.uid: (d.folder, d.target_folder_uid) for d in result.dashboards}
    assert folders == {
        "top": ("Platform", "platform"),
        "a": ("Team A", "team-a"),
        "deep": ("Team A", "team-a"),
        "pg": ("Databases", "db-uid"),
        "old": (None, None),
    }


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('"../x" = "X"', "must be a directory under the sources dir"),
        ('"a" = 3', "must be a folder title or"),
        ('"a" = { title = "A", colour = "red" }', "must be a folder title or"),
        ('"a" = { title = 1 }', "title, uid and parent must be strings"),
    ],
)
def test_bad_folders_settings_name_the_key(project: Project, table: str, said: str) -> None:
    project.config(f"[orgs.apiorg.folders]\n{table}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(project.root)
    assert "orgs.apiorg.folders." in str(raised.value) and said in str(raised.value)


def _record(version: int = 3) -> PulledDashboard:
    return PulledDashboard("apiorg", "svc", version, "ab" * 32, "dashboards/apiorg/svc.json")


def test_the_record_round_trips_and_is_canonical_json(tmp_path: Path) -> None:
    path = record_pulled(tmp_path, [_record()])
    assert path == tmp_path / PULLED_FILE_NAME
    document = json.loads(path.read_text())
    assert document["format"] == 1 and "Commit this file" in document["about"]
    assert read_pulled(tmp_path)[("apiorg", "svc")] == _record()
    assert was_pulled(tmp_path, "apiorg", "svc", 3, "ab" * 32)
    assert not was_pulled(tmp_path, "apiorg", "svc", 4, "ab" * 32)  # saved again since
    assert not was_pulled(tmp_path, "apiorg", "svc", 3, "cd" * 32)  # other content
    assert not was_pulled(tmp_path, "otherorg", "svc", 3, "ab" * 32)
    record_pulled(tmp_path, [_record(5)])
    assert was_pulled(tmp_path, "apiorg", "svc", 5, "ab" * 32)  # the cache sees the change


def test_a_broken_record_is_no_proof_and_stops_pull(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / PULLED_FILE_NAME).write_text("{ not json")
    with caplog.at_level(logging.WARNING, logger="dashgen"):
        assert not was_pulled(tmp_path, "apiorg", "svc", 3, "ab" * 32)
    assert "ignored" in caplog.text
    with pytest.raises(ConfigError) as raised:
        record_pulled(tmp_path, [_record()])
    assert PULLED_FILE_NAME in str(raised.value) and "restore it from git" in str(raised.value)
    assert (tmp_path / PULLED_FILE_NAME).read_text() == "{ not json"
