"""GNU gettext as the oracle: qillqa's PO files are GNU's, its merge is msgmerge's.

Every PO and POT file qillqa writes must pass ``msgfmt --check`` and come out of
``msgcat`` byte for byte; ``i18n update`` must keep the translations, fuzzy flags and
previous msgids that ``msgmerge --previous`` keeps, on a corpus of real edits. Files
saved by Poedit, Weblate, msgmerge or msgcat (other wrapping, CRLF, a BOM, extra
headers) must read cleanly and never be rewritten when they say the same.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from qillqa.catalogs import load_catalog
from qillqa.cli import cli
from qillqa.po import PoFile, merge

pytestmark = pytest.mark.skipif(
    shutil.which("msgmerge") is None, reason="GNU gettext is installed by make test"
)


def run(runner: CliRunner, project: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--project", str(project), *args])


def gettext(*args: str | Path, stdin: bytes | None = None) -> bytes:
    result = subprocess.run([str(a) for a in args], input=stdin, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def assert_gnu(path: Path) -> None:
    """``msgfmt --check`` passes (with no warning for a PO file) and ``msgcat`` changes nothing."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    if path.suffix == ".po":
        assert result.stderr == "", result.stderr
    assert gettext("msgcat", path) == path.read_bytes(), f"msgcat rewrites {path}"


def edit(path: Path, find: str, replace: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert find in text, find
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


def po_files(project: Path) -> list[Path]:
    return sorted((project / "locales").rglob("*.po")) + sorted((project / "locales").glob("*.pot"))


LONG = (
    "Since December 2022 people from the southern regions of Peru have marched to Lima for new "
    "elections; dozens of them were killed by the army."
)


def translated_long_paragraph(runner: CliRunner, mini: Path) -> Path:
    """The mini project with LONG as its lead, updated, and translated into Spanish: the PO file."""
    edit(mini / "leaflets/hello/leaflet.toml", 'lead = "A *small* test card."', f'lead = "{LONG}"')
    assert run(runner, mini, "i18n", "update").exit_code == 0
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    spanish = "Desde diciembre de 2022 la gente del sur del Perú marchó a Lima."
    edit(po, 'army."\nmsgstr ""', f'army."\nmsgstr "{spanish}"')
    return po


# -- what qillqa writes ------------------------------------------------------------------------


def test_every_file_qillqa_writes_is_gnus(runner: CliRunner, mini: Path) -> None:
    """update, init, a long paragraph changed, a language added: every file is one msgcat leaves alone."""
    assert run(runner, mini, "i18n", "update").exit_code == 0
    for language in ("qu", "ay"):
        assert run(runner, mini, "i18n", "init", language).exit_code == 0
    edit(mini / "leaflets/hello/leaflet.toml", 'lead = "A *small* test card."', f'lead = "{LONG}"')
    assert run(runner, mini, "i18n", "update").exit_code == 0
    edit(mini / "locales/es/LC_MESSAGES/hello.po", 'army."\nmsgstr ""', 'army."\nmsgstr "Desde 2022."')
    edit(mini / "leaflets/hello/leaflet.toml", "dozens of them", "fifty of them")
    assert run(runner, mini, "i18n", "update").exit_code == 0
    assert run(runner, mini, "i18n", "review", "es", "--mark", "to check").exit_code == 0
    for path in po_files(mini):
        assert_gnu(path)


def test_a_long_paragraph_edited_then_updated_still_builds(runner: CliRunner, mini: Path) -> None:
    """The issue's report: a long msgid changed, then update: a multi-line #| that every tool reads."""
    hello = mini / "leaflets/hello/leaflet.toml"
    po = translated_long_paragraph(runner, mini)
    edit(hello, "dozens of them", "fifty of them")
    assert run(runner, mini, "i18n", "update").exit_code == 0
    text = po.read_text()
    assert (
        '#| msgid ""\n#| "Since December 2022 people from the southern regions of Peru have marched ' in text
    )
    entry = load_catalog(po).get(LONG.replace("dozens of them", "fifty of them"), context="lead")
    assert entry is not None and entry.fuzzy and entry.previous is not None
    assert entry.previous.msgid == LONG
    assert_gnu(po)
    result = run(runner, mini, "build", "hello", "--format", "card", "--lang", "es")
    assert result.exit_code == 0, result.output
    text = " ".join(PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text().split())
    assert "Hola mundo" in text and "fifty of them were killed" in text  # fuzzy: the source is printed
    assert run(runner, mini, "i18n", "update", "--check").exit_code == 0


# -- the merge, against msgmerge --------------------------------------------------------------

_WORDS = [
    "march",
    "strike",
    "road",
    "Lima",
    "Puno",
    "Cusco",
    "Juliaca",
    "people",
    "police",
    "army",
    "dead",
    "wounded",
    "elections",
    "assembly",
    "president",
    "congress",
    "regions",
    "south",
    "Andes",
    "water",
    "land",
    "mine",
    "justice",
    "memory",
    "vigil",
    "solidarity",
]


def _sentence(rng: random.Random) -> str:
    length = rng.choice([1, 2, 3, 5, 8, 14, 30, 45])
    return " ".join(rng.choice(_WORDS) for _ in range(length)).capitalize() + rng.choice([".", "", "!"])


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _entry(
    context: str | None,
    msgid: str,
    plural: str | None,
    strings: list[str],
    *,
    fuzzy: bool = False,
    previous: str | None = None,
) -> str:
    lines = ["#, fuzzy"] if fuzzy else []
    if previous is not None:
        lines.append(f"#| msgid {_quote(previous)}")
    if context is not None:
        lines.append(f"msgctxt {_quote(context)}")
    lines.append(f"msgid {_quote(msgid)}")
    if plural is None:
        lines.append(f"msgstr {_quote(strings[0])}")
    else:
        lines.append(f"msgid_plural {_quote(plural)}")
        lines += [f"msgstr[{n}] {_quote(s)}" for n, s in enumerate(strings)]
    return "\n".join(lines) + "\n"


HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
)


