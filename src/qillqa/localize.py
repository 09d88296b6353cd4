"""Translate a leaflet into one language: the fields a template receives.

Every text goes through the language's :class:`~qillqa.catalogs.Translator`,
then through the Markdown renderer, so templates get escaped, ready HTML
(:class:`markupsafe.Markup`) and never see raw text from authors or translators.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from markupsafe import Markup, escape

from qillqa import markup
from qillqa.catalogs import Translator
from qillqa.content import TEXT_FIELDS, Document, Kind, Leaflet, Message
from qillqa.templating import Namespace


def localize(leaflet: Leaflet, language: str, translator: Translator) -> Namespace:
    """The leaflet's fields in ``language``, for a template."""

    def translate(message: Message) -> str:
        return translator.pgettext(message.context, message.text)

    text: dict[str, Any] = {}
    for name, spec in TEXT_FIELDS.items():
        value = leaflet.text.get(name)
        if spec.kind is Kind.INLINE:
            text[name] = (
                markup.inline(translate(value), language) if isinstance(value, Message) else Markup("")
            )
        elif spec.kind is Kind.LIST:
            items = value if isinstance(value, tuple) else ()
            text[name] = [markup.inline(translate(item), language) for item in items]
        else:
            text[name] = (
                markup.document(value.source, partial(translator.pgettext, name), language)
                if isinstance(value, Document)
                else Markup("")
            )

    event = None
    if leaflet.event is not None:
        e = leaflet.event
        event = Namespace(
            "leaflet.event",
            {
                "date": e.date,
                "start": e.start,
                "end": e.end,
                "timezone": e.timezone,
                "place": markup.inline(translate(e.place), language) if e.place else Markup(""),
                "address": e.address,
            },
        )
    link = None
    if leaflet.link is not None:
        link = Namespace("leaflet.link", {"url": leaflet.link.url, "display": leaflet.link.display})
    return Namespace(
        "leaflet",
        {
            "name": leaflet.name,
            "title": escape(translate(leaflet.title)),
            "text": Namespace("leaflet.text", text),
            "event": event,
            "link": link,
        },
    )
