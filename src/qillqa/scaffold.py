"""New projects and new leaflets.

``qillqa init`` copies the starter project: the formats, the example leaflet
and its catalogues. The starter is the repository's own ``templates/``,
``leaflets/peru-solidarity/`` and ``locales/``: the wheel carries them as
``qillqa/starter`` and a source checkout uses them in place, so there is one copy.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from qillqa.catalogs import (
    TEMPLATES_DOMAIN,
    new_catalog,
    write_catalog,
)
from qillqa.content import LEAFLET_FILE, LEAFLET_NAME, load_leaflet
from qillqa.errors import ProjectError, UsageError
from qillqa.extract import extract_leaflet, extract_templates
from qillqa.formats import format_names
from qillqa.fsutil import atomic_write_bytes
from qillqa.project import CONFIG_NAME, LANGUAGE_CODE, Project, load_project

EXAMPLE = "peru-solidarity"


def starter_root() -> Path:
    """Where the starter project lives: in the wheel, or in the source checkout."""
    packaged = Path(str(resources.files("qillqa"))) / "starter"
    if (packaged / "templates").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "templates").is_dir() and (checkout / "leaflets" / EXAMPLE).is_dir():
        return checkout
    raise ProjectError("the starter project is missing from this installation of qillqa")  # pragma: no cover


def _config(name: str, languages: tuple[str, ...]) -> str:
    listed = ", ".join(f'"{lang}"' for lang in languages)
    return f'''# qillqa project settings. Every path is relative to this file.

[project]
name = {json.dumps(name, ensure_ascii=False)}
# Languages to build, in the order they appear on multilingual sheets.
languages = [{listed}]
# The language the leaflets are written in (msgids in the catalogues).
source_language = "en"
# Where the PDFs go.
output = "dist"
# Default paper for printing: "a4" or "letter".
paper = "a4"

# Locale used to format dates, times and numbers for a language, where it
# differs from the language code.
[project.locales]
en = "en_GB"

# Every output is built in its own worker process, within these limits (see SECURITY.md):
# [limits]
# job_seconds = 180
# job_memory_mb = 2048
'''


def init_project(directory: Path, languages: tuple[str, ...], name: str | None = None) -> Path:
    """Create a working project in ``directory`` (which must be new or empty)."""
    bad = [lang for lang in languages if not LANGUAGE_CODE.match(lang)]
    if bad:
        raise UsageError(f"language codes look like 'es', 'qu' or 'es_PE', found {', '.join(map(repr, bad))}")
    directory = directory.resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory} exists and is not empty; qillqa init never overwrites files")
    starter = starter_root()
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temporary folder, then move it into place in one step.
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        ignore = shutil.ignore_patterns("__pycache__", "*.mo")
        shutil.copytree(starter / "templates", staging / "templates", ignore=ignore)
        shutil.copytree(starter / "leaflets" / EXAMPLE, staging / "leaflets" / EXAMPLE, ignore=ignore)
        (staging / CONFIG_NAME).write_text(_config(name or directory.name, languages), encoding="utf-8")
        (staging / ".gitignore").write_text("/dist/\n*.mo\n", encoding="utf-8")
        (staging / "locales").mkdir()
        for pot in sorted((starter / "locales").glob("*.pot")):
            shutil.copy2(pot, staging / "locales" / pot.name)
        project = load_project(staging)
        templates = extract_templates(project)
        example = extract_leaflet(project, load_leaflet(project, EXAMPLE))
        for language in languages:
            shipped = starter / "locales" / language / "LC_MESSAGES"
            for domain, template in ((TEMPLATES_DOMAIN, templates), (EXAMPLE, example)):
                target = project.po_path(language, domain)
                if (shipped / f"{domain}.po").is_file():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(shipped / f"{domain}.po", target)
                else:
                    write_catalog(target, new_catalog(template, language, project), project.root)
        if directory.exists():
            directory.rmdir()
        staging.rename(directory)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return directory


def new_leaflet(project: Project, name: str) -> list[Path]:
    """Create ``leaflets/<name>/`` with a commented ``leaflet.toml`` and ``background.md``."""
    if not LEAFLET_NAME.match(name):
        raise UsageError(f"leaflet names use a-z, 0-9 and '-', found {name!r}")
    folder = project.leaflets_dir / name
    if folder.exists():
        raise UsageError(f"{project.relative(folder)} already exists")
    formats = [f for f in format_names(project) if f.startswith("flyer")] or list(format_names(project))[:1]
    listed = ", ".join(f'"{f}"' for f in formats)
    toml = f'''# Source text of the "{name}" leaflet, in the project's source language.
# Write plain text; *emphasis*, **strong** and [links](https://example.org) are allowed.
# A comment starting with "Translators:" right above a field reaches the translators.

title = "Title of the leaflet"
formats = [{listed}]

[text]
kicker = "A short line above the headline"
headline = "The headline"
lead = "One or two sentences: what is happening and why it matters."
call_to_action = "What you ask people to do."
demands = [
    "First demand",
    "Second demand",
]
background = {{ file = "background.md" }}
organisers = "Who calls the event"
contact = "contact@example.org"

[event]
date = 2026-12-31
start = "12:00"
end = "14:00"
timezone = "Europe/London"
place = "Meeting point"
address = ""

[link]
url = "https://example.org"
'''
    background = (
        "Tell the story in a few short paragraphs.\n\nEach paragraph is one message for the translators.\n"
    )
    atomic_write_bytes(folder / LEAFLET_FILE, toml.encode(), project.root)
    atomic_write_bytes(folder / "background.md", background.encode(), project.root)
    load_leaflet(project, name)  # the skeleton must itself be valid
    return [folder / LEAFLET_FILE, folder / "background.md"]
