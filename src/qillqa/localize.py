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
    """The leaflet's fields in ``language``, for a template.

    A text printed in another language (a fallback's, or the source's) is marked as that
    language (``<span lang>``, ``lang`` on its block), so hyphenation, quotes and the PDF's
    structure follow the words actually printed.
    """

    def translate(message: Message) -> tuple[str, str]:
        return translator.lookup(message.context, message.text)

    def inline(message: Message) -> Markup:
        text, printed = translate(message)
        html = markup.inline(text, printed)
        if printed == language:
            return html
        return Markup('<span lang="{}">{}</span>').format(printed.replace("_", "-"), html)

    def field(name: str) -> Any:
        spec, value = TEXT_FIELDS[name], leaflet.text.get(name)
        if spec.kind is Kind.INLINE:
            return inline(value) if isinstance(value, Message) else Markup("")
        if spec.kind is Kind.LIST:
            return [inline(item) for item in (value if isinstance(value, tuple) else ())]
        if isinstance(value, Document):
            return markup.document(value.source, partial(translator.lookup, name), language)
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
                "place": inline(e.place) if e.place else Markup(escape(e.place_text)),
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

    def picture(name: str, url: str, alt: Message) -> Namespace:
        text, printed = translate(alt)
        # An alt text in a fallback language says which, for an <img lang> (and the PDF's /Lang).
        other = printed.replace("_", "-") if printed != language else ""
        return Namespace(f"leaflet.images.{name}", {"url": url, "alt": text, "lang": other})

    images = {name: picture(name, image.path.as_uri(), image.alt) for name, image in leaflet.images.items()}
    return Namespace(
        "leaflet",
        {
            "name": leaflet.name,
            "title": escape(translate(leaflet.title)[0]),
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
