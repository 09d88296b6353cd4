"""WeasyPrint: HTML to a checked PDF, loading nothing from outside the project.

The URL fetcher serves only files inside the project and the installed font
packages, plus ``data:`` URIs; anything else stops the render with an error
before a connection is attempted. The rendered document is checked against the
format (page count and size) before a byte is written: the PDF is the truth.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from qillqa import __version__
from qillqa.clock import build_time
from qillqa.errors import RenderError
from qillqa.formats import Format
from qillqa.limits import MAX_DATA_URI_CHARS, MAX_NESTING, MAX_RESOURCE_BYTES

log = logging.getLogger(__name__)

#: Rendered page sizes may differ from the manifest by rounding only.
SIZE_TOLERANCE_PT = 0.5
PX_TO_PT = 0.75


class RefusedResource(Exception):
    """A template or text asked for a resource outside the allowed roots."""


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Serves ``file:`` URLs under the allowed roots and ``data:`` URIs; refuses the rest.

    The first root is the project; files there may be no larger than ``MAX_RESOURCE_BYTES``.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)
        #: Files that an SVG picture draws with <image>, and which SVG does.
        self._drawn_by_svg: dict[str, str] = {}
        #: Every resource refused so far, as the error says it.
        self.refusals: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Serve ``url`` or refuse it; every refusal is also kept in :attr:`refusals`.

        WeasyPrint swallows errors raised while it draws an SVG (it only logs them), so the
        caller checks :attr:`refusals` after rendering and after writing.
        """
        try:
            return self._fetch(url, headers)
        except RefusedResource as exc:
            self.refusals.append(str(exc))
            raise

    def _fetch(self, url: str, headers: Any) -> URLFetcherResponse:
        from qillqa.pool import note

        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            if len(url) > MAX_DATA_URI_CHARS:
                raise RefusedResource(
                    f"refused to load a data: URI of {len(url) / 1e6:.1f} million characters, more than "
                    f"the {MAX_DATA_URI_CHARS / 1e6:.0f} million one may have"
                )
            note("loading a data: URI")
            response = super().fetch(url, headers)
            data = response.read()
            self._check(url, "a data: URI", data, response.content_type)
            return URLFetcherResponse(response.url, data, response.headers)
        if scheme != "file":
            raise RefusedResource(f"refused to load {url}: qillqa never loads anything from the network")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path == root or root in path.parents for root in self.roots):
            raise RefusedResource(f"refused to load {url}: it is outside the project")
        if not path.is_file():
            raise RefusedResource(f"cannot load {url}: no such file")
        in_project = self.roots[0] in path.parents  # installed packages (fonts, profiles) are trusted
        shown = path.relative_to(self.roots[0]).as_posix() if in_project else path.name
        note(f"loading {shown}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if not in_project:
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
        size = path.stat().st_size
        if size > MAX_RESOURCE_BYTES:
            raise RefusedResource(
                f"refused to load {shown}: it is {size / 1e6:.0f} MB, more than the "
                f"{MAX_RESOURCE_BYTES / 1e6:.0f} MB a leaflet's image or font may have"
            )
        data = path.read_bytes()
        self._check(path.as_uri(), shown, data, content_type)
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": content_type})

    def _check(self, url: str, shown: str, data: bytes, content_type: str) -> None:
        """Refuse a picture that is too big or expands too far, or an SVG drawn by another SVG."""
        from qillqa.resources import check_image

        report = check_image(data, content_type)
        if report.refused:
            raise RefusedResource(f"refused to load {shown}: {report.refused}")
        is_svg = report.images or data.lstrip()[:1] == b"<" or content_type == "image/svg+xml"
        if is_svg and url in self._drawn_by_svg:
            # Each SVG's own size is bounded, but one that draws another 10,000 times is not.
            raise RefusedResource(
                f"refused to load {shown}: an SVG picture ({self._drawn_by_svg[url]}) draws it, and "
                "qillqa does not let an SVG draw another SVG file"
            )
        for href in report.images:
            target = urljoin(url, href)
            if urlsplit(target).scheme == "file":
                target = Path(unquote(urlsplit(target).path)).resolve().as_uri()
            self._drawn_by_svg.setdefault(target, shown)


@dataclass(frozen=True)
class PageMetadata:
    title: str
    subject: str
    language: str


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _weasyprint_warnings(label: str) -> Iterator[None]:
    """Re-log WeasyPrint's warnings under qillqa's logger, naming the output."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        for record in handler.records:
            log.warning("%s: WeasyPrint: %s", label, record.getMessage())


_FONT_CONFIG: FontConfiguration | None = None


def font_configuration() -> FontConfiguration:
    """One font configuration per process: WeasyPrint caches loaded faces in it."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def render_document(
    html: str, fmt: Format, css: str, fetcher: ProjectFetcher, label: str, variant: str | None = None
) -> Any:
    """Lay out ``html`` for ``fmt`` with WeasyPrint; a refused resource stops with an error.

    ``variant`` (a WeasyPrint PDF variant) must be known here already: it sets the output intent.
    """
    font_config = font_configuration()
    profiles: dict[str, Any] = {}  # shared, so @color-profile in qillqa's CSS reaches the document
    estimate = estimated_depth(html)
    if estimate > 2 * MAX_NESTING:  # WeasyPrint's HTML parser is quadratic in depth: check before it
        raise RenderError(
            f"{label}: the page's elements nest {estimate} deep, more than the {MAX_NESTING} "
            "qillqa lays out; simplify the template"
        )
    with _weasyprint_warnings(label):
        try:
            document = weasyprint.HTML(string=html, base_url=fmt.folder.as_uri() + "/", url_fetcher=fetcher)
            depth, attachments = _inspect(document.etree_element)
            if depth > MAX_NESTING:
                raise RenderError(
                    f"{label}: the page's elements nest {depth} deep, more than the {MAX_NESTING} "
                    "qillqa lays out; simplify the template"
                )
            if attachments and not fmt.attachments:
                raise RenderError(
                    f"{label}: the page asks to attach {', '.join(map(repr, attachments))} to the PDF; "
                    f"attachments are refused unless templates/{fmt.name}/format.toml says attachments = true"
                )
            return document.render(
                font_config=font_config,
                stylesheets=[
                    weasyprint.CSS(
                        string=css, font_config=font_config, url_fetcher=fetcher, color_profiles=profiles
                    )
                ],
                color_profiles=profiles,
                pdf_variant=variant,
            )
        except FatalURLFetchingError as exc:
            cause = exc.__cause__ or exc
            raise RenderError(f"{label}: {cause}") from exc


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*+)([^<>]*+)>")
_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track")
)
#: Elements whose end tag may be left out: the next one of these closes the open one.
_CLOSED_BY = {"li": {"li"}, "p": {"p"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "option": {"option"}}


def estimated_depth(html: str) -> int:
    """How deeply ``html``'s elements nest, from its tags alone, in linear time.

    Exact for well-formed pages; never far below the parser's depth, so it can guard the parser.
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    deepest = 0
    for match in _TAG.finditer(html):
        closing, name, rest = match[1], match[2].lower(), match[3]
        if closing:
            if open_count.get(name):
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
            continue
        if name in _VOID or rest.endswith("/"):
            continue
        if stack and stack[-1] in _CLOSED_BY.get(name, ()):
            open_count[stack.pop()] -= 1
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        deepest = max(deepest, len(stack))
    return deepest


def _inspect(root: Any) -> tuple[int, list[str]]:
    """How deeply the page's elements nest, and what it asks to attach (``rel="attachment"``).

    Iterative: a page nested thousands deep must give a clear error, not a RecursionError.
    """
    deepest = 0
    attachments: list[str] = []
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        rel = element.get("rel") if isinstance(element.tag, str) else None
        if rel and "attachment" in rel.lower().split():
            attachments.append(element.get("href") or "")
        stack.extend((child, depth + 1) for child in element)
    return deepest, attachments


def tag_languages() -> None:
    """Give every tagged element written in its own language a ``/Lang`` in the PDF's structure.

    WeasyPrint's tagging (``pdf_tags``) sets the document's language only; screen readers
    switch voice on ``/Lang`` (ISO 32000 14.9.2), so each element with a ``lang`` attribute (a
    language section of a multilingual sheet, a text printed in a fallback language) gets one.
    WeasyPrint builds the tree with ``tags._build_box_tree``, a generator that yields the
    structure elements of a box to its parent: they are given the box's language on the way.
    Applied once per process; a WeasyPrint without that function is left as it is (and the
    test of ``/Lang`` fails).
    """
    try:
        import pydyf
        from weasyprint.pdf import tags
    except ImportError:  # pragma: no cover - both come with WeasyPrint
        return
    original = getattr(tags, "_build_box_tree", None)
    if original is None or getattr(original, "qillqa_lang", False):
        return

    def build_box_tree(box: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        element = getattr(box, "element", None)
        own = getattr(box, "element_tag", None) not in ("html", "body")
        lang = element.get("lang") if element is not None and own and hasattr(element, "get") else None
        for item in original(box, *args, **kwargs):
            if lang and "Lang" not in item:
                item["Lang"] = pydyf.String(lang)
            yield item

    build_box_tree.qillqa_lang = True  # type: ignore[attr-defined]
    tags._build_box_tree = build_box_tree


def finish_pdf(document: Any, metadata: PageMetadata, variant: str | None = None) -> bytes:
    """The PDF bytes of a checked document, with qillqa's metadata and no author.

    ``variant`` is a WeasyPrint PDF variant such as ``"pdf/x-4"``; those need dates, which
    come from ``SOURCE_DATE_EPOCH`` when set, so that builds can be reproduced.
    """
    document.metadata.title = metadata.title
    document.metadata.description = metadata.subject
    document.metadata.lang = metadata.language
    document.metadata.generator = f"qillqa {__version__}"
    document.metadata.authors = []
    # Tagged PDF: a structure tree for screen readers and reflow (WeasyPrint's PDF/UA tagging),
    # with the language of every element that names one.
    tag_languages()
    options: dict[str, Any] = {"pdf_tags": True}
    if variant:
        stamp = build_time().strftime("%Y-%m-%dT%H:%M:%S+00:00")
        document.metadata.created = document.metadata.modified = stamp
        options["pdf_variant"] = variant
    with _weasyprint_warnings(metadata.title):
        pdf: bytes = document.write_pdf(**options)
    return _stable_document_id(pdf)


_XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
_FILE_ID = re.compile(rb"/ID \[\([0-9a-f]{32}\) \([0-9a-f]{32}\)\]")


def _stable_document_id(pdf: bytes) -> bytes:
    """Replace the random XMP DocumentID WeasyPrint writes (PDF/X) with one derived from the content.

    Same length, so the PDF's cross-reference offsets stay valid; same input, same bytes.
    """
    if not _XMP_DOCUMENT_ID.search(pdf):
        return pdf
    blank = _FILE_ID.sub(b"/ID [(" + b"0" * 32 + b") (" + b"0" * 32 + b")]", pdf)
    blank = _XMP_DOCUMENT_ID.sub(b"xmp.did:" + b"0" * 36, blank)
    digest = hashlib.sha256(blank).hexdigest()
    stable = uuid.uuid5(uuid.NAMESPACE_URL, f"qillqa:{digest}")
    pdf = _XMP_DOCUMENT_ID.sub(b"xmp.did:" + str(stable).encode("ascii"), pdf)
    # The file identifier was hashed from the random ID: derive it from the content too.
    file_id = digest[:32].encode("ascii")
    return _FILE_ID.sub(b"/ID [(" + file_id + b") (" + file_id + b")]", pdf)


def check_pages(
    document: Any, fmt: Format, expected: int | None, label: str, fail: bool = True, languages: int = 1
) -> bool:
    """Check page count and size; ``True`` means "overflowed, try smaller type" (when not ``fail``).

    A multilingual sheet that overflows is told so: the number of languages is the cause to
    change, not one text.
    """
    count = len(document.pages)
    if expected is not None and count != expected:
        if count > expected:
            if not fail:
                return True
            if fmt.multilingual and languages > 1:
                raise RenderError(
                    f"{label}: {languages} languages do not fit on {expected} page(s) of {fmt.name}, even "
                    f"with the type at {round(fmt.min_scale * 100)}%; let fewer share a page "
                    f"(languages_per_page in templates/{fmt.name}/format.toml) or choose fewer languages "
                    "(sheet_languages in the leaflet's leaflet.toml, or --lang)"
                )
            field = overflow_field(document, expected)
            where = f"the {field!r} text" if field else "the text"
            raise RenderError(
                f"{label}: {where} does not fit: it needs {count} pages, the format has {expected}, "
                f"even with the type at {round(fmt.min_scale * 100)}%; shorten the text or the translation"
            )
        raise RenderError(f"{label}: the template made {count} pages, the format declares {expected}")
    width, height = fmt.size_pt
    for number, page in enumerate(document.pages, 1):
        got = (page.width * PX_TO_PT, page.height * PX_TO_PT)
        if abs(got[0] - width) > SIZE_TOLERANCE_PT or abs(got[1] - height) > SIZE_TOLERANCE_PT:
            raise RenderError(
                f"{label}: page {number} is {got[0]:.1f} x {got[1]:.1f} pt, "
                f"the format declares {width:.1f} x {height:.1f} pt; "
                "the template's CSS must not set @page size"
            )
    return False


def overflow_field(document: Any, expected: int) -> str | None:
    """The ``data-field`` of the first text pushed past the expected pages, if the template marks it."""

    def walk(box: Any, field: str | None) -> str | None:
        element = getattr(box, "element", None)
        if element is not None and getattr(element, "get", None) and element.get("data-field"):
            field = element.get("data-field")
        if getattr(box, "text", None) and str(box.text).strip() and field:
            return field
        for child in getattr(box, "children", ()):
            found = walk(child, field)
            if found:
                return found
        return None

    for page in document.pages[expected:]:
        found = walk(page._page_box, None)
        if found:
            return found
    return None


def pad_pages(document: Any, fmt: Format, fetcher: ProjectFetcher, css: str) -> Any:
    """Add blank pages before the last (the back cover) up to a multiple of ``fmt.pages_multiple``."""
    count = len(document.pages)
    target = max(fmt.pages, -(-count // fmt.pages_multiple) * fmt.pages_multiple)
    if target == count:
        return document
    blank = render_document("<!DOCTYPE html><html><body></body></html>", fmt, css, fetcher, fmt.name).pages[0]
    pages = [*document.pages[:-1], *[blank] * (target - count), document.pages[-1]]
    return document.copy(pages)
