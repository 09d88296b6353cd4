"""How complete each catalogue is: messages and words reviewed, unreviewed, fuzzy and missing.

Counts are taken against freshly extracted messages, so a message that is not in
a PO file yet (``i18n update`` not run) counts as missing, not as absent. A translation
is *unreviewed* when a translator comment says so (:attr:`qillqa.po.Entry.unreviewed`):
it is printed, but nobody fluent has checked it yet. ``status --json`` prints
:func:`report`, whose shape docs/status-json.md describes (``schema_version`` 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qillqa.catalogs import Catalogues
from qillqa.po import PoFile
from qillqa.project import Project

#: The version of the ``status --json`` document; a change that removes or renames a key bumps it.
SCHEMA_VERSION = 1
STATES = ("reviewed", "unreviewed", "fuzzy", "missing")


def words(text: str) -> int:
    return len(re.findall(r"\w+(?:[’ʼ'-]\w+)*", text))


@dataclass(frozen=True)
class Counts:
    """Messages (or words of their source text) in each state."""

    reviewed: int = 0
    unreviewed: int = 0
    fuzzy: int = 0
    missing: int = 0

    @property
    def total(self) -> int:
        return self.reviewed + self.unreviewed + self.fuzzy + self.missing

    @property
    def translated(self) -> int:
        """Printed as translated: reviewed or not."""
        return self.reviewed + self.unreviewed

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, s) + getattr(other, s) for s in STATES))

    def as_dict(self) -> dict[str, int]:
        return {**{state: getattr(self, state) for state in STATES}, "total": self.total}


def percent(part: int, whole: int) -> float:
    """A share as printed, to one decimal; 100 for nothing at all. ``--min-percent`` compares this."""
    return round(100.0 * part / whole, 1) if whole else 100.0


@dataclass(frozen=True)
class Row:
    domain: str
    language: str
    path: Path  # the PO file, relative to the project
    template: Path  # the POT file, relative to the project
    exists: bool
    messages: Counts
    words: Counts

    @property
    def percent(self) -> float:
        """Share of messages translated (reviewed or not) and not fuzzy."""
        return percent(self.messages.translated, self.messages.total)

    @property
    def reviewed_percent(self) -> float:
        return percent(self.messages.reviewed, self.messages.total)

    def as_dict(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "language": self.language,
            "path": self.path.as_posix(),
            "template": self.template.as_posix(),
            "exists": self.exists,
            "messages": self.messages.as_dict(),
            "words": self.words.as_dict(),
            "percent": self.percent,
            "reviewed_percent": self.reviewed_percent,
        }


def state_of(catalog: PoFile | None, msgid: str, context: str | None, is_source: bool) -> str:
    """One message's state in a catalogue: reviewed, unreviewed, fuzzy or missing."""
    if is_source:
        return "reviewed"
    entry = catalog.get(msgid, context) if catalog is not None else None
    if entry is None or not entry.translated:
        return "missing"
    if entry.fuzzy:
        return "fuzzy"
    return "unreviewed" if entry.unreviewed else "reviewed"


def row(
    domain: str, language: str, template: PoFile, catalog: PoFile | None, is_source: bool, project: Project
) -> Row:
    messages: dict[str, int] = dict.fromkeys(STATES, 0)
    counted: dict[str, int] = dict.fromkeys(STATES, 0)
    for message in template:
        state = state_of(catalog, message.msgid, message.context, is_source)
        messages[state] += 1
        counted[state] += words(message.msgid)
    from qillqa.i18n import pot_path

    return Row(
        domain,
        language,
        project.relative(project.po_path(language, domain)),
        project.relative(pot_path(project, domain)),
        catalog is not None,
        Counts(**messages),
        Counts(**counted),
    )


def status(project: Project, languages: tuple[str, ...] = ()) -> list[Row]:
    """One row per domain and language."""
    from qillqa.i18n import templates_of

    catalogues = Catalogues(project)
    rows = []
    for domain, template in templates_of(project).items():
        for language in project.select_languages(languages):
            rows.append(
                row(
                    domain,
                    language,
                    template,
                    catalogues.catalog(language, domain),
                    language == project.source_language,
                    project,
                )
            )
    return rows


def _totals(rows: list[Row]) -> dict[str, object]:
    messages = sum((r.messages for r in rows), Counts())
    counted = sum((r.words for r in rows), Counts())
    return {
        "messages": messages.as_dict(),
        "words": counted.as_dict(),
        "percent": percent(messages.translated, messages.total),
        "reviewed_percent": percent(messages.reviewed, messages.total),
    }


def report(project: Project, rows: list[Row]) -> dict[str, object]:
    """The ``status --json`` document: every catalogue, each language's totals, and the project's."""
    languages = list(dict.fromkeys(r.language for r in rows))
    return {
        "schema_version": SCHEMA_VERSION,
        "project": project.name,
        "source_language": project.source_language,
        "catalogues": [r.as_dict() for r in rows],
        "languages": {lang: _totals([r for r in rows if r.language == lang]) for lang in languages},
        "totals": _totals(rows),
    }


@dataclass(frozen=True)
class Gap:
    """A message a language lacks (``missing``), has only as a draft (``fuzzy``), or has unchecked."""

    msgid: str
    context: str | None
    kind: str
    location: str


def gaps(template: PoFile, catalog: PoFile | None, unreviewed: bool = False) -> list[Gap]:
    """The missing and fuzzy messages of ``catalog`` against ``template`` (and unreviewed ones, if asked)."""
    found = []
    wanted = {"missing", "fuzzy", *(("unreviewed",) if unreviewed else ())}
    for message in template:
        kind = state_of(catalog, message.msgid, message.context, False)
        if kind in wanted:
            where = message.locations[0] if message.locations else ""
            found.append(Gap(message.msgid, message.context, kind, where))
    return found
