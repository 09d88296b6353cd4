"""``qillqa preview``: every page of every language side by side, rebuilt on save.

A small threaded HTTP server (standard library) on 127.0.0.1 shows PNG images of the
real PDFs (pypdfium2), each language in its own column, with each language's missing
and fuzzy messages. A watcher (watchfiles) rebuilds through the incremental build when a
file in ``leaflets/``, ``templates/``, ``locales/`` or ``qillqa.toml`` changes, and open
pages update by server-sent events. A build error is shown in the page with its file
and line; the server keeps running and the next good save recovers. Only the project's
outputs and the preview's own page are served.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from qillqa.errors import QillqaError
from qillqa.fsutil import atomic_path
from qillqa.project import Project, load_project

log = logging.getLogger(__name__)

PREVIEW_DIR = ".preview"
PNG_WIDTH = 520


class Preview:
    """The state shared by the watcher and the request handlers."""

    def __init__(self, root: Path, jobs: int = 1) -> None:
        self.root = root
        self.jobs = jobs
        self.version = 0
        self.error: str | None = None
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.project: Project = load_project(root)

    # -- building ------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Build what changed and refresh its page images; record an error instead of raising."""
        from qillqa.build import build

        try:
            self.project = load_project(self.root)
            result = build(self.project, jobs=self.jobs)
            for pdf in result.written:
                if pdf.suffix == ".pdf":
                    self._pngs(pdf)
            error = None
        except QillqaError as exc:
            error = exc.format_message()
        except Exception as exc:  # the server must survive anything a save can cause
            log.exception("preview build failed")
            error = f"internal error: {type(exc).__name__}: {exc}"
        with self.changed:
            self.version += 1
            self.error = error
            self.changed.notify_all()

    def _pngs(self, pdf: Path) -> list[Path]:
        import pypdfium2 as pdfium

        folder = self.preview_dir / pdf.parent.relative_to(self.project.output)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{pdf.stem}-p*.png"):
            old.unlink()
        document = pdfium.PdfDocument(pdf)
        try:
            written = []
            for number, page in enumerate(document, 1):
                target = folder / f"{pdf.stem}-p{number}.png"
                with atomic_path(target) as temporary:
                    page.render(scale=PNG_WIDTH / page.get_width()).to_pil().save(temporary, format="PNG")
                written.append(target)
            return written
        finally:
            document.close()

    @property
    def preview_dir(self) -> Path:
        return self.project.output / PREVIEW_DIR

    def images(self, pdf: Path) -> list[Path]:
        folder = self.preview_dir / pdf.parent.relative_to(self.project.output)
        found = sorted(folder.glob(f"{pdf.stem}-p*.png"), key=lambda p: int(p.stem.rsplit("-p", 1)[1]))
        return found or (self._pngs(pdf) if pdf.is_file() else [])

    def watch(self) -> None:
        """Rebuild on every change to the project's own files, until stopped."""
        import watchfiles

        paths = [
            p
            for p in (
                self.project.leaflets_dir,
                self.project.templates_dir,
                self.project.locales_dir,
                self.project.config_path,
            )
            if p.exists()
        ]
        for _changes in watchfiles.watch(
            *paths, stop_event=self.stop, debounce=150, step=50, rust_timeout=500
        ):
            self.rebuild()

    # -- pages ---------------------------------------------------------------------------

    def index_page(self) -> str:
        from qillqa.content import leaflet_names, load_leaflet

        items = []
        for name in leaflet_names(self.project):
            try:
                formats = load_leaflet(self.project, name).formats
            except QillqaError:
                formats = ()
            links = " ".join(
                f'<a href="/leaflet/{quote(name)}?format={quote(f)}">{html.escape(f)}</a>' for f in formats
            )
            items.append(f'<li><a href="/leaflet/{quote(name)}">{html.escape(name)}</a> {links}</li>')
        return _page(
            f"{html.escape(self.project.name)}: preview", f"<ul class=leaflets>{''.join(items)}</ul>"
        )

    def grid(self, name: str, fmt: str | None) -> str:
        """The columns of one leaflet: a column per language, every page, status underneath."""
        from qillqa.build import plan
        from qillqa.catalogs import TEMPLATES_DOMAIN, Catalogues
        from qillqa.i18n import templates_of
        from qillqa.status import gaps

        jobs = plan(self.project, [name], [fmt] if fmt else [])
        templates = templates_of(self.project)
        catalogues = Catalogues(self.project)
        sections = []
        for fmt_name in dict.fromkeys(job.format.name for job in jobs):
            columns = []
            for job in (j for j in jobs if j.format.name == fmt_name):
                images = "".join(
                    f'<img src="/files/{_url(self.project, png)}?v={self.version}" alt="page {n}">'
                    for n, png in enumerate(self.images(job.output), 1)
                )
                notes = []
                for language in job.languages:
                    if language == self.project.source_language:
                        continue  # its text is the source itself
                    for domain in (job.leaflet.domain, TEMPLATES_DOMAIN):
                        for gap in gaps(templates[domain], catalogues.catalog(language, domain)):
                            where = f" <small>{html.escape(gap.location)}</small>" if gap.location else ""
                            notes.append(
                                f"<li class={gap.kind}>{gap.kind}: {html.escape(gap.msgid)}{where}</li>"
                            )
                missing = sum("class=missing" in n for n in notes)
                fuzzy = len(notes) - missing
                label = "+".join(job.languages)
                columns.append(
                    f'<div class=column data-lang="{html.escape(label)}"><h3>{html.escape(label)} '
                    f'<a href="/files/{_url(self.project, job.output)}">PDF</a></h3>'
                    f"<p class=status>{missing} missing, {fuzzy} fuzzy</p>{images}"
                    f"<ul class=gaps>{''.join(notes)}</ul></div>"
                )
            sections.append(
                f"<section><h2>{html.escape(fmt_name)}</h2>"
                f"<div class=columns>{''.join(columns)}</div></section>"
            )
        return "".join(sections)

    def leaflet_page(self, name: str, fmt: str | None) -> str:
        error = html.escape(self.error or "")
        body = (
            f'<p><a href="/">all leaflets</a></p><pre id=error {"" if error else "hidden"}>{error}</pre>'
            f'<div id=grid data-version="{self.version}">{self.grid(name, fmt)}</div>'
        )
        return _page(f"{html.escape(name)}: preview", body, script=True)


