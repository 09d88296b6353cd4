"""The colour of what a PDF draws, changed after WeasyPrint has drawn it.

WeasyPrint draws every CSS colour in DeviceRGB, even grey: ``0.2 0.2 0.2 rg``. A colour
printer given that prints it with cyan, magenta and yellow as well as black, so a
"toner-saving" ``--mono`` file would cost more toner than the colour one. :func:`to_device_gray`
rewrites the colour operators of every content stream (pages, forms, tiling patterns) as
DeviceGray (``0.2 g``), which a printer prints with black alone.
"""

from __future__ import annotations

import io

import pikepdf

_RGB = {"rg": "g", "RG": "G"}


def grey(red: float, green: float, blue: float) -> float:
    """The grey of an RGB colour: itself when it is one, else its luminance (ITU-R BT.601)."""
    if max(red, green, blue) - min(red, green, blue) < 1e-6:
        return red
    return 0.299 * red + 0.587 * green + 0.114 * blue


def to_device_gray(pdf: bytes) -> bytes:
    """``pdf`` with every ``rg``/``RG`` colour drawn as ``g``/``G``; the rest as it was.

    The file's structure (tags, boxes, metadata) is kept; the output is reproducible.
    """
    with pikepdf.open(io.BytesIO(pdf)) as document:
        done: set[tuple[int, int]] = set()
        for page in document.pages:
            page.contents_coalesce()
            _rewrite(page.obj.Contents, done)
            _walk(page.obj.get("/Resources"), done)
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
    return out.getvalue()


def _walk(resources: object, done: set[tuple[int, int]]) -> None:
    if not isinstance(resources, pikepdf.Dictionary):
        return
    for key in ("/XObject", "/Pattern"):
        group = resources.get(key)
        if not isinstance(group, pikepdf.Dictionary):
            continue
        for item in group.values():
            if not isinstance(item, pikepdf.Stream) or item.objgen in done:
                continue
            if item.get("/Subtype") == "/Form" or item.get("/PatternType") == 1:
                _rewrite(item, done)
                _walk(item.get("/Resources"), done)


def _rewrite(stream: pikepdf.Object, done: set[tuple[int, int]]) -> None:
    if stream.objgen != (0, 0):
        if stream.objgen in done:
            return
        done.add(stream.objgen)
    instructions: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
    changed = False
    for item in pikepdf.parse_content_stream(stream):
        if isinstance(item, pikepdf.ContentStreamInlineImage):
            instructions.append(item)
            continue
        operands, operator = item.operands, item.operator
        name = str(operator)
        if name in _RGB and len(operands) == 3:
            value = grey(*(float(v) for v in operands))
            instructions.append(pikepdf.ContentStreamInstruction([value], pikepdf.Operator(_RGB[name])))
            changed = True
        else:
            instructions.append(pikepdf.ContentStreamInstruction(operands, operator))
    if changed:
        stream.write(pikepdf.unparse_content_stream(instructions))
