"""dashgen's own client and the gzipped /apis answers (``dashgen.testing.k8s_wire``): k8s gzips
an answer over 128 KiB when the client accepts gzip, which dashgen's httpx client does
(``Accept-Encoding: gzip, deflate``, over ``dashgen.grafana.transport``). A republish that
reads a large full LIST then decodes it and finds every dashboard unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from backends_support import K8S_DASHBOARDS, dashboard, make_setup

from dashgen.testing import EmulatorServer
from dashgen.testing.profiles import profile_for

COUNT = 40


def _big(uid: str) -> dict:
    panels = [
        {
            "id": n,
            "type": "text",
            "title": f"Panel {n} " * 20,
            "gridPos": {"h": 4, "w": 6, "x": 0, "y": n * 4},
        }
        for n in range(1, 13)
    ]
    return dashboard(uid, panels=panels)


def test_a_gzipped_full_list_is_read_by_dashgen(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer]
) -> None:
    # A server that ignores the metadata-only ``as=``: the unchanged check reads the full LIST.
    profile = replace(profile_for("13.0"), apis_metadata_lists="ignored")
    setup = make_setup(tmp_path, make_grafana_server, version="13.0", profile=profile)
    for index in range(COUNT):
        setup.source(_big(f"d{index:02d}"))
    first = setup.publish("--api", "k8s")
    assert first.code == 0 and f"{COUNT} created" in first.stdout, first.output
    setup.emulator.clear_request_log()

    run = setup.publish("--api", "k8s")

    assert run.code == 0 and f"{COUNT} unchanged" in run.stdout, run.output
    lists = setup.requests("GET", K8S_DASHBOARDS)
    assert [(e.status, e.encoding) for e in lists] == [(200, "gzip")]