def _corpus(seed: int) -> tuple[str, str]:
    """An old PO file and a new POT file that differ as sources do: edited, removed, restored, moved."""
    rng = random.Random(seed)
    messages: list[tuple[str | None, str, str | None]] = []
    for _ in range(rng.randint(4, 14)):
        context = rng.choice([None, None, "headline", "lead", "body.2"])
        plural = _sentence(rng) if rng.random() < 0.15 else None
        messages.append((context, _sentence(rng), plural))
    messages = list({(c, m): (c, m, p) for c, m, p in messages}.values())
    old = [HEADER]
    obsolete = []
    for n, (context, msgid, plural) in enumerate(messages):
        count = 1 if plural is None else 2
        state = rng.choice(["done", "done", "done", "fuzzy", "empty", "obsolete"])
        strings = [f"T{n}.{i} {msgid.lower()}" if state != "empty" else "" for i in range(count)]
        # A fuzzy entry from an earlier merge remembers its previous msgid (#|, or #~| once obsolete).
        previous = _sentence(rng) if state in ("fuzzy", "obsolete") and rng.random() < 0.5 else None
        if state == "obsolete":
            obsolete.append((context, msgid, plural, strings, previous))
            continue
        old.append(_entry(context, msgid, plural, strings, fuzzy=state == "fuzzy", previous=previous))
    for context, msgid, plural, strings, previous in obsolete:
        entry = _entry(context, msgid, plural, strings, fuzzy=previous is not None, previous=previous)
        lines = [
            line if line.startswith("#,") else "#~" + line[1:] if line.startswith("#|") else "#~ " + line
            for line in entry.splitlines()
        ]
        old.append("\n".join(lines) + "\n")
    new = [HEADER]
    for context, msgid, plural in messages:
        action = rng.choice(["keep", "keep", "edit", "append", "drop", "context", "plural"])
        if action == "drop":
            continue
        if action == "edit":
            words = msgid.split()
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
            msgid = " ".join(words)
        elif action == "append":
            msgid = f"{msgid} {rng.choice(_WORDS)}"
        elif action == "context":
            context = rng.choice([None, "headline", "lead", "slogan"])
        elif action == "plural":
            plural = None if plural is not None else f"{msgid} (many)"
        new.append(_entry(context, msgid, plural, ["", ""] if plural is not None else [""]))
    for _ in range(rng.randint(0, 3)):
        new.append(_entry(rng.choice([None, "lead"]), _sentence(rng), None, [""]))
    # Entries with the same key cannot both be in a file: keep the first.
    seen: set[str] = set()
    unique = [HEADER]
    for block in new[1:]:
        key = "\n".join(line for line in block.splitlines() if line.startswith(("msgctxt", "msgid ")))
        if key not in seen:
            seen.add(key)
            unique.append(block)
    return "\n".join(old), "\n".join(unique)


