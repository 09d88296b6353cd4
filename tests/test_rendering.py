"""Rendering loads nothing from outside the project and checks the pages it made."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from qillqa.cli import cli


def _edit(project: Path, find: str, replace: str) -> None:
    path = project / "templates/card/card.html"
    path.write_text(path.read_text().replace(find, replace, 1))


def test_remote_resources_are_refused(runner: CliRunner, mini: Path) -> None:
    _edit(mini, "<h1>", '<img src="http://127.0.0.1:9/logo.png"><h1>')
    result = runner.invoke(cli, ["--project", str(mini), "build", "--lang", "en", "-f", "card,sign"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: hello card [en]: refused to load http://127.0.0.1:9/logo.png: "
        "qillqa never loads anything from the network"
    )
    assert not list(mini.rglob("hello-card-*.pdf")) and not list(mini.rglob("*.tmp"))


def test_files_outside_the_project_are_refused(runner: CliRunner, mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    _edit(mini, "</head>", f'<link rel="stylesheet" href="{outside.as_uri()}"></head>')
    result = runner.invoke(cli, ["--project", str(mini), "build", "--lang", "en"])
    assert result.exit_code == 1
    assert f"refused to load {outside.as_uri()}: it is outside the project" in result.stderr


def test_overflow_onto_an_extra_page_is_an_error(runner: CliRunner, mini: Path) -> None:
    _edit(mini, "<h1>", '<div style="height: 200mm"></div><h1>')
    result = runner.invoke(cli, ["--project", str(mini), "build", "--lang", "en"])
    assert result.exit_code == 1
    assert "hello card [en]: the text does not fit: it needs 2 pages, the format has 1" in result.stderr


def test_a_huge_image_is_refused(runner: CliRunner, mini: Path) -> None:
    with open(mini / "templates/card/big.png", "wb") as handle:
        handle.truncate(26_000_000)  # sparse: costs no disk
    _edit(mini, "<h1>", '<img src="big.png"><h1>')
    result = runner.invoke(cli, ["--project", str(mini), "build", "--format", "card", "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: hello card [en]: refused to load templates/card/big.png: it is 26 MB, more than the 25 MB "
        "a leaflet's image or font may have"
    )


def test_a_runaway_render_is_stopped_by_the_job_budget(runner: CliRunner, mini: Path) -> None:
    with open(mini / "qillqa.toml", "a") as handle:
        handle.write("\n[limits]\njob_seconds = 2\n")
    _edit(mini, "<h1>", "{% for i in range(90000) %}<p>{{ i }} words words words words</p>{% endfor %}<h1>")
    result = runner.invoke(cli, ["--project", str(mini), "build", "--format", "card", "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: hello card [en]: stopped after 2 s while "), result.stderr
    assert "job_seconds under [limits] in qillqa.toml" in result.stderr
    assert not list(mini.rglob("hello-card-*.pdf"))
