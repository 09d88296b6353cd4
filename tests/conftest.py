"""Shared fixtures: copies of real projects in temporary folders, built for real.

Tests never touch the repository's own files: every project is copied into a
temporary folder first.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qillqa.build import build
from qillqa.po import PoFile, new_unit
from qillqa.project import load_project

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("es", "qu", "en")


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project's own files (not its outputs) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "qillqa.toml", target / "qillqa.toml")
    for folder in ("leaflets", "templates", "locales"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder, ignore=shutil.ignore_patterns("*.mo"))
    return target


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the tiny test project (one A6 card, es and en)."""
    return copy_project(DATA / "mini", tmp_path / "mini")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the repository's own project."""
    return copy_project(REPO, tmp_path / "example")


class Records(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[logging.LogRecord]]]:
    """The repository's example, built once for the session, with every log record."""
    root = copy_project(REPO, tmp_path_factory.mktemp("built") / "example")
    handler = Records()
    for name in ("qillqa", "weasyprint"):
        logging.getLogger(name).addHandler(handler)
    try:
        build(load_project(root))
    finally:
        for name in ("qillqa", "weasyprint"):
            logging.getLogger(name).removeHandler(handler)
    yield root, handler.records


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """Every record logged under ``qillqa`` (the CLI tests may have stopped propagation)."""
    logger = logging.getLogger("qillqa")
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def catalog_of(
    language: str, *entries: tuple[str | None, str | tuple[str, str], str | tuple[str, ...]]
) -> PoFile:
    """A PO file for ``language`` holding ``(context, msgid or (singular, plural), translation(s))``."""
    catalog = PoFile.new(
        {
            "Language": language,
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
    )
    for context, msgid, strings in entries:
        singular, plural = (msgid, None) if isinstance(msgid, str) else msgid
        unit = new_unit(singular, context, plural)
        unit.target = strings if isinstance(strings, str) else list(strings)
        catalog.add(unit)
    return catalog
