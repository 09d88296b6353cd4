"""The translators' workflow: extract, update, add a language, review, compile.

``extract`` writes ``locales/<domain>.pot`` for the templates and for each
leaflet; a file is rewritten only when its messages change, so its creation
date moves only then. ``update`` merges every template into every language's
PO file as ``msgmerge --previous`` does (:func:`qillqa.po.merge`): translations are
kept, changed messages become fuzzy with the previous msgid (``#|``), removed ones
stay as obsolete (``#~``). Files are compared by what they say, not by their bytes:
one that Poedit or Weblate wrapped differently, or saved with CRLF, and that says the
same is left alone. With ``write=False`` both only report what would change
(``i18n update --check``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import tomlkit
from babel import Locale, UnknownLocaleError

from qillqa.catalogs import (
    TEMPLATES_DOMAIN,
    Catalogues,
    load_catalog,
    lost_translations,
    merged_catalog,
)
from qillqa.checks import ERROR, Finding, check_catalog
from qillqa.content import leaflet_names, load_leaflet
from qillqa.errors import CatalogError, ProjectError, QillqaError, UsageError
from qillqa.extract import extract_leaflet, extract_templates
from qillqa.fsutil import atomic_write_bytes, holds, read_inside, sweep_litter
from qillqa.limits import MAX_TEXT_FILE_BYTES
from qillqa.po import PoFile
from qillqa.project import CONFIG_NAME, LANGUAGE_CODE, Project, load_project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    path: Path
    changed: bool


def templates_of(project: Project) -> dict[str, PoFile]:
    """Every domain's freshly extracted template catalogue: templates first, then leaflets."""
    catalogs = {TEMPLATES_DOMAIN: extract_templates(project)}
    for name in leaflet_names(project):
        leaflet = load_leaflet(project, name)
        catalogs[leaflet.domain] = extract_leaflet(project, leaflet)
    return catalogs


def pot_path(project: Project, domain: str) -> Path:
    return project.locales_dir / f"{domain}.pot"


def _read(project: Project, path: Path) -> PoFile | None:
    return load_catalog(path, project.relative(path), project.root) if path.is_file() else None


def _save(project: Project, path: Path, catalog: PoFile, old: PoFile | None, write: bool) -> Written:
    """Write ``catalog`` to ``path`` (inside the project) unless the file already says the same.

    "The same" is what the entries and header say, not the bytes: wrapping and line
    endings are the translator's tool's business.
    """
    changed = old is None or old.content() != catalog.content()
    if changed and write:
        data = catalog.render()
        if not holds(path, data, project.root):
            atomic_write_bytes(path, data, project.root)
    return Written(path, changed)


def extract(project: Project, write: bool = True) -> list[Written]:
    """Write ``locales/<domain>.pot`` for every domain."""
    written = []
    for domain, catalog in templates_of(project).items():
        path = pot_path(project, domain)
        old = _read(project, path)
        _keep_date(catalog, old)
        written.append(_save(project, path, catalog, old, write))
    return written


def _keep_date(template: PoFile, old: PoFile | None) -> None:
    """A POT file's creation date moves only when its messages do."""
    if old is None or old.content()[2] != template.content()[2]:
        return
    date = old.header.get("POT-Creation-Date")
    if date:
        template.set_header({**template.header, "POT-Creation-Date": date})


def update(project: Project, languages: tuple[str, ...] = (), write: bool = True) -> list[Written]:
    """Extract, then merge every domain's template into each language's PO file.

    Every file is read and merged before any is written: one malformed PO file stops the
    update with its file and line, and nothing is changed. Nor is anything written if a
    translation would be lost.
    """
    pending: list[tuple[Path, PoFile, PoFile | None]] = []
    for domain, template in templates_of(project).items():
        path = pot_path(project, domain)
        old_template = _read(project, path)
        _keep_date(template, old_template)
        pending.append((path, template, old_template))
        for language in project.select_languages(languages):
            po = project.po_path(language, domain)
            old = _read(project, po)
            merged = merged_catalog(old, template, language, project)
            if old is not None and (lost := lost_translations(old, merged)):
                raise CatalogError(
                    f"updating would lose the translation of {lost[0].msgid!r}; nothing written",
                    path=project.relative(po),
                    line=lost[0].line,
                )
            pending.append((po, merged, old))
    written = [_save(project, path, catalog, old, write) for path, catalog, old in pending]
    if write:
        sweep_litter(project.locales_dir)
    return written


