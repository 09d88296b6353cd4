"""The project: ``qillqa.toml`` and the folders beside it.

A project is a folder holding ``qillqa.toml``, ``leaflets/``, ``templates/`` and
``locales/``. :func:`find_project` walks up from a folder to the first
``qillqa.toml``; :func:`load_project` validates the file in one pass, reporting
every problem at once, and returns a frozen :class:`Project`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from qillqa import languages as languages_
from qillqa.errors import ProjectError, UsageError
from qillqa.limits import DEFAULT_BUDGET, Budget
from qillqa.papers import DEFAULT_PAPER, SHEETS
from qillqa.tomlsrc import TomlSource, load_toml

log = logging.getLogger(__name__)

CONFIG_NAME = "qillqa.toml"
#: The modifier letter apostrophe: a letter, so it never breaks a Quechua word.
DEFAULT_APOSTROPHE = "\u02bc"
LANGUAGE_CODE = languages_.CODE
_KNOWN_KEYS = {
    *("name", "languages", "source_language", "output", "paper", "locales", "fallbacks", "apostrophe"),
}
#: [limits]: key -> (lowest, highest) allowed.
_LIMIT_KEYS = {"job_seconds": (1, 3600), "job_memory_mb": (256, 65536)}


@dataclass(frozen=True)
class Project:
    """A validated project configuration; paths are absolute."""

    root: Path
    name: str
    languages: tuple[str, ...]
    source_language: str
    output: Path
    paper: str = DEFAULT_PAPER
    locales: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    apostrophe: str = DEFAULT_APOSTROPHE
    #: ``[project.fallbacks]``: a language -> the languages its readers read next, in order.
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: What building one output may take (``[limits]``).
    budget: Budget = DEFAULT_BUDGET

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def leaflets_dir(self) -> Path:
        return self.root / "leaflets"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    def locale_for(self, language: str) -> str:
        """The Babel locale configured for ``language`` (``[project.locales]``), or the code itself."""
        return self.locales.get(language, language)

    def fallback_chain(self, language: str) -> tuple[str, ...]:
        """The languages ``language``'s missing messages are printed in, in order, ending with the source.

        See :func:`qillqa.languages.fallback_chain`: ``[project.fallbacks]``, or by default the
        language's parents and its locale's language that the project has.
        """
        return languages_.fallback_chain(
            language, self.languages, self.source_language, self.fallbacks, self.locales
        )

    def relative(self, path: Path) -> Path:
        """``path`` relative to the project root, for messages and source references.

        Links are not followed first: a link to a file elsewhere is named where it stands.
        """
        for candidate in (Path(os.path.abspath(path)), path.resolve()):
            try:
                return candidate.relative_to(self.root)
            except ValueError:
                continue
        return path

    def po_path(self, language: str, domain: str) -> Path:
        return self.locales_dir / language / "LC_MESSAGES" / f"{domain}.po"

    def select_languages(self, wanted: tuple[str, ...]) -> tuple[str, ...]:
        """The configured languages named in ``wanted`` (all of them when empty)."""
        if not wanted:
            return self.languages
        unknown = [lang for lang in wanted if lang not in self.languages]
        if unknown:
            raise UsageError(
                f"unknown language {', '.join(map(repr, unknown))}; "
                f"this project has {', '.join(self.languages)} (see {CONFIG_NAME})"
            )
        return tuple(lang for lang in self.languages if lang in wanted)


def find_project(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``qillqa.toml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ProjectError(
        f"no {CONFIG_NAME} found in {start} or any folder above it; "
        "run 'qillqa init DIR' to start a project, or pass --project DIR"
    )


def load_project(root: Path) -> Project:
    """Load and validate ``root/qillqa.toml``."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ProjectError(f"no {CONFIG_NAME} in {root}")
    source = load_toml(path, ProjectError, root, display=Path(CONFIG_NAME))
    return _validate(root, source)


