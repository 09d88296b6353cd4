"""Gettext catalogues: reading PO files, translating, extracting, updating.

Builds read ``locales/<lang>/LC_MESSAGES/<domain>.po`` directly through Babel's
catalogue model, so there is never a stale ``.mo``. Each leaflet is one domain
(its name); the strings that templates own are the ``templates`` domain.

A :class:`Translator` answers gettext calls from one catalogue and records every
message it had to fall back on, so a build can say exactly what is missing.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import gettext
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.catalog import Message as PoMessage
from babel.messages.pofile import PoFileError, read_po, write_po

from qillqa import __version__
from qillqa.clock import build_time
from qillqa.errors import CatalogError
from qillqa.formats import FontSpec
from qillqa.fsutil import atomic_write_bytes, holds, read_inside
from qillqa.limits import MAX_CATALOG_BYTES
from qillqa.project import Project

log = logging.getLogger(__name__)

TEMPLATES_DOMAIN = "templates"
#: Messages qillqa itself prints on pages, in the templates domain: (context, msgid, comment).
DRAFT_STAMP = ("qillqa", "Draft: translation under review", "Stamped across every page of a draft build.")
BUILTIN_MESSAGES = (DRAFT_STAMP,)
COMMENT_TAGS = ("Translators:",)
TEMPLATE_PATTERNS = ("*.html",)


class Policy(Enum):
    """What a build does with a message that has no usable translation."""

    FALLBACK = "fallback"  #: use the source text and warn
    STRICT = "strict"  #: fail
    DRAFT = "draft"  #: use fuzzy translations too, and stamp the pages


@dataclass(frozen=True)
class Miss:
    """A message a build could not translate (or translated from a fuzzy entry)."""

    domain: str
    language: str
    context: str | None
    msgid: str
    reason: str  # "missing", "fuzzy" or "unusable"
    #: For an unusable translation: why, and the line of its entry in the PO file.
    detail: str = ""
    line: int | None = None


_PO_STRING = r'"(?:[^"\\]++|\\.)*+"'
_PO_LINE = re.compile(rf"^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s++)?{_PO_STRING}\s*+$")


def lines_of(text: str) -> list[str]:
    """A file's lines as gettext counts them: only LF (or CRLF) ends a line, not U+2028 or VT."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def check_syntax(text: str, shown: Path) -> None:
    """Reject what Babel's lenient parser lets through: unclosed strings, stray text, duplicates.

    A duplicate (same msgctxt and msgid twice) would silently lose one translation.
    """
    seen: dict[tuple[str | None, str], int] = {}
    context: str | None = None
    current: list[str] | None = None  # the msgid being read, across continuation lines
    start = 0

    def finish() -> None:
        if current is None:
            return
        key = (context, "".join(current))
        if key[1] and key in seen:
            where = f" (msgctxt {context!r})" if context is not None else ""
            raise CatalogError(
                f"duplicate message: msgid {key[1]!r}{where} is already at line {seen[key]}",
                path=shown,
                line=start,
            )
        seen.setdefault(key, start)

    for number, line in enumerate(lines_of(text), 1):
        content = line.strip()
        obsolete = content.startswith(("#~", "#|"))
        if obsolete:
            content = content[2:].strip()
            if content.startswith("|"):  # "#~|": previous msgid of an obsolete entry
                content = content[1:].strip()
        elif content.startswith("#"):
            continue
        if content and not _PO_LINE.match(content):
            raise CatalogError(
                f"malformed PO file: cannot read {line.strip()[:60]!r}", path=shown, line=number
            )
        if obsolete or not content:
            continue
        keyword, _, rest = content.partition(" ")
        if content.startswith('"'):
            if current is not None:
                current.append(_unquote(content))
        elif keyword == "msgctxt":
            finish()
            current, context = None, _unquote(rest)
        elif keyword == "msgid":
            if current is not None:
                finish()
                context = None
            current, start = [_unquote(rest)], number
        else:  # msgid_plural, msgstr: the msgid is complete
            if current is not None:
                finish()
                current, context = None, None
    finish()


