"""Read TOML files with the locations people need in messages.

:mod:`tomllib` gives values but no line numbers; translators need source
references (``leaflet.toml:12``) and authors need errors that point at a line.
This module parses with tomllib and then maps each dotted key to the line it is
defined on, and collects the ``Translators:`` comment written right above it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qillqa.errors import QillqaError

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r'^\s*((?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|[A-Za-z0-9_-]+))*)\s*=')
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TRANSLATORS = "Translators:"


def _dotted(raw: str) -> str:
    parts = [p.strip().strip("\"'") for p in re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", raw)]
    return ".".join(parts)


@dataclass(frozen=True)
class TomlSource:
    """A parsed TOML file: its data, its lines, and where each key is."""

    path: Path
    data: dict[str, Any]
    lines: tuple[str, ...]
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        """The line defining ``key`` (dotted), or of its nearest defined parent."""
        while key:
            if key in self.key_lines:
                return self.key_lines[key]
            key = key.rpartition(".")[0]
        return None

    def item_line(self, key: str, text: str) -> int | None:
        """The first line at or after ``key``'s that holds the array item ``text``."""
        start = self.line_of(key)
        if start is None:
            return None
        needle = text.strip()[:40]
        for number in range(start, len(self.lines) + 1):
            if needle in self.lines[number - 1]:
                return number
        return start

    def comments_for(self, key: str) -> tuple[str, ...]:
        """Comment text of a ``# Translators:`` block directly above ``key``."""
        line = self.key_lines.get(key)
        if line is None:
            return ()
        block: list[str] = []
        number = line - 1
        while number >= 1 and self.lines[number - 1].lstrip().startswith("#"):
            block.insert(0, self.lines[number - 1].lstrip()[1:].strip())
            number -= 1
        for i, text in enumerate(block):
            if text.startswith(_TRANSLATORS):
                rest = [text[len(_TRANSLATORS) :].strip(), *block[i + 1 :]]
                joined = " ".join(part for part in rest if part)
                return (joined,) if joined else ()
        return ()


def load_toml(path: Path, error: Callable[..., QillqaError], display: Path | None = None) -> TomlSource:
    """Parse ``path``; a syntax or encoding error raises ``error`` with file and line."""
    shown = display or path
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=shown) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[: exc.start].count(b"\n") + 1
        raise error("not valid UTF-8 text; save the file as UTF-8", path=shown, line=bad) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = int(match.group(1)) if match else None
        if match:
            message = message[: match.start()]
        raise error(f"invalid TOML: {message}", path=shown, line=line) from exc
    lines = tuple(text.splitlines())
    key_lines: dict[str, int] = {}
    table = ""
    for number, content in enumerate(lines, 1):
        if header := _HEADER.match(content):
            table = _dotted(header.group(1))
            key_lines.setdefault(table, number)
        elif key := _KEY.match(content):
            dotted = _dotted(key.group(1))
            key_lines.setdefault(f"{table}.{dotted}" if table else dotted, number)
    return TomlSource(path=path, data=data, lines=lines, key_lines=key_lines)
