"""A build worker's watchdog stays armed from job to job (arming starts a thread and
disarming joins it, dearer than a small source's compile), never lets a compile start
with less than its limit ahead, and never stays armed while the worker waits for work.

The clock and faulthandler are stand-ins here: nothing waits or is timed."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from dashgen.build.workers import serve


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """What the watchdog asked of faulthandler: ("arm", seconds) and ("cancel", 0)."""
    seen: list[tuple[str, float]] = []
    fake = SimpleNamespace(
        dump_traceback_later=lambda timeout, exit, file: seen.append(("arm", timeout)),
        cancel_dump_traceback_later=lambda: seen.append(("cancel", 0.0)),
    )
    monkeypatch.setattr(serve, "faulthandler", fake)
    return seen


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(serve, "time", clock)
    return clock


@pytest.fixture
def watchdog() -> Iterator[serve._Watchdog]:
    with tempfile.TemporaryFile() as stack_file:
        yield serve._Watchdog(stack_file)


def _compile(watchdog: serve._Watchdog, clock: Clock, timeout_s: float, takes_s: float) -> None:
    with watchdog.guard(timeout_s):
        clock.now += takes_s


def test_many_short_compiles_arm_it_once(
    watchdog: serve._Watchdog, clock: Clock, calls: list[tuple[str, float]]
) -> None:
    for _ in range(200):
        _compile(watchdog, clock, 60, 0.002)
    assert calls == [("arm", 61.0)]  # 60 s and a second of slack


def test_it_is_armed_again_before_less_than_the_limit_is_left(
    watchdog: serve._Watchdog, clock: Clock, calls: list[tuple[str, float]]
) -> None:
    _compile(watchdog, clock, 4, 0.5)  # slack: a quarter of 4 s, 1 s
    assert calls == [("arm", 5.0)]
    _compile(watchdog, clock, 4, 0.6)  # 3.9 s left after it: under the limit
    assert calls == [("arm", 5.0), ("cancel", 0.0)]
    _compile(watchdog, clock, 4, 0.1)
    assert calls == [("arm", 5.0), ("cancel", 0.0), ("arm", 5.0)]


def test_a_shorter_limit_is_never_served_by_a_longer_arming(
    watchdog: serve._Watchdog, clock: Clock, calls: list[tuple[str, float]]
) -> None:
    _compile(watchdog, clock, 60, 0.01)
    _compile(watchdog, clock, 2, 0.01)  # the next build's config says 2 s
    assert calls == [("arm", 61.0), ("arm", 2.5)]


def test_disarmed_only_when_armed(
    watchdog: serve._Watchdog, clock: Clock, calls: list[tuple[str, float]]
) -> None:
    watchdog.disarm()
    assert calls == []
    _compile(watchdog, clock, 60, 0.01)
    watchdog.disarm()
    watchdog.disarm()
    assert calls == [("arm", 61.0), ("cancel", 0.0)]


def test_a_compile_that_raises_keeps_the_rule(
    watchdog: serve._Watchdog, clock: Clock, calls: list[tuple[str, float]]
) -> None:
    with pytest.raises(ValueError), watchdog.guard(1):
        clock.now += 0.9
        raise ValueError("the source's")
    assert calls == [("arm", 1.25), ("cancel", 0.0)]


def test_the_slack_is_a_quarter_of_the_limit_and_at_most_a_second() -> None:
    assert serve.slack_s(0.5) == 0.125
    assert serve.slack_s(4) == 1.0
    assert serve.slack_s(600) == 1.0
