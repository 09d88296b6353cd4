"""A job's page: the leaflet translated into its language(s) and poured into the format's template.

:func:`html_for` gives the final HTML (and what fell back to the source text) without
WeasyPrint; :func:`check_glyphs` makes sure every character printed is in the format's fonts.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from babel import Locale, UnknownLocaleError
from markupsafe import Markup, escape

from qillqa.build.plan import HOME, Job, PrintVariant
from qillqa.catalogs import DRAFT_STAMP, TEMPLATES_DOMAIN, Catalogues, Miss, Policy, Translator
from qillqa.errors import QillqaError, RenderError
from qillqa.fonts import describe_chars, faces, font_css, missing_glyphs
from qillqa.formats import Format
from qillqa.languages import AYMARA, QUECHUA, family, locale_candidates, unlisted_name
from qillqa.localize import localize
from qillqa.project import Project
from qillqa.templating import Namespace, environment, render
from qillqa.templating import _date as format_date_filter

log = logging.getLogger(__name__)


def babel_locale(project: Project, language: str) -> Locale:
    """The formatting locale for ``language``: its own, else that of the first language it falls back to."""
    chain = project.fallback_chain(language)
    for candidate in locale_candidates(language, chain, project.locales):
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
    #: For a format with a page per list item: how many items, so how many pages.
    items: int = 0


def language_name(language: str) -> str:
    """A language's name in that language ("español", "Runasimi"); for one CLDR has no data for,
    its English name ("Aymara"); else its code."""
    try:
        return str(Locale.parse(language).get_display_name(language) or language)
    except (UnknownLocaleError, ValueError):
        return unlisted_name(language) or language


def mark_fallback_labels(html: str, labels: Translator, job: Job, project: Project) -> str:
    """The template's own words printed in a fallback language, marked as that language.

    The gettext functions return text that may stand in an attribute or a ``<title>``, where a
    ``<span>`` would not belong; so a label is marked afterwards, where a text node of the body
    starts with it (``<dt>Cuándo</dt>``, ``<p>Cuándo: ...``), which is how templates print labels.
    """
    source = project.source_language
    printed = {(miss.context, miss.msgid): miss.printed_in or source for miss in labels.misses}
    marks = {}
    for context, msgid, text in labels.used:
        language = printed.get((context, msgid))
        if language and language != job.language and text.strip():
            marks[str(escape(text))] = language.replace("_", "-")
    if not marks:
        return html
    head, found, body = html.partition("<body")
    if not found:
        return html
    words = "|".join(map(re.escape, sorted(marks, key=len, reverse=True)))
    pattern = re.compile(rf">\s*({words})(?=\s*[<:;,.!?)])")
    body = pattern.sub(
        lambda m: m.group(0).replace(m.group(1), f'<span lang="{marks[m.group(1)]}">{m.group(1)}</span>'),
        body,
    )
    return head + found + body


def share(items: list[Namespace], pages: int) -> list[list[Namespace]]:
    """``items`` in ``pages`` runs, in order, whose lengths differ by one at most: 5 in 2 is 3 + 2."""
    pages = max(1, min(pages, len(items)))
    size, extra = divmod(len(items), pages)
    runs, start = [], 0
    for page in range(pages):
        end = start + size + (1 if page < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


def html_for(job: Job, project: Project, catalogues: Catalogues) -> Page:
    """The job's final HTML, and the messages that fell back to the source."""
    labels = catalogues.translator(job.language, TEMPLATES_DOMAIN, job.format.fonts)
    used = []
    versions = []
    # Only the job's languages: an output is made from its own languages' catalogues (and its
    # cache key hashes those), so a broken Spanish PO file never stops the English flyer.
    for language in job.languages:
        translator = catalogues.translator(language, job.leaflet.domain, job.format.fonts)
        version = localize(job.leaflet, language, translator)
        used.append(translator)
        versions.append(
            Namespace(
                "language",
                {
                    "code": language,
                    "tag": language.replace("_", "-"),
                    "name": language_name(language),
                    "leaflet": version,
                },
            )
        )
    leaflet = next(v.leaflet for v in versions if v.code == job.language)

    def locales(language: str | None) -> Locale:
        return babel_locale(project, language or job.language)

    def date(value: Any, style: str = "long", language: str | None = None) -> Markup:
        """The date filter, marking a date written in its fallback locale's language as that language."""
        written = language or job.language
        locale = locales(language)
        text = escape(format_date_filter(locales, value, style, language))
        if family(locale.language) == family(written):
            return Markup(text)
        return Markup('<span lang="{}">{}</span>').format(str(locale).replace("_", "-"), text)

    env = environment(job.format, locales, labels, {"date": date})
    context = {
        "lang": job.language.replace("_", "-"),
        "leaflet": leaflet,
        "languages": versions,
        # A multilingual sheet's pages: the languages shared out evenly, the fuller pages first.
        "language_pages": share(versions, job.format.expected_pages(0, len(versions)) or 1),
        "variant": job.variant.classes,
        "format": Namespace("format", {"name": job.format.name, "pages": job.format.pages}),
    }
    html = mark_fallback_labels(render(env, job.format, project, context), labels, job, project)
    if catalogues.policy is Policy.DRAFT:
        # The source's words too: a translation of the stamp must not be able to hide it.
        stamp = escape(labels.pgettext(DRAFT_STAMP[0], DRAFT_STAMP[1]))
        source = escape(DRAFT_STAMP[1])
        lang = escape(project.source_language.replace("_", "-"))
        second = f'<br><span lang="{lang}">{source}</span>' if stamp != source else ""
        html = _insert_before_body_end(
            html, f'<div class="qillqa-draft" lang="{context["lang"]}">{stamp}{second}</div>'
        )
    listed = job.leaflet.text.get(job.format.pages_per) if job.format.pages_per else None
    items = len(listed) if isinstance(listed, tuple) else 0
    # Fields are translated as the template reads them: collect what was missing only now.
    misses = [miss for translator in used for miss in translator.misses]
    check_glyphs(job, html, [*used, labels])
    return Page(html, unescape(str(leaflet.title)), misses + labels.misses, items)


