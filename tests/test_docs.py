"""The documents say what the code does: SECURITY.md names real tests and real limits."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

from qillqa import limits
from qillqa.catalogs import MAX_PLURAL_FORMS
from qillqa.markup import MAX_MARKDOWN_NESTING

SECURITY = (REPO / "SECURITY.md").read_text(encoding="utf-8")


def _tests_in(module: str) -> set[str]:
    tree = ast.parse((REPO / "tests" / module).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_test_security_md_names_exists() -> None:
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", SECURITY)
    assert len(named) >= 20
    missing = [f"{module}::{name}" for module, name in named if name not in _tests_in(module)]
    assert missing == []


def test_security_md_states_the_limits_the_code_has() -> None:
    rows = {
        "`qillqa.toml`, `leaflet.toml`, `format.toml`, Markdown, `events.csv`": (
            f"{limits.MAX_TEXT_FILE_BYTES / 1e6:g} MB"
        ),
        "a PO or POT file": f"{limits.MAX_CATALOG_BYTES / 1e6:g} MB",
        "a file a page loads (a picture, a font, a stylesheet)": f"{limits.MAX_RESOURCE_BYTES / 1e6:g} MB",
        "a `data:` URI": f"{limits.MAX_DATA_URI_CHARS / 1e6:g} million characters",
        "a picture": f"{limits.MAX_IMAGE_PIXELS / 1e6:g} megapixels",
        "an SVG file": f"{limits.MAX_SVG_ELEMENTS:,} elements",
        "nesting of a page's elements, an SVG file's, or TOML arrays and tables": (
            f"{limits.MAX_NESTING} deep"
        ),
        "a translation": f"{limits.MAX_MESSAGE_CHARS:,} characters",
        "a field of `events.csv`": f"{limits.MAX_CSV_FIELD_CHARS:,} characters",
        "a city in `events.csv`": f"{limits.MAX_CITY_CHARS} characters",
        "a link (it is printed as a QR code)": f"{limits.MAX_URL_CHARS:,} characters",
        "plural forms in a PO file's header": f"{MAX_PLURAL_FORMS}",
        "Markdown quotes and lists": f"{MAX_MARKDOWN_NESTING} deep",
    }
    for what, limit in rows.items():
        assert f"| {what} | {limit}" in SECURITY, what
    budget = limits.DEFAULT_BUDGET
    assert f"{budget.seconds} seconds and {budget.memory_mb} MB of memory" in SECURITY
    assert f"more than {limits.MAX_LENGTH_RATIO} times its source's length" in SECURITY
    assert f"(at least {limits.MIN_LENGTH_ALLOWED} characters are" in SECURITY
