"""How complete each catalogue is: messages and words, translated, fuzzy, untranslated.

Counts are taken against freshly extracted messages, so a message that is not in
a PO file yet (``i18n update`` not run) counts as untranslated, not as absent.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from babel.messages.catalog import Catalog

from qillqa.catalogs import Catalogues, messages_of
from qillqa.project import Project


def words(text: str) -> int:
    return len(re.findall(r"\w+(?:[’ʼ'-]\w+)*", text))


@dataclass(frozen=True)
class Row:
    domain: str
    language: str
    translated: int
    fuzzy: int
    untranslated: int
    translated_words: int
    fuzzy_words: int
    untranslated_words: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        """Share of messages translated and not fuzzy (100 for an empty domain)."""
        return 100.0 * self.translated / self.total if self.total else 100.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "total": self.total, "percent": round(self.percent, 1)}


def row(domain: str, language: str, template: Catalog, catalog: Catalog | None, is_source: bool) -> Row:
    counts = {"translated": [0, 0], "fuzzy": [0, 0], "untranslated": [0, 0]}
    for message in messages_of(template):
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found = catalog.get(message.id, context=message.context) if catalog is not None else None
        strings = found.string if found is not None else ""
        done = all(strings) if isinstance(strings, tuple) else bool(strings)
        if is_source or (done and found is not None and not found.fuzzy):
            key = "translated"
        elif done:
            key = "fuzzy"
        else:
            key = "untranslated"
        counts[key][0] += 1
        counts[key][1] += words(msgid)
    return Row(
        domain,
        language,
        counts["translated"][0],
        counts["fuzzy"][0],
        counts["untranslated"][0],
        counts["translated"][1],
        counts["fuzzy"][1],
        counts["untranslated"][1],
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
                )
            )
    return rows


@dataclass(frozen=True)
class Gap:
    """A message a language lacks (``missing``) or has only as a draft (``fuzzy``)."""

    msgid: str
    context: str | None
    kind: str
    location: str


def gaps(template: Catalog, catalog: Catalog | None) -> list[Gap]:
    """The untranslated and fuzzy messages of ``catalog`` against ``template``, with their source."""
    found = []
    for message in messages_of(template):
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        entry = catalog.get(message.id, context=message.context) if catalog is not None else None
        strings = entry.string if entry is not None else ""
        done = all(strings) if isinstance(strings, tuple) else bool(strings)
        kind = "missing" if not done else "fuzzy" if entry is not None and entry.fuzzy else ""
        if kind:
            where = f"{message.locations[0][0]}:{message.locations[0][1]}" if message.locations else ""
            found.append(Gap(msgid, message.context, kind, where))
    return found