def _url(project: Project, path: Path) -> str:
    return quote(path.relative_to(project.output).as_posix())


STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem; background: #eee; color: #111 }
.columns { display: flex; gap: 1.2rem; align-items: flex-start; overflow-x: auto }
.column { flex: 0 0 auto; width: 540px }
.column img { display: block; width: 520px; margin: 0 0 .8rem; box-shadow: 0 1px 4px #0004; background: #fff }
#error { background: #fff0f0; border: 2px solid #b00; padding: .8rem; white-space: pre-wrap }
.gaps { font-size: 13px; padding-left: 1.2rem } .gaps .missing { color: #900 }
"""

SCRIPT = """
const events = new EventSource('/events');
events.onmessage = async (message) => {
  const state = JSON.parse(message.data);
  const error = document.getElementById('error');
  error.textContent = state.error || '';
  error.hidden = !state.error;
  if (state.error) return;
  const grid = document.getElementById('grid');
  if (grid.dataset.version === String(state.version)) return;
  const query = location.search ? location.search + '&fragment=1' : '?fragment=1';
  const response = await fetch(location.pathname + query);
  grid.innerHTML = await response.text();
  grid.dataset.version = String(state.version);
};
"""


def _page(title: str, body: str, script: bool = False) -> str:
    js = f"<script>{SCRIPT}</script>" if script else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>{body}{js}</body></html>"
    )


def handler_for(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "qillqa-preview"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("preview: " + format, *args)

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            path = unquote(url.path)
            try:
                if path == "/":
                    self._send(HTTPStatus.OK, preview.index_page().encode(), "text/html; charset=utf-8")
                elif path.startswith("/leaflet/"):
                    name = path.removeprefix("/leaflet/")
                    fmt = query.get("format", [None])[0]
                    page = preview.grid(name, fmt) if "fragment" in query else preview.leaflet_page(name, fmt)
                    self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
                elif path == "/events":
                    self._events()
                elif path.startswith("/files/"):
                    self._file(path.removeprefix("/files/"))
                else:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            except QillqaError as exc:
                self._send(
                    HTTPStatus.OK,
                    _page("error", f"<pre id=error>{html.escape(exc.format_message())}</pre>").encode(),
                    "text/html; charset=utf-8",
                )

        def _file(self, relative: str) -> None:
            root = preview.project.output.resolve()
            target = (root / relative).resolve()
            if root not in target.parents or not target.is_file() or target.suffix not in (".pdf", ".png"):
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                return
            kind = "application/pdf" if target.suffix == ".pdf" else "image/png"
            self._send(HTTPStatus.OK, target.read_bytes(), kind)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            try:
                while not preview.stop.is_set():
                    with preview.changed:
                        if preview.version == seen:
                            preview.changed.wait(timeout=10)
                        version, error = preview.version, preview.error
                    if version != seen:
                        seen = version
                        self.wfile.write(
                            f"data: {json.dumps({'version': version, 'error': error})}\n\n".encode()
                        )
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    jobs: int = 1,
    ready: threading.Event | None = None,
    holder: dict[str, Any] | None = None,
) -> None:
    """Build once, then serve and watch until interrupted (or ``holder["preview"].stop`` is set)."""
    preview = Preview(root, jobs)
    preview.rebuild()
    server = ThreadingHTTPServer((host, port), handler_for(preview))
    server.daemon_threads = True
    if holder is not None:
        holder["preview"], holder["server"] = preview, server
    watcher = threading.Thread(target=preview.watch, daemon=True)
    watcher.start()
    if ready is not None:
        ready.set()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        preview.stop.set()
        server.server_close()
        time.sleep(0)
