"""Telling people what a build found: one line per missing, fuzzy or unusable translation."""

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
                    for m in _extract_templates(project)
                    if m.id and m.locations
                }
            where = template_places.get((miss.context, miss.msgid))
        po = project.relative(project.po_path(miss.language, miss.domain))
        context = f" ({miss.context})" if miss.context else ""
        source = f", from {where}" if where else ""
        if miss.reason == "unusable":
            lines.append(
                f"{po}:{miss.line}: translation of {miss.msgid!r}{context}{source} not printed, "
                f"the source text is printed instead: {miss.detail}"
            )
        else:
            lines.append(f"{po}: {miss.reason} translation{context}: {miss.msgid!r}{source}")
    return lines
