"""Render a PDF's pages side by side into one PNG (for the README and for looking at output).

Usage: python tools/preview_png.py IN.pdf OUT.png [--width PX] [--gray]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image


def side_by_side(pdf: Path, width: int, gray: bool = False, gap: int = 24) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        scale = width / page.get_width()
        image = page.render(scale=scale, grayscale=gray).to_pil().convert("RGB")
        pages.append(image)
    height = max(p.height for p in pages)
    sheet = Image.new(
        "RGB", (sum(p.width for p in pages) + gap * (len(pages) + 1), height + 2 * gap), "#d9d9d9"
    )
    x = gap
    for image in pages:
        sheet.paste(image, (x, gap))
        x += image.width + gap
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pdf", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=600, help="width of one page in pixels")
    parser.add_argument("--gray", action="store_true", help="render in greyscale, like a photocopy")
    args = parser.parse_args()
    side_by_side(args.pdf, args.width, args.gray).save(args.png, optimize=True)


if __name__ == "__main__":
    main()
