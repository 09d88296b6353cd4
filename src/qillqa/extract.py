"""Extraction: the messages of templates and leaflets, as POT catalogues.

Template strings are found by Babel's Jinja extractor (``{% trans %}``, ``_()``,
``pgettext()``), with their ``Translators:`` comments; a leaflet's messages come from its
fields, each with its context, source reference, description and the room each format
gives it. Kept apart from :mod:`qillqa.catalogs` (which reads and translates) so that
templating and catalogues do not import each other.
"""

from __future__ import annotations

from babel.messages.extract import extract_from_file

from qillqa.catalogs import BUILTIN_MESSAGES, COMMENT_TAGS, TEMPLATE_PATTERNS, TEMPLATES_DOMAIN, now
from qillqa.checks import python_format
from qillqa.content import Leaflet
from qillqa.headers import template_header
from qillqa.po import PoFile, new_unit
from qillqa.project import Project
from qillqa.templating import translate_jinja_error


def new_template(project: Project, domain: str) -> PoFile:
    """An empty POT catalogue with the project's header."""
    return PoFile.new(
        template_header(project.name, now()),
        (
            f'{domain}: messages of the qillqa project "{project.name}".',
            "Edit the translations in locales/<lang>/LC_MESSAGES/; see TRANSLATING.md.",
        ),
    )


def _add(
    catalog: PoFile,
    msgid: str,
    context: str | None,
    plural: str | None = None,
    location: str | None = None,
    comments: list[str] | tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> None:
    """Add a message, or (met before) add its location and any new comment to the entry."""
    entry = catalog.get(msgid, context)
    if entry is None:
        catalog.add(
            new_unit(
                msgid,
                context,
                plural,
                auto_comments=list(dict.fromkeys(comments)),
                locations=[location] if location else [],
                flags=flags,
            )
        )
        return
    if location and location not in entry.locations:
        entry.unit.addlocation(location)
    for comment in comments:
        if comment not in entry.auto_comments:
            entry.unit.addnote(comment, origin="developer")


def extract_templates(project: Project) -> PoFile:
    """Messages that the project's templates own (``{% trans %}``, ``_()``, ``pgettext()``).

    A message with a named placeholder (``%(start)s``) is ``python-format``: Jinja
    %-formats it, and gettext's tools then check a translation keeps its placeholders.
    """
    catalog = new_template(project, TEMPLATES_DOMAIN)
    files = sorted(
        path for pattern in TEMPLATE_PATTERNS for path in project.templates_dir.glob(f"*/{pattern}")
    )
    for path in files:
        shown = project.relative(path).as_posix()
        try:
            results = list(
                extract_from_file(
                    "jinja2",
                    path,
                    comment_tags=COMMENT_TAGS,
                    strip_comment_tags=True,
                    options={"extensions": "jinja2.ext.i18n", "trimmed": "true"},
                )
            )
        except Exception as exc:  # Jinja syntax errors surface here
            raise translate_jinja_error(exc, path, project) from exc
        for lineno, message, comments, context in results:
            msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
            flags = ("python-format",) if python_format(" ".join(filter(None, (msgid, plural)))) else ()
            _add(catalog, msgid, context, plural, f"{shown}:{lineno}", comments, flags)
    for context, msgid, comment in BUILTIN_MESSAGES:
        _add(catalog, msgid, context, comments=[comment])
    return catalog


def extract_leaflet(project: Project, leaflet: Leaflet) -> PoFile:
    """Messages of a leaflet's content, with contexts, references and translator comments."""
    from qillqa.formats import format_names, load_format  # local: formats are optional here

    catalog = new_template(project, leaflet.domain)
    rooms = [load_format(project, name) for name in leaflet.formats if name in format_names(project)]
    for message in leaflet.messages():
        location = f"{message.path.as_posix()}:{message.line}"
        if catalog.get(message.text, message.context) is not None:
            _add(catalog, message.text, message.context, location=location)
            continue
        room = [
            f"{fmt.name}: about {fmt.room[message.context]}" for fmt in rooms if message.context in fmt.room
        ]
        room_note = [f"Room, in characters: {'; '.join(room)}."] if room else []
        comments = [*message.comments, *room_note]
        _add(catalog, message.text, message.context, location=location, comments=comments)
    return catalog
