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
from qillqa.fsutil import read_text_inside
from qillqa.limits import MAX_NESTING, MAX_TEXT_FILE_BYTES

# Possessive quantifiers: these run on every line of files from strangers, in linear time.
_HEADER = re.compile(r"^\s*+\[\[?([^\]]++)\]\]?\s*+(?:#.*)?$")
_KEY = re.compile(
    r'^\s*+((?:"[^"]*+"|\'[^\']*+\'|[A-Za-z0-9_-]++)(?:\s*+\.\s*+(?:"[^"]*+"|\'[^\']*+\'|[A-Za-z0-9_-]++))*+)\s*+='
)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TRANSLATORS = "Translators:"
#: How many lines past the previous item an array item is looked for (bounded: linear time).
_ITEM_WINDOW = 200


def _dotted(raw: str) -> str:
    """``a . "b.c" . d`` -> ``a.b.c.d``: split on dots outside quotes, in one pass."""
    parts, current, quote = [], [], ""
    for char in raw:
        if quote:
            if char == quote:
                quote = ""
            else:
                current.append(char)
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return ".".join(parts)


def _nesting(text: str) -> tuple[int, int, str]:
    """The deepest nesting in TOML ``text``, and its line, in one pass.

    Counts arrays and inline tables (tomllib parses them recursively: thousands of ``[``
    exhaust the stack) and the parts of a dotted key on one line (tomllib is quadratic in
    them: 50,000 parts took minutes and gigabytes). Strings and comments are skipped; a dot
    between two digits is a number's. Table headers (``[a]``, ``[[a]]``) count as 1 or 2.
    """
    depth = deepest = dots = 0
    line = deepest_line = 1
    what = "arrays or tables"
    quote = ""
    comment = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\n":
            line += 1
            comment = False
            dots = 0
            if len(quote) == 1:
                quote = ""  # a one-line string cannot span lines: tomllib reports it
        elif comment:
            pass
        elif quote:
            if char == "\\" and quote[0] == '"':
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
        elif char == "#":
            comment = True
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote) - 1
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_line, what = depth, line, "arrays or tables"
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "." and not (text[index - 1 : index + 2].replace(".", "").isdigit()):
            dots += 1
            if dots + 1 > deepest:
                deepest, deepest_line, what = dots + 1, line, "the parts of a dotted key"
        index += 1
    return deepest, deepest_line, what


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

    def item_line(self, key: str, text: str, after: int | None = None) -> int | None:
        """The first line at or after ``key``'s (or ``after``) that holds the array item ``text``.

        Callers pass the previous item's line as ``after``, so a long list is scanned once.
        """
        found = after or self.line_of(key)
        if found is None:
            return None
        start = found
        needle = text.strip()[:40]
        for number in range(start, min(start + _ITEM_WINDOW, len(self.lines) + 1)):
            if needle in self.lines[number - 1]:
                return number
        return after or start

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


def load_toml(
    path: Path, error: Callable[..., QillqaError], root: Path, display: Path | None = None
) -> TomlSource:
    """Parse ``path`` (inside ``root``); a syntax or encoding error raises ``error`` with file and line."""
    shown = display or path
    text = read_text_inside(path, root, MAX_TEXT_FILE_BYTES, error, shown)
    deepest, deepest_line, what = _nesting(text)
    if deepest > MAX_NESTING:
        raise error(f"{what} nest more than {MAX_NESTING} deep", path=shown, line=deepest_line)
    try:
        data = tomllib.loads(text)
    except RecursionError as exc:
        raise error("arrays or tables nest too deeply", path=shown) from exc
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = int(match.group(1)) if match else None
        if match:
            message = message[: match.start()]
        raise error(f"invalid TOML: {message}", path=shown, line=line) from exc
    lines = tuple(line.removesuffix("\r") for line in text.split("\n"))  # as TOML counts lines
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
