"""Gettext catalogues: reading PO files safely, translating, creating and merging them.

Builds read ``locales/<lang>/LC_MESSAGES/<domain>.po`` directly (as :class:`~qillqa.po.PoFile`),
so there is never a stale ``.mo``. Each leaflet is one domain (its name); the strings that
templates own are the ``templates`` domain.

A :class:`Translator` answers gettext calls from one catalogue and records every
message it had to fall back on, or printed before anyone reviewed it, so a build can
say exactly what is missing.
"""

from __future__ import annotations

import codecs
import gettext
import logging
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from qillqa.clock import build_time
from qillqa.errors import CatalogError
from qillqa.formats import FontSpec
from qillqa.fsutil import atomic_write_bytes, holds, read_inside
from qillqa.headers import new_header, updated_header
from qillqa.limits import MAX_CATALOG_BYTES
from qillqa.po import Entry, PoFile, merge
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
    """A message a build could not translate, or printed from a fuzzy or unreviewed entry."""

    domain: str
    language: str
    context: str | None
    msgid: str
    reason: str  # "missing", "fuzzy", "unusable" or "unreviewed"
    #: For an unusable translation: why, and the line of its entry in the PO file.
    detail: str = ""
    line: int | None = None
    #: The language whose text was printed: a fallback's, the message's own (a draft's fuzzy or an
    #: unreviewed translation), or "" for the source text.
    printed_in: str = ""


@dataclass(frozen=True)
class Found:
    """A usable translation: its strings, and the catalogue and language they come from."""

    strings: tuple[str, ...]
    catalog: PoFile
    language: str


_PO_STRING = r'"(?:[^"\\]++|\\.)*+"'
_PO_LINE = re.compile(rf"^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s++)?{_PO_STRING}\s*+$")


def lines_of(text: str) -> list[str]:
    """A file's lines as gettext counts them: only LF (or CRLF) ends a line, not U+2028 or VT."""
    return [line.removesuffix("\r") for line in text.split("\n")]


_ESCAPE = re.compile(r"\\(?:[ntbrfva\\\"'?]|[0-7]{1,3}|x[0-9A-Fa-f]+)|\\(.?)")


def check_syntax(text: str, shown: Path) -> None:
    """Reject what the lenient parser would let through, as msgfmt does, naming the line.

    Unclosed strings and stray text; an escape C does not know (``\\q``); a duplicate message
    (same msgctxt and msgid twice, live or obsolete), which would silently lose a translation;
    ``msgstr`` in a plural entry, or ``msgstr[N]`` in a singular one.
    """
    seen: dict[tuple[str | None, str], int] = {}
    context: str | None = None
    current: list[str] | None = None  # the msgid being read, across continuation lines
    plural = False
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
        previous = content.startswith(("#|", "#~|"))
        if content.startswith("#~") and not previous:
            content = content[2:].strip()
        elif previous:
            content = content.removeprefix("#~").removeprefix("#").removeprefix("|").strip()
        elif content.startswith("#"):
            continue
        if content and not _PO_LINE.match(content):
            raise CatalogError(
                f"malformed PO file: cannot read {line.strip()[:60]!r}", path=shown, line=number
            )
        for bad in _ESCAPE.finditer(content[content.find('"') :] if '"' in content else ""):
            if bad.group(1) is not None:
                raise CatalogError(
                    f"malformed PO file: unknown escape '\\{bad.group(1)}' (write '\\\\' for a backslash)",
                    path=shown,
                    line=number,
                )
        if previous or not content:
            continue
        keyword, _, rest = content.partition(" ")
        if content.startswith('"'):
            if current is not None:
                current.append(_unquote(content))
        elif keyword == "msgctxt":
            finish()
            current, context, plural = None, _unquote(rest), False
        elif keyword == "msgid":
            if current is not None:
                finish()
                context = None
            current, start, plural = [_unquote(rest)], number, False
        else:  # msgid_plural, msgstr: the msgid is complete
            if current is not None:
                finish()
                current, context = None, None
            if keyword == "msgid_plural":
                plural = True
            elif keyword == "msgstr" and plural:
                raise CatalogError(
                    "malformed PO file: an entry with msgid_plural takes msgstr[0], msgstr[1]..., "
                    "not msgstr",
                    path=shown,
                    line=number,
                )
            elif keyword.startswith("msgstr[") and not plural:
                raise CatalogError(
                    f"malformed PO file: {keyword} in an entry without msgid_plural (write msgstr)",
                    path=shown,
                    line=number,
                )
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


