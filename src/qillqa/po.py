"""PO files as GNU gettext reads and writes them: entries, merging, and the review state.

Reading and writing go through translate-toolkit's ``pypo`` (the library Weblate writes PO
files with), whose output GNU ``msgcat`` leaves unchanged: lines wrapped as gettext wraps
them, previous msgids (``#|``, ``#~|``) of any length, obsolete entries, the file's own line
endings. :class:`Entry` and :class:`PoFile` are qillqa's view of them; :func:`merge` does
what ``msgmerge --previous`` does; a translator comment starting ``unreviewed`` (or the
older ``Machine-drafted``) marks a translation nobody fluent has checked yet, a state that
survives msgmerge, msgcat, Poedit and Weblate because it is an ordinary comment.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Indel
from translate.misc.multistring import multistring
from translate.storage import pypo

#: Translator comments that mark a translation unreviewed (compared in lower case).
UNREVIEWED_MARKERS = ("unreviewed", "machine-drafted")
#: The comment a reviewer's sign-off starts with.
REVIEWED_MARKER = "reviewed by"
#: How alike two msgids must be for a translation to carry over, fuzzy (msgmerge's threshold).
FUZZY_THRESHOLD = 0.6
#: The flags gettext knows besides the format ones; others are a tool's own, and kept.
KNOWN_FLAGS = frozenset({"fuzzy", "wrap", "no-wrap"})


@dataclass(frozen=True)
class Previous:
    """What a fuzzy entry's source was (``#|`` lines)."""

    context: str | None
    msgid: str
    plural: str | None = None


def _text(lines: list[str]) -> str:
    return str(pypo.unquotefrompo(lines))


class Entry:
    """One PO entry (a message and its translation), over a pypo unit."""

    def __init__(self, unit: pypo.pounit, line: int = 0) -> None:
        self.unit = unit
        #: The line of its ``msgid`` in the file it was read from (0 if it was not read).
        self.line = line

    # -- the message -----------------------------------------------------------------------------

    @property
    def msgid(self) -> str:
        return _text(self.unit.msgid)

    @property
    def msgid_plural(self) -> str | None:
        return _text(self.unit.msgid_plural) if self.unit.hasplural() else None

    @property
    def ids(self) -> tuple[str, ...]:
        """The msgid, and the msgid_plural when there is one."""
        plural = self.msgid_plural
        return (self.msgid, plural) if plural is not None else (self.msgid,)

    @property
    def context(self) -> str | None:
        return _text(self.unit.msgctxt) if self.unit.msgctxt else None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)

    # -- the translation -------------------------------------------------------------------------

    @property
    def strings(self) -> tuple[str, ...]:
        """The translation: one string, or one per plural form."""
        msgstr = self.unit.msgstr
        if isinstance(msgstr, dict):
            return tuple(_text(msgstr[index]) for index in sorted(msgstr))
        return (_text(msgstr),)

    @property
    def string(self) -> str:
        return self.strings[0] if self.strings else ""

    @property
    def translated(self) -> bool:
        """Every form has a translation (fuzzy or not)."""
        return bool(self.strings) and all(self.strings)

    @property
    def fuzzy(self) -> bool:
        return bool(self.unit.isfuzzy())

    @property
    def obsolete(self) -> bool:
        return bool(self.unit.isobsolete())

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(self.unit._extracttypecomment())

    # -- comments ---------------------------------------------------------------------------------

    @property
    def comments(self) -> list[str]:
        """Translator comments (``# ...``), without the mark."""
        return [line.removeprefix("#").removeprefix(" ").rstrip("\r\n") for line in self.unit.othercomments]

    @property
    def auto_comments(self) -> list[str]:
        """Extracted comments (``#. ...``): what the text is, how much room it has."""
        return [line[2:].removeprefix(" ").rstrip("\r\n") for line in self.unit.automaticcomments]

    @property
    def locations(self) -> list[str]:
        return [str(location) for location in self.unit.getlocations()]

    @property
    def previous(self) -> Previous | None:
        if not self.unit.prev_msgid:
            return None
        context = _text(self.unit.prev_msgctxt) if self.unit.prev_msgctxt else None
        plural = _text(self.unit.prev_msgid_plural) if self.unit.prev_msgid_plural else None
        return Previous(context, _text(self.unit.prev_msgid), plural)

    @property
    def review_note(self) -> str:
        """The translator comment that marks the entry unreviewed ("" if none)."""
        found = (c for c in self.comments if c.strip().lower().startswith(UNREVIEWED_MARKERS))
        return next(found, "")

    @property
    def unreviewed(self) -> bool:
        """A translation nobody fluent has checked yet: a translator comment says so."""
        return self.translated and bool(self.review_note)

    def mark_unreviewed(self, reason: str) -> bool:
        """Say the translation awaits review (``# unreviewed: REASON``); ``False`` if it already does.

        An earlier ``# reviewed by`` line goes: the entry says one thing about its review.
        """
        if self.unreviewed or not self.translated:
            return False
        self._drop_comments(REVIEWED_MARKER)
        self.unit.addnote(f"unreviewed: {reason}", origin="translator", position="prepend")
        return True

    def mark_reviewed(self, by: str) -> bool:
        """Replace the unreviewed mark with ``# reviewed by BY``; ``False`` if there was none."""
        if not self.unreviewed:
            return False
        self._drop_comments(*UNREVIEWED_MARKERS, REVIEWED_MARKER)
        if by:
            self.unit.addnote(f"{REVIEWED_MARKER} {by}", origin="translator")
        return True

    def _drop_comments(self, *starts: str) -> None:
        self.unit.othercomments = [
            line
            for line in self.unit.othercomments
            if not line.removeprefix("#").strip().lower().startswith(starts)
        ]

    def content(self) -> tuple[object, ...]:
        """What the entry says, whatever the wrapping: for comparing files, not bytes."""
        return (
            self.context,
            self.ids,
            self.strings,
            tuple(sorted(self.flags)),
            tuple(self.comments),
            tuple(self.auto_comments),
            tuple(self.locations),
            self.previous,
            self.obsolete,
        )


