"""Fonts from ``fontpkg-*`` packages: the same files on every machine.

A format names families and weights; this module finds the files that pip
installed and writes the ``@font-face`` rules WeasyPrint uses. Fonts never come
from the system, so a PDF looks the same wherever it is built.
"""

from __future__ import annotations

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
