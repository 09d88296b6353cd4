"""Format features on the small fixture project: pages per slogan, booklets, multilingual
sheets, auto-fit, overflow, glyphs, QR codes, print-shop and mono variants, PNG pages."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner, Result
from PIL import Image
from pypdf import PdfReader

from qillqa.cli import cli

MM = 72 / 25.4


def run(runner: CliRunner, project: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--project", str(project), *args])


def pages_text(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    finally:
        document.close()


def edit(path: Path, find: str, replace: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert find in text, find
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


def test_one_page_per_slogan(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "sign", "--lang", "en").exit_code == 0
    pdf = mini / "dist/hello/hello-sign-en.pdf"
    assert pages_text(pdf) == ["One", "Two"]
    page = PdfReader(pdf).pages[0]
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (148, 105)


def test_booklet_padded_to_a_multiple_of_four_before_the_back_cover(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "booklet", "--lang", "en").exit_code == 0
    texts = pages_text(mini / "dist/hello/hello-booklet-en.pdf")
    assert len(texts) == 8
    assert texts[0] == "Cover" and texts[-1] == "Back cover"
    assert texts[5:7] == ["", ""]


def test_qr_code_is_vector(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "booklet", "--lang", "en").exit_code == 0
    back = PdfReader(mini / "dist/hello/hello-booklet-en.pdf").pages[-1]
    resources = back["/Resources"]
    images = [x for x in resources.get("/XObject", {}).values() if x.get_object().get("/Subtype") == "/Image"]
    assert images == []
    assert back.get_contents().get_data().count(b" l") > 50  # the modules, drawn as lines


def test_multilingual_sheet_holds_every_language(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "--format", "trio")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("dist/hello/hello-trio.pdf")
    text = pages_text(mini / "dist/hello/hello-trio.pdf")[0]
    assert "español Hola mundo 5 de diciembre de 2026" in text
    assert "English Hello world December 5, 2026" in text


def test_auto_fit_shrinks_a_slightly_long_text(runner: CliRunner, mini: Path) -> None:
    edit(mini / "templates/card/format.toml", "pages = 1", "pages = 1\nmin_scale = 0.8")
    edit(mini / "templates/card/card.html", "<h1>", '<div style="height: 18rem"></div><h1>')
    result = run(runner, mini, "build", "--format", "card", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "hello card [en]: the text was long, so the type was set at" in result.stderr
    assert len(PdfReader(mini / "dist/hello/hello-card-en.pdf").pages) == 1


def test_a_text_that_cannot_fit_names_its_field(runner: CliRunner, mini: Path) -> None:
    edit(mini / "templates/card/format.toml", "pages = 1", "pages = 1\nmin_scale = 0.9")
    edit(
        mini / "templates/card/card.html",
        "<p>{{ leaflet.text.lead }}</p>",
        '<p data-field="lead">{{ leaflet.text.lead }}</p>',
    )
    edit(
        mini / "leaflets/hello/leaflet.toml",
        'lead = "A *small* test card."',
        'lead = "' + "A long text. " * 200 + '"',
    )
    result = run(runner, mini, "build", "--format", "card", "--lang", "en")
    assert result.exit_code == 1
    assert "hello card [en]: the 'lead' text does not fit: it needs" in result.stderr
    assert "even with the type at 90%" in result.stderr
    assert not (mini / "dist/hello/hello-card-en.pdf").exists()


def test_a_character_missing_from_the_fonts_is_named(runner: CliRunner, mini: Path) -> None:
    """A translation with a character the fonts lack is not used; the source's own such character stops."""
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    edit(po, 'msgstr "Hola mundo"', 'msgstr "Hola mundo ✊"')
    line = po.read_text().splitlines().index('msgid "Hello world"') + 1
    result = run(runner, mini, "build", "--format", "card", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert (
        f"warning: locales/es/LC_MESSAGES/hello.po:{line}: translation of 'Hello world' (headline), from "
        "leaflets/hello/leaflet.toml:5 not printed, the source text is printed instead: "
        "U+270A '✊' (RAISED FIST) not in the fonts of this format (Fira Sans)"
    ) in result.stderr
    assert "Hello world" in PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text()
    assert run(runner, mini, "build", "--format", "card", "--lang", "es", "--strict").exit_code == 1
    edit(mini / "leaflets/hello/leaflet.toml", 'headline = "Hello world"', 'headline = "Hello world ✊"')
    result = run(runner, mini, "build", "--format", "card", "--lang", "en")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: hello card [en]: U+270A '✊' (RAISED FIST) not in the fonts of card (Fira Sans): "
        "in the source text (headline) 'Hello world ✊'"
    )


