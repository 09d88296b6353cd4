"""Hostile input: what a stranger's translation, leaflet, picture or template can do to a build.

Each test attacks the way a hostile translator or stranger would, and judges the result only:
the PDF's text (pypdf) and attachments (pikepdf), exit codes, the error naming file and line,
time and memory. What could hang or eat memory runs in a child process with a timeout, so
nothing here can hang the suite; the rest runs in this process (its outputs are still built
in worker processes).
"""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from tests.conftest import DATA, catalog_of, copy_project

from qillqa.catalogs import load_catalog
from qillqa.checks import html_in
from qillqa.cli import cli
from qillqa.po import PoFile

ES_TEMPLATES = "locales/es/LC_MESSAGES/templates.po"
ES_HELLO = "locales/es/LC_MESSAGES/hello.po"
FLYER_ES = "dist/peru-solidarity/peru-solidarity-flyer-a5-es.pdf"
CARD_EN = "dist/hello/hello-card-en.pdf"
CARD_ES = "dist/hello/hello-card-es.pdf"
SECRET = "S3CRET-7f3a9c-hunter2"


# -- running qillqa in a child process ----------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def error(self) -> str:
        """The error message, from its "Error: " line on ("" when there is none)."""
        index = self.stderr.find("Error: ")
        return self.stderr[index:] if index >= 0 else ""


