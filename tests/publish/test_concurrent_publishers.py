"""Issue 11, two publishers at once: two real `dashgen publish` processes started together
against one real Grafana emulator (HTTP on 127.0.0.1), 200 dashboards, three trials per
variant. The outcome is the same in every trial and the output explains it:

- same content: both exit 0, every dashboard has exactly one version; whichever publisher
  came second says "unchanged (published concurrently)" for each dashboard;
- different content: one publisher's content is in every dashboard, with exactly one
  version each; the other exits 1 and names, for every dashboard, the version and the
  message of the write it left alone ("written by another publisher during this run").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from publish_support import ORG, issued, on_k8s

from bench_synth import synth
from dashgen.model.normalize import content_hash
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.wire import Request, Response
from dashgen.tokens import env_var_name

COUNT = 200
TRIALS = 3
# Each answer takes a few ms, as a real Grafana's do, so two publishers overlap.
LATENCY_MS = 10
DASHGEN = (sys.executable, "-m", "dashgen")
# How long a publisher's first request waits for the other publisher's (start-up under load).
START_TOGETHER_S = 60


class StartTogether(Emulator):
    """An emulator that holds each publisher's first request until both publishers have
    sent one (told apart by their tokens), so the two runs overlap however slowly each
    process starts on a loaded machine; after that it answers as any emulator does."""

    def __init__(self, publishers: int, latency_ms: float) -> None:
        super().__init__(latency_ms=latency_ms)
        self._publishers = publishers
        self._seen: set[str] = set()
        self._arrived = threading.Condition()

    def handle(self, request: Request) -> Response:
        who = request.header("authorization") or ""
        with self._arrived:
            if who and who not in self._seen and len(self._seen) < self._publishers:
                self._seen.add(who)
                self._arrived.notify_all()
            self._arrived.wait_for(
                lambda: len(self._seen) >= self._publishers, timeout=START_TOGETHER_S
            )
        return super().handle(request)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three built projects: ``a``; ``a2``, a copy of it; ``b``, the same uids with other
    content (as a second branch would have)."""
    base = tmp_path_factory.mktemp("publishers")
    a = base / "a"
    synth().make_project(a, COUNT, kinds=("json",), orgs=(ORG,))
    shutil.copytree(a, base / "a2")
    shutil.copytree(a, base / "b")
    for path in (base / "b" / "dashboards" / "json").glob("*.json"):
        document = json.loads(path.read_text())
        document["title"] += " (branch b)"
        path.write_text(json.dumps(document, indent=2))
    projects = {"a": a, "a2": base / "a2", "b": base / "b"}
    for root in projects.values():
        built = subprocess.run(
            [sys.executable, "-m", "dashgen", "-C", str(root), "build"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert built.returncode == 0, built.stdout + built.stderr
    return projects


def _environment(token: str, store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env["DASHGEN_API"] = os.environ.get("DASHGEN_API", "auto")
    env.update({env_var_name(ORG): token, "DASHGEN_TOKEN_STORE": str(store)})
    return env


def _publish_together(
    server: EmulatorServer, roots: tuple[Path, Path], tokens: tuple[str, str], store: Path
) -> list[Outcome]:
    processes = [
        subprocess.Popen(
            [*DASHGEN, "-C", str(root), "publish", "--org", ORG, "--grafana-url", server.url],
            env=_environment(token, store),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for root, token in zip(roots, tokens, strict=True)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        outcomes.append(Outcome(process.returncode, out, err))
    return outcomes


def _trial(
    projects: dict[str, Path], tmp_path: Path, second: str
) -> tuple[Emulator, list[Outcome]]:
    emulator = StartTogether(publishers=2, latency_ms=LATENCY_MS)
    org_id = emulator.create_org(ORG)
    # The synthetic dashboards' `datasource` variable needs a prometheus datasource (publish
    # checks that the org has what the dashboards reference).
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid=f"prom-{ORG}")
    tokens = (
        issued(emulator.create_service_account_token(org_id, "Editor", name="ci-main")),
        issued(emulator.create_service_account_token(org_id, "Editor", name="ci-branch")),
    )
    with EmulatorServer(emulator) as server:
        outcomes = _publish_together(
            server, (projects["a"], projects[second]), tokens, tmp_path / "store.json"
        )
    for outcome in outcomes:
        assert "Traceback" not in outcome.stderr
        for token in tokens:
            assert token not in outcome.stdout + outcome.stderr
    return emulator, outcomes


def _lines(outcome: Outcome, label: str) -> list[str]:
    return [line for line in outcome.stdout.splitlines() if line.startswith(label)]


def _expected_hashes(root: Path, schema_latest: int = 0) -> dict[str, str]:
    """Each dashboard's content hash as Grafana stores the build: on /apis its v1 writes are
    migrated to ``schema_latest`` (the emulator stamps the schemaVersion, nothing more)."""
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    if not on_k8s():
        return {entry["uid"]: entry["content_hash"] for entry in manifest["dashboards"]}
    hashes = {}
    for path in (root / "build").rglob("*.json"):
        document = json.loads(path.read_text())
        if path.name == "manifest.json" or "uid" not in document:
            continue
        document["schemaVersion"] = max(int(document.get("schemaVersion") or 0), schema_latest)
        hashes[document["uid"]] = content_hash(document)
    return hashes


def test_same_content_both_succeed_with_one_version_each(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    shapes = set()
    for _ in range(TRIALS):
        emulator, outcomes = _trial(projects, tmp_path, "a2")
        org_id = emulator.org_id_by_name(ORG)
        stored = emulator.dashboards(org_id)
        assert len(stored) == COUNT
        assert all(len(emulator.versions(org_id, d.uid)) == 1 for d in stored)
        assert [o.code for o in outcomes] == [0, 0], [o.stderr for o in outcomes]
        first, second = sorted(outcomes, key=lambda o: len(_lines(o, "created")), reverse=True)
        assert len(_lines(first, "created ")) == COUNT
        concurrently = _lines(second, "unchanged (published concurrently) ")
        assert len(concurrently) == COUNT
        assert "another dashgen publish" in second.stderr
        assert "dashgen-publish-lock" not in emulator.folder_uids(org_id)  # handed back
        shapes.add((tuple(o.code for o in outcomes), len(concurrently)))
    assert shapes == {((0, 0), COUNT)}  # the same outcome in every trial


def test_different_content_one_wins_whole_the_other_names_every_write_it_left(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    latest = Emulator().profile.schema_latest
    hashes = {
        "a": _expected_hashes(projects["a"], latest),
        "b": _expected_hashes(projects["b"], latest),
    }
    shapes = set()
    for _ in range(TRIALS):
        emulator, outcomes = _trial(projects, tmp_path, "b")
        org_id = emulator.org_id_by_name(ORG)
        codes = [o.code for o in outcomes]
        assert sorted(codes) == [0, 1], [o.stdout[-500:] + o.stderr for o in outcomes]
        winner = "a" if codes[0] == 0 else "b"
        loser = outcomes[codes.index(1)]
        for dashboard in emulator.dashboards(org_id):
            assert len(emulator.versions(org_id, dashboard.uid)) == 1
            assert content_hash(dashboard.data) == hashes[winner][dashboard.uid]
        assert len(emulator.dashboards(org_id)) == COUNT
        left_alone = re.findall(
            r"written by another publisher during this run \(version 1, message 'dashgen "
            r"[0-9a-f]{16}[^']*'\)",
            loser.stdout + loser.stderr,
        )
        # Each dashboard's reason is said once, in the "Not published" list (its event line
        # says only "failed").
        assert len(left_alone) == COUNT
        assert f"{COUNT} failed" in loser.stdout
        assert "another dashgen publish" in loser.stderr
        shapes.add((tuple(sorted(codes)), len(left_alone)))
    assert shapes == {((0, 1), COUNT)}