def _unquote(quoted: str) -> str:
    return quoted.strip()[1:-1]


_CHARSET = re.compile(rb"Content-Type:[^\"\n]*?charset=([^\s\"\\;]+)", re.IGNORECASE)
_NPLURALS = re.compile(r"Plural-Forms:[^\"\n]*?nplurals\s*+=\s*+(\d++)", re.IGNORECASE)
#: CLDR's languages have at most six plural forms (Arabic); Babel allocates whatever the header says.
MAX_PLURAL_FORMS = 6


def decode_po(data: bytes, shown: Path) -> str:
    """A PO file's text, decoded by the charset its header names (UTF-8 when it names none).

    An unknown charset, or a header that says another charset while the bytes are UTF-8
    (which would print "CuÃ¡ndo"), is an error naming the file and line.
    """
    match = _CHARSET.search(data[:16384])
    name = match.group(1).decode("ascii", "replace") if match else "UTF-8"
    line = data[: match.start()].count(b"\n") + 1 if match else None
    if name.upper() == "CHARSET":  # a POT file's placeholder
        name = "UTF-8"
    try:
        info = codecs.lookup(name)
        if not getattr(info, "_is_text_encoding", True):  # rot13, base64...: not a character set
            raise LookupError(name)
        codec = info.name
    except LookupError as exc:
        raise CatalogError(
            f"the header names charset {name!r}, which is not an encoding qillqa knows; "
            "save the file as UTF-8 and set charset=UTF-8",
            path=shown,
            line=line,
        ) from exc
    if codec != "utf-8":
        try:
            data.decode("utf-8")
            is_utf8 = not data.isascii()
        except UnicodeDecodeError:
            is_utf8 = False
        if is_utf8:
            raise CatalogError(
                f"the header says charset={name}, but the file is saved as UTF-8: "
                "change the header to charset=UTF-8",
                path=shown,
                line=line,
            )
    try:
        text = data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        bad = data[: exc.start].count(b"\n") + 1
        if codec == "utf-8":
            raise CatalogError("not valid UTF-8; save the PO file as UTF-8", path=shown, line=bad) from exc
        raise CatalogError(f"not valid {name}, the charset its header names", path=shown, line=bad) from exc
    except UnicodeError as exc:  # punycode and the like fail without a position
        raise CatalogError(f"not valid {name}, the charset its header names", path=shown) from exc
    plural = _NPLURALS.search(text[:16384])
    if plural and not (len(plural.group(1)) < 3 and 1 <= int(plural.group(1)) <= MAX_PLURAL_FORMS):
        raise CatalogError(
            f"Plural-Forms says nplurals={plural.group(1)}; languages have 1 to {MAX_PLURAL_FORMS}",
            path=shown,
            line=text[: plural.start()].count("\n") + 1,
        )
    return text


def load_catalog(
    path: Path, language: str, domain: str, shown: Path | None = None, root: Path | None = None
) -> Catalog:
    """Read a PO file (inside ``root``, when given); a syntax error names the file and line.

    The catalogue is UTF-8 from then on, whatever the file's charset was, so writing it
    back converts it.
    """
    shown = shown or path
    data = read_inside(path, root or path.parent, MAX_CATALOG_BYTES, CatalogError, shown)
    text = decode_po(data, shown)
    check_syntax(text, shown)
    try:
        catalog = read_po(io.StringIO(text), locale=None, domain=domain, abort_invalid=True)
        catalog.charset = "utf-8"
        _attach_previous(catalog, lines_of(text))
        return catalog
    except PoFileError as exc:
        raise CatalogError(f"malformed PO file: {exc}", path=shown, line=exc.lineno) from exc
    except (ValueError, UnicodeError) as exc:
        raise CatalogError(f"malformed PO file: {exc}", path=shown) from exc


