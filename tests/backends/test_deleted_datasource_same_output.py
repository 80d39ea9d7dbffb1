"""An unchanged dashboard whose datasource was deleted from the org since it was published
gets the same output on both APIs: it will not be written, so it is not failed for its
datasources (publish checks what it writes, README "Datasources per org"); a dashboard to
write that references it fails on both with the same sentence. ``diff`` says the same."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from backends_support import Setup, dashboard, make_setup

from dashgen.testing import EmulatorServer

MakeServer = Callable[..., EmulatorServer]
PROMETHEUS = {"type": "prometheus", "uid": "prom-main"}


def _setup(tmp_path: Path, make_server: MakeServer, api: str, count: int) -> Setup:
    setup = make_setup(tmp_path / api, make_server, version="13.0")
    setup.emulator.create_datasource(setup.org_id, "Prometheus", "prometheus", uid="prom-main")
    for index in range(count):
        setup.source(dashboard(f"d{index:02d}", datasource=PROMETHEUS))
    first = setup.publish("--api", api)
    assert first.code == 0 and f"{count} created" in first.stdout, first.output
    admin = setup.emulator.create_service_account_token(setup.org_id, "Admin", name="admin")
    with httpx.Client(base_url=setup.server.url) as client:
        headers = {"Authorization": f"Bearer {admin}"}
        deleted = client.delete("/api/datasources/uid/prom-main", headers=headers)
    deleted.raise_for_status()
    return setup


def _said(text: str) -> list[str]:
    """The lines said, durations blanked; in order of uid (lines stream as dashboards finish)."""
    return sorted(re.sub(r" in [0-9.]+s", " in Ns", text).splitlines())


@pytest.mark.parametrize("count", [3, 40], ids=["small-batch", "listed-batch"])
def test_same_output_on_both_apis(
    tmp_path: Path, make_grafana_server: MakeServer, count: int
) -> None:
    runs = {}
    for api in ("classic", "k8s"):
        setup = _setup(tmp_path, make_grafana_server, api, count)
        unchanged = setup.publish("--api", api)
        diff = setup.diff("--api", api)
        setup.source(dashboard("d01", "Changed", datasource=PROMETHEUS))
        changed = setup.publish("--api", api)
        runs[api] = (unchanged, diff, changed, setup)

    for api, (unchanged, diff, changed, setup) in runs.items():
        assert unchanged.code == 0 and f"{count} unchanged" in unchanged.stdout, (
            api,
            unchanged.output,
        )
        assert diff.code == 0, (api, diff.output)
        assert changed.code == 1 and "failed       apiorg/d01" in changed.stdout, (
            api,
            changed.output,
        )
        assert "'prom-main' (prometheus)" in changed.stderr and "is not in org" in changed.stderr
        assert setup.emulator.dashboard(setup.org_id, "d01").title == "Dashboard d01"
    classic, k8s = runs["classic"], runs["k8s"]
    for index in range(3):
        assert _said(classic[index].stdout) == _said(k8s[index].stdout), index
        assert _said(classic[index].stderr) == _said(k8s[index].stderr), index
