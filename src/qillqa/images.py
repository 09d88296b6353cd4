"""Pictures of pages: PNG images of a PDF's pages, for messaging apps and the README."""

from __future__ import annotations

from pathlib import Path

from qillqa.fsutil import atomic_path

#: Width of a page image in pixels: sharp on a phone, small enough to send.
PNG_WIDTH = 1080


def pdf_to_pngs(pdf: Path, root: Path, width: int = PNG_WIDTH) -> list[Path]:
    """Write ``<pdf stem>-<n>.png`` beside ``pdf`` (inside the output folder ``root``); return their paths."""
    import pypdfium2 as pdfium  # local: only --png needs it

    written = []
    document = pdfium.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, 1):
            image = page.render(scale=width / page.get_width()).to_pil()
            target = pdf.with_name(f"{pdf.stem}-{number}.png")
            with atomic_path(target, root) as temporary:
                image.save(temporary, format="PNG", optimize=True)
            written.append(target)
    finally:
        document.close()
    return written
