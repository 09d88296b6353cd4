"""Take docs/preview.png: the preview of the example leaflet in headless Chromium.

Usage: .venv/bin/python tools/preview_screenshot.py [OUT.png]
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from qillqa.preview import serve

REPO = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "preview.png"
    ready, holder = threading.Event(), {}
    threading.Thread(target=serve, args=(REPO, "127.0.0.1", 0, 2, ready, holder), daemon=True).start()
    ready.wait(120)
    url = f"http://127.0.0.1:{holder['server'].server_address[1]}/leaflet/peru-solidarity?format=flyer-a5"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1720, "height": 1000})
        page.goto(url)
        page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=str(out))
        browser.close()
    holder["preview"].stop.set()
    holder["server"].shutdown()


if __name__ == "__main__":
    main()
