"""The command line: exit codes and the exact messages people see."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from qillqa import __version__
from qillqa.cli import cli


def run(runner: CliRunner, project: Path, *args: str) -> click.testing.Result:
    return runner.invoke(cli, ["--project", str(project), *args])


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"qillqa, version {__version__}"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p) or "qillqa")
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help(runner: CliRunner, path: tuple[str, ...], flag: str) -> None:
    result = runner.invoke(cli, [*path, flag])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help and len(command.help) > 40, path


def test_build_writes_and_prints_each_file(
    runner: CliRunner, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mini)
    result = runner.invoke(cli, ["build", "--format", "card"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "dist/hello/hello-card-es.pdf",
        "dist/hello/hello-card-en.pdf",
    ]
    assert PdfReader(mini / "dist/hello/hello-card-es.pdf").trailer["/Root"]["/Lang"] == "es"
    assert not list((mini / "dist" / "hello").glob(".*.tmp"))


def test_build_selects_languages_comma_or_repeated(runner: CliRunner, mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        runner, mini, "build", "hello", "--lang", "en", "-l", "es", "--format", "card", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "hello").iterdir()) == ["hello-card-en.pdf", "hello-card-es.pdf"]
    result = run(runner, mini, "build", "--lang", "es,en", "-o", str(out))
    assert result.exit_code == 0, result.output


def test_missing_and_fuzzy_translations_fall_back_with_warnings(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "--lang", "es")
    assert result.exit_code == 0
    assert (
        "warning: locales/es/LC_MESSAGES/hello.po: fuzzy translation (lead): 'A *small* test card.', "
        "from leaflets/hello/leaflet.toml:6" in result.stderr
    )
    text = " ".join(PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text().split())
    assert "Hola mundo" in text and "A small test card." in text and "Cuándo" in text


def test_strict_fails_on_fuzzy(runner: CliRunner, mini: Path) -> None:
    result = run(runner, mini, "build", "--lang", "es", "--strict")
    assert result.exit_code == 1
    assert "hello card [es]: 1 message(s) not translated (--strict)" in result.stderr
    assert not (mini / "dist/hello/hello-card-es.pdf").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "nope"], "Error: unknown leaflet 'nope'; leaflets in this project: hello"),
        (
            ["build", "--format", "poster"],
            "Error: unknown format 'poster'; formats in this project: booklet, card, sign, trio",
        ),
        (
            ["build", "--lang", "fr"],
            "Error: unknown language 'fr'; this project has es, en (see qillqa.toml)",
        ),
    ],
)
def test_unknown_names_are_usage_errors(runner: CliRunner, mini: Path, args: list[str], message: str) -> None:
    result = run(runner, mini, *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert "Traceback" not in result.output


def _bad(project: Path, relative: str, find: str, replace: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert find in text
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "find", "replace", "message"),
    [
        ("qillqa.toml", 'source_language = "en"', "source_language = ", "qillqa.toml:4: invalid TOML: "),
        (
            "qillqa.toml",
            'languages = ["es", "en"]',
            'languages = ["spanish"]',
            "qillqa.toml:3: language codes",
        ),
        (
            "leaflets/hello/leaflet.toml",
            'headline = "Hello world"',
            'headline = "Hello',
            "leaflets/hello/leaflet.toml:5: invalid TOML",
        ),
        (
            "leaflets/hello/leaflet.toml",
            'headline = "Hello world"',
            "headline = 3",
            "leaflets/hello/leaflet.toml:5: 'text.headline' must be a non-empty string, found 3",
        ),
        (
            "leaflets/hello/leaflet.toml",
            "date = 2026-12-05",
            'date = "soon"',
            "leaflets/hello/leaflet.toml:10: 'event.date' must be a date",
        ),
        (
            "leaflets/hello/leaflet.toml",
            'formats = ["card",',
            'formats = ["card", "zine",',
            "leaflets/hello/leaflet.toml:2: unknown format 'zine'",
        ),
        (
            "templates/card/card.html",
            "{{ leaflet.text.lead }}",
            "{{ leaflet.text.lead }",
            "templates/card/card.html:8: template syntax error: ",
        ),
        (
            "templates/card/card.html",
            "{{ leaflet.text.lead }}",
            "{{ leaflet.text.lede }}",
            "templates/card/card.html:8: undefined template variable: 'leaflet.text' has no field 'lede'",
        ),
        (
            "templates/card/card.html",
            "{{ leaflet.text.lead }}",
            "{{ organiser }}",
            "templates/card/card.html:8: undefined template variable: 'organiser' is undefined",
        ),
        (
            "locales/es/LC_MESSAGES/hello.po",
            'msgstr "Hola mundo"',
            'msgstr "Hola mundo',
            "locales/es/LC_MESSAGES/hello.po:13: malformed PO file",
        ),
    ],
    ids=[
        "toml-syntax",
        "language-code",
        "leaflet-syntax",
        "field-type",
        "date",
        "format",
        "jinja-syntax",
        "undefined-field",
        "undefined-name",
        "po-syntax",
    ],
)
def test_bad_input_one_clear_message(
    runner: CliRunner, mini: Path, relative: str, find: str, replace: str, message: str
) -> None:
    _bad(mini, relative, find, replace)
    result = run(runner, mini, "build")
    assert result.exit_code == 1, result.output
    error = result.stderr[result.stderr.index("Error: ") :]  # after the other outputs' warnings
    assert error.startswith(f"Error: {message}"), result.stderr
    assert "Traceback" not in result.output
    # Every case breaks the Spanish card (a broken es PO file breaks nothing else).
    assert not list(mini.rglob("hello-card-es.pdf")) and not list(mini.rglob("*.tmp"))


def test_no_project_found(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert "no qillqa.toml found in" in result.stderr


def test_project_found_from_a_subfolder(
    runner: CliRunner, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mini / "leaflets" / "hello")
    result = runner.invoke(cli, ["build", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (mini / "dist/hello/hello-card-en.pdf").is_file()


def test_internal_errors_hide_traceback_unless_debug(
    runner: CliRunner, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qillqa.build

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(qillqa.build, "build", boom)
    result = run(runner, mini, "build")
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "Error: internal error: RuntimeError: boom (this is a bug in qillqa: please report it with "
        "what the same command prints with --debug)"
    )
    result = runner.invoke(cli, ["--debug", "--project", str(mini), "build"])
    assert isinstance(result.exception, RuntimeError)


def test_python_dash_m_and_console_script() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "qillqa", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"qillqa, version {__version__}"
    script = Path(sys.executable).with_name("qillqa")
    result = subprocess.run([str(script), "build", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "Usage: qillqa build" in result.stdout
