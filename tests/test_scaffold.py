"""``qillqa init`` and ``qillqa new`` make projects and leaflets that build."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from tests.test_gettext import assert_gnu

from qillqa.catalogs import load_catalog
from qillqa.cli import cli


def test_init_creates_a_project_that_builds(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init", "campaign"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "campaign/qillqa.toml"
    root = tmp_path / "campaign"
    assert (root / "templates" / "flyer-a5" / "format.toml").is_file()
    assert (root / "leaflets" / "peru-solidarity" / "leaflet.toml").is_file()
    for lang in ("es", "qu", "en"):
        assert (root / "locales" / lang / "LC_MESSAGES" / "peru-solidarity.po").is_file()
    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["build", "--lang", "qu"])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(root / "dist/peru-solidarity/peru-solidarity-flyer-a5-qu.pdf").pages) == 2


def test_init_with_a_new_language_writes_empty_catalogues(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "p"), "--lang", "fr,en", "--name", "Test"])
    assert result.exit_code == 0, result.output
    po = tmp_path / "p" / "locales" / "fr" / "LC_MESSAGES" / "peru-solidarity.po"
    catalog = load_catalog(po)
    assert catalog.header["Language"] == "fr"
    assert catalog.header["Plural-Forms"] == "nplurals=2; plural=(n > 1);"  # as msginit and Poedit write it
    assert catalog.get("Peru is not alone", context="headline") is not None
    assert all(not m.string for m in catalog)
    assert_gnu(po)
    assert 'name = "Test"' in (tmp_path / "p" / "qillqa.toml").read_text()
    assert not (tmp_path / "p" / "locales" / "qu").exists()


def test_init_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    result = runner.invoke(cli, ["init", str(tmp_path / "busy")])
    assert result.exit_code == 2
    assert "exists and is not empty" in result.stderr
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_new_adds_a_leaflet_that_builds(runner: CliRunner, mini: Path) -> None:
    result = runner.invoke(cli, ["--project", str(mini), "new", "water-march"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("leaflets/water-march/leaflet.toml")
    text = (mini / "leaflets" / "water-march" / "leaflet.toml").read_text()
    assert 'formats = ["booklet"]' in text  # no flyer in this project: its first format
    result = runner.invoke(cli, ["--project", str(mini), "build", "water-march", "--lang", "en"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--project", str(mini), "new", "water-march"])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