def _body(data: bytes) -> bytes:
    """A file without its header entry (msgmerge orders the header's fields its own way)."""
    return data.split(b"\n\n", 1)[1] if b"\n\n" in data else b""


@pytest.mark.parametrize("seed", range(40))
def test_merge_is_msgmerges(seed: int, tmp_path: Path) -> None:
    """msgmerge --previous's translations, fuzzy flags, previous msgids and obsolete entries, to the byte."""
    old_text, pot_text = _corpus(seed)
    old, pot = tmp_path / "old.po", tmp_path / "new.pot"
    old.write_text(old_text)
    pot.write_text(pot_text)
    theirs = gettext("msgmerge", "--quiet", "--previous", "--no-location", old, pot)
    ours = merge(load_catalog(old), load_catalog(pot)).render()
    assert _body(ours).decode() == _body(theirs).decode()
    # And qillqa reads what msgmerge wrote (#| and #~| of any length) as it reads its own.
    (tmp_path / "theirs.po").write_bytes(theirs)
    assert load_catalog(tmp_path / "theirs.po").content()[2] == PoFile.parse(ours.decode()).content()[2]
    (tmp_path / "ours.po").write_bytes(ours)
    assert gettext("msgcat", tmp_path / "ours.po") == ours


# -- files saved by other tools --------------------------------------------------------------


def _poedit(path: Path) -> None:
    """What Poedit writes on save: its own headers, the translator's name, gettext's wrapping."""
    text = re.sub(r'"X-Generator: [^"]*"\n', "", path.read_text(encoding="utf-8"))
    text = text.replace('"Last-Translator: \\n"', '"Last-Translator: Rosa Quispe <rosa@example.org>\\n"')
    poedit = '"X-Generator: Poedit 3.4.2\\n"\n"X-Poedit-SourceCharset: UTF-8\\n"\n'
    poedit += '"X-Poedit-Basepath: ../../..\\n"\n'
    text = re.sub(r'("Plural-Forms: [^"]*"\n)', lambda m: m.group(1) + poedit, text, count=1)
    path.write_text(text, encoding="utf-8")
    path.write_bytes(gettext("msgcat", path))


def _weblate(path: Path) -> None:
    """Weblate (translate-toolkit) wraps at 77 columns and signs with X-Generator."""
    text = path.read_text(encoding="utf-8").replace("X-Generator: qillqa 0.1.0", "X-Generator: Weblate 5.8")
    path.write_text(text, encoding="utf-8")
    path.write_bytes(gettext("msgcat", "--width=77", path))


SAVES = {
    "poedit": _poedit,
    "weblate": _weblate,
    "no-wrap": lambda path: path.write_bytes(gettext("msgcat", "--no-wrap", path)),
    "crlf": lambda path: path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n")),
    "bom": lambda path: path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes()),
}


