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
from dataclasses import dataclass
from xml.etree import ElementTree

from qillqa.limits import MAX_IMAGE_PIXELS, MAX_NESTING, MAX_SVG_ELEMENTS

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
#: ``url(#id)`` references in presentation attributes (fill, mask, marker-start, filter...).
_URL_REFERENCE = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")


@dataclass(frozen=True)
class SvgReport:
    """What checking an SVG file found: why it is refused (or ``None``), and the files it draws."""

    refused: str | None
    images: frozenset[str] = frozenset()


def check_svg(data: bytes) -> SvgReport:
    """Check an SVG file's size once every reference is expanded, its nesting, and its entities.

    References are counted the way WeasyPrint follows them, and then some: ``<use>`` of
    ``#id`` or of ``file.svg#id`` (WeasyPrint takes both as this file's ``id``), ``url(#id)``
    in any attribute, and for an id given twice, every element that has it.
    """
    if b"<!ENTITY" in data or b"<\x00!\x00E\x00N\x00T" in data or b"\x00<\x00!\x00E\x00N" in data:
        return SvgReport("it declares XML entities, which qillqa refuses in SVG files")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return SvgReport(None)  # not XML: not an SVG WeasyPrint could draw either
    by_id: dict[str, list[ElementTree.Element]] = {}
    images: set[str] = set()
    styled: list[str] = []  # ids a <style> element refers to with url(#id): any element may use them
    # Depth first, without recursion: the depth of each element, the ids, the files drawn.
    stack = [(root, 1)]
    count = 0
    while stack:
        element, depth = stack.pop()
        if depth > MAX_NESTING:
            return SvgReport(f"its elements nest more than {MAX_NESTING} deep")
        count += 1
        if count > MAX_SVG_ELEMENTS:
            return SvgReport(f"it has more than {MAX_SVG_ELEMENTS:,} elements")
        identifier = element.get("id")
        if identifier:
            by_id.setdefault(identifier, []).append(element)
        name = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if name in ("image", "feImage"):
            href = _href(element)
            if href[:30].lower().replace(" ", "").startswith("data:image/svg"):
                return SvgReport("it draws another SVG picture, which qillqa does not allow")
            if href and not href.startswith(("#", "data:")):
                images.add(href)
        elif name == "style" and element.text and "url(" in element.text:
            styled += _URL_REFERENCE.findall(element.text)
        stack.extend((child, depth + 1) for child in element)

    def references(element: ElementTree.Element) -> list[ElementTree.Element]:
        targets: list[ElementTree.Element] = []
        href = _href(element)
        if "#" in href and element.tag.rpartition("}")[2] != "image":
            targets += by_id.get(href.rpartition("#")[2], [])
        for value in element.attrib.values():
            if "url(" in value:
                for name in _URL_REFERENCE.findall(value):
                    targets += by_id.get(name, [])
        return targets

    # The size of each element once every reference is expanded, children before parents,
    # references resolved lazily with a cycle check, sizes capped at the limit.
    size: dict[int, int] = {}
    visiting: set[int] = set()
    cap = MAX_SVG_ELEMENTS + 1
    work = [(root, False)]
    while work:
        element, ready = work.pop()
        key = id(element)
        if key in size:
            continue
        parts = [*element, *references(element)]
        if not ready:
            if key in visiting:
                return SvgReport("an element refers to itself through <use> or url(#...)")
            visiting.add(key)
            work.append((element, True))
            work.extend((part, False) for part in parts if id(part) not in size)
            continue
        visiting.discard(key)
        if any(id(part) not in size for part in parts):
            return SvgReport("an element refers to itself through <use> or url(#...)")
        size[key] = min(cap, 1 + sum(size[id(part)] for part in parts))
    total = size[id(root)]
    if styled:
        # A stylesheet's url(#id) may apply to every element: count it once for each.
        per_element = sum(size.get(id(target), cap) for name in set(styled) for target in by_id.get(name, []))
        total = min(cap, total * (1 + per_element))
    if total > MAX_SVG_ELEMENTS:
        return SvgReport(
            f"it expands to more than {MAX_SVG_ELEMENTS:,} elements once every copy that <use> or "
            "url(#...) makes is drawn"
        )
    return SvgReport(None, frozenset(images))


def _href(element: ElementTree.Element) -> str:
    return (element.get(_XLINK_HREF) or element.get("href") or "").strip()


def check_raster(data: bytes) -> str | bool | None:
    """Why a raster image is refused; ``None`` if it is fine; ``False`` if it is not a raster image."""
    from PIL import Image, UnidentifiedImageError

    guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # read the size, decode nothing
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False
    finally:
        Image.MAX_IMAGE_PIXELS = guard
    if width * height > MAX_IMAGE_PIXELS:
        return (
            f"it is {width} x {height} pixels, more than the {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels "
            "a picture may have"
        )
    return None


#: Resources that may be pictures (WeasyPrint tries any resource as raster, then as SVG).
_MAYBE_IMAGE = ("image/", "application/octet-stream", "application/xml", "text/xml", "text/plain")


def check_image(data: bytes, content_type: str) -> SvgReport:
    """Why a resource that may be a picture is refused; stylesheets and fonts pass.

    Like WeasyPrint, this tries the bytes as a raster image first, then as SVG, whatever
    they start with (an SVG may be UTF-16, or start with a kilobyte of spaces).
    """
    if not content_type.startswith(_MAYBE_IMAGE):
        return SvgReport(None)
    raster = check_raster(data)
    if raster is not False:
        return SvgReport(raster if isinstance(raster, str) else None)
    return check_svg(data)
