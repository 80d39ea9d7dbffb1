"""The fast unchanged rule on /apis (``dashgen.publish.stamped``): dashgen stamps the
generation its write gets; while the live generation is that one, the spec is not read. A
person's edit after a dashgen publish, through the classic API or through /apis (keeping
every annotation dashgen wrote, its message included), is found, never taken as unchanged;
the datasource read is skipped only when nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from backends_support import K8S_DASHBOARDS, Setup, dashboard, make_setup

from dashgen.testing import EmulatorServer

MakeServer = Callable[..., EmulatorServer]
COUNT = 40  # at least SEARCH_MIN_DASHBOARDS: the batch LISTs instead of reading each one
PROMETHEUS = {"type": "prometheus", "uid": "prom-main"}


@pytest.fixture(params=["12.0", "13.0"])
def version(request: pytest.FixtureRequest) -> str:
    return request.param


def _published(tmp_path: Path, make_server: MakeServer, version: str, **extra: Any) -> Setup:
    setup = make_setup(tmp_path, make_server, version=version)
    setup.emulator.create_datasource(setup.org_id, "Prometheus", "prometheus", uid="prom-main")
    for index in range(COUNT):
        setup.source(dashboard(f"d{index:02d}", **extra))
    first = setup.publish("--api", "k8s")
    assert first.code == 0 and f"{COUNT} created" in first.stdout, first.output
    return setup


def _read(setup: Setup, uid: str) -> dict[str, Any]:
    with setup.client() as client:
        answer = client.get(setup.object_path(uid))
    answer.raise_for_status()
    return answer.json()


def test_dashgens_writes_carry_the_generation_they_get(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version)
    setup.source(dashboard("d00", "Changed in the source"))
    assert setup.publish("--api", "k8s").code == 0

    created, updated = _read(setup, "d01")["metadata"], _read(setup, "d00")["metadata"]

    assert created["generation"] == 1 and updated["generation"] == 2
    assert created["annotations"]["dashgen/generation"] == "1"
    assert updated["annotations"]["dashgen/generation"] == "2"


def test_unchanged_republish_reads_no_datasource_and_writes_nothing(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version, datasource=PROMETHEUS)
    setup.source(dashboard("d00", "Changed", datasource=PROMETHEUS))
    changed = setup.publish("--api", "k8s")
    assert changed.code == 0 and "1 updated" in changed.stdout, changed.output
    setup.emulator.clear_request_log()

    again = setup.publish("--api", "k8s")

    assert again.code == 0 and f"{COUNT} unchanged" in again.stdout, again.output
    paths = [e.path for e in setup.emulator.request_log]
    assert "/api/datasources" not in paths
    # The org check, the discovery and its check (a LIST of one), one LIST page (metadata
    # only) and, beside it, a look at the publish lock; no write.
    assert paths[:3] == ["/api/org", "/apis", setup.object_path()]
    assert sorted(path.rsplit("/", 1)[-1] for path in paths[3:]) == [
        "dashboards",
        "dashgen-publish-lock",
    ]


def test_a_dashboard_to_write_still_gets_its_datasource_check(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version, datasource=PROMETHEUS)
    setup.source(dashboard("d00", "Changed", datasource={"type": "prometheus", "uid": "gone"}))
    setup.emulator.clear_request_log()

    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert "failed       apiorg/d00" in run.stdout
    assert "'gone'" in run.stderr and "is not in org" in run.stderr
    assert f"{COUNT - 1} unchanged" in run.stdout
    assert [e.path for e in setup.emulator.request_log].count("/api/datasources") == 1
    assert setup.emulator.dashboard(setup.org_id, "d00").title == "Dashboard d00"


def test_a_classic_api_edit_after_a_dashgen_publish_is_found(
    tmp_path: Path, make_grafana_server: MakeServer, version: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version)
    setup.edit_through_classic_api("d07", "Edited by a person")

    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert "drifted      apiorg/d07" in run.stdout
    assert "not by dashgen" in run.stderr
    assert f"{COUNT - 1} unchanged" in run.stdout
    assert setup.emulator.dashboard(setup.org_id, "d07").title == "Edited by a person"


@pytest.mark.parametrize("keeps_message", [True, False], ids=["gcx-like", "ui-like"])
def test_an_apis_edit_keeping_dashgens_annotations_is_found(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, keeps_message: bool
) -> None:
    """Grafana's UI saves through /apis with the metadata it read (the stamp stays) and
    sets or drops the message; a tool doing GET-edit-PUT keeps the message too. The same
    token as dashgen's: nothing but the generation tells the edit apart."""
    setup = _published(tmp_path, make_grafana_server, version)
    live = _read(setup, "d03")
    live["spec"]["title"] = "Edited through /apis"
    if not keeps_message:
        del live["metadata"]["annotations"]["grafana.app/message"]
    with setup.client() as client:
        client.put(setup.object_path("d03"), json=live).raise_for_status()
    annotations = _read(setup, "d03")["metadata"]["annotations"]
    assert annotations["dashgen/generation"] == "1"  # left behind: now names an old one
    assert ("grafana.app/message" in annotations) is keeps_message
    puts_before = len(setup.requests("PUT", f"{K8S_DASHBOARDS}/d03"))

    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert "drifted      apiorg/d03" in run.stdout
    assert f"{COUNT - 1} unchanged" in run.stdout
    assert setup.emulator.dashboard(setup.org_id, "d03").title == "Edited through /apis"
    assert len(setup.requests("PUT", f"{K8S_DASHBOARDS}/d03")) == puts_before
