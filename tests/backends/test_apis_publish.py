"""What only the /apis backend does: Git Sync's dashboards are never written, ``--dry-run``
asks the server (``?dryRun=All``), and an unchanged republish is one LIST per 500."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from backends_support import K8S_DASHBOARDS, dashboard, make_setup

from dashgen.testing import EmulatorServer

MakeServer = Callable[..., EmulatorServer]


@pytest.fixture(params=["12.0", "13.0"])
def version(request: pytest.FixtureRequest) -> str:
    return request.param


def test_a_dashboard_git_sync_manages_is_never_written(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    setup.source(dashboard("synced"))
    setup.source(dashboard("ours"))
    assert setup.publish("--api", "k8s").code == 0
    setup.emulator.manage_by_repository(setup.org_id, "synced", "infra-repo")
    setup.source(dashboard("synced", "Changed in the source"))
    setup.source(dashboard("ours", "Ours, changed"))
    writes_before = len(setup.requests("PUT", f"{K8S_DASHBOARDS}/*", dry_runs=True))

    run = setup.publish("--api", "k8s")
    diff = setup.diff("--api", "k8s")
    expected = setup.publish("--api", "k8s", "--skip-managed")

    assert run.code == 1, run.output
    assert "skipped      apiorg/synced" in run.stdout
    assert "managed by Git Sync repository 'infra-repo'" in run.stderr
    assert "--skip-managed" in run.stderr
    assert "updated      apiorg/ours" in run.stdout
    assert diff.code == 1 and "skipped" in diff.stdout
    assert expected.code == 0, expected.output
    assert "managed by Git Sync repository 'infra-repo'" in expected.stdout  # said, not failed
    # Nothing was ever sent for it, not even a dry run: only "ours" was written.
    puts = setup.requests("PUT", f"{K8S_DASHBOARDS}/*", dry_runs=True)[writes_before:]
    assert {e.path.rsplit("/", 1)[-1] for e in puts} == {"ours"}
    assert setup.emulator.dashboard(setup.org_id, "synced").title == "Dashboard synced"


def test_dry_run_says_which_writes_grafana_would_refuse_and_stores_nothing(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    """A folder Git Sync keeps takes no dashboard from anyone else: only the server knows."""
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    folder = setup.emulator.create_folder(setup.org_id, "Synced", uid="synced")
    setup.emulator.manage_by_repository(setup.org_id, folder, "infra-repo")
    config = setup.root / "dashgen.toml"
    config.write_text(
        config.read_text()
        + '\n[orgs.apiorg.folders]\n"team" = { title = "Synced", uid = "synced" }\n'
    )
    setup.source(dashboard("fine"))
    setup.source(dashboard("into-synced"), subdirectory="team")

    run = setup.publish("--api", "k8s", "--dry-run")

    assert run.code == 1, run.output
    assert "would-create apiorg/fine" in run.stdout
    assert "failed       apiorg/into-synced" in run.stdout
    assert "would be refused: Grafana's dry run of saving dashboard" in run.stderr
    dry = setup.requests("POST", K8S_DASHBOARDS, dry_runs=True)
    assert len(dry) == 2 and all(e.query == "dryRun=All" for e in dry)
    assert setup.emulator.dashboards(setup.org_id) == []
    assert [e for e in setup.emulator.request_log if e.method == "POST" and not e.query] == []


def test_a_viewer_token_is_told_by_the_dry_run(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, role="Viewer", version=version)
    setup.source(dashboard("a"))

    run = setup.publish("--api", "k8s", "--dry-run")

    assert run.code == 1, run.output
    assert "would be refused" in run.stderr and "Editor or Admin role" in run.stderr
    assert setup.emulator.dashboards(setup.org_id) == []


def test_an_unchanged_republish_is_one_list_per_500_dashboards(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    for index in range(520):
        setup.source(dashboard(f"d{index:03d}"))
    first = setup.publish("--api", "k8s")
    assert first.code == 0 and "520 created" in first.stdout, first.output
    setup.emulator.clear_request_log()

    again = setup.publish("--api", "k8s")

    assert again.code == 0 and "520 unchanged" in again.stdout, again.output
    sent = [(e.method, e.path, e.query) for e in setup.emulator.request_log]
    lists = [q for m, p, q in sent if m == "GET" and p.endswith("/dashboards")]
    assert lists[0] == "limit=1"  # the choice's check that /apis lists this org's dashboards
    lists = lists[1:]
    assert len(lists) == 2 and all("limit=500" in q for q in lists)  # 2 pages of 500
    assert "continue=" in lists[1]
    # ceil(520 / 500) + 4: the org check, the discovery and its check (a LIST of one), a
    # look at the publish lock (is another publisher running?), the two pages. No
    # datasource is referenced here; the folder is known from the listed dashboards; no
    # write, so no lock taken.
    others = [p.rsplit("/", 1)[-1] for _, p, _ in sent if not p.endswith("/dashboards")]
    assert others == ["org", "apis", "dashgen-publish-lock"]
    assert len(sent) == 2 + 4


def test_a_schema_v2_dashboard_is_not_flattened_without_force(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    """Saved from Grafana 13's editor as v2 (tabs, auto grids): a v1 write would lose them."""
    setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    spec = {
        "title": "Dashboard a",
        "elements": {},
        "layout": {"kind": "GridLayout", "spec": {"items": []}},
    }
    setup.emulator.save_resource(setup.org_id, "a", spec, api_version="v2", folder_uid=None)
    setup.source(dashboard("a"))

    run = setup.publish("--api", "k8s")
    forced = setup.publish("--api", "k8s", "--force")

    assert run.code == 1, run.output
    assert "drifted      apiorg/a" in run.stdout
    assert "stored in Grafana as a schema v2 dashboard" in run.stderr and "--force" in run.stderr
    assert forced.code == 0, forced.output
    note = "stored as v2 in Grafana; this build has v1: publishing replaces its layout"
    assert f"updated ({note}) apiorg/a" in forced.stdout
    assert len(setup.requests("PUT", f"{K8S_DASHBOARDS}/a")) == 1  # only the forced write
