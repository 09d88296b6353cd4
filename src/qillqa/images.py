"""Pictures of pages: PNG images of a PDF's pages, for messaging apps and the README."""

from __future__ import annotations

from pathlib import Path

from qillqa.fsutil import atomic_path

#: Width of a page image in pixels: sharp on a phone, small enough to send.
PNG_WIDTH = 1080


def pdf_to_pngs(pdf: Path, root: Path, width: int = PNG_WIDTH) -> list[Path]:
    """Write ``<pdf stem>-<n>.png`` beside ``pdf`` (inside the output folder ``root``); return their paths.

    Images of pages the PDF no longer has are removed.
    """
    import pypdfium2 as pdfium  # local: only --png needs it

    from qillqa.build.plan import png_path, png_paths

    document = pdfium.PdfDocument(pdf)
    try:
        targets = png_paths(pdf, len(document))
        for page, target in zip(document, targets, strict=True):
            image = page.render(scale=width / page.get_width()).to_pil()
            with atomic_path(target, root) as temporary:
                image.save(temporary, format="PNG", optimize=True)
    finally:
        document.close()
    number = len(targets) + 1
    while (extra := png_path(pdf, number)).is_file():
        extra.unlink()
        number += 1
    return targets


def pngs_current(pdf: Path) -> list[Path] | None:
    """The page images of ``pdf`` if they are all there and newer than it, else ``None``."""
    import pypdfium2 as pdfium

    from qillqa.build.plan import png_paths

    document = pdfium.PdfDocument(pdf)
    try:
        targets = png_paths(pdf, len(document))
    finally:
        document.close()
    made = pdf.stat().st_mtime_ns
    if all(path.is_file() and path.stat().st_mtime_ns >= made for path in targets):
        return targets
    return None
