"""The translators' workflow: extract, update, init, status, check, compile, build policies."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from tests.conftest import DATA, REPO

from qillqa.catalogs import load_catalog, merged_catalog, write_catalog
from qillqa.cli import cli
from qillqa.po import PoFile, Previous, new_unit
from qillqa.project import Project, load_project

GOLDEN = DATA / "golden"


def run(runner: CliRunner, project: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--project", str(project), *args])


def po(project: Path, lang: str, domain: str) -> PoFile:
    return load_catalog(project / "locales" / lang / "LC_MESSAGES" / f"{domain}.po")


def edit(path: Path, find: str, replace: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert find in text, find
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


# -- extract ---------------------------------------------------------------------------------


def test_extract_matches_golden_pot(runner: CliRunner, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = run(runner, mini, "i18n", "extract")
    assert result.exit_code == 0, result.output
    for name in ("hello.pot", "templates.pot"):
        assert (mini / "locales" / name).read_text() == (GOLDEN / name).read_text()


def test_extract_is_stable(runner: CliRunner, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run(runner, mini, "i18n", "extract").exit_code == 0
    before = (mini / "locales" / "hello.pot").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    result = run(runner, mini, "i18n", "extract")
    assert result.exit_code == 0 and result.stdout == ""
    assert (mini / "locales" / "hello.pot").read_bytes() == before
    edit(mini / "leaflets/hello/leaflet.toml", "Hello world", "Hello, world")
    result = run(runner, mini, "i18n", "extract")
    assert result.stdout.strip().endswith("locales/hello.pot")
    assert "POT-Creation-Date: 2027-01-15" in (mini / "locales" / "hello.pot").read_text()


# -- update ----------------------------------------------------------------------------------


def test_update_keeps_marks_fuzzy_and_obsoletes(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    edit(mini / "leaflets/hello/leaflet.toml", 'headline = "Hello world"', 'headline = "Hello, world!"')
    edit(mini / "leaflets/hello/leaflet.toml", 'lead = "A *small* test card."\n', "")
    result = run(runner, mini, "i18n", "update", "--check")
    assert result.exit_code == 1
    assert "locales/es/LC_MESSAGES/hello.po" in result.stdout
    assert result.stderr.strip() == "Error: 3 catalogue(s) out of date; run 'qillqa i18n update'"
    assert run(runner, mini, "i18n", "update").exit_code == 0
    catalog = po(mini, "es", "hello")
    headline = catalog.get("Hello, world!", context="headline")
    assert headline is not None and headline.fuzzy
    assert headline.string == "Hola mundo" and headline.previous == Previous("headline", "Hello world", None)
    assert '#| msgid "Hello world"' in (mini / "locales/es/LC_MESSAGES/hello.po").read_text()
    edit(mini / "leaflets/hello/leaflet.toml", 'title = "Hello"', 'title = "Hi"')
    assert run(runner, mini, "i18n", "update").exit_code == 0
    # A second update must still show what changed.
    assert '#| msgid "Hello world"' in (mini / "locales/es/LC_MESSAGES/hello.po").read_text()
    edit(mini / "leaflets/hello/leaflet.toml", 'title = "Hi"', 'title = "Hello"')
    title = catalog.get("Hello", context="title")
    assert title is not None and title.string == "Hola"
    assert [(m.msgid, m.string) for m in catalog.obsolete] == [
        ("A *small* test card.", "Una tarjeta *pequeña*.")
    ]
    assert run(runner, mini, "i18n", "update").exit_code == 0
    title = po(mini, "es", "hello").get("Hello", context="title")
    # Revived from the obsolete entries as msgmerge revives them: the same message, the same state.
    assert title is not None and title.string == "Hola" and not title.fuzzy
    result = run(runner, mini, "i18n", "update", "--check")
    assert result.exit_code == 0 and result.stdout == ""


def test_update_does_not_rewrite_unchanged_files(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    path = mini / "locales/es/LC_MESSAGES/hello.po"
    stamp = path.stat().st_mtime_ns
    result = run(runner, mini, "i18n", "update")
    assert result.exit_code == 0 and result.stdout == ""
    assert path.stat().st_mtime_ns == stamp


_words = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)
_rounds = st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["keep", "change", "drop"])), max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    messages=st.dictionaries(_words, _words, min_size=1, max_size=8),
    rounds=st.lists(_rounds, min_size=1, max_size=3),
)
def test_update_never_loses_or_misattaches_a_translation(
    tmp_path_factory: pytest.TempPathFactory, messages: dict[str, str], rounds: list[list[tuple[int, str]]]
) -> None:
    """Random catalogue, rounds of random source edits: every translation survives, on its own message."""
    root = tmp_path_factory.mktemp("prop")
    project = Project(root, "t", ("es",), "en", root / "dist")
    path = root / "es.po"
    old = PoFile.new({"Language": "es", "Content-Type": "text/plain; charset=UTF-8"})
    for msgid, msgstr in messages.items():
        unit = new_unit(msgid)
        unit.target = f"T:{msgstr}:{msgid}"
        old.add(unit)
    write_catalog(path, old, root)
    ids = list(messages)
    for edits in rounds:
        plan = dict.fromkeys(ids, "keep")
        for index, action in edits:
            plan[ids[index % len(ids)]] = action
        template = PoFile.new({"Content-Type": "text/plain; charset=UTF-8"})
        for msgid, action in plan.items():
            if action != "drop":
                template.add(new_unit(msgid if action == "keep" else msgid + " (edited)"))
        write_catalog(path, merged_catalog(load_catalog(path), template, "es", project), root)
        merged = load_catalog(path)
        found: dict[str, str] = {}
        for message in merged:
            if message.string:
                original = message.string.split(":", 2)[2]
                found[original] = message.msgid
                if message.msgid != original:  # printed only after a translator has checked it
                    assert message.fuzzy, (message.msgid, message.string)
        for message in merged.obsolete:
            if message.string:
                found[message.string.split(":", 2)[2]] = message.msgid
        assert set(found) == set(messages)


# -- init ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "plural", "warning"),
    [
        ("ay", "nplurals=2; plural=(n != 1);", "CLDR has no locale data for 'ay'"),
        ("es_PE", "nplurals=2; plural=(n != 1);", None),  # as GNU gettext and Poedit write it
        ("qu_BO", "nplurals=1; plural=(0);", None),
    ],
)
def test_init_language(
    runner: CliRunner, mini: Path, language: str, plural: str, warning: str | None
) -> None:
    config = mini / "qillqa.toml"
    edit(config, "[project]", "# my comment stays\n[project]")
    result = run(runner, mini, "i18n", "init", language)
    assert result.exit_code == 0, result.output
    assert (warning in result.stderr) if warning else result.stderr == ""
    for domain in ("hello", "templates"):
        headers = po(mini, language, domain).header
        assert headers["Language"] == language
        assert headers["Plural-Forms"] == plural
    assert load_project(mini).languages == ("es", "en", language)
    assert "# my comment stays" in config.read_text()
    assert run(runner, mini, "build", "--lang", language).exit_code == 0


def test_init_language_with_fallback_locale(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "i18n", "init", "ay", "--locale", "es_PE")
    assert result.exit_code == 0, result.output
    assert "CLDR has no locale data" not in result.stderr
    assert load_project(mini).locale_for("ay") == "es_PE"
    assert run(runner, mini, "build", "--lang", "ay").exit_code == 0
    text = " ".join(PdfReader(mini / "dist/hello/hello-card-ay.pdf").pages[0].extract_text().split())
    assert "5 de diciembre de 2026" in text


def test_init_language_twice_is_a_usage_error(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "i18n", "init", "es")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: 'es' is already one of this project's languages"


# -- status ----------------------------------------------------------------------------------


def test_status_counts(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "i18n", "status", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    schema = json.loads((REPO / "docs/status.schema.json").read_text())
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["schema_version"] == 1 and report["source_language"] == "en"
    rows = {(r["domain"], r["language"]): r for r in report["catalogues"]}
    es = rows["hello", "es"]
    assert es["path"] == "locales/es/LC_MESSAGES/hello.po" and es["template"] == "locales/hello.pot"
    assert es["messages"] == {"reviewed": 2, "unreviewed": 0, "fuzzy": 1, "missing": 2, "total": 5}
    assert es["words"] == {"reviewed": 3, "unreviewed": 0, "fuzzy": 4, "missing": 2, "total": 9}
    assert es["percent"] == 40.0 and es["reviewed_percent"] == 40.0
    assert rows["templates", "es"]["messages"]["missing"] == 1  # the draft stamp
    assert rows["hello", "en"]["percent"] == 100.0
    assert report["languages"]["es"]["messages"]["total"] == sum(
        r["messages"]["total"] for r in report["catalogues"] if r["language"] == "es"
    )
    result = run(runner, mini, "i18n", "status", "--min-percent", "45", "--lang", "es")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: % below 45: hello [es] 40.0"
    assert "hello                es            2          0      1       2" in result.stdout


def test_status_counts_unreviewed_apart(runner: CliRunner, mini: Path) -> None:
    edit(
        mini / "locales/es/LC_MESSAGES/hello.po",
        'msgctxt "title"',
        '# unreviewed: machine-drafted\nmsgctxt "title"',
    )
    report = json.loads(run(runner, mini, "i18n", "status", "--json", "--lang", "es").stdout)
    es = next(r for r in report["catalogues"] if r["domain"] == "hello")
    assert es["messages"] == {"reviewed": 1, "unreviewed": 1, "fuzzy": 1, "missing": 2, "total": 5}
    assert (es["percent"], es["reviewed_percent"]) == (40.0, 20.0)
    assert run(runner, mini, "i18n", "status", "--lang", "es", "--min-percent", "40").exit_code == 0
    result = run(runner, mini, "i18n", "status", "--lang", "es", "--min-reviewed", "20.1")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: reviewed % below 20.1: hello [es] 20.0"


def test_min_percent_compares_what_is_printed(runner: CliRunner, mini: Path) -> None:
    """2 of 3 is printed 66.7: a limit of 66.7 passes, though 2/3 is 66.666..."""
    edit(mini / "leaflets/hello/leaflet.toml", 'lead = "A *small* test card."\n', "")
    edit(mini / "leaflets/hello/leaflet.toml", 'slogans = ["One", "Two"]', 'slogans = ["One"]')
    assert run(runner, mini, "i18n", "update").exit_code == 0
    report = json.loads(run(runner, mini, "i18n", "status", "--json", "--lang", "es").stdout)
    hello = next(r for r in report["catalogues"] if r["domain"] == "hello")
    assert hello["messages"]["total"] == 3 and hello["percent"] == 66.7
    result = run(runner, mini, "i18n", "status", "--lang", "es", "--min-percent", "66.7")
    assert "hello" not in result.stderr
    assert " 66.7" in result.stdout


# -- check -----------------------------------------------------------------------------------


def _add(project: Path, entries: list[tuple[str, str]]) -> None:
    path = project / "locales/es/LC_MESSAGES/hello.po"
    with open(path, "a", encoding="utf-8") as handle:
        for msgid, msgstr in entries:
            handle.write(f'\nmsgctxt "test"\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n')


CHECKS = [
    ("Meet at %(time)s", "Nos vemos a las %(hora)s", "error: placeholders differ"),
    ("Meet at {time}", "Nos vemos", "error: placeholders differ"),
    (
        "A **bold** claim",
        "Una afirmación audaz",
        "error: markup differs: source has 1 x strong, translation none",
    ),
    (
        "See [this](https://a.org)",
        "Mira [esto](https://b.org)",
        "error: not printed (the build prints the source text instead): its links "
        "(1 x link to https://b.org) are not the source's (1 x link to https://a.org)",
    ),
    (
        "Plain text here",
        "Texto <b>plano</b> aquí",
        "error: not printed (the build prints the source text instead): it contains HTML (</b>, <b>)",
    ),
    (
        "When",
        'Cuándo<style/x>.event dd{display:none}</style/x><link/rel=\\"attachment\\"/href=\\"../../.env\\">',
        "error: not printed (the build prints the source text instead): it contains HTML "
        "(</style>, <link>, <style>), which qillqa never prints",
    ),
    ("Two words", "Dos <!-- x --> palabras", "error: not printed (the build prints the source text instead)"),
    (
        "Date 5 December",
        "Fecha \u202e5 de diciembre",
        "error: not printed (the build prints the source text instead): it contains invisible "
        "characters that reorder text (U+202E)",
    ),
    ("Hello there", "Hola {{ leaflet.name }}", "error: template syntax ({{, {% or {#) in a translation"),
    (
        "Come now!",
        "¡Ven ahora!!",
        "error: Spanish exclamation or question marks do not pair: '!' has no opening '¡'",
    ),
    ("Where is it?", "¿Dónde está", "error: Spanish exclamation or question marks do not pair"),
    ("Ends with a stop.", "Termina sin punto", "warning: final punctuation differs"),
    (" Spaced", "Espaciado", "warning: leading or trailing space differs"),
    ("Three whole words", "Three whole words", "warning: translation is identical to the source"),
    ("A fairly long sentence here.", "Corta.", "warning: length is far from the source's"),
]


@pytest.mark.parametrize(
    ("msgid", "msgstr", "expected"), CHECKS, ids=[c[2].split(":")[1].strip() for c in CHECKS]
)
def test_check_findings(runner: CliRunner, mini: Path, msgid: str, msgstr: str, expected: str) -> None:
    _add(mini, [(msgid, msgstr)])
    lines = (mini / "locales/es/LC_MESSAGES/hello.po").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text == 'msgctxt "test"') + 1  # the msgid line
    result = run(runner, mini, "i18n", "check")
    assert result.exit_code == (1 if expected.startswith("error") else 0), result.output
    assert f"locales/es/LC_MESSAGES/hello.po:{line}: {expected}" in result.stdout
    assert f"msgid (test) {msgid!r}" in result.stdout


def test_check_quechua_apostrophe(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "init", "qu").exit_code == 0
    path = mini / "locales/qu/LC_MESSAGES/hello.po"
    edit(path, 'msgid "Hello world"\nmsgstr ""', 'msgid "Hello world"\nmsgstr "Rimaykullayki k\'ancharichiq"')
    result = run(runner, mini, "i18n", "check")
    assert result.exit_code == 0
    assert "warning: apostrophe U+0027 \"'\" is not the project's U+02BC 'ʼ'" in result.stdout
    edit(path, "k'ancharichiq", "kʼancharichiq")
    assert "apostrophe" not in run(runner, mini, "i18n", "check").stdout


def test_repository_catalogues_pass_check(runner: CliRunner, example: Path) -> None:
    result = run(runner, example, "i18n", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


# -- compile ---------------------------------------------------------------------------------


def test_compile_writes_mo_after_checks(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    result = run(runner, mini, "i18n", "compile", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert (mini / "locales/es/LC_MESSAGES/hello.mo").is_file()
    _add(mini, [("At %(time)s", "A las %(hora)s")])
    (mini / "locales/es/LC_MESSAGES/hello.mo").unlink()
    result = run(runner, mini, "i18n", "compile")
    assert result.exit_code == 1
    assert "nothing compiled" in result.stderr
    assert not (mini / "locales/es/LC_MESSAGES/hello.mo").exists()


# -- build policies --------------------------------------------------------------------------


def test_draft_uses_fuzzy_and_stamps_pages(runner: CliRunner, mini: Path) -> None:
    edit(
        mini / "locales/es/LC_MESSAGES/templates.po",
        'msgstr "Cuándo"',
        'msgstr "Cuándo"\n\nmsgctxt "qillqa"\nmsgid "Draft: translation under review"\n'
        'msgstr "Borrador: traducción en revisión"',
    )
    result = run(runner, mini, "build", "--lang", "es", "--draft")
    assert result.exit_code == 0, result.output
    text = " ".join(PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text().split())
    assert "Una tarjeta pequeña." in text
    assert "Borrador:traducciónenrevisión" in text.replace(" ", "")  # rotated: extraction loses spaces


def test_strict_and_draft_exclude_each_other(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "--strict", "--draft")
    assert result.exit_code == 2
    assert "--strict and --draft cannot be used together" in result.stderr


def test_strict_fails_on_check_errors(runner: CliRunner, mini: Path) -> None:
    edit(mini / "locales/es/LC_MESSAGES/hello.po", "#, fuzzy\n", "")
    _add(mini, [("At %(time)s", "A las %(hora)s")])
    result = run(runner, mini, "build", "--strict", "--lang", "es")
    assert result.exit_code == 1
    assert "1 error(s) in the catalogues (--strict)" in result.stderr
    assert "placeholders differ" in result.stderr


def test_render_round_trips(mini: Path) -> None:
    entry = PoFile.parse(po(mini, "es", "hello").render().decode()).get("Hello world", context="headline")
    assert entry is not None and entry.string == "Hola mundo"


def test_update_on_a_malformed_po_file_changes_nothing(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    edit(mini / "leaflets/hello/leaflet.toml", 'headline = "Hello world"', 'headline = "Hello there"')
    broken = mini / "locales/es/LC_MESSAGES/templates.po"
    edit(broken, 'msgstr "Cuándo"', 'msgstr "Cuándo')
    before = {p: p.read_bytes() for p in (mini / "locales").rglob("*.po*")}
    result = run(runner, mini, "i18n", "update")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: locales/es/LC_MESSAGES/templates.po:")
    assert "malformed PO file" in result.stderr and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in (mini / "locales").rglob("*.po*")} == before
