"""Ctrl-C and SIGTERM during `dashgen bootstrap` (``dashgen.cli.interrupt``): exit 130/143,
one sentence saying what was done, and no token left in Grafana that nobody holds.

The real CLI in a process of its own against the emulator over real HTTP. The emulator
runs the held create and then holds its answer (``commit_then_hang``); the signal is sent
once the emulator's state shows the create ran, never after a guessed sleep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from orgs_helpers import CANARY_PASSWORD

from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import TokenStore

MakeServer = Callable[..., EmulatorServer]
ORG = "teamorg"
NO_HANG_S = 60  # a bound on waiting for the process, not a timing
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
WORDS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
BOTH_SIGNALS = pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"]
)


def live_tokens(emu: Emulator) -> list[str]:
    tokens = [t.name for sa in emu.state.service_accounts.values() for t in sa.tokens]
    return tokens + [k.name for k in emu.state.api_keys.values() if not k.revoked]


def interrupted_bootstrap(
    server: EmulatorServer, signum: int, ran: Callable[[], bool], *extra: str
) -> tuple[int, str]:
    return interrupted(server, signum, ran, "bootstrap", ORG, *extra)


def interrupted(
    server: EmulatorServer, signum: int, ran: Callable[[], bool], *command: str
) -> tuple[int, str]:
    """``dashgen *command`` sent ``signum`` once ``ran()``; its exit code and stderr."""
    env = {
        **os.environ,
        "GRAFANA_URL": server.url,
        "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD,
        "NO_COLOR": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dashgen", *command],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(int(NO_HANG_S / 0.02)):
            if ran():
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        else:
            raise AssertionError("the held request never ran")
        process.send_signal(signum)
        out, err = process.communicate(timeout=NO_HANG_S)
    finally:
        if process.poll() is None:
            process.kill()
    output = out + err
    assert "Traceback" not in output and "Aborted!" not in output
    assert CANARY_PASSWORD not in output
    return process.returncode, err


@BOTH_SIGNALS
@pytest.mark.parametrize(
    ("version", "extra", "path"),
    [
        pytest.param("12.0", [], "/api/serviceaccounts/*/tokens", id="service-account"),
        pytest.param("11.2", ["--legacy-api-key"], "/api/auth/keys", id="api-key"),
    ],
)
def test_interrupt_while_a_token_is_minted_deletes_it_and_exits_128_plus_signal(
    make_grafana_server: MakeServer, signum: int, version: str, extra: list[str], path: str
) -> None:
    server = make_grafana_server(version=version, admin_password=CANARY_PASSWORD)
    emu = server.emulator
    emu.faults.add(method="POST", path=path, kind="commit_then_hang", hang_s=NO_HANG_S)

    code, err = interrupted_bootstrap(server, signum, lambda: bool(live_tokens(emu)), *extra)

    assert code == CODES[signum], err
    assert f"interrupted ({WORDS[signum]}) before Grafana answered" in err
    assert "(its key was in the lost answer), so it was deleted; nothing was stored" in err
    assert live_tokens(emu) == []  # not a live token whose key nobody has
    assert TokenStore().get(server.url, ORG) is None


@BOTH_SIGNALS
def test_interrupt_while_the_org_is_created_says_it_exists_and_how_to_finish(
    make_grafana_server: MakeServer, signum: int
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    emu = server.emulator
    emu.faults.add(method="POST", path="/api/orgs", kind="commit_then_hang", hang_s=NO_HANG_S)

    code, err = interrupted_bootstrap(server, signum, lambda: len(emu.state.orgs) == 2)

    assert code == CODES[signum], err
    assert "a re-read shows Grafana created it (id 2), but nothing more was done" in err
    assert f"run `dashgen bootstrap {ORG}` again to finish" in err


@BOTH_SIGNALS
def test_interrupt_while_a_token_is_revoked_says_it_may_be_gone_and_keeps_it_stored(
    make_grafana_server: MakeServer, signum: int
) -> None:
    """`token delete --revoke` (it was click's "Aborted!", exit 1, and it sent a retry after
    the signal): the delete ran but its answer is held when the signal comes."""
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    emu = server.emulator
    env = {**os.environ, "GRAFANA_URL": server.url, "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    made = subprocess.run(
        [sys.executable, "-m", "dashgen", "bootstrap", ORG],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NO_HANG_S,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    path = "/api/serviceaccounts/*/tokens/*"
    emu.faults.add(method="DELETE", path=path, kind="commit_then_hang", hang_s=NO_HANG_S)
    emu.clear_request_log()

    command = ("token", "delete", "--org", ORG, "--revoke")
    code, err = interrupted(server, signum, lambda: not live_tokens(emu), *command)

    assert code == CODES[signum], err
    assert f"interrupted ({WORDS[signum]}) before Grafana answered" in err
    assert "Grafana may have deleted it all the same; it is still in the store" in err
    assert TokenStore().get(server.url, ORG) is not None
    deletes = [e for e in emu.request_log if e.method == "DELETE"]
    assert len(deletes) == 1  # nothing sent after the signal