def test_print_shop_has_bleed_and_boxes(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "--format", "card", "--lang", "en", "--print-shop")
    assert result.exit_code == 0, result.output
    page = PdfReader(mini / "dist/hello/hello-card-en-print-shop.pdf").pages[0]
    trim = [float(v) for v in page.trimbox]
    bleed = [float(v) for v in page.bleedbox]
    media = [float(v) for v in page.mediabox]
    assert round((trim[2] - trim[0]) / MM) == 105 and round((trim[3] - trim[1]) / MM) == 148
    assert round((bleed[2] - bleed[0] - (trim[2] - trim[0])) / MM) == 6
    assert media[2] - media[0] >= bleed[2] - bleed[0]
    reader = PdfReader(mini / "dist/hello/hello-card-en-print-shop.pdf")
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 4  # CMYK
    assert b"pdfxid:GTS_PDFXVersion" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert "PDF/X-4" in reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def test_png_pages(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "--format", "sign", "--lang", "en", "--png")
    assert result.exit_code == 0, result.output
    pngs = sorted((mini / "dist/hello").glob("hello-sign-en-*.png"))
    assert [p.name for p in pngs] == ["hello-sign-en-1.png", "hello-sign-en-2.png"]
    with Image.open(pngs[0]) as image:
        assert image.width == 1080


@pytest.mark.parametrize("variant", ["--mono"])
def test_variant_files_do_not_replace_the_default(runner: CliRunner, mini: Path, variant: str) -> None:
    assert run(runner, mini, "build", "--format", "card", "--lang", "en").exit_code == 0
    assert run(runner, mini, "build", "--format", "card", "--lang", "en", variant).exit_code == 0
    assert sorted(p.name for p in (mini / "dist/hello").iterdir()) == [
        "hello-card-en-mono.pdf",
        "hello-card-en.pdf",
    ]


