"""Extraction: the messages of templates and leaflets, as POT catalogues.

Template strings are found by Babel's Jinja extractor (``{% trans %}``, ``_()``,
``pgettext()``), with their ``Translators:`` comments; a leaflet's messages come from its
fields, each with its context, source reference, description and the room each format
gives it. Kept apart from :mod:`qillqa.catalogs` (which reads and translates) so that
templating and catalogues do not import each other.
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file

from qillqa.catalogs import BUILTIN_MESSAGES, COMMENT_TAGS, TEMPLATE_PATTERNS, TEMPLATES_DOMAIN, now
from qillqa.content import Leaflet
from qillqa.project import Project
from qillqa.templating import translate_jinja_error


def new_template(project: Project, domain: str) -> Catalog:
    """An empty POT catalogue with the project's header."""
    return Catalog(
        domain=domain,
        project=project.name,
        version=None,
        copyright_holder=project.name,
        msgid_bugs_address=None,
        creation_date=now(),
        header_comment=(
            f'# {domain}: messages of the qillqa project "{project.name}".\n'
            "# Edit the translations in locales/<lang>/LC_MESSAGES/; see TRANSLATING.md."
        ),
        fuzzy=False,
    )


def extract_templates(project: Project) -> Catalog:
    """Messages that the project's templates own (``{% trans %}``, ``_()``, ``pgettext()``)."""
    catalog = new_template(project, TEMPLATES_DOMAIN)
    files = sorted(
        path for pattern in TEMPLATE_PATTERNS for path in project.templates_dir.glob(f"*/{pattern}")
    )
    for path in files:
        shown = project.relative(path).as_posix()
        try:
            results = extract_from_file(
                "jinja2",
                path,
                comment_tags=COMMENT_TAGS,
                strip_comment_tags=True,
                options={"extensions": "jinja2.ext.i18n", "trimmed": "true"},
            )
        except Exception as exc:  # Jinja syntax errors surface here
            raise translate_jinja_error(exc, path, project) from exc
        for lineno, message, comments, context in results:
            catalog.add(message, locations=[(shown, lineno)], auto_comments=comments, context=context)
    for context, msgid, comment in BUILTIN_MESSAGES:
        catalog.add(msgid, auto_comments=[comment], context=context)
    return catalog


def extract_leaflet(project: Project, leaflet: Leaflet) -> Catalog:
    """Messages of a leaflet's content, with contexts, references and translator comments."""
    from qillqa.formats import format_names, load_format  # local: formats are optional here

    catalog = new_template(project, leaflet.domain)
    rooms = [load_format(project, name) for name in leaflet.formats if name in format_names(project)]
    for message in leaflet.messages():
        existing = catalog.get(message.text, context=message.context)
        location = (message.path.as_posix(), message.line)
        if existing is not None:
            existing.locations.append(location)
            continue
        room = [
            f"{fmt.name}: about {fmt.room[message.context]}" for fmt in rooms if message.context in fmt.room
        ]
        if room:
            room_note = f"Room, in characters: {'; '.join(room)}."
        catalog.add(
            message.text,
            locations=[location],
            auto_comments=[*message.comments, *([room_note] if room else [])],
            context=message.context,
        )
    return catalog
