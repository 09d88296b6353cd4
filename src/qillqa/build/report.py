"""Telling people what a build found: one line per missing, fuzzy or unusable translation,
and one per catalogue for the translations printed before anyone reviewed them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from qillqa.catalogs import TEMPLATES_DOMAIN, Miss
from qillqa.content import Leaflet
from qillqa.project import Project

log = logging.getLogger(__name__)


def _extract_templates(project: Project) -> Any:
    from qillqa.extract import extract_templates  # local: only a report of misses needs it

    return extract_templates(project)


def describe_misses(project: Project, leaflets: Iterable[Leaflet], misses: list[Miss]) -> list[str]:
    """One line per distinct missing, fuzzy or unusable message, with where it comes from; one per
    catalogue for its unreviewed ones."""
    places: dict[tuple[str, str | None, str], str] = {}
    for leaflet in leaflets:
        for message in leaflet.messages():
            places.setdefault(
                (leaflet.domain, message.context, message.text), f"{message.path}:{message.line}"
            )
    lines = []
    seen = set()
    template_places: dict[tuple[str | None, str], str] | None = None
    unreviewed: dict[tuple[str, str], list[Miss]] = {}
    for miss in misses:
        key = (miss.domain, miss.language, miss.context, miss.msgid)
        if key in seen:
            continue
        seen.add(key)
        if miss.reason == "unreviewed":
            unreviewed.setdefault((miss.language, miss.domain), []).append(miss)
            continue
        where = places.get((miss.domain, miss.context, miss.msgid))
        if where is None and miss.domain == TEMPLATES_DOMAIN:
            if template_places is None:
                template_places = {
                    (entry.context, entry.msgid): entry.locations[0]
                    for entry in _extract_templates(project)
                    if entry.locations
                }
            where = template_places.get((miss.context, miss.msgid))
        po = project.relative(project.po_path(miss.language, miss.domain))
        context = f" ({miss.context})" if miss.context else ""
        source = f", from {where}" if where else ""
        fallback = miss.printed_in if miss.printed_in != miss.language else ""
        instead = f"the {_name(fallback)} text" if fallback else "the source text"
        if miss.reason == "unusable":
            lines.append(
                f"{po}:{miss.line}: translation of {miss.msgid!r}{context}{source} not printed, "
                f"{instead} is printed instead: {miss.detail}"
            )
        elif fallback:
            lines.append(
                f"{po}: {miss.reason} translation{context}: {miss.msgid!r}{source}; {instead} is printed"
            )
        else:
            lines.append(f"{po}: {miss.reason} translation{context}: {miss.msgid!r}{source}")
    for (language, domain), found in unreviewed.items():
        po = project.relative(project.po_path(language, domain))
        first = min((miss.line for miss in found if miss.line), default=None)
        at = f":{first}" if first else ""
        lines.append(
            f"{po}{at}: {len(found)} translation(s) not yet reviewed by a fluent speaker "
            f"(marked 'unreviewed' or 'Machine-drafted'); 'qillqa i18n review {language}' lists them"
        )
    return lines


def _name(language: str) -> str:
    """``Quechua (qu)``: a fallback language as a warning names it."""
    from babel import Locale, UnknownLocaleError

    try:
        return f"{Locale.parse(language).get_display_name('en')} ({language})"
    except (UnknownLocaleError, ValueError):
        return language


def strict_refusal(project: Project, label: str, leaflet: Leaflet, misses: list[Miss]) -> str:
    """Why ``--strict`` refuses an output: every message that is missing, fuzzy or unreviewed."""
    unreviewed = sum(1 for miss in misses if miss.reason == "unreviewed")
    what = (
        "not translated"
        if not unreviewed
        else "not reviewed"
        if unreviewed == len(misses)
        else ("not translated or not reviewed")
    )
    return f"{label}: {len(misses)} message(s) {what} (--strict):\n" + "\n".join(
        describe_misses(project, [leaflet], misses)
    )
