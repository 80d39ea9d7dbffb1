"""Helpers for the preview tests: projects on disk, the real CLI in a process, pixel maths."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from line_reader import LineReader

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 20.0
# Grafana's grid (public/app/core/constants.ts) as react-grid-layout draws it.
COLUMNS, CELL_HEIGHT, MARGIN = 24, 30, 8


def js_round(value: float) -> int:
    return math.floor(value + 0.5)  # Math.round


def expected_box(grid: dict[str, float], width: float) -> dict[str, int]:
    """left/top/width/height in pixels of a gridPos on a grid ``width`` pixels wide."""
    column = (width - MARGIN * (COLUMNS - 1)) / COLUMNS
    return {
        "left": js_round((column + MARGIN) * grid["x"]),
        "top": js_round((CELL_HEIGHT + MARGIN) * grid["y"]),
        "width": js_round(column * grid["w"] + max(0, grid["w"] - 1) * MARGIN),
        "height": js_round(CELL_HEIGHT * grid["h"] + max(0, grid["h"] - 1) * MARGIN),
    }


def drawn_grid(page: Any) -> dict[str, Any]:
    """The grid's width and each drawn item's box relative to the grid, from the DOM."""
    return page.evaluate(
        """(() => {
          const grid = document.getElementById('grid');
          const origin = grid.getBoundingClientRect();
          const items = [...grid.querySelectorAll('.grid-item')].map((node) => {
            const r = node.getBoundingClientRect();
            const title = node.querySelector('.panel-title, .row-title');
            return {key: node.dataset.key, kind: node.dataset.kind,
                    left: r.left - origin.left, top: r.top - origin.top,
                    width: r.width, height: r.height,
                    title: title ? title.textContent : null,
                    warned: node.classList.contains('has-warning'),
                    text: node.innerText};
          });
          return {width: grid.clientWidth, items};
        })()"""
    )


def assert_drawn_at(item: dict[str, Any], grid: dict[str, float], width: float) -> None:
    expected = expected_box(grid, width)
    for side, value in expected.items():
        assert abs(item[side] - value) <= 1, (item["key"], item["title"], side, item[side], value)


def grid_of(panel: dict[str, Any]) -> dict[str, float]:
    if panel.get("type") == "row":  # Grafana draws rows full width, one unit high
        return {"x": 0, "y": panel["gridPos"]["y"], "w": 24, "h": 1}
    return panel["gridPos"]


def copy_examples(target: Path) -> Path:
    """The shipped example project (config, sources, templates), without its build."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "dashgen.toml", target / "dashgen.toml")
    for folder in ("dashboards", "templates"):
        shutil.copytree(
            REPO_ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


def write_project(root: Path, files: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
        path.write_text(text)
    return root


def dashboard(uid: str, title: str, panels: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"uid": uid, "title": title, "schemaVersion": 39, "panels": panels, **extra}


def panel(title: str, x: int, y: int, w: int, h: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "timeseries",
        "title": title,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        **extra,
    }


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        return json.loads(response.read())


class InProcessPreview:
    """``dashgen.preview.preview`` in a thread: the same server and loop, without a process
    start (the CLI's own tests run it as a process)."""

    def __init__(self, root: Path) -> None:
        from dashgen.config import load_config
        from dashgen.preview import preview
        from dashgen.watch.changes import Timing
        from dashgen.watch.status import StatusKind

        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._watching = threading.Event()
        self.url = ""

        def on_ready(url: str) -> None:
            self.url = url
            self._ready.set()

        def run() -> None:
            try:
                preview(
                    load_config(root),
                    stop_event=self.stop_event,
                    on_status=lambda s: s.kind == StatusKind.WATCHING and self._watching.set(),
                    on_ready=on_ready,
                    port=0,
                    timing=Timing(debounce_ms=50, step_ms=10),
                )
            except BaseException as exc:
                self.error = exc
                self._watching.set()

        self._thread = threading.Thread(target=run, name="preview-under-test", daemon=True)
        self._thread.start()
        assert self._watching.wait(TIMEOUT_S), "the preview did not start"
        assert self.error is None, self.error

    def stop(self) -> int:
        self.stop_event.set()
        self._thread.join(TIMEOUT_S)
        assert not self._thread.is_alive(), "the preview did not stop"
        assert self.error is None, self.error
        return 0


class PreviewProcess:
    """``dashgen preview`` (or ``watch --preview``) as a user runs it, in its own process."""

    def __init__(self, root: Path, *args: str, command: str = "preview") -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("GRAFANA_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashgen", "-C", str(root), command, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.output = LineReader(self.process.stdout, TIMEOUT_S)
        line = self.wait_for("preview at ")
        match = re.search(r"preview at (http://\S+)", line)
        assert match, line
        self.url = match.group(1)
        self.wait_for("watching")

    @property
    def lines(self) -> list[str]:
        return self.output.lines

    def wait_for(self, text: str) -> str:
        return self.output.wait_for(text)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"preview did not stop on SIGINT: {self.lines}") from None
