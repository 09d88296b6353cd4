"""Planning: which outputs a build makes, and the one place that names their files.

A :class:`Job` is one output: a leaflet in one format, in one language (or several, for a
multilingual sheet), printed one way (:class:`PrintVariant`). :func:`plan` turns a
selection into jobs; :func:`output_path` and :func:`sheets_path` name every file a build
writes, and :func:`parse_sheets_name` reads a sheet's layout and paper back from its name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from qillqa.catalogs import Policy
from qillqa.content import LEAFLET_FILE, Leaflet, load_leaflet, select_leaflets
from qillqa.errors import ContentError, UsageError
from qillqa.formats import Format, format_names, load_format
from qillqa.papers import SHEETS
from qillqa.project import Project
from qillqa.sheets import LAYOUTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintVariant:
    """How an output is printed: at home (the default), in a print shop, or toner-saving mono."""

    print_shop: bool = False
    mono: bool = False

    @property
    def suffix(self) -> str:
        return ("-print-shop" if self.print_shop else "") + ("-mono" if self.mono else "")

    @property
    def classes(self) -> str:
        return " ".join(name for name, on in (("print-shop", self.print_shop), ("mono", self.mono)) if on)


#: Printed at home: the default variant.
HOME = PrintVariant()


@dataclass(frozen=True)
class Job:
    """One output: a leaflet in one format, in one language (or all, for a multilingual format)."""

    leaflet: Leaflet
    format: Format
    languages: tuple[str, ...]
    output: Path
    variant: PrintVariant = HOME
    #: The output folder every file of this job must be written inside.
    root: Path = Path()

    @property
    def language(self) -> str:
        """The page's main language: the only one, or the first of a multilingual sheet."""
        return self.languages[0]

    @property
    def label(self) -> str:
        return f"{self.leaflet.name} {self.format.name} [{'+'.join(self.languages)}]"


def output_path(
    output: Path,
    leaflet: str,
    fmt: str,
    language: str | None,
    variant: PrintVariant = HOME,
    event: str | None = None,
) -> Path:
    """``<output>/<leaflet>/[<event>/]<leaflet>[-<event>]-<format>[-<lang>][-print-shop][-mono].pdf``."""
    name = f"{leaflet}-{event}" if event else leaflet
    stem = f"{name}-{fmt}" + (f"-{language}" if language else "") + variant.suffix
    folder = output / leaflet / event if event else output / leaflet
    return folder / f"{stem}.pdf"


def plan(
    project: Project,
    leaflets: Iterable[str] = (),
    formats: Iterable[str] = (),
    languages: Iterable[str] = (),
    output: Path | None = None,
    variant: PrintVariant = HOME,
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
                    line=leaflet.formats_line,
                )
            if wanted_formats and fmt_name not in wanted_formats:
                continue
            if fmt_name not in loaded_formats:
                loaded_formats[fmt_name] = load_format(project, fmt_name)
            fmt = loaded_formats[fmt_name]
            # One copy of the leaflet per event of events.csv, or the leaflet itself.
            copies = [
                replace(leaflet, event=v.event, link=v.link or leaflet.link, city=v.slug)
                for v in leaflet.events
            ] or [leaflet]
            listed = leaflet.text.get(fmt.pages_per) if fmt.pages_per else None
            if fmt.pages_per and not listed:
                log.warning(
                    "%s: no %s, so no %s is built (add '%s' under [text] in %s)",
                    name,
                    fmt.pages_per,
                    fmt_name,
                    fmt.pages_per,
                    project.relative(leaflet.folder / LEAFLET_FILE),
                )
                continue
            for copy in copies:
                if fmt.multilingual:  # one sheet with the chosen languages
                    carried = sheet_languages(project, leaflet, tuple(languages))
                    target = output_path(root, name, fmt_name, None, variant, copy.city)
                    jobs.append(Job(copy, fmt, carried, target, variant, root))
                    continue
                for language in langs:
                    target = output_path(root, name, fmt_name, language, variant, copy.city)
                    jobs.append(Job(copy, fmt, (language,), target, variant, root))
    if wanted_formats and not jobs and names:
        raise UsageError(f"no selected leaflet uses format {', '.join(map(repr, wanted_formats))}")
    return jobs


