"""Build orchestration: every selected leaflet x format x language to a PDF.

A :class:`Job` is one output. For each job the leaflet is translated
(:mod:`qillqa.localize`), the format's template filled (:mod:`qillqa.templating`),
the HTML rendered and checked (:mod:`qillqa.rendering`) and the PDF written
atomically to ``<output>/<leaflet>/<leaflet>-<format>-<lang>.pdf``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from babel import Locale, UnknownLocaleError
from markupsafe import escape

from qillqa.catalogs import DRAFT_STAMP, TEMPLATES_DOMAIN, Catalogues, Miss, Policy, extract_templates
from qillqa.content import LEAFLET_FILE, Leaflet, load_leaflet, select_leaflets
from qillqa.errors import ContentError, QillqaError, UsageError
from qillqa.fonts import faces, font_css
from qillqa.formats import Format, format_names, load_format
from qillqa.fsutil import atomic_write_bytes
from qillqa.localize import localize
from qillqa.project import Project
from qillqa.rendering import PageMetadata, ProjectFetcher, render_pdf
from qillqa.templating import Namespace, environment, render

log = logging.getLogger(__name__)

#: The root font size templates are designed at; auto-fit scales it down.
BASE_FONT_SIZE_PT = 12


@dataclass(frozen=True)
class Job:
    """One output: a leaflet in one format and one language."""

    leaflet: Leaflet
    format: Format
    language: str
    output: Path

    @property
    def label(self) -> str:
        return f"{self.leaflet.name} {self.format.name} [{self.language}]"


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)


def output_path(output: Path, leaflet: str, fmt: str, language: str) -> Path:
    return output / leaflet / f"{leaflet}-{fmt}-{language}.pdf"


def plan(
    project: Project,
    leaflets: Iterable[str] = (),
    formats: Iterable[str] = (),
    languages: Iterable[str] = (),
    output: Path | None = None,
) -> list[Job]:
    """The jobs for the selection; empty selections mean everything."""
    names = select_leaflets(project, tuple(leaflets))
    wanted_formats = tuple(dict.fromkeys(formats))
    for name in wanted_formats:
        if name not in format_names(project):
            load_format(project, name)  # raises the usage error listing the formats
    langs = project.select_languages(tuple(languages))
    root = output or project.output
    loaded_formats: dict[str, Format] = {}
    jobs: list[Job] = []
    for name in names:
        leaflet = load_leaflet(project, name)
        for fmt_name in leaflet.formats:
            if fmt_name not in format_names(project):
                path = project.relative(leaflet.folder / LEAFLET_FILE)
                raise ContentError(
                    f"unknown format {fmt_name!r} in 'formats'; formats in this project: "
                    f"{', '.join(format_names(project)) or 'none'}",
                    path=path,
                    line=_line_of_formats(leaflet),
                )
            if wanted_formats and fmt_name not in wanted_formats:
                continue
            if fmt_name not in loaded_formats:
                loaded_formats[fmt_name] = load_format(project, fmt_name)
            for language in langs:
                target = output_path(root, name, fmt_name, language)
                jobs.append(Job(leaflet, loaded_formats[fmt_name], language, target))
    if wanted_formats and not jobs and names:
        raise UsageError(f"no selected leaflet uses format {', '.join(map(repr, wanted_formats))}")
    return jobs


def _line_of_formats(leaflet: Leaflet) -> int | None:
    lines = (leaflet.folder / LEAFLET_FILE).read_text(encoding="utf-8").splitlines()
    return next((n for n, text in enumerate(lines, 1) if text.lstrip().startswith("formats")), None)


def babel_locale(project: Project, language: str) -> Locale:
    """The formatting locale for ``language``, falling back to the source language."""
    for candidate in (project.locale_for(language), language, project.source_language, "en"):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    raise QillqaError(f"no locale data for {language!r}")  # pragma: no cover - "en" always exists


@dataclass(frozen=True)
class Page:
    """A job's filled template: the HTML, its title, and what fell back to the source."""

    html: str
    title: str
    misses: list[Miss]


def html_for(job: Job, project: Project, catalogues: Catalogues) -> Page:
    """The job's final HTML, and the messages that fell back to the source."""
    content = catalogues.translator(job.language, job.leaflet.domain)
    labels = catalogues.translator(job.language, TEMPLATES_DOMAIN)
    env = environment(job.format, babel_locale(project, job.language), labels)
    leaflet = localize(job.leaflet, job.language, content)
    context = {
        "lang": job.language.replace("_", "-"),
        "leaflet": leaflet,
        "format": Namespace("format", {"name": job.format.name, "pages": job.format.pages}),
    }
    html = render(env, job.format, project, context)
    if catalogues.policy is Policy.DRAFT:
        stamp = escape(labels.pgettext(DRAFT_STAMP[0], DRAFT_STAMP[1]))
        html = _insert_before_body_end(
            html, f'<div class="qillqa-draft" lang="{context["lang"]}">{stamp}</div>'
        )
    return Page(html, unescape(str(leaflet.title)), content.misses + labels.misses)


