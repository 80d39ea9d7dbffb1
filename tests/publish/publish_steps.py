"""Steps the whole-project publish tests (the shared corpus, tests/fixtures/real) share:
after a publish, ``diff`` and a dry run find nothing to change and write nothing; one
source edited gives exactly one write. ``published`` is such a test's ``Published``: its
``cli``, ``publish`` (the test's orgs) and ``events``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from publish_support import posts, stored_writes

from dashgen.testing import Emulator


def nothing_to_change(published: Any, emulator: Emulator, orgs: Sequence[str]) -> None:
    flags = [flag for org in orgs for flag in ("--org", org)]
    diff = published.cli("diff", *flags, "--grafana-url", published.server.url, "--output", "json")
    assert diff.code == 0, diff.output
    assert {r["status"] for r in diff.json_lines() if "uid" in r} == {"unchanged"}, diff.stdout
    dry = published.publish("--dry-run", "--output", "json")
    assert dry.code == 0, dry.output
    assert {e["action"] for e in published.events(dry).values()} == {"unchanged"}
    assert stored_writes(emulator) == []


def one_edit_one_write(published: Any, emulator: Emulator, source: Path) -> None:
    document = json.loads(source.read_text())
    document["title"] += " (edited)"
    source.write_text(json.dumps(document))
    emulator.clear_request_log()
    edited = published.publish("--output", "json")
    assert edited.code == 0, edited.output
    actions = [e["action"] for e in published.events(edited).values()]
    assert sorted(set(actions)) == ["unchanged", "updated"] and actions.count("updated") == 1
    assert len(posts(emulator)) == 1, [(e.method, e.path) for e in posts(emulator)]