class PoFile:
    """A PO or POT file: its header and its entries, in order."""

    def __init__(self, store: pypo.pofile, lines: list[int] | None = None) -> None:
        self.store = store
        units = [unit for unit in store.units if not unit.isheader()]
        lines = lines or []
        self._entries = [Entry(unit, lines[n] if n < len(lines) else 0) for n, unit in enumerate(units)]
        self._index: dict[tuple[str | None, str], Entry] | None = None

    # -- reading and writing ------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> PoFile:
        """A PO file from its (decoded, UTF-8 labelled) text; its entries know their lines."""
        store = pypo.pofile()
        store.parse(text.encode("utf-8"))
        store.encoding = "utf-8"
        return cls(store, _msgid_lines(text, has_header=any(unit.isheader() for unit in store.units)))

    @classmethod
    def new(cls, header: dict[str, str], comment: Iterable[str] = ()) -> PoFile:
        """An empty file with ``header`` (in that order) and the header ``comment`` lines."""
        store = pypo.pofile()
        store.units = []
        head = store.UnitClass("")
        head.target = "".join(f"{name}: {value}\n" for name, value in header.items())
        for line in comment:
            head.addnote(line, origin="translator")
        store.addunit(head)
        return cls(store)

    def render(self) -> bytes:
        """The file's bytes, laid out exactly as GNU gettext (``msgcat``) lays them out.

        Every string is wrapped again as gettext wraps it for its keyword and prefix
        (``msgid``, ``#| msgid``, ``#~ msgstr[1]``...), references and flags are written in
        gettext's order; the file keeps its own line endings.
        """
        units = self.store.units
        # gettext writes the header first and obsolete entries last, leaving out an obsolete
        # entry whose (first) translation is empty: it keeps nothing worth keeping.
        self.store.units = [
            *(u for u in units if u.isheader()),
            *(u for u in units if not u.isheader() and not u.isobsolete()),
            *(u for u in units if u.isobsolete() and Entry(u).string),
        ]
        for unit in self.store.units:
            _lay_out(unit)
        return bytes(self.store)

    @property
    def newline(self) -> str:
        return str(self.store.newline)

    @newline.setter
    def newline(self, value: str) -> None:
        self.store.newline = value

    # -- the header -----------------------------------------------------------------------------

    @property
    def header(self) -> dict[str, str]:
        return {str(name): str(value) for name, value in self.store.parseheader().items()}

    def set_header(self, header: dict[str, str]) -> None:
        head = self.store.header()
        text = "".join(f"{name}: {value}\n" for name, value in header.items())
        if head is None:
            head = self.store.UnitClass("")
            self.store.units.insert(0, head)
        head.target = text
        head.markfuzzy(False)

    @property
    def header_comments(self) -> list[str]:
        head = self.store.header()
        return Entry(head).comments if head is not None else []

    @property
    def nplurals(self) -> int:
        match = re.search(r"nplurals\s*=\s*(\d+)", self.header.get("Plural-Forms", ""))
        return int(match.group(1)) if match else 2

    @property
    def plural_expression(self) -> str:
        match = re.search(r"plural\s*=\s*([^;]+)", self.header.get("Plural-Forms", ""))
        return match.group(1).strip() if match else "(n != 1)"

    # -- entries ---------------------------------------------------------------------------------

    @property
    def entries(self) -> list[Entry]:
        """The live entries (not the header, not obsolete ones), in order."""
        return [entry for entry in self._entries if not entry.obsolete]

    @property
    def obsolete(self) -> list[Entry]:
        return [entry for entry in self._entries if entry.obsolete]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def get(self, msgid: str, context: str | None = None) -> Entry | None:
        """The live entry for ``msgid`` in ``context``."""
        if self._index is None:
            self._index = {entry.key: entry for entry in self.entries}
        return self._index.get((context, msgid))

    def add(self, unit: pypo.pounit) -> Entry:
        self.store.addunit(unit)
        entry = Entry(unit)
        self._entries.append(entry)
        self._index = None
        return entry

    def content(self) -> tuple[object, ...]:
        """What the file says, whatever its wrapping, line endings and order of header fields."""
        entries = tuple(entry.content() for entry in self._entries)
        return (tuple(sorted(self.header.items())), tuple(self.header_comments), entries)


