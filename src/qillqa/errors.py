"""One exception hierarchy for every expected failure.

Every error a user can cause derives from :class:`QillqaError`, a
:class:`click.ClickException`, so the CLI prints one clear line and exits with
the error's code instead of showing a traceback. Exceptions from TOML, Jinja,
Babel, WeasyPrint and the OS are translated into these where they occur.
"""

from __future__ import annotations

from pathlib import Path

import click


def where(path: Path | str, line: int | None = None) -> str:
    """Format a source location as ``path:line`` (or just ``path``)."""
    return f"{path}:{line}" if line else str(path)


class QillqaError(click.ClickException):
    """An expected failure: bad input, a failed check, a missing resource."""

    exit_code = 1

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        if path is not None:
            message = f"{where(path, line)}: {message}"
        super().__init__(message)


class UsageError(QillqaError):
    """The command line names something that does not exist (exit code 2)."""

    exit_code = 2


class ProjectError(QillqaError):
    """No project found, or ``qillqa.toml`` is malformed."""


class ContentError(QillqaError):
    """A leaflet's ``leaflet.toml`` or Markdown text is malformed."""


class CatalogError(QillqaError):
    """A PO or POT file cannot be read or written."""


class TemplateError(QillqaError):
    """A format's manifest or Jinja template is broken."""


class RenderError(QillqaError):
    """WeasyPrint failed, a resource was refused, or the PDF breaks the format's rules."""
