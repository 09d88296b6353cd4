"""qillqa preview: in a real browser (Debian's Chromium, driven by Playwright) and over raw HTTP.

The preview server runs in a thread on 127.0.0.1 with a free port. The browser sees the
columns of every language, an edited PO file updating the image without a reload, and a
broken PO file shown as an error until it is fixed. Raw requests (``http.client``, so
that every header is ours) check that only the user's own pages and loopback names are
answered, that no path leads out of the output folder, and that the watcher outlives
every error and never watches outside the project.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import qillqa.build
from qillqa.preview import serve, watched_folders
from qillqa.project import load_project

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
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium, installed by 'make test'"
)


def until(condition: Callable[[], Any], timeout: float = 30) -> Any:
    """Wait for ``condition()`` to be true, and return it."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return value


@contextlib.contextmanager
def serving(root: Path, watching: bool = True) -> Iterator[tuple[int, Any]]:
    """Serve ``root`` on a free port in a thread: (port, the Preview); stopped and joined after.

    With ``watching``, return once the watcher is in place: its first build (the
    catch-up for saves during the first build) happens then.
    """
    ready, holder = threading.Event(), {}  # type: ignore[var-annotated]
    thread = threading.Thread(target=serve, args=(root, "127.0.0.1", 0, 2, ready, holder), daemon=True)
    thread.start()
    assert ready.wait(60)
    server: Any = holder["server"]
    try:
        if watching:
            until(lambda: holder["preview"].version >= 2)
        yield server.server_address[1], holder["preview"]
    finally:
        holder["preview"].stop.set()
        server.shutdown()
        thread.join(10)
        holder["watcher"].join(10)
        assert not holder["watcher"].is_alive()


@pytest.fixture
def preview(example: Path) -> Iterator[str]:
    # Only the flyer, so that the first build and each rebuild stay quick.
    toml = example / "leaflets/peru-solidarity/leaflet.toml"
    toml.write_text(re.sub(r"^formats = .*$", 'formats = ["flyer-a5"]', toml.read_text(), flags=re.M))
    with serving(example) as (port, _):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def small(mini: Path) -> Iterator[tuple[int, Any]]:
    """The mini project with its card only, served: (port, the Preview)."""
    toml = mini / "leaflets/hello/leaflet.toml"
    toml.write_text(re.sub(r"^formats = .*$", 'formats = ["card"]', toml.read_text(), flags=re.M))
    with serving(mini) as served:
        yield served


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return bytes(response.read())


def _loaded(page: Any) -> None:
    page.wait_for_function(
        "document.images.length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000,
    )


@needs_chromium
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
                status = page.inner_text(f".column[data-lang={lang}] .status")
                assert re.fullmatch(r"0 missing, 0 fuzzy, \d+ unreviewed", status), status
                # The example's Spanish and Quechua are machine drafts: printed, and counted.
                assert (status == "0 missing, 0 fuzzy, 0 unreviewed") == (lang == "en"), status
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


@needs_chromium
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


# -- raw HTTP -------------------------------------------------------------------------------------


