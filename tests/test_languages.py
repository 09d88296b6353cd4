"""Any language: codes CLDR knows and does not, fallback chains, the locale and /Lang of what prints."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from qillqa.cli import cli
from qillqa.languages import CODE, fallback_chain, family, parents, uses_apostrophe
from qillqa.project import load_project


def run(runner: CliRunner, project: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--project", str(project), *args])


def edit(path: Path, find: str, replace: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert find in text, find
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


def text_of(pdf: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())


def structure_langs(pdf: Path) -> list[tuple[str, str]]:
    """(structure type, /Lang) of every element of the PDF's structure tree that has a /Lang."""
    found: list[tuple[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if "/Lang" in node:
                found.append((str(node.S), str(node.Lang)))
            walk(node.get("/K"))

    with pikepdf.open(pdf) as document:
        walk(document.Root.StructTreeRoot.K)
    return found


@pytest.mark.parametrize(
    "code", ["es", "qu", "quz", "es_PE", "es_419", "qu_BO", "qu_EC", "sr_Latn", "sr_Latn_RS"]
)
def test_codes_cldr_and_gettext_write_are_accepted(code: str) -> None:
    assert CODE.match(code)


@pytest.mark.parametrize("code", ["ES", "es-PE", "e", "es_pe", "es_4190", "../es", "es_PE_x"])
def test_other_codes_are_refused(code: str) -> None:
    assert not CODE.match(code)


def test_families_and_parents() -> None:
    assert [family(c) for c in ("qu", "quz", "quy", "qu_BO", "qug", "ay", "ayr", "es_419")] == [
        *("qu", "qu", "qu", "qu", "qu"),
        *("ay", "ay", "es"),
    ]
    assert uses_apostrophe("quy") and uses_apostrophe("ayc") and not uses_apostrophe("es")
    assert not uses_apostrophe("quc")  # K'iche', a Mayan language, is not Quechua
    assert parents("qu_Latn_BO") == ["qu_Latn", "qu"]
    assert parents("quz_PE") == ["quz", "qu"]


@pytest.mark.parametrize(
    ("language", "configured", "locales", "chain"),
    [
        ("qu_BO", {}, {}, ("qu", "en")),  # a regional variant: its base language, then the source
        ("quz", {}, {}, ("qu", "en")),  # Cusco Quechua: Quechua
        ("ay", {}, {"ay": "es_PE"}, ("es", "en")),  # formatted as Peruvian Spanish: read in Spanish
        ("ay", {}, {}, ("en",)),
        ("es_419", {}, {}, ("es", "en")),
        ("qu_BO", {"qu_BO": ("qu", "es")}, {}, ("qu", "es", "en")),  # configured wins
        ("en", {}, {}, ()),  # the source language falls back to nothing
        ("gn", {}, {}, ("en",)),
        ("qu_BO", {"qu": ("es",)}, {}, ("qu", "es", "en")),  # a fallback brings its own
        ("ay", {"ay": ("qu",), "qu": ("es",)}, {}, ("qu", "es", "en")),
        ("qu", {"qu": ("qu_BO",), "qu_BO": ("qu",)}, {}, ("qu_BO", "en")),  # a cycle ends
    ],
)
def test_fallback_chains(
    language: str, configured: dict[str, tuple[str, ...]], locales: dict[str, str], chain: tuple[str, ...]
) -> None:
    languages = ("es", "qu", "en", "qu_BO", "quz", "ay", "es_419", "gn")
    assert fallback_chain(language, languages, "en", configured, locales) == chain


def test_fallbacks_are_checked_where_they_are_written(tmp_path: Path, mini: Path) -> None:
    config = mini / "qillqa.toml"
    config.write_text(config.read_text() + '\n[project.fallbacks]\nes = ["fr"]\nxx = ["es"]\n')
    from qillqa.errors import ProjectError

    with pytest.raises(ProjectError) as caught:
        load_project(mini)
    message = str(caught.value)
    assert re.search(r"qillqa.toml:\d+: 'es' falls back to 'fr', which must be other languages", message)
    assert re.search(
        r"qillqa.toml:\d+: \[project.fallbacks\] names 'xx', which is not in 'languages'", message
    )


# -- builds ----------------------------------------------------------------------------------


def _translate_headline(project: Path, language: str, text: str) -> None:
    edit(
        project / f"locales/{language}/LC_MESSAGES/hello.po",
        'msgid "Hello world"\nmsgstr ""',
        f'msgid "Hello world"\nmsgstr "{text}"',
    )


def test_a_regional_variant_prints_its_base_language_marked_as_such(runner: CliRunner, mini: Path) -> None:
    """qu_BO with no translations yet prints Quechua, not English, and says so."""
    for language in ("qu", "qu_BO"):
        assert run(runner, mini, "i18n", "init", language).exit_code == 0
    _translate_headline(mini, "qu", "Rimaykullayki pacha")
    result = run(runner, mini, "build", "hello", "--format", "card", "--lang", "qu_BO", "--emit-html")
    assert result.exit_code == 0, result.output
    assert "Rimaykullayki pacha" in text_of(mini / "dist/hello/hello-card-qu_BO.pdf")
    assert (
        "locales/qu_BO/LC_MESSAGES/hello.po: missing translation (headline): 'Hello world', "
        "from leaflets/hello/leaflet.toml:5; the Quechua (qu) text is printed"
    ) in result.stderr
    html = (mini / "dist/hello/hello-card-qu_BO.html").read_text()
    assert '<html lang="qu-BO"' in html and '<span lang="qu">Rimaykullayki pacha</span>' in html
    assert ("/Span", "qu") in structure_langs(mini / "dist/hello/hello-card-qu_BO.pdf")
    # The second step: the Quechua changes, so the Bolivian page is built again.
    edit(mini / "locales/qu/LC_MESSAGES/hello.po", "Rimaykullayki pacha", "Napaykullayki pacha")
    result = run(runner, mini, "build", "hello", "--format", "card", "--lang", "qu_BO")
    assert result.exit_code == 0, result.output
    assert "Napaykullayki pacha" in text_of(mini / "dist/hello/hello-card-qu_BO.pdf")


def test_aymara_reads_spanish_next_with_spanish_dates(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "i18n", "init", "ay", "--locale", "es_PE")
    assert result.exit_code == 0, result.output
    assert load_project(mini).fallback_chain("ay") == ("es", "en")
    result = run(runner, mini, "build", "hello", "--format", "card", "--lang", "ay", "--emit-html")
    assert result.exit_code == 0, result.output
    text = text_of(mini / "dist/hello/hello-card-ay.pdf")
    assert "Hola mundo" in text and "5 de diciembre de 2026" in text
    html = (mini / "dist/hello/hello-card-ay.html").read_text()
    assert '<span lang="es">Hola mundo</span>' in html
    # The fuzzy Spanish lead is not printed for Aymara readers: English is, marked English.
    assert '<span lang="en">A <em>small</em> test card.</span>' in html
    # The template's own word and the date, in Spanish too, are marked Spanish.
    assert '<p><span lang="es">Cuándo</span>: <span lang="es-PE">5 de diciembre de 2026</span></p>' in html
    assert {("/Span", "es"), ("/Span", "en"), ("/Span", "es-PE")} <= set(
        structure_langs(mini / "dist/hello/hello-card-ay.pdf")
    )


def test_a_language_cldr_lacks_is_formatted_by_its_fallbacks_locale(runner: CliRunner, mini: Path) -> None:
    """Shipibo-Konibo is not in CLDR: it falls back to English, formatted as en_GB."""
    config = mini / "qillqa.toml"
    edit(config, "[project]", '[project]\nlocales = { en = "en_GB" }')
    result = run(runner, mini, "i18n", "init", "shp")
    assert result.exit_code == 0, result.output
    assert "formatted as in 'en_GB'" in result.stderr
    result = run(runner, mini, "build", "hello", "--format", "card", "--lang", "shp")
    assert result.exit_code == 0, result.output
    assert "When: 5 December 2026" in text_of(mini / "dist/hello/hello-card-shp.pdf")  # en_US: December 5


def test_the_multilingual_sheet_tags_each_language_section(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "hello", "--format", "trio")
    assert result.exit_code == 0, result.output
    langs = structure_langs(mini / "dist/hello/hello-trio.pdf")
    assert [lang for kind, lang in langs if kind == "/Sect"] == ["es", "en"]


def test_the_apostrophe_rule_follows_every_quechua_code(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "init", "quz").exit_code == 0
    _translate_headline(mini, "quz", "Rimaykullayki k'ancharichiq")
    result = run(runner, mini, "i18n", "check", "--lang", "quz")
    assert "warning: apostrophe U+0027 \"'\" is not the project's U+02BC 'ʼ'" in result.stdout


# -- any number of languages ---------------------------------------------------------------

EXTRA = [("qu", ()), ("ay", ("--locale", "es_PE")), ("qu_BO", ()), ("gn", ()), ("es_419", ()), ("shp", ())]


def _eight_languages(runner: CliRunner, project: Path) -> list[str]:
    for language, options in EXTRA:
        if language not in load_project(project).languages:
            result = run(runner, project, "i18n", "init", language, *options)
            assert result.exit_code == 0, result.output
    return list(load_project(project).languages)


@pytest.mark.parametrize("count", [1, 3, 5, 8])
def test_one_to_eight_languages_build_every_format(runner: CliRunner, mini: Path, count: int) -> None:
    languages = _eight_languages(runner, mini)[:count]
    result = run(runner, mini, "build", "--lang", ",".join(languages), "--jobs", "2")
    assert result.exit_code == 0, result.output
    for language in languages:
        for fmt in ("card", "sign", "booklet"):
            assert (mini / f"dist/hello/hello-{fmt}-{language}.pdf").is_file()
    sheet = mini / "dist/hello/hello-trio.pdf"
    assert len(PdfReader(sheet).pages) == (count + 3) // 4  # four languages a page
    assert [lang for kind, lang in structure_langs(sheet) if kind == "/Sect"] == [
        lang.replace("_", "-") for lang in languages
    ]


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (3, 1), (5, 2), (8, 3)])
def test_the_multilingual_sheet_adapts_to_its_languages(
    runner: CliRunner, example: Path, count: int, pages: int
) -> None:
    languages = _eight_languages(runner, example)[:count]
    result = run(runner, example, "build", "-f", "multilingual-a4", "--lang", ",".join(languages))
    assert result.exit_code == 0, result.output
    sheet = example / "dist/peru-solidarity/peru-solidarity-multilingual-a4.pdf"
    reader = PdfReader(sheet)
    assert len(reader.pages) == pages
    for page in reader.pages:
        assert (
            round(float(page.mediabox.width) / 72 * 25.4),
            round(float(page.mediabox.height) / 72 * 25.4),
        ) == (
            210,
            297,
        )
    text = text_of(sheet).casefold()
    for headline in ("perú no está solo", "piruwqa manam sapallanchu", "peru is not alone")[: min(count, 3)]:
        assert headline in text
    assert [lang for kind, lang in structure_langs(sheet) if kind == "/Sect"] == [
        lang.replace("_", "-") for lang in languages
    ]


