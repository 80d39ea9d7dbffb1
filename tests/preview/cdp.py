"""A small DevTools-protocol client for Debian's headless Chromium (no browser download).

``Chromium`` starts one browser with a fresh profile and a fixed window; ``new_page()``
opens a tab driven over the protocol: ``goto``, ``evaluate`` (``Runtime.evaluate``),
``wait_for`` (polls a JavaScript expression), ``screenshot``. Script errors of the page
are collected in ``Page.errors`` so a test can assert there were none.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import websocket

TIMEOUT_S = 20.0
VIEWPORT = (1280, 900)
# Headless, as root in CI without a sandbox, and with every background connection off:
# this machine's network refuses them and they would only slow the start.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
)


def find_chromium() -> str | None:
    configured = os.environ.get("DASHGEN_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    def __init__(self, binary: str) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="dashgen-chromium-"))
        self.log_path = self.profile / "chromium.log"
        width, height = VIEWPORT
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    *FLAGS,
                    f"--user-data-dir={self.profile}",
                    f"--window-size={width},{height}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its helper processes die with it (close())
            )
        port, path = self._devtools_address()
        self._socket = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=TIMEOUT_S, suppress_origin=True
        )
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def _devtools_address(self) -> tuple[str, str]:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited: {self.log_path.read_text()[-2000:]}")
            try:
                port, path = marker.read_text().split()[:2]
                return port, path
            except (FileNotFoundError, ValueError):
                time.sleep(0.05)
        raise RuntimeError(f"chromium did not open DevTools: {self.log_path.read_text()[-2000:]}")

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            answer = json.loads(self._socket.recv())
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def new_page(self) -> Page:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        return Page(self, target, session)

    def close(self) -> None:
        try:
            self._socket.close()
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session
        width, height = VIEWPORT
        self.call("Runtime.enable")
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, self.session, **params)

    @property
    def errors(self) -> list[str]:
        """Uncaught exceptions and console errors of this page so far."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append(details.get("exception", {}).get("description") or str(details))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
        return found

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float = TIMEOUT_S) -> None:
        """Poll ``expression`` until it is truthy (in JavaScript's sense)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.evaluate(f"!!({expression})"):
                return
            if time.monotonic() > deadline:
                body = self.evaluate("document.body ? document.body.innerText : ''")
                raise AssertionError(
                    f"{expression!r} still false after {timeout_s} s; "
                    f"page errors: {self.errors}; page text: {str(body)[:1500]}"
                )
            time.sleep(0.05)

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """The whole page (or only the viewport) as PNG."""
        self.call("Page.bringToFront")  # a tab behind another one is not painted
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        width, height = (size["width"], size["height"]) if full_page else VIEWPORT
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        data = self.call(
            "Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True
        )["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.browser.call("Target.closeTarget", targetId=self.target)