def qillqa(
    project: Path,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Run:
    """``python -m qillqa --project PROJECT ARGS`` in a child process that ``timeout`` stops."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "qillqa", "--project", str(project), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec_fn,
    )
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def invoke(project: Path, *args: str) -> Run:
    """The same in this process (faster), for inputs that cannot hang: the outputs still run in workers."""
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    return Run(result.exit_code, result.stdout, result.stderr, time.monotonic() - start)


def build_card(project: Path, language: str = "en", *extra: str, timeout: float = 120) -> Run:
    """Build the mini card in a child process."""
    return qillqa(project, "build", "-f", "card", "-l", language, "--jobs", "1", *extra, timeout=timeout)


def card(project: Path, language: str = "en", *extra: str) -> Run:
    """Build the mini card in this process."""
    return invoke(project, "build", "-f", "card", "-l", language, "--jobs", "1", *extra)


def assert_clean_error(run: Run, *needles: str) -> None:
    """Exit 1 with an "Error:" message holding every needle; no traceback, no internal error."""
    assert run.code == 1, run.output
    assert run.error, run.output
    for needle in needles:
        assert needle in run.error, (needle, run.output)
    assert "Traceback" not in run.output and "internal error" not in run.output, run.output


def assert_no_litter(project: Path) -> None:
    """No temporary file anywhere in the project, and no workers' scratch folder left."""
    assert not list(project.rglob("*.tmp")), list(project.rglob("*.tmp"))
    assert not (project / "dist" / ".qillqa-tmp").exists()


# -- editing projects ---------------------------------------------------------------------------


def _po_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def translate(po: Path, context: str | None, msgid: str, text: str) -> int:
    """Set the translation of one entry of ``po`` in place; return the line of its msgid."""
    lines = po.read_text(encoding="utf-8").split("\n")
    for index, line in enumerate(lines):
        if line != f'msgid "{_po_quote(msgid)}"':
            continue
        if context is not None and lines[index - 1] != f'msgctxt "{_po_quote(context)}"':
            continue
        assert lines[index + 1].startswith("msgstr "), lines[index + 1]
        end = index + 2
        while end < len(lines) and lines[end].startswith('"'):
            end += 1
        lines[index + 1 : end] = [f'msgstr "{_po_quote(text)}"']
        po.write_text("\n".join(lines), encoding="utf-8")
        return index + 1
    raise AssertionError(f"no msgid {msgid!r} (msgctxt {context!r}) in {po}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def set_limits(project: Path, seconds: int | None = None, memory_mb: int | None = None) -> None:
    """Add a [limits] table to qillqa.toml."""
    config = project / "qillqa.toml"
    text = config.read_text(encoding="utf-8")
    assert not re.search(r"^\[limits\]", text, re.MULTILINE)
    text += "\n[limits]\n"
    if seconds is not None:
        text += f"job_seconds = {seconds}\n"
    if memory_mb is not None:
        text += f"job_memory_mb = {memory_mb}\n"
    config.write_text(text, encoding="utf-8")


def with_logo(project: Path, filename: str, data: bytes) -> None:
    """Give the mini leaflet a picture, ``images.logo``, and make the card print it."""
    (project / "leaflets/hello" / filename).write_bytes(data)
    edit(
        project / "leaflets/hello/leaflet.toml",
        "[event]",
        f'[images]\nlogo = {{ file = "{filename}", alt = "Our logo" }}\n\n[event]',
    )
    edit(
        project / "templates/card/card.html",
        "<h1>",
        '<img src="{{ leaflet.images.logo.url }}" alt="{{ leaflet.images.logo.alt }}"><h1>',
    )


def pdf_text(pdf: Path) -> str:
    """The text of every page, whitespace folded."""
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)


def decompressed(pdf: Path) -> bytes:
    """The PDF's bytes with every stream decoded, so a search sees what is inside."""
    target = pdf.with_name(pdf.stem + "-plain.bin")
    with pikepdf.open(pdf) as document:
        document.save(target, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.all)
    data = target.read_bytes()
    target.unlink()
    return data


@pytest.fixture(scope="module")
def previous_card(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A good hello-card-en.pdf: an earlier build's output, which a failing build must leave whole."""
    project = copy_project(DATA / "mini", tmp_path_factory.mktemp("previous") / "mini")
    run = card(project)
    assert run.code == 0, run.output
    return (project / CARD_EN).read_bytes()


def assert_previous_intact(project: Path, previous: bytes, planned: bool = True) -> None:
    """The earlier PDF is whole, and moved aside if its output was attempted.

    A failed output's earlier PDF becomes ``.stale.pdf``: nobody takes it for today's. When
    the project cannot even be planned (a broken leaflet.toml), no output is attempted and the
    build stops before touching any file.
    """
    stale = project / CARD_EN.replace(".pdf", ".stale.pdf")
    if planned:
        assert not (project / CARD_EN).exists(), "the failed output's earlier PDF is still under its name"
        assert stale.read_bytes() == previous, "the earlier PDF was replaced or damaged"
    else:
        assert (project / CARD_EN).read_bytes() == previous, "the earlier PDF was replaced or damaged"
    assert_no_litter(project)


def plant_previous(project: Path, previous: bytes) -> None:
    target = project / CARD_EN
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(previous)


# -- hostile pictures and pages -----------------------------------------------------------------

SVG_OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="10" height="10">'
)


def svg_laughs(levels: int = 10, fan: int = 10, ref: str = "#", leaf: str = "") -> bytes:
    """SVG's "billion laughs": each group draws the previous one ``fan`` times (10**10 rects)."""
    parts = [SVG_OPEN, "<defs>", leaf or '<rect id="l0" width="1" height="1"/>']
    for level in range(1, levels + 1):
        uses = "".join(f'<use xlink:href="{ref}l{level - 1}"/>' for _ in range(fan))
        parts.append(f'<g id="l{level}">{uses}</g>')
    parts.append(f'</defs><use xlink:href="{ref}l{levels}"/></svg>')
    return "".join(parts).encode()


def svg_self_reference() -> bytes:
    return (SVG_OPEN + '<g id="a"><rect width="1" height="1"/><use xlink:href="#a"/></g></svg>').encode()


def svg_nested(depth: int) -> bytes:
    return (SVG_OPEN + "<g>" * depth + '<rect width="1" height="1"/>' + "</g>" * depth + "</svg>").encode()


def svg_duplicate_ids(levels: int = 10, fan: int = 10) -> bytes:
    """The laughs, plus a harmless element under each id further on in the file."""
    heavy = svg_laughs(levels, fan).decode().removeprefix(SVG_OPEN).removesuffix("</svg>")
    decoys = "".join(f'<rect id="l{level}" width="1" height="1"/>' for level in range(1, levels + 1))
    return (SVG_OPEN + heavy + f"<defs>{decoys}</defs></svg>").encode()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes that declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


# -- 1. sabotage ---------------------------------------------------------------------------------

SABOTAGE = 'Cuándo<style/x>.event dd{display:none} .event::after{content:"CANCELADA - no vengan"}</style/x>'


def test_sabotage_of_a_template_word_prints_the_source(example: Path) -> None:
    """A translator who hides the date and prints "CANCELLED" gets the English word "When" instead."""
    line = translate(example / ES_TEMPLATES, "flyer", "When", SABOTAGE)
    where = f"{ES_TEMPLATES}:{line}"

    check = invoke(example, "i18n", "check", "--lang", "es")
    assert check.code == 1, check.output
    assert f"{where}: error: not printed" in check.output, check.output

    run = invoke(example, "build", "-f", "flyer-a5", "-l", "es", "--jobs", "1")
    assert run.code == 0, run.output
    assert f"warning: {where}: translation of 'When' (flyer)" in run.stderr, run.output
    text = pdf_text(example / FLYER_ES).casefold()
    for printed in ("when", "5 de diciembre", "14:00", "17:00", "plaza de trafalgar"):
        assert printed in text, (printed, text)
    for hidden in ("cancelada", "no vengan", "display", "style"):
        assert hidden not in text, (hidden, text)
    before = (example / FLYER_ES).read_bytes()

    strict = invoke(example, "build", "-f", "flyer-a5", "-l", "es", "--jobs", "1", "--strict", "--force")
    assert_clean_error(strict, "--strict", where)
    assert (example / FLYER_ES).read_bytes() == before
    assert_no_litter(example)


# -- 2. exfiltration -----------------------------------------------------------------------------


def test_exfiltration_attaches_nothing(example: Path) -> None:
    """Translations that ask WeasyPrint to attach the project's .env and volunteer list attach nothing."""
    (example / ".env").write_text(f"API_TOKEN={SECRET}\n")
    (example / "volunteers.csv").write_text("name,phone\nAna Quispe,+51 987 654 321\n")
    template_line = translate(
        example / ES_TEMPLATES, "flyer", "When", 'Cuándo<link/rel="attachment"/href="../../.env">'
    )
    leaflet_po = example / "locales/es/LC_MESSAGES/peru-solidarity.po"
    leaflet_line = translate(
        leaflet_po,
        "kicker",
        "Solidarity with the people of Peru",
        'Solidaridad <a rel="attachment" href="../../volunteers.csv">con el Perú</a>',
    )
    run = invoke(example, "build", "-f", "flyer-a5", "-l", "es", "--jobs", "1")
    assert run.code == 0, run.output
    assert f"warning: {ES_TEMPLATES}:{template_line}: translation of 'When'" in run.stderr, run.output
    assert f"locales/es/LC_MESSAGES/peru-solidarity.po:{leaflet_line}: translation of" in run.stderr

    pdf = example / FLYER_ES
    with pikepdf.open(pdf) as document:
        assert dict(document.attachments) == {}
        names = document.Root.get("/Names")
        assert names is None or "/EmbeddedFiles" not in names
        for page in document.pages:
            for annotation in page.get("/Annots") or []:
                assert annotation.get("/Subtype") != "/FileAttachment"
    data = decompressed(pdf)
    for leaked in (SECRET.encode(), b"API_TOKEN", b"Ana Quispe", b"987 654 321", b"EmbeddedFile"):
        assert leaked not in data, leaked


def test_template_attachments_need_the_format_setting(mini: Path) -> None:
    """A template may attach a file only when its format.toml says attachments = true."""
    (mini / "templates/card/notes.txt").write_text("Meeting at the square.\n")
    edit(mini / "templates/card/card.html", "<h1>", '<link rel="attachment" href="notes.txt"><h1>')
    refused = card(mini)
    assert_clean_error(
        refused,
        "hello card [en]: the page asks to attach 'notes.txt' to the PDF; attachments are refused "
        "unless templates/card/format.toml says attachments = true",
    )
    assert not (mini / CARD_EN).exists()
    assert_no_litter(mini)

    edit(mini / "templates/card/format.toml", "pages = 1\n", "pages = 1\nattachments = true\n")
    allowed = card(mini)
    assert allowed.code == 0, allowed.output
    with pikepdf.open(mini / CARD_EN) as document:
        attached = {name: spec.get_file().read_bytes() for name, spec in document.attachments.items()}
    assert attached == {"notes.txt": b"Meeting at the square.\n"}


# -- 3. % trouble --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "translation",
    [
        "de %(inicio)s a %(end)s",
        "de %(start)s a %(end)s 100%",
        "de %s a %s",
        "de %(start)d a %(end)s",  # another conversion: fails on the template's strings
        "de %(start)c a %(end)s",
        "de %(start)*s a %(end)s",
        "de %(start)50000000s a %(end)s",  # a field width: megabytes of spaces
        "de %(start)1000000000s a %(end)s",
    ],
)
def test_percent_trouble_falls_back_to_the_source(example: Path, translation: str) -> None:
    """A python-format translation that cannot be formatted like its source: the source is printed."""
    set_limits(example, seconds=6)  # a runaway here must not cost the suite minutes
    line = translate(example / ES_TEMPLATES, "flyer", "%(start)s to %(end)s", translation)
    where = f"{ES_TEMPLATES}:{line}"
    run = invoke(example, "build", "-f", "flyer-a5", "-l", "es", "--jobs", "1")
    assert run.code == 0, run.output
    assert f"warning: {where}: translation of '%(start)s to %(end)s' (flyer)" in run.stderr, run.output
    text = pdf_text(example / FLYER_ES).casefold()
    assert "14:00 to 17:00" in text, text
    assert "inicio" not in text and "%" not in text and "de 14:00" not in text, text
    check = invoke(example, "i18n", "check", "--lang", "es")
    assert check.code == 1 and f"{where}: error:" in check.output, check.output


