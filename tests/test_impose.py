"""Imposition: page order (pure functions, with hypothesis) and real sheets from real PDFs."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from qillqa.cli import cli
from qillqa.sheets import LAYOUTS, booklet_order, sides


def test_booklet_order_of_eight_pages() -> None:
    # 1-based: sheet 1 front 8|1, back 2|7; sheet 2 front 6|3, back 4|5
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_booklet_pads_with_blanks() -> None:
    assert booklet_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]


@given(st.integers(min_value=1, max_value=96))
def test_booklet_every_page_once_and_pairs_add_up(pages: int) -> None:
    order = booklet_order(pages)
    total = -(-pages // 4) * 4
    assert len(order) == total // 2  # two sides per sheet
    numbers = [i + 1 if i is not None else None for side in order for i in side]
    assert sorted(n for n in numbers if n is not None) == list(range(1, pages + 1))
    for left, right in order:
        left_n = left + 1 if left is not None else None
        right_n = right + 1 if right is not None else None
        # blanks sit where the padded page numbers would be
        padded = [n if n is not None else 0 for n in (left_n, right_n)]
        if None not in (left_n, right_n):
            assert sum(padded) == total + 1
    # fronts carry an even page on the left (the back half), backs an even page on the left too
    for index, (left, _right) in enumerate(order):
        if left is not None:
            assert (left + 1) % 2 == 0, (index, order)


@given(st.integers(min_value=1, max_value=12), st.sampled_from(["2up", "4up"]))
def test_step_and_repeat(pages: int, layout: str) -> None:
    order = sides(LAYOUTS[layout], pages)
    assert len(order) % 2 == 0  # front/back pairs
    for side in order:
        assert len(set(side)) == 1  # every copy on a side is the same page
    assert [side[0] for side in order if side[0] is not None] == list(range(pages))


def _texts(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    finally:
        document.close()


def test_two_up_sheets_are_vector_with_fonts(runner: CliRunner, mini: Path) -> None:
    assert (
        runner.invoke(cli, ["--project", str(mini), "build", "--format", "card", "--lang", "en"]).exit_code
        == 0
    )
    source = mini / "dist/hello/hello-card-en.pdf"
    result = runner.invoke(cli, ["impose", str(source), "--layout", "2up", "--paper", "letter"])
    assert result.exit_code == 0, result.output
    target = source.with_name("hello-card-en-2up-letter.pdf")
    assert result.stdout.strip().endswith("hello-card-en-2up-letter.pdf")
    assert "flipping on the short edge" in result.stderr
    reader = PdfReader(target)
    assert len(reader.pages) == 2  # front, and a blank back: the card is one-sided
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (
        792,
        612,
    )
    assert _texts(target)[0].count("Hello world") == 2
    forms = reader.pages[0]["/Resources"]["/XObject"]
    for form in forms.values():
        form = form.get_object()
        assert form["/Subtype"] == "/Form"
        fonts = form["/Resources"]["/Font"]
        for font in fonts.values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(font["/FontDescriptor"])


def test_booklet_from_a_built_booklet(runner: CliRunner, mini: Path) -> None:
    result = runner.invoke(
        cli, ["--project", str(mini), "build", "--format", "booklet", "--lang", "en", "--impose"]
    )
    assert result.exit_code == 0, result.output
    sheets = mini / "dist/hello/print/hello-booklet-en-booklet-a4.pdf"
    texts = _texts(sheets)
    assert len(texts) == 4  # 8 pages: 2 sheets, front and back
    assert texts[0] == "Back cover Cover"  # the first sheet's front: last page and page 1
    reader = PdfReader(sheets)
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (
        842,
        595,
    )


def test_unknown_layout_is_a_usage_error(runner: CliRunner, mini: Path) -> None:
    pdf = mini / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    result = runner.invoke(cli, ["impose", str(pdf), "--layout", "9up"])
    assert result.exit_code == 2


def test_broken_pdf_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"not a pdf")
    result = runner.invoke(cli, ["impose", str(pdf), "--layout", "2up"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {pdf}: cannot read the PDF")
    assert not list(tmp_path.glob("broken-*"))
