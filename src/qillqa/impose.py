"""Imposition: leaflet pages placed on A4 or Letter sheets, ready to print, cut and fold.

Where pages go is decided in :mod:`qillqa.sheets`; :func:`impose` puts each source page on
the sheet as a PDF form XObject with pikepdf, so everything stays vector and the fonts stay
embedded. Sheets are written front, back, front, back..., for duplex printing with the flip
that the layout names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qillqa.errors import QillqaError, UsageError
from qillqa.fsutil import atomic_path
from qillqa.papers import DEFAULT_PAPER, SHEETS
from qillqa.sheets import LAYOUTS, MM, Layout, mark_lines, placements, sheet_size, sides

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
    paper: str = DEFAULT_PAPER,
    creep_mm: float = 0.0,
    *,
    root: Path,
) -> Imposed:
    """Write ``target``: the pages of ``source`` imposed with ``layout_name`` on ``paper``."""
    import pikepdf  # local: only imposition needs it

    if layout_name not in LAYOUTS:
        raise UsageError(f"unknown layout {layout_name!r}; layouts: {', '.join(LAYOUTS)}")
    if paper not in SHEETS:
        raise UsageError(f"unknown paper {paper!r}; papers: {', '.join(SHEETS)}")
    layout = LAYOUTS[layout_name]
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError as exc:
        locked = "the PDF is locked with a password; qillqa cannot place its pages"
        raise QillqaError(locked, path=source) from exc
    except (pikepdf.PdfError, OSError) as exc:
        reason = str(exc).removeprefix(f"{source}: ")
        raise QillqaError(f"cannot read the PDF: {reason}", path=source) from exc
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
