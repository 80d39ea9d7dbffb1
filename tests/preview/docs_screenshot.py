"""Make docs/preview.png: `dashgen preview` on the shipped examples in headless Chromium.

Run as ``python tests/preview/docs_screenshot.py docs/preview.png`` (``make docs-screenshot``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cdp import Chromium, find_chromium
from preview_helpers import PreviewProcess, copy_examples

DASHBOARD = ("apiorg", "http-service-red")


def main(target: Path) -> None:
    binary = find_chromium()
    if binary is None:
        raise SystemExit("no chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as folder:
        preview = PreviewProcess(copy_examples(Path(folder) / "examples"))
        browser = Chromium(binary)
        try:
            page = browser.new_page()
            page.goto(f"{preview.url}d/{DASHBOARD[0]}/{DASHBOARD[1]}")
            page.wait_for("document.querySelectorAll('#grid .grid-item').length > 0")
            page.screenshot(target, full_page=False)
        finally:
            browser.close()
            preview.stop()
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/preview.png").resolve())