def _attach_previous(catalog: Catalog, lines: list[str]) -> None:
    """Restore the previous msgids (``#|`` lines) that Babel's reader drops.

    Without this, reading and writing a catalogue would silently erase what a
    fuzzy translation was made from, which translators rely on.
    """
    for message in [*catalog, *catalog.obsolete.values()]:
        # Babel reads "#| msgid ..." as a translator comment "| msgid ...": drop those.
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    for message in catalog:
        if not message.id or not message.lineno:
            continue
        index = message.lineno - 2  # the line above the msgid
        while index >= 0 and lines[index].startswith(('"', "msgctxt")):
            index -= 1
        block: list[str] = []
        while index >= 0 and lines[index].startswith("#|"):
            block.insert(0, lines[index][2:].strip())
            index -= 1
        block = [line for line in block if not line.startswith("msgctxt")]
        if not block:
            continue
        try:
            previous = read_po(io.StringIO("\n".join(block) + '\nmsgstr ""\n'))
        except (PoFileError, ValueError):
            continue
        for entry in previous:
            if entry.id:
                message.previous_id = [entry.id] if isinstance(entry.id, str) else list(entry.id)


@dataclass
class Translator:
    """gettext functions over one catalogue, recording what falls back to the source.

    Returns plain text, never markup: whoever prints it escapes it. A translation that
    :func:`qillqa.checks.unusable` rejects (HTML, changed placeholders or links, bidi
    controls, far too long) is never returned: the source text is, and the miss is recorded.
    """

    domain: str
    language: str
    catalog: Catalog | None
    policy: Policy = Policy.FALLBACK
    is_source: bool = False
    misses: list[Miss] = field(default_factory=list)
    #: (context, msgid, text printed) for every message looked up, for the glyph check.
    used: list[tuple[str | None, str, str]] = field(default_factory=list)
    #: The fonts of the page: a translation with a character none of them has is not used.
    fonts: tuple[FontSpec, ...] = ()

    def _lookup(self, context: str | None, msgid: str, plural: str | None = None) -> Any:
        message = self.catalog.get(msgid, context=context) if self.catalog is not None else None
        translated = message.string if message is not None else None
        usable = all(translated) if isinstance(translated, tuple) else bool(translated)
        if usable and message is not None and (not message.fuzzy or self.policy is Policy.DRAFT):
            why = self._unusable(message, plural)
            if why:
                self.misses.append(
                    Miss(self.domain, self.language, context, msgid, "unusable", why, message.lineno)
                )
                return None
        if usable and message is not None and not message.fuzzy:
            return translated
        if self.is_source:
            return None
        reason = "fuzzy" if usable else "missing"
        self.misses.append(Miss(self.domain, self.language, context, msgid, reason))
        if usable and self.policy is Policy.DRAFT:
            return translated
        return None

    def _unusable(self, message: PoMessage, plural: str | None) -> str | None:
        from qillqa.checks import message_problem

        if isinstance(message.id, tuple | list) != (plural is not None):
            return (
                "the entry has plural forms, the message has none"
                if plural is None
                else "the message has plural forms, the entry has none"
            )
        why = message_problem(message, self.language, self.domain == TEMPLATES_DOMAIN)
        if why or not self.fonts:
            return why
        from qillqa.fonts import describe_chars, missing_glyphs

        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        missing = sorted({c for text in strings for c in missing_glyphs(str(text), self.fonts)})
        if missing:
            families = ", ".join(spec.family for spec in self.fonts)
            return f"{describe_chars(missing)} not in the fonts of this format ({families})"
        return None

    def pgettext(self, context: str | None, message: str) -> str:
        found = self._lookup(context, message)
        text = str(found) if isinstance(found, str) else message
        self.used.append((context, message, text))
        return text

    def gettext(self, message: str) -> str:
        return self.pgettext(None, message)

    def npgettext(self, context: str | None, singular: str, plural: str, n: int) -> str:
        found = self._lookup(context, singular, plural)
        if isinstance(found, tuple) and self.catalog is not None:
            text = str(found[min(_plural_index(self.catalog, n), len(found) - 1)])
        else:
            text = singular if n == 1 else plural
        self.used.append((context, singular, text))
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.npgettext(None, singular, plural, n)