_HEADER_CHARSET = re.compile(r'^("Content-Type:[^"\n]*?charset=)[^\s"\\;]+', re.IGNORECASE | re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def load_catalog(path: Path, shown: Path | None = None, root: Path | None = None) -> PoFile:
    """Read a PO or POT file (inside ``root``, when given); bad input names the file and line.

    The catalogue is UTF-8 from then on, whatever the file's charset was, so writing it
    back converts it.
    """
    shown = shown or path
    data = read_inside(path, root or path.parent, MAX_CATALOG_BYTES, CatalogError, shown)
    return parse_catalog(decode_po(data, shown), shown)


def parse_catalog(text: str, shown: Path) -> PoFile:
    """A PO file from its decoded text, after the checks that name a line."""
    check_syntax(text, shown)
    # The text is decoded already: say so, or the reader would decode it a second time.
    end = _BLANK_LINE.search(text)
    head = text[: end.start()] if end else text
    text = _HEADER_CHARSET.sub(r"\1UTF-8", head, count=1) + text[len(head) :]
    try:
        return PoFile.parse(text)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, UnicodeError) as exc:
        raise CatalogError(f"malformed PO file: {exc}", path=shown) from exc


@dataclass
class Translator:
    """gettext functions over one catalogue, recording what falls back to the source.

    Returns plain text, never markup: whoever prints it escapes it. A translation that
    :func:`qillqa.checks.unusable` rejects (HTML, changed placeholders or links, bidi
    controls, far too long) is never returned: the source text is, and the miss is recorded.
    An unreviewed translation is returned and recorded, except under ``--strict``.
    """

    domain: str
    language: str
    catalog: PoFile | None
    policy: Policy = Policy.FALLBACK
    is_source: bool = False
    misses: list[Miss] = field(default_factory=list)
    #: (context, msgid, text printed) for every message looked up, for the glyph check.
    used: list[tuple[str | None, str, str]] = field(default_factory=list)
    #: The fonts of the page: a translation with a character none of them has is not used.
    fonts: tuple[FontSpec, ...] = ()
    #: (language, catalogue) to take a message from, in order, when this one has none usable.
    fallbacks: tuple[tuple[str, PoFile | None], ...] = ()
    #: The language of the msgids: what is printed when no catalogue has the message.
    source_language: str = ""

    def _miss(
        self,
        context: str | None,
        msgid: str,
        reason: str,
        detail: str = "",
        line: int | None = None,
        printed_in: str = "",
    ) -> None:
        self.misses.append(Miss(self.domain, self.language, context, msgid, reason, detail, line, printed_in))

    def _lookup(self, context: str | None, msgid: str, plural: str | None = None) -> Found | None:
        """The strings to print, the catalogue and language they come from; ``None``: the source text."""
        entry = self.catalog.get(msgid, context) if self.catalog is not None else None
        usable = entry is not None and entry.translated
        if entry is not None and usable and (not entry.fuzzy or self.policy is Policy.DRAFT):
            why = self._unusable(entry, plural, self.language)
            if why:
                return self._fall_back(context, msgid, plural, "unusable", why, entry.line)
        if self.catalog is not None and entry is not None and usable and not entry.fuzzy:
            if entry.unreviewed and not self.is_source:
                if self.policy is Policy.STRICT:
                    return self._fall_back(context, msgid, plural, "unreviewed", line=entry.line)
                self._miss(context, msgid, "unreviewed", line=entry.line, printed_in=self.language)
            return Found(entry.strings, self.catalog, self.language)
        if self.is_source:
            return None
        if self.catalog is not None and entry is not None and usable and self.policy is Policy.DRAFT:
            self._miss(context, msgid, "fuzzy", printed_in=self.language)
            return Found(entry.strings, self.catalog, self.language)
        return self._fall_back(context, msgid, plural, "fuzzy" if usable else "missing")

    def _fall_back(
        self,
        context: str | None,
        msgid: str,
        plural: str | None,
        reason: str,
        detail: str = "",
        line: int | None = None,
    ) -> Found | None:
        """The first language of the chain with a usable, checked translation; ``None``: the source."""
        for language, catalog in self.fallbacks:
            entry = catalog.get(msgid, context) if catalog is not None else None
            if catalog is None or entry is None or not entry.translated or entry.fuzzy:
                continue
            if (entry.unreviewed and self.policy is Policy.STRICT) or self._unusable(entry, plural, language):
                continue
            self._miss(context, msgid, reason, detail, line, printed_in=language)
            return Found(entry.strings, catalog, language)
        self._miss(context, msgid, reason, detail, line)
        return None

    def _unusable(self, entry: Entry, plural: str | None, language: str) -> str | None:
        from qillqa.checks import message_problem

        if (entry.msgid_plural is not None) != (plural is not None):
            return (
                "the entry has plural forms, the message has none"
                if plural is None
                else "the message has plural forms, the entry has none"
            )
        why = message_problem(entry.ids, entry.strings, language, self.domain == TEMPLATES_DOMAIN)
        if why or not self.fonts:
            return why
        from qillqa.fonts import describe_chars, missing_glyphs

        missing = sorted({c for text in entry.strings for c in missing_glyphs(text, self.fonts)})
        if missing:
            families = ", ".join(spec.family for spec in self.fonts)
            return f"{describe_chars(missing)} not in the fonts of this format ({families})"
        return None

    def lookup(self, context: str | None, message: str) -> tuple[str, str]:
        """The text to print for ``message`` and the language it is in (a fallback's, or the source's)."""
        found = self._lookup(context, message)
        text, language = (found.strings[0], found.language) if found else (message, self.source_language)
        self.used.append((context, message, text))
        return text, language or self.language

    def pgettext(self, context: str | None, message: str) -> str:
        return self.lookup(context, message)[0]

    def gettext(self, message: str) -> str:
        return self.pgettext(None, message)

    def npgettext(self, context: str | None, singular: str, plural: str, n: int) -> str:
        found = self._lookup(context, singular, plural)
        if found:
            text = found.strings[min(_plural_index(found.catalog, n), len(found.strings) - 1)]
        else:
            text = singular if n == 1 else plural
        self.used.append((context, singular, text))
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.npgettext(None, singular, plural, n)


