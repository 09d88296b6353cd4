"""Leaflets: the source-language text in ``leaflets/<name>/``.

``leaflet.toml`` holds named text fields, the event, a link and the formats to
build; long text may live in a Markdown file beside it. Loading validates the
whole file in one pass and turns every translatable string into a
:class:`Message` carrying its gettext context (the field), its source
reference and a translator comment.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qillqa import markup
from qillqa.errors import ContentError, UsageError
from qillqa.fsutil import read_text_inside
from qillqa.limits import MAX_CITY_CHARS, MAX_CSV_FIELD_CHARS, MAX_TEXT_FILE_BYTES, MAX_URL_CHARS
from qillqa.project import Project
from qillqa.tomlsrc import TomlSource, load_toml

log = logging.getLogger(__name__)

LEAFLET_FILE = "leaflet.toml"
LEAFLET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Kind(Enum):
    INLINE = "one line or paragraph of text, inline Markdown allowed"
    LIST = "a list of short texts"
    DOCUMENT = 'Markdown text, inline or as {{ file = "name.md" }}'


@dataclass(frozen=True)
class FieldSpec:
    kind: Kind
    description: str


#: The text fields a leaflet may have; templates find all of them, empty when unset.
TEXT_FIELDS: Mapping[str, FieldSpec] = MappingProxyType(
    {
        "kicker": FieldSpec(Kind.INLINE, "A short line above the headline."),
        "headline": FieldSpec(Kind.INLINE, "The headline, printed very large."),
        "lead": FieldSpec(Kind.INLINE, "The opening paragraph under the headline."),
        "call_to_action": FieldSpec(Kind.INLINE, "What the reader should do."),
        "demands": FieldSpec(Kind.LIST, "One demand in the list of demands."),
        "background": FieldSpec(Kind.DOCUMENT, "One paragraph of the background story."),
        "organisers": FieldSpec(Kind.INLINE, "Who calls the event."),
        "contact": FieldSpec(Kind.INLINE, "How to contact the organisers."),
        "slogans": FieldSpec(Kind.LIST, "A slogan for a placard, printed huge: keep it short."),
        "pamphlet": FieldSpec(Kind.DOCUMENT, "One paragraph, heading or list item of the pamphlet."),
    }
)
_TOP_KEYS = {"title", "formats", "sheet_languages", "text", "event", "link", "images"}
_IMAGE_KEYS = {"file", "alt"}
IMAGE_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".webp"}
_EVENT_KEYS = {"date", "start", "end", "timezone", "place", "address"}
_LINK_KEYS = {"url"}


@dataclass(frozen=True)
class Message:
    """One translatable string of a leaflet: a gettext message."""

    context: str
    text: str
    path: Path
    line: int
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """Markdown text made of blocks, one message each."""

    source: str
    messages: tuple[Message, ...]


TextValue = Message | tuple[Message, ...] | Document


@dataclass(frozen=True)
class Event:
    date: dt.date
    start: dt.time | None
    end: dt.time | None
    timezone: str | None
    place: Message | None
    address: str
    #: A place given as it is printed (from events.csv), instead of a translated ``place``.
    place_text: str = ""


@dataclass(frozen=True)
class EventVariant:
    """One event of a leaflet's ``events.csv``: same design and translations, its own details."""

    slug: str
    city: str
    event: Event
    link: Link | None


@dataclass(frozen=True)
class Link:
    url: str

    @property
    def display(self) -> str:
        """The URL as people type it: no scheme, no trailing slash."""
        return re.sub(r"^https?://(www\.)?", "", self.url).rstrip("/")


@dataclass(frozen=True)
class Image:
    """A picture in the leaflet's folder, with translatable alt text."""

    name: str
    path: Path
    alt: Message


@dataclass(frozen=True)
class Leaflet:
    """A leaflet's validated source text and settings."""

    name: str
    folder: Path
    title: Message
    formats: tuple[str, ...]
    text: Mapping[str, TextValue]
    event: Event | None
    link: Link | None
    #: Where ``formats`` is written, for messages about an unknown format.
    formats_line: int | None = None
    images: Mapping[str, Image] = field(default_factory=lambda: MappingProxyType({}))
    #: The events of ``events.csv``, one output per event; empty without the file.
    events: tuple[EventVariant, ...] = ()
    #: The city this copy of the leaflet is for (its events.csv slug), if any.
    city: str | None = None
    #: The languages its multilingual sheets carry, in order (empty: the project's).
    sheet_languages: tuple[str, ...] = ()
    sheet_languages_line: int | None = None

    @property
    def domain(self) -> str:
        """The gettext domain of this leaflet's messages."""
        return self.name

    def messages(self) -> Iterator[Message]:
        """Every translatable message, in the order of the source files."""
        yield self.title
        for value in self.text.values():
            if isinstance(value, Message):
                yield value
            elif isinstance(value, Document):
                yield from value.messages
            else:
                yield from value
        if self.event and self.event.place:
            yield self.event.place
        for image in self.images.values():
            yield image.alt