def _validate(root: Path, source: TomlSource) -> Project:
    problems: list[str] = []

    def problem(key: str, text: str) -> None:
        line = source.line_of(key)
        problems.append(f"{CONFIG_NAME}:{line}: {text}" if line else f"{CONFIG_NAME}: {text}")

    table: Any = source.data.get("project")
    if not isinstance(table, dict):
        raise ProjectError("missing [project] table", path=CONFIG_NAME)
    for key in sorted(set(source.data) - {"project", "limits"}):
        log.warning("%s:%s: unknown table or key '%s' ignored", CONFIG_NAME, source.line_of(key), key)
    for key in sorted(set(table) - _KNOWN_KEYS):
        log.warning(
            "%s:%s: unknown key 'project.%s' ignored",
            CONFIG_NAME,
            source.line_of(f"project.{key}"),
            key,
        )

    name = table.get("name", root.name)
    if not isinstance(name, str) or not name.strip():
        problem("project.name", f"'name' must be a non-empty string, found {name!r}")
        name = root.name

    languages: tuple[str, ...] = ()
    raw_languages = table.get("languages")
    if not isinstance(raw_languages, list) or not raw_languages:
        problem(
            "project.languages",
            f'\'languages\' must be a non-empty list such as ["es", "en"], found {raw_languages!r}',
        )
    else:
        bad = [lang for lang in raw_languages if not isinstance(lang, str) or not LANGUAGE_CODE.match(lang)]
        if bad:
            problem(
                "project.languages",
                f"language codes look like 'es', 'quz', 'es_PE' or 'es_419', found {bad!r}",
            )
        elif len(set(raw_languages)) != len(raw_languages):
            problem("project.languages", f"'languages' lists a language twice: {raw_languages!r}")
        else:
            languages = tuple(raw_languages)

    source_language = table.get("source_language", "en")
    if not isinstance(source_language, str) or not LANGUAGE_CODE.match(source_language):
        problem(
            "project.source_language",
            f"'source_language' must be a language code, found {source_language!r}",
        )
        source_language = "en"

    output = table.get("output", "dist")
    if not isinstance(output, str) or not output.strip():
        problem("project.output", f"'output' must be a folder name, found {output!r}")
        output = "dist"
    output_path = (root / output).resolve()
    if output_path == root or root not in output_path.parents:
        problem("project.output", f"'output' must be a folder inside the project, found {output!r}")

    paper = table.get("paper", DEFAULT_PAPER)
    if paper not in SHEETS:
        problem("project.paper", f"'paper' must be one of {', '.join(SHEETS)}, found {paper!r}")
        paper = DEFAULT_PAPER

    locales = table.get("locales", {})
    if not isinstance(locales, dict) or not all(
        isinstance(v, str) and LANGUAGE_CODE.match(v) for v in locales.values()
    ):
        problem("project.locales", '[project.locales] maps a language to a locale, such as en = "en_GB"')
        locales = {}

    fallbacks: dict[str, tuple[str, ...]] = {}
    raw_fallbacks = table.get("fallbacks", {})
    known = {*languages, source_language}
    if not isinstance(raw_fallbacks, dict):
        problem("project.fallbacks", '[project.fallbacks] maps a language to a list, such as ay = ["es"]')
    else:
        for language, chain in raw_fallbacks.items():
            key = f"project.fallbacks.{language}"
            if language not in languages:
                problem(key, f"[project.fallbacks] names {language!r}, which is not in 'languages'")
            elif language == source_language:
                problem(key, f"{language!r} is the source language: it falls back to nothing")
            elif not isinstance(chain, list) or not all(isinstance(lang, str) for lang in chain):
                problem(key, f'a fallback chain is a list such as ["qu", "es"], found {chain!r}')
            elif unknown := [lang for lang in chain if lang not in known or lang == language]:
                problem(
                    key,
                    f"{language!r} falls back to {', '.join(map(repr, unknown))}, which must be other "
                    f"languages of the project ({', '.join(sorted(known))})",
                )
            else:
                fallbacks[language] = tuple(chain)

    apostrophe = table.get("apostrophe", DEFAULT_APOSTROPHE)
    if not isinstance(apostrophe, str) or len(apostrophe) != 1:
        problem("project.apostrophe", f"'apostrophe' must be one character, found {apostrophe!r}")
        apostrophe = DEFAULT_APOSTROPHE

    limits: Any = source.data.get("limits", {})
    budget = {"job_seconds": DEFAULT_BUDGET.seconds, "job_memory_mb": DEFAULT_BUDGET.memory_mb}
    if not isinstance(limits, dict):
        problem("limits", "[limits] must be a table, such as job_seconds = 180")
        limits = {}
    for key in sorted(set(limits) - set(_LIMIT_KEYS)):
        line = source.line_of(f"limits.{key}")
        log.warning("%s:%s: unknown key 'limits.%s' ignored", CONFIG_NAME, line, key)
    for key, (low, high) in _LIMIT_KEYS.items():
        value = limits.get(key, budget[key])
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problem(f"limits.{key}", f"'{key}' must be a whole number from {low} to {high}, found {value!r}")
        else:
            budget[key] = value

    if problems:
        raise ProjectError("\n".join(problems))
    return Project(
        root=root,
        name=name,
        languages=languages,
        source_language=source_language,
        output=output_path,
        paper=paper,
        locales=MappingProxyType(dict(locales)),
        apostrophe=apostrophe,
        fallbacks=MappingProxyType(fallbacks),
        budget=Budget(budget["job_seconds"], budget["job_memory_mb"]),
    )
