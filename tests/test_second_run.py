"""The second step: what people run next, on a project the first command already built.

Build twice; build then ask for images or sheets; warnings on an up-to-date build; --strict
after a build; one output failing among many; a build killed with its workers running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from qillqa.cli import cli

CARD_ES = "dist/hello/hello-card-es.pdf"


def run(runner: CliRunner, project: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["--project", str(project), *args])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def warnings_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def test_a_second_build_says_again_what_the_first_found(runner: CliRunner, mini: Path) -> None:
    """Missing translations and auto-fit are part of an output's state, said on every build."""
    edit(mini / "templates/card/format.toml", "pages = 1", "pages = 1\nmin_scale = 0.8")
    edit(mini / "templates/card/card.html", "<h1>", '<div style="height: 18rem"></div><h1>')
    first = run(runner, mini, "build", "--format", "card")
    assert first.exit_code == 0, first.output
    assert any("the type was set at" in line for line in warnings_of(first.stderr))
    assert any("fuzzy translation" in line for line in warnings_of(first.stderr))
    second = run(runner, mini, "build", "--format", "card")
    assert second.exit_code == 0, second.output
    assert second.stdout == ""  # nothing was written again
    assert warnings_of(second.stderr) == warnings_of(first.stderr)


def test_images_and_sheets_of_an_up_to_date_build(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "card").exit_code == 0
    pdf = mini / CARD_ES
    made = pdf.stat().st_mtime_ns
    result = run(runner, mini, "build", "--format", "card", "--png", "--impose", "letter")
    assert result.exit_code == 0, result.output
    assert pdf.stat().st_mtime_ns == made  # not built again
    image = pdf.with_name("hello-card-es-1.png")
    sheets = mini / "dist/hello/print/hello-card-es-fit-letter.pdf"  # the card's layout: fit
    assert image.is_file() and sheets.is_file()
    assert str(image.relative_to(mini)) in result.stdout or image.name in result.stdout
    with pikepdf.open(sheets) as document:
        assert round(float(document.pages[0].mediabox[2])) == 612  # Letter
    again = run(runner, mini, "build", "--format", "card", "--png", "--impose", "letter")
    assert again.exit_code == 0 and again.stdout == "", again.output  # all there and current


def test_strict_judges_an_up_to_date_build_by_what_it_found(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "card").exit_code == 0
    made = (mini / CARD_ES).stat().st_mtime_ns
    result = run(runner, mini, "build", "--format", "card", "--strict")
    assert result.exit_code == 1
    assert "hello card [es]: 1 message(s) not translated (--strict)" in result.stderr
    stale = mini / CARD_ES.replace(".pdf", ".stale.pdf")  # as a failed output's, whether rebuilt or not
    assert stale.stat().st_mtime_ns == made and not (mini / CARD_ES).exists()  # judged, not rendered
    assert (mini / "dist/hello/hello-card-en.pdf").is_file()  # the source language lacks nothing


def test_one_failing_output_hides_nothing(runner: CliRunner, mini: Path) -> None:
    """The others are built and their warnings shown; the failed one's old PDF is moved aside."""
    assert run(runner, mini, "build", "--format", "card,sign").exit_code == 0
    old_sign = (mini / "dist/hello/hello-sign-es.pdf").read_bytes()
    for pdf in (mini / "dist").rglob("*.pdf"):
        pdf.unlink()  # a fresh build but for...
    (mini / "dist/hello/hello-sign-es.pdf").write_bytes(old_sign)  # ...yesterday's Spanish sign
    edit(mini / "templates/sign/sign.html", "</body>", "{{ leaflet.no_such_field }}</body>")
    result = run(runner, mini, "build", "--format", "card,sign")
    assert result.exit_code == 1
    assert (mini / CARD_ES).is_file() and (mini / "dist/hello/hello-card-en.pdf").is_file()
    assert any("fuzzy translation" in line for line in warnings_of(result.stderr))  # the cards' misses
    error = result.stderr[result.stderr.index("Error: ") :]
    assert error.startswith("Error: templates/sign/sign.html:")
    assert "(the same for 2 outputs: hello sign [es], hello sign [en])" in error
    assert not (mini / "dist/hello/hello-sign-es.pdf").exists()
    stale = mini / "dist/hello/hello-sign-es.stale.pdf"
    assert stale.read_bytes() == old_sign
    assert "hello sign [es]: failed, so its previous files were moved aside" in result.stderr
    assert "hello-sign-es.stale.pdf" in result.stderr
    edit(mini / "templates/sign/sign.html", "{{ leaflet.no_such_field }}</body>", "</body>")
    fixed = run(runner, mini, "build", "--format", "card,sign")
    assert fixed.exit_code == 0, fixed.output
    assert (mini / "dist/hello/hello-sign-es.pdf").is_file() and not stale.exists()