def new_unit(
    msgid: str,
    context: str | None = None,
    plural: str | None = None,
    *,
    auto_comments: Iterable[str] = (),
    locations: Iterable[str] = (),
    flags: Iterable[str] = (),
) -> pypo.pounit:
    """A POT entry: a message without a translation."""
    unit = pypo.pounit(multistring([msgid, plural]) if plural is not None else msgid)
    if context is not None:
        unit.msgctxt = unit.quote(context)
    unit.target = ["", ""] if plural is not None else ""
    for comment in auto_comments:
        unit.addnote(comment, origin="developer")
    for location in locations:
        unit.addlocation(location)
    for flag in flags:
        unit.settypecomment(flag)
    return unit


# -- gettext's layout ------------------------------------------------------------------------------

#: gettext's page width: no line longer than this, unless a word is.
PAGE_WIDTH = 79


def gnu_lines(
    text: str, keyword: str, prefix: str = "", formatted: bool = False, wrap: bool = True
) -> list[str]:
    """The quoted lines gettext writes for ``keyword`` (``msgid``...) with ``text``, after ``prefix``.

    This follows GNU gettext's own layout (``wrap`` in write-po.c): each line of ``text``
    (each portion ending in a newline) on its own line, long portions cut where Unicode
    allows a line break but never inside an escape sequence or (``formatted``) a format
    directive, within 79 columns counting the quotes; and an empty first string when the
    text has more than one portion or does not fit after its keyword. The cuts come from
    libunistring itself, the library gettext uses, so that ``msgcat`` changes nothing.
    Without ``wrap`` (a ``no-wrap`` entry) only newlines end lines.
    """
    portions = [portion for portion in re.split(r"(?<=\n)", text) if portion] or [""]
    after_break = len(prefix) + 1  # a continuation line starts with the prefix and a quote
    width = (PAGE_WIDTH if wrap else 2**30) - 1 - after_break  # room for the closing quote
    lines: list[str] = []
    first = True
    directives = python_directives(text) if formatted else []
    offset = 0
    for number, portion in enumerate(portions):
        spans = [(a - offset, b - offset) for a, b in directives if offset <= a < offset + len(portion)]
        offset += len(portion)
        escaped, prohibited = _escape(portion, spans)
        more = number < len(portions) - 1
        if first:
            start = len(prefix) + len(keyword) + 2 - after_break
            cuts = line_cuts(escaped, prohibited, width, start)
            if escaped and (more or start > width or cuts):
                lines.append('""')
                cuts = line_cuts(escaped, prohibited, width, 0)
            first = False
        else:
            cuts = line_cuts(escaped, prohibited, width, 0)
        bounds = [0, *cuts, len(escaped)]
        lines += [f'"{escaped[i:j]}"' for i, j in itertools.pairwise(bounds)]
    return lines