def _plural_index(catalog: Catalog, n: int) -> int:
    """The plural form for ``n``, by the stdlib's evaluator of the PO file's C expression.

    The expression comes from a translator's header: one that the evaluator refuses (too
    long, too deeply nested, not C) falls back to the two-form rule.
    """
    try:
        return int(gettext.c2py(catalog.plural_expr)(n))
    except (ValueError, SyntaxError, TypeError, ArithmeticError, RecursionError):
        return 0 if n == 1 else 1


class Catalogues:
    """The project's PO files, each read once per build."""

    def __init__(self, project: Project, policy: Policy = Policy.FALLBACK) -> None:
        self.project = project
        self.policy = policy
        self._cache: dict[tuple[str, str], Catalog | None] = {}

    def catalog(self, language: str, domain: str) -> Catalog | None:
        key = (language, domain)
        if key not in self._cache:
            path = self.project.po_path(language, domain)
            self._cache[key] = (
                load_catalog(path, language, domain, self.project.relative(path), self.project.root)
                if path.is_file()
                else None
            )
        return self._cache[key]

    def translator(self, language: str, domain: str, fonts: tuple[FontSpec, ...] = ()) -> Translator:
        """A translator for one page: ``fonts`` are the format's, which a translation must not exceed."""
        return Translator(
            domain,
            language,
            self.catalog(language, domain),
            self.policy,
            is_source=language == self.project.source_language,
            fonts=fonts,
        )


def now() -> dt.datetime:
    """The time stamped into catalogue headers: ``SOURCE_DATE_EPOCH`` when set."""
    return build_time().replace(second=0)


#: Babel wraps lines with a pattern that is quadratic in a run of text without spaces (a
#: 100,000-character one took 48 s); a catalogue with a run longer than this is not wrapped.
_LONGEST_WRAPPED_RUN = 200


def render_po(catalog: Catalog, *, template: bool = False) -> bytes:
    """A catalogue as PO (or POT) file bytes, stable from one run to the next."""
    buffer = io.BytesIO()
    runs = (
        len(run)
        for message in [*catalog, *catalog.obsolete.values()]
        for text in (*_strings(message.id), *_strings(message.string))
        for run in text.split()
    )
    width = 76 if max(runs, default=0) <= _LONGEST_WRAPPED_RUN else 0
    write_po(buffer, catalog, width=width, include_previous=True, omit_header=False)
    data = buffer.getvalue()
    # Babel stamps its own name and version; the file should change only with its messages.
    return data.replace(
        f"Generated-By: Babel {_babel_version()}\\n".encode(),
        f"Generated-By: qillqa {__version__}\\n".encode(),
    )


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, tuple | list):
        return tuple(str(item) for item in value)
    return (str(value),) if value else ()


def _babel_version() -> str:
    import babel

    return str(babel.__version__)


DEFAULT_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


def plural_forms(language: str) -> str | None:
    """The gettext Plural-Forms for ``language``: Babel's table, else CLDR's rule; ``None`` if unknown.

    CLDR rules that use operands gettext lacks (such as the exponent ``e``) fall
    back to Babel's table or the common two-form rule.
    """
    from babel import Locale, UnknownLocaleError
    from babel.messages.plurals import PLURALS, get_plural
    from babel.plural import to_gettext

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None
    if str(locale) in PLURALS or locale.language in PLURALS:
        return str(get_plural(locale))
    rule = str(to_gettext(locale.plural_form))
    expression = rule.split("plural=", 1)[1]
    if re.search(r"\b[eivwftc]\b", expression):
        return DEFAULT_PLURAL_FORMS
    return rule


