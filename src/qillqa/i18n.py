"""The translators' workflow: extract, update, add a language, compile.

``extract`` writes ``locales/<domain>.pot`` for the templates and for each
leaflet; a file is rewritten only when its messages change, so its creation
date moves only then. ``update`` merges every template into every language's
PO file with Babel's ``Catalog.update``: translations are kept, changed messages
become fuzzy with the previous msgid (``#|``), removed ones stay as obsolete
(``#~``), and files that would not change are not rewritten. With
``write=False`` both only report what would change (``i18n update --check``).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from qillqa.catalogs import (
    TEMPLATES_DOMAIN,
    Catalogues,
    load_catalog,
    now,
    render_po,
    update_catalog,
)
from qillqa.checks import ERROR, Finding, check_catalog
from qillqa.content import leaflet_names, load_leaflet
from qillqa.errors import ProjectError, QillqaError, UsageError
from qillqa.extract import extract_leaflet, extract_templates
from qillqa.fsutil import atomic_write_bytes, holds, read_inside, sweep_litter
from qillqa.limits import MAX_TEXT_FILE_BYTES
from qillqa.project import CONFIG_NAME, LANGUAGE_CODE, Project, load_project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    path: Path
    changed: bool


def templates_of(project: Project) -> dict[str, Catalog]:
    """Every domain's freshly extracted template catalogue: templates first, then leaflets."""
    catalogs = {TEMPLATES_DOMAIN: extract_templates(project)}
    for name in leaflet_names(project):
        leaflet = load_leaflet(project, name)
        catalogs[leaflet.domain] = extract_leaflet(project, leaflet)
    return catalogs


def pot_path(project: Project, domain: str) -> Path:
    return project.locales_dir / f"{domain}.pot"


def _save(project: Project, path: Path, data: bytes, write: bool) -> Written:
    """Write ``data`` to ``path`` (inside the project) unless it already holds exactly that."""
    changed = not holds(path, data, project.root)
    if changed and write:
        atomic_write_bytes(path, data, project.root)
    return Written(path, changed)


def template_bytes(path: Path, catalog: Catalog, project: Project) -> bytes:
    """A POT file's new content; its creation date moves only when its messages do."""
    if path.is_file():
        previous = load_catalog(path, "", catalog.domain or "", project.relative(path), project.root)
        catalog.creation_date = previous.creation_date
        data = render_po(catalog)
        if holds(path, data, project.root):
            return data
    catalog.creation_date = now()
    return render_po(catalog)


def extract(project: Project, write: bool = True) -> list[Written]:
    """Write ``locales/<domain>.pot`` for every domain."""
    return [
        _save(
            project,
            pot_path(project, domain),
            template_bytes(pot_path(project, domain), catalog, project),
            write,
        )
        for domain, catalog in templates_of(project).items()
    ]


def update(project: Project, languages: tuple[str, ...] = (), write: bool = True) -> list[Written]:
    """Extract, then merge every domain's template into each language's PO file.

    Every file is read and merged before any is written: one malformed PO file stops the
    update with its file and line, and nothing is changed.
    """
    pending: list[tuple[Path, bytes]] = []
    for domain, template in templates_of(project).items():
        path = pot_path(project, domain)
        pending.append((path, template_bytes(path, template, project)))
        for language in project.select_languages(languages):
            po = project.po_path(language, domain)
            pending.append((po, render_po(update_catalog(po, template, language, project))))
    written = [_save(project, path, data, write) for path, data in pending]
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
            fallback = project.locale_for(project.source_language)
            log.warning(
                "CLDR has no locale data for %r: dates and numbers will be formatted as in %r; "
                "choose another with 'qillqa i18n init %s --locale es_PE' or [project.locales] in %s",
                language,
                fallback,
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
        po = project.po_path(language, domain)
        catalog = update_catalog(po, template, language, project)
        _save(project, po, render_po(catalog), True)
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
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            written.append(
                _save(project, project.po_path(language, domain).with_suffix(".mo"), buffer.getvalue(), True)
            )
    return written