def test_the_cache_names_no_local_folder(runner: CliRunner, mini: Path) -> None:
    """People zip dist/ for a print shop: nothing in it says where it was built."""
    assert run(runner, mini, "build", "--format", "card", "--impose", "--png", "--emit-html").exit_code == 0
    cache = json.loads((mini / "dist/.qillqa-build.json").read_text())
    assert all(not name.startswith("/") for name in cache["outputs"])
    for path in (mini / "dist").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".png", ".html"):
            assert str(mini).encode() not in path.read_bytes(), path


def _processes_marked(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if f"QILLQA_TEST_MARK={mark}".encode() in environ and state != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_build_leaves_no_process_and_no_lock(example: Path) -> None:
    """SIGKILL while two workers write: within 2 s nothing of it runs, and the next build works."""
    (example / "leaflets/peru-solidarity/events.csv").write_text(  # 36 outputs: seconds of work
        "city,date,time,place,link\n"
        + "".join(f"City {n},2026-12-0{n},14:00,Plaza {n},\n" for n in range(1, 5)),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "qillqa", "-q", "--project", str(example), "build", "--jobs", "2"]
    command += ["--format", "flyer-a5,flyer-a6,poster-a3", "--force"]
    def written_since(before: dict[Path, int]) -> int:
        now = {p: p.stat().st_mtime_ns for p in (example / "dist").rglob("*.pdf")}
        return sum(1 for p, stamp in now.items() if before.get(p) != stamp)

    # Killed while starting, after the first PDF, after a few: by what it has done, not by a
    # clock, so that a slow machine kills it at the same points.
    for wanted in (0, 1, 4):
        mark = uuid.uuid4().hex
        env = {**os.environ, "QILLQA_TEST_MARK": mark}
        before = {p: p.stat().st_mtime_ns for p in (example / "dist").rglob("*.pdf")}
        process = subprocess.Popen(command, env=env)
        deadline = time.monotonic() + 120
        time.sleep(0.5)
        while written_since(before) < wanted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _processes_marked(mark), "the build had ended before it was killed"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        deadline = time.monotonic() + 2
        while _processes_marked(mark) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_marked(mark) == [], "a worker or the forkserver outlived the build"
        after = {p: p.stat().st_mtime_ns for p in (example / "dist").rglob("*.pdf")}
        if wanted:  # workers have written: this kill landed in the middle
            assert after != before
        for pdf in after:
            assert len(PdfReader(pdf).pages) >= 1  # whole
    result = subprocess.run(command[:-1], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not list(example.rglob("*.tmp"))


def test_impose_says_which_pdf_it_cannot_open(runner: CliRunner, mini: Path, tmp_path: Path) -> None:
    assert run(runner, mini, "build", "--format", "card", "--lang", "en").exit_code == 0
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(mini / "dist/hello/hello-card-en.pdf") as document:
        document.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    result = runner.invoke(cli, ["impose", str(locked), "--layout", "2up"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {locked}: the PDF is locked with a password; qillqa cannot place its pages"
    )


def test_the_library_raises_its_own_errors_and_the_cli_gives_the_codes(runner: CliRunner, mini: Path) -> None:
    probe = "import sys, qillqa.errors, qillqa.build; print('click' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout == "False\n"
    assert run(runner, mini, "build", "--format", "nope").exit_code == 2  # usage
    edit(mini / "leaflets/hello/leaflet.toml", 'title = "Hello"', "title = ")
    assert run(runner, mini, "build").exit_code == 1  # bad input


def test_sheets_follow_the_pdf_they_were_made_from(runner: CliRunner, mini: Path) -> None:
    """build --impose, change the text, build without --impose, then print: the new text is sent."""
    assert run(runner, mini, "build", "--format", "card", "--lang", "en", "--impose", "a4").exit_code == 0
    sheets = mini / "dist/hello/print/hello-card-en-fit-a4.pdf"
    assert "Hello world" in PdfReader(sheets).pages[0].extract_text()
    edit(mini / "leaflets/hello/leaflet.toml", 'headline = "Hello world"', 'headline = "Hello again"')
    assert run(runner, mini, "build", "--format", "card", "--lang", "en").exit_code == 0
    assert not sheets.exists()  # made from the PDF that was replaced
    result = run(runner, mini, "print", "hello", "-f", "card", "-l", "en", "--dry-run", "--paper", "a4")
    assert result.exit_code == 0, result.output
    assert str(sheets) in result.stdout
    assert "Hello again" in PdfReader(sheets).pages[0].extract_text()


def test_an_output_depends_on_its_own_languages_only(runner: CliRunner, mini: Path) -> None:
    """A broken Spanish catalogue stops the Spanish card, not the English one, which stays up to date."""
    assert run(runner, mini, "build", "--format", "card").exit_code == 0
    english = mini / "dist/hello/hello-card-en.pdf"
    made = english.stat().st_mtime_ns
    edit(mini / "locales/es/LC_MESSAGES/hello.po", 'msgstr "Hola mundo"', 'msgstr "Hola mundo')
    result = run(runner, mini, "build", "--format", "card")
    assert result.exit_code == 1
    assert english.stat().st_mtime_ns == made
    assert "hello.po:" in result.stderr and "malformed PO file" in result.stderr


def test_a_pdf_another_tool_wrote_over_is_built_again(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "card,sign", "--lang", "en").exit_code == 0
    card, sign = mini / "dist/hello/hello-card-en.pdf", mini / "dist/hello/hello-sign-en.pdf"
    card.write_bytes(sign.read_bytes())
    result = run(runner, mini, "build", "--format", "card,sign", "--lang", "en")
    assert result.exit_code == 0 and str(card.name) in result.stdout, result.output
    assert card.read_bytes() != sign.read_bytes()


def test_a_failed_output_keeps_its_findings_and_its_stale_name(runner: CliRunner, mini: Path) -> None:
    """Failing again and again: one .stale.pdf, named each time, and the misses still said."""
    assert run(runner, mini, "build", "--format", "card", "--lang", "es", "--impose", "a4").exit_code == 0
    edit(mini / "templates/card/card.html", "<h1>", '<div style="height: 200mm"></div><h1>')
    for _ in range(3):
        result = run(runner, mini, "build", "--format", "card", "--lang", "es", "--impose", "a4")
        assert result.exit_code == 1
        assert "hello-card-es.stale.pdf" in result.stderr
        assert "fuzzy translation (lead)" in result.stderr  # found before the failure
    names = sorted(p.name for p in (mini / "dist").rglob("*.pdf"))
    assert names == ["hello-card-es-fit-a4.stale.pdf", "hello-card-es.stale.pdf"]


def test_an_unreadable_up_to_date_pdf_is_built_again(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "card", "--lang", "en").exit_code == 0
    pdf = mini / "dist/hello/hello-card-en.pdf"
    pdf.write_bytes(pdf.read_bytes()[:200])
    result = run(runner, mini, "build", "--format", "card", "--lang", "en", "--png")
    assert result.exit_code == 0, result.output
    assert len(PdfReader(pdf).pages) == 1 and pdf.with_name("hello-card-en-1.png").is_file()


def test_a_city_taken_out_of_events_is_moved_aside(runner: CliRunner, mini: Path) -> None:
    events = mini / "leaflets/hello/events.csv"
    events.write_text(
        "city,date,time,place,link\nLima,2026-12-05,14:00,Plaza,\nCusco,2026-12-06,15:00,Plaza,\n"
    )
    assert run(runner, mini, "build", "--format", "card", "--lang", "en").exit_code == 0
    events.write_text("city,date,time,place,link\nLima,2026-12-05,14:00,Plaza,\n")
    result = run(runner, mini, "build", "--format", "card", "--lang", "en")
    assert result.exit_code == 0, result.output
    said = "no longer built (no plan makes them), so moved aside: hello-cusco-card-en.stale.pdf"
    assert said in result.stderr
    assert not (mini / "dist/hello/cusco/hello-cusco-card-en.pdf").exists()
    assert (mini / "dist/hello/lima/hello-lima-card-en.pdf").is_file()


def test_impose_into_a_missing_folder_and_print_on_the_right_paper(
    runner: CliRunner, mini: Path, tmp_path: Path
) -> None:
    assert run(runner, mini, "build", "--format", "card", "--lang", "en", "--impose", "a4").exit_code == 0
    pdf = mini / "dist/hello/hello-card-en.pdf"
    result = runner.invoke(cli, ["impose", str(pdf), "--layout", "2up", "-o", str(tmp_path / "no/x.pdf")])
    assert result.exit_code == 2 and "no such folder for --output" in result.stderr
    edit(mini / "qillqa.toml", 'output = "dist"', 'output = "dist"\npaper = "letter"')
    result = run(runner, mini, "print", str(pdf), "--dry-run")
    assert result.exit_code == 0 and "media=Letter" in result.stdout, result.output
    sheets = mini / "dist/hello/print/hello-card-en-fit-a4.pdf"
    result = run(runner, mini, "print", str(sheets), "--dry-run", "--paper", "letter")
    assert result.exit_code == 2 and "was imposed on a4 paper" in result.stderr


def test_a_warning_of_the_plan_is_said_once(runner: CliRunner, mini: Path) -> None:
    edit(mini / "leaflets/hello/leaflet.toml", 'title = "Hello"', 'title = "Hello"\ncolour = "red"')
    result = run(runner, mini, "build", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("unknown key 'colour' ignored") == 1