def sheet_languages(project: Project, leaflet: Leaflet, selected: tuple[str, ...]) -> tuple[str, ...]:
    """The languages a multilingual sheet carries: ``--lang``'s, else the leaflet's
    ``sheet_languages``, else the project's. More than its format takes fails that output
    alone (:func:`too_many_languages`), when it is built.
    """
    return project.select_languages(selected) if selected else leaflet.sheet_languages or project.languages


def too_many_languages(project: Project, job: Job) -> str | None:
    """Why a multilingual job cannot be built: more languages than its format takes."""
    fmt = job.format
    if not fmt.multilingual or len(job.languages) <= fmt.max_languages:
        return None
    where = project.relative(job.leaflet.folder / LEAFLET_FILE)
    return (
        f"{job.label}: the {fmt.name} sheet carries at most {fmt.max_languages} languages and this one "
        f"would carry {len(job.languages)} ({', '.join(job.languages)}): choose them with "
        f"sheet_languages = [...] in {where}, or with --lang"
    )


#: The folder beside a leaflet's PDFs that holds their print sheets.
SHEETS_FOLDER = "print"
_SHEETS_NAME = re.compile(rf"-({'|'.join(map(re.escape, LAYOUTS))})-({'|'.join(map(re.escape, SHEETS))})$")


def sheets_name(stem: str, layout: str, paper: str) -> str:
    """The file name of a PDF's print sheets: ``<stem>-<layout>-<paper>.pdf``."""
    return f"{stem}-{layout}-{paper}.pdf"


def parse_sheets_name(stem: str) -> tuple[str, str] | None:
    """(layout, paper) from the stem of a print sheets file, or ``None`` for another file."""
    match = _SHEETS_NAME.search(stem)
    return (match.group(1), match.group(2)) if match else None


def sheets_path(job: Job, paper: str) -> Path:
    """Where ``build --impose`` writes a job's sheets: ``<leaflet folder>/print/``."""
    return job.output.parent / SHEETS_FOLDER / sheets_name(job.output.stem, job.format.impose, paper)


def png_path(pdf: Path, number: int) -> Path:
    """The image ``--png`` writes of a PDF's page ``number``: ``<stem>-<n>.png``."""
    return pdf.with_name(f"{pdf.stem}-{number}.png")


def png_paths(pdf: Path, pages: int) -> list[Path]:
    """The page images ``--png`` writes beside a PDF."""
    return [png_path(pdf, number) for number in range(1, pages + 1)]


STALE = ".stale"


def stale_path(path: Path) -> Path:
    """Where a failed output's previous file is moved: ``name.stale.pdf`` (or ``.png``, ``.html``)."""
    return path.with_name(f"{path.stem}{STALE}{path.suffix}")


def output_files(pdf: Path, stale: bool = False) -> list[Path]:
    """The files of the output whose PDF is ``pdf`` (or their ``.stale`` copies), as they are on disk.

    Its PDF, its HTML, its page images and its print sheets, matched by their exact names,
    so that ``x-en.pdf`` never claims ``x-en-mono.pdf``'s files nor a ``.stale`` copy twice.
    """
    mark = STALE if stale else ""
    stem = pdf.stem
    images = re.compile(rf"{re.escape(stem)}-\d+{re.escape(mark)}\.png")
    found: list[Path] = []
    if pdf.parent.is_dir():
        for path in pdf.parent.iterdir():
            if path.name in (f"{stem}{mark}.pdf", f"{stem}{mark}.html") or images.fullmatch(path.name):
                found.append(path)
    sheets = pdf.parent / SHEETS_FOLDER
    if sheets.is_dir():
        for path in sheets.iterdir():
            name = path.name.removesuffix(".pdf")
            if stale != name.endswith(STALE):
                continue
            named = parse_sheets_name(name.removesuffix(STALE))
            if named and name.removesuffix(STALE) == sheets_name(stem, *named).removesuffix(".pdf"):
                found.append(path)
    return sorted(path for path in found if path.is_file() and not path.is_symlink())


@dataclass(frozen=True)
class Options:
    """Everything about a build that is neither the project nor the selection."""

    policy: Policy = Policy.FALLBACK
    variant: PrintVariant = HOME
    impose_paper: str | None = None
    emit_html: bool = False
    png: bool = False
