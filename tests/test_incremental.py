"""Incremental and parallel builds: unchanged outputs cost nothing, workers give the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qillqa.cli import cli


def run(runner: CliRunner, project: Path, *args: str) -> Result:
    result = runner.invoke(cli, ["--project", str(project), *args])
    assert result.exit_code == 0, result.output
    return result


def built(result: Result) -> list[str]:
    return [Path(line).name for line in result.stdout.splitlines()]


def test_unchanged_outputs_are_skipped(runner: CliRunner, mini: Path) -> None:
    first = run(runner, mini, "build", "--jobs", "1")
    assert len(built(first)) == 7
    stamps = {p: p.stat().st_mtime_ns for p in (mini / "dist").rglob("*.pdf")}
    assert built(run(runner, mini, "build", "--jobs", "1")) == []
    assert {p: p.stat().st_mtime_ns for p in (mini / "dist").rglob("*.pdf")} == stamps


def test_editing_one_string_rebuilds_only_its_language(runner: CliRunner, mini: Path) -> None:
    run(runner, mini, "build", "--jobs", "1")
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    po.write_text(po.read_text().replace('msgstr "Hola mundo"', 'msgstr "¡Hola, mundo!"'))
    rebuilt = built(run(runner, mini, "build", "--jobs", "1"))
    assert sorted(rebuilt) == [
        "hello-booklet-es.pdf",
        "hello-card-es.pdf",
        "hello-sign-es.pdf",
        "hello-trio.pdf",
    ]


def test_a_deleted_output_is_rebuilt_and_force_rebuilds_all(runner: CliRunner, mini: Path) -> None:
    run(runner, mini, "build", "--jobs", "1")
    (mini / "dist/hello/hello-card-en.pdf").unlink()
    assert built(run(runner, mini, "build", "--jobs", "1")) == ["hello-card-en.pdf"]
    assert len(built(run(runner, mini, "build", "--force", "--jobs", "1"))) == 7


def test_template_change_rebuilds_and_a_damaged_cache_is_harmless(runner: CliRunner, mini: Path) -> None:
    run(runner, mini, "build", "--jobs", "1")
    (mini / "dist/.qillqa-build.json").write_text("{not json")
    assert len(built(run(runner, mini, "build", "--jobs", "1"))) == 7
    card = mini / "templates/card/card.html"
    card.write_text(card.read_text().replace("<h1>", "<h1 class='x'>"))
    assert len(built(run(runner, mini, "build", "--jobs", "1"))) == 7  # all of templates/ is an input


@pytest.mark.parametrize("workers", ["2"])
def test_parallel_builds_give_the_same_bytes(
    runner: CliRunner, mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    serial = run(runner, mini, "build", "--jobs", "1", "-o", str(tmp_path / "serial"))
    parallel = run(runner, mini, "build", "--jobs", workers, "-o", str(tmp_path / "parallel"))
    assert built(serial) == built(parallel)  # reported in plan order
    for pdf in (tmp_path / "serial").rglob("*.pdf"):
        assert pdf.read_bytes() == (tmp_path / "parallel" / pdf.relative_to(tmp_path / "serial")).read_bytes()


def test_quiet_prints_nothing(runner: CliRunner, mini: Path) -> None:
    result = runner.invoke(cli, ["-q", "--project", str(mini), "build", "--format", "card"])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_emitted_html_renders_alone_with_weasyprint(runner: CliRunner, mini: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from pypdf import PdfReader

    result = run(runner, mini, "build", "--format", "card", "--lang", "es", "--emit-html")
    html = mini / "dist/hello/hello-card-es.html"
    assert "hello-card-es.html" in result.stdout
    alone = tmp_path / "alone.pdf"
    weasyprint = Path(sys.executable).with_name("weasyprint")
    subprocess.run([str(weasyprint), str(html), str(alone)], check=True, capture_output=True, timeout=120)
    ours, theirs = PdfReader(mini / "dist/hello/hello-card-es.pdf"), PdfReader(alone)
    assert len(ours.pages) == len(theirs.pages)
    assert ours.pages[0].mediabox == theirs.pages[0].mediabox
    assert ours.pages[0].extract_text() == theirs.pages[0].extract_text()
