"""The transport's one thread under load, over real HTTP: many callers on a small pool,
reads handed over together, answers dropped, delayed and refused, the exchanges in flight
cut again and again (an interrupt's grace ending) and idle connections closed by the
server. Every request must end with its own answer or its own error, none waiting past its
bounds (a lost exchange is logged as one)."""

from __future__ import annotations

import logging
import random
import threading
import time

import pytest
from scenario import BACKEND_MODES

from dashgen.errors import DashgenError, NotFoundError
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.grafana.read_ahead import NotReadAhead
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer

CALLERS, REQUESTS_EACH, READERS = 16, 40, 4
ONE_MODE = [mode for mode in BACKEND_MODES if mode.api == "classic"][:1]  # (the same for all)


@pytest.mark.parametrize("backend_mode", ONE_MODE, ids=lambda mode: mode.name)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_exchange_ends_with_its_own_outcome_under_cuts_and_closes(
    seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = Emulator(latency_ms=1, seed=seed)
    org_id = emulator.create_org("stress")
    token = emulator.create_service_account_token(org_id, "Editor")
    for kind, extra in (("drop", {}), ("delay", {"delay_ms": 30}), ("status", {"status": 503})):
        emulator.faults.add(None, None, kind=kind, times=None, probability=0.1, **extra)
    outcomes: list[str] = []
    wrong: list[object] = []
    with EmulatorServer(emulator) as server, caplog.at_level(logging.WARNING):
        client = GrafanaClient(server.url, token=Secret(token), retry=NO_RETRY, max_connections=4)
        transport = client.sender.transport
        assert transport is not None
        finished = threading.Event()

        def caller() -> None:
            for _ in range(REQUESTS_EACH):
                try:
                    body = client.get("/api/org")
                except DashgenError:
                    outcomes.append("error")
                    continue
                if body.get("name") != "stress":
                    wrong.append(body)
                outcomes.append("answer")

        def reader(number: int) -> None:
            rng = random.Random(seed * 100 + number)
            paths = [f"/api/dashboards/uid/r{number}-{n}" for n in range(30)]
            ahead = client.read_ahead(paths)
            assert ahead is not None
            for path in rng.sample(paths, 15):
                try:
                    ahead.take(path)
                except NotFoundError:
                    outcomes.append("absent")
                except (NotReadAhead, DashgenError):
                    outcomes.append("error")
            ahead.close()

        def chaos() -> None:
            rng = random.Random(seed)
            while not finished.is_set():
                time.sleep(rng.uniform(0.001, 0.02))
                if rng.random() < 0.6:
                    transport.cut_before(time.monotonic())  # type: ignore[attr-defined]
                else:
                    server.close_idle_connections()

        threads = [threading.Thread(target=caller) for _ in range(CALLERS)]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        disorder = threading.Thread(target=chaos)
        disorder.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        finished.set()
        disorder.join()
        stuck = [thread for thread in threads if thread.is_alive()]
        client.close()

    assert not stuck
    assert len(outcomes) == CALLERS * REQUESTS_EACH + READERS * 15
    assert "answer" in outcomes and not wrong
    assert "lost an exchange" not in caplog.text
