"""Fonts from ``fontpkg-*`` packages: the same files on every machine.

A format names families and weights; this module finds the files that pip
installed and writes the ``@font-face`` rules WeasyPrint uses. Fonts never come
from the system, so a PDF looks the same wherever it is built.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qillqa.errors import TemplateError
from qillqa.formats import FontSpec, slug


@dataclass(frozen=True)
class FontFace:
    family: str
    weight: int
    style: str
    path: Path

    @property
    def css(self) -> str:
        return (
            "@font-face { "
            f'font-family: "{self.family}"; font-weight: {self.weight}; font-style: {self.style}; '
            f'src: url("{self.path.as_uri()}"); }}'
        )


@cache
def resolve(spec: FontSpec) -> tuple[FontFace, ...]:
    """The font files for ``spec``; a missing package or weight is a clear error."""
    import fontpkg  # local: importing it scans installed packages

    faces = []
    wanted = [(w, "normal") for w in spec.weights] + [(w, "italic") for w in spec.italic]
    for weight, style in wanted:
        try:
            path = Path(fontpkg.path(spec.family, weight, style))
        except fontpkg.FamilyNotInstalled as exc:
            raise TemplateError(
                f"font family {spec.family!r} is not installed; "
                f"install it with: pip install fontpkg-{slug(spec.family)}"
            ) from exc
        except fontpkg.FontpkgError as exc:
            raise TemplateError(f"font family {spec.family!r} has no {style} weight {weight}: {exc}") from exc
        faces.append(FontFace(spec.family, weight, style, path.resolve()))
    return tuple(faces)


def faces(specs: tuple[FontSpec, ...]) -> tuple[FontFace, ...]:
    return tuple(face for spec in specs for face in resolve(spec))


def font_css(specs: tuple[FontSpec, ...]) -> str:
    return "\n".join(face.css for face in faces(specs))


#: Characters that never need a glyph: they are spacing controls or invisible break hints.
INVISIBLE = frozenset("\n\r\t\u00ad\u200b\u200c\u200d\u2060\ufeff")


@cache
def coverage(specs: tuple[FontSpec, ...]) -> frozenset[int]:
    """Code points that at least one of the format's faces can draw.

    Anything else would make WeasyPrint fall back to a system font, or draw tofu.
    """
    from fontTools.ttLib import TTFont  # local: only glyph checks need it

    points: set[int] = set()
    for face in faces(specs):
        with TTFont(face.path, lazy=True) as font:
            points.update(font.getBestCmap() or {})
    return frozenset(points)


def describe_chars(chars: list[str]) -> str:
    """``U+1F600 '😀' (GRINNING FACE), ...``: characters as an error message names them."""
    return ", ".join(f"U+{ord(c):04X} {c!r} ({unicodedata.name(c, 'unnamed')})" for c in chars)


def missing_glyphs(text: str, specs: tuple[FontSpec, ...]) -> list[str]:
    """The distinct characters of ``text`` that none of the format's fonts can draw."""
    covered = coverage(specs)
    # Pango draws the Unicode spaces itself when a font lacks them (category Zs).
    return sorted(
        {c for c in text if c not in INVISIBLE and unicodedata.category(c) != "Zs" and ord(c) not in covered}
    )