def _insert_before_body_end(html: str, fragment: str) -> str:
    index = html.lower().rfind("</body>")
    return html[:index] + fragment + html[index:] if index >= 0 else html + fragment


#: The draft stamp: fixed, so WeasyPrint repeats it on every page; grey, so it survives a photocopy.
DRAFT_CSS = """
.qillqa-draft { position: fixed; top: 42%; left: -10%; width: 120%; transform: rotate(-28deg);
  text-align: center; font: 700 22pt "Fira Sans", sans-serif; color: #000; opacity: .28;
  border-top: 2pt solid #000; border-bottom: 2pt solid #000; padding: 2pt 0; z-index: 1000; }
"""


def stylesheet(fmt: Format, scale: float = 1.0) -> str:
    """What qillqa adds to every template's CSS: fonts, page size, root type size."""
    size = BASE_FONT_SIZE_PT * scale
    return "\n".join(
        (
            font_css(fmt.fonts),
            f"@page {{ size: {fmt.width_mm}mm {fmt.height_mm}mm !important; }}",
            f"html {{ font-size: {size:.3f}pt !important; }}",
            # WeasyPrint hyphenates with U+2010, which many fonts lack: a fallback font would sneak in.
            'html { hyphenate-character: "-"; }',
            DRAFT_CSS,
        )
    )


def build(
    project: Project,
    leaflets: Iterable[str] = (),
    formats: Iterable[str] = (),
    languages: Iterable[str] = (),
    output: Path | None = None,
    policy: Policy = Policy.FALLBACK,
    on_written: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Build the selected outputs; see the module docstring."""
    jobs = plan(project, leaflets, formats, languages, output)
    if policy is Policy.STRICT:
        from qillqa.checks import ERROR
        from qillqa.i18n import check

        errors = [f for f in check(project, tuple(languages)) if f.severity == ERROR]
        if errors:
            raise QillqaError(
                f"{len(errors)} error(s) in the catalogues (--strict):\n" + "\n".join(map(str, errors))
            )
    catalogues = Catalogues(project, policy)
    result = BuildResult()
    for job in jobs:
        page = html_for(job, project, catalogues)
        result.misses.extend(page.misses)
        if page.misses and policy is Policy.STRICT:
            raise QillqaError(
                f"{job.label}: {len(page.misses)} message(s) not translated (--strict):\n"
                + "\n".join(describe_misses(project, [job.leaflet], page.misses))
            )
        roots = [project.root, *{face.path.parent for face in faces(job.format.fonts)}]
        pdf = render_pdf(
            page.html,
            job.format,
            stylesheet(job.format),
            ProjectFetcher(roots),
            PageMetadata(
                title=page.title,
                subject=job.format.description,
                language=job.language.replace("_", "-"),
            ),
            job.label,
        )
        atomic_write_bytes(job.output, pdf)
        result.written.append(job.output)
        if on_written:
            on_written(job.output)
    if result.misses and policy is not Policy.STRICT:
        leaflets_built = {job.leaflet.name: job.leaflet for job in jobs}.values()
        for line in describe_misses(project, leaflets_built, result.misses):
            log.warning("%s", line)
    return result


def describe_misses(project: Project, leaflets: Iterable[Leaflet], misses: list[Miss]) -> list[str]:
    """One line per distinct missing or fuzzy message, with where it comes from."""
    places: dict[tuple[str, str | None, str], str] = {}
    for leaflet in leaflets:
        for message in leaflet.messages():
            places.setdefault(
                (leaflet.domain, message.context, message.text), f"{message.path}:{message.line}"
            )
    lines = []
    seen = set()
    template_places: dict[tuple[str | None, str], str] | None = None
    for miss in misses:
        key = (miss.domain, miss.language, miss.context, miss.msgid)
        if key in seen:
            continue
        seen.add(key)
        where = places.get((miss.domain, miss.context, miss.msgid))
        if where is None and miss.domain == TEMPLATES_DOMAIN:
            if template_places is None:
                template_places = {
                    (m.context, str(m.id)): f"{m.locations[0][0]}:{m.locations[0][1]}"
                    for m in extract_templates(project)
                    if m.id and m.locations
                }
            where = template_places.get((miss.context, miss.msgid))
        po = project.relative(project.po_path(miss.language, miss.domain))
        lines.append(
            f"{po}: {miss.reason} translation"
            + (f" ({miss.context})" if miss.context else "")
            + f": {miss.msgid!r}"
            + (f", from {where}" if where else "")
        )
    return lines
