"""docs/formats-<lang>.png: the first page of every format of the example, side by side.

Usage: .venv/bin/python tools/contact_sheet.py [LANG]   (after make build)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
FORMATS = ["flyer-a5", "flyer-a6", "trifold-a4", "poster-a3", "placards-a3", "pamphlet-a5", "multilingual-a4"]


def main() -> None:
    lang = sys.argv[1] if len(sys.argv) > 1 else "qu"
    height, gap = 420, 24
    pages = []
    for name in FORMATS:
        suffix = "" if name == "multilingual-a4" else f"-{lang}"
        pdf = pdfium.PdfDocument(REPO / "dist/peru-solidarity" / f"peru-solidarity-{name}{suffix}.pdf")
        page = pdf[0]
        pages.append(page.render(scale=height / page.get_height()).to_pil().convert("RGB"))
        pdf.close()
    sheet = Image.new(
        "RGB", (sum(p.width for p in pages) + gap * (len(pages) + 1), height + 2 * gap), "#d9d9d9"
    )
    x = gap
    for image in pages:
        sheet.paste(image, (x, gap))
        x += image.width + gap
    sheet.save(REPO / "docs" / f"formats-{lang}.png", optimize=True)


if __name__ == "__main__":
    main()