@pytest.mark.parametrize(
    "variant", [[], ["--print-shop"], ["--impose"]], ids=["home", "print-shop", "imposed"]
)
def test_builds_are_byte_identical(
    runner: CliRunner, mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: list[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    outputs = []
    for name in ("one", "two"):
        result = run(
            runner, mini, "build", "--format", "card", "--lang", "es", "-o", str(tmp_path / name), *variant
        )
        assert result.exit_code == 0, result.output
        outputs.append(sorted((tmp_path / name).rglob("*.pdf")))
    assert [p.name for p in outputs[0]] == [p.name for p in outputs[1]]
    for first, second in zip(*outputs, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_event_variants_from_events_csv(runner: CliRunner, mini: Path) -> None:
    (mini / "leaflets/hello/events.csv").write_text(
        "city,date,time,place,link\n"
        "São Paulo,2026-12-06,15:00-18:00,Avenida Paulista,https://example.org/sp\n"
        "Lima,2026-12-07,10:00,Plaza San Martín,\n",
        encoding="utf-8",
    )
    result = run(runner, mini, "build", "--format", "card", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert [Path(line).relative_to(mini).as_posix() for line in result.stdout.split()] == [
        "dist/hello/sao-paulo/hello-sao-paulo-card-es.pdf",
        "dist/hello/lima/hello-lima-card-es.pdf",
    ]
    assert (
        "6 de diciembre de 2026" in pages_text(mini / "dist/hello/sao-paulo/hello-sao-paulo-card-es.pdf")[0]
    )
    assert "7 de diciembre de 2026" in pages_text(mini / "dist/hello/lima/hello-lima-card-es.pdf")[0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "Lima,2026-13-01,10:00,Plaza,",
            "leaflets/hello/events.csv:2: 'date' must look like 2026-12-05, found '2026-13-01'",
        ),
        (
            "Lima,2026-12-01,25:00,Plaza,",
            "leaflets/hello/events.csv:2: 'time' must look like 14:00 or 14:00-17:00",
        ),
        ("Lima,2026-12-01,10:00", "leaflets/hello/events.csv:2: expected 5 columns, found 3"),
        (
            "Lima,2026-12-01,10:00,Plaza,ftp://x",
            "leaflets/hello/events.csv:2: 'link' must be an http(s) address",
        ),
    ],
)
def test_a_bad_events_row_names_its_line(runner: CliRunner, mini: Path, row: str, message: str) -> None:
    (mini / "leaflets/hello/events.csv").write_text(f"city,date,time,place,link\n{row}\n", encoding="utf-8")
    result = run(runner, mini, "build", "--format", "card")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}"), result.stderr


def test_images_with_translated_alt_text(runner: CliRunner, mini: Path) -> None:
    from qillqa.content import load_leaflet
    from qillqa.extract import extract_leaflet
    from qillqa.project import load_project

    (mini / "leaflets/hello/logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'><rect width='20' height='20'/></svg>"
    )
    edit(
        mini / "leaflets/hello/leaflet.toml",
        "[event]",
        '[images]\nlogo = { file = "logo.svg", alt = "Our logo" }\n\n[event]',
    )
    edit(
        mini / "templates/card/card.html",
        "<h1>",
        '<img src="{{ leaflet.images.logo.url }}" alt="{{ leaflet.images.logo.alt }}"'
        '{% if leaflet.images.logo.lang %} lang="{{ leaflet.images.logo.lang }}"{% endif %}><h1>',
    )
    project = load_project(mini)
    message = extract_leaflet(project, load_leaflet(project, "hello")).get(
        "Our logo", context="images.logo.alt"
    )
    assert message is not None and message.locations[0].startswith("leaflets/hello/leaflet.toml:")
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    po.write_text(po.read_text() + '\nmsgctxt "images.logo.alt"\nmsgid "Our logo"\nmsgstr "Nuestro logo"\n')
    result = run(runner, mini, "build", "--format", "card", "--lang", "es", "--emit-html")
    assert result.exit_code == 0, result.output
    html = (mini / "dist/hello/hello-card-es.html").read_text()
    assert 'alt="Nuestro logo"' in html
    from pypdf.generic import ContentStream

    reader = PdfReader(mini / "dist/hello/hello-card-es.pdf")
    operators = [op for _, op in ContentStream(reader.pages[0].get_contents(), reader).operations]
    assert b"re" in operators  # the logo's rectangle, drawn as vector
    # Aymara readers fall back to Spanish (es_PE): the alt text says it is Spanish, to the PDF too.
    assert run(runner, mini, "i18n", "init", "ay", "--locale", "es_PE").exit_code == 0
    result = run(runner, mini, "build", "--format", "card", "--lang", "ay", "--emit-html")
    assert result.exit_code == 0, result.output
    assert 'alt="Nuestro logo" lang="es">' in (mini / "dist/hello/hello-card-ay.html").read_text()
    with pikepdf.open(mini / "dist/hello/hello-card-ay.pdf") as document:
        figures = [e for e in _elements(document.Root.StructTreeRoot) if e.get("/S") == "/Figure"]
    assert [(str(f.Alt), str(f.Lang)) for f in figures] == [("Nuestro logo", "es")]


def test_a_leaflet_without_slogans_skips_the_placards(runner: CliRunner, mini: Path) -> None:
    edit(mini / "leaflets/hello/leaflet.toml", 'slogans = ["One", "Two"]\n', "")
    result = run(runner, mini, "build", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert (
        "warning: hello: no slogans, so no sign is built "
        "(add 'slogans' under [text] in leaflets/hello/leaflet.toml)" in result.stderr
    )
    assert not list((mini / "dist").rglob("hello-sign-*.pdf"))
    assert (mini / "dist/hello/hello-card-en.pdf").is_file()


def _elements(node: object) -> list[pikepdf.Dictionary]:
    """Every element of a PDF structure tree, in order."""
    found: list[pikepdf.Dictionary] = []
    kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else node
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid, *_elements(kid)]
    return found