def test_a_percent_sign_in_a_plain_message_prints_as_is(mini: Path) -> None:
    """Only python-format messages are %-formatted: "Cuándo 100%" is printed as written."""
    translate(mini / ES_TEMPLATES, "card", "When", "Cuándo 100%")
    run = card(mini, "es")
    assert run.code == 0, run.output
    assert "When" not in run.stderr, run.output
    assert "Cuándo 100%: 5 de diciembre de 2026" in pdf_text(mini / CARD_ES)


# -- 4. bombs and hangs, each in a child process with a budget ----------------------------------


def _logo(filename: str, data: bytes, *needles: str) -> Callable[[Path], tuple[str, ...]]:
    def setup(project: Path) -> tuple[str, ...]:
        with_logo(project, filename, data)
        return needles

    return setup


def _template(fragment: Callable[[], str], *needles: str) -> Callable[[Path], tuple[str, ...]]:
    def setup(project: Path) -> tuple[str, ...]:
        edit(project / "templates/card/card.html", "<h1>", fragment() + "<h1>")
        return needles

    return setup


def _deep_toml(opening: str, closing: str, depth: int) -> Callable[[Path], tuple[str, ...]]:
    def setup(project: Path) -> tuple[str, ...]:
        leaflet = project / "leaflets/hello/leaflet.toml"
        edit(leaflet, "[event]", f"deep = {opening * depth}1{closing * depth}\n\n[event]")
        line = line_of(leaflet, "deep = ")
        return (f"leaflets/hello/leaflet.toml:{line}: arrays or tables nest more than 200 deep",)

    return setup


