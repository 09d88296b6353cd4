"""Formats: ``templates/<name>/format.toml`` manifests.

A format is a folder of Jinja HTML and CSS with a manifest saying what the
pipeline must know without reading the template: the page size and count, the
entry template, the fonts (from ``fontpkg-*`` packages) and how far type may
shrink to fit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from qillqa.content import TEXT_FIELDS, Kind
from qillqa.errors import TemplateError, UsageError
from qillqa.papers import MM_PER_PT, PAGES
from qillqa.project import Project
from qillqa.sheets import LAYOUTS
from qillqa.tomlsrc import load_toml

MANIFEST = "format.toml"
#: Text fields that are lists, which a format may make one page per item of.
LIST_FIELDS = frozenset(name for name, spec in TEXT_FIELDS.items() if spec.kind is Kind.LIST)
_STYLES = ("normal", "italic")


@dataclass(frozen=True)
class FontSpec:
    """One font family a format uses, with the weights of each style it needs."""

    family: str
    weights: tuple[int, ...]
    italic: tuple[int, ...] = ()


@dataclass(frozen=True)
class Format:
    """A validated format manifest."""

    name: str
    folder: Path
    description: str
    entry: str
    width_mm: float
    height_mm: float
    pages: int
    fonts: tuple[FontSpec, ...]
    min_scale: float = 1.0
    #: About how many characters each text field has room for, for translators.
    room: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    #: One page per item of this list field (``pages = "slogans"``), instead of ``pages``.
    pages_per: str | None = None
    #: Booklets: pad with blank pages (before the last) to a multiple of this, at least ``pages``.
    pages_multiple: int = 1
    #: One output for all the project's languages.
    multilingual: bool = False
    #: How ``build --impose`` puts it on A4/Letter sheets (a layout of :mod:`qillqa.sheets`).
    impose: str = "fit"
    #: The root font size (pt) the template's rem units are designed at; auto-fit scales it.
    font_size: float = 12.0
    #: Whether the template may attach files to the PDF (``rel="attachment"``); off by default.
    attachments: bool = False
    #: A multilingual sheet: how many languages a page carries (more make more pages), and
    #: how many languages it takes at most.
    languages_per_page: int | None = None
    max_languages: int = 8

    def expected_pages(self, items: int = 0, languages: int = 1) -> int | None:
        """The page count a render must have (``None``: any multiple, checked separately)."""
        if self.pages_per is not None:
            return items
        if self.pages_multiple > 1:
            return None
        if self.multilingual and self.languages_per_page:
            return -(-languages // self.languages_per_page)
        return self.pages

    @property
    def size_pt(self) -> tuple[float, float]:
        return (self.width_mm / MM_PER_PT, self.height_mm / MM_PER_PT)

    @property
    def page_css(self) -> str:
        return f"@page {{ size: {self.width_mm}mm {self.height_mm}mm; }}"


def format_names(project: Project) -> tuple[str, ...]:
    folder = project.templates_dir
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST}")))


def load_format(project: Project, name: str) -> Format:
    """Load ``templates/<name>/format.toml``; an unknown name is a usage error."""
    folder = project.templates_dir / name
    path = folder / MANIFEST
    if not path.is_file():
        have = ", ".join(format_names(project)) or "none"
        raise UsageError(f"unknown format {name!r}; formats in this project: {have}")
    shown = project.relative(path)
    source = load_toml(path, TemplateError, project.root, display=shown)
    problems: list[str] = []

    def problem(key: str, text: str) -> None:
        line = source.line_of(key)
        problems.append(f"{shown}:{line}: {text}" if line else f"{shown}: {text}")

    table: Any = source.data.get("format", {})
    if not isinstance(table, dict):
        raise TemplateError("[format] must be a table", path=shown)
    description = str(table.get("description", name))
    entry = table.get("entry")
    if not isinstance(entry, str) or not (folder / entry).is_file():
        problem(
            "format.entry",
            f"'entry' must name a template file in {project.relative(folder)}, found {entry!r}",
        )
        entry = ""
    size = table.get("size")
    orientation = table.get("orientation", "portrait")
    width = height = 0.0
    if size not in PAGES:
        problem("format.size", f"'size' must be one of {', '.join(PAGES)}, found {size!r}")
    elif orientation not in ("portrait", "landscape"):
        problem(
            "format.orientation",
            f"'orientation' must be portrait or landscape, found {orientation!r}",
        )
    else:
        width, height = PAGES[size].width_mm, PAGES[size].height_mm
        if orientation == "landscape":
            width, height = height, width
    pages = table.get("pages")
    pages_per = None
    multiple = table.get("pages_multiple", 1)
    if isinstance(pages, str) and pages in LIST_FIELDS:
        pages_per, pages = pages, 1
    elif "pages_multiple" in table:
        pages = table.get("min_pages", multiple)
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        problem(
            "format.pages",
            "'pages' must be a whole number of pages or the name of a list field "
            f"({', '.join(sorted(LIST_FIELDS))}), found {pages!r}",
        )
        pages = 1
    if not isinstance(multiple, int) or isinstance(multiple, bool) or multiple < 1:
        problem("format.pages_multiple", f"'pages_multiple' must be a whole number, found {multiple!r}")
        multiple = 1
    font_size = table.get("font_size", 12)
    if not isinstance(font_size, int | float) or isinstance(font_size, bool) or not 4 <= font_size <= 200:
        problem(
            "format.font_size", f"'font_size' must be a size in points from 4 to 200, found {font_size!r}"
        )
        font_size = 12
    impose = table.get("impose", "fit")
    if impose not in LAYOUTS:
        problem("format.impose", f"'impose' must be one of {', '.join(LAYOUTS)}, found {impose!r}")
        impose = "fit"
    multilingual = table.get("multilingual", False)
    if not isinstance(multilingual, bool):
        problem("format.multilingual", f"'multilingual' must be true or false, found {multilingual!r}")
        multilingual = False
    per_page = table.get("languages_per_page")
    most = table.get("max_languages", 8)
    for key, value in (("languages_per_page", per_page), ("max_languages", most)):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if value is not None and not (whole and 1 <= value <= 32):
            problem(f"format.{key}", f"'{key}' must be a whole number from 1 to 32, found {value!r}")
            per_page, most = None, 8
    attachments = table.get("attachments", False)
    if not isinstance(attachments, bool):
        problem("format.attachments", f"'attachments' must be true or false, found {attachments!r}")
        attachments = False
    min_scale = table.get("min_scale", 1.0)
    if not isinstance(min_scale, int | float) or not 0.5 <= min_scale <= 1:
        problem("format.min_scale", f"'min_scale' must be between 0.5 and 1, found {min_scale!r}")
        min_scale = 1.0

    fonts: list[FontSpec] = []
    raw_fonts = source.data.get("fonts", [])
    if not isinstance(raw_fonts, list) or not raw_fonts:
        problem("fonts", "[[fonts]] must list at least one font family")
        raw_fonts = []
    for index, raw in enumerate(raw_fonts):
        key = "fonts"
        if not isinstance(raw, dict) or not isinstance(raw.get("family"), str):
            problem(key, f"[[fonts]] entry {index + 1} needs a 'family' name")
            continue
        weights = raw.get("weights", [400])
        italic = raw.get("italic", [])
        if not _weights_ok(weights) or not _weights_ok(italic):
            problem(key, f"font {raw['family']!r}: 'weights' and 'italic' list weights 100-900")
            continue
        fonts.append(FontSpec(raw["family"], tuple(weights), tuple(italic)))
    room = source.data.get("room", {})
    if not isinstance(room, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in room.values()
    ):
        problem("room", "[room] maps a text field to a number of characters, such as headline = 30")
        room = {}
    if problems:
        raise TemplateError("\n".join(problems))
    return Format(
        name,
        folder,
        description,
        entry,
        width,
        height,
        pages,
        tuple(fonts),
        float(min_scale),
        MappingProxyType(dict(room)),
        pages_per,
        multiple,
        multilingual,
        impose,
        float(font_size),
        attachments,
        per_page,
        most,
    )


def _weights_ok(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(w, int) and not isinstance(w, bool) and 100 <= w <= 900 for w in value
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