def request(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Any:
    """(status, headers, body) of one request whose headers are exactly ours (Host included)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def raw(port: int, data: bytes) -> bytes:
    """Everything the server answers to ``data``, sent as is."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def first_event(port: int) -> Any:
    """The state the server sends first to a page that listens to ``/events``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/events")
        response = connection.getresponse()
        assert response.status == 200
        return json.loads(response.readline().decode().removeprefix("data: "))
    finally:
        connection.close()


def test_foreign_host_and_origin_are_refused(small: tuple[int, Any]) -> None:
    port, _ = small
    refused = [
        {"Host": f"evil.example:{port}"},  # a page of evil.example, its name rebound to 127.0.0.1
        {"Host": "evil.example"},
        {"Host": f"127.0.0.1:{port}.evil.example"},
        {"Host": f"localhost:{port + 1}"},
        {"Host": f"localhost:{port}", "Origin": "http://evil.example"},
        {"Host": f"localhost:{port}", "Origin": f"http://evil.example:{port}"},
        {"Host": f"localhost:{port}", "Origin": f"https://localhost:{port}"},
        {"Host": f"localhost:{port}", "Origin": "null"},
    ]
    for path in ("/", "/leaflet/hello", "/events", "/files/hello/hello-card-es.pdf", "/nothing"):
        for headers in refused:
            assert request(port, path, headers)[::2] == (403, b"forbidden"), (path, headers)

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", "/", skip_host=True)  # HTTP/1.1 without a Host
    connection.endheaders()
    assert connection.getresponse().status == 403
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", "/", skip_host=True)
    connection.putheader("Host", f"127.0.0.1:{port}")
    connection.putheader("Host", "evil.example")
    connection.endheaders()
    assert connection.getresponse().status == 403
    connection.close()
    answer = raw(port, b"GET / HTTP/1.0\r\n\r\n")  # HTTP/1.0 needs no Host
    assert answer.startswith(b"HTTP/1.0 403 ") and b"hello" not in answer

    answered = [
        {"Host": f"127.0.0.1:{port}"},
        {"Host": f"localhost:{port}"},
        {"Host": f"[::1]:{port}"},
        {"Host": f"LocalHost:{port}", "Origin": f"http://localhost:{port}"},
        {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"},
    ]
    for headers in answered:
        status, _, body = request(port, "/", headers)
        assert status == 200 and b'href="/leaflet/hello"' in body, headers
    status, _, body = request(port, "/files/hello/hello-card-es.pdf", {"Host": f"localhost:{port}"})
    assert status == 200 and body.startswith(b"%PDF-")


def test_no_header_names_a_version(small: tuple[int, Any]) -> None:
    port, _ = small
    for method, path, host in [
        ("GET", "/", f"localhost:{port}"),
        ("GET", "/nothing", f"localhost:{port}"),
        ("GET", "/", "evil.example"),
        ("POST", "/", f"localhost:{port}"),  # answered by http.server's own error page
    ]:
        status, headers, _ = request(port, path, {"Host": host}, method)
        assert headers["Server"] == "qillqa-preview", (method, path, status)
        assert "python" not in str(headers).lower()
    answer = raw(port, b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n")  # refused by http.server
    head = answer.split(b"\r\n\r\n")[0].decode()
    assert "\r\nServer: qillqa-preview\r\n" in head and "python" not in head.lower()


def test_bad_paths_are_404_without_traceback(
    small: tuple[int, Any],
    tmp_path: Path,
    records: list[logging.LogRecord],
    capfd: pytest.CaptureFixture[str],
) -> None:
    port, preview = small
    dist = preview.project.output
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(b"%PDF-1.7 secret")
    (dist / "leak.pdf").symlink_to(outside / "secret.pdf")
    (dist / "out").symlink_to(outside)
    (dist / "notes.txt").write_text("not a PDF")
    bad = [
        "/files/%00",
        "/files/hello/hello-card-es.pdf%00",
        "/files/../../qillqa.toml",
        "/files/%2e%2e/x",
        "/files/%2e%2e/%2e%2e/qillqa.toml",
        "/files/hello/%2e%2e/hello/hello-card-es.pdf",
        "/files//etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files/leak.pdf",  # a link inside dist/ to a file outside it
        "/files/out/secret.pdf",  # a link inside dist/ to a folder outside it
        "/files/hello",  # a folder
        "/files/hello/",
        "/files/notes.txt",
        "/files/.qillqa-build.json",
        "/files/" + "a" * 300 + ".pdf",  # a name longer than the system allows
        "/files/" + "a/" * 600 + "a.pdf",
        "/files/hello\\hello-card-es.pdf",
        "/leaflet/%00",
        "/leaflet/..%2F..%2Fetc",
        "/leaflet/hello?format=%00",
        "/leaflet/hello?format=../../x",
    ]
    records.clear()
    for path in bad:
        assert request(port, path)[::2] == (404, b"not found"), path
    assert [r for r in records if r.levelno > logging.DEBUG] == []
    assert "Traceback" not in capfd.readouterr().err
    for path, kind in [
        ("/files/hello/hello-card-es.pdf", "application/pdf"),
        ("/files/.preview/hello/hello-card-es-p1.png", "image/png"),
    ]:
        status, headers, body = request(port, path)
        assert (status, headers["Content-Type"]) == (200, kind)
        assert body.startswith(b"%PDF-" if kind == "application/pdf" else b"\x89PNG")


def test_an_unexpected_error_is_a_bare_500_and_logged(
    small: tuple[int, Any], monkeypatch: pytest.MonkeyPatch, records: list[logging.LogRecord]
) -> None:
    import qillqa.content

    port, _ = small

    def broken(project: Any) -> tuple[str, ...]:
        raise RuntimeError("secret detail of the machine")

    monkeypatch.setattr(qillqa.content, "leaflet_names", broken)
    records.clear()
    status, _, body = request(port, "/")
    assert (status, body) == (500, b"internal error")
    errors = [r for r in records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert "secret detail of the machine" in str(errors[0].exc_info[1])
    monkeypatch.undo()
    assert request(port, "/")[0] == 200


# -- the watcher ----------------------------------------------------------------------------------


def test_a_build_error_is_shown_until_the_next_good_save(small: tuple[int, Any]) -> None:
    port, preview = small
    toml = preview.project.root / "leaflets/hello/leaflet.toml"
    good = toml.read_text(encoding="utf-8")
    png = "/files/.preview/hello/hello-card-es-p1.png"
    before = request(port, png)[2]

    version = preview.version
    toml.write_text(good.replace('headline = "Hello world"', 'headline = "Hello world'), encoding="utf-8")
    until(lambda: preview.version > version)
    state = first_event(port)
    assert state["error"].startswith("leaflets/hello/leaflet.toml:5: invalid TOML")
    page = request(port, "/leaflet/hello")[2].decode()
    assert re.search("<pre id=error ?>leaflets/hello/leaflet.toml:5: invalid TOML", page)

    version = preview.version
    toml.write_text(good.replace("Hello world", "Hello again"), encoding="utf-8")
    until(lambda: preview.version > version)
    state = first_event(port)
    assert state == {"version": preview.version, "error": None}
    page = request(port, "/leaflet/hello")[2].decode()
    assert "<pre id=error hidden></pre>" in page and f"{png}?v={state['version']}" in page
    assert request(port, png)[2] != before  # the new headline is in the picture


class Meltdown(BaseException):
    """Not an ``Exception``: what some libraries under WeasyPrint raise when they fall over."""


def test_watcher_survives_errors_and_recovers(
    small: tuple[int, Any], monkeypatch: pytest.MonkeyPatch, records: list[logging.LogRecord]
) -> None:
    """A build that raises what is not an ``Exception`` is shown and logged; the next save builds."""
    port, preview = small
    real, calls = qillqa.build.build, []

    def build_that_falls_over_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise Meltdown("the renderer fell over")
        return real(*args, **kwargs)

    monkeypatch.setattr(qillqa.build, "build", build_that_falls_over_once)
    toml = preview.project.root / "leaflets/hello/leaflet.toml"
    good = toml.read_text(encoding="utf-8")
    version = preview.version
    toml.write_text(good.replace("Hello world", "Hello there"), encoding="utf-8")
    until(lambda: preview.version > version)
    assert preview.error == "internal error: Meltdown: the renderer fell over"
    assert first_event(port)["error"] == preview.error
    assert any(r.levelno == logging.ERROR and r.exc_info and r.exc_info[0] is Meltdown for r in records)

    version = preview.version
    toml.write_text(good.replace("Hello world", "Hello again"), encoding="utf-8")
    until(lambda: preview.version > version)
    assert preview.error is None and len(calls) == 2


class Panic(BaseException):
    """Like pyo3's PanicException (a ``BaseException``), raised when watchfiles' Rust code panics."""


def test_watcher_survives_errors_from_watchfiles(
    mini: Path, monkeypatch: pytest.MonkeyPatch, records: list[logging.LogRecord]
) -> None:
    import watchfiles

    real, calls = watchfiles.watch, []

    def watch_that_panics_once(*paths: Any, **options: Any) -> Iterator[Any]:
        calls.append(paths)
        if len(calls) == 1:
            raise Panic("the watcher panicked")
        yield from real(*paths, **options)

    monkeypatch.setattr(watchfiles, "watch", watch_that_panics_once)
    with serving(mini, watching=False) as (_, preview):
        until(lambda: preview.error)
        assert preview.error == "internal error: watching the project failed: Panic: the watcher panicked"
        assert any(r.levelno == logging.ERROR and r.exc_info and r.exc_info[0] is Panic for r in records)
        # Watching again after a pause, it catches up by itself...
        until(lambda: preview.error is None)
        assert len(calls) == 2
        # ... and the next save is built.
        version = preview.version
        po = mini / "locales/es/LC_MESSAGES/hello.po"
        po.write_text(po.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        until(lambda: preview.version > version)
        assert preview.error is None


def _inotify_watches() -> int:
    """How many inotify watches this process holds (Linux)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify":
                with open(f"/proc/self/fdinfo/{fd}") as info:
                    count += sum(line.startswith("inotify wd:") for line in info)
    return count


def test_watcher_never_follows_links_out(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (mini / "shared/logos").mkdir(parents=True)
    (mini / "dist/hello").mkdir(parents=True)
    (mini / "leaflets/escape").symlink_to("/")
    (mini / "templates/usr").symlink_to("/usr")
    (mini / "locales/out").symlink_to(outside)
    (mini / "leaflets/hello/shared").symlink_to(mini / "shared")  # inside the project: followed
    (mini / "leaflets/root").symlink_to(mini)  # back to the root
    (mini / "leaflets/hello/dist").symlink_to(mini / "dist")  # the output folder: never watched

    root = mini.resolve()
    folders = watched_folders(load_project(mini))
    assert all(f == root or root in f.parents for f in folders), folders
    assert not [f for f in folders if f == root / "dist" or root / "dist" in f.parents]
    assert {root / "leaflets/hello", root / "shared/logos", root / "templates/card"} <= set(folders)
    assert len(folders) == len(set(folders)) < 30

    with serving(mini) as (_, preview):
        watches = _inotify_watches()
        if not watches:
            pytest.skip("watchfiles does not use inotify here")
        assert watches < 50  # a link to / followed would be thousands
        version = preview.version
        toml = mini / "leaflets/hello/leaflet.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("Hello world", "Hi"), encoding="utf-8")
        until(lambda: preview.version > version)
        assert preview.error is None


def test_new_folders_are_watched(small: tuple[int, Any]) -> None:
    _, preview = small
    folder = preview.project.root / "templates/card/extra"
    version = preview.version
    folder.mkdir()
    # A build for the new folder (and, unless the two coalesce, one more once it is watched):
    # wait until the builds have settled, so that only the new file can cause the next one.
    until(lambda: preview.version > version)
    settled = preview.version
    while True:
        time.sleep(1.5)
        if preview.version == settled:
            break
        settled = preview.version
    (folder / "notes.txt").write_text("seen?", encoding="utf-8")
    until(lambda: preview.version > settled, timeout=30)  # a loaded 2-core machine needs more than 10 s
    assert preview.error is None
