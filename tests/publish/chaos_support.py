"""The seeded chaos publish (test_publish_chaos): a random fault schedule per seed, the
project it publishes, and what the emulator holds, to check the report against.

A seed picks the backend (even: the classic API on 11.2; odd: ``--api auto`` on 12.0 or
13.0, which picks /apis there: v1beta1 and v1 are stable) and 1-3 faults, each a random
kind, route (dashboard writes and reads weigh more), ``times``, ``after`` (how many
matching requests pass before it starts) and probability. Every
check compares the report with the emulator's stored state before and after the run, and
with the sources written (never a hand-written outcome).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from publish_support import ORG
from scenario import K8S_DASHBOARDS, K8S_FOLDERS, BackendMode, Scenario, dashboard

from dashgen.testing import Emulator
from dashgen.testing.faults import KINDS as FAULT_KINDS

CLASSIC_11 = BackendMode("classic", "11.2")
AUTO_12 = BackendMode("auto-12.0", "12.0", api="auto")
AUTO_13 = BackendMode("auto-13.0", "13.0", api="auto")

CLASSIC_ROUTES = (
    ("POST", "/api/dashboards/db"),
    ("GET", "/api/dashboards/uid/*"),
    ("GET", "/api/dashboards/uid/*/versions*"),
    ("GET", "/api/folders/*"),
    ("POST", "/api/folders"),
    ("PUT", "/api/folders/*"),
    ("DELETE", "/api/folders/*"),
)
K8S_ROUTES = (
    ("POST", K8S_DASHBOARDS),
    ("PUT", f"{K8S_DASHBOARDS}/*"),
    ("GET", f"{K8S_DASHBOARDS}/*"),
    ("GET", K8S_DASHBOARDS),
    ("GET", f"{K8S_FOLDERS}/*"),
    ("POST", K8S_FOLDERS),
    ("PUT", f"{K8S_FOLDERS}/*"),
    ("DELETE", f"{K8S_FOLDERS}/*"),
)
# (a trickle only waits out the deadline)
KINDS = tuple(kind for kind in FAULT_KINDS if kind != "trickle")
LOSING = ("status", "drop", "commit_then_fail", "commit_then_drop")  # (weigh more)

# uid -> source path under dashboards/ (apiorg: Platform; apiorg/team-a: Team A)
SOURCES = {f"d{i}": f"{ORG}/d{i}.json" for i in range(5)} | {
    f"d{i}": f"{ORG}/team-a/d{i}.json" for i in range(5, 10)
}
FOLDER_OF = {uid: "team-a" if "team-a" in path else "platform" for uid, path in SOURCES.items()}
PUBLISHED_FIRST = ("d0", "d1", "d2", "d3", "d4", "d5", "d6")
CHANGED = ("d0", "d3", "d5")
COLLEAGUE = "d2"  # edited in the UI after the first publish; its source stays as it was
COLLEAGUE_TITLE = "Changed in the UI by alice"


def mode_of(seed: int) -> BackendMode:
    if seed % 2 == 0:
        return CLASSIC_11
    return AUTO_12 if seed % 4 == 1 else AUTO_13


def schedule_of(seed: int) -> list[dict[str, Any]]:
    """1-3 faults: kind, route, times (None: every matching request) and probability."""
    rng = random.Random(seed)
    routes = CLASSIC_ROUTES if mode_of(seed) is CLASSIC_11 else K8S_ROUTES
    faults = []
    for _ in range(rng.randint(1, 3)):
        # the dashboard writes and reads (the first routes) weigh more than the folders'
        method, path = rng.choice(routes[:3] * 3 + routes)
        kind = rng.choice(KINDS + LOSING * 2)
        fault: dict[str, Any] = {
            "method": method,
            "path": path,
            "kind": kind,
            "times": rng.choice([1, 2, 4, None, None]),
            "probability": rng.choice([1.0, 0.5, 0.3]),
            "dry_runs": rng.choice([True, False]),
            "after": rng.choice([0, 0, 6, 20]),  # (a read may fail only after the writes)
        }
        if kind == "status":
            fault["status"] = rng.choice([500, 502, 503])
        elif kind == "retry_after":
            fault["retry_after_s"] = 0.05
        elif kind == "delay":
            fault["delay_ms"] = 20
        elif kind == "commit_then_hang":
            fault["hang_s"] = 0.3
        faults.append(fault)
    return faults


def source(uid: str, version: int) -> dict[str, Any]:
    return dashboard(uid, f"Dashboard {uid} v{version}")


@dataclass
class Chaos:
    """One seed's scenario, what it built and what the emulator held before a run."""

    seed: int
    scenario: Scenario
    schedule: list[dict[str, Any]]
    built: dict[str, dict[str, Any]] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    colleague_version: int = 0

    @property
    def emulator(self) -> Emulator:
        return self.scenario.emulator

    def where(self) -> str:
        mode = mode_of(self.seed)
        return f"seed {self.seed} ({mode.name}), schedule {json.dumps(self.schedule)}"

    def write(self, uids: tuple[str, ...] | list[str], version: int) -> None:
        for uid in uids:
            self.built[uid] = source(uid, version)
            self.scenario.write_source(SOURCES[uid], self.built[uid])

    def held(self, uid: str) -> tuple | None:
        """What is compared: version, title, the queries, the folder."""
        stored = self.scenario.stored(uid)
        if stored is None:
            return None
        return (stored.version, *_content(stored.data), stored.folder_uid)

    def is_built(self, uid: str) -> bool:
        stored = self.scenario.stored(uid)
        if stored is None:
            return False
        return _content(stored.data) == _content(self.built[uid]) and (
            stored.folder_uid == FOLDER_OF[uid]
        )

    def snapshot(self) -> None:
        self.before = {uid: self.held(uid) for uid in SOURCES}

    def schedule_faults(self) -> None:
        for fault in self.schedule:
            self.emulator.faults.add(**fault)

    def colleague_untouched(self) -> bool:
        stored = self.scenario.stored(COLLEAGUE)
        return (
            stored is not None
            and stored.version == self.colleague_version
            and stored.data["title"] == COLLEAGUE_TITLE
        )


def _content(data: dict[str, Any]) -> tuple:
    queries = tuple(
        target.get("expr") for panel in data.get("panels", []) for target in panel["targets"]
    )
    return (data.get("title"), queries)


def check_report(chaos: Chaos, actions: dict[str, str], code: int, output: str) -> None:
    """The invariants of one faulty run, against what the emulator holds now."""
    where = f"{chaos.where()}\n{output}"
    problems = {"failed", "unknown", "drifted"}
    assert (code == 0) == (not problems & set(actions.values())), where
    assert code in (0, 1), where
    for uid, action in actions.items():
        now = chaos.held(uid)
        if action in ("created", "updated", "unchanged"):
            assert chaos.is_built(uid), f"{uid} {action} but holds {now}: {where}"
        elif action in ("failed", "drifted"):
            assert now == chaos.before[uid], f"{uid} {action} but changed to {now}: {where}"
        elif action == "unknown":
            assert now == chaos.before[uid] or chaos.is_built(uid), f"{uid}: {now}: {where}"
        else:
            raise AssertionError(f"{uid}: unexpected action {action}: {where}")
    assert chaos.colleague_untouched(), f"the colleague's edit was overwritten: {where}"
