"""Sheets: how a leaflet's pages sit on A4 or Letter paper, in one table of layouts.

:data:`LAYOUTS` is the one list of layouts (format.toml's ``impose``, ``--layout``, the
names of imposed files); the page order (:func:`sides`) and the geometry
(:func:`placements`, :func:`mark_lines`) are pure functions, which :mod:`qillqa.impose`
turns into PDF pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qillqa.papers import SHEETS

MM = 72 / 25.4
#: How far cut marks reach, and how far from the page they start.
MARK_LENGTH = 5 * MM
MARK_OFFSET = 1.5 * MM


@dataclass(frozen=True)
class Layout:
    """How pages sit on a sheet: a grid of cells, the sheet's orientation, and the duplex flip."""

    name: str
    columns: int
    rows: int
    landscape: bool
    #: "short" or "long": the sheet edge the paper turns over for the back (IPP ``sides``).
    duplex: str
    #: "cut" marks between copies, "fold" marks on the spine, or none.
    marks: str
    instructions: str


LAYOUTS = {
    "2up": Layout(
        "2up",
        2,
        1,
        True,
        "short",
        "cut",
        "Print double-sided, flipping on the short edge. Cut along the marks: two leaflets per sheet.",
    ),
    "4up": Layout(
        "4up",
        2,
        2,
        False,
        "long",
        "cut",
        "Print double-sided, flipping on the long edge. Cut along the marks: four leaflets per sheet.",
    ),
    "booklet": Layout(
        "booklet",
        2,
        1,
        True,
        "short",
        "fold",
        "Print double-sided, flipping on the short edge. Keep the sheets in order, fold them in half "
        "together along the marks, and staple twice on the fold.",
    ),
    "trifold": Layout(
        "trifold",
        1,
        1,
        True,
        "short",
        "",
        "Print double-sided, flipping on the short edge. Fold the right-hand panel of the outside "
        "over first, then the left-hand one over it: the front cover ends up on top.",
    ),
    "fit": Layout("fit", 1, 1, False, "none", "", "Print single-sided; the page is scaled to the paper."),
}


# -- page order: pure functions ---------------------------------------------------------------


def booklet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """Saddle-stitch order: (left, right) page indices for each side, front then back.

    ``pages`` is padded with blanks (``None``) to a multiple of four. The first sheet's
    front carries the last page and page 1; on every side the two page numbers (1-based)
    add up to the padded count plus one.
    """
    total = -(-pages // 4) * 4 if pages else 0

    def page(number: int) -> int | None:  # 1-based number -> 0-based index, or a blank
        return number - 1 if number <= pages else None

    order: list[tuple[int | None, int | None]] = []
    for sheet in range(total // 4):
        order.append((page(total - 2 * sheet), page(2 * sheet + 1)))  # front: last, first
        order.append((page(2 * sheet + 2), page(total - 2 * sheet - 1)))  # back
    return order


def sides(layout: Layout, pages: int) -> list[tuple[int | None, ...]]:
    """For each sheet side in printing order, the page index (or blank) in each cell."""
    cells = layout.columns * layout.rows
    if layout.name == "booklet":
        return [tuple(side) for side in booklet_order(pages)]
    if cells == 1:
        return [(index,) for index in range(pages)]
    # Step and repeat: every cell of a side carries the same page; a single-sided
    # leaflet gets blank backs so that sheets stay front/back pairs.
    order: list[tuple[int | None, ...]] = [(index,) * cells for index in range(pages)]
    if len(order) % 2:
        order.append((None,) * cells)
    return order


# -- geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    x: float
    y: float
    scale: float
    width: float
    height: float


def sheet_size(layout: Layout, paper: str) -> tuple[float, float]:
    width, height = SHEETS[paper].size_pt
    return (height, width) if layout.landscape else (width, height)


def placements(layout: Layout, paper: str, page: tuple[float, float]) -> list[Placement]:
    """Where each cell's page goes: one scale for all, the grid centred on the sheet."""
    sheet_w, sheet_h = sheet_size(layout, paper)
    cell_w, cell_h = sheet_w / layout.columns, sheet_h / layout.rows
    scale = (
        min(1.0, cell_w / page[0], cell_h / page[1])
        if layout.name != "fit"
        else min(sheet_w / page[0], sheet_h / page[1])
    )
    width, height = page[0] * scale, page[1] * scale
    grid_w, grid_h = width * layout.columns, height * layout.rows
    left, bottom = (sheet_w - grid_w) / 2, (sheet_h - grid_h) / 2
    return [
        Placement(left + column * width, bottom + (layout.rows - 1 - row) * height, scale, width, height)
        for row in range(layout.rows)
        for column in range(layout.columns)
    ]


def mark_lines(
    layout: Layout, paper: str, cells: Sequence[Placement]
) -> list[tuple[float, float, float, float]]:
    """Short lines at the sheet's edges where it is cut (or folded), outside the pages if there is room."""
    if not layout.marks or not cells:
        return []
    sheet_w, sheet_h = sheet_size(layout, paper)
    xs = sorted({round(c.x, 3) for c in cells} | {round(c.x + c.width, 3) for c in cells})
    ys = sorted({round(c.y, 3) for c in cells} | {round(c.y + c.height, 3) for c in cells})
    if layout.marks == "fold":
        xs = [round(sheet_w / 2, 3)]
        ys = []
    top, bottom = max(ys or [sheet_h]), min(ys or [0])
    left, right = min(xs), max(xs)
    # A page edge that is the sheet's own edge needs no cutting.
    xs = [x for x in xs if 0.5 < x < sheet_w - 0.5]
    ys = [y for y in ys if 0.5 < y < sheet_h - 0.5]
    lines = []
    for x in xs:
        lines.append(
            (x, min(sheet_h, top + MARK_OFFSET), x, min(sheet_h, top + MARK_OFFSET + MARK_LENGTH))
            if sheet_h - top > MARK_OFFSET + 1
            else (x, sheet_h, x, sheet_h - MARK_LENGTH)
        )
        lines.append(
            (x, max(0.0, bottom - MARK_OFFSET), x, max(0.0, bottom - MARK_OFFSET - MARK_LENGTH))
            if bottom > MARK_OFFSET + 1
            else (x, 0.0, x, MARK_LENGTH)
        )
    for y in ys:
        lines.append(
            (max(0.0, left - MARK_OFFSET), y, max(0.0, left - MARK_OFFSET - MARK_LENGTH), y)
            if left > MARK_OFFSET + 1
            else (0.0, y, MARK_LENGTH, y)
        )
        lines.append(
            (min(sheet_w, right + MARK_OFFSET), y, min(sheet_w, right + MARK_OFFSET + MARK_LENGTH), y)
            if sheet_w - right > MARK_OFFSET + 1
            else (sheet_w, y, sheet_w - MARK_LENGTH, y)
        )
    return lines