def check_glyphs(job: Job, html: str, translators: list[Translator]) -> None:
    """Every character printed must be in the format's fonts: no tofu, no silent fallback font.

    Translations are checked as they are looked up (one with such a character is not used,
    and the build says so); what is left is the source text and the template's own.
    """
    fmt = job.format
    families = ", ".join(spec.family for spec in fmt.fonts)
    for translator in translators:
        for context, msgid, text in translator.used:
            missing = missing_glyphs(text, fmt.fonts)
            if missing:
                where = f" ({context})" if context else ""
                raise RenderError(
                    f"{job.label}: {describe_chars(missing)} not in the fonts of {fmt.name} ({families}): "
                    f"in the source text{where} {msgid!r}"
                )
    missing = missing_glyphs(unescape(re.sub(r"<[^>]*>", " ", _body(html))), fmt.fonts)
    if missing:
        raise RenderError(
            f"{job.label}: {describe_chars(missing)} not in the fonts of {fmt.name} ({families}): "
            f"in the text of templates/{fmt.name}/{fmt.entry} or the leaflet's untranslated fields"
        )


def _body(html: str) -> str:
    """The document's body, without scripts, styles and inline SVG (which carry no printed text)."""
    body = html[html.lower().find("<body") :]
    return re.sub(r"(?is)<(style|script|svg)\b.*?</\1>", " ", body)


def _insert_before_body_end(html: str, fragment: str) -> str:
    index = html.lower().rfind("</body>")
    return html[:index] + fragment + html[index:] if index >= 0 else html + fragment


def standalone_html(job: Job, page: Page, project: Project) -> str:
    """The job's HTML with qillqa's CSS and a base URL, so ``weasyprint FILE.html OUT.pdf`` renders it alone.

    Every path in it is relative to the HTML file, so that ``dist/`` names no local folder.
    (Auto-fit's scale is not known here: the root font size is the format's own.)
    """
    here = job.output.parent

    def relative(path: Path) -> str:
        return quote(Path(os.path.relpath(path, here)).as_posix())

    css = stylesheet(job.format, 1.0, job.variant)
    for file in [face.path for face in faces(job.format.fonts)] + [CMYK_PROFILE]:
        css = css.replace(file.as_uri(), relative(file))
    head = f'<base href="{relative(job.format.folder)}/"><style>/* added by qillqa */\n{css}</style>'
    index = page.html.lower().find("<head>")
    if index < 0:
        return head + page.html
    index += len("<head>")
    return page.html[:index] + head + page.html[index:]


#: The draft stamp: fixed, so WeasyPrint repeats it on every page; grey, so it survives a photocopy.
DRAFT_CSS = """
.qillqa-draft { position: fixed; top: 42%; left: -10%; width: 120%; transform: rotate(-28deg);
  text-align: center; font: 700 22pt "Fira Sans", sans-serif; color: #000; opacity: .28;
  border-top: 2pt solid #000; border-bottom: 2pt solid #000; padding: 2pt 0; z-index: 1000; }
"""

#: Print shops: 3 mm bleed and crop marks (WeasyPrint then sets TrimBox and BleedBox), and the
#: CMYK profile of the PDF/X-4 output intent, from Debian's libgs-common (installed by make).
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")

PRINT_SHOP_CSS = (
    "@page { bleed: 3mm !important; marks: crop !important; }\n"
    f'@color-profile device-cmyk {{ src: url("{CMYK_PROFILE.as_uri()}"); components: c, m, y, k; }}'
)
#: No automatic hyphenation for languages without a trustworthy dictionary: every Quechua and
#: Aymara code, on every element written in one (and, as ``hyphens`` is inherited, on a
#: fallback's text inside it: no hyphenation is never wrong).
HYPHENATION_CSS = (
    ", ".join(f"*:lang({code})" for code in sorted(QUECHUA | AYMARA)) + " { hyphens: manual !important; }"
)


def stylesheet(fmt: Format, scale: float = 1.0, variant: PrintVariant = HOME) -> str:
    """What qillqa adds to every template's CSS: fonts, page size, root type size, variant."""
    size = fmt.font_size * scale
    return "\n".join(
        (
            font_css(fmt.fonts),
            f"@page {{ size: {fmt.width_mm}mm {fmt.height_mm}mm !important; }}",
            PRINT_SHOP_CSS if variant.print_shop else "",
            HYPHENATION_CSS,
            f"html {{ font-size: {size:.3f}pt !important; }}",
            # WeasyPrint hyphenates with U+2010, which many fonts lack: a fallback font would sneak in.
            'html { hyphenate-character: "-"; }',
            DRAFT_CSS,
        )
    )
