"""Paper, in one table: page sizes a format may have, and the sheets printers take.

Every size, name and CUPS media keyword qillqa uses comes from here: formats
(``format.toml``'s ``size``), imposition sheets, the project's ``paper`` setting,
``lp``'s ``media=`` option and the command line's choices.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class Paper:
    """A paper size: portrait millimetres, and the name CUPS knows it by (if it prints on it)."""

    name: str
    width_mm: float
    height_mm: float
    cups: str = ""

    @property
    def size_pt(self) -> tuple[float, float]:
        return (self.width_mm / MM_PER_PT, self.height_mm / MM_PER_PT)


#: Page sizes a format may have (``size`` in format.toml), trimmed, portrait.
PAGES: dict[str, Paper] = {
    paper.name: paper
    for paper in (
        Paper("A3", 297, 420),
        Paper("A4", 210, 297),
        Paper("A5", 148, 210),
        Paper("A6", 105, 148),
        Paper("letter", 215.9, 279.4),
    )
}

#: The sheet a project prints on unless qillqa.toml says otherwise.
DEFAULT_PAPER = "a4"

#: Sheets that home and office printers take (``paper`` in qillqa.toml, ``--paper``).
SHEETS: dict[str, Paper] = {
    paper.name: paper for paper in (Paper("a4", 210, 297, "A4"), Paper("letter", 215.9, 279.4, "Letter"))
}
