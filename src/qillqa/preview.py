"""``qillqa preview``: every page of every language side by side, rebuilt on save.

A small threaded HTTP server (standard library) on 127.0.0.1 shows PNG images of the
real PDFs (pypdfium2), each language in its own column, with each language's missing
and fuzzy messages. A watcher (watchfiles) rebuilds through the incremental build when a
file in ``leaflets/``, ``templates/``, ``locales/`` or ``qillqa.toml`` changes, and open
pages update by server-sent events. A build error is shown in the page with its file
and line; the server keeps running and the next good save recovers.

What it shows is unpublished, so only its user may read it:

- it answers only requests whose ``Host`` is a loopback name (or the ``--host`` chosen)
  with its port, and whose ``Origin``, if any, is one of those: a page of another site
  that rebinds its own name to 127.0.0.1 gets 403;
- only the project's PDFs and page images in its output folder are served; any other
  path is 404, and no response names a version;
- an unexpected error in a request is a bare 500 for the browser and a traceback in the
  log, never a traceback on the wire.

The watcher never dies and never leaves the project: it watches each of the project's
own folders on its own (not recursively), found by a walk that follows a link only when
it leads to a folder inside the project, and it walks again when folders come or go. Any
error while building or watching is shown in the page; watching starts again after a
pause.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from qillqa.errors import QillqaError
from qillqa.fsutil import atomic_path, check_writable_inside
from qillqa.project import Project, load_project

log = logging.getLogger(__name__)

PREVIEW_DIR = ".preview"
PNG_WIDTH = 520
#: The names a browser on this machine reaches a loopback server by.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
#: The longest file path (after ``/files/``) worth looking up; real ones are far shorter.
MAX_FILE_PATH = 1024
#: The most folders watched: a project never has this many, a tree copied in by mistake may.
MAX_WATCHED = 2000
#: The pause before watching again after watching failed.
RETRY_SECONDS = 1.0


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
        # The watcher and the request handlers may both render a PDF's images.
        self._rendering = threading.Lock()

    # -- building ------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Build what changed and refresh its page images; record an error instead of raising.

        Everything is caught, even what is not an ``Exception`` (WeasyPrint and the libraries
        under it may raise those), so that a save can never stop the watcher; only Ctrl-C and
        ``sys.exit`` in the main thread (the first build) pass through.
        """
        from qillqa.build import build
        from qillqa.build.run import BuildFailed

        try:
            self.project = load_project(self.root)
            try:
                result = build(self.project, jobs=self.jobs)
                error = None
            except BuildFailed as failed:  # the other outputs were built: show them too
                result, error = failed.result, failed.format_message()
            for pdf in result.written:
                if pdf.suffix == ".pdf":
                    self._pngs(pdf)
        except QillqaError as exc:
            error = exc.format_message()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit) and _in_main_thread():
                raise
            log.exception("preview build failed")
            error = f"internal error: {type(exc).__name__}: {exc}"
        self._record(error)

    def _record(self, error: str | None) -> None:
        """Publish a new state to the open pages."""
        with self.changed:
            self.version += 1
            self.error = error
            self.changed.notify_all()

    def _pngs(self, pdf: Path) -> list[Path]:
        import pypdfium2 as pdfium

        folder = self.preview_dir / pdf.parent.relative_to(self.project.output)
        with self._rendering:
            check_writable_inside(self.project.output, folder / "x.png")  # .preview may be a planted link
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"{pdf.stem}-p*.png"):
                old.unlink(missing_ok=True)
            document = pdfium.PdfDocument(pdf)
            try:
                written = []
                for number, page in enumerate(document, 1):
                    target = folder / f"{pdf.stem}-p{number}.png"
                    with atomic_path(target, self.project.output) as temporary:
                        image = page.render(scale=PNG_WIDTH / page.get_width()).to_pil()
                        image.save(temporary, format="PNG")
                    written.append(target)
                return written
            finally:
                document.close()

    @property
    def preview_dir(self) -> Path:
        return self.project.output / PREVIEW_DIR

    def images(self, pdf: Path) -> list[Path]:
        """The page images of ``pdf``, drawn again if it is newer; none if it failed (is not there)."""
        if not pdf.is_file():
            return []
        folder = self.preview_dir / pdf.parent.relative_to(self.project.output)
        found = sorted(folder.glob(f"{pdf.stem}-p*.png"), key=lambda p: int(p.stem.rsplit("-p", 1)[1]))
        made = pdf.stat().st_mtime_ns
        if found and all(png.stat().st_mtime_ns >= made for png in found):
            return found
        return self._pngs(pdf)

    # -- watching ------------------------------------------------------------------------

    def watch(self) -> None:
        """Rebuild on every change to the project's own files, until stopped.

        Nothing ends this loop but :attr:`stop`: when watching fails (a folder vanished
        between the walk and the watch, the system ran out of watches, anything raised),
        the error is shown in the page and watching starts again after a pause. Each time
        a watch is in place, a build catches up with what was saved while none was.
        """
        catch_up = True  # for what was saved during the first build
        last_failure = ""
        while not self.stop.is_set():
            try:
                catch_up = self._watch(catch_up)
            except BaseException as exc:  # this thread is the only one that rebuilds: it must go on
                failure = f"{type(exc).__name__}: {exc}"
                if failure != last_failure:
                    log.exception("preview: watching the project failed; watching again")
                else:  # the same failure again: its traceback is already in the log
                    log.debug("preview: watching the project failed again: %s", failure)
                last_failure = failure
                self._record(f"internal error: watching the project failed: {failure}")
                self.stop.wait(RETRY_SECONDS)
                catch_up = True
            else:
                last_failure = ""

    def _watch(self, catch_up: bool) -> bool:
        """Watch the folders found now; return when they change (True) or when stopped (False).

        With ``catch_up``, build once as soon as the watch is in place (at its first
        quiet moment), for what changed while nothing was watching.
        """
        import watchfiles

        root = self.project.root
        folders = watched_folders(self.project)
        if len(folders) >= MAX_WATCHED:
            log.warning(
                "preview: watching only the first %d folders of the project; changes in others are not seen",
                MAX_WATCHED,
            )
        for changes in watchfiles.watch(
            root,
            *(folder for folder in folders if folder != root),  # a link may lead back to the root
            watch_filter=_project_filter(self.project),
            recursive=False,  # a recursive watch follows links wherever they lead
            stop_event=self.stop,
            debounce=150,
            step=50,
            rust_timeout=500,
            yield_on_timeout=True,
        ):
            if not changes and not catch_up:
                continue  # a quiet moment, nothing to catch up with
            catch_up = False
            self.rebuild()
            if watched_folders(self.project) != folders:
                return True  # folders came or went: watch the new ones, and catch up
        return False

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
                ) or "<p class=failed>Not built: see the error above.</p>"
                notes = []
                counts = dict.fromkeys(("missing", "fuzzy", "unreviewed"), 0)
                for language in job.languages:
                    if language == self.project.source_language:
                        continue  # its text is the source itself
                    for domain in (job.leaflet.domain, TEMPLATES_DOMAIN):
                        found = gaps(templates[domain], catalogues.catalog(language, domain), unreviewed=True)
                        for gap in found:
                            counts[gap.kind] += 1
                            if gap.kind == "unreviewed":
                                continue  # printed; counted, not listed
                            where = f" <small>{html.escape(gap.location)}</small>" if gap.location else ""
                            notes.append(
                                f"<li class={gap.kind}>{gap.kind}: {html.escape(gap.msgid)}{where}</li>"
                            )
                label = "+".join(job.languages)
                columns.append(
                    f'<div class=column data-lang="{html.escape(label)}"><h3>{html.escape(label)} '
                    f'<a href="/files/{_url(self.project, job.output)}">PDF</a></h3>'
                    f"<p class=status>{counts['missing']} missing, {counts['fuzzy']} fuzzy, "
                    f"{counts['unreviewed']} unreviewed</p>{images}"
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


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def watched_folders(project: Project, limit: int = MAX_WATCHED) -> list[Path]:
    """The real folders of ``leaflets/``, ``templates/`` and ``locales/``, each once, sorted.

    A link to a folder is followed only when it leads to a folder inside the project
    (and outside its output folder): a link to ``/`` in ``leaflets/`` adds nothing. At
    most ``limit`` folders.
    """
    import watchfiles

    root = project.root
    output = project.output.resolve()
    ignored = set(watchfiles.DefaultFilter.ignore_dirs)  # changes there are ignored anyway
    found: set[Path] = set()
    pending = [project.leaflets_dir, project.templates_dir, project.locales_dir]
    while pending and len(found) < limit:
        folder = pending.pop()
        try:
            real = folder.resolve(strict=True)
        except (OSError, RuntimeError):  # gone meanwhile, or a loop of links
            continue
        if real in found or not _inside(real, root) or _inside(real, output) or not real.is_dir():
            continue
        found.add(real)
        try:
            with os.scandir(real) as entries:
                # is_dir() follows a link only to stat its target; its folder is listed only
                # if the target passes the test above.
                pending.extend(Path(e.path) for e in entries if e.name not in ignored and e.is_dir())
        except OSError as exc:
            log.debug("preview: cannot list %s: %s", real, exc)
    return sorted(found)


def _project_filter(project: Project) -> Callable[[Any, str], bool]:
    """Which changes matter: beside ``qillqa.toml`` only the project's own files and folders."""
    import watchfiles

    default = watchfiles.DefaultFilter()
    root, output = project.root, project.output.resolve()
    own = {
        project.config_path.name,
        project.leaflets_dir.name,
        project.templates_dir.name,
        project.locales_dir.name,
    }

    def accept(change: Any, path: str) -> bool:
        where = Path(path)
        if where.parent == root and where.name not in own:
            return False  # the output folder, an editor's files beside qillqa.toml
        return not _inside(where, output) and default(change, path)

    return accept


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` values that name this server: a loopback name or ``host``, with ``port``.

    A page of another site that has pointed its own name at 127.0.0.1 (DNS rebinding)
    sends its own name, and is refused.
    """
    names = set(LOOPBACK_NAMES)
    given = host.strip().lower()
    if given:  # what the user chose with --host, and what the CLI prints and opens
        names.add(f"[{given}]" if ":" in given and not given.startswith("[") else given)
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:  # browsers leave out the default port
        hosts |= names
    return frozenset(hosts)


def _name_ok(name: str) -> bool:
    """Whether a leaflet or format name from a URL is worth looking up: one printable folder name."""
    return 0 < len(name) <= 255 and name.isprintable() and not name.startswith(".") and "/" not in name


def output_file(output: Path, relative: str) -> Path | None:
    """The PDF or PNG that ``relative`` names under ``output``, or None for anything else.

    None for an absolute, climbing, over-long or NUL-holding path, for one that leads out
    of ``output`` through a link, for a folder and for any other kind of file.
    """
    parts = relative.split("/")
    if (
        len(relative) > MAX_FILE_PATH
        or "\x00" in relative
        or "\\" in relative
        or any(part in ("", ".", "..") for part in parts)
        or Path(parts[-1]).suffix not in (".pdf", ".png")
    ):
        return None
    try:
        base = output.resolve(strict=True)
        target = base.joinpath(*parts).resolve(strict=True)
        if base not in target.parents or not target.is_file():
            return None
    except (OSError, RuntimeError, ValueError):  # missing, too long, a loop of links
        return None
    return target if target.suffix in (".pdf", ".png") else None


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
  // The other outputs were built around a failure: show them too.
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


def handler_for(preview: Preview, host: str = "127.0.0.1") -> type[BaseHTTPRequestHandler]:
    """The request handler of ``preview``, for a server that listens on ``host``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "qillqa-preview"
        answered = False

        def version_string(self) -> str:
            return self.server_version  # no Python version, no qillqa version

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("preview: " + format, *args)

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.answered = True
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _not_found(self) -> None:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")

        def _trusted(self) -> bool:
            """Whether the request names this server and comes from its own pages (or none)."""
            address = self.server.server_address
            hosts = allowed_hosts(host, int(address[1]) if isinstance(address, tuple) else 0)
            named = self.headers.get_all("Host") or []
            if len(named) != 1 or named[0].strip().lower() not in hosts:
                return False
            origins = self.headers.get_all("Origin") or []
            return not origins or (
                len(origins) == 1 and origins[0].strip().lower() in {f"http://{h}" for h in hosts}
            )

        def do_GET(self) -> None:
            self.answered = False
            try:
                if self._trusted():
                    self._route()
                else:
                    log.debug(
                        "preview: refused %r from %r", self.headers.get("Host"), self.headers.get("Origin")
                    )
                    self._send(HTTPStatus.FORBIDDEN, b"forbidden", "text/plain; charset=utf-8")
            except ConnectionError:  # the browser closed the page or the connection
                self.close_connection = True
            except BaseException:  # anything else is a bug: say so in the log, not to the browser
                log.exception("preview: GET %.200s failed", self.path)
                self.close_connection = True
                if not self.answered:
                    with contextlib.suppress(OSError):  # the connection may be what failed
                        self._send(
                            HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error", "text/plain; charset=utf-8"
                        )

        def _route(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            path = unquote(url.path)
            try:
                if path == "/":
                    self._send(HTTPStatus.OK, preview.index_page().encode(), "text/html; charset=utf-8")
                elif path.startswith("/leaflet/"):
                    name = path.removeprefix("/leaflet/")
                    fmt = query.get("format", [None])[0]
                    if not _name_ok(name) or (fmt is not None and not _name_ok(fmt)):
                        self._not_found()
                        return
                    page = preview.grid(name, fmt) if "fragment" in query else preview.leaflet_page(name, fmt)
                    self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
                elif path == "/events":
                    self._events()
                elif path.startswith("/files/"):
                    self._file(path.removeprefix("/files/"))
                else:
                    self._not_found()
            except QillqaError as exc:
                self._send(
                    HTTPStatus.OK,
                    _page("error", f"<pre id=error>{html.escape(exc.format_message())}</pre>").encode(),
                    "text/html; charset=utf-8",
                )

        def _file(self, relative: str) -> None:
            target = output_file(preview.project.output, relative)
            body = None
            if target is not None:
                try:
                    body = target.read_bytes()
                except OSError as exc:  # removed by a rebuild since it was found
                    log.debug("preview: cannot read %s: %s", target, exc)
            if target is None or body is None:
                log.debug("preview: no file %.200r", relative)
                self._not_found()
                return
            kind = "application/pdf" if target.suffix == ".pdf" else "image/png"
            self._send(HTTPStatus.OK, body, kind)

        def _events(self) -> None:
            self.answered = True
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            while not preview.stop.is_set():
                with preview.changed:
                    if preview.version == seen:
                        preview.changed.wait(timeout=10)
                    version, error = preview.version, preview.error
                if version != seen:
                    seen = version
                    self.wfile.write(f"data: {json.dumps({'version': version, 'error': error})}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()

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
    server = ThreadingHTTPServer((host, port), handler_for(preview, host))
    server.daemon_threads = True
    watcher = threading.Thread(target=preview.watch, name="qillqa-preview-watcher", daemon=True)
    if holder is not None:
        holder["preview"], holder["server"], holder["watcher"] = preview, server, watcher
    watcher.start()
    if ready is not None:
        ready.set()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        preview.stop.set()
        server.server_close()
        time.sleep(0)
