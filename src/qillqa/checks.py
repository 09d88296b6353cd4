"""Checks on translations that Babel lacks: placeholders, markup, punctuation, apostrophes.

Each :class:`Finding` names the PO file and line, the msgid and what is wrong.
Errors would print something broken (a lost placeholder, a link that vanished,
an unclosed ``¡``); warnings are worth a look (a missing final full stop, a
translation identical to the source, a Quechua apostrophe that is not the
project's chosen one).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message, TranslationError
from babel.messages.checkers import num_plurals
from markdown_it import MarkdownIt

from qillqa.project import Project

ERROR = "error"
WARNING = "warning"

_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[A-Za-z_][A-Za-z0-9_]*\}"
)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_URL = re.compile(r"\]\([^)]*\)|https?://\S+|mailto:\S+|\S+@\S+")
_FINAL = ".!?:;…"
#: Characters people type for an apostrophe; the project's own is set in qillqa.toml.
APOSTROPHES = "'’ʼ´`ʻ"
_MARKS = MarkdownIt("zero").enable(["emphasis", "link", "backticks", "escape"])


@dataclass(frozen=True)
class Finding:
    severity: str
    path: Path
    line: int
    msgid: str
    context: str | None
    text: str

    def __str__(self) -> str:
        where = f" ({self.context})" if self.context else ""
        return f"{self.path}:{self.line}: {self.severity}: {self.text}; msgid{where} {self.msgid!r}"


def _marks(text: str) -> Counter[str]:
    """The inline Markdown a text uses: emphasis, strong, code and link targets."""
    found: Counter[str] = Counter()
    tokens = _MARKS.parseInline(text)[0].children or []
    for token in tokens:
        if token.type in ("em_open", "strong_open", "code_inline"):
            found[token.type] += 1
        elif token.type == "link_open":
            found[f"link to {token.attrs.get('href')}"] += 1
    return found


def _describe(counter: Counter[str]) -> str:
    return ", ".join(f"{n} x {k.replace('_open', '')}" for k, n in sorted(counter.items())) or "none"


def _exclamation_pairs(text: str) -> str | None:
    """Why Spanish ¡...! and ¿...? do not pair up in ``text``, or ``None``."""
    depth = 0
    for char in _URL.sub(" ", text):
        if char in "¡¿":
            depth += 1
        elif char in "!?":
            if depth == 0:
                return f"'{char}' has no opening '{'¡' if char == '!' else '¿'}'"
            depth -= 1
    return "an opening '¡' or '¿' is never closed" if depth else None


def check_message(message: Message, language: str, project: Project) -> Iterator[tuple[str, str]]:
    """(severity, text) for each problem of one translated message."""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    base = language.split("_")[0]
    for msgstr in strings:
        if not msgstr:
            continue
        wanted, got = Counter(_PLACEHOLDER.findall(msgid)), Counter(_PLACEHOLDER.findall(msgstr))
        if wanted != got:
            yield (
                ERROR,
                f"placeholders differ: source has {sorted(wanted) or 'none'}, "
                f"translation {sorted(got) or 'none'}",
            )
        tags = set(_TAG.findall(msgstr)) - set(_TAG.findall(msgid))
        if tags:
            yield ERROR, f"HTML is not allowed in a translation (it is printed as text): {sorted(tags)}"
        marks_id, marks_str = _marks(msgid), _marks(msgstr)
        if marks_id != marks_str:
            yield (
                ERROR,
                f"markup differs: source has {_describe(marks_id)}, translation {_describe(marks_str)}",
            )
        if base == "es" and (why := _exclamation_pairs(msgstr)):
            yield ERROR, f"Spanish exclamation or question marks do not pair: {why}"
        if msgid[:1].isspace() != msgstr[:1].isspace() or msgid[-1:].isspace() != msgstr[-1:].isspace():
            yield WARNING, "leading or trailing space differs from the source"
        end_id = msgid.rstrip()[-1:] if msgid.rstrip()[-1:] in _FINAL else ""
        end_str = msgstr.rstrip()[-1:] if msgstr.rstrip()[-1:] in _FINAL else ""
        if end_id != end_str and {end_id, end_str} != {"!", "?"}:
            yield (
                WARNING,
                f"final punctuation differs: source ends with {end_id or 'none'!r}, "
                f"translation with {end_str or 'none'!r}",
            )
        if (
            language != project.source_language
            and msgstr == msgid
            and len(re.findall(r"[^\W\d_]{2,}", _URL.sub(" ", msgid))) >= 3
        ):
            yield WARNING, "translation is identical to the source"
        if len(msgid) >= 20 and not 0.5 <= len(msgstr) / len(msgid) <= 2.0:
            yield WARNING, f"length is far from the source's ({len(msgstr)} characters against {len(msgid)})"
        if base == "qu":
            wrong = sorted(
                {c for c in re.findall(rf"(?<=\w)[{APOSTROPHES}](?=\w)", msgstr) if c != project.apostrophe}
            )
            if wrong:
                shown = ", ".join(f"U+{ord(c):04X} {c!r}" for c in wrong)
                yield (
                    WARNING,
                    (
                        f"apostrophe {shown} is not the project's U+{ord(project.apostrophe):04X} "
                        f"{project.apostrophe!r}"
                    ),
                )


def check_catalog(catalog: Catalog, path: Path, language: str, project: Project) -> list[Finding]:
    """Every finding in one catalogue, Babel's own checkers included."""
    findings: list[Finding] = []
    shown = project.relative(path)
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        line = message.lineno or 0
        for severity, text in check_message(message, language, project):
            findings.append(Finding(severity, shown, line, msgid, message.context, text))
        try:
            num_plurals(catalog, message)  # Babel's; placeholders are checked above with both sides named
        except TranslationError as error:
            findings.append(Finding(ERROR, shown, line, msgid, message.context, str(error)))
    return findings