@pytest.mark.parametrize("style", list(SAVES))
def test_a_file_saved_by_another_tool_is_left_alone(runner: CliRunner, mini: Path, style: str) -> None:
    """Saved with other wrapping, CRLF, a BOM or extra headers: clean --check, no byte changed."""
    po = translated_long_paragraph(runner, mini)
    SAVES[style](po)
    saved = po.read_bytes()
    result = run(runner, mini, "i18n", "update", "--check")
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    result = run(runner, mini, "i18n", "update")
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert po.read_bytes() == saved
    assert run(runner, mini, "i18n", "check", "--lang", "es").exit_code == 0
    # The next step: the source changes; the update keeps the tool's headers and line endings.
    edit(mini / "leaflets/hello/leaflet.toml", "dozens of them", "fifty of them")
    result = run(runner, mini, "i18n", "update")
    assert result.exit_code == 0 and "locales/es/LC_MESSAGES/hello.po" in result.stdout
    data = po.read_bytes()
    assert (b"\r\n" in data) == (style == "crlf")
    if style == "poedit":
        header = load_catalog(po).header
        assert header["X-Poedit-Basepath"] == "../../.." and header["X-Generator"] == "Poedit 3.4.2"
        assert header["Last-Translator"] == "Rosa Quispe <rosa@example.org>"
    entry = load_catalog(po).get(LONG.replace("dozens of them", "fifty of them"), context="lead")
    assert entry is not None and entry.fuzzy and entry.previous is not None and entry.previous.msgid == LONG
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_bom_or_another_charset_is_read(runner: CliRunner, mini: Path) -> None:
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes().replace(b"\n", b"\r\n"))
    result = run(runner, mini, "build", "hello", "--format", "card", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "Hola mundo" in " ".join(
        PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text().split()
    )


# -- the review state ------------------------------------------------------------------------


def _unreviewed(runner: CliRunner, project: Path) -> int:
    result = run(runner, project, "i18n", "status", "--json", "--lang", "es")
    assert result.exit_code == 0, result.output
    import json

    return int(json.loads(result.stdout)["languages"]["es"]["messages"]["unreviewed"])


def test_review_marks_list_and_clear(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    result = run(runner, mini, "i18n", "review", "es")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "0 translation(s) awaiting review" in result.stderr
    result = run(runner, mini, "i18n", "review", "es", "--domain", "hello", "--mark", "machine-drafted")
    assert result.exit_code == 0, result.output
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    lines = po.read_text().splitlines()
    listed = result.stdout.splitlines()
    title, headline = lines.index('msgid "Hello"') + 1, lines.index('msgid "Hello world"') + 1
    assert listed == [
        f"locales/es/LC_MESSAGES/hello.po:{title}: [title] Hello -> Hola",
        f"locales/es/LC_MESSAGES/hello.po:{headline}: [headline] Hello world -> Hola mundo",
    ]
    assert lines.count("# unreviewed: machine-drafted") == 2
    assert_gnu(po)
    assert _unreviewed(runner, mini) == 2
    # Listing changes nothing; --match narrows; --by clears and signs.
    assert run(runner, mini, "i18n", "review", "es").stdout.splitlines() == listed
    result = run(runner, mini, "i18n", "review", "es", "--match", "WORLD", "--by", "Rosa Quispe")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1
    assert "# reviewed by Rosa Quispe" in po.read_text()
    assert _unreviewed(runner, mini) == 1
    assert_gnu(po)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("en",), "'en' is the source language"),
        (("fr",), "unknown language 'fr'"),
        (("es", "--domain", "nope"), "no domain 'nope'"),
        (("es", "--by", "A", "--mark", "B"), "give one of them"),
        (("es", "--by", " "), "--by takes one line of text"),
    ],
)
def test_review_refuses_what_it_cannot_do(
    runner: CliRunner, mini: Path, args: tuple[str, ...], message: str
) -> None:
    before = {p: p.read_bytes() for p in po_files(mini)}
    result = run(runner, mini, "i18n", "review", *args)
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in po_files(mini)} == before


