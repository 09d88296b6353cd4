"""Checks on the images a page loads, before WeasyPrint draws them.

A leaflet's logo is a file from anyone. An SVG of a few kilobytes can expand without
end through ``<use>`` (each copy drawing more copies), nest thousands of elements deep,
or declare XML entities; a small PNG can decode to gigabytes of pixels. WeasyPrint draws
SVG while it writes the PDF, so these are refused here, by name, in linear time; the
worker's budget (:mod:`qillqa.pool`) stops whatever gets past them.
"""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

from qillqa.limits import MAX_IMAGE_PIXELS, MAX_NESTING, MAX_SVG_ELEMENTS

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
#: ``url(#id)`` references in presentation attributes (fill, mask, marker-start, filter...).
_URL_REFERENCE = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")


def check_svg(data: bytes) -> str | None:
    """Why an SVG file is refused, or ``None``."""
    if b"<!ENTITY" in data:
        return "it declares XML entities, which qillqa refuses in SVG files"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return f"it is not a well-formed SVG file ({exc})"
    by_id: dict[str, ElementTree.Element] = {}
    # Depth first, without recursion: depth of each element, and the ids.
    stack = [(root, 1)]
    order: list[ElementTree.Element] = []
    while stack:
        element, depth = stack.pop()
        if depth > MAX_NESTING:
            return f"its elements nest more than {MAX_NESTING} deep"
        order.append(element)
        if len(order) > MAX_SVG_ELEMENTS:
            return f"it has more than {MAX_SVG_ELEMENTS:,} elements"
        identifier = element.get("id")
        if identifier:
            by_id.setdefault(identifier, element)
        stack.extend((child, depth + 1) for child in element)
    # The size of each element once every reference is expanded, children before parents;
    # references are resolved lazily, with a cycle check, and sizes are capped at the limit.
    size: dict[int, int] = {}
    visiting: set[int] = set()
    cap = MAX_SVG_ELEMENTS + 1

    def references(element: ElementTree.Element) -> list[ElementTree.Element]:
        targets = []
        href = element.get(_XLINK_HREF) or element.get("href") or ""
        if href.startswith("#") and href[1:] in by_id:
            targets.append(by_id[href[1:]])
        for value in element.attrib.values():
            if "url(" in value:
                targets += [by_id[name] for name in _URL_REFERENCE.findall(value) if name in by_id]
        return targets

    def expanded(start: ElementTree.Element) -> int | None:
        work = [(start, False)]
        while work:
            element, ready = work.pop()
            key = id(element)
            if key in size:
                continue
            parts = [*element, *references(element)]
            if not ready:
                if key in visiting:
                    return None  # a reference leads back to itself
                visiting.add(key)
                work.append((element, True))
                work.extend((part, False) for part in parts if id(part) not in size)
                continue
            visiting.discard(key)
            if any(id(part) not in size for part in parts):
                return None
            size[key] = min(cap, 1 + sum(size[id(part)] for part in parts))
        return size[id(start)]

    total = expanded(root)
    if total is None:
        return "an element refers to itself through <use> or url(#...)"
    if total > MAX_SVG_ELEMENTS:
        return f"it expands to more than {MAX_SVG_ELEMENTS:,} elements once <use> copies are drawn"
    return None


def check_raster(data: bytes) -> str | None:
    """Why a raster image is refused; ``None`` if it is fine or not a raster image at all."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Image.DecompressionBombError:
            width, height = -1, -1
        except (UnidentifiedImageError, OSError, ValueError):
            return None
    if width < 0 or width * height > MAX_IMAGE_PIXELS:
        shown = f"{width} x {height} pixels" if width >= 0 else "so many pixels"
        return f"it is {shown}, more than the {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels a picture may have"
    return None


#: Resources that may be pictures (WeasyPrint tries any resource as raster, then as SVG).
_MAYBE_IMAGE = ("image/", "application/octet-stream", "application/xml", "text/xml", "text/plain")


def check_image(data: bytes, content_type: str) -> str | None:
    """Why a resource that may be a picture is refused; stylesheets and fonts pass."""
    if not content_type.startswith(_MAYBE_IMAGE):
        return None
    if data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return check_svg(data)  # no raster format starts with "<"
    return check_raster(data)
