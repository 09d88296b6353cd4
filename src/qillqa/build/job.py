"""One job, in a worker: fill, render (fitting the type when the text is long), check and write.

:func:`run_job` is what a worker process runs for each output; :func:`stylesheet` is
what qillqa adds to every template's CSS (fonts, page size, type size, variant).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qillqa.build.page import CMYK_PROFILE, Page, html_for, standalone_html, stylesheet
from qillqa.build.plan import Job, Options, sheets_path, too_many_languages
from qillqa.build.report import strict_refusal
from qillqa.catalogs import Catalogues, Miss, Policy
from qillqa.errors import ContentError, QillqaError, RenderError
from qillqa.fonts import faces
from qillqa.fsutil import atomic_write_bytes
from qillqa.project import Project

log = logging.getLogger(__name__)


@dataclass
class JobResult:
    """What building one output made (its PDF first) and found."""

    written: list[Path]
    misses: list[Miss]
    #: What the build would have logged as warnings (auto-fit, WeasyPrint), kept with the output.
    warnings: list[str] = field(default_factory=list)


@contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """Warnings logged under ``qillqa`` meanwhile, collected instead of printed.

    They belong to the output: the build keeps them with it and reports them on every
    build, rebuilt or not. Anything less than a warning goes where it went before.
    """
    logger = logging.getLogger("qillqa")
    found: list[str] = []
    previous = logger.handlers[:]

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                found.append(record.getMessage())
            else:
                for handler in previous:
                    handler.handle(record)

    logger.handlers[:] = [Collect()]
    try:
        yield found
    finally:
        logger.handlers[:] = previous


def run_job(job: Job, project: Project, catalogues: Catalogues, options: Options) -> JobResult:
    """Translate, fill, render, check and write one output (and its sheets and page images).

    A failure carries what was found before it (its ``details``: warnings, and the messages
    that fell back), so that a failed output hides nothing either.
    """
    with collected_warnings() as warnings:
        try:
            result = _run_job(job, project, catalogues, options)
        except QillqaError as exc:
            exc.details["warnings"] = list(warnings)
            raise
    result.warnings = warnings
    return result


def _run_job(job: Job, project: Project, catalogues: Catalogues, options: Options) -> JobResult:
    from qillqa.pool import note

    if why := too_many_languages(project, job):
        raise ContentError(why)
    note("filling the template")
    page = html_for(job, project, catalogues)
    try:
        return _write(job, project, page, options)
    except QillqaError as exc:
        exc.details["misses"] = list(page.misses)
        raise


def _write(job: Job, project: Project, page: Page, options: Options) -> JobResult:
    from qillqa.pool import note

    if page.misses and options.policy is Policy.STRICT:
        raise QillqaError(strict_refusal(project, job.label, job.leaflet, page.misses))
    pdf = render_job(job, page, project)
    atomic_write_bytes(job.output, pdf, job.root)
    written = [job.output]
    if options.emit_html:
        html = job.output.with_suffix(".html")
        atomic_write_bytes(html, standalone_html(job, page, project).encode("utf-8"), job.root)
        written.append(html)
    if options.impose_paper:
        from qillqa.impose import impose

        note("imposing the print sheets")
        written.append(
            impose(
                job.output,
                sheets_path(job, options.impose_paper),
                job.format.impose,
                options.impose_paper,
                root=job.root,
            ).path
        )
    if options.png:
        from qillqa.images import pdf_to_pngs

        note("drawing the page images")
        written += pdf_to_pngs(job.output, job.root)
    return JobResult(written, page.misses)


#: Auto-fit tries these type scales in turn, down to the format's ``min_scale``.
SCALE_STEP = 0.025


def render_job(job: Job, page: Page, project: Project) -> bytes:
    """Render, fitting the type if the text overflows, and return the checked PDF."""
    from qillqa.pool import note

    # Local: WeasyPrint takes half a second to import, which a no-op build never needs.
    from qillqa.rendering import (
        PageMetadata,
        ProjectFetcher,
        check_pages,
        finish_pdf,
        pad_pages,
        render_document,
    )

    fmt = job.format
    roots = [project.root, *{face.path.parent for face in faces(fmt.fonts)}]
    if job.variant.print_shop:
        if not CMYK_PROFILE.is_file():
            raise RenderError(
                f"{job.label}: --print-shop needs the CMYK profile {CMYK_PROFILE}; "
                "install it with: sudo apt-get install libgs-common"
            )
        roots.append(CMYK_PROFILE.parent)
    fetcher = ProjectFetcher(roots)
    pdf_variant = "pdf/x-4" if job.variant.print_shop else None
    expected = fmt.expected_pages(page.items, len(job.languages))
    scale = 1.0
    while True:
        note("laying out the pages" + (f" with the type at {round(scale * 100)}%" if scale < 1 else ""))
        document = render_document(
            page.html, fmt, stylesheet(fmt, scale, job.variant), fetcher, job.label, pdf_variant
        )
        last = scale - SCALE_STEP < fmt.min_scale - 1e-9
        overflow = check_pages(document, fmt, expected, job.label, fail=last, languages=len(job.languages))
        if not overflow:
            break
        scale = round(scale - SCALE_STEP, 3)
    if scale < 1:
        log.warning(
            "%s: the text was long, so the type was set at %d%% to fit", job.label, round(scale * 100)
        )
    if fmt.pages_multiple > 1:
        document = pad_pages(document, fmt, fetcher, stylesheet(fmt, scale, job.variant))
    note("writing the PDF")
    pdf = finish_pdf(
        document,
        PageMetadata(title=page.title, subject=fmt.description, language=job.language.replace("_", "-")),
        variant=pdf_variant,
    )
    if job.variant.mono:  # black toner only: every grey in DeviceGray, not DeviceRGB
        from qillqa.colours import to_device_gray

        pdf = to_device_gray(pdf)
    if fetcher.refusals:  # refused while WeasyPrint drew an SVG, which only logs what fails there
        raise RenderError(f"{job.label}: {fetcher.refusals[0]}")
    return pdf
