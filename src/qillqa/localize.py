"""Translate a leaflet into one language: the fields a template receives.

Every text goes through the language's :class:`~qillqa.catalogs.Translator`,
then through the Markdown renderer, so templates get escaped, ready HTML
(:class:`markupsafe.Markup`) and never see raw text from authors or translators.
"""

from __future__ import annotations

import io
from functools import cache, partial
from typing import Any

import segno
from markupsafe import Markup, escape

from qillqa import markup
from qillqa.catalogs import Translator
from qillqa.content import TEXT_FIELDS, Document, Kind, Leaflet, Message
from qillqa.templating import Namespace


def localize(leaflet: Leaflet, language: str, translator: Translator) -> Namespace:
    """The leaflet's fields in ``language``, for a template."""

    def translate(message: Message) -> str:
        return translator.pgettext(message.context, message.text)

    def field(name: str) -> Any:
        spec, value = TEXT_FIELDS[name], leaflet.text.get(name)
        if spec.kind is Kind.INLINE:
            return markup.inline(translate(value), language) if isinstance(value, Message) else Markup("")
        if spec.kind is Kind.LIST:
            return [
                markup.inline(translate(item), language)
                for item in (value if isinstance(value, tuple) else ())
            ]
        if isinstance(value, Document):
            return markup.document(value.source, partial(translator.pgettext, name), language)
        return Markup("")

    text = Namespace("leaflet.text", {}, {name: partial(field, name) for name in TEXT_FIELDS})

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
                "place": (
                    markup.inline(translate(e.place), language) if e.place else Markup(escape(e.place_text))
                ),
                "address": e.address,
            },
        )
    link = None
    if leaflet.link is not None:
        url = leaflet.link.url
        link = Namespace(
            "leaflet.link",
            {"url": url, "display": leaflet.link.display},
            {"qr": partial(qr_svg, url)},  # made only for a format that prints it
        )
    images = {
        name: Namespace(f"leaflet.images.{name}", {"url": image.path.as_uri(), "alt": translate(image.alt)})
        for name, image in leaflet.images.items()
    }
    return Namespace(
        "leaflet",
        {
            "name": leaflet.name,
            "title": escape(translate(leaflet.title)),
            "text": text,
            "event": event,
            "link": link,
            "images": images,
        },
    )


@cache
def qr_svg(url: str) -> Markup:
    """A vector QR code of ``url`` as inline SVG: black modules, no background, quiet zone included."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        border=4,
        dark="#000",
        light=None,
        svgclass="qr",
        lineclass=None,
        omitsize=True,
    )
    return Markup(buffer.getvalue().decode("utf-8"))