@pytest.mark.parametrize("tool", ["msgmerge", "msgcat", "poedit", "weblate"])
def test_the_review_state_survives_other_tools(runner: CliRunner, mini: Path, tool: str) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    assert run(runner, mini, "i18n", "review", "es", "--mark", "machine-drafted").exit_code == 0
    assert _unreviewed(runner, mini) == 3
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    if tool == "msgmerge":
        edit(mini / "leaflets/hello/leaflet.toml", 'title = "Hello"', 'title = "Hi"')
        assert run(runner, mini, "i18n", "extract").exit_code == 0
        po.write_bytes(gettext("msgmerge", "--quiet", "--previous", po, mini / "locales/hello.pot"))
        check = run(runner, mini, "i18n", "update", "--check", "--lang", "es")
        assert check.exit_code == 0, check.output  # msgmerge did what qillqa would have done
    elif tool == "msgcat":
        po.write_bytes(gettext("msgcat", "--no-wrap", po))
    else:
        SAVES[tool](po)
        po.write_bytes(po.read_bytes().replace(b"\n", b"\r\n"))
    # msgmerge made "Hello" obsolete, with its mark: the two left are still unreviewed.
    assert _unreviewed(runner, mini) == (2 if tool == "msgmerge" else 3)
    assert "# unreviewed: machine-drafted" in po.read_text()


def test_strict_refuses_unreviewed_text_and_draft_stamps_it(runner: CliRunner, mini: Path) -> None:
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    edit(po, "#, fuzzy\n", "")
    edit(mini / "leaflets/hello/leaflet.toml", 'slogans = ["One", "Two"]', "slogans = []")
    assert run(runner, mini, "i18n", "update").exit_code == 0
    edit(
        mini / "locales/es/LC_MESSAGES/templates.po",
        'msgid "Draft: translation under review"\nmsgstr ""',
        'msgid "Draft: translation under review"\nmsgstr "Borrador: traducción en revisión"',
    )
    card = ("build", "hello", "--format", "card", "--lang", "es")
    assert run(runner, mini, *card, "--strict").exit_code == 0
    assert run(runner, mini, "i18n", "review", "es", "--match", "world", "--mark", "newcomer").exit_code == 0
    line = po.read_text().splitlines().index('msgid "Hello world"') + 1
    result = run(runner, mini, *card, "--strict")
    assert result.exit_code == 1
    assert "hello card [es]: 1 message(s) not reviewed (--strict)" in result.stderr
    assert (
        f"locales/es/LC_MESSAGES/hello.po:{line}: 1 translation(s) not yet reviewed by a fluent speaker"
        in result.stderr
    )
    result = run(runner, mini, *card, "--draft")
    assert result.exit_code == 0, result.output
    text = " ".join(PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text().split())
    assert "Hola mundo" in text and "Borrador:traducciónenrevisión" in text.replace(" ", "")
    result = run(runner, mini, *card)  # printed, and said
    assert result.exit_code == 0 and "not yet reviewed by a fluent speaker" in result.stderr
    assert "Borrador" not in PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text()


# -- what a fresh-eyed review found ------------------------------------------------------------