def init_language(project: Project, language: str, locale: str | None = None) -> list[Path]:
    """Add ``language``: a PO file per domain, and the language in ``qillqa.toml``."""
    if not LANGUAGE_CODE.match(language):
        raise UsageError(f"language codes look like 'es', 'qu', 'es_PE' or 'qu_BO', found {language!r}")
    if language in project.languages:
        raise UsageError(f"{language!r} is already one of this project's languages")
    if locale is not None:
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError) as exc:
            raise UsageError(f"--locale {locale!r} is not a locale Babel knows") from exc
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        if locale is None:
            from qillqa.build.page import babel_locale

            added = replace(project, languages=(*project.languages, language))
            chain = added.fallback_chain(language)
            log.warning(
                "CLDR has no locale data for %r: dates and numbers will be formatted as in %r, and "
                "missing messages printed in %s; choose another locale with 'qillqa i18n init %s "
                "--locale es_PE' or [project.locales], other fallbacks with [project.fallbacks] in %s",
                language,
                str(babel_locale(added, language)),
                " then ".join(chain),
                language,
                CONFIG_NAME,
            )
    config = project.config_path
    raw = read_inside(config, project.root, MAX_TEXT_FILE_BYTES, ProjectError, CONFIG_NAME)
    document = tomlkit.parse(raw.decode("utf-8"))
    table = document["project"]
    table["languages"].append(language)
    if locale is not None:
        if "locales" not in table:
            table["locales"] = tomlkit.table()
        table["locales"][language] = locale
    created = []
    for domain, template in templates_of(project).items():
        _keep_date(template, _read(project, pot_path(project, domain)))  # as 'update' will date it
        po = project.po_path(language, domain)
        old = _read(project, po)
        _save(project, po, merged_catalog(old, template, language, project), old, True)
        created.append(po)
    atomic_write_bytes(config, tomlkit.dumps(document).encode("utf-8"), project.root)
    load_project(project.root)  # the edited file must still be valid
    created.append(config)
    return created


def check(project: Project, languages: tuple[str, ...] = ()) -> list[Finding]:
    """Findings for every catalogue of the selected languages."""
    catalogues = Catalogues(project)
    findings: list[Finding] = []
    for domain in templates_of(project):
        for language in project.select_languages(languages):
            catalog = catalogues.catalog(language, domain)
            if catalog is not None:
                path = project.po_path(language, domain)
                findings += check_catalog(catalog, path, language, project, domain == TEMPLATES_DOMAIN)
    return findings


def compile_catalogs(project: Project, languages: tuple[str, ...] = ()) -> list[Written]:
    """``.mo`` files beside the PO files, after the checks pass (fuzzy entries left out)."""
    errors = [f for f in check(project, languages) if f.severity == ERROR]
    if errors:
        raise QillqaError(
            f"{len(errors)} error(s) in the catalogues; nothing compiled:\n" + "\n".join(map(str, errors))
        )
    catalogues = Catalogues(project)
    written = []
    for domain in templates_of(project):
        for language in project.select_languages(languages):
            catalog = catalogues.catalog(language, domain)
            if catalog is None:
                raise ProjectError(
                    f"no catalogue {project.relative(project.po_path(language, domain))}; "
                    "run 'qillqa i18n update'"
                )
            path = project.po_path(language, domain).with_suffix(".mo")
            data = mo_bytes(catalog)
            if not holds(path, data, project.root):
                atomic_write_bytes(path, data, project.root)
            written.append(Written(path, True))
    return written


