"""The corpus of bad inputs in tests/data/bad/: one folder a case, parametrized by glob.

Each case overlays its files/ on a copy of the small fixture project, runs the command in
case.toml and expects its exit code and one clear message naming file and line: no
traceback, and no PDF (or temporary file) left behind by the failing output.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import DATA

from qillqa.cli import cli

CASES = sorted(p for p in (DATA / "bad").iterdir() if (p / "case.toml").is_file())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(runner: CliRunner, mini: Path, case: Path) -> None:
    spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    if (case / "files").is_dir():
        shutil.copytree(case / "files", mini, dirs_exist_ok=True)
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file() and "dist" not in p.parts}
    result = runner.invoke(cli, ["--project", str(mini), *spec["args"]])
    assert result.exit_code == spec["exit"], result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert spec["message"] in result.stderr.splitlines()[0], result.stderr
    assert "Traceback" not in result.output
    assert not list(mini.rglob("*.tmp"))
    assert {p: p.read_bytes() for p in mini.rglob("*") if p.is_file() and "dist" not in p.parts} == before