def test_more_languages_than_the_sheet_takes_says_which_setting(runner: CliRunner, example: Path) -> None:
    _eight_languages(runner, example)
    assert run(runner, example, "i18n", "init", "fr").exit_code == 0
    result = run(runner, example, "build", "-f", "multilingual-a4")
    assert result.exit_code == 1
    assert (
        "the multilingual-a4 sheet carries at most 8 languages and this one would carry 9 "
        "(es, qu, en, ay, qu_BO, gn, es_419, shp, fr): choose them with sheet_languages = [...] in "
        "leaflets/peru-solidarity/leaflet.toml, or with --lang"
    ) in result.stderr
    edit(
        example / "leaflets/peru-solidarity/leaflet.toml",
        "formats = [",
        'sheet_languages = ["qu", "es", "fr"]\nformats = [',
    )
    result = run(runner, example, "build", "-f", "multilingual-a4")
    assert result.exit_code == 0, result.output
    sheet = example / "dist/peru-solidarity/peru-solidarity-multilingual-a4.pdf"
    assert [lang for kind, lang in structure_langs(sheet) if kind == "/Sect"] == ["qu", "es", "fr"]


def test_a_sheet_too_small_for_its_languages_says_so(runner: CliRunner, mini: Path) -> None:
    """The issue's report: five languages on a one-page sheet blamed the headline."""
    languages = _eight_languages(runner, mini)
    edit(mini / "templates/trio/format.toml", "languages_per_page = 4\n", "")
    result = run(runner, mini, "build", "-f", "trio")
    assert result.exit_code == 1
    assert (
        f"hello trio [{'+'.join(languages)}]: 8 languages do not fit on 1 page(s) of trio, even with the "
        "type at 100%; let fewer share a page (languages_per_page in templates/trio/format.toml) or choose "
        "fewer languages (sheet_languages in the leaflet's leaflet.toml, or --lang)"
    ) in result.stderr
    assert "'headline' text" not in result.stderr


