"""Imposition: leaflet pages arranged on A4 or Letter sheets, ready to print, cut and fold.

The page-order logic is pure functions over page numbers (:func:`sides`); placement
(:func:`impose`) puts each source page on the sheet as a PDF form XObject with pikepdf,
so everything stays vector and the fonts stay embedded. Sheets are written front, back,
front, back..., for duplex printing with the flip that :data:`LAYOUTS` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qillqa.errors import QillqaError, UsageError
from qillqa.formats import IMPOSE_LAYOUTS
from qillqa.fsutil import atomic_path

MM = 72 / 25.4
#: Sheet sizes in points, portrait.
PAPERS = {"a4": (595.276, 841.89), "letter": (612.0, 792.0)}
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


assert tuple(LAYOUTS) == IMPOSE_LAYOUTS, "formats.IMPOSE_LAYOUTS must list the layouts"


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
    width, height = PAPERS[paper]
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


# -- placement with pikepdf ----------------------------------------------------------------------


@dataclass(frozen=True)
class Imposed:
    path: Path
    layout: Layout
    paper: str
    sheets: int


def impose(
    source: Path,
    target: Path,
    layout_name: str,
    paper: str = "a4",
    creep_mm: float = 0.0,
    *,
    root: Path,
) -> Imposed:
    """Write ``target``: the pages of ``source`` imposed with ``layout_name`` on ``paper``."""
    import pikepdf  # local: only imposition needs it

    if layout_name not in LAYOUTS:
        raise UsageError(f"unknown layout {layout_name!r}; layouts: {', '.join(LAYOUTS)}")
    if paper not in PAPERS:
        raise UsageError(f"unknown paper {paper!r}; papers: {', '.join(PAPERS)}")
    layout = LAYOUTS[layout_name]
    try:
        pdf = pikepdf.open(source)
    except (pikepdf.PdfError, OSError) as exc:
        raise QillqaError(f"cannot read the PDF: {exc}", path=source) from exc
    with pdf:
        if not pdf.pages:
            raise QillqaError("the PDF has no pages", path=source)
        box = pdf.pages[0].trimbox
        page_size = (float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))
        out = pikepdf.new()
        forms = [out.copy_foreign(page.as_form_xobject()) for page in pdf.pages]
        cells = placements(layout, paper, page_size)
        marks = mark_lines(layout, paper, cells)
        order = sides(layout, len(forms))
        for number, side in enumerate(order):
            sheet = out.add_blank_page(page_size=sheet_size(layout, paper))
            xobjects = pikepdf.Dictionary()
            content = []
            for column, (cell, index) in enumerate(zip(cells, side, strict=True)):
                if index is None:
                    continue
                name = f"/P{index}"
                xobjects[name] = forms[index]
                shift = _creep(layout, creep_mm, number // 2, column % layout.columns)
                content.append(
                    f"q {cell.scale:.5f} 0 0 {cell.scale:.5f} {cell.x + shift:.3f} {cell.y:.3f} cm "
                    f"1 0 0 1 {-float(box[0]):.3f} {-float(box[1]):.3f} cm {name} Do Q"
                )
            if marks:
                content.append(
                    "q 0.25 w 0 G "
                    + " ".join(f"{a:.2f} {b:.2f} m {c:.2f} {d:.2f} l" for a, b, c, d in marks)
                    + " S Q"
                )
            sheet.Resources = pikepdf.Dictionary(XObject=xobjects)
            sheet.Contents = out.make_stream("\n".join(content).encode("ascii"))
        out.docinfo["/Title"] = str(pdf.docinfo.get("/Title", source.stem))
        out.docinfo["/Creator"] = pikepdf.String("qillqa impose")
        if "/Lang" in pdf.Root:
            out.Root.Lang = pdf.Root.Lang
        with atomic_path(target, root) as temporary:
            out.save(temporary, deterministic_id=True)
    return Imposed(target, layout, paper, len(order) // 2 + len(order) % 2)


def _creep(layout: Layout, creep_mm: float, sheet: int, column: int) -> float:
    """Booklets: the pages of inner sheets move toward the spine by ``creep_mm`` per sheet."""
    if layout.name != "booklet" or not creep_mm:
        return 0.0
    return creep_mm * MM * sheet * (1.0 if column == 0 else -1.0)
