"""Checks on translations that Babel lacks: placeholders, markup, HTML, punctuation, apostrophes.

Each :class:`Finding` names the PO file and line, the msgid and what is wrong.
Errors would print something broken or not print at all (a lost placeholder, a link
that vanished, HTML, an unclosed ``¡``); warnings are worth a look (a missing final
full stop, a translation identical to the source, a Quechua apostrophe that is not
the project's chosen one).

:func:`unusable` is shared with the build: a translation it rejects is never printed;
the build prints the source text instead and says why (an error under ``--strict``).
Every pattern here runs in linear time on untrusted text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from qillqa.languages import uses_apostrophe
from qillqa.limits import MAX_LENGTH_RATIO, MAX_MESSAGE_CHARS, MIN_LENGTH_ALLOWED
from qillqa.po import Entry, PoFile
from qillqa.project import Project

ERROR = "error"
WARNING = "warning"

_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[A-Za-z_][A-Za-z0-9_]*\}"
)
# Possessive quantifiers and a look-behind keep these linear on a long run without spaces.
_URL = re.compile(r"\]\([^()\]]*+\)|https?://\S++|mailto:\S++|(?<!\S)[^\s@]++@\S++")
#: A %-format directive as Python applies it: %(name)s, %%, or an unnamed %s/%d.
_FORMAT = re.compile(
    r"%(?:\((?P<name>[^()]*+)\))?[-#0 +]*+(?:\*|\d++)?(?:\.(?:\*|\d++))?[hlL]?(?P<kind>[diouxXeEfFgGcrsa%])"
)
#: A named placeholder: what makes a template message %-formatted (Jinja passes names only).
_NAMED_PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*+\)")
_JINJA = re.compile(r"\{[{%#]|[}%#]\}")
#: Invisible controls that reorder text (bidi embeddings, overrides and isolates): never
#: in a translation unless the source has them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Invisible marks that set a direction: only right-to-left languages need them.
_BIDI_MARKS = frozenset("\u200e\u200f\u061c")
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
        msgid = self.msgid if len(self.msgid) <= 120 else self.msgid[:100] + "…"
        return f"{self.path}:{self.line}: {self.severity}: {self.text}; msgid{where} {msgid!r}"


def python_format(msgid: str) -> bool:
    """Whether a template message is %-formatted when printed: it has a named placeholder.

    Jinja passes placeholders by name only, so "We are 100% sure" is printed as it is.
    """
    return "%(" in msgid and bool(_NAMED_PLACEHOLDER.search(msgid))


def placeholders(text: str) -> tuple[list[str], str | None]:
    """The %(name)s placeholders of ``text`` as written, and why it cannot be %-formatted (or ``None``)."""
    found: list[str] = []
    position = text.find("%")
    while position >= 0:
        match = _FORMAT.match(text, position)
        if match is None:
            return found, f"a lone '%' at character {position + 1}; write '%%' for a percent sign"
        if match["kind"] != "%":
            if match["name"] is None:
                return found, f"the placeholder {match[0]!r} has no name; use the source's %(name)s"
            found.append(match[0])
        position = text.find("%", match.end())
    return found, None


def html_in(text: str) -> Iterator[str]:
    """The HTML tags, comments and declarations in ``text``, as WeasyPrint's own tokenizer finds them.

    A generator: callers stop at what they need, so a long run of tags costs little.
    """
    if "<" not in text:
        return
    from tinyhtml5.constants import Token
    from tinyhtml5.tokenizer import HTMLTokenizer

    for token in HTMLTokenizer(text):
        kind = token["type"]
        if kind in (Token.START_TAG, Token.EMPTY_TAG):
            yield f"<{token['name']}>"
        elif kind == Token.END_TAG:
            yield f"</{token['name']}>"
        elif kind == Token.COMMENT:
            yield "<!-- -->"
        elif kind == Token.DOCTYPE:
            yield "<!DOCTYPE>"


def _new_html(msgid: str, msgstr: str, most: int = 5) -> list[str]:
    """Up to ``most`` HTML tags of ``msgstr`` that ``msgid`` does not have (tokenized only if needed)."""
    extra: list[str] = []
    source: set[str] | None = None
    for tag in html_in(msgstr):
        if source is None:
            source = set(html_in(msgid))
        if tag not in source and tag not in extra:
            extra.append(tag)
            if len(extra) >= most:
                break
    return sorted(extra)


def right_to_left(language: str) -> bool:
    """Whether ``language`` is written right to left (CLDR); unknown languages are not."""
    from babel import Locale, UnknownLocaleError

    try:
        return bool(Locale.parse(language).character_order == "right-to-left")
    except (UnknownLocaleError, ValueError):
        return False


def unusable(
    msgid: str,
    msgstr: str,
    *,
    formatted: bool,
    markdown: bool,
    subset: bool = False,
    rtl: bool = False,
) -> str | None:
    """Why ``msgstr`` must not be printed in place of ``msgid``, or ``None``.

    ``formatted``: the message is %-formatted (a template message with a named placeholder);
    ``markdown``: it is rendered as inline Markdown (leaflet text), so its links count;
    ``subset``: a plural form, which may leave out a placeholder (``one item``);
    ``rtl``: the translation's language is written right to left.
    A translation may only say other words: no new HTML, links, placeholders, nothing that
    reorders the text around it.
    """
    if len(msgstr) > MAX_MESSAGE_CHARS:
        return (
            f"it is {len(msgstr):,} characters long, more than the {MAX_MESSAGE_CHARS:,} any page can print"
        )
    if len(msgstr) > max(MAX_LENGTH_RATIO * len(msgid), MIN_LENGTH_ALLOWED):
        return (
            f"it is {len(msgstr):,} characters long, more than {MAX_LENGTH_RATIO} times the source's "
            f"{len(msgid):,}: no page has room for it"
        )
    tags = _new_html(msgid, msgstr)
    if tags:
        return f"it contains HTML ({', '.join(tags)}), which qillqa never prints"
    if formatted:
        # Each placeholder exactly as the source writes it: %(start)d or %(start)50000000s would
        # fail on the template's values, or print megabytes of spaces.
        wanted, _ = placeholders(msgid)
        got, problem = placeholders(msgstr)
        if problem:
            return problem
        fits = set(got) <= set(wanted) if subset else set(got) == set(wanted)
        if not fits:
            return (
                f"its placeholders {_names(got)} are not the source's {_names(wanted)}; "
                "keep every placeholder exactly as in the source"
            )
    if markdown:
        links_id = sorted(k for k in _marks(msgid) if k.startswith("link"))
        links_str = sorted(k for k in _marks(msgstr) if k.startswith("link"))
        if links_id != links_str:
            shown_str, shown_id = _describe(Counter(links_str)), _describe(Counter(links_id))
            return f"its links ({shown_str}) are not the source's ({shown_id})"
    controls = {c for c in msgstr if c in _BIDI_CONTROLS or (c in _BIDI_MARKS and not rtl)} - set(msgid)
    if controls:
        shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(controls))
        return f"it contains invisible characters that reorder text ({shown})"
    if not rtl:
        # One right-to-left letter in a left-to-right line turns the numbers and signs after it around.
        letters = {c for c in msgstr if unicodedata.bidirectional(c) in ("R", "AL")} - set(msgid)
        if letters:
            shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(letters)[:5])
            return f"it contains right-to-left letters ({shown}), which reorder the text around them"
    return None


def message_problem(
    ids: tuple[str, ...], strings: tuple[str, ...], language: str, templates: bool
) -> str | None:
    """Why an entry's translation is never printed, or ``None``: the one rule of checks and builds.

    ``ids`` are the msgid (and msgid_plural), ``strings`` the translation (or its forms).
    A plural entry is judged against both its msgid and msgid_plural, and each form may
    leave out a placeholder; an entry whose plural-ness differs from the message's is judged
    by the caller (the translator knows how the template asks for it).
    """
    source = " ".join(ids)
    formatted = templates and python_format(source)
    rtl = right_to_left(language)
    for text in strings:
        if text:
            why = unusable(
                source, text, formatted=formatted, markdown=not templates, subset=len(ids) > 1, rtl=rtl
            )
            if why:
                return why
    return None


def _names(found: list[str]) -> str:
    return ", ".join(sorted(set(found))) or "none"


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


def check_message(
    entry: Entry, language: str, project: Project, templates: bool = False
) -> Iterator[tuple[str, str]]:
    """(severity, text) for each problem of one translated message.

    ``templates``: the message belongs to the templates domain (plain text, %-formatted
    when it is python-format); otherwise to a leaflet (inline Markdown).
    """
    ids = entry.ids
    msgid = ids[0]
    plural = len(ids) > 1
    source = " ".join(ids)
    if len(source) > MAX_MESSAGE_CHARS:
        yield ERROR, (
            f"the msgid is {len(source):,} characters long, more than the {MAX_MESSAGE_CHARS:,} of any "
            "message qillqa extracts: it is not one of this project's; remove the entry"
        )
        return
    why = message_problem(ids, entry.strings, language, templates)
    if why:
        yield ERROR, f"not printed (the build prints the source text instead): {why}"
        return
    strings = entry.strings
    base = language.split("_")[0]
    for msgstr in strings:
        if not msgstr:
            continue
        wanted, got = Counter(_PLACEHOLDER.findall(source)), Counter(_PLACEHOLDER.findall(msgstr))
        if (set(got) - set(wanted)) if plural else wanted != got:
            yield (
                ERROR,
                f"placeholders differ: source has {sorted(wanted) or 'none'}, "
                f"translation {sorted(got) or 'none'}",
            )
        if _JINJA.search(msgstr) and not _JINJA.search(msgid):
            yield ERROR, "template syntax ({{, {% or {#) in a translation is printed as it is; remove it"
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
        if uses_apostrophe(language):
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


def check_catalog(
    catalog: PoFile, path: Path, language: str, project: Project, templates: bool = False
) -> list[Finding]:
    """Every finding in one catalogue: its translations, and plural forms against its header."""
    findings: list[Finding] = []
    shown = project.relative(path)
    nplurals = catalog.nplurals
    for entry in catalog:
        if not any(entry.strings):
            continue
        for severity, text in check_message(entry, language, project, templates):
            findings.append(Finding(severity, shown, entry.line, entry.msgid, entry.context, text))
        if entry.msgid_plural is not None and len(entry.strings) != nplurals:
            findings.append(
                Finding(
                    ERROR,
                    shown,
                    entry.line,
                    entry.msgid,
                    entry.context,
                    f"the entry has {len(entry.strings)} plural forms, "
                    f"the header's Plural-Forms says {nplurals}",
                )
            )
    return findings