def _url_ok(url: str) -> bool:
    """An http(s) address short enough for a QR code, without spaces."""
    return len(url) <= MAX_URL_CHARS and bool(re.match(r"^https?://[^\s/]+\S*$", url))


def leaflet_names(project: Project) -> tuple[str, ...]:
    """Names of the project's leaflets, sorted."""
    folder = project.leaflets_dir
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.parent.name for p in folder.glob(f"*/{LEAFLET_FILE}")))


def select_leaflets(project: Project, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The leaflets named in ``wanted`` (all when empty); unknown names are a usage error."""
    names = leaflet_names(project)
    if not wanted:
        return names
    unknown = [name for name in wanted if name not in names]
    if unknown:
        have = ", ".join(names) or "none"
        raise UsageError(f"unknown leaflet {', '.join(map(repr, unknown))}; leaflets in this project: {have}")
    return tuple(dict.fromkeys(wanted))


class _Collector:
    """Gathers every problem of one file so the author sees them all at once."""

    def __init__(self, source: TomlSource, shown: Path) -> None:
        self.source = source
        self.shown = shown
        self.problems: list[str] = []

    def add(self, key: str, text: str) -> None:
        line = self.source.line_of(key)
        self.problems.append(f"{self.shown}:{line}: {text}" if line else f"{self.shown}: {text}")

    def unknown(self, table: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
        for key in sorted(set(table) - allowed):
            full = f"{prefix}{key}"
            log.warning("%s:%s: unknown key '%s' ignored", self.shown, self.source.line_of(full), full)


def load_leaflet(project: Project, name: str) -> Leaflet:
    """Load and validate ``leaflets/<name>/leaflet.toml``."""
    folder = project.leaflets_dir / name
    path = folder / LEAFLET_FILE
    shown = project.relative(path)
    if not LEAFLET_NAME.match(name):
        raise ContentError(f"leaflet folder names use a-z, 0-9 and '-', found {name!r}", path=shown)
    source = load_toml(path, ContentError, project.root, display=shown)
    problems = _Collector(source, shown)
    data = source.data
    problems.unknown(data, _TOP_KEYS, "")

    def message(key: str, value: Any, context: str, comment: str, line: int | None = None) -> Message | None:
        if not isinstance(value, str) or not value.strip():
            problems.add(key, f"'{key}' must be a non-empty string, found {value!r}")
            return None
        comments = (comment, *source.comments_for(key))
        return Message(context, markup.normalize(value), shown, line or source.line_of(key) or 1, comments)

    title = message("title", data.get("title"), "title", "The document title, in the PDF's properties.")

    formats: tuple[str, ...] = ()
    raw_formats = data.get("formats")
    if (
        not isinstance(raw_formats, list)
        or not raw_formats
        or not all(isinstance(f, str) for f in raw_formats)
    ):
        problems.add(
            "formats",
            f"'formats' must be a list of format names such as [\"flyer-a5\"], found {raw_formats!r}",
        )
    else:
        formats = tuple(dict.fromkeys(raw_formats))

    sheet_languages: tuple[str, ...] = ()
    raw_sheet = data.get("sheet_languages")
    if raw_sheet is not None:
        if not isinstance(raw_sheet, list) or not raw_sheet or not all(isinstance(x, str) for x in raw_sheet):
            problems.add(
                "sheet_languages",
                f"'sheet_languages' must be a list such as [\"es\", \"qu\"], found {raw_sheet!r}",
            )
        elif unknown := [lang for lang in raw_sheet if lang not in project.languages]:
            problems.add(
                "sheet_languages",
                f"'sheet_languages' names {', '.join(map(repr, unknown))}, not one of the project's "
                f"languages ({', '.join(project.languages)})",
            )
        else:
            sheet_languages = tuple(dict.fromkeys(raw_sheet))

    text: dict[str, TextValue] = {}
    raw_text = data.get("text", {})
    if not isinstance(raw_text, dict):
        problems.add("text", "[text] must be a table of text fields")
        raw_text = {}
    problems.unknown(raw_text, set(TEXT_FIELDS), "text.")
    for field_name, spec in TEXT_FIELDS.items():
        key = f"text.{field_name}"
        if field_name not in raw_text:
            continue
        value = raw_text[field_name]
        if spec.kind is Kind.INLINE:
            if (msg := message(key, value, field_name, spec.description)) is not None:
                text[field_name] = msg
        elif spec.kind is Kind.LIST:
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                problems.add(key, f"'{field_name}' must be a list of non-empty strings, found {value!r}")
                continue
            items = []
            line = None
            for item in value:
                line = source.item_line(key, item, line)
                if (msg := message(key, item, field_name, spec.description, line)) is not None:
                    items.append(msg)
            text[field_name] = tuple(items)
        else:
            document = _document(project, folder, key, field_name, spec, value, source, problems)
            if document is not None:
                text[field_name] = document

    event = _event(data.get("event"), source, problems, message)

    link = None
    raw_link = data.get("link")
    if raw_link is not None:
        if not isinstance(raw_link, dict):
            problems.add("link", "[link] must be a table with a 'url'")
        else:
            problems.unknown(raw_link, _LINK_KEYS, "link.")
            url = raw_link.get("url")
            if not isinstance(url, str) or not _url_ok(url):
                problems.add(
                    "link.url",
                    f"'link.url' must be an http(s) address of at most {MAX_URL_CHARS} characters, "
                    f"found {str(url)[:80]!r}",
                )
            else:
                link = Link(url)

    images: dict[str, Image] = {}
    raw_images = data.get("images", {})
    if not isinstance(raw_images, dict):
        problems.add(
            "images",
            '[images] must be a table of pictures, such as logo = { file = "logo.svg", alt = "..." }',
        )
        raw_images = {}
    for image_name, raw in raw_images.items():
        key = f"images.{image_name}"
        if not isinstance(raw, dict) or not isinstance(raw.get("file"), str):
            problems.add(key, f'\'{key}\' must be {{ file = "name.svg", alt = "what it shows" }}')
            continue
        problems.unknown(raw, _IMAGE_KEYS, f"{key}.")
        file = (folder / raw["file"]).resolve()
        if folder.resolve() not in file.parents:
            problems.add(key, f"'{key}' must be a file inside the leaflet folder, found {raw['file']!r}")
        elif not file.is_file():
            problems.add(key, f"'{key}' names {raw['file']!r}, which does not exist")
        elif file.suffix.lower() not in IMAGE_TYPES:
            problems.add(key, f"'{key}' must be one of {', '.join(sorted(IMAGE_TYPES))}, found {file.name!r}")
        elif alt := message(
            key, raw.get("alt"), f"{key}.alt", "Describes the picture for people who cannot see it."
        ):
            images[image_name] = Image(image_name, file, alt)

    if problems.problems:
        raise ContentError("\n".join(problems.problems))
    assert title is not None
    variants = load_events(project, folder, event)
    return Leaflet(
        name,
        folder,
        title,
        formats,
        MappingProxyType(text),
        event,
        link,
        source.line_of("formats"),
        MappingProxyType(images),
        variants,
        sheet_languages=sheet_languages,
        sheet_languages_line=source.line_of("sheet_languages"),
    )


EVENTS_FILE = "events.csv"
EVENT_COLUMNS = ("city", "date", "time", "place", "link")
#: Folders qillqa itself writes beside a leaflet's event folders: a city may not take their names.
RESERVED_FOLDERS = frozenset({"print", "web", "preview"})


def slugify(text: str) -> str:
    """A folder and file-name slug in any script: letters and digits joined by '-'.

    Accents on Latin letters are dropped ("São Paulo" -> "sao-paulo", "Zürich" -> "zurich");
    other scripts are kept, lower-cased ("Київ" -> "київ", "北京" -> "北京").
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold()
    return re.sub(r"[\W_]+", "-", folded).strip("-")


def event_slug(city: str) -> str:
    """The slug of an event's city; never the name of a folder qillqa writes itself."""
    slug = slugify(city)
    return f"{slug}-city" if slug in RESERVED_FOLDERS else slug


def load_events(project: Project, folder: Path, base: Event | None) -> tuple[EventVariant, ...]:
    """The rows of ``events.csv``: city, date, time (``14:00`` or ``14:00-17:00``), place, link."""
    path = folder / EVENTS_FILE
    if not path.is_file():
        return ()
    shown = project.relative(path)
    text = read_text_inside(path, project.root, MAX_TEXT_FILE_BYTES, ContentError, shown)
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []  # (first line of the row, its cells)
    first_line = 1
    try:
        for row in reader:
            rows.append((first_line, row))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise ContentError(f"not a readable CSV line: {exc}", path=shown, line=first_line) from exc
    if not rows or [c.strip().lower() for c in rows[0][1]] != list(EVENT_COLUMNS):
        raise ContentError(f"the first line must be the header {','.join(EVENT_COLUMNS)}", path=shown, line=1)
    variants: list[EventVariant] = []
    seen: dict[str, int] = {}
    for number, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if any(len(cell) > MAX_CSV_FIELD_CHARS for cell in row):
            raise ContentError(
                f"a field is longer than the {MAX_CSV_FIELD_CHARS:,} characters one may have",
                path=shown,
                line=number,
            )
        if len(row) != len(EVENT_COLUMNS):
            raise ContentError(
                f"expected {len(EVENT_COLUMNS)} columns, found {len(row)}", path=shown, line=number
            )
        city, date, time, place, url = (cell.strip() for cell in row)
        if len(city) > MAX_CITY_CHARS:
            raise ContentError(
                f"'city' may have at most {MAX_CITY_CHARS} characters (it names a folder), found {len(city)}",
                path=shown,
                line=number,
            )
        slug = event_slug(city)
        if not slug:
            raise ContentError(f"'city' must name a city, found {city!r}", path=shown, line=number)
        if slug in seen:
            raise ContentError(f"{city!r} is already the city of line {seen[slug]}", path=shown, line=number)
        seen[slug] = number
        try:
            day = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise ContentError(
                f"'date' must look like 2026-12-05, found {date!r}", path=shown, line=number
            ) from exc
        times = re.fullmatch(r"(\d{1,2}):(\d{2})(?:\s*-\s*(\d{1,2}):(\d{2}))?", time)
        if not times or int(times[1]) > 23 or int(times[2]) > 59 or (times[3] and int(times[3]) > 23):
            raise ContentError(
                f"'time' must look like 14:00 or 14:00-17:00, found {time!r}", path=shown, line=number
            )
        start = dt.time(int(times[1]), int(times[2]))
        end = dt.time(int(times[3]), int(times[4])) if times[3] else None
        if url and not _url_ok(url):
            raise ContentError(
                f"'link' must be an http(s) address of at most {MAX_URL_CHARS} characters, "
                f"found {url[:80]!r}",
                path=shown,
                line=number,
            )
        event = Event(day, start, end, base.timezone if base else None, None, "", place)
        variants.append(EventVariant(slug, city, event, Link(url) if url else None))
    return tuple(variants)


def _document(
    project: Project,
    folder: Path,
    key: str,
    field_name: str,
    spec: FieldSpec,
    value: Any,
    source: TomlSource,
    problems: _Collector,
) -> Document | None:
    if isinstance(value, str):
        base_line = (source.line_of(key) or 1) - 1
        text, shown = value, problems.shown
    elif isinstance(value, dict) and set(value) == {"file"} and isinstance(value["file"], str):
        file = (folder / value["file"]).resolve()
        if folder.resolve() not in file.parents:
            problems.add(
                key,
                f"'{field_name}' file must be inside the leaflet folder, found {value['file']!r}",
            )
            return None
        shown = project.relative(file)
        if not file.is_file():
            problems.add(key, f"'{field_name}' names {value['file']!r}, which does not exist")
            return None
        text = read_text_inside(file, project.root, MAX_TEXT_FILE_BYTES, ContentError, shown)
        base_line = 0
    else:
        problems.add(
            key,
            f"'{field_name}' must be Markdown text or {{ file = \"name.md\" }}, found {value!r}",
        )
        return None
    comments = (spec.description, *source.comments_for(key))
    try:
        messages = tuple(
            Message(field_name, block.text, shown, base_line + block.line, comments)
            for block in markup.blocks(text)
        )
    except markup.TooDeep as exc:
        raise ContentError(str(exc), path=shown, line=base_line + exc.line) from exc
    return Document(text, messages)


def _event(raw: Any, source: TomlSource, problems: _Collector, message: Any) -> Event | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add("event", "[event] must be a table")
        return None
    problems.unknown(raw, _EVENT_KEYS, "event.")
    date = raw.get("date")
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        problems.add("event.date", f"'event.date' must be a date such as 2026-12-05, found {date!r}")
    times: list[dt.time | None] = []
    for key in ("start", "end"):
        value = raw.get(key)
        if isinstance(value, str) and re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
            hours, minutes = value.strip().split(":")
            value = dt.time(int(hours), int(minutes))
        if value is not None and not isinstance(value, dt.time):
            problems.add(f"event.{key}", f"'event.{key}' must be a time such as \"14:00\", found {value!r}")
            value = None
        times.append(value)
    start, end = times
    if end is not None and start is None:
        problems.add("event.end", "'event.end' needs an 'event.start'")
    elif start and end and end <= start:
        problems.add("event.end", f"'event.end' ({end:%H:%M}) must be after 'event.start' ({start:%H:%M})")
    timezone = raw.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            problems.add(
                "event.timezone",
                f"'event.timezone' must be a zone such as \"Europe/London\", found {timezone!r}",
            )
    place = None
    if "place" in raw:
        place = message("event.place", raw["place"], "event.place", "The meeting point.")
    address = raw.get("address", "")
    if not isinstance(address, str):
        problems.add("event.address", f"'event.address' must be a string, found {address!r}")
        address = ""
    if not isinstance(date, dt.date):
        return None
    return Event(date, start, end, timezone, place, address)