@functools.cache
def _default_plural_forms(language: str) -> str:
    log.warning("no CLDR plural rules for %r: using Plural-Forms %s", language, DEFAULT_PLURAL_FORMS)
    return DEFAULT_PLURAL_FORMS


def new_catalog(template: Catalog, language: str, project: Project) -> Catalog:
    """A new, empty PO catalogue for ``language`` from ``template``."""
    catalog = Catalog(
        locale=language,
        domain=template.domain,
        project=project.name,
        copyright_holder=project.name,
        creation_date=template.creation_date,
        revision_date=template.creation_date,
        language_team=language,
        fuzzy=False,
        header_comment=template.header_comment,
    )
    forms = plural_forms(language) or _default_plural_forms(language)
    # Set explicitly: Babel writes Plural-Forms for a language CLDR lacks only when told.
    catalog.mime_headers = [(n, v) for n, v in catalog.mime_headers if n != "Plural-Forms"] + [
        ("Plural-Forms", forms)
    ]
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=True)
    return catalog


def write_catalog(path: Path, catalog: Catalog, root: Path) -> bool:
    """Write ``catalog`` to ``path`` atomically (inside ``root``); ``False`` when it already says the same."""
    data = render_po(catalog)
    if holds(path, data, root):
        return False
    atomic_write_bytes(path, data, root)
    return True


def update_catalog(path: Path, template: Catalog, language: str, project: Project) -> Catalog:
    """The PO catalogue at ``path`` merged with ``template`` (created when missing)."""
    if not path.is_file():
        return new_catalog(template, language, project)
    catalog = load_catalog(path, language, template.domain or "", project.relative(path), project.root)
    previous = {(m.id, m.context): m.previous_id for m in catalog if m.fuzzy and m.previous_id}
    translated = [
        PoMessage(m.id, m.string, context=m.context, user_comments=list(m.user_comments), flags=m.flags)
        for m in [*catalog, *catalog.obsolete.values()]
        if m.id and m.string
    ]
    catalog.update(template, update_creation_date=True)
    # Babel carries a previous msgid only for matches it makes now; keep the earlier ones too.
    for message in catalog:
        if message.fuzzy and not message.previous_id and (message.id, message.context) in previous:
            message.previous_id = previous[message.id, message.context]
        # A text that comes back gets its old translation back from the obsolete entries, as
        # fuzzy: PO files do not record whether an obsolete entry was fuzzy, so a translator checks.
        # An exact old translation beats Babel's fuzzy guess from another message.
        key = _key(message)
        if message.id and (not message.string or message.fuzzy) and key in catalog.obsolete:
            old = catalog.obsolete.pop(key)
            if old.string:
                message.string, message.user_comments = old.string, old.user_comments
                message.flags = message.flags | {"fuzzy"}
                message.previous_id = []
    # An obsolete entry without a translation has nothing to keep.
    for key in [k for k, m in catalog.obsolete.items() if not m.string]:
        del catalog.obsolete[key]
    # The safety net: a translation that is nowhere in the result any more is kept as obsolete.
    kept = {_text(m.string) for m in [*catalog, *catalog.obsolete.values()] if m.string}
    for message in translated:
        key = _key(message)
        if _text(message.string) in kept:
            continue
        if key not in catalog.obsolete and key not in catalog:
            catalog.obsolete[key] = message
        else:  # pragma: no cover - no known case reaches it
            raise CatalogError(
                f"updating would lose the translation of {message.id!r}; nothing written",
                path=project.relative(path),
            )
    return catalog


def _text(string: object) -> str:
    return "\x00".join(string) if isinstance(string, tuple | list) else str(string)


def _key(message: PoMessage) -> str | tuple[str, str]:
    """The key Babel files a message under in a catalogue."""
    msgid = message.id[0] if isinstance(message.id, list | tuple) else message.id
    return (msgid, message.context) if message.context else msgid


def messages_of(catalog: Catalog) -> Iterable[PoMessage]:
    """The catalogue's messages, without the header entry."""
    return (message for message in catalog if message.id)