def _plural_index(catalog: PoFile, n: int) -> int:
    """The plural form for ``n``, by the stdlib's evaluator of the PO file's C expression.

    The expression comes from a translator's header: one that the evaluator refuses (too
    long, too deeply nested, not C) falls back to the two-form rule.
    """
    try:
        return int(gettext.c2py(catalog.plural_expression)(n))
    except (ValueError, SyntaxError, TypeError, ArithmeticError, RecursionError):
        return 0 if n == 1 else 1


class Catalogues:
    """The project's PO files, each read once per build."""

    def __init__(self, project: Project, policy: Policy = Policy.FALLBACK) -> None:
        self.project = project
        self.policy = policy
        self._cache: dict[tuple[str, str], PoFile | None] = {}

    def catalog(self, language: str, domain: str) -> PoFile | None:
        key = (language, domain)
        if key not in self._cache:
            path = self.project.po_path(language, domain)
            self._cache[key] = (
                load_catalog(path, self.project.relative(path), self.project.root) if path.is_file() else None
            )
        return self._cache[key]

    def translator(self, language: str, domain: str, fonts: tuple[FontSpec, ...] = ()) -> Translator:
        """A translator for one page: ``fonts`` are the format's, which a translation must not exceed.

        Its fallbacks are the language's chain (:meth:`Project.fallback_chain`) without the source
        language, whose text is the msgid itself.
        """
        source = self.project.source_language
        chain = self.project.fallback_chain(language)
        return Translator(
            domain,
            language,
            self.catalog(language, domain),
            self.policy,
            is_source=language == source,
            fonts=fonts,
            fallbacks=tuple((other, self.catalog(other, domain)) for other in chain if other != source),
            source_language=source,
        )


def now() -> str:
    """The time stamped into catalogue headers (``SOURCE_DATE_EPOCH`` when set), as gettext writes it."""
    return build_time().replace(second=0).strftime("%Y-%m-%d %H:%M%z")


def new_catalog(template: PoFile, language: str, project: Project) -> PoFile:
    """A new PO catalogue for ``language``: every message of ``template``, none translated."""
    date = template.header.get("POT-Creation-Date") or now()
    empty = PoFile.new(new_header(project.name, language, date), template.header_comments)
    return merge(empty, template)


def merged_catalog(old: PoFile | None, template: PoFile, language: str, project: Project) -> PoFile:
    """``old`` brought up to ``template`` as msgmerge does (a new catalogue when there is none).

    The header keeps every field of ``old`` and gets the template's creation date; see
    :func:`qillqa.headers.updated_header`.
    """
    if old is None:
        return new_catalog(template, language, project)
    result = merge(old, template)
    has_plurals = any(entry.msgid_plural is not None for entry in [*result.entries, *result.obsolete])
    date = template.header.get("POT-Creation-Date")
    result.set_header(updated_header(old.header, project.name, language, date, has_plurals))
    return result


def lost_translations(old: PoFile, new: PoFile) -> list[Entry]:
    """The translated entries of ``old`` whose translation ``new`` no longer holds anywhere.

    The safety net of every update: it is empty, or nothing is written.
    """
    kept = {text for entry in [*new.entries, *new.obsolete] for text in entry.strings if text}
    # A message that becomes plural (or singular) has its forms spread (or cut) as msgmerge
    # does: the translation survives if its first form does.
    return [entry for entry in [*old.entries, *old.obsolete] if entry.string and entry.string not in kept]


def write_catalog(path: Path, catalog: PoFile, root: Path) -> bool:
    """Write ``catalog`` to ``path`` atomically (inside ``root``); ``False`` when it already says the same."""
    data = catalog.render()
    if holds(path, data, root):
        return False
    atomic_write_bytes(path, data, root)
    return True
