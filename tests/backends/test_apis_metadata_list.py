"""The /apis unchanged check from a metadata-only LIST (``dashgen.grafana.k8s_lists``):
dashgen asks for ``PartialObjectMetadataList`` (plain JSON as the fallback); dashboards the
stamps prove unchanged are not read, the others are read in full and compared as before.
Run against a server that serves the transform, one that ignores it (full list) and one
that refuses it (406), in 12.0 and 13.0 modes: the outcome is the same in each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from backends_support import K8S_DASHBOARDS, Setup, dashboard, make_setup

from dashgen.grafana.k8s_lists import FULL_LIST_FROM
from dashgen.testing import EmulatorServer
from dashgen.testing.profiles import profile_for

MakeServer = Callable[..., EmulatorServer]
COUNT = 40  # at least SEARCH_MIN_DASHBOARDS: the batch LISTs instead of reading each one
META = "as=PartialObjectMetadataList"


@pytest.fixture(params=["12.0", "13.0"])
def version(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=["served", "ignored", "refused"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def _published(tmp_path: Path, make_server: MakeServer, version: str, mode: str) -> Setup:
    profile = replace(profile_for(version), apis_metadata_lists=mode)
    setup = make_setup(tmp_path, make_server, version=version, profile=profile)
    for index in range(COUNT):
        setup.source(dashboard(f"d{index:02d}"))
    first = setup.publish("--api", "k8s")
    assert first.code == 0 and f"{COUNT} created" in first.stdout, first.output
    setup.emulator.clear_request_log()
    return setup


def _lists(setup: Setup) -> list[tuple[str | None, int | None]]:
    """(Accept, status) of each dashboard LIST sent."""
    return [(e.accept, e.status) for e in setup.requests("GET", K8S_DASHBOARDS)]


def _gets(setup: Setup) -> int:
    return len(setup.requests("GET", f"{K8S_DASHBOARDS}/*"))


def test_unchanged_republish_lists_metadata_and_reads_nothing_else(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, mode: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version, mode)

    run = setup.publish("--api", "k8s")

    assert run.code == 0 and f"{COUNT} unchanged" in run.stdout, run.output
    lists = _lists(setup)
    assert all(META in (accept or "") for accept, _ in lists[:1])
    if mode == "refused":  # the metadata LIST is refused, then the full one
        assert [status for _, status in lists] == [406, 200]
        assert META not in (lists[1][0] or "")
    else:
        assert [status for _, status in lists] == [200]
    assert _gets(setup) == 0
    # (+1 of them: the choice's check that /apis lists this org's dashboards, a LIST of one)
    assert len(setup.emulator.request_log) <= 5 + (mode == "refused")
    assert not setup.requests("PUT", f"{K8S_DASHBOARDS}/*", dry_runs=True)


def test_a_ui_like_edit_is_found(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, mode: str
) -> None:
    """Saved through /apis with every annotation it read (the stamp stays, generation +1)
    and without dashgen's message: read in full, drifted."""
    setup = _published(tmp_path, make_grafana_server, version, mode)
    with setup.client() as client:
        live = client.get(setup.object_path("d05")).json()
        live["spec"]["title"] = "Edited in the UI"
        del live["metadata"]["annotations"]["grafana.app/message"]
        client.put(setup.object_path("d05"), json=live).raise_for_status()
    setup.emulator.clear_request_log()

    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert "drifted      apiorg/d05" in run.stdout
    assert f"{COUNT - 1} unchanged" in run.stdout
    assert setup.emulator.dashboard(setup.org_id, "d05").title == "Edited in the UI"
    if mode == "served":  # metadata only: the one unproven dashboard is read with a GET
        assert setup.requests("GET", f"{K8S_DASHBOARDS}/d05")


def test_an_edit_through_the_classic_api_is_found(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, mode: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version, mode)
    setup.edit_through_classic_api("d07", "Edited by a person")

    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert "drifted      apiorg/d07" in run.stdout and "not by dashgen" in run.stderr
    assert f"{COUNT - 1} unchanged" in run.stdout
    assert setup.emulator.dashboard(setup.org_id, "d07").title == "Edited by a person"


@pytest.mark.parametrize("lying", [1, FULL_LIST_FROM], ids=["one", "many"])
def test_stamps_that_lie_only_cost_the_full_comparison(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, mode: str, lying: int
) -> None:
    """A stamp naming another generation (a wrong guess, or a tool rewriting dashgen's
    annotations) proves nothing: those dashboards are read in full (one GET each when few,
    the full LIST when many) and found unchanged by the full comparison, not written."""
    setup = _published(tmp_path, make_grafana_server, version, mode)
    with setup.client() as client:
        for index in range(lying):
            path = setup.object_path(f"d{index:02d}")
            live = client.get(path).json()
            live["metadata"]["annotations"]["dashgen/generation"] = "7"
            client.put(path, json=live).raise_for_status()  # same spec: generation kept
    setup.emulator.clear_request_log()

    run = setup.publish("--api", "k8s")

    assert run.code == 0 and f"{COUNT} unchanged" in run.stdout, run.output
    assert not setup.requests("PUT", f"{K8S_DASHBOARDS}/*", dry_runs=True)
    lists = [status for _, status in _lists(setup)]
    if mode == "served":
        assert (lists, _gets(setup)) == (([200], lying) if lying == 1 else ([200, 200], 0))
    else:  # the first LIST was a full one already: nothing more to read
        assert _gets(setup) == 0 and lists == ([406, 200] if mode == "refused" else [200])


def test_a_lying_stamp_over_a_changed_source_is_updated(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, mode: str
) -> None:
    setup = _published(tmp_path, make_grafana_server, version, mode)
    with setup.client() as client:
        live: dict[str, Any] = client.get(setup.object_path("d02")).json()
        live["metadata"]["annotations"]["dashgen/generation"] = "9"
        client.put(setup.object_path("d02"), json=live).raise_for_status()
    setup.source(dashboard("d02", "Changed in the source"))

    run = setup.publish("--api", "k8s")

    assert run.code == 0 and "1 updated" in run.stdout, run.output
    assert setup.emulator.dashboard(setup.org_id, "d02").title == "Changed in the source"