def test_lang_chooses_the_sheets_languages_and_says_so(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "-f", "trio", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "warning: dist/hello/hello-trio.pdf: carries en only" in result.stderr
    assert [
        lang for kind, lang in structure_langs(mini / "dist/hello/hello-trio.pdf") if kind == "/Sect"
    ] == ["en"]
    result = run(runner, mini, "build", "-f", "trio")  # the second step: every language again
    assert result.exit_code == 0 and "carries" not in result.stderr
    assert [
        lang for kind, lang in structure_langs(mini / "dist/hello/hello-trio.pdf") if kind == "/Sect"
    ] == [
        "es",
        "en",
    ]


def test_a_project_with_more_languages_than_a_sheet_takes_builds_the_rest(
    runner: CliRunner, mini: Path
) -> None:
    languages = _eight_languages(runner, mini)
    assert run(runner, mini, "i18n", "init", "fr").exit_code == 0
    result = run(runner, mini, "build", "--lang", "es", "-f", "card")
    assert result.exit_code == 0, result.output
    result = run(runner, mini, "build", "-f", "card,trio")
    assert result.exit_code == 1
    label = f"hello trio [{'+'.join([*languages, 'fr'])}]"
    assert f"{label}: the trio sheet carries at most 8 languages and this one would carry 9" in result.stderr
    assert all((mini / f"dist/hello/hello-card-{lang}.pdf").is_file() for lang in [*languages, "fr"])


def test_a_fallback_list_item_is_marked_with_its_language() -> None:
    from qillqa import markup

    def translate(text: str) -> tuple[str, str]:
        return (text, "en") if "two" in text else (text.upper(), "es")

    html = markup.document("- one\n- two\n\nA paragraph with two.\n", translate, "es")
    assert '<li lang="en">two</li>' in html and "<li>ONE</li>" in html
    assert '<p lang="en">A paragraph with two.</p>' in html
    quoted = markup.document('"Uno".\n\n"Two".\n', lambda text: (text, "en" if "Two" in text else "es"), "es")
    assert "<p>«Uno».</p>" in quoted and '<p lang="en">“Two”.</p>' in quoted  # each language's quotes