SVG_REFUSED = "hello card [en]: refused to load leaflets/hello/logo.svg: "
BOMBS = {
    "svg-billion-laughs": _logo(
        "logo.svg", svg_laughs(), SVG_REFUSED + "it expands to more than 50,000 elements"
    ),
    "svg-self-reference": _logo(
        "logo.svg", svg_self_reference(), SVG_REFUSED + "an element refers to itself through <use>"
    ),
    "svg-3000-nested-groups": _logo(
        "logo.svg", svg_nested(3_000), SVG_REFUSED + "its elements nest more than 200 deep"
    ),
    "svg-30000-nested-groups": _logo(
        "logo.svg", svg_nested(30_000), SVG_REFUSED + "its elements nest more than 200 deep"
    ),
    "png-100000x100000": _logo(
        "logo.png",
        png_header_only(100_000, 100_000),
        "hello card [en]: refused to load leaflets/hello/logo.png: it is",
        "more than the 60 megapixels a picture may have",
    ),
    "data-uri-30MB": _template(
        lambda: '<img src="data:image/png;base64,' + "A" * 30_000_000 + '">',
        "hello card [en]: refused to load a data: URI of 30.0 million characters, more than the 5 million",
    ),
    "3000-nested-divs": _template(
        lambda: "<div>" * 3_000 + "x" + "</div>" * 3_000,
        "hello card [en]: the page's elements nest 3002 deep, more than the 200 qillqa lays out",
    ),
    "toml-array-5000-deep": _deep_toml("[", "]", 5_000),
    "toml-inline-table-5000-deep": _deep_toml("{a=", "}", 5_000),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_bombs_are_refused_by_name(mini: Path, previous_card: bytes, bomb: str) -> None:
    """Small files that expand without end are refused by name, in seconds, leaving dist/ as it was."""
    set_limits(mini, seconds=15)  # were a check to let one through, the budget stops it
    needles = BOMBS[bomb](mini)
    plant_previous(mini, previous_card)
    run = build_card(mini, timeout=60)
    assert_clean_error(run, *needles)
    assert run.seconds < 12, run.seconds
    assert "RecursionError" not in run.output
    assert_previous_intact(mini, previous_card, planned=not bomb.startswith("toml"))


DISGUISED_SVGS = {
    "utf-16": svg_laughs().decode().encode("utf-16"),
    "600-spaces-first": b" " * 600 + svg_laughs(),
    # WeasyPrint takes <use href="logo.svg#id"> as this file's #id
    "use-through-own-file-name": svg_laughs(ref="logo.svg#"),
    "duplicate-ids": svg_duplicate_ids(),
    # each file is small, but the logo draws the other 10,000 times
    "image-of-another-svg": svg_laughs(
        4, 10, leaf='<image id="l0" xlink:href="b.svg" width="1" height="1"/>'
    ),
}


@pytest.mark.parametrize("data", list(DISGUISED_SVGS.values()), ids=list(DISGUISED_SVGS))
def test_svg_bombs_in_disguise_are_refused(mini: Path, previous_card: bytes, data: bytes) -> None:
    """The same billion laughs, encoded, padded, renamed or split in two files, is refused too."""
    set_limits(mini, seconds=2)
    (mini / "leaflets/hello/b.svg").write_bytes(svg_laughs(4, 10))  # 10,000 rectangles
    with_logo(mini, "logo.svg", data)
    plant_previous(mini, previous_card)
    run = build_card(mini, timeout=60)
    assert_clean_error(run, "hello card [en]: refused to load leaflets/hello/")
    assert_previous_intact(mini, previous_card)


def test_a_deeply_nested_template_is_refused_before_it_is_parsed(mini: Path) -> None:
    set_limits(mini, seconds=3)
    edit(mini / "templates/card/card.html", "<h1>", "<div>" * 30_000 + "x" + "</div>" * 30_000 + "<h1>")
    run = build_card(mini, timeout=60)
    assert_clean_error(run, "hello card [en]: the page's elements nest 30002 deep")
    assert_no_litter(mini)


def test_a_runaway_template_is_stopped_by_its_budget(mini: Path, previous_card: bytes) -> None:
    set_limits(mini, seconds=3)
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    edit(mini / "templates/card/card.html", "<h1>", loop + "<h1>")
    plant_previous(mini, previous_card)
    run = build_card(mini, timeout=60)
    assert_clean_error(run, "hello card [en]: stopped after 3 s while filling the template")
    assert run.seconds < 15, run.seconds
    assert_previous_intact(mini, previous_card)


PEAK_MEMORY = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB: the largest reaped descendant
print(json.dumps({"code": done.returncode, "stderr": done.stderr, "peak_kb": peak}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and ru_maxrss in KB: Linux")
@pytest.mark.parametrize(
    ("expression", "touched_mb"),
    [('("x" * 3000000000)|length', 0), ('("x" * 300000000 ~ "y" * 300000000)|length', 250)],
    ids=["3-GB-string", "600-MB-concatenation"],
)
def test_a_template_that_eats_memory_is_stopped(mini: Path, expression: str, touched_mb: int) -> None:
    """The worker's memory is capped: measured from outside, its peak stays under job_memory_mb."""
    set_limits(mini, memory_mb=512)
    edit(mini / "templates/card/card.html", "<h1>", "{{ " + expression + " }}<h1>")
    command = [sys.executable, "-m", "qillqa", "--project", str(mini), "build", "-f", "card", "-l", "en"]
    # spawn: the worker is the build's own child, so its peak counts in RUSAGE_CHILDREN.
    done = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, *command, "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=150,
        env={**os.environ, "QILLQA_START_METHOD": "spawn"},
    )
    report = json.loads(done.stdout)
    run = Run(report["code"], "", report["stderr"], 0)
    assert_clean_error(run, "hello card [en]: ran out of its 512 MB of memory")
    # The lower bound shows the measurement sees the worker (it touched 300 MB before failing).
    assert touched_mb * 1024 <= report["peak_kb"] < 512 * 1024, report["peak_kb"]
    assert_no_litter(mini)


@pytest.mark.parametrize("unit", ["x", "[[", "<a "])
def test_a_huge_translation_is_checked_quickly(mini: Path, unit: str) -> None:
    """A 400 KB translation without spaces: i18n check reports it in seconds; the build prints the source."""
    text = (unit * 400_000)[:400_000]
    line = translate(mini / ES_HELLO, "headline", "Hello world", text)
    where = f"{ES_HELLO}:{line}"
    check = qillqa(mini, "i18n", "check", "--lang", "es", timeout=60)
    assert check.code == 1, check.output[-2000:]
    assert f"{where}: error: not printed" in check.output, check.output[-2000:]
    assert "400,000 characters long, more than the 20,000" in check.output
    assert check.seconds < 30, check.seconds
    run = build_card(mini, "es", timeout=60)
    assert run.code == 0, run.output[-2000:]
    assert f"warning: {where}: translation of 'Hello world' (headline)" in run.stderr
    assert "Hello world" in pdf_text(mini / CARD_ES)


def test_a_dotted_key_bomb_in_leaflet_toml_is_refused_by_line(mini: Path) -> None:
    leaflet = mini / "leaflets/hello/leaflet.toml"
    edit(leaflet, "[event]", "text." + ".".join(["x"] * 20_000) + " = 1\n\n[event]")
    line = line_of(leaflet, "text.x.x")

    def cap_memory() -> None:  # the parent has no budget of its own: keep the machine safe
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    try:
        run = qillqa(
            mini, "build", "-f", "card", "-l", "en", "--jobs", "1", timeout=20, preexec_fn=cap_memory
        )
    except subprocess.TimeoutExpired:
        pytest.fail("still reading leaflet.toml after 20 s")
    assert_clean_error(run, f"leaflets/hello/leaflet.toml:{line}:")


def test_a_long_headline_translation_cannot_hold_the_build(example: Path) -> None:
    set_limits(example, seconds=4)
    po = example / "locales/es/LC_MESSAGES/peru-solidarity.po"
    translate(po, "headline", "Peru is not alone", ("PERÚ NO ESTÁ SOLO " * 400)[:6_000])
    run = qillqa(example, "build", "-f", "flyer-a5", "-l", "es", "--jobs", "1", timeout=60)
    assert "stopped after" not in run.stderr, run.output
    assert run.code == 0 or "headline" in run.error, run.output


def test_a_failing_output_prints_no_traceback(mini: Path) -> None:
    with_logo(mini, "logo.svg", svg_laughs())
    run = qillqa(mini, "build", "--jobs", "1", timeout=60)
    assert_clean_error(run, SVG_REFUSED.replace("[en]", "[es]"))
    assert "Exception ignored" not in run.stderr, run.stderr


# -- 5. leaks and escapes ------------------------------------------------------------------------


def _link_out(relative: str, content: Callable[[Path], str]) -> Callable[[Path, Path], tuple[str, ...]]:
    """Move a project file's (edited) content outside and leave a link to it in its place."""

    def setup(project: Path, outside: Path) -> tuple[str, ...]:
        path = project / relative
        target = outside / path.name
        target.write_text(content(project))
        path.unlink(missing_ok=True)
        path.symlink_to(target)
        return ("build", "-f", "card", "-l", "es", "--jobs", "1")

    return setup


def _with_secret(relative: str, old: str, new: str) -> Callable[[Path], str]:
    def content(project: Path) -> str:
        text = (project / relative).read_text()
        assert old in text
        return text.replace(old, new)

    return content


def _markdown_out(project: Path, outside: Path) -> tuple[str, ...]:
    edit(project / "leaflets/hello/leaflet.toml", "slogans", 'background = { file = "story.md" }\nslogans')
    edit(project / "templates/card/card.html", "<h1>", "{{ leaflet.text.background }}<h1>")
    (outside / "story.md").write_text(f"{SECRET}\n")
    (project / "leaflets/hello/story.md").symlink_to(outside / "story.md")
    return ("build", "-f", "card", "-l", "es", "--jobs", "1")


def _image_out(project: Path, outside: Path) -> tuple[str, ...]:
    with_logo(project, "logo.svg", b"")
    (outside / "logo.svg").write_text(SVG_OPEN + f"<text>{SECRET}</text></svg>")
    (project / "leaflets/hello/logo.svg").unlink()
    (project / "leaflets/hello/logo.svg").symlink_to(outside / "logo.svg")
    return ("build", "-f", "card", "-l", "es", "--jobs", "1")


def _leaflet_output_out(project: Path, outside: Path) -> tuple[str, ...]:
    (project / "dist").mkdir()
    (project / "dist/hello").symlink_to(outside, target_is_directory=True)
    return ("build", "-f", "card", "-l", "es", "--jobs", "1")


def _output_out(project: Path, outside: Path) -> tuple[str, ...]:
    (project / "dist").symlink_to(outside, target_is_directory=True)
    return ("build", "-f", "card", "-l", "es", "--jobs", "1")


def _locales_out(project: Path, outside: Path) -> tuple[str, ...]:
    shutil.copytree(project / "locales/es", outside / "es")
    for po in (outside / "es/LC_MESSAGES").iterdir():
        po.write_text(po.read_text().replace("Hola mundo", SECRET))
    shutil.rmtree(project / "locales/es")
    (project / "locales/es").symlink_to(outside / "es", target_is_directory=True)
    return ("i18n", "update")


LINKS_OUT = {
    "po-file": (
        _link_out(ES_HELLO, _with_secret(ES_HELLO, "Hola mundo", SECRET)),
        ES_HELLO + ": it is a link to",
    ),
    "events-csv": (
        _link_out(
            "leaflets/hello/events.csv",
            lambda _: f"city,date,time,place,link\nLima,2026-12-05,14:00,{SECRET},\n",
        ),
        "leaflets/hello/events.csv: it is a link to",
    ),
    "leaflet-toml": (
        _link_out(
            "leaflets/hello/leaflet.toml",
            _with_secret("leaflets/hello/leaflet.toml", "Hello world", SECRET),
        ),
        "leaflets/hello/leaflet.toml: it is a link to",
    ),
    "markdown": (_markdown_out, "'background' file must be inside the leaflet folder, found 'story.md'"),
    "template": (
        _link_out(
            "templates/card/card.html", _with_secret("templates/card/card.html", "<h1>", "<h1>" + SECRET)
        ),
        "template 'card.html' is a link to",
    ),
    "format-toml": (
        _link_out(
            "templates/card/format.toml",
            lambda p: (p / "templates/card/format.toml").read_text() + f"# {SECRET}\n",
        ),
        "templates/card/format.toml: it is a link to",
    ),
    "picture": (_image_out, "'images.logo' must be a file inside the leaflet folder, found 'logo.svg'"),
    "leaflet-output-folder": (
        _leaflet_output_out,
        "refused to write hello/hello-card-es.pdf: hello is a link to",
    ),
    "output-folder": (_output_out, "'output' must be a folder inside the project"),
    "locales-folder-and-i18n-update": (_locales_out, "LC_MESSAGES/templates.po: it is a link to"),
}


@pytest.mark.parametrize("case", list(LINKS_OUT))
def test_symlinks_leading_out_are_refused(mini: Path, tmp_path: Path, case: str) -> None:
    """A link leading out of the project is refused by name: nothing read from it, nothing written there."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    setup, needle = LINKS_OUT[case]
    args = setup(mini, outside)
    before = {p: p.read_bytes() for p in outside.rglob("*") if p.is_file() and not p.is_symlink()}
    run = invoke(mini, *args)
    assert_clean_error(run, needle)
    assert SECRET not in run.output
    after = {p: p.read_bytes() for p in outside.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before, "something was written outside the project"
    if (mini / "dist").is_dir() and not (mini / "dist").is_symlink():
        assert not list((mini / "dist").rglob("*.pdf"))
        for written in (mini / "dist").rglob("*"):
            assert not written.is_file() or SECRET.encode() not in written.read_bytes()
    assert_no_litter(mini)


# -- 6. encodings and names ----------------------------------------------------------------------


def test_po_charsets(mini: Path) -> None:
    """Unknown charsets and lying headers are refused by line; a real Latin-1 file works and is converted."""
    po = mini / ES_TEMPLATES
    utf8 = po.read_text(encoding="utf-8")
    header = line_of(po, "Content-Type:")

    po.write_text(utf8.replace("charset=utf-8", "charset=KOI-9X"), encoding="utf-8")
    for run in (card(mini, "es"), invoke(mini, "i18n", "check", "--lang", "es")):
        assert_clean_error(run, f"{ES_TEMPLATES}:{header}: the header names charset 'KOI-9X'")

    po.write_text(utf8.replace("charset=utf-8", "charset=ISO-8859-1"), encoding="utf-8")
    assert_clean_error(
        card(mini, "es"),
        f"{ES_TEMPLATES}:{header}: the header says charset=ISO-8859-1, but the file is saved as UTF-8",
    )

    latin1 = utf8.replace("charset=utf-8", "charset=ISO-8859-1").encode("latin-1")
    assert "Cuándo".encode("latin-1") in latin1
    po.write_bytes(latin1)
    run = card(mini, "es")
    assert run.code == 0, run.output
    assert "Cuándo: 5 de diciembre de 2026" in pdf_text(mini / CARD_ES)

    def translations(text: str) -> dict[tuple[str | None, str], str]:
        return {(m.context, m.msgid): m.string for m in PoFile.parse(text) if m.string}

    update = invoke(mini, "i18n", "update")
    assert update.code == 0, update.output
    converted = po.read_bytes().decode("utf-8")
    assert re.search(r"charset=utf-8\\n", converted, re.IGNORECASE), converted[:800]
    assert "ISO-8859-1" not in converted
    assert translations(utf8).items() <= translations(converted).items()
    assert card(mini, "es", "--force").code == 0
    assert "Cuándo: 5 de diciembre de 2026" in pdf_text(mini / CARD_ES)


def test_an_overlong_events_field_is_refused_by_line(mini: Path) -> None:
    events = mini / "leaflets/hello/events.csv"
    for place, needle in (
        ('"' + "x" * 140_000 + '"', "leaflets/hello/events.csv:3: "),
        ("x" * 20_000, "leaflets/hello/events.csv:3: a field is longer than the 10,000 characters"),
    ):
        events.write_text(
            f"city,date,time,place,link\nLima,2026-12-05,14:00,Plaza,\nCusco,2026-12-06,15:00,{place},\n"
        )
        assert_clean_error(card(mini), needle)


def test_city_names(mini: Path) -> None:
    """A Cyrillic city and a city called "Print" both build, each in its own folder, not in print/."""
    (mini / "leaflets/hello/events.csv").write_text(
        "city,date,time,place,link\nКиїв,2026-12-05,14:00,Майдан,\nPrint,2026-12-06,15:00,Plaza,\n",
        encoding="utf-8",
    )
    run = card(mini, "en", "--impose")
    assert run.code == 0, run.output
    leaflet = mini / "dist/hello"
    assert sorted(p.name for p in leaflet.iterdir() if p.is_dir()) == ["print-city", "київ"]
    for slug in ("київ", "print-city"):
        assert (leaflet / slug / f"hello-{slug}-card-en.pdf").is_file()
        assert list((leaflet / slug / "print").glob("*.pdf"))
    assert not (leaflet / "print").exists()


# -- 7. sandbox ----------------------------------------------------------------------------------

ESCAPES = [
    "{{ leaflet.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(leaflet) }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ lipsum.__globals__['os'].environ }}",
    "{{ gettext.__globals__ }}",
    "{% set x = [] %}{{ x.append(leaflet) }}",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_sandboxed_template_cannot_reach_python(
    mini: Path, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    """Python's internals, the environment and mutation are out of a template's reach."""
    monkeypatch.setenv("QILLQA_TEST_TOKEN", SECRET)  # what an escape would print
    edit(mini / "templates/card/card.html", "<h1>", expression + "<h1>")
    run = card(mini)
    assert run.code == 1, run.output
    refused = "Error: templates/card/card.html:7: refused by the template sandbox: "
    assert run.error.startswith(refused), run.output
    assert SECRET not in run.output and "Traceback" not in run.output
    assert not (mini / CARD_EN).exists()
    assert_no_litter(mini)


@pytest.mark.parametrize("expression", ["{{ leaflet.__class__ }}", "{{ range(10**12)|length }}"])
def test_sandbox_refusals_are_template_errors_by_line(mini: Path, expression: str) -> None:
    template = mini / "templates/card/card.html"
    edit(template, "<h1>", expression + "<h1>")
    assert_clean_error(card(mini), f"templates/card/card.html:{line_of(template, expression)}:")


# -- 8. litter -----------------------------------------------------------------------------------


def test_the_next_build_sweeps_litter(mini: Path) -> None:
    """After a build killed mid-way and planted litter, the next build leaves whole PDFs and no temp files."""
    (mini / "leaflets/hello/events.csv").write_text(
        "city,date,time,place,link\n"
        + "".join(f"City {n},2026-12-0{n},14:00,Plaza {n},\n" for n in range(1, 7)),
    )
    command = ("build", "-f", "card,sign", "--jobs", "1")
    first = qillqa(mini, *command)
    assert first.code == 0, first.output
    expected = sorted(p.relative_to(mini) for p in (mini / "dist").rglob("*.pdf"))
    assert len(expected) == 24
    written = {p: p.stat().st_mtime_ns for p in (mini / "dist").rglob("*.pdf")}

    for _attempt in range(5):
        process = subprocess.Popen(
            [sys.executable, "-m", "qillqa", "-q", "--project", str(mini), *command, "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        # Kill as soon as the first output is rewritten: the build is then surely mid-way.
        while process.poll() is None and time.monotonic() < deadline:
            if any(p.stat().st_mtime_ns != t for p, t in written.items() if p.exists()):
                break
            time.sleep(0.01)
        alive = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        if alive:
            break
    assert alive, "the build always finished before it could be killed"
    rewritten = [p for p, t in written.items() if p.stat().st_mtime_ns != t]
    assert 0 < len(rewritten) < len(written)
    time.sleep(0.5)  # the killed build's worker sees its lifeline close and ends
    for pdf in written:  # the killed build left every PDF whole, old or new
        with pikepdf.open(pdf) as document:
            assert len(document.pages) >= 1

    (mini / "dist/hello/city-1/.hello-city-1-card-en.pdf.abc123.tmp").write_bytes(b"%PDF-1.7 half")
    scratch = mini / "dist/.qillqa-tmp/worker-1"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "font-copy.ttf").write_bytes(b"\0" * 1000)

    again = qillqa(mini, *command)
    assert again.code == 0, again.output
    assert_no_litter(mini)
    assert sorted(p.relative_to(mini) for p in (mini / "dist").rglob("*.pdf")) == expected
    for pdf in (mini / "dist").rglob("*.pdf"):
        with pikepdf.open(pdf) as document:
            assert len(document.pages) >= 1


# -- 9. fuzzing the templates domain -------------------------------------------------------------

PIECES = [
    "<",
    ">",
    "</x>",
    "<b>",
    "</b>",
    "<style>",
    "<style/x>",
    "<img src=x>",
    "<!--",
    "-->",
    "<!DOCTYPE x>",
    "%",
    "%%",
    "%(start)s",
    "%s",
    "{{",
    "}}",
    "{%",
    "\u202e",
    "\u2066",
    "&amp;",
    "&lt;",
    "Cuándo",
    " ",
    "\n",
    "*",
    "[a](https://example.org)",
    "\\",
    '"',
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(min_size=1, max_size=40),
        st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), min_size=1, max_size=8).map(
            "".join
        ),
    )
)
@example(text=SABOTAGE)
@example(text="<b>Cuándo</b>")
@example(text="Cuándo \u202e")
@example(text="{{ leaflet }} %(start)s 100%")
def test_fuzzed_template_translations_never_print_markup(runner: CliRunner, mini: Path, text: str) -> None:
    """Random Unicode and HTML-ish translations of a template word: never markup, never a crash."""
    from qillqa.catalogs import write_catalog

    write_catalog(mini / ES_TEMPLATES, catalog_of("es", ("card", "When", text)), mini)
    result = runner.invoke(
        cli, ["--project", str(mini), "build", "--format", "card", "--lang", "es", "--jobs", "1", "--force"]
    )
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert_no_litter(mini)
    if result.exit_code != 0:
        assert result.exit_code == 1 and "\nError: " in "\n" + result.stderr, result.output
        return
    printed = pdf_text(mini / CARD_ES)
    tags = re.findall(r"</?[A-Za-z][^<>]*>", text)
    for tag in tags:
        assert tag not in printed, (tag, printed)
    if any(html_in(text)):
        assert "When: 5 de diciembre de 2026" in printed, printed
        assert f"{ES_TEMPLATES}:" in result.stderr, result.output


def test_a_usable_translation_is_printed_as_text_not_markup(runner: CliRunner, mini: Path) -> None:
    """What looks like an entity or a tag-to-be stays text: escaping, not only refusal, is at work."""
    from qillqa.catalogs import write_catalog

    write_catalog(mini / ES_TEMPLATES, catalog_of("es", ("card", "When", "Cuándo &lt;b&gt; & 5 > 3")), mini)
    result = runner.invoke(cli, ["--project", str(mini), "build", "--format", "card", "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert "Cuándo &lt;b&gt; & 5 > 3: 5 de diciembre" in pdf_text(mini / CARD_ES)


# -- 10. what a fresh-eyed review found ----------------------------------------------------------


@pytest.mark.parametrize(
    ("translation", "why"),
    [
        ("\u200f%(start)s – %(end)s", "invisible characters that reorder text (U+200F)"),
        ("\u061c%(start)s – %(end)s", "invisible characters that reorder text (U+061C)"),
        ("א %(start)s – %(end)s", "right-to-left letters (U+05D0)"),
    ],
)
def test_nothing_invisible_turns_the_times_around(example: Path, translation: str, why: str) -> None:
    """A right-to-left mark or letter in a Spanish line would print 17:00 – 14:00: never used."""
    line = translate(example / ES_TEMPLATES, "flyer", "%(start)s to %(end)s", translation)
    check = invoke(example, "i18n", "check", "--lang", "es")
    assert check.code == 1
    refused = f"{ES_TEMPLATES}:{line}: error: not printed (the build prints the source text instead): "
    assert refused in check.stdout
    assert why in check.stdout
    run = invoke(example, "build", "-f", "flyer-a5", "-l", "es")
    assert run.code == 0, run.output
    assert f"{ES_TEMPLATES}:{line}: translation of '%(start)s to %(end)s'" in run.stderr
    assert "14:00 to 17:00" in pdf_text(example / FLYER_ES).lower()


def test_right_to_left_languages_may_use_their_marks() -> None:
    from qillqa.checks import unusable

    rule = {"formatted": False, "markdown": True}
    assert unusable("When", "\u200fمتى", rtl=True, **rule) is None
    assert unusable("When", "\u200fمتى", rtl=False, **rule) is not None
    assert "U+202E" in (unusable("When", "\u202eمتى", rtl=True, **rule) or "")


def test_check_and_build_agree_on_plural_entries(mini: Path) -> None:
    """Each plural form may leave out a placeholder; a changed one is refused by both alike."""
    from qillqa.checks import check_message
    from qillqa.project import load_project

    project = load_project(mini)
    good = catalog_of("es", (None, ("One item", "%(num)d items"), ("Un artículo", "%(num)d artículos")))
    assert list(check_message(good.entries[0], "es", project, templates=True)) == []
    bad = catalog_of("es", (None, ("One item", "%(num)d items"), ("Un artículo", "%(n)d artículos")))
    assert [severity for severity, _ in check_message(bad.entries[0], "es", project, templates=True)] == [
        "error"
    ]


def test_a_percent_in_a_plain_template_message_prints_as_written(mini: Path) -> None:
    edit(mini / "templates/card/card.html", "<h1>", '<p>{{ _("We are 100% sure") }}</p><h1>')
    run = card(mini)
    assert run.code == 0, run.output
    assert "We are 100% sure" in pdf_text(mini / CARD_EN)


def test_a_long_run_without_spaces_is_updated_quickly_and_kept(mini: Path) -> None:
    """Babel's line wrapping is quadratic in such a run: the file is written unwrapped instead."""
    translate(mini / ES_HELLO, "headline", "Hello world", "x" * 100_000)
    run = qillqa(mini, "i18n", "update", timeout=30)
    assert run.code == 0, run.output
    entry = load_catalog(mini / ES_HELLO).get("Hello world", context="headline")
    assert entry is not None and entry.string == "x" * 100_000
    assert run.seconds < 20, run.seconds


def test_a_huge_msgid_no_leaflet_has_is_reported_once_and_quickly(mini: Path) -> None:
    with open(mini / ES_HELLO, "a", encoding="utf-8") as handle:
        handle.write('\nmsgid "' + "<a " * 200_000 + '"\nmsgstr "x"\n')
    run = qillqa(mini, "i18n", "check", timeout=30)
    assert run.code == 1
    assert "error: the msgid is 600,000 characters long" in run.stdout
    assert len(run.stdout) < 2000  # the msgid is not printed in full


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("nplurals=2000000000; plural=0;", "Plural-Forms says nplurals=2000000000; languages have 1 to 6"),
        ("nplurals=99999999999999999999; plural=0;", "languages have 1 to 6"),
    ],
)
def test_plural_forms_cannot_claim_memory(mini: Path, header: str, message: str) -> None:
    po = mini / ES_HELLO
    po.write_text(
        re.sub(r'"Plural-Forms: [^"]*"', f'"Plural-Forms: {header}\\\\n"', po.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    assert_clean_error(card(mini, "es"), f"{ES_HELLO}:", message)


@pytest.mark.parametrize("charset", ["rot13", "base64", "punycode"])
def test_a_charset_that_is_not_a_character_set_is_refused_by_name(mini: Path, charset: str) -> None:
    po = mini / ES_HELLO
    text = po.read_text(encoding="utf-8").replace("charset=utf-8", f"charset={charset}")
    po.write_text(text, encoding="utf-8")
    assert_clean_error(card(mini, "es"), f"{ES_HELLO}:")


def svg_styled_bomb() -> bytes:
    """url(#p) in a <style> element: 3,000 rectangles, each filled with an 11,111-element pattern."""
    pattern = svg_laughs(4, 10).decode().removeprefix(SVG_OPEN).removesuffix("</svg>")
    return (
        SVG_OPEN
        + '<style>rect.t{fill:url(#p)}</style><pattern id="p" width="1" height="1">'
        + pattern
        + "</pattern>"
        + '<rect class="t" width="1" height="1"/>' * 3000
        + "</svg>"
    ).encode()


def svg_drawing_svg_data() -> bytes:
    inner = base64.b64encode(svg_laughs(3, 10)).decode()
    leaf = f'<image id="l0" xlink:href="data:image/svg+xml;base64,{inner}" width="1" height="1"/>'
    return svg_laughs(4, 10, leaf=leaf)


@pytest.mark.parametrize("data", [svg_styled_bomb(), svg_drawing_svg_data()], ids=["style-url", "data-svg"])
def test_svg_bombs_through_styles_or_data_uris_are_refused(mini: Path, data: bytes) -> None:
    set_limits(mini, seconds=10)
    with_logo(mini, "logo.svg", data)
    run = build_card(mini, timeout=60)
    assert_clean_error(run, "hello card [en]: refused to load leaflets/hello/logo.svg")


def test_links_planted_in_dist_lead_nowhere(mini: Path, tmp_path: Path) -> None:
    """The lock, the cache and the preview's folder: a link there writes or reads nothing outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    dist = mini / "dist"
    dist.mkdir()
    (dist / ".qillqa-build.json").symlink_to("/dev/zero")
    run = card(mini)
    assert run.code == 0, run.output  # a cache that cannot be read is no cache
    (dist / ".qillqa-build.lock").unlink()
    (dist / ".qillqa-build.lock").symlink_to(outside / "lock")
    assert_clean_error(card(mini, "en", "--force"), "cannot open the lock file .qillqa-build.lock")
    assert not (outside / "lock").exists()
    (dist / ".qillqa-build.lock").unlink()
    (dist / ".preview").symlink_to(outside)
    from qillqa.errors import QillqaError
    from qillqa.preview import Preview

    with pytest.raises(QillqaError, match="outside"):
        Preview(mini)._pngs(mini / CARD_EN)
    assert list(outside.iterdir()) == []


def test_a_huge_file_nobody_uses_is_never_read(mini: Path) -> None:
    with open(mini / "leaflets/hello/photo.png", "wb") as handle:
        handle.truncate(30_000_000_000)  # sparse: 30 GB that a read would have to go through
    run = qillqa(mini, "build", "-f", "card", "-l", "en", timeout=60)
    assert run.code == 0, run.output


def test_cities_and_links_too_long_for_a_folder_or_a_qr_code(mini: Path) -> None:
    events = mini / "leaflets/hello/events.csv"
    events.write_text("city,date,time,place,link\n" + "x" * 300 + ",2026-12-05,14:00,Plaza,\n")
    assert_clean_error(card(mini), "leaflets/hello/events.csv:2: 'city' may have at most 80 characters")
    long_link = "https://a.org/" + "x" * 5000
    events.write_text(f"city,date,time,place,link\nLima,2026-12-05,14:00,Plaza,{long_link}\n")
    assert_clean_error(card(mini), "events.csv:2: 'link' must be an http(s) address of at most")


def test_a_fifo_is_not_read(mini: Path) -> None:
    toml = mini / "leaflets/hello/leaflet.toml"
    toml.unlink()
    os.mkfifo(toml)
    run = qillqa(mini, "build", "-f", "card", "-l", "en", timeout=30)
    assert_clean_error(run, "leaflets/hello/leaflet.toml: not a regular file")


def test_a_file_where_the_scratch_folder_goes_is_swept(mini: Path) -> None:
    (mini / "dist").mkdir()
    (mini / "dist/.qillqa-tmp").write_text("in the way")
    run = card(mini)
    assert run.code == 0 and "Traceback" not in run.output, run.output
    assert_no_litter(mini)


def test_the_draft_stamp_keeps_the_source_words(mini: Path) -> None:
    """A translated stamp ("Versión final aprobada") cannot hide that the page is a draft."""
    with open(mini / ES_TEMPLATES, "a", encoding="utf-8") as handle:
        handle.write(
            '\nmsgctxt "qillqa"\nmsgid "Draft: translation under review"\nmsgstr "Versión final aprobada"\n'
        )
    run = card(mini, "es", "--draft")
    assert run.code == 0, run.output
    text = pdf_text(mini / CARD_ES).replace(" ", "")  # the stamp is turned: words run together
    assert "Versiónfinalaprobada" in text and "Draft:translationunderreview" in text