#: The escapes gettext writes (ANSI C's, a backslash and a quote); other characters stay as they are.
_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
_ESCAPES.update({"\\": "\\\\", '"': '\\"'})


def python_directives(value: str) -> list[tuple[int, int]]:
    """The (first, last) characters of each valid Python format directive, as gettext parses them.

    Like gettext's own parser (format-python.c), the scan stops at the first invalid
    directive, or the first that mixes named and unnamed arguments: what follows is not
    treated as a directive.
    """
    spans: list[tuple[int, int]] = []
    named = unnamed = 0
    i, n = 0, len(value)
    while i < n:
        if value[i] != "%":
            i += 1
            continue
        start, i = i, i + 1
        has_name = False
        if i < n and value[i] == "(":
            depth, j = 0, i + 1
            while j < n and not (value[j] == ")" and depth == 0):
                depth += {"(": 1, ")": -1}.get(value[j], 0)
                j += 1
            if j >= n:
                break  # unterminated
            has_name, i = True, j + 1
        while i < n and value[i] in "-+ #0":
            i += 1
        for part in ("width", "precision"):
            if part == "precision":
                if not (i < n and value[i] == "."):
                    break
                i += 1
            if i < n and value[i] == "*":
                if named:
                    return spans
                unnamed, i = unnamed + 1, i + 1
            else:
                while i < n and value[i].isdigit():
                    i += 1
        if i < n and value[i] in "hlL":
            i += 1
        if i >= n or value[i] not in "%csridouxXeEfgG":
            break
        if has_name:
            if unnamed:
                break
            named += 1
        elif value[i] != "%":
            if named:
                break
            unnamed += 1
        spans.append((start, i))
        i += 1
    return spans


def _escape(portion: str, directives: list[tuple[int, int]]) -> tuple[str, set[int]]:
    """``portion`` escaped as gettext escapes it, and the positions (in it) where no line may break."""
    pieces: list[str] = []
    starts: list[int] = []  # the escaped position of each character of the portion
    position = 0
    for char in portion:
        starts.append(position)
        piece = _ESCAPES.get(char, char)
        pieces.append(piece)
        position += len(piece)
    escaped = "".join(pieces)
    prohibited = {starts[i] + k for i, piece in enumerate(pieces) for k in range(1, len(piece))}
    for first, last in directives:  # no break inside a format directive
        end = starts[last + 1] if last + 1 < len(starts) else len(escaped)
        prohibited.update(range(starts[first] + 1, end))
    if portion.endswith("\n"):
        prohibited.add(len(escaped) - 2)  # not just before the closing newline
    return escaped, prohibited


# libunistring's enum of line break decisions.
_UNDEFINED, _PROHIBITED, _POSSIBLE = 0, 1, 2


@functools.cache
def _libunistring() -> Any:
    """libunistring's ``u8_width_linebreaks``, which gettext wraps lines with; ``None`` if absent."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("unistring")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).u8_width_linebreaks
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
    ]
    function.restype = ctypes.c_int
    return function


def line_cuts(escaped: str, prohibited: set[int], width: int, start: int) -> list[int]:
    """Where a line of ``escaped`` text starting at column ``start`` is cut to fit ``width``."""
    function = _libunistring()
    if function is None:
        return _approximate_cuts(escaped, prohibited, width, start)
    import ctypes

    data = escaped.encode("utf-8")
    byte_of: list[int] = []  # the first byte of each character
    overrides = bytearray()
    for index, char in enumerate(escaped):
        byte_of.append(len(overrides))
        size = len(char.encode("utf-8"))
        overrides.append(_PROHIBITED if index in prohibited else _UNDEFINED)
        overrides += bytes([_PROHIBITED]) * (size - 1)
    result = ctypes.create_string_buffer(len(data))
    function(data, len(data), width, start, 0, bytes(overrides), b"UTF-8", result)
    decided = result.raw
    return [index for index, at in enumerate(byte_of) if decided[at] == _POSSIBLE]


def _approximate_cuts(escaped: str, prohibited: set[int], width: int, start: int) -> list[int]:
    """Without libunistring: Unicode's line breaking by another library, cut greedily as it would."""
    from unicode_segmentation_rs import line_breaks

    char_at: dict[int, int] = {}
    offset = 0
    for index, char in enumerate(escaped):
        char_at[offset] = index
        offset += len(char.encode("utf-8"))
    char_at[offset] = len(escaped)
    breaks = {char_at[at] for at, _ in line_breaks(escaped) if 0 < char_at[at] < len(escaped)} - prohibited
    cuts: list[int] = []
    last: int | None = None
    column, piece = start, 0
    for index, char in enumerate(escaped):
        if index in breaks:
            if last is not None and column + piece > width:
                cuts.append(last)
                column = 0
            last = index
            column += piece
            piece = 0
        piece += _width(char)
    if last is not None and column + piece > width:
        cuts.append(last)
    return cuts