def mo_bytes(catalog: PoFile) -> bytes:
    """The ``.mo`` file of a catalogue, as ``msgfmt`` makes it: fuzzy and untranslated entries left out.

    Babel's writer lays out the file; the header is the PO file's own, every field as written.
    """
    from babel.messages.catalog import Message
    from babel.messages.mofile import write_mo

    header = "".join(f"{name}: {value}\n" for name, value in catalog.header.items())
    messages = [Message("", header)]
    for entry in catalog:
        if entry.translated and not entry.fuzzy:
            plural = len(entry.ids) > 1
            msgid = entry.ids if plural else entry.msgid
            messages.append(Message(msgid, entry.strings if plural else entry.string, context=entry.context))

    class Compiled:  # what write_mo reads of a Babel Catalog
        charset = "utf-8"

        def __iter__(self) -> Iterator[Message]:
            return iter(messages)

    buffer = io.BytesIO()
    write_mo(buffer, cast(Any, Compiled()), use_fuzzy=False)
    return buffer.getvalue()


@dataclass(frozen=True)
class Pending:
    """One translation awaiting review, where a reviewer finds it."""

    path: Path  # the PO file, relative to the project
    line: int
    context: str | None
    msgid: str
    msgstr: str
    note: str  # the comment that marks it


def review(
    project: Project,
    language: str,
    domains: tuple[str, ...] = (),
    match: str | None = None,
    by: str | None = None,
    mark: str | None = None,
) -> tuple[list[Pending], list[Written]]:
    """The unreviewed translations of ``language``; with ``by`` their marks are cleared, with ``mark`` set.

    ``match`` keeps only messages whose source text contains it (case-insensitive).
    ``by`` (a reviewer's name) replaces each mark with ``# reviewed by BY``; ``mark``
    (a reason) marks every reviewed translation selected ``# unreviewed: MARK``. The
    listed entries are the ones changed. Every file is read before any is written.
    """
    if by is not None and mark is not None:
        raise UsageError("--by clears review marks and --mark sets them: give one of them")
    for text, option in ((by, "--by"), (mark, "--mark")):
        if text is not None and (
            not text.strip() or any(ch in text for ch in "\r\n\x00") or text.rstrip().endswith("\\")
        ):
            raise UsageError(f"{option} takes one line of text, not ending in a backslash, found {text!r}")
    if language == project.source_language:
        raise UsageError(f"{language!r} is the source language: it has nothing to review")
    project.select_languages((language,))
    known = templates_of(project)
    for domain in domains:
        if domain not in known:
            raise UsageError(f"no domain {domain!r}; this project has: {', '.join(known)}")
    listed: list[Pending] = []
    pending: list[tuple[Path, PoFile, PoFile]] = []
    for domain in domains or tuple(known):
        path = project.po_path(language, domain)
        old = _read(project, path)
        if old is None:
            continue
        catalog = load_catalog(path, project.relative(path), project.root)
        for entry in catalog:
            if match is not None and match.casefold() not in " ".join(entry.ids).casefold():
                continue
            wanted = entry.translated and not entry.fuzzy and (entry.unreviewed != (mark is not None))
            if not wanted:
                continue
            note = entry.review_note if entry.unreviewed else ""
            shown = project.relative(path)
            listed.append(Pending(shown, entry.line, entry.context, entry.msgid, entry.string, note))
            if by is not None:
                entry.mark_reviewed(by.strip())
            elif mark is not None:
                entry.mark_unreviewed(mark.strip())
        pending.append((path, catalog, old))
    changing = by is not None or mark is not None
    written = [_save(project, path, catalog, old, changing) for path, catalog, old in pending]
    if changing:  # the lines as the files now are, where the reviewer will look
        lines = {}
        for file in written:
            if file.changed:
                for entry in load_catalog(file.path, project.relative(file.path), project.root):
                    lines[project.relative(file.path), entry.key] = entry.line
        listed = [replace(p, line=lines.get((p.path, (p.context, p.msgid)), p.line)) for p in listed]
    return listed, [w for w in written if w.changed]
