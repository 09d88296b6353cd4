"""WeasyPrint: HTML to a checked PDF, loading nothing from outside the project.

The URL fetcher serves only files inside the project and the installed font
packages, plus ``data:`` URIs; anything else stops the render with an error
before a connection is attempted. The rendered document is checked against the
format (page count and size) before a byte is written: the PDF is the truth.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from qillqa import __version__
from qillqa.errors import RenderError
from qillqa.formats import Format

log = logging.getLogger(__name__)

#: Rendered page sizes may differ from the manifest by rounding only.
SIZE_TOLERANCE_PT = 0.5
PX_TO_PT = 0.75


class RefusedResource(Exception):
    """A template or text asked for a resource outside the allowed roots."""


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Serves ``file:`` URLs under the allowed roots and ``data:`` URIs; refuses the rest."""

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedResource(f"refused to load {url}: qillqa never loads anything from the network")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path == root or root in path.parents for root in self.roots):
            raise RefusedResource(f"refused to load {url}: it is outside the project")
        if not path.is_file():
            raise RefusedResource(f"cannot load {url}: no such file")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


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


def render_pdf(
    html: str,
    fmt: Format,
    css: str,
    fetcher: ProjectFetcher,
    metadata: PageMetadata,
    label: str,
) -> bytes:
    """Render ``html`` for ``fmt`` and return the PDF bytes, after checking its pages."""
    font_config = font_configuration()
    with _weasyprint_warnings(label):
        try:
            document = weasyprint.HTML(
                string=html, base_url=fmt.folder.as_uri() + "/", url_fetcher=fetcher
            ).render(
                font_config=font_config,
                stylesheets=[weasyprint.CSS(string=css, font_config=font_config, url_fetcher=fetcher)],
            )
        except FatalURLFetchingError as exc:
            cause = exc.__cause__ or exc
            raise RenderError(f"{label}: {cause}") from exc
        check_pages(document, fmt, label)
        document.metadata.title = metadata.title
        document.metadata.description = metadata.subject
        document.metadata.lang = metadata.language
        document.metadata.generator = f"qillqa {__version__}"
        document.metadata.authors = []
        pdf: bytes = document.write_pdf()
    return pdf


def check_pages(document: Any, fmt: Format, label: str) -> None:
    """The document must have the format's page count and size."""
    count = len(document.pages)
    if count != fmt.pages:
        if count > fmt.pages:
            raise RenderError(
                f"{label}: the text does not fit: it needs {count} pages, the format has {fmt.pages}; "
                "shorten the text or the translation"
            )
        raise RenderError(f"{label}: the template made {count} pages, the format declares {fmt.pages}")
    width, height = fmt.size_pt
    for number, page in enumerate(document.pages, 1):
        got = (page.width * PX_TO_PT, page.height * PX_TO_PT)
        if abs(got[0] - width) > SIZE_TOLERANCE_PT or abs(got[1] - height) > SIZE_TOLERANCE_PT:
            raise RenderError(
                f"{label}: page {number} is {got[0]:.1f} x {got[1]:.1f} pt, "
                f"the format declares {width:.1f} x {height:.1f} pt; "
                "the template's CSS must not set @page size"
            )