def _width(char: str) -> int:
    """The columns a character takes (combining marks and controls none, wide ones two)."""
    if unicodedata.category(char) in ("Mn", "Me", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


#: gettext's format languages, in the order it writes their flags (message.c).
FORMAT_LANGUAGES = (
    "c", "objc", "c++", "python", "python-brace", "java", "java-printf", "csharp", "javascript",
    "scheme", "lisp", "elisp", "librep", "rust", "go", "ruby", "sh", "sh-printf", "awk", "lua",
    "object-pascal", "modula2", "d", "ocaml", "smalltalk", "qt", "qt-plural", "kde", "kde-kuit",
    "boost", "tcl", "perl", "perl-brace", "php", "gcc-internal", "gfc-internal", "ycp",
)  # fmt: skip


def _format_rank(flag: str) -> int:
    language = flag.removeprefix("no-").removesuffix("-format")
    return FORMAT_LANGUAGES.index(language) if language in FORMAT_LANGUAGES else len(FORMAT_LANGUAGES)


def gnu_flags(flags: Iterable[str], *, translated: bool, obsolete: bool) -> list[str]:
    """The flags as gettext writes them: fuzzy, formats, range, wrap; in that order.

    ``fuzzy`` goes when there is no translation; an obsolete entry keeps only fuzzy, format
    and wrap flags (as gettext does). Flags gettext does not know stay, last.
    """
    flags = list(dict.fromkeys(flags))
    formats = sorted((f for f in flags if f.endswith("-format")), key=_format_rank)
    ranges = [f for f in flags if f.startswith("range:")]
    wraps = [f for f in flags if f in ("wrap", "no-wrap")]
    other = [f for f in flags if f not in {*formats, *ranges, *wraps, "fuzzy"}]
    fuzzy = ["fuzzy"] if "fuzzy" in flags and translated else []
    if obsolete:
        return [*fuzzy, *formats, *wraps]
    return [*fuzzy, *formats, *ranges, *wraps, *other]


def _lay_out(unit: pypo.pounit) -> None:
    """Wrap a unit's strings, references and flags as gettext does, before pypo writes it."""
    obsolete = unit.isobsolete()
    prefix = "#~ " if obsolete else ""
    flags = list(unit._extracttypecomment())
    formatted = "python-format" in flags  # the only format qillqa's messages use
    wrap = "no-wrap" not in flags

    def lines(value: Any, keyword: str, before: str = prefix) -> list[str]:
        # gettext skips format directives in every string of a formatted entry, msgctxt too
        return gnu_lines(_text(value), keyword, before, formatted, wrap)

    if unit.msgctxt:
        unit.msgctxt = lines(unit.msgctxt, "msgctxt")
    unit.msgid = lines(unit.msgid, "msgid")
    if unit.msgid_plural:
        unit.msgid_plural = lines(unit.msgid_plural, "msgid_plural")
    if isinstance(unit.msgstr, dict):
        unit.msgstr = {index: lines(value, f"msgstr[{index}]") for index, value in unit.msgstr.items()}
    else:
        unit.msgstr = lines(unit.msgstr, "msgstr")
    before = "#~| " if obsolete else "#| "
    fields = (("prev_msgctxt", "msgctxt"), ("prev_msgid", "msgid"), ("prev_msgid_plural", "msgid_plural"))
    for field, keyword in fields:
        value = getattr(unit, field)
        if value:
            setattr(unit, field, lines(value, keyword, before))
    locations = [str(location) for location in unit.getlocations()]
    if locations and not obsolete:
        references, line = [], "#:"
        for location in locations:
            if line != "#:" and len(line) + 1 + len(location) > PAGE_WIDTH:
                references.append(line + unit.newline)
                line = "#:"
            line += f" {location}"
        unit.sourcecomments = [*references, line + unit.newline]
    # Comments end with the file's own newline (a template's #. lines come with "\n"), and never
    # with a backslash, which gettext's reader takes for "the line goes on".
    for field in ("othercomments", "automaticcomments"):
        comments = [str(line).rstrip("\r\n") for line in getattr(unit, field)]
        setattr(unit, field, [line.rstrip("\\") + unit.newline for line in comments])
    if unit.isheader():
        written = flags
    else:
        written = gnu_flags(flags, translated=bool(Entry(unit).string), obsolete=obsolete)
    unit.typecomments = [f"#, {', '.join(written)}{unit.newline}"] if written else []
    unit._typecomments_cache = None


def _msgid_lines(text: str, has_header: bool) -> list[int]:
    """The line of each entry's msgid (live or obsolete), in file order, the header's left out.

    pypo keeps the file's order, so the n-th entry it reads has the n-th msgid line.
    """
    found = [
        number
        for number, line in enumerate(text.split("\n"), 1)
        if line.startswith("msgid ") or line.startswith(("#~ msgid ", "#~msgid "))
    ]
    return found[1:] if has_header and found else found


# -- merging, as msgmerge --previous does --------------------------------------------------------


def similarity(a: str, b: str) -> float:
    """How alike two msgids are, from 0 to 1: gettext's ``fstrcmp``.

    That is the share of the two strings' bytes a shortest edit (insertions and
    deletions) leaves alone, which rapidfuzz's Indel distance computes exactly.
    """
    return float(Indel.normalized_similarity(a.encode("utf-8"), b.encode("utf-8")))


def merge(old: PoFile, template: PoFile) -> PoFile:
    """``old`` brought up to ``template``, as ``msgmerge --previous`` does; the header is ``old``'s.

    This follows gettext's own merge (msgl-merge.c):

    - a message whose context and msgid are in ``old`` (live or obsolete) keeps its
      translation, translator comments and fuzzy flag, and takes the template's comments,
      references and flags; a changed msgid_plural makes it fuzzy;
    - a new message takes the translation of the most alike translated old msgid (more
      than 60% alike, in any context, the same context winning ties), marked fuzzy;
    - a translation moving between plural and singular entries is spread over the forms,
      or cut to the first, and fuzzy;
    - a fuzzy entry shows what its translation was made for (``#|``): the old entry's
      msgid and context, or that entry's own history if it was fuzzy itself; other
      entries carry no history;
    - an old entry no message uses becomes obsolete (``#~``) with its history, and an
      untranslated one goes: nothing translated is ever lost.
    """
    result = PoFile(pypo.pofile())
    result.store.units = []
    head = old.store.header() or template.store.header()
    if head is not None:
        result.store.units.append(head.copy())
    result.newline = old.newline
    nplurals = old.nplurals
    every = [*old.entries, *old.obsolete]
    by_key: dict[tuple[str | None, str], Entry] = {}
    for entry in every:
        by_key.setdefault(entry.key, entry)  # a live entry before an obsolete one
    index = _FuzzyIndex([entry for entry in every if entry.string])
    used: set[int] = set()
    for message in template.entries:
        was = by_key.get(message.key)
        fuzzy_match = was is None
        if was is None:
            was = index.closest(message)
        if was is None:
            unit = message.unit.copy()
            if message.msgid_plural is not None:
                unit.target = [""] * nplurals
            result.add(unit)
            continue
        used.add(id(was))
        result.add(_merged(was, message, fuzzy_match, nplurals))
    for entry in every:
        if id(entry) not in used and entry.string:
            unit = entry.unit.copy()
            if not unit.isobsolete():
                unit.makeobsolete()  # which drops its extracted comments and references
            result.add(unit)
    return result


class _FuzzyIndex:
    """gettext's fuzzy search (msgl-fsearch.c): which translated entry a new msgid came from.

    A msgid of four characters or more is compared with the entries that share a run of
    four characters with it, those sharing most first; a shorter one with the short
    entries of a comparable length. The most alike wins if more than 60% alike, an entry
    without a context or in the same context winning a tie.
    """

    SHORT = 4

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.grams: dict[str, list[int]] = {}
        for number, entry in enumerate(entries):
            for gram in dict.fromkeys(self._grams(entry.msgid)):
                self.grams.setdefault(gram, []).append(number)

    @staticmethod
    def _grams(text: str) -> list[str]:
        return [text[i : i + 4] for i in range(len(text) - 3)]

    def _candidates(self, msgid: str) -> list[Entry]:
        if len(msgid) >= self.SHORT:
            shared: dict[int, int] = {}
            for gram in self._grams(msgid):
                for number in self.grams.get(gram, ()):
                    shared[number] = shared.get(number, 0) + 1
            ranked = sorted(shared, key=lambda number: (-shared[number], number))
            return [self.entries[number] for number in ranked]
        size = len(msgid.encode("utf-8"))
        ratio = 2 / FUZZY_THRESHOLD - 1
        low, high = math.ceil(size / ratio), int(size * ratio)
        return [e for e in self.entries if low <= len(e.msgid.encode("utf-8")) <= high]

    def closest(self, message: Entry) -> Entry | None:
        best, score = None, FUZZY_THRESHOLD
        for entry in self._candidates(message.msgid):
            bonus = 0.00001 if entry.context is None or entry.context == message.context else 0.0
            weight = similarity(message.msgid, entry.msgid) + bonus
            if weight > score:
                best, score = entry, weight
        return best


def _merged(was: Entry, message: Entry, fuzzy_match: bool, nplurals: int) -> pypo.pounit:
    """The template's ``message`` with the translation, comments and history of ``was``."""
    unit = was.unit.copy()
    fuzzy = was.fuzzy or fuzzy_match or was.msgid_plural != message.msgid_plural
    strings = was.strings
    if message.msgid_plural is not None and was.msgid_plural is None:
        strings = strings * max(nplurals, 1)
    elif message.msgid_plural is None and was.msgid_plural is not None:
        strings = strings[:1]
    if not fuzzy and "python-format" in message.flags and "python-format" not in was.flags:
        # gettext: a message that becomes a format string must still pass msgfmt --check
        fuzzy = _placeholders(message.msgid) != {p for s in strings for p in _placeholders(s)}
    previous = was.previous if was.fuzzy else Previous(was.context, was.msgid, was.msgid_plural)
    if not fuzzy or not strings[0]:
        previous = None  # only a fuzzy translation says what it was made for
    if unit.isobsolete():
        unit.resurrect()
    unit.msgid = list(message.unit.msgid)
    unit.msgid_plural = list(message.unit.msgid_plural)
    unit.msgctxt = list(message.unit.msgctxt)
    unit._invalidate_source_cache()
    unit.target = list(strings) if message.msgid_plural is not None else strings[0]
    unit.automaticcomments = list(message.unit.automaticcomments)
    unit.sourcecomments = list(message.unit.sourcecomments)
    unknown = {flag for flag in was.flags if not _gettext_flag(flag)}
    unit.typecomments = []
    unit._typecomments_cache = None
    for flag in [*(flag for flag in message.flags if flag != "fuzzy"), *sorted(unknown)]:
        unit.settypecomment(flag)
    unit.markfuzzy(fuzzy)
    unit.prev_msgctxt = unit.quote(previous.context) if previous and previous.context is not None else []
    unit.prev_msgid = unit.quote(previous.msgid) if previous else []
    unit.prev_msgid_plural = unit.quote(previous.plural) if previous and previous.plural is not None else []
    return unit


def _gettext_flag(flag: str) -> bool:
    return flag in KNOWN_FLAGS or flag.endswith("-format") or flag.startswith("range:")


def _placeholders(text: str) -> set[str]:
    """The Python format directives of ``text``, as written (``%(name)s``...), ``%%`` left out."""
    return {text[a : b + 1] for a, b in python_directives(text) if text[b] != "%"}