@pytest.mark.parametrize("direction", ["to plural", "to singular"])
def test_a_message_that_becomes_plural_or_singular_is_merged(
    runner: CliRunner, mini: Path, direction: str
) -> None:
    card = mini / "templates/card/card.html"
    singular, plural = '{{ pgettext("card", "When") }}', '{{ npgettext("card", "When", "Whens", 1) }}'
    po = mini / "locales/es/LC_MESSAGES/templates.po"
    if direction == "to singular":
        edit(card, singular, plural)
        assert run(runner, mini, "i18n", "update").exit_code == 0
        assert 'msgstr[1] "Cuándo"' in po.read_text()  # spread to every form, fuzzy, as msgmerge does
    old = po.read_bytes()
    edit(card, *((singular, plural) if direction == "to plural" else (plural, singular)))
    result = run(runner, mini, "i18n", "update")
    assert result.exit_code == 0, result.output
    (mini / "old.po").write_bytes(old)
    theirs = gettext("msgmerge", "--quiet", "--previous", mini / "old.po", mini / "locales/templates.pot")
    assert _body(po.read_bytes()) == _body(theirs)
    assert "Cuándo" in po.read_text()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('#, fuzzy\nmsgid "x"\nmsgid_plural "xs"\nmsgstr "y"\n', "takes msgstr[0], msgstr[1]..., not msgstr"),
        ('# note\nmsgid "x"\nmsgstr[0] "y"\n', "msgstr[0] in an entry without msgid_plural"),
        ('msgid "x\\q"\nmsgstr "y"\n', "unknown escape '\\q'"),
        ('#~ msgctxt "card"\n#~ msgid "When"\n#~ msgstr "Cuando"\n', "duplicate message: msgid 'When'"),
    ],
)
def test_what_msgfmt_refuses_is_refused_with_its_line(
    runner: CliRunner, mini: Path, entry: str, message: str
) -> None:
    po = mini / "locales/es/LC_MESSAGES/templates.po"
    before = po.read_text()
    po.write_text(before + "\n" + entry)
    line = len(before.splitlines()) + 2
    for command in (("i18n", "status"), ("i18n", "update"), ("build", "--format", "card", "--lang", "es")):
        result = run(runner, mini, *command)
        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output
        found = re.search(
            rf"locales/es/LC_MESSAGES/templates.po:(\d+): .*{re.escape(message)}", result.stderr
        )
        assert found and line <= int(found.group(1)) <= line + 3, result.stderr
    assert (
        subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True).returncode != 0
    )


def test_an_updated_crlf_file_keeps_crlf_on_every_line(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    po.write_bytes(po.read_bytes().replace(b"\n", b"\r\n"))
    edit(mini / "leaflets/hello/leaflet.toml", 'headline = "Hello world"', 'headline = "Hello, world"')
    assert run(runner, mini, "i18n", "update").exit_code == 0
    data = po.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 20


def test_update_check_is_clean_right_after_init(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    for language in ("gn", "ay"):
        assert run(runner, mini, "i18n", "init", language).exit_code == 0
        result = run(runner, mini, "i18n", "update", "--check")
        assert (result.exit_code, result.stdout) == (0, ""), result.output
    header = load_catalog(mini / "locales/ay/LC_MESSAGES/hello.po").header
    assert header["Language-Team"] == "Aymara (ay)"


def test_one_review_line_per_entry(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    for args in (("--mark", "draft"), ("--by", "Rosa"), ("--mark", "again"), ("--by", "Ana")):
        assert run(runner, mini, "i18n", "review", "es", "--match", "world", *args).exit_code == 0
    text = po.read_text()
    assert text.count("# reviewed by") == 1 and "# reviewed by Ana" in text and "unreviewed" not in text
    result = run(runner, mini, "i18n", "review", "es", "--mark", "see C:\\")
    assert result.exit_code == 2 and "not ending in a backslash" in result.stderr
    assert_gnu(po)


def test_compiled_files_keep_the_po_files_header(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "i18n", "update").exit_code == 0
    _poedit(mini / "locales/es/LC_MESSAGES/hello.po")
    assert run(runner, mini, "i18n", "compile", "--lang", "es").exit_code == 0
    unpacked = gettext("msgunfmt", mini / "locales/es/LC_MESSAGES/hello.mo").decode()
    assert '"X-Poedit-Basepath: ../../..\\n"' in unpacked and "EMAIL@ADDRESS" not in unpacked
    assert 'msgctxt "headline"\nmsgid "Hello world"\nmsgstr "Hola mundo"' in unpacked
