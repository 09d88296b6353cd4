"""qillqa preview in a real browser: Debian's Chromium, driven by Playwright.

The preview server runs in a thread on 127.0.0.1 with a free port; the browser sees the
columns of every language, an edited PO file updating the image without a reload, and a
broken PO file shown as an error until it is fixed.
"""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qillqa.preview import serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium, installed by 'make test'"
)


@pytest.fixture
def preview(example: Path) -> Iterator[str]:
    # Only the flyer, so that the first build and each rebuild stay quick.
    toml = example / "leaflets/peru-solidarity/leaflet.toml"
    toml.write_text(re.sub(r"^formats = .*$", 'formats = ["flyer-a5"]', toml.read_text(), flags=re.M))
    ready, holder = threading.Event(), {}  # type: ignore[var-annotated]
    thread = threading.Thread(target=serve, args=(example, "127.0.0.1", 0, 2, ready, holder), daemon=True)
    thread.start()
    assert ready.wait(60)
    server: Any = holder["server"]
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        holder["preview"].stop.set()
        server.shutdown()
        thread.join(10)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return bytes(response.read())


def _loaded(page: Any) -> None:
    page.wait_for_function(
        "document.images.length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000,
    )


def test_preview_in_a_real_browser(preview: str, example: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            page.goto(preview + "/")
            page.click("a[href='/leaflet/peru-solidarity?format=flyer-a5']")
            page.wait_for_selector(".column")
            assert [c.get_attribute("data-lang") for c in page.query_selector_all(".column")] == [
                "es",
                "qu",
                "en",
            ]
            _loaded(page)
            assert len(page.query_selector_all(".column img")) == 6  # two pages in each language
            for lang in ("es", "qu", "en"):
                assert page.inner_text(f".column[data-lang={lang}] .status") == "0 missing, 0 fuzzy"
            first_src = page.get_attribute(".column[data-lang=qu] img", "src")
            before = _get(preview + first_src)

            po = example / "locales/qu/LC_MESSAGES/peru-solidarity.po"
            good = po.read_text(encoding="utf-8")
            po.write_text(
                good.replace('msgstr "Piruwqa manam sapallanchu"', 'msgstr "Piruwqa sapallanchu?"', 1),
                encoding="utf-8",
            )
            page.wait_for_function(
                f"document.querySelector('.column[data-lang=qu] img').getAttribute('src') !== '{first_src}'",
                timeout=30_000,
            )
            _loaded(page)
            after = _get(preview + page.get_attribute(".column[data-lang=qu] img", "src"))
            assert after != before  # the picture of the page changed, without a reload

            po.write_text(
                good.replace('msgstr "Piruwqa manam sapallanchu"', 'msgstr "Piruwqa', 1), encoding="utf-8"
            )
            page.wait_for_selector("#error:not([hidden])", timeout=30_000)
            assert "locales/qu/LC_MESSAGES/peru-solidarity.po:" in page.inner_text("#error")
            page.screenshot(path=str(tmp_path / "preview-error.png"))

            po.write_text(good, encoding="utf-8")
            page.wait_for_selector("#error", state="hidden", timeout=30_000)
            _loaded(page)
            page.screenshot(path=str(tmp_path / "preview.png"))
            assert (tmp_path / "preview.png").stat().st_size > 10_000
        finally:
            browser.close()


def test_missing_and_fuzzy_messages_are_listed(preview: str, example: Path) -> None:
    from playwright.sync_api import sync_playwright

    po = example / "locales/es/LC_MESSAGES/peru-solidarity.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Perú no está solo"', 'msgstr ""', 1), encoding="utf-8"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(preview + "/leaflet/peru-solidarity?format=flyer-a5")
            page.wait_for_function(
                "document.querySelector('.column[data-lang=es] .status').textContent.startsWith('1 missing')",
                timeout=30_000,
            )
            gaps = page.inner_text(".column[data-lang=es] .gaps")
            assert "missing: Peru is not alone leaflets/peru-solidarity/leaflet.toml:" in gaps
        finally:
            browser.close()


def test_only_outputs_are_served(preview: str) -> None:
    import urllib.error

    for path in ("/files/../qillqa.toml", "/files/%2e%2e/qillqa.toml", "/files/hello", "/etc/passwd"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(preview + path)
        assert caught.value.code == 404
        caught.value.close()
